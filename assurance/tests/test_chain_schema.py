"""Audit-trail schemas: rows linked before a column was added keep verifying after an upgrade."""

import importlib

from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, RemoveField, RenameField
from django.db.models import Min

from assurance import chain
from assurance.chain import audit_chain_extend, audit_chain_verify, chained_models
from assurance.history import acting_as
from assurance.models import ChainLink, ChainSchema
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

migration_0008 = importlib.import_module("assurance.migrations.0008_chain_schema")

HISTORY = Vendor.history.model
LABEL = HISTORY._meta.label


def _rename(officer, vendor, legal_name):
    with acting_as(officer, "test edits"):
        vendor.legal_name = legal_name
        vendor.save()


def _vendor_links():
    return list(
        ChainLink.objects.filter(source=LABEL).order_by("seq").values_list("seq", "source_pk")
    )


def _schemas(source=LABEL):
    return list(
        ChainSchema.objects.filter(source=source)
        .order_by("from_seq")
        .values_list("from_seq", "fields")
    )


def _link_vendor_history_without_legal_name(officer, monkeypatch):
    """Link a vendor's history as a release whose HistoricalVendor had no legal_name would."""
    vendor = VendorFactory(name="Schema Vendor", legal_name="Schema Vendor GmbH")
    _rename(officer, vendor, "Schema Vendor AG")
    full = chain._attnames
    older = [name for name in full(HISTORY) if name != "legal_name"]
    monkeypatch.setattr(chain, "_attnames", lambda m: list(older) if m is HISTORY else full(m))
    audit_chain_extend()
    monkeypatch.undo()
    return vendor, older


def test_rows_linked_before_a_column_was_added_verify_across_the_change(officer, monkeypatch):
    vendor, older = _link_vendor_history_without_legal_name(officer, monkeypatch)
    before = _vendor_links()
    assert len(before) == 2
    # The extender recorded the fields it hashed, from the table's first link on.
    assert _schemas() == [(before[0][0], sorted(older))]

    # The "upgrade": legal_name is now a field of HistoricalVendor; new rows are hashed with it.
    _rename(officer, vendor, "Schema Vendor SE")
    assert audit_chain_extend() == 1
    after = _vendor_links()[-1]
    assert _schemas() == [
        (before[0][0], sorted(older)),
        (after[0], sorted(chain._attnames(HISTORY))),
    ]

    result = audit_chain_verify(chunk_size=2)
    assert result.ok, result.summary

    # Unchanged fields record no new schema.
    _rename(officer, vendor, "Schema Vendor Ltd")
    assert audit_chain_extend() == 1
    assert len(_schemas()) == 2
    assert audit_chain_verify().ok

    # It is the recorded schema that keeps the old links valid: without it they are re-hashed
    # with every current field, legal_name included, and no longer match.
    ChainSchema.objects.filter(source=LABEL, from_seq=before[0][0]).delete()
    result = audit_chain_verify()
    assert not result.ok
    assert result.first_break.seq == before[0][0]
    assert result.first_break.reason == "source row was changed after it was linked"


def test_tampering_a_hashed_field_of_a_row_linked_under_an_older_schema_is_detected(
    officer, monkeypatch
):
    vendor, _older = _link_vendor_history_without_legal_name(officer, monkeypatch)
    _rename(officer, vendor, "Schema Vendor SE")
    audit_chain_extend()
    seq, history_id = _vendor_links()[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HISTORY._meta.db_table} SET name = %s WHERE history_id = %s",  # noqa: S608
            ["Quietly renamed", history_id],
        )

    result = audit_chain_verify()
    assert not result.ok
    assert (result.first_break.seq, result.first_break.source, result.first_break.source_pk) == (
        seq,
        LABEL,
        history_id,
    )
    assert result.first_break.reason == "source row was changed after it was linked"


def test_a_column_dropped_after_rows_were_linked_is_named(officer):
    vendor = VendorFactory()
    _rename(officer, vendor, "Dropped Column GmbH")
    audit_chain_extend()
    # The state after a migration dropped a column the table had when its rows were linked.
    schema = ChainSchema.objects.get(source=LABEL)
    schema.fields = sorted([*schema.fields, "fax_number"])
    schema.save()

    result = audit_chain_verify()
    assert not result.ok
    assert result.first_break.seq == _vendor_links()[0][0]
    assert result.first_break.source == LABEL
    assert result.first_break.reason == "column fax_number was dropped after the row was linked"
    assert "column fax_number was dropped" in result.summary


def test_every_linked_table_has_its_schema_from_its_first_link(officer):
    vendor = VendorFactory()
    _rename(officer, vendor, "First Link GmbH")
    audit_chain_extend()
    first_links = dict(
        ChainLink.objects.values("source").annotate(first=Min("seq")).values_list("source", "first")
    )
    fields_of = {m._meta.label: sorted(chain._attnames(m)) for m in chained_models()}
    assert dict(ChainSchema.objects.values_list("source", "from_seq")) == first_links
    for source, fields in ChainSchema.objects.values_list("source", "fields"):
        assert fields == fields_of[source]


def test_migration_records_schemas_from_link_zero_only_for_tables_with_links(officer):
    vendor = VendorFactory()
    _rename(officer, vendor, "Migrated GmbH")
    audit_chain_extend()
    ChainSchema.objects.all().delete()  # a database linked before migration 0008
    assert audit_chain_verify().ok  # no schema recorded: every current field

    migration_0008.record_linked_schemas(django_apps, None)

    linked = set(ChainLink.objects.values_list("source", flat=True))
    assert LABEL in linked
    assert "contracts.HistoricalContract" not in linked
    fields_of = {m._meta.label: sorted(chain._attnames(m)) for m in chained_models()}
    recorded = list(ChainSchema.objects.values_list("source", "from_seq", "fields"))
    assert sorted(recorded) == sorted((source, 0, fields_of[source]) for source in linked)
    assert audit_chain_verify().ok

    # Nothing changed in the tables since, so the extender records no schema of its own.
    _rename(officer, vendor, "Migrated AG")
    assert audit_chain_extend() == 1
    assert _schemas() == [(0, fields_of[LABEL])]


def test_migration_chains_the_same_tables_as_the_extender():
    frozen = {m._meta.label for m in migration_0008._chained(django_apps)}
    assert frozen == {m._meta.label for m in chained_models()}


def test_schemas_are_recorded_before_this_release_adds_columns():
    loader = MigrationLoader(None)  # the migration files only, no database
    this = ("assurance", "0008_chain_schema")
    for adds_columns in (
        ("vendors", "0003_disclosure_boundary"),
        ("scope3", "0005_method_corrections"),
    ):
        assert this in loader.graph.forwards_plan(adds_columns)
    state = loader.project_state(this).apps
    disclosure = state.get_model("vendors", "HistoricalEmissionsDisclosure")
    run = state.get_model("scope3", "HistoricalInventoryRun")
    assert not {"scope3_upstream_categories", "allocation_boundary"} & {
        f.attname for f in disclosure._meta.concrete_fields
    }
    assert not {"uncertainty_method", "method_version"} & {
        f.attname for f in run._meta.concrete_fields
    }


def _is_chained_name(model_name_lower):
    return model_name_lower.startswith("historical") or model_name_lower == "auditevent"


def test_every_later_migration_changing_a_chained_tables_columns_runs_after_0008():
    """A database upgraded from before 0008 records its from_seq 0 schemas with the fields in the
    migration state at 0008, so a migration that adds, drops or renames a column of a chained
    table must not run before it, whichever release it comes with."""
    loader = MigrationLoader(None)
    this = ("assurance", "0008_chain_schema")
    earlier = set(loader.graph.forwards_plan(this))
    checked, unordered = [], []
    for key, migration in loader.graph.nodes.items():
        if key in earlier:
            continue
        if any(
            isinstance(op, AddField | RemoveField | RenameField)
            and _is_chained_name(op.model_name_lower)
            for op in migration.operations
        ):
            checked.append(key)
            if this not in loader.graph.forwards_plan(key):
                unordered.append(key)
    assert ("vendors", "0003_disclosure_boundary") in checked
    assert unordered == []
