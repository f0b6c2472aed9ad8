"""The KPI chart renderer: escaped, deterministic, accessible (no database)."""

from decimal import Decimal

from contracts.charts import kpi_chart_svg

TRAJECTORY = [(2023, Decimal("100")), (2025, Decimal("80")), (2027, Decimal("60"))]


def render(**kw):
    args = {
        "title": "Scope 1+2 intensity",
        "unit": "tCO2e per million USD",
        "trajectory": TRAJECTORY,
        "points": [(2025.0, Decimal("79"), True, "2025"), (2025.5, Decimal("82"), False, "H2")],
    }
    return kpi_chart_svg(**(args | kw))


def test_text_is_escaped():
    svg = render(
        title='<script>alert("x")</script> & co', points=[(2025, Decimal(1), None, '"><b>')]
    )
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; co" in svg


def test_points_say_on_or_off_track_in_words_and_shape():
    svg = render()
    assert "Reported 2025: 79 tCO2e per million USD, on track." in svg
    assert "Reported H2: 82 tCO2e per million USD, off track." in svg
    assert 'role="img"' in svg and "<desc" in svg
    assert svg.count("<circle") >= 2 and "<path" in svg  # dot for on track, cross for off


def test_rendering_is_deterministic_and_self_contained():
    assert render() == render()
    assert "href" not in render() and "<style" not in render()


def test_no_points_and_flat_trajectory_still_render():
    svg = kpi_chart_svg(
        title="PUE",
        unit="ratio",
        trajectory=[(2024, Decimal("1.2")), (2025, Decimal("1.2"))],
        points=[],
    )
    assert "No reported values yet." in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
