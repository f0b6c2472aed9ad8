"""Reads of the admin home: what the signed-in person does comes first (docs/admin-home.md).

Each role (a Django group, :mod:`assurance.roles`) has a section built by one selector here; a
person with several roles gets each section. Every selector costs a fixed number of queries,
whatever the number of rows: counts are aggregated in the database and lists are cut to a few
rows before they are loaded.

The second half holds what does not depend on data: the grouping of the admin's model list by
the work it serves, and the links of the navigation bar on every admin page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTransform
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tenderleaf.attention import attention_permissions

# The groups of assurance.roles.ROLES, in the order their sections appear.
OFFICER = "procurement"
EVALUATOR = "evaluators"
ANALYST = "sustainability"
AUDITOR = "auditors"
ROLE_ORDER = (OFFICER, EVALUATOR, ANALYST, AUDITOR)

# A contract whose renewal notice period starts within this many days needs a decision soon.
RENEWAL_HORIZON_DAYS = 30
# How many rows a list of a section shows; its heading gives the full count and a link.
LIST_LIMIT = 10
# How many reporting years of Scope 3 runs the analyst's section shows, newest first.
RUN_YEARS_SHOWN = 5
# How many ledger words not understood are named per run (the run's page lists them all).
UNKNOWN_TERMS_SHOWN = 5
BUNDLES_SHOWN = 5


def _url(name: str, *args, query: dict | None = None) -> str | None:
    """The admin URL, or None when that page is not registered in this admin."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def home_roles(user) -> list[str]:
    """The roles whose sections ``user`` sees, in page order: superusers see every section."""
    if not (user.is_active and user.is_staff):
        return []
    if user.is_superuser:
        return list(ROLE_ORDER)
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in ROLE_ORDER if role in names]


# --- procurement officers -----------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    label: str
    count: int
    url: str | None


@dataclass(frozen=True)
class RenewalItem:
    contract_id: int
    reference: str
    title: str
    vendor: str
    end_date: datetime.date
    notice_start: datetime.date
    renewal_due: bool  # the notice period has started
    gate_passed: bool
    gate_summary: str
    url: str | None


@dataclass(frozen=True)
class DisclosureItem:
    label: str
    vendor: str
    submitted_at: datetime.datetime | None
    url: str | None


@dataclass
class OfficerHome:
    rfp_stages: list[StageCount] = field(default_factory=list)
    renewals: list[RenewalItem] = field(default_factory=list)
    renewals_total: int = 0
    contracts_url: str | None = None
    kpi_reports_to_review: StageCount | None = None
    disclosures: list[DisclosureItem] = field(default_factory=list)
    disclosures_total: int = 0
    disclosures_url: str | None = None
    can_see_rfps: bool = False
    can_see_contracts: bool = False
    can_see_disclosures: bool = False
    renewal_horizon_days: int = RENEWAL_HORIZON_DAYS


# RFP stages that still need work; awarded and cancelled RFPs are done.
_OPEN_RFP_STAGES = ("draft", "published", "closed", "evaluated")


def officer_home(*, user, today: datetime.date | None = None) -> OfficerHome:
    """Open RFPs by stage, contracts needing action, disclosures to review (at most 9 queries)."""
    today = today or timezone.localdate()
    home = OfficerHome(
        can_see_rfps=user.has_perm("procurement.view_rfp"),
        can_see_contracts=user.has_perm("contracts.view_contract"),
        can_see_disclosures=user.has_perm("vendors.view_emissionsdisclosure"),
    )
    if home.can_see_rfps:
        home.rfp_stages = _rfp_stages(user)
    if home.can_see_contracts:
        _contracts_needing_action(home, user=user, today=today)
    if home.can_see_disclosures:
        _disclosures_to_review(home)
    return home


def _rfp_stages(user) -> list[StageCount]:
    from procurement.models import Rfp
    from procurement.selectors import rfps_for_staff

    counts = dict(
        rfps_for_staff(user)
        .filter(status__in=_OPEN_RFP_STAGES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    labels = dict(Rfp.Status.choices)
    return [
        StageCount(
            label=labels[status],
            count=counts.get(status, 0),
            url=_url("admin:procurement_rfp_changelist", query={"status__exact": status}),
        )
        for status in _OPEN_RFP_STAGES
    ]


def _contracts_needing_action(home: OfficerHome, *, user, today: datetime.date) -> None:
    """Live contracts whose renewal notice period has started or starts within the horizon,
    with the renewal gate's answer today; and the KPI reports waiting for a review."""
    from contracts.gate import renewal_gate
    from contracts.models import Contract, KpiReport
    from contracts.selectors import renewal_gate_inputs_for

    live = Contract.objects.filter(
        status__in=[Contract.Status.ACTIVE, Contract.Status.RENEWAL_DUE], end_date__gte=today
    )
    # The notice period differs per contract; bounding the end date by the longest one keeps
    # the rows loaded to those that can be in the horizon.
    longest_notice = live.aggregate(days=Max("renewal_notice_days"))["days"] or 0
    candidates = (
        live.filter(
            end_date__lte=today + datetime.timedelta(days=RENEWAL_HORIZON_DAYS + longest_notice)
        )
        .select_related("vendor")
        .only(
            "pk",
            "reference",
            "title",
            "end_date",
            "renewal_notice_days",
            "status",
            "vendor_id",
            "vendor__name",
        )
        .order_by("end_date", "pk")
    )
    horizon = today + datetime.timedelta(days=RENEWAL_HORIZON_DAYS)
    due = []
    for contract in candidates:
        notice_start = contract.end_date - datetime.timedelta(days=contract.renewal_notice_days)
        if notice_start <= horizon:
            due.append((notice_start, contract))
    due.sort(key=lambda item: (item[0], item[1].pk))
    home.renewals_total = len(due)
    shown = [contract for _, contract in due[:LIST_LIMIT]]
    inputs = renewal_gate_inputs_for(shown, on=today) if shown else {}
    for notice_start, contract in due[:LIST_LIMIT]:
        result = renewal_gate(inputs[contract.pk])
        home.renewals.append(
            RenewalItem(
                contract_id=contract.pk,
                reference=contract.reference,
                title=contract.title,
                vendor=contract.vendor.name,
                end_date=contract.end_date,
                notice_start=notice_start,
                renewal_due=notice_start <= today,
                gate_passed=result.passed,
                gate_summary=result.summary,
                url=_url("admin:contracts_contract_change", contract.pk),
            )
        )
    home.contracts_url = _url(
        "admin:contracts_contract_changelist", query={"status__exact": Contract.Status.RENEWAL_DUE}
    )
    if user.has_perm("contracts.view_kpireport"):
        home.kpi_reports_to_review = StageCount(
            label="KPI reports to review",
            count=KpiReport.objects.filter(status=KpiReport.Status.SUBMITTED).count(),
            url=_url(
                "admin:contracts_kpireport_changelist",
                query={"status__exact": KpiReport.Status.SUBMITTED},
            ),
        )


def _disclosures_to_review(home: OfficerHome) -> None:
    from vendors.models import EmissionsDisclosure

    submitted = EmissionsDisclosure.objects.filter(status=EmissionsDisclosure.Status.SUBMITTED)
    home.disclosures_total = submitted.count()
    home.disclosures_url = _url(
        "admin:vendors_emissionsdisclosure_changelist",
        query={"status__exact": EmissionsDisclosure.Status.SUBMITTED},
    )
    if not home.disclosures_total:
        return
    rows = submitted.select_related("vendor").order_by("submitted_at", "pk")[:LIST_LIMIT]
    home.disclosures = [
        DisclosureItem(
            label=f"{disclosure.period_start:%Y-%m} to {disclosure.period_end:%Y-%m}",
            vendor=disclosure.vendor.name,
            submitted_at=disclosure.submitted_at,
            url=_url("admin:vendors_emissionsdisclosure_change", disclosure.pk),
        )
        for disclosure in rows
    ]


# --- evaluators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RfpToScore:
    rfp_id: int
    title: str
    deadline: datetime.datetime
    bidders: list[str]
    url: str | None

    @property
    def count(self) -> int:
        return len(self.bidders)


@dataclass
class EvaluatorHome:
    rfps: list[RfpToScore] = field(default_factory=list)
    can_score: bool = False

    @property
    def bids_total(self) -> int:
        return sum(rfp.count for rfp in self.rfps)


def evaluator_home(*, user, now: datetime.datetime | None = None) -> EvaluatorHome:
    """Submitted bids still missing one of ``user``'s scores, per RFP (two queries).

    Only RFPs whose panel ``user`` sits on, past their deadline (bids are sealed before it) and
    neither awarded nor cancelled; bids of vendors ``user`` declared a conflict with are left
    out; a bid waits while ``user`` has scored fewer than the RFP's manual criteria. These are
    the conditions ``procurement.services.score_record`` enforces.
    """
    from procurement.models import Bid, ConflictDeclaration, Rfp, Rule

    now = now or timezone.now()
    home = EvaluatorHome(can_score=user.has_perm("procurement.change_score"))
    if not home.can_score:
        return home
    rfps = {
        rfp.pk: rfp
        for rfp in Rfp.objects.filter(panel=user, deadline__lte=now)
        .exclude(status__in=[Rfp.Status.DRAFT, Rfp.Status.AWARDED, Rfp.Status.CANCELLED])
        .annotate(
            manual=Count("criteria", filter=Q(criteria__rule=Rule.MANUAL_SCALE), distinct=True)
        )
        .filter(manual__gt=0)
        .only("pk", "title", "deadline")
        .order_by("deadline", "pk")
    }
    if not rfps:
        return home
    conflicted = ConflictDeclaration.objects.filter(
        rfp=OuterRef("rfp"), evaluator=user, vendor=OuterRef("vendor")
    )
    bids = (
        Bid.objects.filter(rfp__in=list(rfps), status=Bid.Status.SUBMITTED)
        .filter(~Exists(conflicted))
        .annotate(
            mine=Count(
                "scores",
                filter=Q(scores__evaluator=user, scores__criterion__rule=Rule.MANUAL_SCALE),
                distinct=True,
            )
        )
        .values_list("rfp_id", "vendor__name", "mine")
        .order_by("rfp_id", "vendor__name", "pk")
    )
    waiting: dict[int, list[str]] = {}
    for rfp_id, vendor_name, mine in bids:
        if mine < rfps[rfp_id].manual:
            waiting.setdefault(rfp_id, []).append(vendor_name)
    home.rfps = [
        RfpToScore(
            rfp_id=rfp.pk,
            title=rfp.title,
            deadline=rfp.deadline,
            bidders=waiting[rfp.pk],
            url=_url("admin:procurement_rfp_score", rfp.pk),
        )
        for rfp in rfps.values()
        if rfp.pk in waiting
    ]
    return home


# --- sustainability analysts --------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    label: str
    reporting_year: int
    # As stored, in kgCO2e; the page shows them in tCO2e.
    total_kgco2e: Decimal | None
    low_kgco2e: Decimal | None
    high_kgco2e: Decimal | None
    uncertainty: str
    unaccounted: list[tuple[str, Decimal]]  # (currency, amount)
    unknown_terms: list[dict]  # {"term", "lines"}, most lines first, cut to a few
    unknown_terms_total: int
    finished_at: datetime.datetime | None
    url: str | None
    dashboard_url: str | None


@dataclass
class AnalystHome:
    runs: list[RunSummary] = field(default_factory=list)
    flags: list[StageCount] = field(default_factory=list)
    flags_total: int = 0
    flags_url: str | None = None
    can_see_runs: bool = False
    can_see_flags: bool = False
    can_start_run: bool = False
    start_url: str | None = None
    runs_url: str | None = None


def analyst_home(*, user) -> AnalystHome:
    """The latest completed Scope 3 run of each recent year and the open reconciliation flags
    (two queries); the start button only for those who may start a run."""
    home = AnalystHome(
        can_see_runs=user.has_perm("scope3.view_inventoryrun"),
        can_see_flags=user.has_perm("reconciliation.view_reconciliationflag"),
        can_start_run=user.has_perm("scope3.add_inventoryrun"),
    )
    if home.can_start_run:
        home.start_url = _url("admin:scope3_inventoryrun_start")
    if home.can_see_runs:
        home.runs = _latest_runs()
        home.runs_url = _url(
            "admin:scope3_inventoryrun_changelist", query={"status__exact": "completed"}
        )
    if home.can_see_flags:
        _open_flags(home)
    return home


def _latest_runs() -> list[RunSummary]:
    """The latest completed run (highest id, as ``scope3.selectors.inventory_runs_latest_per_year``)
    of each of the most recent reporting years.

    A run's plan also holds the ids of every supplier datum it read, so only the parts shown
    here are fetched from it; they are put back on the run as its plan, which is what
    ``scope3.selectors.run_uncertainty_label`` reads.
    """
    from scope3.models import InventoryRun
    from scope3.selectors import run_uncertainty_label

    completed = InventoryRun.objects.filter(status=InventoryRun.Status.COMPLETED)
    latest = completed.filter(reporting_year=OuterRef("reporting_year")).order_by("-pk")
    runs = (
        completed.filter(pk=Subquery(latest.values("pk")[:1]))
        .defer("plan", "pins")
        .annotate(
            plan_summary=KeyTransform("summary", "plan"),
            plan_seed=KeyTransform("montecarlo_seed", "plan"),
            plan_draws=KeyTransform("montecarlo_draws", "plan"),
        )
        .order_by("-reporting_year")[:RUN_YEARS_SHOWN]
    )
    summaries = []
    for run in runs:
        plan = {"summary": run.plan_summary or {}}
        if run.plan_seed is not None:
            plan["montecarlo_seed"] = run.plan_seed
        if run.plan_draws is not None:
            plan["montecarlo_draws"] = run.plan_draws
        run.plan = plan  # the deferred field, set from its parts: no query
        terms = plan["summary"].get("unknown_terms") or []
        summaries.append(
            RunSummary(
                run_id=run.pk,
                label=f"Run #{run.pk}",
                reporting_year=run.reporting_year,
                total_kgco2e=run.total_kgco2e,
                low_kgco2e=run.low_kgco2e,
                high_kgco2e=run.high_kgco2e,
                uncertainty=run_uncertainty_label(run),
                unaccounted=[
                    (currency, Decimal(str(amount)))
                    for currency, amount in sorted((run.unaccounted_amount or {}).items())
                    if Decimal(str(amount))
                ],
                unknown_terms=terms[:UNKNOWN_TERMS_SHOWN],
                unknown_terms_total=len(terms),
                finished_at=run.finished_at,
                url=_url("admin:scope3_inventoryrun_change", run.pk),
                dashboard_url=_url("admin:scope3_dashboard", query={"run": run.pk}),
            )
        )
    return summaries


def _open_flags(home: AnalystHome) -> None:
    from reconciliation.models import ReconciliationFlag

    open_status = ReconciliationFlag.Status.OPEN
    counts = dict(
        ReconciliationFlag.objects.filter(status=open_status)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    home.flags = [
        StageCount(
            label=label,
            count=counts[kind],
            url=_url(
                "admin:reconciliation_reconciliationflag_changelist",
                query={"status__exact": open_status, "kind__exact": kind},
            ),
        )
        for kind, label in ReconciliationFlag.Kind.choices
        if counts.get(kind)
    ]
    home.flags_total = sum(counts.values())
    home.flags_url = _url(
        "admin:reconciliation_reconciliationflag_changelist",
        query={"status__exact": open_status},
    )


# --- auditors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleItem:
    bundle_id: int
    scope: str
    status: str
    requested_at: datetime.datetime
    chain_seq: int | None
    url: str | None


@dataclass
class AuditorHome:
    bundles: list[BundleItem] = field(default_factory=list)
    bundles_url: str | None = None
    can_see_bundles: bool = False
    can_check_trail: bool = False
    trail_url: str | None = None
    head_seq: int = 0
    head_hash: str = ""


def auditor_home(*, user) -> AuditorHome:
    """Recent evidence bundles and the audit trail's head (two queries); read links only.

    The result of a verification of the trail is not stored anywhere (the page and the
    ``verify_audit_trail`` command show it when run), so the section shows the head it would
    verify up to and links to the page that runs the check.
    """
    from assurance.chain import chain_head
    from assurance.models import EvidenceBundle

    home = AuditorHome(
        # The assurance pages' own test (assurance.views._assurance_user).
        can_see_bundles=user.is_staff and user.has_perm("assurance.view_evidencebundle"),
        can_check_trail=user.is_staff and user.has_perm("assurance.view_chainlink"),
    )
    if home.can_see_bundles:
        home.bundles_url = _url("assurance:index")
        bundles = EvidenceBundle.objects.select_related(
            "vendor", "contract__vendor", "run"
        ).order_by("-requested_at", "-id")[:BUNDLES_SHOWN]
        home.bundles = [
            BundleItem(
                bundle_id=bundle.pk,
                scope=bundle.scope_label,
                status=bundle.get_status_display(),
                requested_at=bundle.requested_at,
                chain_seq=bundle.chain_seq,
                url=_url("assurance:bundle_detail", bundle.pk),
            )
            for bundle in bundles
        ]
    if home.can_check_trail:
        home.trail_url = _url("assurance:audit_trail")
        head = chain_head()
        home.head_seq, home.head_hash = head.seq, head.chain_hash
    return home


# --- the whole home -----------------------------------------------------------------------------


@dataclass
class Home:
    roles: list[str]
    officer: OfficerHome | None = None
    evaluator: EvaluatorHome | None = None
    analyst: AnalystHome | None = None
    auditor: AuditorHome | None = None


def home_for(*, user, now: datetime.datetime | None = None) -> Home:
    """The sections of ``user``'s roles, each in a fixed number of queries."""
    now = now or timezone.now()
    roles = home_roles(user)
    home = Home(roles=roles)
    if OFFICER in roles:
        home.officer = officer_home(user=user, today=timezone.localdate(now))
    if EVALUATOR in roles:
        home.evaluator = evaluator_home(user=user, now=now)
    if ANALYST in roles:
        home.analyst = analyst_home(user=user)
    if AUDITOR in roles:
        home.auditor = auditor_home(user=user)
    return home


# --- the model list, grouped by the work --------------------------------------------------------


@dataclass(frozen=True)
class WorkGroup:
    key: str
    name: str
    # Models as "app_label.model_name", in the order they are listed.
    models: tuple[str, ...]
    # Apps whose models not named above still belong here (a model registered later).
    apps: tuple[str, ...] = ()


WORK_GROUPS: tuple[WorkGroup, ...] = (
    WorkGroup(
        "vendors",
        "Vendors and disclosures",
        (
            "vendors.vendor",
            "vendors.vendorcontact",
            "vendors.vendormembership",
            "vendors.vendorinvitation",
            "vendors.certification",
            "vendors.disclosurerequest",
            "vendors.emissionsdisclosure",
            "vendors.productfootprint",
        ),
        apps=("vendors",),
    ),
    WorkGroup(
        "sourcing",
        "Sourcing",
        (
            "procurement.rfp",
            "procurement.bid",
            "procurement.bidanswer",
            "procurement.score",
            "procurement.moderatedscore",
            "procurement.conflictdeclaration",
            "procurement.award",
            "procurement.criteriontemplate",
        ),
        apps=("procurement",),
    ),
    WorkGroup(
        "contracts",
        "Contracts",
        (
            "contracts.contract",
            "contracts.kpiclause",
            "contracts.kpireport",
            "contracts.kpiclausetemplate",
            "contracts.iso14001audit",
            "contracts.auditfinding",
            "contracts.renewaldecision",
        ),
        apps=("contracts",),
    ),
    WorkGroup(
        "scope3",
        "Scope 3",
        (
            "scope3.inventoryrun",
            "scope3.importbatch",
            "scope3.spendline",
            "scope3.emissionestimate",
            "scope3.factordataset",
            "scope3.emissionfactor",
            "scope3.referencerate",
            "scope3.hardwarespec",
            "scope3.vocabularyterm",
            # Reconciliation checks the ledger against the vendor master and asset inventory.
            "reconciliation.reconciliationflag",
            "reconciliation.assetimport",
            "reconciliation.asset",
            # Targets and supplier engagement are judged on the inventory's runs.
            "targets.target",
            "targets.supplierengagementtarget",
            "targets.businessmetric",
            "targets.baseyearrecalculation",
            "targets.sbtistatus",
            "targets.sbtiimport",
            "targets.risktierrule",
        ),
        apps=("scope3", "reconciliation", "targets"),
    ),
    WorkGroup(
        "assurance",
        "Assurance",
        ("assurance.evidencebundle", "assurance.evidencefile", "assurance.auditevent"),
        apps=("assurance",),
    ),
    WorkGroup(
        "operations",
        "Operations",
        (
            "operations.taskfailure",
            "operations.outboxmessage",
            "reminders.reminderlog",
            "django_celery_beat.periodictask",
            "django_celery_beat.crontabschedule",
            "django_celery_beat.intervalschedule",
            "django_celery_beat.clockedschedule",
            "django_celery_beat.solarschedule",
        ),
        apps=("operations", "reminders", "django_celery_beat"),
    ),
    WorkGroup(
        "accounts",
        "Accounts and authentication",
        (
            "auth.user",
            "auth.group",
            "otp_totp.totpdevice",
            "otp_static.staticdevice",
            "authtoken.tokenproxy",
            "axes.accessattempt",
            "axes.accesslog",
            "axes.accessfailurelog",
        ),
        apps=("accounts", "auth", "authtoken", "otp_totp", "otp_static", "axes"),
    ),
)
OTHER_GROUP = WorkGroup("other", "Other", ())

# Third-party models whose admin name reads oddly; ours are named by their Meta.
MODEL_NAMES = {
    "django_celery_beat.clockedschedule": "Clocked schedules",
    "authtoken.tokenproxy": "API tokens",
}


def model_group_of(key: str) -> tuple[WorkGroup, int]:
    """The group of ``"app_label.model_name"`` and its place in the group's list."""
    app_label = key.split(".", 1)[0]
    for group in WORK_GROUPS:
        if key in group.models:
            return group, group.models.index(key)
    for group in WORK_GROUPS:
        if app_label in group.apps:
            return group, len(group.models)
    return OTHER_GROUP, 0


@dataclass
class ModelGroup:
    key: str
    name: str
    models: list[dict]


def model_groups(app_list: list[dict]) -> list[ModelGroup]:
    """Regroup the admin's ``app_list`` (already limited to what the user may see) by the work.

    Each model entry is the admin's own dict, with ``app_label`` added and ``name`` replaced
    where :data:`MODEL_NAMES` says; empty groups are left out.
    """
    placed: dict[str, list[tuple[int, str, dict]]] = {}
    for app in app_list:
        for model in app["models"]:
            key = f"{app['app_label']}.{model['object_name'].lower()}"
            group, position = model_group_of(key)
            entry = {**model, "app_label": app["app_label"]}
            entry["name"] = MODEL_NAMES.get(key, model["name"])
            placed.setdefault(group.key, []).append((position, str(entry["name"]), entry))
    return [
        ModelGroup(
            key=group.key,
            name=group.name,
            models=[entry for *_, entry in sorted(placed[group.key], key=lambda p: p[:2])],
        )
        for group in (*WORK_GROUPS, OTHER_GROUP)
        if group.key in placed
    ]


# --- the navigation bar -------------------------------------------------------------------------


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False


def nav_links(*, user, path: str = "") -> list[NavLink]:
    """Links to Tenderleaf's own pages for the admin header, each only for those allowed in.

    The permissions are the ones the pages check themselves; no query beyond the user's
    permissions, which the admin has loaded already.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return []
    wanted = []
    if user.has_perm("scope3.view_inventoryrun"):
        wanted.append(("Scope 3 dashboard", _url("admin:scope3_dashboard")))
    if user.has_perm("procurement.view_rfp"):
        wanted.append(("Vendor consolidation", _url("admin:procurement_rfp_consolidation")))
    if any(user.has_perm(permission) for permission in attention_permissions()):
        index = _url("admin:index")
        wanted.append(("Needs attention", f"{index}#attention-heading" if index else None))
    if user.has_perm("assurance.view_evidencebundle"):
        wanted.append(("Assurance", _url("assurance:index")))
    return [NavLink(label=label, url=url, current=url == path) for label, url in wanted if url]
