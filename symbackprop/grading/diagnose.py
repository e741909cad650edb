"""Stage 4 of a check: why is an answer wrong? Every cause of the catalogue (causes.py) that
reproduces the student's number is found, and the best named.

Most causes are a rewrite of some steps' forms, replayed by replay.py with the student's own earlier
numbers in every way grading replays them. The rest compare numbers directly: two weights' indices
swapped, a decimal slip, two digits transposed, e^z rounded to fewer digits than the sheet writes
(the replays of grading and of a few coarser ways), and, last, the value of another quantity.

The best cause reproduces the number exactly at the student's precision (rounded or cut off to the
digits written) rather than within a unit of the last digit; then one that changes the wrong
answer's own step rather than one upstream of it; then a slip of the pen. A cause that only
coincides with another quantity's value never wins over one that reproduces the step. Causes that
fit equally well are all said.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .catalogue import Record
from .causes import IN_CONVENTION, Cause
from .judge import Grade
from .naming import Answer
from .replay import Plan, Table, Way, path_forms, last_numbers, replay
from .written import Written, to_decimal, written

NO_KNOWN_CAUSE = "no known cause"
ANOTHER_QUANTITY = "the value of another quantity"
EARLY_EXP = "e^z rounded too early: to {} decimals, fewer than the answer has"
SWAPPED_INDICES = "two weights' indices swapped"
DECIMAL_SLIP = "decimal slip (a factor of 10)"
TRANSPOSED = "two adjacent digits transposed"
# The work of one sheet's diagnoses is bounded: the distinct wrong numbers diagnosed, and the steps
# replayed for the rewrites (each replay costs a step per record; a 2-2-2 network has 64 records).
MAX_DIAGNOSED = 2000
MAX_REPLAYED_STEPS = 100_000
NOT_DIAGNOSED = f"not diagnosed: the sheet has more than {MAX_DIAGNOSED} different wrong numbers"
NOT_ALL_TRIED = "no known cause among those tried: the network is too large to replay every one"
EARLY_DIGITS = (1, 2, 3)  # the digits a student may round e^z to too early, besides the sheet's own
_FLOAT_EXPONENT = 300  # a number beyond a float's range is no other quantity's value
_HAND_DIGITS = 20  # a number longer than this was not copied by hand: no digit slip to look for
#: How close a cause comes to the step: it changes the wrong answer's own step, acts upstream of it,
#: is a slip of the pen, or only coincides with another quantity's value.
OWN, UPSTREAM, SLIP, COINCIDENCE = range(4)


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    reproduced: float | None  # the recomputation that gives the student's number
    other: Record | None = None  # ANOTHER_QUANTITY: the quantity whose value it is
    also: tuple[str, ...] = ()  # other causes that reproduce the number as well


class _Fit(NamedTuple):
    cause: str
    value: float
    exact: bool  # the value rounded or cut off at the digits written is the number
    closeness: int  # OWN, UPSTREAM, SLIP or COINCIDENCE
    other: Record | None = None
    contradicted: bool = False  # the mistake would also change a value the student got right upstream

    @property
    def rank(self) -> tuple:
        return self.closeness == COINCIDENCE, self.contradicted, not self.exact, self.closeness


def diagnose(plan: Plan, causes: list[Cause], answers: list[Answer], plain: Table, ways: list[Way],
             grades: list[Grade], convention: str = "gradient") -> dict:
    """Each wrong answer's diagnosis (Answer -> Diagnosis), its cause said in the sheet's sign
    convention of δ; ``causes``: causes.rewrites() of the plan's solution (made once: the plan
    compiles each rewrite once); ``plain`` and ``ways``: grading's replays. The same number for the
    same quantity is diagnosed once, and at most MAX_DIAGNOSED numbers are."""
    wrong = [g for g in grades if g.status == "wrong"]
    right = {id(g.answer.record): g.answer.number for g in grades if g.status in ("correct", "rounding")}
    diagnoser = _Diagnoser(plan, causes, answers, plain, ways, [g.answer.record for g in wrong], right)
    by_number: dict = {}
    for grade in wrong:
        answer = grade.answer
        key = (id(answer.record), answer.number)
        if key not in by_number:
            found = diagnoser.diagnose(answer) if len(by_number) < MAX_DIAGNOSED else Diagnosis(NOT_DIAGNOSED, None)
            by_number[key] = replace(found, cause=_said(found.cause, convention),
                                     also=tuple(_said(c, convention) for c in found.also))
    return {g.answer: by_number[(id(g.answer.record), g.answer.number)] for g in wrong}


def _said(cause: str, convention: str) -> str:
    return IN_CONVENTION.get((convention, cause), cause)


class _Diagnoser:
    """The diagnoses of one sheet. Each rewrite is replayed once, in every way grading replays
    (exactly, and carried by hand as the sheet's digits show), over every record up to the last one
    diagnosed, when an answer first needs it; every wrong answer looks its values up."""

    def __init__(self, plan: Plan, causes: list[Cause], answers: list[Answer], plain: Table, ways: list[Way],
                 targets: list[Record], right: dict):
        self.plan, self.numbers, self.answers = plan, last_numbers(answers), answers
        self.ways, self.plain, self.right = ways, plain, right
        self.owner = {i: id(r) for r in plan.records if r.step is not None for i in plan.names[id(r)]}
        self._ancestors: dict = {}  # id(record) -> the answered right records its value is made from
        self.position = position = {id(r): i for i, r in enumerate(plan.records)}
        self.until = max((position[id(r)] for r in targets), default=-1) + 1
        self._by_value: list | None = None  # (value, index) of every record, sorted; made when needed
        self.rewrites = causes
        self.steps = 0  # replayed for the rewrites so far
        self.replayed: dict = {}  # rewrite's index -> its Table
        self._early: Table | None = None  # e^z rounded to EARLY_DIGITS; made when needed
        self.orders: dict = {}  # id(record) -> the rewrites' indices in the order they are tried
        self.by_place = {(r.quantity, r.layer, r.to, r.source): r for r in reversed(plan.records)}

    def diagnose(self, wrong: Answer) -> Diagnosis:
        """The best of the causes that come within one unit of the last digit written (_Fit.rank)."""
        number, target = written(wrong.number), wrong.record
        if number.places < 1:  # within a unit of "3", "100" or "1e300" is almost anything
            fits = list(self._slipped(number, target))
            return _best(fits) or Diagnosis(NO_KNOWN_CAUSE, None)
        fits, untried = self._replayed(number, target)
        fits += self._compared(number, target) + self._early_exp(number, target) + self._slipped(number, target)
        if not fits:
            fits = self._other_quantity(number, target)
        return _best(fits) or Diagnosis(NOT_ALL_TRIED if untried else NO_KNOWN_CAUSE, None)

    def _replayed(self, number: Written, target: Record) -> tuple[list[_Fit], bool]:
        """The rewrites that reproduce the number: those of the target's own step, then, unless one
        of those is exact, those upstream. True too if a rewrite was beyond the budget."""
        fits, untried = [], False
        for closeness, index in self._order(target):
            if closeness == UPSTREAM and any(f.exact and not f.contradicted for f in fits):
                break
            if not self._replay(index):
                untried = True
                continue
            fit = _fit(self.rewrites[index][0], number, self._changed(index, id(target)), closeness)
            if fit is not None:
                fits.append(fit._replace(contradicted=self._contradicts(index, target)))
        return fits, untried

    def _early_exp(self, number: Written, target: Record) -> list[_Fit]:
        """e^z rounded (or cut off) to fewer digits than the answer has: grading's own replays, and
        those of EARLY_DIGITS; the digits that reproduce the number exactly, else within a unit."""
        exponential = any(p.exponential for p in self.plan.paths(target))
        candidates = [c for c in self.plain.get(id(target), ()) if c.way.early and not c.way.fits(number.places)]
        if exponential:
            candidates += [c for c in self._early_table()[id(target)] if c.way.early and not c.way.fits(number.places)]
        fits = [_fit(EARLY_EXP.format(c.way.digits), number, [(c.value, Way())], OWN if exponential else UPSTREAM)
                for c in candidates]
        fits = sorted((f for f in fits if f is not None), key=lambda f: f.rank)
        return fits[:1]

    def _early_table(self) -> Table:
        if self._early is None:
            self._early = replay(self.plan, self.answers, [Way(k) for k in EARLY_DIGITS], until=self.until)
        return self._early

    def _slipped(self, number: Written, target: Record) -> list[_Fit]:
        """A slip of the pen against the exact value or the student's own: the decimal point moved,
        or two neighbouring digits exchanged."""
        own = [to_decimal(target.value), *(to_decimal(c.value) for c in self.plain[id(target)])]
        for slipped in (v.scaleb(e) for v in own if v is not None for e in (1, -1)):
            if number.matches(slipped):
                return [_Fit(DECIMAL_SLIP, float(slipped), True, SLIP)]
        swapped = next((v for v in own if _transposed(number, v)), None)
        return [_Fit(TRANSPOSED, float(swapped), True, SLIP)] if swapped is not None else []

    def _other_quantity(self, number: Written, target: Record) -> list[_Fit]:
        """The quantity nearest the target (in document order) whose value the number is, rounded or
        cut off: exactly, or as the student's own numbers give it for a quantity before the target
        (one after it may be made from the target's own number): a value copied into the wrong line,
        written under the wrong label, or a step computed for a neighbouring quantity."""
        if abs(number.number.adjusted()) > _FLOAT_EXPONENT:
            return []
        if self._by_value is None:
            values = [(r.value, i) for i, r in enumerate(self.plan.records)]
            values += [(c.value, self.position[key]) for key, found in self.plain.items() for c in found]
            self._by_value = sorted((v, i) for v, i in values if math.isfinite(v))
        here = self.position[id(target)]
        low, high = float(number.number - number.unit), float(number.number + number.unit)
        start = bisect.bisect_left(self._by_value, (low, -1))
        found = [(v, i) for v, i in itertools.takewhile(lambda item: item[0] <= high, self._by_value[start:])
                 if i != here and number.matches(to_decimal(v))
                 and (i < here or v == self.plan.records[i].value)]
        if not found:
            return []
        value, index = min(found, key=lambda item: abs(item[1] - here))
        return [_Fit(ANOTHER_QUANTITY, value, True, COINCIDENCE, self.plan.records[index])]

    def _compared(self, number: Written, target: Record) -> list[_Fit]:
        """A gradient of w_jk written for w_kj: the other's value, exact or as the student wrote it."""
        if target.source is None or target.to == target.source:
            return []
        other = self.by_place.get((target.quantity, target.layer, target.source, target.to))
        if other is None:
            return []
        own = self.numbers.get(id(other))
        values = [other.value] + ([] if own is None else [float(own)])
        fit = _fit(SWAPPED_INDICES, number, [(v, Way()) for v in values], OWN)
        return [fit] if fit is not None else []

    def _order(self, target: Record) -> list[tuple[int, int]]:
        """(closeness, index) of the rewrites: those that change the target's own step first."""
        if id(target) not in self.orders:
            forms = path_forms(target.step) if target.step is not None else []
            own = [i for i, (_, rewrite) in enumerate(self.rewrites) if any(rewrite(target, f) != f for f in forms)]
            self.orders[id(target)] = ([(OWN, i) for i in own]
                                       + [(UPSTREAM, i) for i in range(len(self.rewrites)) if i not in own])
        return self.orders[id(target)]

    def _replay(self, index: int) -> bool:
        """Replay a rewrite unless done already; False if that is beyond the budget."""
        if index in self.replayed:
            return True
        cost = self.until * len(self.ways)
        if self.steps + cost > MAX_REPLAYED_STEPS:
            return False
        self.replayed[index] = replay(self.plan, self.answers, self.ways, self.rewrites[index][1], self.until)
        self.steps += cost
        return True

    def _changed(self, index: int, key: int) -> list[tuple[float, Way]]:
        """A rewrite's candidates for a record that differ from grading's."""
        return [(c.value, c.way) for c, p in zip(self.replayed[index][key], self.plain[key])
                if c.value != p.value and not math.isnan(c.value)]

    def _contradicts(self, index: int, target: Record) -> bool:
        """Would the rewrite change a value the student got right, among those the target is made
        from? A student who swapped two weights in a hidden path did not write that path right."""
        for key in self._right_ancestors(target):
            number = written(self.right[key])
            if self._changed(index, key) and not any(
                    c.way.fits(number.places) and number.matches(to_decimal(c.value)) for c in self.replayed[index][key]):
                return True
        return False

    def _right_ancestors(self, target: Record) -> set[int]:
        if id(target) not in self._ancestors:
            found, stack = set(), [id(target)]
            records = {id(r): r for r in self.plan.records}
            while stack:
                for path in self.plan.paths(records[stack.pop()]):
                    for i in path.inputs:
                        key = self.owner.get(i)
                        if key is not None and key not in found:
                            found.add(key)
                            stack.append(key)
            self._ancestors[id(target)] = {key for key in found if key in self.right}
        return self._ancestors[id(target)]


def _fit(cause: str, number: Written, values: list[tuple[float, Way]], closeness: int) -> _Fit | None:
    """The cause's fit if one of its values, in a way of working that fits the number's digits,
    comes within a unit of the last digit written; an exact one if there is one."""
    near = None
    for value, way in values:
        if not way.fits(number.places):
            continue
        decimal = to_decimal(value)
        if number.matches(decimal):
            return _Fit(cause, value, True, closeness)
        if near is None and number.within_a_unit(decimal):
            near = _Fit(cause, value, False, closeness)
    return near


def _best(fits: list[_Fit]) -> Diagnosis | None:
    """The best fit, and the other causes that fit as well as it."""
    if not fits:
        return None
    best = min(fits, key=lambda f: f.rank)
    also = tuple(dict.fromkeys(f.cause for f in fits if f.rank == best.rank and f.cause != best.cause))
    return Diagnosis(best.cause, best.value, best.other, also)


def _transposed(given: Written, exact: Decimal | None) -> bool:
    """Is ``given`` the value, rounded or cut off at the digits written, with two neighbouring digits swapped?"""
    if (exact is None or given.significant > _HAND_DIGITS
            or abs(exact.adjusted() - given.number.adjusted()) > 1):  # a swap keeps the size, give or take a 0
        return False
    shown = f"{given.number:f}"
    for rounding in (ROUND_HALF_UP, ROUND_DOWN):
        rounded = f"{exact.quantize(given.unit, rounding=rounding):f}"
        if len(rounded) != len(shown) or rounded == shown:
            continue
        differ = [i for i, (a, b) in enumerate(zip(rounded, shown)) if a != b]
        if (len(differ) == 2 and differ[1] == differ[0] + 1
                and rounded[differ[0]] == shown[differ[1]] and rounded[differ[1]] == shown[differ[0]]):
            return True
    return False
