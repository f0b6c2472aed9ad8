"""The tamper-evident audit trail: extend, verify, tamper, fork-freedom."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from assurance.chain import (
    GENESIS,
    audit_chain_extend,
    audit_chain_verify,
    chain_head,
    chained_models,
    link_hash,
)
from assurance.history import acting_as
from assurance.models import AuditEvent, ChainLink
from assurance.services import audit_event_record
from vendors.models import Vendor
from vendors.tests.factories import UserFactory, VendorFactory


def _history_of(vendor):
    return list(Vendor.history.filter(id=vendor.pk).order_by("history_id"))


def _changes(officer, vendor, n):
    with acting_as(officer, "test edits"):
        for i in range(n):
            vendor.legal_name = f"Legal name {i}"
            vendor.save()


def test_every_history_table_and_audit_events_are_chained():
    labels = {m._meta.label for m in chained_models()}
    assert "assurance.AuditEvent" in labels
    assert "vendors.HistoricalVendor" in labels
    assert "vendors.HistoricalEmissionsDisclosure" in labels
    assert "contracts.HistoricalKpiReport" in labels
    assert "assurance.HistoricalEvidenceBundle" in labels


def test_untouched_trail_verifies_and_head_is_the_last_link(officer):
    vendor = VendorFactory(name="Chain Vendor")
    _changes(officer, vendor, 3)
    audit_event_record(actor=officer, verb=AuditEvent.Verb.UPDATED, target=vendor)

    linked = audit_chain_extend()
    assert linked >= 5  # the vendor's 4 history rows and the event, at least

    result = audit_chain_verify(chunk_size=2)  # small chunks: exercises the streaming path
    assert result.ok, result.summary
    assert result.links_checked == ChainLink.objects.count() == result.head.seq
    assert result.head.chain_hash == ChainLink.objects.get(seq=result.head.seq).chain_hash
    assert result.unlinked == {}

    # The chain is h_n = sha256(h_{n-1} || row_digest), from 64 zeros.
    links = list(ChainLink.objects.order_by("seq"))
    previous = GENESIS
    for link in links:
        assert link.chain_hash == link_hash(previous, link.row_digest)
        previous = link.chain_hash


def test_extend_is_incremental_and_idempotent(officer):
    vendor = VendorFactory()
    audit_chain_extend()
    count = ChainLink.objects.count()
    assert audit_chain_extend() == 0
    _changes(officer, vendor, 2)
    assert audit_chain_extend() == 2
    assert ChainLink.objects.count() == count + 2
    assert audit_chain_verify().ok


def test_row_altered_with_raw_sql_is_reported_by_the_command(officer):
    vendor = VendorFactory(name="Tamper Target")
    _changes(officer, vendor, 3)
    audit_chain_extend()
    victim = _history_of(vendor)[2]
    link = ChainLink.objects.get(source="vendors.HistoricalVendor", source_pk=victim.history_id)

    table = Vendor.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET legal_name = %s WHERE history_id = %s",  # noqa: S608
            ["Quietly rewritten", victim.history_id],
        )

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_trail", "--no-extend", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    report = err.getvalue()
    assert f"link #{link.seq}" in report
    assert f"vendors.HistoricalVendor row {victim.history_id}" in report
    assert "changed after it was linked" in report

    result = audit_chain_verify()
    assert not result.ok
    assert (result.first_break.source, result.first_break.source_pk) == (
        "vendors.HistoricalVendor",
        victim.history_id,
    )
    assert result.first_break.seq == link.seq


def test_deleted_history_row_is_reported(officer):
    vendor = VendorFactory()
    _changes(officer, vendor, 2)
    audit_chain_extend()
    victim = _history_of(vendor)[1]
    table = Vendor.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE history_id = %s", [victim.history_id])  # noqa: S608

    result = audit_chain_verify()
    assert not result.ok
    assert result.first_break.source_pk == victim.history_id
    assert result.first_break.reason == "source row was deleted"


def test_untouched_trail_passes_the_command(officer):
    VendorFactory()
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert "Audit trail verified" in out.getvalue()


def test_verify_page_for_auditors_names_the_broken_row(client_for, auditor, officer):
    vendor = VendorFactory()
    _changes(officer, vendor, 1)
    audit_chain_extend()
    victim = _history_of(vendor)[0]
    table = Vendor.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET name = %s WHERE history_id = %s",  # noqa: S608
            ["Renamed", victim.history_id],
        )
    client = client_for(auditor)
    page = client.get(reverse("assurance:audit_trail"))
    assert page.status_code == 200
    assert "Not yet verified" in page.content.decode()
    response = client.post(reverse("assurance:audit_trail"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "does NOT verify" in body
    assert f"vendors.HistoricalVendor row {victim.history_id}" in body


def test_verify_page_is_hidden_from_vendors(client_for, member, outsider):
    for user in (member, outsider):
        assert client_for(user).get(reverse("assurance:audit_trail")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_extenders_do_not_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises writers with BEGIN IMMEDIATE, so two threads "
            "cannot even be inside the extender at once"
        )
    officer = UserFactory(username="chain-officer")
    vendors = VendorFactory.create_batch(5)
    _changes(officer, vendors[0], 50)
    errors = []

    def extend():
        try:
            audit_chain_extend(batch_size=7)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=extend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit_chain_verify()
    assert result.ok, result.summary
    assert ChainLink.objects.values("seq").distinct().count() == ChainLink.objects.count()
    assert chain_head().seq == ChainLink.objects.count()


def test_beat_extends_the_chain_every_minute(officer):
    from django_celery_beat.models import PeriodicTask

    from assurance.tasks import audit_chain_extend as extend_task

    scheduled = PeriodicTask.objects.get(task="assurance.tasks.audit_chain_extend")
    assert scheduled.enabled
    assert (scheduled.interval.every, scheduled.interval.period) == (1, "minutes")
    VendorFactory()
    assert extend_task.apply().get() >= 1
    assert extend_task.apply().get() == 0
