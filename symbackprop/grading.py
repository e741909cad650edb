"""Grade a student's answers the way a teacher would.

* The digits written set the tolerance: 0.3589 and 0.359 are right for 0.35891648, 0.3590 is not.
  A value cut off instead of rounded (0.5932 for 0.593269992) is ``rounding``.
* Error carried forward: the worked solution's steps are replayed with the student's own numbers
  in place of the exact ones. A wrong-looking answer that follows from an earlier wrong answer is
  ``consequential``; one that follows from the student's rounding of earlier answers is ``rounding``.
  A step the student skipped carries the replayed value forward, and in a second replay it is
  rounded to the digits the student writes, as a student working by hand would carry it (the same
  rounding ``solve --rounding carry`` shows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import sympy as sp

from .catalogue import Record
from .derive import carried
from .sheet import Answer
from .solution import Solution

STATUSES = ("correct", "rounding", "consequential", "wrong", "unknown-label")


@dataclass(frozen=True)
class Grade:
    answer: Answer
    status: str  # one of STATUSES
    expected: float | None  # the exact value; None for an unknown label
    replayed: float | None  # what the student's own earlier numbers give; None where not replayable


def decimals(given: str) -> int:
    """The decimal places a number was written with (read as text: "0.3590" has four)."""
    exponent = Decimal(given).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def rounds_to(given: str, value: float) -> bool:
    """Is ``given`` ``value`` rounded to the digits written (half a unit of the last digit, and a hair)?"""
    return abs(float(given) - value) <= 0.5 * 10.0 ** -decimals(given) * (1 + 1e-9) + 1e-15


def truncates_to(given: str, value: float) -> bool:
    """Is ``given`` ``value`` cut off (not rounded) at the digits written?"""
    scale = 10 ** decimals(given)
    return math.isclose(math.trunc(value * scale) / scale, float(given), rel_tol=0, abs_tol=1e-12)


def matches(given: str, value: float) -> bool:
    return rounds_to(given, value) or truncates_to(given, value)


def grade(solution: Solution, records: list[Record], answers: list[Answer]) -> list[Grade]:
    """Grades in document order (the order of ``records``), unknown labels last."""
    by_record = {a.record: a for a in answers if a.record is not None}
    replay = Replay(solution)
    rounded = {k: Replay(solution, digits=k) for k in {decimals(a.given) for a in by_record.values()}}
    grades = []
    for record in records:
        answer = by_record.get(record)
        replayed, tainted = replay.step(record)
        carried = {k: r.step(record) for k, r in rounded.items()}
        if answer is None:
            continue
        by_hand, by_hand_tainted = carried[decimals(answer.given)]
        if rounds_to(answer.given, record.value):
            status = "correct"
        elif truncates_to(answer.given, record.value):
            status = "rounding"
        elif replayed is not None and matches(answer.given, replayed):
            status = "consequential" if tainted else "rounding"
        elif by_hand is not None and matches(answer.given, by_hand):
            status = "consequential" if by_hand_tainted else "rounding"
        else:
            status = "wrong"
        for r in (replay, *rounded.values()):
            r.accept(record, float(answer.given), tainted=status in ("wrong", "consequential"))
        grades.append(Grade(answer, status, record.value, replayed))
    grades += [Grade(a, "unknown-label", None, None) for a in answers if a.record is None]
    return grades


class Replay:
    """The worked solution's steps evaluated in order, with the student's numbers where given."""

    def __init__(self, solution: Solution, transform=None, digits: int | None = None):
        self.solution = solution
        network = solution.network
        self.values = {k: sp.Float(v) for k, v in network.given_values().items()}
        self.tainted: set = set()
        self.transform = transform  # diagnosis.py replays a mistake by rewriting the steps' forms
        self.digits = digits  # carry each replayed value rounded to this many decimals

    def step(self, record: Record) -> tuple[float | None, bool]:
        """The record's value from the values so far, and whether a wrong answer feeds it."""
        if record.step is None:
            return self._history(record)
        form = record.step.forms[-1]
        if self.transform is not None:
            form = self.transform(record.step, form)
        inputs = self._inputs(form)
        value = float(form.xreplace(self.values))
        tainted = bool(inputs & self.tainted)
        self.values[record.step.lhs] = sp.Float(carried(value, self.digits))
        if tainted:
            self.tainted.add(record.step.lhs)
        return value, tainted

    def _inputs(self, form) -> set:
        """The known quantities a form uses; a derivative key counts as one, not through its parts."""
        found, stack = set(), [form]
        while stack:
            node = stack.pop()
            if node in self.values:
                found.add(node)
            else:
                stack.extend(node.args)
        return found

    def accept(self, record: Record, given: float, tainted: bool) -> None:
        """From here on, the student's own number stands for this quantity."""
        if record.step is None:
            return
        self.values[record.step.lhs] = sp.Float(given)
        (self.tainted.add if tainted else self.tainted.discard)(record.step.lhs)

    def _history(self, record: Record) -> tuple[float | None, bool]:
        """The error before training is the total error; after one batch update, the error at the
        student's updated parameters. Later points cannot be replayed by hand."""
        network = self.solution.network
        if record.iteration == 0:
            lhs = self.solution.derivation.error.lhs
            return float(self.values[lhs]), lhs in self.tainted
        if record.iteration == 1 and network.spec.mode == "batch":
            from .numeric import NumericNetwork

            symbols = [p.updated_symbol if p.updated_symbol in self.values else p.symbol for p in network.parameters]
            numeric = NumericNetwork(network.spec)
            state = numeric.state_from([float(self.values[s]) for s in symbols])
            return numeric.error(state), any(s in self.tainted for s in symbols)
        return None, False
