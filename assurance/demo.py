"""Demo helpers every app's demo builder shares, and the demo's evidence bundles (``seed_demo``).

The ground floor of the demo: a tally of what the builders created, a generated one-page PDF
(so the demo ships no binary files), the path of a sample file in ``docs/samples/``, and one
evidence bundle of each kind generated synchronously. The bundles' scopes (a vendor, a contract,
a run) are passed in by the top floor (tenderleaf), so this module imports no higher app.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from assurance.models import EvidenceBundle

REASON = "seed_demo"


class DemoTally:
    """What a demo run created and updated, by kind, for its one-line summary."""

    def __init__(self):
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}

    def add(self, what: str, *, created: bool = False, updated: bool = False, count: int = 1):
        if created:
            self.created[what] = self.created.get(what, 0) + count
        elif updated:
            self.updated[what] = self.updated.get(what, 0) + count

    def summary(self) -> str:
        if not self.created and not self.updated:
            return "Demo data is up to date: nothing to change."
        parts = [f"{n} {what} created" for what, n in self.created.items()]
        parts += [f"{n} {what} updated" for what, n in self.updated.items()]
        return "Demo data: " + ", ".join(parts) + "."


def sample_path(name: str) -> Path:
    """A sample file of ``docs/samples/`` (what each holds: docs/samples/README.md)."""
    return Path(settings.BASE_DIR) / "docs" / "samples" / name


def demo_pdf(text: str) -> bytes:
    """A one-page PDF saying ``text``: small, valid (the xref offsets are computed), generated so
    the demo ships no binary files."""
    safe = text.encode("latin-1", "replace").replace(b"\\", b"\\\\")
    safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# --- evidence bundles ----------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet(*names: str):
    """Rendering in this process: WeasyPrint's and fontTools' per-page INFO lines stay out of the
    command's output (the isolated renderer keeps them in its own process)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@dataclass
class BundleOutcome:
    made: list[EvidenceBundle] = field(default_factory=list)
    failed: list[EvidenceBundle] = field(default_factory=list)


def bundles_seed(
    *, actor, tally, vendor=None, year: int | None = None, contract=None, run=None
) -> BundleOutcome:
    """One done evidence bundle of each scope given (vendor and year, contract, Scope 3 run).

    Generated here and now (``queue=False``), as the bundle task would: the audit chain is
    extended first, so the bundles' cover shows a head covering every demo row. Idempotent: a
    scope that already has a done bundle is left alone; one whose earlier attempt failed is tried
    again (the failure stays on record). Rendering is not isolated in a memory-capped process:
    the demo's data is our own, and one process reuses WeasyPrint's font set-up, which keeps
    ``seed_demo`` under a minute on two cores (docs/samples/README.md).
    """
    from assurance.bundles.services import evidence_bundle_generate, evidence_bundle_request

    Scope = EvidenceBundle.Scope
    wanted = []
    if vendor is not None and year is not None:
        wanted.append((Scope.VENDOR_PERIOD, {"vendor": vendor, "year": year}))
    if contract is not None:
        wanted.append((Scope.CONTRACT, {"contract": contract}))
    if run is not None:
        wanted.append((Scope.RUN, {"run": run}))
    outcome = BundleOutcome()
    for scope, target in wanted:
        done = EvidenceBundle.objects.filter(
            scope=scope, status=EvidenceBundle.Status.DONE, **target
        )
        if done.exists():
            continue
        bundle = evidence_bundle_request(actor=actor, scope=scope, queue=False, **target)
        with _quiet("weasyprint", "fontTools"):
            bundle = evidence_bundle_generate(bundle_id=bundle.pk, actor=actor, isolated=False)
        if bundle.status == EvidenceBundle.Status.DONE:
            outcome.made.append(bundle)
            tally.add("evidence bundles", created=True)
        else:
            outcome.failed.append(bundle)
    return outcome
