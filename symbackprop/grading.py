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

from .catalogue import GIVEN, Record
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


MIN_SIGNIFICANT = 3  # "0" or "0.4" cannot show that 0.4087 was computed, unless it is the exact value


def decimals(given: str) -> int:
    """The decimal places a number was written with, read as text: "0.3590" has 4, "1.5E+3" has -2."""
    return -Decimal(given).as_tuple().exponent


def significant(given: str) -> int:
    return len(Decimal(given).as_tuple().digits) if Decimal(given) != 0 else 1


def rounds_to(given: str, value: float) -> bool:
    """Is ``given`` ``value`` rounded to the digits written (half a unit of the last digit, and a hair)?"""
    return abs(float(given) - value) <= 0.5 * 10.0 ** -decimals(given) * (1 + 1e-9)


def truncates_to(given: str, value: float) -> bool:
    """Is ``given`` ``value`` cut off (not rounded) at the digits written?"""
    return float(given) == carried(value, max(decimals(given), 0), "truncate") and decimals(given) >= 0


def matches(given: str, value: float) -> bool:
    return rounds_to(given, value) or truncates_to(given, value)


def too_few_digits(given: str, value: float) -> bool:
    """Fewer than three significant digits and fewer than three decimals ("0", "0.4", "1"), and not
    exact: a number that shows no working. (At 4 decimals, 0.0004 for 0.000438 is fair hand work.)"""
    exact = math.isclose(float(given), value, rel_tol=1e-12, abs_tol=1e-15)
    return significant(given) < MIN_SIGNIFICANT and decimals(given) < MIN_SIGNIFICANT and not exact


#: How a student may carry skipped values (a style of carried()): rounded, or cut off if the sheet
#: shows the student cutting numbers off. Each way explains more numbers, so a way is only tried
#: where the sheet gives evidence of it.
ROUNDED, CUT_OFF = "round", "truncate"


def grade(solution: Solution, records: list[Record], answers: list[Answer]) -> list[Grade]:
    """Grades in document order (the order of ``records``), every answer, unknown labels last."""
    by_record: dict = {}
    for answer in answers:
        if answer.record is not None:
            by_record.setdefault(answer.record, []).append(answer)
    given = [a for group in by_record.values() for a in group]
    cuts_off = any(truncates_to(a.given, a.record.value) and not rounds_to(a.given, a.record.value) for a in given)
    ways = (ROUNDED, CUT_OFF) if cuts_off else (ROUNDED,)
    exact = Replay(solution)
    by_hand = {(way, k): Replay(solution, digits=k, way=way) for way in ways
               for k in {max(decimals(a.given), 0) for a in given}}
    grades = []
    for record in records:
        replayed, tainted = exact.step(record)
        carried_by_hand = {key: replay.step(record) for key, replay in by_hand.items()}
        for answer in by_record.get(record, ()):
            hand = [carried_by_hand[(way, max(decimals(answer.given), 0))] for way in ways]
            status = _status(answer.given, record.value, [(replayed, tainted), *hand])
            grades.append(Grade(answer, status, record.value, replayed))
        if record in by_record:  # the student's last number for it is what they carry on with
            last = grades[-1]
            for replay in (exact, *by_hand.values()):
                replay.accept(record, float(last.answer.given), tainted=last.status in ("wrong", "consequential"))
    grades += [Grade(a, "unknown-label", None, None) for a in answers if a.record is None]
    return grades


def _status(given: str, exact: float, replays: list[tuple[float | None, bool]]) -> str:
    """correct, rounding, consequential or wrong: against the exact value, then against the replays."""
    if too_few_digits(given, exact):
        return "wrong"
    if rounds_to(given, exact):
        return "correct"
    if truncates_to(given, exact):
        return "rounding"
    for value, tainted in replays:
        if value is not None and matches(given, value):
            return "consequential" if tainted else "rounding"
    return "wrong"


def replay_until(solution: Solution, records: list[Record], answers: list[Answer], target: Record,
                 transform=None) -> tuple["Replay", float | None]:
    """Replay the steps before ``target`` with the student's numbers, and compute ``target``."""
    given = {a.record: float(a.given) for a in answers if a.record is not None}
    replay = Replay(solution, transform)
    for record in records:
        value, _ = replay.step(record)
        if record is target:
            return replay, value
        if record in given:
            replay.accept(record, given[record], tainted=False)
    return replay, None


class Replay:
    """The worked solution's steps evaluated in order, with the student's numbers where given."""

    def __init__(self, solution: Solution, transform=None, digits: int | None = None, way: str = ROUNDED):
        self.solution = solution
        network = solution.network
        self.values = {k: sp.Float(v) for k, v in network.given_values().items()}
        self.tainted: set = set()
        self.transform = transform  # diagnosis.py replays a mistake by rewriting the steps' forms
        self.digits, self.way = digits, way  # carry each replayed value as a student would (carried())

    def step(self, record: Record) -> tuple[float | None, bool]:
        """The record's value from the values so far, and whether a wrong answer feeds it."""
        if record.quantity == GIVEN:
            return record.value, False
        if record.step is None:
            return self._history(record)
        form = record.step.forms[-1]
        if self.transform is not None:
            form = self.transform(record, form)
        inputs = self._inputs(form)
        value = float(form.xreplace(self.values))
        tainted = bool(inputs & self.tainted)
        self.values[record.step.lhs] = sp.Float(carried(value, self.digits, self.way))
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
