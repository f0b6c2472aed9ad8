"""What a bundle shows, as the renderer takes it, and the loaders that fill it per scope.

A scope's loader reads everything the bundle shows with a fixed number of queries (one per
table, however many history records there are) into a :class:`ScopeContent`: the cover facts, the
sections (HTML fragments rendered by Django templates with autoescaping, so vendor text is always
literal text) and the evidence files to attach. The loaders read every app's data, so they live on
the top floor (``tenderleaf/bundles/``) and register themselves here when Django starts
(docs/architecture.md, "The top floor"); this app only knows the scopes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.text import slugify


@dataclass
class Section:
    key: str
    title: str
    body: str


@dataclass
class ScopeContent:
    label: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    files: list = field(default_factory=list)
    # Data identifying the scope in the manifest (ids, years): stable across generations.
    manifest_scope: dict = field(default_factory=dict)


def section_render(key: str, title: str, template: str, context: dict) -> Section:
    key = slugify(key) or "section"
    body = render_to_string(
        f"pdf/sections/{template}", {"section_key": key, "section_title": title, **context}
    )
    return Section(key=key, title=title, body=body)


# EvidenceBundle.Scope value -> loader taking the bundle; filled by scope_loader_register.
_SCOPE_LOADERS: dict[str, Callable[..., ScopeContent]] = {}


def scope_loader_register(scope: str, loader: Callable[..., ScopeContent]) -> None:
    """Make ``loader(bundle)`` the content loader of bundles of ``scope``."""
    _SCOPE_LOADERS[scope] = loader


def scope_content_load(bundle) -> ScopeContent:
    try:
        loader = _SCOPE_LOADERS[bundle.scope]
    except KeyError:
        raise ImproperlyConfigured(
            f"No evidence-bundle loader is registered for the scope {bundle.scope!r}; the "
            "tenderleaf app registers them when it is in INSTALLED_APPS."
        ) from None
    return loader(bundle)
