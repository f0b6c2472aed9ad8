"""What the engine returns for one spend line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .inputs import Category, LineId, Method, VendorId


@dataclass(slots=True, kw_only=True)
class EstimateResult:
    """The estimate of one spend line in one category. Read-only by convention.

    Not ``frozen``: a frozen dataclass's ``__init__`` costs twice as much, and a run builds a
    million of these; nothing in the engine mutates one after it is returned.

    ``kgco2e``, ``low_kgco2e`` and ``high_kgco2e`` are quantised to 0.001 kg (ROUND_HALF_EVEN);
    ``low_kgco2e <= kgco2e <= high_kgco2e`` always holds (for a credit note the bounds are
    negative too). An unaccounted line has ``kgco2e == 0``, ``dq is None`` and its ``reason``
    says why, so it is reported as unaccounted spend rather than as zero emissions.

    ``factor_dataset``/``factor_version``/``factor_code`` name the factor used (for hybrid,
    the disclosure stands in for the factor: see ``disclosure_id``). ``activity_value`` is the
    quantity the factor multiplied, in ``activity_unit`` (``"USD 2022"``, ``"unit"``,
    ``"tonne-km"``, ``"tonne"``, or the disclosure's currency). ``notes`` say why each better
    method did not apply: the "why" of a restatement when data improves.

    ``source_key`` names the shared source whose error the line shares (``factor:…``,
    ``disclosure:…``, ``footprint:…``, ``spec:…``): ranges add linearly within one source and in
    quadrature across sources (``uncertainty.py``). ``dq`` is the combined data-quality score of
    the five indicators whose scores ``dq_indicators`` holds as five digits (``quality.py``).
    ``unknown_terms`` names ledger words the vocabulary did not know (``"hardware class
    'gpu-xl'"``), so a run can list them; the reason says so too.
    """

    line_id: LineId
    external_id: str
    vendor_id: VendorId | None
    category: Category
    method: Method
    kgco2e: Decimal
    low_kgco2e: Decimal
    high_kgco2e: Decimal
    relative_uncertainty: Decimal | None
    dq: int | None
    reason: str
    factor_dataset: str | None = None
    factor_version: str | None = None
    factor_code: str | None = None
    factor_kgco2e_per_unit: Decimal | None = None
    factor_source: str = ""
    activity_value: Decimal | None = None
    activity_unit: str = ""
    disclosure_id: str | None = None
    product_footprint_id: str | None = None
    notes: tuple[str, ...] = ()
    source_key: str = ""
    dq_indicators: str = ""
    unknown_terms: tuple[str, ...] = ()

    @property
    def is_accounted(self) -> bool:
        return self.method is not Method.UNACCOUNTED

    @property
    def dq_scores(self):
        """The five indicator scores (``quality.DqScores``), or None for an unaccounted line."""
        from .quality import DqScores

        return DqScores.from_code(self.dq_indicators) if self.dq_indicators else None
