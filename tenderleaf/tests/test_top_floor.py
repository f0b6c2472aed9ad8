"""What higher apps register with lower ones when Django starts (docs/architecture.md, "Which app
may import which"): without it a bundle could not be built and vendors' pages would lose facts."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from assurance.bundles import sections
from assurance.models import EvidenceBundle
from vendors import extensions


def test_every_bundle_scope_has_its_loader():
    assert set(sections._SCOPE_LOADERS) == set(EvidenceBundle.Scope.values)


def test_a_scope_without_a_loader_says_which_and_who_registers_it(monkeypatch):
    monkeypatch.setattr(sections, "_SCOPE_LOADERS", {})
    with pytest.raises(ImproperlyConfigured, match=r"'contract'.*tenderleaf"):
        sections.scope_content_load(SimpleNamespace(scope="contract"))


def test_each_vendors_hook_is_served_by_the_app_owning_the_fact():
    owners = {
        hook.name: [f"{f.__module__}.{f.__name__}" for f in hook.functions]
        for hook in (
            extensions.portal_open_items,
            extensions.reminders_sent,
            extensions.flags_panel,
            extensions.supplier_data_changed,
        )
    }
    assert owners == {
        "portal_open_items": ["contracts.selectors.contract_open_items_for_vendor"],
        "reminders_sent": ["reminders.selectors.reminders_sent_by_target"],
        "flags_panel": ["reconciliation.links.flags_panel"],
        "supplier_data_changed": ["scope3.admin.runs.supplier_data_offer"],
    }


def test_a_hook_nobody_serves_gives_nothing():
    hook = extensions.Hook("unserved")
    assert hook.results(object()) == []
    assert extensions.html_panels(hook, vendor=None) == "—"
