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
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache

import sympy as sp

from .catalogue import GIVEN, Record
from ..engine.derive import carried
from .sheet import Answer
from ..solution import Solution

STATUSES = ("correct", "rounding", "consequential", "wrong", "unknown-label")


@dataclass(frozen=True)
class Grade:
    answer: Answer
    status: str  # one of STATUSES
    expected: float | None  # the exact value; None for an unknown label
    replayed: float | None  # what the student's own earlier numbers give; None where not replayable


MIN_SIGNIFICANT = 3  # "0" or "0.4" cannot show that 0.4087 was computed, unless it is the exact value
MAX_HAND_DIGITS = 20  # carrying more decimals by hand than a float holds is not a way of working

# Numbers are compared as written, in decimal: a tie such as 0.0165 to three decimals is decided as
# carried() decides it, and no size of number overflows. _EXACT is exact for sums of numbers of one
# scale; numbers of different scales are only compared, never added in it, so no operation needs
# more digits than a number has. _NEAR rounds, for a relative closeness.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
_NEAR = Context(prec=30, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
_HAIR = Decimal("1e-9")  # beyond half a unit of the last digit, forgiving the float's last bits


class Written:
    """A number as written, and the values it stands for: those it is a rounding or a cut-off of."""

    __slots__ = ("number", "places", "significant", "_unit", "_low", "_high", "_hair")

    def __init__(self, given: str):
        self.number = number = Decimal(given)
        _, digits, exponent = number.as_tuple()
        self.places = -exponent  # "0.3590" has 4, "1.5E+3" has -2
        self.significant = len(digits) if number else 1
        half, self._unit = Decimal((0, (5,), exponent - 1)), Decimal((0, (1,), exponent))
        self._low, self._high = _EXACT.subtract(number, half), _EXACT.add(number, half)
        self._hair = _EXACT.multiply(half, _HAIR)

    def rounds(self, value: Decimal | None) -> bool:
        """Is the number ``value`` rounded to the digits written? Within half a unit of the last digit
        (and a hair beyond it); at exactly half a unit, only if rounded half up (away from zero)."""
        if value is None:
            return False
        if self._low < value < self._high:
            return True
        if value == self._low or value == self._high:
            return self.number != 0 and value == (self._low if self.number > 0 else self._high)
        return _EXACT.subtract(self._low, self._hair) <= value <= _EXACT.add(self._high, self._hair)

    def truncates(self, value: Decimal | None) -> bool:
        """Is the number ``value`` cut off (not rounded) at the digits written?"""
        if value is None or self.places < 0:
            return False
        if value >= 0:
            return self.number <= value < _EXACT.add(self.number, self._unit)
        return _EXACT.subtract(self.number, self._unit) < value <= self.number

    def matches(self, value: Decimal | None) -> bool:
        return self.rounds(value) or self.truncates(value)

    def too_few_digits(self, value: Decimal | None) -> bool:
        """Fewer than three significant digits and fewer than three decimals ("0", "0.4", "1"), and
        not exact: a number that shows no working. (At 4 decimals, 0.0004 for 0.000438 is fair.)"""
        if self.significant >= MIN_SIGNIFICANT or self.places >= MIN_SIGNIFICANT:
            return False
        return value is None or not _isclose(self.number, value)


@lru_cache(maxsize=1 << 16)
def written(given: str) -> Written:
    """``given``, a number as sheet.number_text() keeps it, parsed once: grading asks about it often."""
    return Written(given)


def decimals(given: str) -> int:
    """The decimal places a number was written with, read as text: "0.3590" has 4, "1.5E+3" has -2."""
    return written(given).places


def to_decimal(value: float | Decimal | None) -> Decimal | None:
    """A value as the decimal its float prints as (0.0165 is 0.0165); None if it is not finite."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value))) if math.isfinite(value) else None


def half_up(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, exactly, as carried() rounds."""
    return value.quantize(Decimal((0, (1,), -places)), rounding=ROUND_HALF_UP, context=_EXACT)


def _isclose(a: Decimal, b: Decimal) -> bool:
    """math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), in decimal."""
    difference = _NEAR.subtract(a, b).copy_abs()
    return difference <= max(_NEAR.multiply(Decimal("1e-12"), max(a.copy_abs(), b.copy_abs())), Decimal("1e-15"))


#: How a student may carry skipped values (a style of carried()): rounded, or cut off if the sheet
#: shows the student cutting numbers off. Each way explains more numbers, so a way is only tried
#: where the sheet gives evidence of it.
ROUNDED, CUT_OFF = "round", "truncate"


def grade(solution: Solution, records: list[Record], answers: list[Answer]) -> list[Grade]:
    """Grades in document order (the order of ``records``), every answer, unknown labels last."""
    by_record: dict = {}  # by id: a record's hash walks its whole step
    for answer in answers:
        if answer.record is not None:
            by_record.setdefault(id(answer.record), []).append(answer)
    exact = {key: to_decimal(group[0].record.value) for key, group in by_record.items()}
    # each number parsed once here, however many: written() keeps only the latest ones
    numbers = {a.given: written(a.given) for group in by_record.values() for a in group}
    cuts_off = False
    digits = set()
    for key, group in by_record.items():
        for answer in group:
            number = numbers[answer.given]
            cuts_off = cuts_off or (number.truncates(exact[key]) and not number.rounds(exact[key]))
            digits.add(_hand_digits(number))
    ways = (ROUNDED, CUT_OFF) if cuts_off else (ROUNDED,)
    plain = Replay(solution)
    by_hand = {(way, k): Replay(solution, digits=k, way=way) for way in ways for k in digits}
    grades = []
    for record in records:
        replayed, tainted = plain.step(record)
        carried_by_hand = {key: replay.step(record) for key, replay in by_hand.items()}
        if id(record) not in by_record:
            continue
        from_own_numbers = (to_decimal(replayed), tainted)
        hand = {key: (to_decimal(value), tainted) for key, (value, tainted) in carried_by_hand.items()}
        statuses: dict = {}  # the same number given twice has the same status
        for answer in by_record[id(record)]:
            if answer.given not in statuses:
                number = numbers[answer.given]
                by_hand_ways = [hand[(way, _hand_digits(number))] for way in ways]
                statuses[answer.given] = _status(number, exact[id(record)], [from_own_numbers, *by_hand_ways])
            grades.append(Grade(answer, statuses[answer.given], record.value, replayed))
        last = grades[-1]  # the student's last number for it is what they carry on with
        for replay in (plain, *by_hand.values()):
            replay.accept(record, float(last.answer.given), tainted=last.status in ("wrong", "consequential"))
    grades += [Grade(a, "unknown-label", None, None) for a in answers if a.record is None]
    return grades


def _hand_digits(number: Written) -> int:
    return min(max(number.places, 0), MAX_HAND_DIGITS)


def _status(number: Written, exact: Decimal | None, replays: list[tuple[Decimal | None, bool]]) -> str:
    """correct, rounding, consequential or wrong: against the exact value, then against the replays."""
    if number.too_few_digits(exact):
        return "wrong"
    if number.rounds(exact):
        return "correct"
    if number.truncates(exact):
        return "rounding"
    for value, tainted in replays:
        if number.matches(value):
            return "consequential" if tainted else "rounding"
    return "wrong"


def last_numbers(answers: list[Answer]) -> dict[int, float]:
    """The number each answered record is carried on with: the student's last one, by id(record)."""
    return {id(a.record): float(a.given) for a in answers if a.record is not None}


def replays(solution: Solution, records: list[Record], numbers: dict[int, float], transform=None,
            baseline: dict | None = None):
    """Each record in turn with the replay so far and its replayed value, computed from the student's
    ``numbers`` (last_numbers()) for the records before it; its own is taken in after it is yielded.
    ``baseline`` (see Replay) holds each record's value in the same replay without ``transform``."""
    replay = Replay(solution, transform, baseline=baseline)
    for record in records:
        value, _ = replay.step(record)
        yield record, replay, value
        if id(record) in numbers:
            replay.accept(record, numbers[id(record)], tainted=False)


def replay_until(solution: Solution, records: list[Record], answers: list[Answer], target: Record,
                 transform=None) -> tuple["Replay", float | None]:
    """Replay the steps before ``target`` with the student's numbers, and compute ``target``."""
    replay = None
    for record, replay, value in replays(solution, records, last_numbers(answers), transform):
        if record is target:
            return replay, value
    return replay, None


class Replay:
    """The worked solution's steps evaluated in order, with the student's numbers where given."""

    def __init__(self, solution: Solution, transform=None, digits: int | None = None, way: str = ROUNDED,
                 baseline: dict | None = None):
        self.solution = solution
        network = solution.network
        self.values = {k: sp.Float(v) for k, v in network.given_values().items()}
        self.tainted: set = set()
        self.transform = transform  # diagnosis.py replays a mistake by rewriting the steps' forms
        self.digits, self.way = digits, way  # carry each replayed value as a student would (carried())
        # id(record) -> its value in this replay without the transform. A step the transform leaves
        # alone, whose inputs are all as they were there, has that value: most steps of a rewrite.
        self.baseline = baseline
        self.differs: set = set()  # the quantities whose value is not the baseline's

    def step(self, record: Record) -> tuple[float | None, bool]:
        """The record's value from the values so far, and whether a wrong answer feeds it."""
        if record.quantity == GIVEN:
            return record.value, False
        if record.step is None:
            return self._history(record)
        original = record.step.forms[-1]
        form = original if self.transform is None else self.transform(record, original)
        inputs = self._inputs(form)
        if self.baseline is not None and form is original and not inputs & self.differs:
            value = self.baseline[id(record)]
        else:
            value = _real(form.xreplace(self.values))
            if self.baseline is not None and value != self.baseline[id(record)]:
                self.differs.add(record.step.lhs)
        tainted = bool(inputs & self.tainted)
        self.values[record.step.lhs] = _sympy_float(carried(value, self.digits, self.way))
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
        self.values[record.step.lhs] = _sympy_float(given)
        (self.tainted.add if tainted else self.tainted.discard)(record.step.lhs)
        self.differs.discard(record.step.lhs)

    def _history(self, record: Record) -> tuple[float | None, bool]:
        """The error before training is the total error; after one batch update, the error at the
        student's updated parameters. Later points cannot be replayed by hand."""
        network = self.solution.network
        if record.iteration == 0:
            lhs = self.solution.derivation.error.lhs
            return float(self.values[lhs]), lhs in self.tainted
        if record.iteration == 1 and network.spec.mode == "batch":
            from ..oracle.numeric import NumericNetwork

            symbols = [p.updated_symbol if p.updated_symbol in self.values else p.symbol for p in network.parameters]
            numeric = NumericNetwork(network.spec)
            state = numeric.state_from([float(self.values[s]) for s in symbols])
            return numeric.error(state), any(s in self.tainted for s in symbols)
        return None, False


@lru_cache(maxsize=1 << 14)
def _sympy_float(value: float) -> sp.Float:
    """Replays of one sheet carry the same numbers many times; SymPy takes its time to make one."""
    return sp.Float(value)


def _real(expr) -> float:
    """A step's value; NaN where the student's numbers make it complex or infinite (a log of 0)."""
    try:
        return float(expr)
    except TypeError:
        return math.nan
