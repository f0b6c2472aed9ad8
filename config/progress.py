"""Progress of long work (inventory runs, spend imports, evidence bundles) as people read it, and
the small JSON answer that static/js/progress.js polls to refresh a page's ``<progress>``.

One wording for every kind: "3 of 10 chunks (30 %), elapsed 0:42, about 1:38 left" while it
runs, "10 of 10 chunks (100 %), took 1:02" once done. The estimate of what is left assumes the
remaining steps take as long as the ones done so far took on average.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import JsonResponse


@dataclass(frozen=True)
class Progress:
    status: str
    status_label: str
    value: int
    total: int  # 0 while not known yet (a run being planned)
    unit: str  # "chunks", "rows", or "%" when value is already a percentage
    done: bool  # finished, successfully or not: nothing more will change
    failed: bool = False
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    note: str = ""  # what the work is doing now ("Rendering 9 sections")

    @property
    def percent(self) -> int:
        if self.unit == "%":
            return max(0, min(100, self.value))
        if self.total:
            return max(0, min(100, round(100 * self.value / self.total)))
        return 100 if self.done and not self.failed else 0


def duration(seconds: float) -> str:
    """``42`` -> "0:42", ``3725`` -> "1:02:05": minutes and seconds, hours when there are any."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def elapsed_seconds(progress: Progress, now: datetime.datetime) -> float | None:
    """Time since the start, or the time it took once done (None when either end is unknown)."""
    if progress.started_at is None:
        return None
    end = progress.finished_at if progress.done else now
    if end is None:
        return None
    return max(0.0, (end - progress.started_at).total_seconds())


def remaining_seconds(progress: Progress, now: datetime.datetime) -> float | None:
    """What is left at the average pace so far; None before the first step is done."""
    elapsed = elapsed_seconds(progress, now)
    if progress.done or elapsed is None:
        return None
    total = 100 if progress.unit == "%" else progress.total
    if progress.value <= 0 or total <= progress.value:
        return None
    return elapsed / progress.value * (total - progress.value)


def progress_text(progress: Progress, now: datetime.datetime) -> str:
    if progress.unit == "%":
        amount = f"{progress.percent} %"
        if progress.note:
            amount += f" ({progress.note})"
    elif progress.total or progress.done:
        amount = f"{progress.value} of {progress.total} {progress.unit} ({progress.percent} %)"
    else:
        amount = progress.note or progress.status_label
    elapsed = elapsed_seconds(progress, now)
    if progress.failed:
        took = f" after {duration(elapsed)}" if elapsed is not None else ""
        return f"{progress.status_label}{took}: {amount}"
    if progress.done:
        return f"{amount}, took {duration(elapsed)}" if elapsed is not None else amount
    if elapsed is None:
        return amount
    text = f"{amount}, elapsed {duration(elapsed)}"
    left = remaining_seconds(progress, now)
    return f"{text}, about {duration(left)} left" if left is not None else text


def progress_payload(progress: Progress, now: datetime.datetime) -> dict:
    elapsed = elapsed_seconds(progress, now)
    left = remaining_seconds(progress, now)
    return {
        "status": progress.status,
        "status_label": progress.status_label,
        "done": progress.done,
        "failed": progress.failed,
        "value": progress.value,
        "max": 100 if progress.unit == "%" else progress.total,
        "unit": progress.unit,
        "percent": progress.percent,
        "note": progress.note,
        "started_at": progress.started_at.isoformat() if progress.started_at else None,
        "finished_at": progress.finished_at.isoformat() if progress.finished_at else None,
        "elapsed_seconds": round(elapsed) if elapsed is not None else None,
        "remaining_seconds": round(left) if left is not None else None,
        "text": progress_text(progress, now),
    }


def progress_response(progress: Progress, now: datetime.datetime) -> JsonResponse:
    response = JsonResponse(progress_payload(progress, now))
    response["Cache-Control"] = "no-store"
    return response


def admin_progress_response(modeladmin, request, object_id, progress_of) -> JsonResponse:
    """The JSON answer of an admin page's progress URL (static/js/progress.js polls it): the
    progress of ``modeladmin``'s object ``object_id`` as ``progress_of(obj)`` reads it; 404 for
    anyone who may not view those objects, as for an object that does not exist."""
    from django.http import Http404
    from django.utils import timezone

    user = request.user
    if not (user.is_active and user.is_staff) or not modeladmin.has_view_permission(request):
        raise Http404
    obj = modeladmin.model._default_manager.filter(pk=object_id).first()
    if obj is None:
        raise Http404
    return progress_response(progress_of(obj), timezone.now())


def progress_html(
    progress: Progress,
    now: datetime.datetime,
    *,
    url: str,
    label: str,
    reload_when_done: bool = False,
) -> str:
    """A ``<progress>`` with its text, right as the page is rendered; static/js/progress.js
    polls ``url`` every 2 s and refreshes both until the work is done (``reload_when_done``:
    then it reloads the page once, to show what the work produced). Without the script the
    page shows the state it was rendered in."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    payload = progress_payload(progress, now)
    return format_html(
        '<span class="live-progress" data-progress-url="{}" data-progress-done="{}"{}>'
        '<progress value="{}" max="{}" aria-label="{}">{} %</progress> '
        "<span data-progress-text>{}</span>"
        '<span class="visually-hidden" role="status" data-progress-announce></span></span>',
        url,
        "true" if progress.done else "false",
        mark_safe(" data-progress-reload") if reload_when_done else "",
        payload["value"],
        payload["max"] or 1,
        label,
        payload["percent"],
        payload["text"],
    )


# --- in a terminal -------------------------------------------------------------------------------


class CommandProgress:
    """Progress of a management command: a bar (tqdm) when stdout is a terminal; otherwise (a
    log, a pipe, cron) only the lines the command gives for each step, as before bars existed;
    nothing at all at verbosity 0.

        with CommandProgress(self.stdout, verbosity=options["verbosity"], unit="chunk") as bar:
            bar.update(done, total, line=f"  {done}/{total} chunks")
    """

    def __init__(self, stdout, *, verbosity: int, desc: str = "", unit: str = "it", total=None):
        self.stdout = stdout
        self.quiet = verbosity < 1
        self.note = ""
        self.bar = None
        if not self.quiet and stdout.isatty():
            from tqdm import tqdm

            # The stream under Django's OutputWrapper, which would end every write with a
            # newline and break the bar's carriage returns.
            self.bar = tqdm(
                total=total,
                desc=desc,
                unit=unit,
                file=getattr(stdout, "_out", stdout),
                dynamic_ncols=True,
                # Work measured in percent: no "45/100" nor a rate in "%/s".
                bar_format="{l_bar}{bar}| [{elapsed}<{remaining}]" if unit == "%" else None,
            )

    def update(
        self, done: int, total: int | None = None, *, note: str = "", desc: str = "", line=""
    ):
        """Move to ``done`` of ``total``. ``note`` names a step with its own count (a new note
        starts the bar again); ``desc`` only says what is under way; ``line`` is what a
        non-terminal gets for this step (nothing when empty)."""
        if self.bar is not None:
            if desc and desc != self.bar.desc:
                self.bar.set_description_str(desc)
            if note and note != self.note:
                # A new step starts its own count and clock (reset() draws it at 0).
                self.note = note
                self.bar.set_description_str(note, refresh=False)
                self.bar.reset(total=total)
            elif total is not None and total != self.bar.total:
                self.bar.total = total
            self.bar.update(done - self.bar.n)
        elif line and not self.quiet:
            self.stdout.write(line)

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn (worth estimating a total for)."""
        return self.bar is not None

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
