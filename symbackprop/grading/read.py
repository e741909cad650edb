"""Stage 1 of a check: a sheet's answers, matched to the worked solution's records (naming.py),
each number as written (sheet.py) and read at the precision the student works at.

A whole number a sheet writes exactly (a ReLU′ of ``1``, a zero loss term ``0``) says nothing about
the decimals the student works with: on a sheet that writes 4 decimals around it, it stands for
1.0000, and ``0`` is no answer for 0.3549. A number's precision is what the student wrote for it and
its neighbours, never coarser.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from .naming import GRADIENT, Answer, Names
from .sheet import declared, read_sheet, sheet_from_mapping
from .written import written


@dataclass(frozen=True)
class Reading:
    answers: list[Answer]  # in the order written, every one
    convention: str  # the sign convention of δ the sheet is read in (naming.CONVENTIONS)
    asked: frozenset | None = None  # the labels an answers template asks (its unanswered ones among them)


def read(names: Names, source: str | Path | Mapping, delta: str | None = None,
         aliases: Mapping[str, str] | None = None) -> Reading:
    """``source``: a sheet's path, or a mapping label -> number. ``delta``: the sign convention of δ
    where the sheet declares none; ``aliases``: names -> our labels, joined by those the sheet
    declares (the sheet's win)."""
    delta, aliases = declared({"delta": delta, "aliases": {} if aliases is None else aliases})
    sheet = sheet_from_mapping(source, "answers") if isinstance(source, Mapping) else read_sheet(source)
    convention = sheet.delta or delta or GRADIENT
    own = {**names.resolve(dict(aliases or {})), **names.resolve(sheet.aliases)}
    answers = names.match(sheet.pairs, convention, own, sheet.updates_from)
    return Reading(at_precision(answers), convention, None if sheet.asked is None else frozenset(sheet.asked))


def at_precision(answers: list[Answer]) -> list[Answer]:
    """Each whole number written without an exponent, read with the decimals of its neighbours (the
    nearest numbers before and after it that have decimals; the fewer of the two)."""
    places = [written(a.given).places for a in answers]
    decimal = [i for i, p in enumerate(places) if p > 0]
    read_ = list(answers)
    for i, answer in enumerate(answers):
        if places[i] != 0 or "e" in answer.given.lower():
            continue
        at = bisect.bisect(decimal, i)
        around = [places[j] for j in decimal[max(at - 1, 0):at + 1]]
        if around:
            read_[i] = replace(answer, zeros=min(around))
    return read_
