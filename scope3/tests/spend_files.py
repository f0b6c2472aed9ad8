"""Builders of spend files for the spend import tests (real files in tmp_path)."""

from __future__ import annotations

import csv
from pathlib import Path

from scope3.importers.spend import FIELDS

ROW = {
    "external_id": "INV-1",
    "date": "2025-03-31",
    "vendor": "Acme Accelerators",
    "vendor_tax_id": "",
    "amount": "1000.00",
    "currency": "USD",
    "naics": "334413",
    "description": "H100 accelerators",
    "gl_account": "6100",
    "quantity": "16",
    "unit": "each",
    "hardware_class": "gpu",
    "product_id": "H100-SXM",
    "weight_kg": "40.5",
    "distance_km": "9000",
    "mode": "air",
    "waste_treatment": "",
    "capital": "yes",
}


def row(**changes) -> dict:
    return {**ROW, **changes}


def write_csv(path: Path, rows: list[dict], *, header=FIELDS, delimiter=",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for values in rows:
            writer.writerow([values.get(column, "") for column in header])
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def report_rows(batch) -> list[dict]:
    from scope3.services.spend import import_batch_error_report_open

    with import_batch_error_report_open(batch) as handle:
        text = handle.read().decode("utf-8")
    return list(csv.DictReader(text.splitlines()))
