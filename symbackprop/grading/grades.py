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

from ..solution import Solution
from .catalogue import Record
from .replay import ROUNDED, Replay
from .sheet import Answer

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
CUT_OFF = "truncate"  # ROUNDED, the other way, is replay.py's default


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
