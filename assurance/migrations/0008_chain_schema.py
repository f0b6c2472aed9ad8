"""Record which fields each source's rows are hashed with, so adding a column keeps the trail valid.

Until this migration the audit chain hashed every concrete field a history row has *now*, so a
migration adding a column to a history table changed the digest of every row linked before it
(``assurance.chain``). From here on each link's row is hashed with the fields of the schema in
force at its ``seq``.

For an existing database, :func:`record_linked_schemas` records, for every chained table that
already has links, the fields those links were hashed with: the table's fields in the migration
state, at ``from_seq`` 0. That is why this migration depends on the last migration of every app
as released before the first column was added to a chained table (vendors ``0003`` and scope3
``0005``, which run after this one). A fresh database has no links, so nothing is recorded here
and the extender records each schema as it links the first row of a table.
"""

from django.db import migrations, models

_INTEGER_PKS = (models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField)


def _chained(apps) -> list:
    """The rule of ``assurance.chain.chained_models``, frozen here over the migration state."""
    found = [apps.get_model("assurance", "AuditEvent")]
    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if not ({"history_id", "history_date"} <= names or "m2m_history_id" in names):
            continue
        if isinstance(model._meta.pk, _INTEGER_PKS):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def record_linked_schemas(apps, schema_editor=None):
    """A from_seq 0 schema (the fields in ``apps``) for every chained table that has links."""
    ChainLink = apps.get_model("assurance", "ChainLink")
    ChainSchema = apps.get_model("assurance", "ChainSchema")
    ChainSchema.objects.bulk_create(
        ChainSchema(
            source=model._meta.label,
            fields=sorted(f.attname for f in model._meta.concrete_fields),
            from_seq=0,
        )
        for model in _chained(apps)
        if ChainLink.objects.filter(source=model._meta.label).exists()
    )


class Migration(migrations.Migration):
    # The last migration of each app in the release before chained tables started gaining columns.
    dependencies = [
        ("accounts", "0001_user_sessions"),
        ("assurance", "0007_audit_event_verbs_reconciliation"),
        ("contracts", "0003_clause_library"),
        ("operations", "0002_outbox_sweep_schedule"),
        ("procurement", "0002_criteria_library"),
        ("reconciliation", "0003_nightly_schedule"),
        ("reminders", "0004_reminder_kinds_contracts_rfps"),
        ("scope3", "0004_factordataset_relative_uncertainty"),
        ("vendors", "0002_disclosures"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainSchema",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="app_label.ModelName of the source rows.", max_length=100
                    ),
                ),
                (
                    "fields",
                    models.JSONField(help_text="Sorted attribute names of the hashed fields."),
                ),
                (
                    "from_seq",
                    models.BigIntegerField(
                        help_text=(
                            "The first link hashed with these fields "
                            "(0: every link before the next schema)."
                        )
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["source", "from_seq"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "from_seq"), name="chainschema_source_seq"
                    )
                ],
            },
        ),
        migrations.RunPython(record_linked_schemas, migrations.RunPython.noop),
    ]
