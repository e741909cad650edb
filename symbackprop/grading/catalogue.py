"""Every quantity a worked solution names, with its value: what ``symbackprop labels`` lists and
what ``symbackprop check`` grades against.

Each record comes from one derivation step (or a point of the error history), so its label is
printed exactly as the document prints it, and its step says how to recompute it from upstream
values (replay.py carries a student's own numbers forward through those steps).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.steps import ROLES, Step
from ..model.notation import Labels
from ..present.printing import SolutionPrinter
from ..solution import Solution
from ..engine.training import shown_iterations

QUANTITIES = ("net", "out", "error", "grad_out", "jacobian", "delta", "factor", "gradient", "updated", "history")
GIVEN = "given"  # inputs, targets, initial parameters, learning rate: known to check, not listed by labels


@dataclass(frozen=True)
class Record:
    label: str  # as the notation prints it (LaTeX)
    quantity: str  # one of QUANTITIES
    layer: int | None
    to: int | None
    source: int | None  # "from" in JSON
    iteration: int | None  # history only: the error after this many iterations
    value: float
    step: Step | None  # the step that defines it; None for history points
    aliases: tuple[str, ...] = ()  # other labels that name the same quantity (dE_o1/dnet_o1 for delta_o1)
    role: str | None = None  # what the step computes (a key of steps.ROLES); None for given values and history

    def as_json(self) -> dict:
        return {"label": self.label, "quantity": self.quantity, "layer": self.layer, "to": self.to,
                "from": self.source, "iteration": self.iteration, "value": self.value}


def catalogue(solution: Solution, precision: int = 9, given: bool = False) -> list[Record]:
    """The records in document order: forward pass, errors, backward pass, updates, history; with
    ``given``, first the values the spec gives (a student copying one wrongly makes a real mistake).
    Each step says what it is (its role) and where it sits; a step that restates a quantity listed
    already (a δ in closed form) is not listed again."""
    printer = SolutionPrinter(Labels.for_spec(solution.spec), precision)
    records = [Record(printer.doprint(s), GIVEN, None, None, None, None, v, None)
               for s, v in solution.network.given_values().items()] if given else []
    for step in solution.derivation.steps():
        quantity = ROLES[step.role]
        if quantity is not None:
            aliases = tuple(printer.doprint(a) for a in step.aliases)
            records.append(Record(printer.doprint(step.lhs), quantity, *step.place, None, step.value, step, aliases,
                                  step.role))
    error_label = printer.doprint(solution.network.error(None))
    history = solution.training.history
    for iteration in shown_iterations(len(history) - 1):
        records.append(Record(history_label(error_label, iteration), "history", None, None, None,
                              iteration, history[iteration], None))
    return records


def history_label(error_label: str, iteration: int) -> str:
    return f"{error_label} \\text{{ after }} {iteration}"
