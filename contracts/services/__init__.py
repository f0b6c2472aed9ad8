"""Writes of the contracts app, one module per area; import from here.

Every function takes the acting user, validates before saving, and records history (with the actor
and reason) and its audit event in one transaction.
"""

from contracts.services.audits import (  # noqa: F401
    AUDIT_FIELDS,
    FINDING_FIELDS,
    audit_finding_create,
    audit_finding_update,
    iso14001_audit_create,
    iso14001_audit_update,
)
from contracts.services.clauses import (  # noqa: F401
    CLAUSE_FIELDS,
    kpi_clause_create,
    kpi_clause_update,
    kpi_report_due_days,
)
from contracts.services.contracts import (  # noqa: F401
    CONTRACT_FIELDS,
    TRANSITIONS,
    TransitionNotAllowed,
    contract_create,
    contract_status_change,
    contract_transition_check,
    contract_update,
)
from contracts.services.renewal import (  # noqa: F401
    contract_renew,
    contract_renewal_audit_requests_record,
    contract_renewal_checks_run,
    contract_renewal_notice_enter,
    renewal_gate_check,
)
from contracts.services.reports import (  # noqa: F401
    ReportRefused,
    kpi_report_accept,
    kpi_report_reject,
    kpi_report_submit,
    kpi_report_value_check,
)
