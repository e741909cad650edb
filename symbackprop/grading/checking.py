"""``symbackprop check``: grade an answer sheet against a spec's worked solution and explain the
first mistake, in one pass that data flows through one way:

    read (read.py: the sheet, its numbers as written)
    → replay (replay.py: every way a student can reach each value, built once)
    → judge (judge.py) → diagnose (diagnose.py, causes.py) → report (reports.py, classroom.py)

A :class:`Grader` holds what every sheet graded against one solution shares, so a class of sheets
costs one solve (classroom.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Mapping

from sympy.core.parameters import evaluate

from .catalogue import OPTIONAL, Record, catalogue
from .causes import rewrites
from ..errors import SpecError
from ..model.defaults import PRECISION_RANGE
from .diagnose import diagnose
from .judge import judge
from .naming import Answer, Names
from .read import read
from .replay import Plan, replay, replay_until, ways_of
from .reports import report_markdown
from .result import Findings, explain
from .written import DIGITS, Tolerance, decimals
from .written import tolerance as parse_tolerance
from ..model.notation import Labels
from ..present.printing import Equation, SolutionPrinter
from ..model.quantities import number
from ..solution import Solution, solve


class CheckResult(Findings):
    """A check's findings, which Jupyter displays as the Markdown report."""

    def _repr_markdown_(self) -> str:
        return report_markdown(self)


def check(source, answers: str | Path | Mapping, tolerance: str | Tolerance = DIGITS, *, delta: str | None = None,
          aliases: Mapping[str, str] | None = None, **overrides) -> CheckResult:
    """Grade ``answers`` (a sheet's path, or a mapping label -> number) against the worked solution
    of ``source`` (a spec); ``overrides`` go to solve(). ``delta`` and ``aliases`` as in
    :meth:`Grader.check`."""
    return Grader(solve(source, **overrides)).check(answers, tolerance, delta=delta, aliases=aliases)


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
        self.causes = rewrites(solution)

    def __reduce__(self):
        return _grader_for, (self.solution.spec,)

    def check(self, answers: str | Path | Mapping, tolerance: str | Tolerance = DIGITS, *, delta: str | None = None,
              aliases: Mapping[str, str] | None = None) -> CheckResult:
        """``delta``: the sign convention of δ (naming.CONVENTIONS) where the sheet declares none;
        ``aliases``: names -> our labels, joined by those the sheet declares (the sheet's win)."""
        policy = tolerance if isinstance(tolerance, Tolerance) else parse_tolerance(tolerance)
        reading = read(self.names, answers, delta, aliases)
        answered, ways = reading.answers, ways_of(reading.answers)
        table = replay(self.plan, answered, ways)
        grades = judge(self.plan, answered, table, policy)
        diagnoses = diagnose(self.plan, self.causes, answered, table, ways, grades, reading.convention)
        grades = [replace(g, note=explain(g, diagnoses.get(g.answer))) for g in grades]
        given = {id(a.record) for a in answered}
        missing = tuple(r for r in self.records if id(r) not in given and (
            r.label in reading.asked if reading.asked is not None else r.quantity not in OPTIONAL))
        first = next((g for g in grades if g.status == "wrong"), None)
        derivation = self._derivation(answered, first.answer.record) if first else None
        return CheckResult(tuple(grades), diagnoses, missing, first, derivation, policy.name, reading.convention)

    def _derivation(self, sheet: list[Answer], target: Record) -> Equation | None:
        """The target's step as the worked solution prints it, with the student's numbers upstream."""
        if target.step is None:
            return None
        replayed, results = replay_until(self.plan, sheet, target)
        digits = min(max([4] + [decimals(a.given) for a in sheet]), PRECISION_RANGE.stop - 1)  # as many as printable
        printer = SolutionPrinter(Labels.for_spec(self.solution.spec), digits)
        shown = {key: number(float(v)) for key, v in replayed.known().items()}
        with evaluate(False):
            numeric = target.step.forms[-1].xreplace(shown)
        value = results[0].value if results else target.value
        return printer.equation([target.step.lhs, *target.step.forms, numeric, printer.number(value)])


def _grader_for(spec) -> Grader:
    return Grader(solve(spec))
