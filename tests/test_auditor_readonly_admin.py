"""The auditor can read the whole admin and change nothing in it.

Every model registered in ``admin.site`` is walked, so a model added by a later slice is covered
the moment it is registered. For each one a row is made (by a factory where the model needs care,
otherwise by filling its required fields), then every write the admin offers is tried as the
auditor: add, change, delete, bulk delete and simple-history's revert. Each must be refused, and
no row of any table may differ afterwards.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import json
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import IntegrityError, models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from vendors.tests import factories

# The apps whose every model an auditor must be able to read (docs/domain.md, "Roles": an auditor
# "reads everything in scope"). Django's own auth, DRF tokens and axes logs are deliberately outside
# that scope.
AUDITED_APPS = {
    "vendors",
    "procurement",
    "contracts",
    "scope3",
    "assurance",
    "reminders",
    "reconciliation",
    "operations",
    "django_celery_beat",
}
# Tables that a login or a request legitimately writes to; they hold no business data.
UNWATCHED_APPS = {"sessions", "axes"}

_sequence = itertools.count(1)


def _periodic_task():
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    return PeriodicTask.objects.create(
        name=f"task {next(_sequence)}", task="tenderleaf.noop", interval=interval
    )


# Models whose rows need more than their required fields filled in.
FACTORIES = {
    "auth.User": lambda: factories.UserFactory(),
    "vendors.Vendor": lambda: factories.VendorFactory(),
    "vendors.VendorContact": lambda: factories.VendorContactFactory(),
    "vendors.VendorMembership": lambda: factories.VendorMembershipFactory(),
    "vendors.Certification": lambda: factories.CertificationFactory(),
    "django_celery_beat.PeriodicTask": _periodic_task,
}


def _value_for(field: models.Field):
    n = next(_sequence)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return _instance_for(field.related_model)
    if isinstance(field, models.EmailField):
        return f"auditor-fixture-{n}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{n}"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(1)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date(2025, 1, 1)
    if isinstance(field, models.DurationField):
        return datetime.timedelta(days=1)
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    if isinstance(field, models.CharField | models.TextField):
        max_length = field.max_length or 40
        return f"{field.name[:3]}{n}"[:max_length]
    raise LookupError(f"no value for {field!r}")


def _instance_for(model):
    """A saved row of ``model``, built from the factory map or by filling its required fields."""
    factory = FACTORIES.get(model._meta.label)
    if factory is not None:
        return factory()
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default() or field.blank:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.name] = _value_for(field)
    return model.objects.create(**values)


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _snapshot():
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in UNWATCHED_APPS:
            continue
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return rows


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def auditor_client(auditor, client_for):
    return client_for(auditor)


@pytest.mark.parametrize(
    ("model", "model_admin"),
    _registered(),
    ids=[model._meta.label for model, _ in _registered()],
)
def test_auditor_reads_but_cannot_write(auditor, auditor_client, model, model_admin):
    try:
        with transaction.atomic():
            obj = _instance_for(model)
    except (IntegrityError, LookupError, ValueError):
        obj = model._base_manager.first()
    view_perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
    may_view = auditor.has_perm(view_perm)
    if model._meta.app_label in AUDITED_APPS:
        assert may_view, f"auditors lack {view_perm}"
    before = _snapshot()

    response = auditor_client.get(_url(model, "changelist"))
    assert response.status_code == (200 if may_view else 403)

    assert auditor_client.get(_url(model, "add")).status_code == 403
    assert auditor_client.post(_url(model, "add"), {}).status_code == 403

    if obj is not None:
        pk = obj.pk
        response = auditor_client.get(_url(model, "change", pk))
        assert response.status_code == (200 if may_view else 403)
        if may_view:
            # Read-only: the change page offers no save button.
            assert b'name="_save"' not in response.content
        assert auditor_client.post(_url(model, "change", pk), {}).status_code == 403
        assert auditor_client.get(_url(model, "delete", pk)).status_code == 403
        assert auditor_client.post(_url(model, "delete", pk), {"post": "yes"}).status_code == 403
        auditor_client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", ACTION_CHECKBOX_NAME: [pk], "post": "yes"},
        )
        if isinstance(model_admin, SimpleHistoryAdmin):
            _assert_no_revert(auditor_client, model, obj, may_view)

    assert _snapshot() == before


def _assert_no_revert(client, model, obj, may_view):
    """simple-history's "revert to this version" form must not save for a view-only user."""
    record = obj.history.order_by("history_id").first() if hasattr(obj, "history") else None
    if record is None:
        return
    try:
        url = _url(model, "simple_history", obj.pk, record.history_id)
    except NoReverseMatch:
        return
    assert client.get(url).status_code == (200 if may_view else 403)
    data = {
        field.name: getattr(record, field.attname)
        for field in model._meta.concrete_fields
        # Fields a model keeps out of its history (e.g. progress counters) are not on the record.
        if not field.primary_key
        and not isinstance(field, GenericForeignKey)
        and hasattr(record, field.attname)
    }
    data = {
        key: "" if value is None else json.dumps(value) if isinstance(value, dict | list) else value
        for key, value in data.items()
    }
    assert client.post(url, data).status_code == 403


def test_every_audited_app_model_is_viewable_by_auditors(auditor):
    missing = []
    for model in apps.get_models():
        label = model._meta.app_label
        if label not in AUDITED_APPS:
            continue
        if not auditor.has_perm(f"{label}.view_{model._meta.model_name}"):
            missing.append(model._meta.label)
    assert missing == []
    # History is evidence too: the historical models are among those checked.
    assert any(
        issubclass(model, HistoricalChanges) and model._meta.app_label == "vendors"
        for model in apps.get_models()
    )


def test_auditor_holds_view_permissions_only(auditor):
    permissions = auditor.get_all_permissions()

    assert "vendors.view_vendor" in permissions
    assert all(perm.split(".", 1)[1].startswith("view_") for perm in permissions)


def test_auditor_sees_the_admin_index(auditor_client):
    response = auditor_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert b"Audit events" in response.content


def test_vendor_user_is_not_staff_and_cannot_enter_the_admin(member, client):
    assert not member.is_staff
    admin_login = reverse("admin:login")

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(admin_login)

    response = client.post(
        admin_login,
        {"username": "member", "password": "correct horse battery", "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    assert b"Please enter the correct username and password for a staff account" in (
        response.content
    )
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_vendor_user_with_a_session_is_still_turned_away(member, client_for):
    client = client_for(member)

    response = client.get(reverse("admin:vendors_vendor_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
