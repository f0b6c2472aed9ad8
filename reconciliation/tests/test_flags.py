"""Reviewing reconciliation flags: the services, the admin list and its actions, and the links
from the vendor and disclosure pages."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assurance.models import AuditEvent
from reconciliation.models import ReconciliationFlag
from reconciliation.services import (
    FlagTransitionRefused,
    flag_acknowledge,
    flag_dismiss,
    flag_reopen,
    flag_resolve,
)
from reconciliation.tests.support import accepted_disclosure
from vendors.tests.factories import VendorFactory

Kind = ReconciliationFlag.Kind
Status = ReconciliationFlag.Status
pytestmark = pytest.mark.django_db
CHANGELIST = "admin:reconciliation_reconciliationflag_changelist"


def make_flag(
    vendor=None, *, kind=Kind.SPEND_WITHOUT_CONTRACT, status=Status.OPEN, key=None, **extra
):
    return ReconciliationFlag.objects.create(
        kind=kind,
        key=key or f"vendor:{vendor.pk if vendor else 0}:{ReconciliationFlag.objects.count()}",
        status=status,
        vendor=vendor,
        reporting_year=2025,
        summary=extra.pop("summary", f"{vendor}: 110,000 USD of spend without a contract"),
        details=extra.pop("details", {"figure": "110000.00"}),
        last_seen_at=timezone.now(),
        **extra,
    )


# --- services ----------------------------------------------------------------------------------


def test_each_decision_keeps_history_and_an_audit_event(officer, vendor_a):
    flag = make_flag(vendor_a)

    flag = flag_acknowledge(actor=officer, flag=flag, note="asking procurement")
    assert (flag.status, flag.note, flag.decided_by) == (
        Status.ACKNOWLEDGED,
        "asking procurement",
        officer,
    )
    flag = flag_resolve(actor=officer, flag=flag, note="contract C-0042 was signed in March")
    assert flag.status == Status.RESOLVED
    flag = flag_reopen(actor=officer, flag=flag, note="C-0042 covers another entity")
    flag = flag_dismiss(actor=officer, flag=flag, reason="one-off purchase under a framework")
    assert (flag.status, flag.note) == (Status.DISMISSED, "one-off purchase under a framework")

    history = list(flag.history.order_by("history_id"))
    assert [h.status for h in history] == ["open", "acknowledged", "resolved", "open", "dismissed"]
    assert history[-1].history_user == officer
    assert history[-1].history_change_reason == "reconciliation flag dismissed"
    events = AuditEvent.objects.filter(target_id=str(flag.pk)).order_by("pk")
    assert [e.verb for e in events] == ["acknowledged", "resolved", "reopened", "dismissed"]
    assert events.last().details == {
        "from": "open",
        "to": "dismissed",
        "note": "one-off purchase under a framework",
        "kind": Kind.SPEND_WITHOUT_CONTRACT,
    }
    assert events.last().vendor == vendor_a


def test_resolve_and_dismiss_require_their_note(officer, vendor_a):
    flag = make_flag(vendor_a)

    with pytest.raises(ValidationError) as resolving:
        flag_resolve(actor=officer, flag=flag, note="  ")
    with pytest.raises(ValidationError) as dismissing:
        flag_dismiss(actor=officer, flag=flag, reason="")

    assert resolving.value.message_dict == {"note": ["Say how the discrepancy was resolved."]}
    assert dismissing.value.message_dict == {"note": ["Give the reason for dismissing the flag."]}
    flag.refresh_from_db()
    assert flag.status == Status.OPEN


def test_a_decision_that_does_not_apply_is_refused(officer, vendor_a):
    flag = make_flag(vendor_a, status=Status.RESOLVED)

    with pytest.raises(
        FlagTransitionRefused, match=f"Flag #{flag.pk} is resolved; it cannot be acknowledged"
    ):
        flag_acknowledge(actor=officer, flag=flag)


# --- the admin ---------------------------------------------------------------------------------


def test_officer_dismisses_selected_flags_after_confirming_with_a_reason(
    officer, client_for, vendor_a, vendor_b
):
    open_flag = make_flag(vendor_a)
    acknowledged = make_flag(vendor_b, status=Status.ACKNOWLEDGED)
    resolved = make_flag(vendor_b, status=Status.RESOLVED)
    client = client_for(officer)
    url = reverse(CHANGELIST)
    selected = {
        "action": "dismiss_flags",
        ACTION_CHECKBOX_NAME: [open_flag.pk, acknowledged.pk, resolved.pk],
    }

    confirm = client.post(url, selected)
    assert confirm.status_code == 200
    assert b"Reason for dismissing" in confirm.content
    assert ReconciliationFlag.objects.filter(status=Status.DISMISSED).count() == 0

    missing = client.post(url, {**selected, "apply": "1", "note": ""})
    assert missing.status_code == 200
    assert b"This field is required." in missing.content
    assert ReconciliationFlag.objects.filter(status=Status.DISMISSED).count() == 0

    done = client.post(
        url, {**selected, "apply": "1", "note": "covered by the 2024 framework"}, follow=True
    )
    assert b"2 flag(s) dismissed." in done.content
    assert f"Flag #{resolved.pk} is resolved; it cannot be dismissed.".encode() in done.content
    assert set(
        ReconciliationFlag.objects.filter(status=Status.DISMISSED).values_list("pk", flat=True)
    ) == {open_flag.pk, acknowledged.pk}
    assert ReconciliationFlag.objects.get(pk=open_flag.pk).note == "covered by the 2024 framework"


def test_officer_resolves_one_flag_from_its_page(officer, client_for, vendor_a):
    flag = make_flag(vendor_a)
    client = client_for(officer)
    page = client.get(reverse("admin:reconciliation_reconciliationflag_change", args=[flag.pk]))
    decide = reverse("admin:reconciliation_reconciliationflag_decide", args=[flag.pk, "resolve"])
    assert decide.encode() in page.content
    assert b'name="_save"' not in page.content  # figures are reconciliation's, not editable

    response = client.post(decide, {"apply": "1", "note": "AP mapped the invoices"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.note, flag.decided_by) == (
        Status.RESOLVED,
        "AP mapped the invoices",
        officer,
    )


def test_auditor_reads_flags_but_cannot_decide(auditor, client_for, vendor_a):
    flag = make_flag(vendor_a)
    client = client_for(auditor)

    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert b"dismiss_flags" not in listing.content
    page = client.get(reverse("admin:reconciliation_reconciliationflag_change", args=[flag.pk]))
    assert page.status_code == 200
    assert b"/decide/" not in page.content
    decide = reverse("admin:reconciliation_reconciliationflag_decide", args=[flag.pk, "dismiss"])
    assert client.post(decide, {"apply": "1", "note": "no"}).status_code == 403
    client.post(
        reverse(CHANGELIST),
        {"action": "dismiss_flags", ACTION_CHECKBOX_NAME: [flag.pk], "apply": "1", "note": "x"},
    )
    flag.refresh_from_db()
    assert flag.status == Status.OPEN


def test_the_list_filters_by_kind_status_year_and_vendor(officer, client_for, vendor_a, vendor_b):
    mine = make_flag(vendor_a, summary="Acme spend flag")
    make_flag(vendor_b, summary="Bolt spend flag")
    make_flag(vendor_a, kind=Kind.DISCLOSURE_INTENSITY, summary="Acme intensity flag")
    make_flag(vendor_a, status=Status.DISMISSED, summary="Acme dismissed flag")
    client = client_for(officer)

    response = client.get(
        reverse(CHANGELIST),
        {
            "kind__exact": Kind.SPEND_WITHOUT_CONTRACT,
            "status__exact": Status.OPEN,
            "reporting_year": 2025,
            "vendor__id__exact": vendor_a.pk,
        },
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]


def test_the_list_costs_the_same_queries_for_more_flags(
    officer, client_for, django_assert_max_num_queries
):
    client = client_for(officer)
    url = reverse(CHANGELIST)

    def grow(n):
        for _ in range(n):
            vendor = VendorFactory()
            flag = make_flag(vendor, target_type=None)
            flag.target = vendor
            flag.save()

    grow(2)
    client.get(url)  # warm the content-type cache
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["cl"].result_count == 32
    # Each flag links to the object it concerns.
    vendor = ReconciliationFlag.objects.first().vendor
    assert reverse("admin:vendors_vendor_change", args=[vendor.pk]).encode() in response.content


def test_vendor_and_disclosure_pages_link_their_open_flags(officer, client_for, vendor_a):
    disclosure = accepted_disclosure(vendor_a)
    about_disclosure = make_flag(
        vendor_a,
        kind=Kind.DISCLOSURE_INTENSITY,
        key=f"disclosure:{disclosure.pk}",
        summary="Intensity 15 tCO2e per million USD is 0.0698 times the estimate",
        target_type=None,
    )
    about_disclosure.target = disclosure
    about_disclosure.save()
    make_flag(vendor_a, summary="Acme spend without contract")
    make_flag(vendor_a, status=Status.DISMISSED, summary="An old dismissed flag")
    client = client_for(officer)

    vendor_page = client.get(reverse("admin:vendors_vendor_change", args=[vendor_a.pk])).content
    assert b"Acme spend without contract" in vendor_page
    assert b"0.0698 times the estimate" in vendor_page
    assert b"An old dismissed flag" not in vendor_page
    assert f"?vendor__id__exact={vendor_a.pk}".encode() in vendor_page

    disclosure_page = client.get(
        reverse("admin:vendors_emissionsdisclosure_change", args=[disclosure.pk])
    ).content
    assert b"0.0698 times the estimate" in disclosure_page
    assert b"Acme spend without contract" not in disclosure_page
    link = f"?q=disclosure%3A{disclosure.pk}".encode()
    assert link in disclosure_page

    filtered = client.get(reverse(CHANGELIST) + link.decode())
    assert list(filtered.context["cl"].result_list) == [about_disclosure]
