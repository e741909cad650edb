"""Every quantity a worked solution names, with its value: what ``symbackprop labels`` lists and
what ``symbackprop check`` grades against.

Each record comes from one derivation step (or a point of the error history), so its label is
printed exactly as the document prints it, and its step says how to recompute it from upstream
values (replay.py carries a student's own numbers forward through those steps). Sheets also print
what the document leaves implicit: a parameter's change Δθ (a step made here, −η·∂E/∂θ, which the
update then also reads as θ + Δθ), and the outputs after the first update and after training
(records without a step, computed by the independent numeric engine; replay.py recomputes the first
from the student's own updated parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..engine.steps import ROLES, Step
from ..model.notation import Labels
from ..model.quantities import symbol
from ..present.printing import SolutionPrinter
from ..solution import Solution
from ..engine.training import shown_iterations

QUANTITIES = ("net", "out", "error", "grad_out", "jacobian", "delta", "factor", "gradient", "change", "updated",
              "out_updated", "out_final", "history")
GIVEN = "given"  # inputs, targets, initial parameters, learning rate: known to check, not listed by labels
#: Quantities a sheet may give but need not: "not answered" does not list them.
OPTIONAL = (GIVEN, "change", "out_updated", "out_final", "history")


@dataclass(frozen=True)
class Record:
    label: str  # as the notation prints it (LaTeX)
    quantity: str  # one of QUANTITIES
    layer: int | None
    to: int | None
    source: int | None  # "from" in JSON
    iteration: int | None  # history, out_updated, out_final: the value after this many iterations
    value: float
    step: Step | None  # the step that defines it; None for history points
    aliases: tuple[str, ...] = ()  # other labels that name the same quantity (dE_o1/dnet_o1 for delta_o1)
    role: str | None = None  # what the step computes (a key of steps.ROLES); None for given values and history
    sample: int | None = None  # out_updated and out_final: the sample the output is for

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
    changes = {id(p.update): _change(solution, p) for layer in solution.derivation.backward
               for p in layer.parameters if p.update is not None}
    for step in solution.derivation.steps():
        quantity = ROLES[step.role]
        if id(step) in changes:
            change = changes[id(step)]
            records.append(Record(printer.doprint(change.lhs), "change", *change.place, None, change.value, change,
                                  (), "change"))
            step = replace(step, equivalents=(*step.equivalents, sp.Add(step.forms[-1].args[0], change.lhs)))
        if quantity is not None:
            aliases = tuple(printer.doprint(a) for a in step.aliases)
            records.append(Record(printer.doprint(step.lhs), quantity, *step.place, None, step.value, step, aliases,
                                  step.role))
    records += _outputs_after_training(solution, printer)
    error_label = printer.doprint(solution.network.error(None))
    history = solution.training.history
    for iteration in shown_iterations(len(history) - 1):
        records.append(Record(history_label(error_label, iteration), "history", None, None, None,
                              iteration, history[iteration], None))
    return records


def _change(solution: Solution, p) -> Step:
    """Δθ = −η·∂E/∂θ, the step textbooks print before θ⁺ = θ + Δθ."""
    network = solution.network
    form = sp.Mul(-1, network.rate, p.gradient.lhs, evaluate=False)
    return Step("change", p.parameter.change_symbol, (form,), None, -solution.spec.learning_rate * p.gradient.value,
                p.update.place)


def _outputs_after_training(solution: Solution, printer: SolutionPrinter) -> list[Record]:
    """Each sample's outputs after the first update (``{out}^{+}``, also "out after 1") and, after
    more iterations, after all of them ("out after N"), from the parameters training found."""
    network, training, iterations = solution.network, solution.training, solution.spec.iterations
    moments = [("out_updated", 1, training.updated)] + ([("out_final", iterations, training.final)]
                                                        if iterations > 1 else [])
    records = []
    for quantity, iteration, parameters in moments:
        for s, outputs in enumerate(solution.outputs(parameters), start=1):
            for j, value in enumerate(outputs, start=1):
                out = network.out(network.depth, j, s)
                after = history_label(printer.doprint(out), iteration)
                label, aliases = ((printer.doprint(symbol(out.quantity.as_updated())), (after,))
                                  if quantity == "out_updated" else (after, ()))
                records.append(Record(label, quantity, network.depth, j, None, iteration, value, None, aliases,
                                      None, s))
    return records


def history_label(error_label: str, iteration: int) -> str:
    return f"{error_label} \\text{{ after }} {iteration}"
