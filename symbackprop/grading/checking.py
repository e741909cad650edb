"""``symbackprop check``: grade an answer sheet against a spec's worked solution and explain the
first mistake. A :class:`Grader` holds what every sheet graded against one solution shares, so a
class of sheets costs one solve (classroom.py); reports.py prints the result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable
from pathlib import Path
from typing import Mapping

from sympy.core.parameters import evaluate

from .catalogue import OPTIONAL, Record, catalogue
from ..errors import SpecError
from ..model.defaults import PRECISION_RANGE
from .diagnosis import Diagnosis, diagnose_all
from .grades import CONSEQUENTIAL, STATUSES, Grade, grade
from .naming import GRADIENT, Answer, Names
from .replay import Plan, replay_until
from .sheet import Sheet, declared, read_sheet, sheet_from_mapping
from .written import DIGITS, Tolerance, decimals
from .written import tolerance as parse_tolerance
from ..model.notation import Labels
from ..present.printing import Equation, SolutionPrinter
from ..model.quantities import number
from ..solution import Solution, solve


@dataclass(frozen=True)
class CheckResult:
    grades: tuple[Grade, ...]
    diagnoses: dict  # Answer -> Diagnosis, for every wrong answer
    missing: tuple[Record, ...]  # quantities the sheet does not answer (not counted as wrong)
    first_wrong: Grade | None
    derivation: Equation | None  # the first wrong value's correct step, with the student's numbers
    tolerance: str = "digits"  # the policy's name, as the report gives it
    delta: str = GRADIENT  # the sign convention of δ the sheet was read in

    @property
    def summary(self) -> dict:
        counts = {status: sum(g.status == status for g in self.grades) for status in STATUSES}
        counts["unknown"] = counts.pop("unknown-label")
        return {**counts, "missing": len(self.missing)}

    @property
    def exit_status(self) -> int:
        """0 when every answer is right or rounded, 1 when one is wrong or has an unknown label."""
        return 1 if any(g.status in ("wrong", "unknown-label") for g in self.grades) else 0

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.summary.items())
        return f"<CheckResult {counts}; tolerance {self.tolerance}>"

    def _repr_markdown_(self) -> str:
        from .reports import report_markdown

        return report_markdown(self)


def check(source, answers: str | Path | Mapping, tolerance: str | Tolerance = DIGITS, *, delta: str | None = None,
          aliases: Mapping[str, str] | None = None, **overrides) -> CheckResult:
    """Grade ``answers`` (a sheet's path, or a mapping label -> number) against the worked solution
    of ``source`` (a spec); ``overrides`` go to solve(). ``delta`` and ``aliases`` as in
    :meth:`Grader.check`."""
    return Grader(solve(source, **overrides)).check(answers, tolerance, delta=delta, aliases=aliases)


def explain(grade: Grade, diagnosis: Diagnosis | None, label: Callable[[str], str] = str) -> str:
    """Why a grade is not correct, its labels printed by ``label``: a wrong answer's cause, the wrong
    answer a consequential one follows from, how a rounding one was rounded, the labels closest to
    an unknown one."""
    if diagnosis is not None:
        return diagnosis.cause + (f" ({label(diagnosis.other.label)})" if diagnosis.other is not None else "")
    if grade.status == "consequential" and grade.origin is not None:
        return f"{CONSEQUENTIAL} ({label(grade.origin.label)})"
    if grade.status == "unknown-label":
        suggestions = grade.answer.suggestions
        return "closest: " + ", ".join(map(label, suggestions)) if suggestions else "no label of this solution is near"
    return grade.note


class Grader:
    """What every sheet graded against one solution shares: its records, their names and the
    compiled replay paths. A copy (pickled for another process, or deep-copied) is built again
    from the spec: the solution's compiled functions cannot be pickled, and a solve is deterministic."""

    def __init__(self, solution: Solution):
        if not isinstance(solution, Solution):
            raise SpecError(f"Grader: expected a Solution (symbackprop.solve(spec)), found {type(solution).__name__}")
        self.solution = solution
        self.records = catalogue(solution, given=True)
        self.plan = Plan(solution, self.records)
        self.names = Names(self.records)

    def __reduce__(self):
        return _grader_for, (self.solution.spec,)

    def check(self, answers: str | Path | Mapping, tolerance: str | Tolerance = DIGITS, *, delta: str | None = None,
              aliases: Mapping[str, str] | None = None) -> CheckResult:
        """``delta``: the sign convention of δ (naming.CONVENTIONS) where the sheet declares none;
        ``aliases``: names -> our labels, joined by those the sheet declares (the sheet's win)."""
        policy = tolerance if isinstance(tolerance, Tolerance) else parse_tolerance(tolerance)
        delta, aliases = declared({"delta": delta, "aliases": {} if aliases is None else aliases})
        sheet: Sheet = sheet_from_mapping(answers, "answers") if isinstance(answers, Mapping) else read_sheet(answers)
        convention = sheet.delta or delta or GRADIENT
        answered = self.names.match(sheet.pairs, convention, {**(aliases or {}), **sheet.aliases}, sheet.updates_from)
        grades = grade(self.plan, answered, policy)
        diagnoses = diagnose_all(self.plan, answered, [g.answer for g in grades if g.status == "wrong"], convention)
        grades = [replace(g, note=explain(g, diagnoses.get(g.answer))) for g in grades]
        given = {id(a.record) for a in answered}
        missing = tuple(r for r in self.records if id(r) not in given and r.quantity not in OPTIONAL)
        first = next((g for g in grades if g.status == "wrong"), None)
        derivation = self._derivation(answered, first.answer.record) if first else None
        return CheckResult(tuple(grades), diagnoses, missing, first, derivation, policy.name, convention)

    def _derivation(self, sheet: list[Answer], target: Record) -> Equation | None:
        """The target's step as the worked solution prints it, with the student's numbers upstream."""
        if target.step is None:
            return None
        replay, results = replay_until(self.plan, sheet, target)
        digits = min(max([4] + [decimals(a.given) for a in sheet]), PRECISION_RANGE.stop - 1)  # as many as printable
        printer = SolutionPrinter(Labels.for_spec(self.solution.spec), digits)
        shown = {key: number(float(v)) for key, v in replay.known().items()}
        with evaluate(False):
            numeric = target.step.forms[-1].xreplace(shown)
        value = results[0][0] if results else target.value
        return printer.equation([target.step.lhs, *target.step.forms, numeric, printer.number(value)])


def _grader_for(spec) -> Grader:
    return Grader(solve(spec))
