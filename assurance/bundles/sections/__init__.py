"""The content of each bundle scope, read straight from the models.

Each scope module has a ``load_*`` selector that reads everything the bundle shows with a fixed
number of queries (one per table, however many history records there are) into a
:class:`ScopeContent`: the cover facts, the sections (HTML fragments rendered by Django templates
with autoescaping, so vendor text is always literal text) and the evidence files to attach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def scope_content_load(bundle) -> ScopeContent:
    from assurance.models import EvidenceBundle

    if bundle.scope == EvidenceBundle.Scope.VENDOR_PERIOD:
        from assurance.bundles.sections.vendor_period import load_vendor_period

        return load_vendor_period(bundle.vendor_id, bundle.year, bundle.year_to or bundle.year)
    if bundle.scope == EvidenceBundle.Scope.CONTRACT:
        from assurance.bundles.sections.contract import load_contract

        return load_contract(bundle.contract_id)
    from assurance.bundles.sections.run import load_run

    return load_run(bundle.run_id)
