"""The import's fast row check (``row_parser``) against the reference rules (``row_parse``).

``row_parser`` inlines every check of a valid row for speed; a row it doubts goes through
``row_parse``. These tests hold the two to the same answers on hostile cells, so a faster check
can never accept a value the rules reject, nor store it differently.
"""

from __future__ import annotations

import itertools

import pytest

from scope3.importers.spend import FIELDS, header_parse, row_parse, row_parser, stored_values

VALID = {
    "external_id": "L1",
    "date": "2025-03-31",
    "vendor": "Acme Silicon",
    "vendor_tax_id": "",
    "amount": "1234.56",
    "currency": "usd",
    "naics": "334413",
    "description": "  GPUs for the cluster ",
    "gl_account": "6100",
    "quantity": "",
    "unit": "",
    "hardware_class": "",
    "product_id": "",
    "weight_kg": "",
    "distance_km": "",
    "mode": "",
    "waste_treatment": "",
    "capital": "",
}

HOSTILE = {
    "date": [
        "2025-02-30",
        "2025-13-01",
        "20250331",
        "2025-W13-1",
        "2025-3-31",
        " 2025-03-31 ",
        "\uff12\uff10\uff12\uff15-03-31",
        "2025-03-31T00:00",
        "",
        "2025-0a-31",
        "+025-03-31",
    ],
    "amount": [
        "1e309",
        "NaN",
        "Infinity",
        "1_000",
        "-500.00",
        "+5",
        ".5",
        "5.",
        ".",
        "-",
        "",
        "1,5",
        "12345678901234567",
        "0012345678901234567",
        "1.23456",
        "1.23450000",
        "0.00000000",
        "\u0661\u0662\u0663",
        "--5",
        "+-5",
        " 7 ",
        "5.5.5",
        "=1+1",
    ],
    "currency": ["usd", "XXX", "EURO", "", " gbp ", "ß"],
    "naics": ["33441", "3344130", "33441a", "\uff13\uff13\uff14\uff14\uff11\uff13", "", " 334111 "],
    "quantity": ["-0", "-0.00", "-1", "-.5", "3", "1e3", "-\u0660", "0.0001", "0.00001"],
    "capital": ["yes", "No", "TRUE", "1", "0", "y", "maybe", " Y "],
    "vendor": ["", "x" * 301, '=HYPERLINK("x")'],
    "description": ["x" * 500, "x" * 501, ""],
    "external_id": ["x" * 101, "  L2  "],
}


def _parsers(fields):
    header = header_parse(list(fields), {})
    return header, row_parser(header)


def _both(header, fast, cells):
    slow_errors, fast_errors = [], []
    slow = row_parse(2, list(cells), header, slow_errors)
    got = fast(2, list(cells), fast_errors)
    return (None if slow is None else stored_values(slow), slow_errors), (got, fast_errors)


@pytest.mark.parametrize(
    ("field", "value"),
    [(field, value) for field, values in HOSTILE.items() for value in values],
)
def test_fast_check_gives_the_rules_answer_for_each_hostile_cell(field, value):
    header, fast = _parsers(FIELDS)
    cells = [value if name == field else VALID[name] for name in FIELDS]
    if field == "vendor" and value == "":
        cells[FIELDS.index("vendor_tax_id")] = ""

    expected, got = _both(header, fast, cells)

    assert got == expected


def test_fast_check_stores_what_the_rules_store_for_a_valid_row():
    header, fast = _parsers(FIELDS)
    cells = [VALID[name] for name in FIELDS]

    (expected, errors), (got, _) = _both(header, fast, cells)

    assert errors == []
    assert got == expected
    # Currency upper-cased, description kept as written, amount as its decimal text.
    assert got[FIELDS.index("currency")] == "USD"
    assert got[FIELDS.index("description")] == "  GPUs for the cluster "
    assert got[FIELDS.index("amount")] == "1234.56"


def test_fast_check_handles_absent_columns_and_wrong_widths_like_the_rules():
    fields = ("date", "amount", "currency", "vendor_tax_id", "quantity", "capital")
    header, fast = _parsers(fields)
    rows = [
        ["2025-01-02", "10", "EUR", "TX-1", "2", "yes"],
        ["2025-01-02", "10", "EUR", "TX-1", "2"],  # one cell short
        ["2025-01-02", "10", "EUR", "TX-1", "2", "yes", "", ""],  # trailing empty cells
        ["2025-01-02", "10", "EUR", "TX-1", "2", "yes", "extra"],
    ]
    for cells in rows:
        expected, got = _both(header, fast, cells)
        assert got == expected


def test_fast_check_reports_every_broken_rule_of_a_row():
    header, fast = _parsers(FIELDS)
    broken = dict(VALID, date="2025-02-30", amount="1e309", currency="ZZZ", capital="maybe")
    cells = [broken[name] for name in FIELDS]

    (_, slow_errors), (got, fast_errors) = _both(header, fast, cells)

    assert got is None
    assert [(e.column, e.value) for e in fast_errors] == [
        ("date", "2025-02-30"),
        ("amount", "1e309"),
        ("currency", "ZZZ"),
        ("capital", "maybe"),
    ]
    assert fast_errors == slow_errors


def test_fast_check_agrees_on_combinations_of_decimal_cells():
    header, fast = _parsers(FIELDS)
    values = ["", "0", "-0", "1.5", "-1.5", "1.23456", "x", "99999999999999999"]
    for quantity, weight, distance in itertools.product(values, repeat=3):
        cells = [VALID[name] for name in FIELDS]
        cells[FIELDS.index("quantity")] = quantity
        cells[FIELDS.index("weight_kg")] = weight
        cells[FIELDS.index("distance_km")] = distance
        expected, got = _both(header, fast, cells)
        assert got == expected, (quantity, weight, distance)
