"""Reads of the scope3 app: factor datasets and their rows."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from scope3.models import EmissionFactor, FactorDataset, ReferenceRate

_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def dataset_version_key(dataset: FactorDataset) -> tuple:
    """Sort key for "the highest version of a kind".

    Numeric release first ("1.10" > "1.9"); at an equal release a publisher's full dataset ranks
    above a curated subset of it (the starter pack's "1.3.0-it.1" is below EPA's "1.3.0"); the
    rest of the version string breaks remaining ties.
    """
    match = _RELEASE.match(dataset.version)
    release = tuple(int(part) for part in match.group(0).split(".")) if match else ()
    return (release, not dataset.is_curated, dataset.version)


def factor_dataset_list(*, kind: str | None = None) -> QuerySet[FactorDataset]:
    datasets = FactorDataset.objects.select_related("imported_by")
    if kind:
        datasets = datasets.filter(kind=kind)
    return datasets.order_by("kind", "-imported_at")


def factor_dataset_get(*, kind: str, version: str) -> FactorDataset | None:
    return FactorDataset.objects.filter(kind=kind, version=version).first()


def factor_dataset_latest(*, kind: str) -> FactorDataset | None:
    """The dataset an inventory run pins by default for ``kind`` (issue 6, item 5)."""
    datasets = list(FactorDataset.objects.filter(kind=kind))
    return max(datasets, key=dataset_version_key, default=None)


def emission_factors_by_code(*, dataset: FactorDataset) -> dict[str, EmissionFactor]:
    return {factor.code: factor for factor in EmissionFactor.objects.filter(dataset=dataset)}


def reference_rates(*, dataset: FactorDataset) -> dict[tuple[str, int], ReferenceRate]:
    """``{(key, year): rate}`` for an FX or price-index dataset."""
    return {(rate.key, rate.year): rate for rate in ReferenceRate.objects.filter(dataset=dataset)}
