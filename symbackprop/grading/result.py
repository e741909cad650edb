"""What a check finds, for stage 5 (reports.py, classroom.py) to print: the grades, the diagnoses
of the wrong answers, the quantities not answered, and the first mistake's correct step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .catalogue import Record
from .diagnose import Diagnosis
from .judge import CONSEQUENTIAL, STATUSES, Grade
from .naming import GRADIENT
from ..present.printing import Equation


@dataclass(frozen=True, repr=False)
class Findings:
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


def explain(grade: Grade, diagnosis: Diagnosis | None, label: Callable[[str], str] = str) -> str:
    """Why a grade is not correct, its labels printed by ``label``: a wrong answer's cause (and the
    causes that fit as well), the wrong answer a consequential one follows from, how a rounding one
    was rounded, the labels closest to an unknown one."""
    if diagnosis is not None:
        other = f" ({label(diagnosis.other.label)})" if diagnosis.other is not None else ""
        return diagnosis.cause + other + "".join(f"; or, as likely, {cause}" for cause in diagnosis.also)
    if grade.status == "consequential" and grade.origin is not None:
        return f"{CONSEQUENTIAL} ({label(grade.origin.label)})"
    if grade.status == "unknown-label":
        suggestions = grade.answer.suggestions
        return "closest: " + ", ".join(map(label, suggestions)) if suggestions else "no label of this solution is near"
    return grade.note
