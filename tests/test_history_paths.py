"""Every path that changes business data leaves a history record naming who and why.

The four paths of the Foundation: the admin (an officer), the API (a staff user and a vendor
user), the portal (a vendor user) and a management command (the system user). The Celery path is
proven with a real worker in test_celery_worker.
"""

import pytest
from django.conf import settings
from django.core.management import call_command

from assurance.models import AuditEvent
from vendors.models import Vendor, VendorContact
from vendors.tests.factories import VendorContactFactory


def _last_history(obj):
    return obj.history.order_by("-history_id").first()


def test_admin_change_names_the_officer(client_for, officer, vendor_a):
    client = client_for(officer)
    url = f"/admin/vendors/vendor/{vendor_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": vendor_a.name,
            "legal_name": "Acme Accelerators Holdings plc",
            "country": "GB",
            "relationship_owner": "",
        }
    )
    # Inline management forms of the change page: no rows changed.
    for prefix in ("contacts", "certifications"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    vendor_a.refresh_from_db()
    assert vendor_a.legal_name == "Acme Accelerators Holdings plc"
    record = _last_history(vendor_a)
    assert record.history_user == officer
    assert record.history_type == "~"
    assert record.history_change_reason


def test_api_change_names_the_api_user(client_for, officer, vendor_a):
    client = client_for(officer)
    response = client.patch(
        f"/api/v1/vendors/{vendor_a.pk}/",
        {"status": "suspended"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    record = _last_history(Vendor.objects.get(pk=vendor_a.pk))
    assert record.status == "suspended"
    assert record.history_user == officer
    assert "API" in record.history_change_reason


def test_portal_change_names_the_vendor_user(client_for, member, vendor_a):
    contact = VendorContactFactory(vendor=vendor_a, name="Old Name", email="old@acme.example")
    client = client_for(member)
    response = client.post(
        f"/portal/company/contacts/{contact.pk}/edit/",
        {
            "name": "New Name",
            "email": "old@acme.example",
            "role": "Head of sustainability",
            "receives_reminders": "on",
            "language": "en",
        },
    )
    assert response.status_code == 302
    record = _last_history(VendorContact.objects.get(pk=contact.pk))
    assert record.name == "New Name"
    assert record.history_user == member
    assert record.history_change_reason
    event = AuditEvent.objects.filter(verb="updated", actor=member).latest("id")
    assert event.vendor_id == vendor_a.pk


@pytest.mark.django_db
def test_management_command_names_the_system_user():
    call_command("seed_demo", "--password", "demo-password-2026", verbosity=0)
    vendor = Vendor.objects.order_by("pk").first()
    record = vendor.history.earliest("history_id")
    assert record.history_user.username == settings.SYSTEM_USERNAME
    assert record.history_user.is_active is False
    assert record.history_change_reason == "seed_demo"
