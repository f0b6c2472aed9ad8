"""Ledger words to factor codes and hardware specs (docs/method.md, "Vocabulary").

A spend line names its hardware class, transport mode or waste treatment in the buyer's words
("GPU", "Air freight", "WEEE"). A :class:`Vocabulary` maps each word of a kind to the factor code
of that kind ("gpu_a100_bloom", "air", "weee-recycling") or to a hardware spec
("spec:NVIDIA H100 SXM5 80GB"). Words compare normalised (:func:`normalise_term`), so "GPU",
" gpu " and "Gpu" are one word and so are "Gpu-Server", "gpu_server" and "gpu server". A word
the vocabulary does not know resolves to None: the caller names it in the line's reason and the
import report, and never guesses a factor for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

HARDWARE = "hardware"
FREIGHT_MODE = "freight_mode"
WASTE_TREATMENT = "waste_treatment"
KINDS = (HARDWARE, FREIGHT_MODE, WASTE_TREATMENT)
SPEC_PREFIX = "spec:"

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_term(word: str | None) -> str:
    """A ledger word as compared: ``normalise_code``'s trim and case-fold, and every run of
    whitespace, hyphens and underscores read as one space ("Gpu-Server" -> "gpu server")."""
    if not word:
        return ""
    return _SEPARATORS.sub(" ", word.casefold()).strip()


def spec_target(name: str) -> str:
    """The target a vocabulary word has when it names a hardware spec."""
    return f"{SPEC_PREFIX}{name}"


def spec_name(target: str | None) -> str | None:
    """The spec name of a ``spec:<name>`` target, None for a factor code."""
    if target and target.startswith(SPEC_PREFIX):
        return target[len(SPEC_PREFIX) :]
    return None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words per kind and what they stand for, built from ``(kind, word, target)`` tuples.

    ``target`` is a factor code of the kind's dataset, or ``spec:<name>`` for a hardware spec
    (hardware only). Entries are kept normalised and sorted, so two vocabularies built from the
    same terms in any order are equal. Raises ``ValueError`` for an unknown kind, an empty word
    or target, a spec target outside ``hardware``, or one word given two different targets.
    """

    entries: tuple[tuple[str, str, str], ...] = ()
    _index: Mapping[tuple[str, str], str] = field(init=False, repr=False, compare=False)

    def __init__(self, entries: Iterable[tuple[str, str, str]] = ()):
        index: dict[tuple[str, str], str] = {}
        for kind, word, target in entries:
            if kind not in KINDS:
                raise ValueError(f"unknown vocabulary kind {kind!r} (known: {', '.join(KINDS)})")
            key = (kind, normalise_term(word))
            if not key[1]:
                raise ValueError(f"an empty {kind} word cannot be mapped")
            target = (target or "").strip()
            if not target or target == SPEC_PREFIX:
                raise ValueError(f"{kind} word {word!r} has no target")
            if spec_name(target) is not None and kind != HARDWARE:
                raise ValueError(f"{kind} word {word!r} cannot name a hardware spec")
            previous = index.get(key)
            if previous is not None and previous != target:
                raise ValueError(f"{kind} word {key[1]!r} maps to both {previous!r} and {target!r}")
            index[key] = target
        object.__setattr__(
            self, "entries", tuple(sorted((kind, word, t) for (kind, word), t in index.items()))
        )
        object.__setattr__(self, "_index", MappingProxyType(index))

    def resolve(self, kind: str, word: str | None) -> str | None:
        """The factor code (or ``spec:<name>``) ``word`` stands for, or None if unmapped."""
        return self._index.get((kind, normalise_term(word)))

    def words(self, kind: str) -> frozenset[str]:
        """The normalised words of ``kind`` (for reports of which words are known)."""
        return frozenset(word for k, word, _target in self.entries if k == kind)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        return iter(self.entries)
