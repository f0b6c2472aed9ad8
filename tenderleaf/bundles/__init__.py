"""The content of each evidence-bundle scope, read from every app that scope covers.

Each module has a ``load_*`` selector building an :class:`assurance.bundles.sections.ScopeContent`
with a fixed number of queries; :func:`scope_loaders_register` hands them to the bundle service,
which knows the scopes but not the apps (docs/architecture.md, "The top floor").
"""

from __future__ import annotations

from assurance.bundles.sections import scope_loader_register
from assurance.models import EvidenceBundle
from tenderleaf.bundles.contract import load_contract
from tenderleaf.bundles.run import load_run
from tenderleaf.bundles.vendor_period import load_vendor_period


def scope_loaders_register() -> None:
    Scope = EvidenceBundle.Scope
    scope_loader_register(
        Scope.VENDOR_PERIOD,
        lambda bundle: load_vendor_period(
            bundle.vendor_id, bundle.year, bundle.year_to or bundle.year
        ),
    )
    scope_loader_register(Scope.CONTRACT, lambda bundle: load_contract(bundle.contract_id))
    scope_loader_register(Scope.RUN, lambda bundle: load_run(bundle.run_id))
