"""Server-side SVG of bids' life-cycle cost and carbon: stacked horizontal bars. Pure Python.

Like ``contracts/charts.py``: inline attributes only (no CSS, scripts or external references, so
the page's Content Security Policy and a PDF renderer accept it), every text escaped, the same
inputs give byte-identical markup, and ``role="img"`` with a ``<title>`` and a ``<desc>`` that
states every figure in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from config import numbers

WIDTH = 720
LABEL_W = 170
RIGHT = 150
ROW_H = 44
BAR_H = 18
CREDIT_H = 8
TOP = 34
LEGEND_H = 28


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    colour: str


COST_SEGMENTS = (
    Segment("price", "Price", "#1f5f99"),
    Segment("energy", "Electricity", "#d97706"),
    Segment("maintenance", "Maintenance", "#7c3aed"),
    Segment("end_of_life", "End of life", "#6b7280"),
    Segment("externality", "Externality cost", "#b42318"),
)
CREDIT = Segment("residual", "Residual value (credit)", "#1a7f37")
CARBON_SEGMENTS = (
    Segment("embodied", "Embodied", "#6b4f2a"),
    Segment("operational", "Operational", "#d97706"),
    Segment("end_of_life", "End of life", "#6b7280"),
)


def _x(value: Decimal, scale: Decimal) -> float:
    return float(value * scale)


def _rect(x: float, y: float, w: float, h: float, colour: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{colour}"><title>{escape(title)}</title></rect>'
    )


def _legend(segments: Sequence[Segment], y: float) -> list[str]:
    parts = []
    x = float(LABEL_W)
    for seg in segments:
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{seg.colour}"/>')
        parts.append(
            f'<text x="{x + 16:.1f}" y="{y + 10:.1f}" font-size="11" '
            f'font-family="sans-serif">{escape(seg.label)}</text>'
        )
        x += 22 + 6.5 * len(seg.label)
    return parts


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> str:
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
        f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f"aria-labelledby={quoteattr(tid + ' ' + did)}>"
        f"<title id={quoteattr(tid)}>{escape(title)}</title>"
        f"<desc id={quoteattr(did)}>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def lcc_bars_svg(rows: Sequence[tuple[str, dict]], *, currency: str, chart_id="lcc-chart") -> str:
    """``rows``: (vendor, terms) with terms price, energy, maintenance, end_of_life,
    externality, residual and lcc as Decimals. Costs stack to the right; the residual value is a
    thin green bar under the stack ending at its right edge, so the stack minus the credit is
    the LCC, marked by a black tick."""
    if not rows:
        return ""
    plot_w = Decimal(WIDTH - LABEL_W - RIGHT)
    widest = max(
        sum((max(t[s.key], Decimal(0)) for s in COST_SEGMENTS), Decimal(0)) for _n, t in rows
    )
    scale = plot_w / widest if widest > 0 else Decimal(0)
    body = []
    words = []
    for i, (name, terms) in enumerate(rows):
        y = TOP + i * ROW_H
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'font-family="sans-serif">{escape(name)}</text>'
        )
        x = float(LABEL_W)
        for seg in COST_SEGMENTS:
            value = max(terms[seg.key], Decimal(0))
            w = _x(value, scale)
            body.append(
                _rect(
                    x,
                    y,
                    w,
                    BAR_H,
                    seg.colour,
                    f"{name}: {seg.label} {numbers.money(_q(value), currency)}",
                )
            )
            x += w
        credit = terms["residual"] - min(terms["end_of_life"], Decimal(0))
        stack_end = LABEL_W + _x(
            sum((max(terms[s.key], Decimal(0)) for s in COST_SEGMENTS[:4]), Decimal(0)), scale
        )
        cw = _x(credit, scale)
        body.append(
            _rect(
                stack_end - cw,
                y + BAR_H + 2,
                cw,
                CREDIT_H,
                CREDIT.colour,
                f"{name}: {CREDIT.label} {numbers.money(_q(credit), currency)}",
            )
        )
        lcc_x = LABEL_W + _x(terms["lcc"], scale)
        body.append(
            f'<line x1="{lcc_x:.1f}" y1="{y - 3}" x2="{lcc_x:.1f}" y2="{y + BAR_H + CREDIT_H + 4}" '
            f'stroke="#111827" stroke-width="2"/>'
        )
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + 13}" font-size="11" font-family="sans-serif">'
            f"LCC {escape(numbers.money(_q(terms['lcc']), currency))}</text>"
        )
        words.append(
            f"{name}: "
            + ", ".join(
                f"{s.label.lower()} {numbers.money(_q(terms[s.key]), currency)}"
                for s in COST_SEGMENTS
            )
            + f", residual value {numbers.money(_q(terms['residual']), currency)}"
            + f", life-cycle cost {numbers.money(_q(terms['lcc']), currency)}."
        )
    height = TOP + len(rows) * ROW_H + LEGEND_H
    body += _legend((*COST_SEGMENTS, CREDIT), TOP + len(rows) * ROW_H + 4)
    return _svg(
        chart_id,
        f"Life-cycle cost per bid ({currency}, present value)",
        " ".join(words),
        height,
        body,
    )


def carbon_bars_svg(rows: Sequence[tuple[str, dict]], *, chart_id="lc-carbon-chart") -> str:
    """``rows``: (vendor, {"embodied", "operational", "end_of_life"} in kgCO2e), drawn in t."""
    if not rows:
        return ""
    plot_w = Decimal(WIDTH - LABEL_W - RIGHT)
    widest = max(sum((t[s.key] for s in CARBON_SEGMENTS), Decimal(0)) for _n, t in rows)
    scale = plot_w / widest if widest > 0 else Decimal(0)
    body = []
    words = []
    for i, (name, terms) in enumerate(rows):
        y = TOP + i * ROW_H
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'font-family="sans-serif">{escape(name)}</text>'
        )
        x = float(LABEL_W)
        for seg in CARBON_SEGMENTS:
            w = _x(terms[seg.key], scale)
            body.append(
                _rect(x, y, w, BAR_H, seg.colour, f"{name}: {seg.label} {_t(terms[seg.key])}")
            )
            x += w
        total = sum((terms[s.key] for s in CARBON_SEGMENTS), Decimal(0))
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + 13}" font-size="11" font-family="sans-serif">'
            f"{escape(_t(total))}</text>"
        )
        words.append(
            f"{name}: "
            + ", ".join(f"{s.label.lower()} {_t(terms[s.key])}" for s in CARBON_SEGMENTS)
            + f", life cycle {_t(total)}."
        )
    height = TOP + len(rows) * ROW_H + LEGEND_H
    body += _legend(CARBON_SEGMENTS, TOP + len(rows) * ROW_H + 4)
    return _svg(chart_id, "Life-cycle tCO2e per bid", " ".join(words), height, body)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"))


def _t(kg: Decimal) -> str:
    return numbers.quantity((kg / 1000).quantize(Decimal("0.1")), "tCO2e", places=1)
