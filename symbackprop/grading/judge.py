"""Stage 3 of a check: grade each answer the way a teacher would, against the exact value and the
replayed candidates (replay.py).

* The digits written set the tolerance (policy ``digits``): 0.3589 and 0.359 are right for
  0.35891648, 0.3590 is not. A value cut off instead of rounded (0.5932 for 0.593269992) is
  ``rounding``. Other policies (written.POLICIES) widen what counts as right.
* Error carried forward: a number that follows from an earlier wrong answer is ``consequential``;
  one that follows from the student's own right numbers, in a way they work by hand, is
  ``rounding`` whatever the policy. A way that carries fewer digits than the student writes for the
  number itself is not theirs (replay.Way.fits).

Answers are judged in document order, so when a candidate's value is judged, every answer it is
made from is judged already: a candidate follows from the first wrong answer among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import Record
from .naming import Answer
from .replay import Candidate, Plan, Table, cut_off
from .written import DIGITS, Tolerance, Written, to_decimal, written

STATUSES = ("correct", "rounding", "consequential", "wrong", "unknown-label")
CONSEQUENTIAL = "follows from your wrong answer"


@dataclass(frozen=True)
class Grade:
    answer: Answer
    status: str  # one of STATUSES
    expected: float | None  # the exact value, in the sheet's convention; None for an unknown label
    note: str = ""  # why, for every status but correct (a wrong answer's cause is its diagnosis)
    origin: Record | None = None  # consequential: the wrong answer it follows from


def judge(plan: Plan, answers: list[Answer], table: Table, policy: Tolerance = DIGITS) -> list[Grade]:
    """Grades in document order (the order of the plan's records), every answer, unknown labels last."""
    by_record: dict = {}  # by id: a record's hash walks its whole step
    for answer in answers:
        if answer.record is not None:
            by_record.setdefault(id(answer.record), []).append(answer)
    cut = cut_off(answers)
    wrong = _Wrong()
    grades = []
    for record in plan.records:
        if id(record) not in by_record:
            continue
        exact, judged = to_decimal(record.value), {}  # the same number given twice is graded once
        for answer in by_record[id(record)]:
            if answer.number not in judged:
                elsewhere = bool(cut - {answer.number})  # the sheet cuts off other numbers than this one
                judged[answer.number] = _judge(written(answer.number), exact, table[id(record)], wrong, policy,
                                               elsewhere)
            status, note, origin = judged[answer.number]
            grades.append(Grade(answer, status, answer.sign * record.value, note, origin))
        last = grades[-1]  # the student's last number for it is what they carry on with
        wrong.add(plan.bits[id(record)], record if last.status == "wrong" else last.origin)
    grades += [Grade(a, "unknown-label", None, "") for a in answers if a.record is None]
    return grades


class _Wrong:
    """The answered records that are wrong or follow from a wrong one, as bits (plan.bits), and the
    wrong answer each stands for."""

    def __init__(self):
        self.bits, self.origins = 0, {}

    def add(self, bit: int, origin: Record | None) -> None:
        if origin is not None:
            self.bits |= bit
            self.origins[bit] = origin

    def origin(self, candidate: Candidate) -> Record | None:
        """The first wrong answer (in document order) the candidate is made from."""
        hit = candidate.depends & self.bits
        return self.origins[hit & -hit] if hit else None


def _judge(number: Written, exact, candidates: list[Candidate], wrong: _Wrong, policy: Tolerance,
           cuts_off: bool) -> tuple[str, str, Record | None]:
    """(status, note, origin): against the exact value, then against every replayed candidate. A value
    the student's own right numbers give, rounded as the student rounds, is said to be that; a value
    that is the exact one cut off is said to be cut off, unless it also follows from a wrong answer on
    a sheet that cuts nothing else off (then it is consequential)."""
    if policy.accepts(number, exact) or (policy is DIGITS and number.rounds(exact)):
        return "correct", "", None
    if number.rounds(exact):
        return "rounding", f"the exact value to {number.places} decimals, fewer digits than {policy.name} asks for", None
    own, follows, other = None, None, None
    for candidate in candidates:
        if not candidate.way.fits(number.places):
            continue
        value, origin = to_decimal(candidate.value), wrong.origin(candidate)
        # the spread only for values after a wrong one: a right value has the exact one to match
        if number.matches(value) or policy(number, value) or (origin is not None
                                                              and number.within(value, candidate.spread)):
            if origin is not None:
                follows = follows or origin
            else:
                other = other or candidate.way
                own = own or (candidate.way if number.rounds(value) else None)
    if own is not None:
        return "rounding", own.note, None
    if number.truncates(exact) and (cuts_off or follows is None):
        return "rounding", f"cut off at {number.places} decimals, not rounded", None
    if follows is not None:
        return "consequential", CONSEQUENTIAL, follows
    if other is not None:
        return "rounding", other.note, None
    return "wrong", "", None
