"""Numbers as a student writes them, and the tolerance policies a teacher chooses.

Numbers are compared as written, in decimal: a tie such as 0.0165 to three decimals is decided as
steps.carried() decides it (half up, away from zero), and no size of number overflows. A float is
read as the decimal it stands for (``to_decimal``): 0.011 * 1.5 computes 0.016499999999999997, which
is the decimal 0.0165 that a student's hand calculation gives, so a replay and a hand agree on ties.

A policy (``--tolerance``) says which numbers are close enough to a value to be right; it is a row of
:data:`POLICIES`. Whatever the policy, a number that is a value rounded (or cut off) to the digits
written is close enough to it: that is how a student writes a number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Callable

from ..errors import SpecError

# _EXACT is exact for sums of numbers of one scale; numbers of different scales are only compared,
# never added in it, so no operation needs more digits than a number has. _NEAR rounds.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
_NEAR = Context(prec=30, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
_HAIR = Decimal("1e-9")  # beyond half a unit of the last digit, forgiving the float's last bits
FLOAT_DIGITS = 14  # significant digits a float's value is read with: past its arithmetic's noise
#: A value is known to about FLOAT_DIGITS significant digits, so a number written with more is
#: judged to FLOAT_DIGITS - 1 of them: digits a float cannot resolve are not graded.
_RESOLVED = Decimal(1).scaleb(1 - FLOAT_DIGITS)


class Written:
    """A number as written, and the values it stands for: those it is a rounding or a cut-off of."""

    __slots__ = ("number", "places", "significant", "unit", "_low", "_high", "_hair")

    def __init__(self, given: str):
        self.number = number = Decimal(given)
        _, digits, exponent = number.as_tuple()
        self.places = -exponent  # "0.3590" has 4, "1.5E+3" has -2
        self.significant = len(digits) if number else 1
        half, self.unit = Decimal((0, (5,), exponent - 1)), Decimal((0, (1,), exponent))
        self._low, self._high = _EXACT.subtract(number, half), _EXACT.add(number, half)
        self._hair = max(_EXACT.multiply(half, _HAIR), _NEAR.multiply(number.copy_abs(), _RESOLVED))

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
            return self.number <= value < _EXACT.add(self.number, self.unit)
        return _EXACT.subtract(self.number, self.unit) < value <= self.number

    def matches(self, value: Decimal | None) -> bool:
        return self.rounds(value) or self.truncates(value)

    def within(self, value: Decimal | None, spread: float) -> bool:
        """Within half a unit of the last digit written, plus ``spread`` (replay.Replay.step)."""
        if value is None or not spread:
            return False
        return _NEAR.subtract(self.number, value).copy_abs() <= _NEAR.add(self._high - self.number, Decimal(spread))

    def within_a_unit(self, value: Decimal | None) -> bool:
        """Within one unit of the last digit written: how near a diagnosis's recomputation must come."""
        return value is not None and _NEAR.subtract(self.number, value).copy_abs() <= _EXACT.add(self.unit, self._hair)


@lru_cache(maxsize=1 << 16)
def written(given: str) -> Written:
    """``given``, a number as sheet.number_text() keeps it, parsed once: grading asks about it often."""
    return Written(given)


def decimals(given: str) -> int:
    """The decimal places a number was written with, read as text: "0.3590" has 4, "1.5E+3" has -2."""
    return written(given).places


def to_decimal(value: float | Decimal | None) -> Decimal | None:
    """A value as the decimal it stands for, read to FLOAT_DIGITS significant digits; None if it is
    not finite."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(f"{float(value):.{FLOAT_DIGITS}g}") if math.isfinite(value) else None


@dataclass(frozen=True)
class Tolerance:
    """A teacher's rule for "close enough", named in every report as it was asked for."""

    name: str
    accepts: Callable[[Written, Decimal], bool]

    def __call__(self, number: Written, value: Decimal | None) -> bool:
        return value is not None and (number.rounds(value) or self.accepts(number, value))


def _absolute(limit: Decimal) -> Callable:
    return lambda number, value: _NEAR.subtract(number.number, value).copy_abs() <= limit


def _relative(fraction: Decimal) -> Callable:
    return lambda number, value: (_NEAR.subtract(number.number, value).copy_abs()
                                  <= _NEAR.multiply(fraction, value.copy_abs()))


def _significant(figures: int) -> Callable:
    """PrairieLearn's and STACK's rule: within half a unit of the value's ``figures``-th significant digit."""
    def accepts(number: Written, value: Decimal) -> bool:
        if not value:
            return not number.number
        half = Decimal((0, (5,), value.adjusted() - figures))
        return _NEAR.subtract(number.number, value).copy_abs() <= half
    return accepts


_DECIMAL = r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d{1,3}))?"
#: name -> (what its argument looks like, a regular expression for it, the rule it makes)
POLICIES: dict = {
    "digits": ("nothing", re.compile(r""), lambda _: lambda number, value: False),
    "abs": ("a positive number, e.g. abs:0.01", re.compile(_DECIMAL), lambda m: _absolute(Decimal(m.group(0)))),
    "rel": ("a percentage, e.g. rel:1%", re.compile(_DECIMAL + "%"),
            lambda m: _relative(Decimal(m.group(0)[:-1]) / 100)),
    "sigfig": ("a whole number from 1 to 15, e.g. sigfig:3", re.compile(r"[1-9]|1[0-5]"),
               lambda m: _significant(int(m.group(0)))),
}
DIGITS = Tolerance("digits", POLICIES["digits"][2](None))


def tolerance(text: str) -> Tolerance:
    """``digits``, ``abs:X``, ``rel:X%`` or ``sigfig:N`` as a policy; SpecError naming what is expected."""
    name, _, argument = text.strip().partition(":") if isinstance(text, str) else ("", "", "")
    if name not in POLICIES:
        raise SpecError(f"tolerance: expected digits, abs:X, rel:X% or sigfig:N, found {text!r}")
    expected, pattern, rule = POLICIES[name]
    found = pattern.fullmatch(argument) if len(argument) < 40 else None
    if found is None or (name != "digits" and not Decimal(re.sub("%", "", argument)) > 0):
        raise SpecError(f"tolerance: {name} takes {expected}, found {text!r}")
    return DIGITS if name == "digits" else Tolerance(f"{name}:{argument}", rule(found))
