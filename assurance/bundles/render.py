"""Rendering a bundle PDF: safely, in parallel, and in a memory-capped process.

How page numbers stay right when sections are rendered apart
------------------------------------------------------------
Each section is its own HTML document, rendered to PDF by WeasyPrint in a separate process
(``ProcessPoolExecutor``, one worker per core). Section documents carry no page furniture, so
their layout does not depend on where they end up. Once every section's page count is known:

1. the table of contents is rendered with the real start page of each section (cover = page 1,
   then the contents, then the sections in order); if the contents need a different number of
   pages than assumed, they are rendered again (a page or two, cheap);
2. one *frame* document with exactly as many blank pages as the bundle is rendered, whose CSS
   ``@page`` margin boxes carry the running header (bundle title via ``string-set``), the
   footer and "Page n of N" (each frame page states its number, which the footer shows with
   ``string()``; so the frame splits into pieces rendered in parallel too); its pages are
   stamped over the merged pages with pypdf.

So every section is laid out exactly once, the numbers come from CSS ``@page`` rules, and the
time grows with pages ÷ cores; a process's memory grows with its largest section. Tables repeat
their ``thead`` on every page (WeasyPrint does so for ``display: table-header-group``).

Safety: every WeasyPrint call gets :class:`~assurance.bundles.fetcher.SafeUrlFetcher`. The
whole rendering runs in a child process (``python -m assurance.bundles.render``) whose address
space is capped with ``RLIMIT_AS`` (``EVIDENCE_BUNDLE_MEMORY_MB``, default 1024, inherited by
the section workers) and that is killed after ``EVIDENCE_BUNDLE_RENDER_TIMEOUT`` seconds; the
Celery task has its own soft and hard time limits around that.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_MEMORY_MB = 1024
DEFAULT_TIMEOUT_S = 20 * 60


class RenderFailed(RuntimeError):
    """The PDF could not be rendered (limit hit, refused resource, WeasyPrint error)."""


@dataclass
class RenderJob:
    title: str
    footer_note: str
    cover: str
    sections: list[dict]  # {"key", "title", "body"}: bodies are HTML from our own templates

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    toc: list[dict]
    fetched: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def document_html(
    body: str,
    *,
    title: str,
    furniture: bool = False,
    running_title: str = "",
    footer_note="",
    first_page_blank: bool = True,
    numbers_from_frame: bool = False,
) -> str:
    """A complete HTML document around a body fragment made by our templates."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    return render_to_string(
        "pdf/document.html",
        {
            "title": title,
            # Bodies are the output of our autoescaping templates (they crossed a process
            # boundary as plain strings, hence marked safe again here).
            "body": mark_safe(body),  # noqa: S308
            "furniture": furniture,
            "running_title": running_title,
            "footer_note": footer_note,
            "first_page_blank": first_page_blank,
            "numbers_from_frame": numbers_from_frame,
        },
    )


def _pdf_of(html: str) -> tuple[bytes, int, list[str], list[str]]:
    from weasyprint import HTML

    from assurance.bundles.fetcher import STATIC_BASE_URL, SafeUrlFetcher

    fetcher = SafeUrlFetcher()
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render()
    pdf = document.write_pdf()
    return pdf, len(document.pages), fetcher.calls, fetcher.refused


def _worker_init():
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _render_many(pool, documents: list[str]) -> list[tuple]:
    """Render documents, in the pool if there is one, largest first (so the longest section
    does not start last and leave the other cores idle), returning results in input order."""
    if pool is None:
        return [_pdf_of(html) for html in documents]
    order = sorted(range(len(documents)), key=lambda i: -len(documents[i]))
    futures = {i: pool.submit(_pdf_of, documents[i]) for i in order}
    return [futures[i].result() for i in range(len(documents))]


def _frame_documents(job: RenderJob, total: int, workers: int) -> list[str]:
    """The page furniture for pages 1..total, split into one document per worker.

    Each frame page states its own number ("Page 7 of 120") as text that the ``@page`` footer
    takes with ``string()``, so no page counter has to be resolved across documents and the
    pieces can be rendered in parallel.
    """
    from django.template.loader import render_to_string

    size = max(1, -(-total // max(1, workers)))
    documents = []
    for first in range(1, total + 1, size):
        numbers = range(first, min(total, first + size - 1) + 1)
        body = render_to_string("pdf/frame.html", {"numbers": numbers, "total": total})
        documents.append(
            document_html(
                body,
                title=job.title,
                furniture=True,
                running_title=job.title,
                footer_note=job.footer_note,
                first_page_blank=first == 1,
                numbers_from_frame=True,
            )
        )
    return documents


def _toc_html(job: RenderJob, entries: list[dict]) -> str:
    from django.template.loader import render_to_string

    body = render_to_string("pdf/toc.html", {"entries": entries})
    return document_html(body, title="Contents")


def render_parallel(job: RenderJob, *, workers: int | None = None) -> RenderResult:
    """Render the sections in parallel, then the contents and the frame, and merge (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    started = time.perf_counter()
    documents = [document_html(job.cover, title=job.title)] + [
        document_html(s["body"], title=s["title"]) for s in job.sections
    ]
    workers = workers or os.cpu_count() or 1
    # Font discovery (fontconfig, Pango) costs seconds the first time; do it once here so the
    # forked workers inherit it instead of each paying for it.
    _pdf_of(document_html("<p>warm-up</p>", title="warm-up"))
    pool = None
    if workers > 1 and len(documents) > 1:
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(documents)), mp_context=context, initializer=_worker_init
        )
    try:
        rendered = _render_many(pool, documents)
        sections_s = time.perf_counter() - started

        cover_pages = rendered[0][1]
        toc_pages = 1
        for _attempt in range(3):
            page = cover_pages + toc_pages + 1
            entries = []
            for section, (_pdf, pages, _calls, _refused) in zip(
                job.sections, rendered[1:], strict=True
            ):
                entries.append({"key": section["key"], "title": section["title"], "page": page})
                page += pages
            toc = _pdf_of(_toc_html(job, entries))
            if toc[1] == toc_pages:
                break
            toc_pages = toc[1]
        total = page - 1
        frames = _render_many(pool, _frame_documents(job, total, workers))
    finally:
        if pool is not None:
            pool.shutdown()
    frame_pages = sum(f[1] for f in frames)
    if frame_pages != total:
        raise RenderFailed(f"page frame has {frame_pages} pages for a {total}-page bundle")

    writer = PdfWriter()
    parts = [rendered[0], toc, *rendered[1:]]
    for pdf, *_rest in parts:
        writer.append(PdfReader(io.BytesIO(pdf)))
    furniture = [p for f in frames for p in PdfReader(io.BytesIO(f[0])).pages]
    for page, overlay in zip(writer.pages, furniture, strict=True):
        page.merge_page(overlay)
    writer.add_outline_item("Cover", 0)
    writer.add_outline_item("Contents", cover_pages)
    for entry in entries:
        writer.add_outline_item(entry["title"], entry["page"] - 1)
    writer.add_metadata({"/Title": job.title, "/Producer": "Tenderleaf (WeasyPrint, pypdf)"})
    out = io.BytesIO()
    writer.write(out)
    fetched = sorted({url for part in [*rendered, toc, *frames] for url in part[2]})
    refused = sorted({url for part in [*rendered, toc, *frames] for url in part[3]})
    return RenderResult(
        pdf=out.getvalue(),
        pages=total,
        toc=entries,
        fetched=fetched,
        refused=refused,
        stats={
            "sections_s": round(sections_s, 3),
            "total_s": round(time.perf_counter() - started, 3),
            "workers": workers,
        },
    )


def render_single(job: RenderJob) -> RenderResult:
    """The same bundle as one HTML document in one WeasyPrint call (the benchmark's baseline)."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    entries = [{"key": s["key"], "title": s["title"], "page": None} for s in job.sections]
    body = "".join(
        [job.cover, render_to_string("pdf/toc.html", {"entries": entries})]
        + [s["body"] for s in job.sections]
    )
    html = document_html(
        mark_safe(body),  # noqa: S308 - fragments of our own templates
        title=job.title,
        furniture=True,
        running_title=job.title,
        footer_note=job.footer_note,
    )
    pdf, pages, calls, refused = _pdf_of(html)
    return RenderResult(pdf=pdf, pages=pages, toc=entries, fetched=calls, refused=refused)


def memory_limit_apply(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def render_isolated(
    job: RenderJob,
    *,
    memory_mb: int | None = None,
    timeout_s: int | None = None,
    workers: int | None = None,
    single: bool = False,
) -> RenderResult:
    """Render in a child process with a capped address space and a time limit.

    A subprocess (not ``multiprocessing``) so that it also works inside a Celery prefork worker,
    whose daemonic children may not start process pools of their own.
    """
    from django.conf import settings

    memory_mb = memory_mb or getattr(settings, "EVIDENCE_BUNDLE_MEMORY_MB", DEFAULT_MEMORY_MB)
    timeout_s = timeout_s or getattr(settings, "EVIDENCE_BUNDLE_RENDER_TIMEOUT", DEFAULT_TIMEOUT_S)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
    with tempfile.TemporaryDirectory(prefix="tenderleaf-render-") as folder:
        job_path = Path(folder) / "job.json"
        out_path = Path(folder) / "bundle.pdf"
        job_path.write_text(job.to_json(), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "assurance.bundles.render",
            "--job",
            str(job_path),
            "--out",
            str(out_path),
            "--memory-mb",
            str(memory_mb),
            "--workers",
            str(workers or os.cpu_count() or 1),
        ]
        if single:
            command.append("--single")
        try:
            completed = subprocess.run(  # noqa: S603 - our own module, no shell
                command,
                env=env,
                capture_output=True,
                timeout=timeout_s,
                cwd=str(settings.BASE_DIR),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RenderFailed(
                f"rendering took longer than {timeout_s} s and was stopped"
            ) from None
        if completed.returncode != 0:
            tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            if any("MemoryError" in line for line in tail):
                raise RenderFailed(f"rendering needed more than the {memory_mb} MB memory cap")
            raise RenderFailed("rendering failed: " + " | ".join(tail)[-500:])
        meta = json.loads(completed.stdout.decode("utf-8").strip().splitlines()[-1])
        return RenderResult(
            pdf=out_path.read_bytes(),
            pages=meta["pages"],
            toc=meta["toc"],
            fetched=meta["fetched"],
            refused=meta["refused"],
            stats=meta["stats"],
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Render an evidence bundle PDF (internal).")
    parser.add_argument("--job", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--single", action="store_true")
    args = parser.parse_args(argv)
    memory_limit_apply(args.memory_mb)
    _worker_init()
    job = RenderJob(**json.loads(Path(args.job).read_text(encoding="utf-8")))
    result = render_single(job) if args.single else render_parallel(job, workers=args.workers)
    Path(args.out).write_bytes(result.pdf)
    stats = dict(result.stats)
    stats["rlimit_as_mb"] = resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024)
    stats["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    stats["maxrss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(
        json.dumps(
            {
                "pages": result.pages,
                "toc": result.toc,
                "fetched": result.fetched,
                "refused": result.refused,
                "stats": stats,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
