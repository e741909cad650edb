"""``symbackprop check``: grade an answer sheet against a spec's worked solution and explain the
first mistake. One function builds the result; one function per format prints it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sympy.core.parameters import evaluate

from .catalogue import GIVEN, Record, catalogue
from ..model.defaults import PRECISION_RANGE
from .diagnosis import Diagnosis, diagnose_all
from .grades import STATUSES, Grade, grade
from .replay import Plan, replay_until
from .written import DIGITS, Tolerance, decimals
from .written import tolerance as parse_tolerance
from ..model.notation import Labels
from ..present.rendering import escape_markdown
from ..present.printing import Equation, SolutionPrinter
from ..model.quantities import number
from .sheet import Answer, read_answers
from ..solution import Solution, solve


@dataclass(frozen=True)
class CheckResult:
    grades: tuple[Grade, ...]
    diagnoses: dict  # Answer -> Diagnosis, for every wrong answer
    missing: tuple[Record, ...]  # quantities the sheet does not answer (not counted as wrong)
    first_wrong: Grade | None
    derivation: Equation | None  # the first wrong value's correct step, with the student's numbers
    tolerance: str = "digits"  # the policy's name, as the report gives it

    @property
    def summary(self) -> dict:
        counts = {status: sum(g.status == status for g in self.grades) for status in STATUSES}
        counts["unknown"] = counts.pop("unknown-label")
        return {**counts, "missing": len(self.missing)}

    @property
    def exit_status(self) -> int:
        """0 when every answer is right or rounded, 1 when one is wrong or has an unknown label."""
        return 1 if any(g.status in ("wrong", "unknown-label") for g in self.grades) else 0


def check(source, answers: str | Path, tolerance: str | Tolerance = DIGITS, **overrides) -> CheckResult:
    """Grade the answers file ``answers`` against the worked solution of ``source`` (a spec)."""
    return Grader(solve(source, **overrides)).check(answers, tolerance)


class Grader:
    """What every sheet graded against one solution shares: its records, their labels and the
    compiled replay paths. A class of sheets is graded with one solve and one Grader."""

    def __init__(self, solution: Solution):
        self.solution = solution
        self.records = catalogue(solution, given=True)
        self.plan = Plan(solution, self.records)

    def check(self, answers: str | Path, tolerance: str | Tolerance = DIGITS) -> CheckResult:
        policy = tolerance if isinstance(tolerance, Tolerance) else parse_tolerance(tolerance)
        sheet = read_answers(answers, self.records)
        grades = grade(self.plan, sheet, policy)
        diagnoses = diagnose_all(self.plan, sheet, [g.answer for g in grades if g.status == "wrong"])
        answered = {id(a.record) for a in sheet}
        missing = tuple(r for r in self.records if id(r) not in answered and r.quantity not in ("history", GIVEN))
        first = next((g for g in grades if g.status == "wrong"), None)
        derivation = self._derivation(sheet, first.answer.record) if first else None
        return CheckResult(tuple(grades), diagnoses, missing, first, derivation, policy.name)

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


def report_json(result: CheckResult) -> str:
    items = [{"label": g.answer.record.label if g.answer.record else g.answer.label, "given": g.answer.given,
              "expected": g.expected, "status": g.status,
              "diagnosis": result.diagnoses[g.answer].cause if g.answer in result.diagnoses else None,
              "suggestions": list(g.answer.suggestions)} for g in result.grades]
    missing = [r.label for r in result.missing]
    return json.dumps({"summary": result.summary, "items": items, "missing": missing}, indent=2) + "\n"


def _first_mistake_lines(result: CheckResult, math: str) -> list[str]:
    """The first wrong answer, its likely cause and its correct derivation; ``math`` wraps LaTeX."""
    first = result.first_wrong
    if first is None:
        return ["No wrong answers."]
    diagnosis: Diagnosis = result.diagnoses[first.answer]
    lines = [f"First mistake: {math.format(first.answer.record.label)} = {first.answer.given}, "
             f"expected {first.expected:.10g}",
             f"Most likely cause: {diagnosis.cause}"
             + (f" (reproduces {diagnosis.reproduced:.10g})" if diagnosis.reproduced is not None else "")]
    if result.derivation is not None:
        lines.append("Correct derivation, with your numbers where they were right: "
                     + math.format(" = ".join(result.derivation.parts)))
    return lines


def _summary_line(result: CheckResult) -> str:
    s = result.summary
    return (f"{s['correct']} correct, {s['rounding']} rounding, {s['consequential']} consequential, "
            f"{s['wrong']} wrong, {s['unknown']} unknown labels; {s['missing']} quantities not answered")


def report_text(result: CheckResult) -> str:
    lines = _first_mistake_lines(result, "{}") + [""]
    rows = [(g.status, g.answer.record.label if g.answer.record else g.answer.label, g.answer.given,
             "" if g.expected is None else f"{g.expected:.10g}",
             result.diagnoses[g.answer].cause if g.answer in result.diagnoses else
             ("closest: " + ", ".join(g.answer.suggestions) if g.status == "unknown-label" else ""))
            for g in result.grades]
    header = ("status", "label", "given", "expected", "note")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4])
    missing = ["", "Not answered: " + ", ".join(r.label for r in result.missing)] if result.missing else []
    return "\n".join(lines + missing + ["", _summary_line(result)]) + "\n"


def report_markdown(result: CheckResult) -> str:
    lines = ["# Check of an answer sheet", ""]
    lines += [line + "  " for line in _first_mistake_lines(result, "${}$")] + [""]
    lines += ["| status | label | given | expected | note |", "|---|---|---|---|---|"]
    for g in result.grades:
        label = f"${g.answer.record.label}$" if g.answer.record else escape_markdown(g.answer.label)
        note = result.diagnoses[g.answer].cause if g.answer in result.diagnoses else (
            "closest: " + ", ".join(f"${s}$" for s in g.answer.suggestions) if g.status == "unknown-label" else "")
        expected = "" if g.expected is None else f"{g.expected:.10g}"
        lines.append(f"| {g.status} | {label} | {g.answer.given} | {expected} | {note} |")
    missing = ["", "Not answered: " + ", ".join(f"${r.label}$" for r in result.missing)] if result.missing else []
    return "\n".join(lines + missing + ["", _summary_line(result) + "."]) + "\n"


REPORTS = {"text": report_text, "md": report_markdown, "json": report_json}
