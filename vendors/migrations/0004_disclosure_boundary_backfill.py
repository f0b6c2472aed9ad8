"""Record what the disclosures stored before 0003 cover, by one rule (:func:`coverage_for`):

- a disclosure with an upstream Scope 3 figure includes categories 1, 2, 3 and 4: until now the
  portal, the API and the upload asked for "upstream Scope 3" as the cradle-to-gate figure the
  hybrid method reads, and 1 to 4 is the least such a figure must include (vendors/boundary.py);
  without the figure, no categories;
- an allocation to us covers "cradle_to_gate" when its disclosure carries upstream Scope 3, else
  "scope12"; no allocation, no boundary.

Only empty values are filled. The history records already written are kept as they are: the
history tables are chained by ``assurance.chain``, and a record rewritten after it was linked no
longer verifies. Each disclosure this migration changes gets one new history record instead
(type "~", the system user when it exists, the reason below), so its history says when the
coverage was set and why, and the next change by a vendor does not show it as theirs.

The rule is a plain function so that it is tested without running the migration
(vendors/tests/test_disclosure_boundary.py).
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Q
from django.utils import timezone

# At most 100 characters: the length of simple_history's change-reason column.
REASON = "coverage inferred by migration vendors.0004 from the figures (upstream Scope 3 = categories 1-4)"
CRADLE_TO_GATE_CATEGORIES = (1, 2, 3, 4)
CHUNK = 500


def coverage_for(*, scope3_upstream_tco2e, allocated_to_us_tco2e) -> tuple[list[int], str]:
    """``(scope3_upstream_categories, allocation_boundary)`` of a disclosure stored before 0003."""
    has_upstream = scope3_upstream_tco2e is not None
    categories = list(CRADLE_TO_GATE_CATEGORIES) if has_upstream else []
    if allocated_to_us_tco2e is None:
        return categories, ""
    return categories, "cradle_to_gate" if has_upstream else "scope12"


def backfill(apps, schema_editor):
    Disclosure = apps.get_model("vendors", "EmissionsDisclosure")
    History = apps.get_model("vendors", "HistoricalEmissionsDisclosure")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    system_id = (
        User.objects.filter(username=settings.SYSTEM_USERNAME).values_list("pk", flat=True).first()
    )
    copied = [f.attname for f in Disclosure._meta.concrete_fields]
    now = timezone.now()
    # Ids first: SQLite gives no isolation between a running iterator and writes to its table.
    ids = list(
        Disclosure.objects.filter(
            Q(scope3_upstream_tco2e__isnull=False) | Q(allocated_to_us_tco2e__isnull=False)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), CHUNK):
        changed, records = [], []
        for row in Disclosure.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk"):
            categories, boundary = coverage_for(
                scope3_upstream_tco2e=row.scope3_upstream_tco2e,
                allocated_to_us_tco2e=row.allocated_to_us_tco2e,
            )
            before = (row.scope3_upstream_categories, row.allocation_boundary)
            if not row.scope3_upstream_categories:
                row.scope3_upstream_categories = categories
            if not row.allocation_boundary:
                row.allocation_boundary = boundary
            if (row.scope3_upstream_categories, row.allocation_boundary) == before:
                continue
            changed.append(row)
            records.append(
                History(
                    **{name: getattr(row, name) for name in copied},
                    history_date=now,
                    history_type="~",
                    history_change_reason=REASON,
                    history_user_id=system_id,
                )
            )
        Disclosure.objects.bulk_update(
            changed, ["scope3_upstream_categories", "allocation_boundary"]
        )
        History.objects.bulk_create(records)


class Migration(migrations.Migration):
    dependencies = [("vendors", "0003_disclosure_boundary")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
