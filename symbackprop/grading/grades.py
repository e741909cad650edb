"""Grade a student's answers the way a teacher would.

* The digits written set the tolerance (policy ``digits``): 0.3589 and 0.359 are right for
  0.35891648, 0.3590 is not. A value cut off instead of rounded (0.5932 for 0.593269992) is
  ``rounding``. Other policies (written.POLICIES) widen what counts as right.
* Error carried forward: the worked solution's steps are replayed with the student's own numbers
  in place of the exact ones, along every path a step can be computed by (replay.py). A number that
  follows from an earlier wrong answer is ``consequential``; one that follows from the student's own
  right numbers, rounded as the student rounds, is ``rounding`` whatever the policy. Skipped steps are
  carried exactly, and also rounded (or, if the sheet shows cutting off, cut off) to each number of
  decimals the student writes, as a student working by hand carries them (steps.carried).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import Record
from .replay import ROUNDED, Plan, Replay
from .naming import Answer
from .written import DIGITS, Tolerance, Written, to_decimal, written

STATUSES = ("correct", "rounding", "consequential", "wrong", "unknown-label")
MAX_HAND_DIGITS = 20  # carrying more decimals by hand than a float holds is not a way of working
CUT_OFF = "truncate"  # the other way of carrying, besides replay.ROUNDED
CONSEQUENTIAL = "follows from your wrong answer"


@dataclass(frozen=True)
class Grade:
    answer: Answer
    status: str  # one of STATUSES
    expected: float | None  # the exact value, in the sheet's convention; None for an unknown label
    note: str = ""  # why, for every status but correct (a wrong answer's cause is its diagnosis)
    origin: Record | None = None  # consequential: the wrong answer it follows from


@dataclass(frozen=True)
class Way:
    """How a student carries the values they skip: exactly (digits None), rounded, or cut off."""

    digits: int | None = None
    style: str = ROUNDED

    def replay(self, plan: Plan, rewrite=None) -> Replay:
        return Replay(plan, self.digits, self.style, rewrite)

    @property
    def note(self) -> str:
        if self.digits is None:
            return "follows from your own earlier values"
        carried = "cut off at" if self.style == CUT_OFF else "carried with"
        return f"follows from your earlier values {carried} {self.digits} decimals"


def ways_of(answers: list[Answer]) -> list[Way]:
    """Exactly, and by hand at each number of decimals written; cut off only if the sheet cuts a
    number off somewhere (each way explains more numbers, so it needs evidence)."""
    digits = {min(max(written(a.number).places, 0), MAX_HAND_DIGITS) for a in answers if a.record is not None}
    styles = (ROUNDED, CUT_OFF) if _cut_off(answers) else (ROUNDED,)
    return [Way()] + [Way(k, style) for style in styles for k in sorted(digits)]


def _cut_off(answers: list[Answer]) -> set[str]:
    """The numbers of the sheet that are their exact value cut off, not rounded."""
    return {a.number for a in answers if a.record is not None and written(a.number).truncates(to_decimal(a.record.value))
            and not written(a.number).rounds(to_decimal(a.record.value))}


def grade(plan: Plan, answers: list[Answer], policy: Tolerance = DIGITS) -> list[Grade]:
    """Grades in document order (the order of the plan's records), every answer, unknown labels last."""
    by_record: dict = {}  # by id: a record's hash walks its whole step
    for answer in answers:
        if answer.record is not None:
            by_record.setdefault(id(answer.record), []).append(answer)
    ways, cut = ways_of(answers), _cut_off(answers)
    replays = [(way, way.replay(plan)) for way in ways]
    grades = []
    for record in plan.records:
        candidates = [(value, origin, spread, way) for way, replay in replays
                      for value, origin, spread in replay.step(record)]
        if id(record) not in by_record:
            continue
        exact, judged = to_decimal(record.value), {}  # the same number given twice is graded once
        for answer in by_record[id(record)]:
            if answer.number not in judged:
                elsewhere = bool(cut - {answer.number})  # the sheet cuts off other numbers than this one
                judged[answer.number] = _judge(written(answer.number), exact, candidates, policy, elsewhere)
            status, note, origin = judged[answer.number]
            grades.append(Grade(answer, status, answer.sign * record.value, note, origin))
        last = grades[-1]  # the student's last number for it is what they carry on with
        carried_from = record if last.status == "wrong" else last.origin
        for _, replay in replays:
            replay.accept(record, last.answer.number, carried_from)
    grades += [Grade(a, "unknown-label", None, "") for a in answers if a.record is None]
    return grades


def _judge(number: Written, exact, candidates: list, policy: Tolerance,
           cuts_off: bool) -> tuple[str, str, Record | None]:
    """(status, note, origin): against the exact value, then against every replayed path. A value the
    student's own right numbers give, rounded as the student rounds, is said to be that; a value that
    is the exact one cut off is said to be cut off, unless it also follows from a wrong answer on a
    sheet that cuts nothing else off (then it is consequential)."""
    if policy.accepts(number, exact) or (policy is DIGITS and number.rounds(exact)):
        return "correct", "", None
    if number.rounds(exact):
        return "rounding", f"the exact value to {number.places} decimals, fewer digits than {policy.name} asks for", None
    own, follows, other = None, None, None
    for value, origin, spread, way in candidates:
        value = to_decimal(value)
        # the spread only for values after a wrong one: a right value has the exact one to match
        if number.matches(value) or policy(number, value) or (origin is not None and number.within(value, spread)):
            if origin is not None:
                follows = follows or origin
            else:
                other = other or way
                own = own or (way if number.rounds(value) else None)
    if own is not None:
        return "rounding", own.note, None
    if number.truncates(exact) and (cuts_off or follows is None):
        return "rounding", f"cut off at {number.places} decimals, not rounded", None
    if follows is not None:
        return "consequential", CONSEQUENTIAL, follows
    if other is not None:
        return "rounding", other.note, None
    return "wrong", "", None
