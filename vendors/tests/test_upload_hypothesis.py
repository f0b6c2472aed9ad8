"""Property tests: the disclosure row parser and the PACT parser answer rows or errors with their
place (row and column, JSON path) for any input, and never raise."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile_files import disclosure_csv_text
from vendors.disclosure_upload import COLUMNS, file_parse
from vendors.pact import pact_parse

header_names = st.lists(
    st.one_of(st.sampled_from(COLUMNS), st.text(max_size=12)), min_size=1, max_size=20
)
cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "1e309", "NaN", "inf", "-0", "2025-02-30", '=HYPERLINK("x")', "1.2345"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=header_names, rows=st.lists(st.lists(cell_text, max_size=22), max_size=8))
def test_row_parser_answers_rows_or_errors(columns, rows):
    text = disclosure_csv_text(
        [dict(zip(columns, cells, strict=False)) for cells in rows], columns=columns
    )
    outcome = file_parse(io.BytesIO(text.encode("utf-8", errors="surrogatepass")))

    if outcome.file_error:
        assert not outcome.rows
    for row_number, values in outcome.rows:
        assert row_number >= 2 and set(values) == set(COLUMNS)
    for error in outcome.errors:
        assert error.row >= 2 and error.rule
        assert error.column == "*" or error.column in COLUMNS


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.lists(cell_text, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=5)
)
def test_row_parser_with_the_template_header(cells):
    text = disclosure_csv_text([dict(zip(COLUMNS, row, strict=True)) for row in cells])
    outcome = file_parse(io.BytesIO(text.encode("utf-8", errors="surrogatepass")))
    assert len(outcome.rows) + len({e.row for e in outcome.errors}) <= len(cells)
    if outcome.file_error:
        assert "UTF-8" in outcome.file_error or "CSV" in outcome.file_error


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "data",
                    "id",
                    "specVersion",
                    "version",
                    "status",
                    "companyName",
                    "productIds",
                    "productNameCompany",
                    "productCategoryCpc",
                    "pcf",
                    "declaredUnit",
                    "unitaryProductAmount",
                    "pCfExcludingBiogenic",
                    "declaredUnitOfMeasurement",
                    "declaredUnitAmount",
                    "pcfExcludingBiogenicUptake",
                    "referencePeriodStart",
                    "referencePeriodEnd",
                    "primaryDataShare",
                    "dqi",
                    "assurance",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(document=json_values)
def test_pact_parser_answers_footprints_or_errors_with_paths(document):
    result = pact_parse(document)
    assert bool(result.footprints) != bool(result.errors) or not (
        result.footprints or result.errors
    )
    for error in result.errors:
        assert error.path and error.message
    for footprint in result.footprints:
        assert footprint.fields["pcf_excluding_biogenic_kgco2e"] >= 0
