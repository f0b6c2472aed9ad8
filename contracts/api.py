"""/api/v1/ routes of contracts: contracts, KPI clauses, KPI reports and ISO 14001 audits.

Scoping is the shared one (``vendors.api.base.TenantScopedViewSetMixin``): vendor users read their
own vendor's rows only (another vendor's id answers 404) and never see draft contracts; staff read
with the model's view permission and write with add/change. Vendor users of any role may submit and
correct KPI reports for their own clauses' ended periods: reporting is the contributors' job, as in
the portal. Every write calls a service."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.routers import SimpleRouter

from contracts import services
from contracts.models import (
    AuditFinding,
    Contract,
    Iso14001Audit,
    KpiClause,
    KpiReport,
    KpiReportingPeriod,
)
from vendors.api.base import (
    RolePermission,
    TenantScopedModelSerializer,
    TenantScopedViewSetMixin,
)
from vendors.tenancy import membership_for_user

# --- serializers ------------------------------------------------------------------------------


class ContractSerializer(TenantScopedModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "vendor",
            "source_rfp",
            "reference",
            "title",
            "start_date",
            "end_date",
            "value",
            "currency",
            "renewal_notice_days",
            "owner",
            "status",
            "renewed_from",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["renewed_from", "created_at", "updated_at"]


class PeriodSerializer(serializers.ModelSerializer):
    report_status = serializers.SerializerMethodField()

    class Meta:
        model = KpiReportingPeriod
        fields = ["id", "period_start", "period_end", "due_date", "report_status"]

    def get_report_status(self, obj) -> str | None:
        report = getattr(obj, "report", None)
        return report.status if report is not None else None


class KpiClauseSerializer(TenantScopedModelSerializer):
    periods = PeriodSerializer(many=True, read_only=True)

    class Meta:
        model = KpiClause
        fields = [
            "id",
            "contract",
            "template",
            "metric",
            "unit",
            "direction",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
            "frequency",
            "evidence_required",
            "remedy",
            "status",
            "periods",
        ]
        extra_kwargs = {
            "metric": {"required": False},
            "unit": {"required": False},
            "direction": {"required": False},
            "frequency": {"required": False},
        }


class KpiReportSerializer(TenantScopedModelSerializer):
    clause = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = KpiReport
        fields = [
            "id",
            "period",
            "clause",
            "value",
            "note",
            "evidence",
            "status",
            "expected_value",
            "on_track",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        read_only_fields = [
            "status",
            "expected_value",
            "on_track",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        # The period is the report's identity: one report per period, corrected in place.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        vendor = self.context.get("tenant_vendor")
        period = fields.get("period")
        if vendor is not None and period is not None and not period.read_only:
            # KpiReportingPeriod reaches its vendor through the clause's contract, which the
            # generic scoping cannot see; another vendor's period reads as "does not exist".
            period.queryset = KpiReportingPeriod.objects.filter(
                clause__contract__vendor=vendor
            ).exclude(clause__contract__status=Contract.Status.DRAFT)
        if self.instance is not None and period is not None:
            period.read_only = True
        return fields


class AuditFindingSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = AuditFinding
        fields = [
            "id",
            "severity",
            "clause_ref",
            "description",
            "corrective_action",
            "due_date",
            "closed_date",
            "overdue",
        ]

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return bool(
            obj.closed_date is None and obj.due_date and obj.due_date < timezone.localdate()
        )


class Iso14001AuditSerializer(TenantScopedModelSerializer):
    findings = AuditFindingSerializer(many=True, read_only=True)

    class Meta:
        model = Iso14001Audit
        fields = [
            "id",
            "vendor",
            "contract",
            "audit_type",
            "audit_date",
            "auditor",
            "scope",
            "sites",
            "result",
            "notes",
            "findings",
            "created_at",
        ]
        read_only_fields = ["created_at"]


# --- permissions ------------------------------------------------------------------------------


class KpiReportPermission(RolePermission):
    """RolePermission, except that any member of a vendor (not only its admins) may submit and
    correct the vendor's KPI reports."""

    member_actions = frozenset({"create", "update", "partial_update"})

    def has_permission(self, request, view) -> bool:
        user = request.user
        if (
            user
            and user.is_authenticated
            and user.is_active
            and not user.is_staff
            and getattr(view, "action", None) in self.member_actions
        ):
            return membership_for_user(user) is not None
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        if not user.is_staff and getattr(view, "action", None) in self.member_actions:
            return membership_for_user(user) is not None
        return super().has_object_permission(request, view, obj)


# --- viewsets ---------------------------------------------------------------------------------


class _VendorHidesDrafts:
    """Vendor users never see draft contracts (not agreed yet) or what hangs off them."""

    draft_lookup = "status"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request_vendor is not None:
            queryset = queryset.exclude(**{self.draft_lookup: Contract.Status.DRAFT})
        return queryset


class ContractViewSet(
    _VendorHidesDrafts,
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Contract.objects.select_related("vendor", "owner").order_by("-start_date", "pk")
    serializer_class = ContractSerializer
    search_fields = ["reference", "title"]
    ordering_fields = ["start_date", "end_date", "reference"]

    def create_instance(self, data):
        return services.contract_create(
            actor=self.request.user, reason="added through the API", **data
        )

    def update_instance(self, instance, data):
        status = data.pop("status", instance.status)
        data.pop("vendor", None)
        contract = services.contract_update(
            actor=self.request.user, contract=instance, reason="updated through the API", **data
        )
        if status != contract.status:
            contract = services.contract_status_change(
                actor=self.request.user,
                contract=contract,
                status=status,
                reason="status changed through the API",
            )
        return contract


class KpiClauseViewSet(
    _VendorHidesDrafts,
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        KpiClause.objects.select_related("contract")
        .prefetch_related(
            Prefetch(
                "periods",
                queryset=KpiReportingPeriod.objects.select_related("report").order_by(
                    "period_start"
                ),
            )
        )
        .order_by("contract_id", "metric", "pk")
    )
    serializer_class = KpiClauseSerializer
    vendor_lookup = "contract__vendor"
    vendor_field = None
    draft_lookup = "contract__status"

    def create_instance(self, data):
        return services.kpi_clause_create(
            actor=self.request.user,
            contract=data.pop("contract"),
            template=data.pop("template", None),
            status=data.pop("status", KpiClause.Status.ACTIVE),
            reason="added through the API",
            **data,
        )

    def update_instance(self, instance, data):
        data.pop("contract", None)
        data.pop("template", None)
        return services.kpi_clause_update(
            actor=self.request.user, clause=instance, reason="updated through the API", **data
        )


class KpiReportViewSet(
    _VendorHidesDrafts,
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """KPI reports. POST a report for an ended period of your clause (``period``, ``value``,
    optional ``note`` and ``evidence``, the id of an evidence file you uploaded); PUT/PATCH to
    correct it until it is accepted. Officers review reports in the admin (accept/reject)."""

    queryset = KpiReport.objects.select_related("clause__contract", "period").order_by(
        "clause_id", "period__period_start"
    )
    serializer_class = KpiReportSerializer
    permission_classes = [KpiReportPermission]
    vendor_lookup = "clause__contract__vendor"
    vendor_field = None
    draft_lookup = "clause__contract__status"

    def _vendor_only(self):
        if self.request_vendor is None:
            raise PermissionDenied(
                "KPI reports are submitted and corrected by the vendor; officers review them in "
                "the admin."
            )

    def create_instance(self, data):
        self._vendor_only()
        return services.kpi_report_submit(
            actor=self.request.user,
            period=data["period"],
            value=data["value"],
            note=data.get("note", ""),
            evidence=data.get("evidence"),
        )

    def update_instance(self, instance, data):
        self._vendor_only()
        return services.kpi_report_submit(
            actor=self.request.user,
            period=instance.period,
            value=data.get("value", instance.value),
            note=data.get("note", instance.note),
            evidence=data.get("evidence"),
        )


class Iso14001AuditViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        Iso14001Audit.objects.select_related("vendor", "contract")
        .prefetch_related("findings")
        .order_by("-audit_date", "pk")
    )
    serializer_class = Iso14001AuditSerializer

    def create_instance(self, data):
        return services.iso14001_audit_create(
            actor=self.request.user, reason="recorded through the API", **data
        )

    def update_instance(self, instance, data):
        data.pop("vendor", None)
        return services.iso14001_audit_update(
            actor=self.request.user, audit=instance, reason="updated through the API", **data
        )


router = SimpleRouter()
router.register("contracts", ContractViewSet, basename="api-contract")
router.register("kpi-clauses", KpiClauseViewSet, basename="api-kpiclause")
router.register("kpi-reports", KpiReportViewSet, basename="api-kpireport")
router.register("iso14001-audits", Iso14001AuditViewSet, basename="api-iso14001audit")

urlpatterns = router.urls
