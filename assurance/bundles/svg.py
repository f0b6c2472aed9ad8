"""Small SVG charts for bundle PDFs, built from numbers with every label escaped.

(Used for the KPI trajectory charts too: ``contracts/charts.py`` did not exist when this was
written; the contract section can switch to it once it lands.)
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_W, _H = 480, 200
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 60, 12, 12, 36


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def bar_chart(bars: list[tuple[str, Decimal | float]], *, unit: str, title: str) -> SafeString:
    """Horizontal-axis bar chart; ``bars`` are (label, value) pairs."""
    if not bars:
        return mark_safe("")
    top = max(float(v) for _, v in bars) or 1.0
    plot_w = _W - _PAD_L - _PAD_R
    plot_h = _H - _PAD_T - _PAD_B
    step = plot_w / len(bars)
    y = _scale(0, top, _PAD_T + plot_h, _PAD_T)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="{_PAD_T + 8}" font-size="8">{escape(unit)}</text>',
        f'<line x1="{_PAD_L}" y1="{_fmt(y(0))}" x2="{_W - _PAD_R}" y2="{_fmt(y(0))}" '
        'stroke="#52605a" stroke-width="0.6"/>',
        f'<text x="{_PAD_L - 4}" y="{_fmt(y(top))}" font-size="7" text-anchor="end">'
        f"{escape(f'{top:,.1f}')}</text>",
    ]
    for i, (label, value) in enumerate(bars):
        x = _PAD_L + i * step + step * 0.15
        top_y = y(float(value))
        parts.append(
            f'<rect x="{_fmt(x)}" y="{_fmt(top_y)}" width="{_fmt(step * 0.7)}" '
            f'height="{_fmt(y(0) - top_y)}" fill="#1f6b45"/>'
        )
        parts.append(
            f'<text x="{_fmt(x + step * 0.35)}" y="{_H - _PAD_B + 12}" font-size="7" '
            f'text-anchor="middle">{escape(str(label)[:18])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped labels only


def trajectory_chart(
    *,
    baseline: tuple[float, float],
    target: tuple[float, float],
    points: list[tuple[float, float, bool | None]],
    unit: str,
    title: str,
) -> SafeString:
    """A KPI's linear trajectory from baseline to target, with the reported values as dots
    (green on track, red off track, grey not assessed)."""
    xs = [baseline[0], target[0], *(p[0] for p in points)]
    ys = [baseline[1], target[1], *(p[1] for p in points)]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(0.0, min(ys)), max(ys) * 1.1 or 1.0
    x = _scale(x_lo, x_hi, _PAD_L, _W - _PAD_R)
    y = _scale(y_lo, y_hi, _H - _PAD_B, _PAD_T)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="{_PAD_T + 8}" font-size="8">{escape(unit)}</text>',
        f'<line x1="{_PAD_L}" y1="{_fmt(y(y_lo))}" x2="{_W - _PAD_R}" y2="{_fmt(y(y_lo))}" '
        'stroke="#52605a" stroke-width="0.6"/>',
        f'<line x1="{_fmt(x(baseline[0]))}" y1="{_fmt(y(baseline[1]))}" '
        f'x2="{_fmt(x(target[0]))}" y2="{_fmt(y(target[1]))}" stroke="#52605a" '
        'stroke-dasharray="4 3" stroke-width="1"/>',
        f'<text x="{_PAD_L}" y="{_H - _PAD_B + 14}" font-size="7">{int(x_lo)}</text>',
        f'<text x="{_W - _PAD_R}" y="{_H - _PAD_B + 14}" font-size="7" text-anchor="end">'
        f"{int(x_hi)}</text>",
        f'<text x="{_PAD_L - 4}" y="{_fmt(y(y_hi))}" font-size="7" text-anchor="end">'
        f"{escape(f'{y_hi:,.2f}')}</text>",
    ]
    for px, py, on_track in points:
        colour = {True: "#1f6b45", False: "#b3261e"}.get(on_track, "#8a8f8c")
        parts.append(f'<circle cx="{_fmt(x(px))}" cy="{_fmt(y(py))}" r="3" fill="{colour}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped labels only
