"""Server-side SVG of a KPI clause: the linear trajectory and the reported values. Pure Python.

The same function serves the admin, the portal and (later) the evidence-bundle PDF, so it draws
with inline attributes only (no CSS classes, scripts or external references: WeasyPrint renders it
without fetching anything), escapes every piece of text it is given, and is deterministic (the
same inputs give byte-identical SVG, which keeps bundle manifests reproducible).

Accessibility: the SVG is ``role="img"`` with a ``<title>`` and a ``<desc>`` that states every
point in words, and on-track/off-track points differ in shape as well as colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 36, 48
TRAJECTORY_COLOUR = "#1f5f99"
ON_TRACK_COLOUR = "#1a7f37"
OFF_TRACK_COLOUR = "#b42318"
PENDING_COLOUR = "#6b7280"


def _fmt(value) -> str:
    """A number for display: Decimal without trailing zeros, never in exponent form."""
    d = Decimal(str(value))
    text = f"{d.normalize():f}"
    return text


def _num(x: float) -> str:
    return f"{x:.1f}"


def kpi_chart_svg(
    *,
    title: str,
    unit: str,
    trajectory: Sequence[tuple[int, Decimal]],
    points: Sequence[tuple[float, Decimal, bool | None, str]],
    chart_id: str = "kpi",
) -> str:
    """SVG markup for one clause.

    ``trajectory``: (year, expected value) pairs, drawn as a line at each year's end, since a
    report is judged at the year its period ends in (see :mod:`contracts.trajectory`).
    ``points``: (fractional year of the period end, value, on_track or None if not yet accepted,
    label). ``chart_id`` makes the ids of the title and description unique on a page.
    """
    values = [Decimal(v) for _, v in trajectory] + [Decimal(v) for _, v, _, _ in points]
    xs = [float(y) for y, _ in trajectory] + [float(x) for x, _, _, _ in points]
    if not values:
        values, xs = [Decimal(0), Decimal(1)], [0.0, 1.0]
    v_min, v_max = min(values), max(values)
    if v_min == v_max:
        v_min, v_max = v_min - 1, v_max + 1
    pad = (v_max - v_min) * Decimal("0.1")
    v_min, v_max = v_min - pad, v_max + pad
    if v_min < 0 <= min(values):
        v_min = Decimal(0)
    x_min, x_max = min(xs), max(xs)
    if x_min == x_max:
        x_min, x_max = x_min - 1, x_max + 1

    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (float(x) - x_min) / (x_max - x_min) * plot_w

    def sy(v) -> float:
        return TOP + plot_h - float((Decimal(v) - v_min) / (v_max - v_min)) * plot_h

    safe_id = "".join(ch for ch in chart_id if ch.isalnum() or ch in "-_") or "kpi"
    title_id, desc_id = f"{safe_id}-title", f"{safe_id}-desc"
    unit_text = f" {unit}" if unit else ""
    description = [
        "Trajectory: "
        + ", ".join(f"{year}: {_fmt(value)}{unit_text}" for year, value in trajectory)
        + "."
    ]
    for _x, value, on_track, label in points:
        verdict = (
            "pending review" if on_track is None else ("on track" if on_track else "off track")
        )
        description.append(f"Reported {label}: {_fmt(value)}{unit_text}, {verdict}.")
    if not points:
        description.append("No reported values yet.")

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="sans-serif" font-size="12">',
        f'<title id="{title_id}">{escape(title)}{escape(unit_text and f" ({unit})")}</title>',
        f'<desc id="{desc_id}">{escape(" ".join(description))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # Axes with five value ticks and one tick per trajectory year.
    out.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#374151"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        f'stroke="#374151"/>'
    )
    for i in range(5):
        v = v_min + (v_max - v_min) * Decimal(i) / Decimal(4)
        y = sy(v)
        label = _fmt(v.quantize(Decimal("0.01")))
        out.append(
            f'<line x1="{LEFT - 4}" y1="{_num(y)}" x2="{LEFT + plot_w}" y2="{_num(y)}" '
            f'stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 8}" y="{_num(y + 4)}" text-anchor="end" fill="#374151">'
            f"{escape(label)}</text>"
        )
    for year, _ in trajectory:
        x = sx(year)
        out.append(
            f'<text x="{_num(x)}" y="{TOP + plot_h + 18}" text-anchor="middle" '
            f'fill="#374151">{int(year)}</text>'
        )
    out.append(
        f'<text x="{LEFT}" y="{TOP - 14}" fill="#111827" font-weight="bold">'
        f"{escape(title)}</text>"
        f'<text x="{LEFT + plot_w}" y="{TOP - 14}" text-anchor="end" fill="#374151">'
        f"{escape(unit)}</text>"
    )
    if trajectory:
        coords = " ".join(f"{_num(sx(year))},{_num(sy(value))}" for year, value in trajectory)
        out.append(
            f'<polyline points="{coords}" fill="none" stroke="{TRAJECTORY_COLOUR}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    for x, value, on_track, label in points:
        cx, cy = _num(sx(x)), _num(sy(value))
        tip = f"{label}: {_fmt(value)}{unit_text}"
        if on_track is None:
            shape = (
                f'<circle cx="{cx}" cy="{cy}" r="5" fill="#ffffff" stroke="{PENDING_COLOUR}" '
                f'stroke-width="2"/>'
            )
            tip += " (pending review)"
        elif on_track:
            shape = f'<circle cx="{cx}" cy="{cy}" r="5" fill="{ON_TRACK_COLOUR}"/>'
            tip += " (on track)"
        else:
            px, py = float(cx), float(cy)
            shape = (
                f'<path d="M{_num(px - 5)},{_num(py - 5)} L{_num(px + 5)},{_num(py + 5)} '
                f'M{_num(px - 5)},{_num(py + 5)} L{_num(px + 5)},{_num(py - 5)}" '
                f'stroke="{OFF_TRACK_COLOUR}" stroke-width="3"/>'
            )
            tip += " (off track)"
        out.append(f"<g data-point={quoteattr(label)}><title>{escape(tip)}</title>{shape}</g>")
    # Legend.
    ly = HEIGHT - 12
    out.append(
        f'<line x1="{LEFT}" y1="{ly - 4}" x2="{LEFT + 24}" y2="{ly - 4}" '
        f'stroke="{TRAJECTORY_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{LEFT + 30}" y="{ly}" fill="#374151">trajectory</text>'
        f'<circle cx="{LEFT + 110}" cy="{ly - 4}" r="5" fill="{ON_TRACK_COLOUR}"/>'
        f'<text x="{LEFT + 120}" y="{ly}" fill="#374151">on track</text>'
        f'<path d="M{LEFT + 195},{ly - 9} L{LEFT + 205},{ly + 1} M{LEFT + 195},{ly + 1} '
        f'L{LEFT + 205},{ly - 9}" stroke="{OFF_TRACK_COLOUR}" stroke-width="3"/>'
        f'<text x="{LEFT + 212}" y="{ly}" fill="#374151">off track</text>'
    )
    out.append("</svg>")
    return "".join(out)


def clause_chart_svg(chart, *, chart_id: str = "kpi") -> str:
    """Render a :class:`contracts.selectors.ClauseChart` (plain values already loaded)."""
    return kpi_chart_svg(
        title=chart.metric,
        unit=chart.unit,
        trajectory=chart.trajectory,
        points=[(p.year_fraction, p.value, p.on_track, p.label) for p in chart.points],
        chart_id=chart_id,
    )
