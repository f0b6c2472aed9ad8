"""How progress reads (config.progress), without a database: one wording for every kind."""

import datetime as dt

import pytest

from config.progress import Progress, duration, progress_text

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (42, "0:42"), (61.6, "1:02"), (3725, "1:02:05")]
)
def test_durations(seconds, text):
    assert duration(seconds) == text


def chunks(done, total, *, status="running", finished=None, **kwargs):
    return Progress(
        status=status,
        status_label=status.capitalize(),
        value=done,
        total=total,
        unit="chunks",
        done=status in ("completed", "failed"),
        failed=status == "failed",
        started_at=T0,
        finished_at=finished,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("progress", "text"),
    [
        # Nothing done yet: no estimate.
        (chunks(0, 4), "0 of 4 chunks (0 %), elapsed 0:40"),
        # 40 s for 1 chunk: 2:00 for the 3 left.
        (chunks(1, 4), "1 of 4 chunks (25 %), elapsed 0:40, about 2:00 left"),
        (
            chunks(4, 4, status="completed", finished=T0 + dt.timedelta(seconds=75)),
            "4 of 4 chunks (100 %), took 1:15",
        ),
        # A run with no lines is complete at once.
        (chunks(0, 0, status="completed", finished=T0), "0 of 0 chunks (100 %), took 0:00"),
        (
            chunks(2, 4, status="failed", finished=T0 + dt.timedelta(seconds=9)),
            "Failed after 0:09: 2 of 4 chunks (50 %)",
        ),
    ],
)
def test_progress_reads_as_done_of_total_with_times(progress, text):
    assert progress_text(progress, T0 + dt.timedelta(seconds=40)) == text
