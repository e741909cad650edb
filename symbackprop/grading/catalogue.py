"""Every quantity a worked solution names, with its value: what ``symbackprop labels`` lists and
what ``symbackprop check`` grades against.

Each record comes from one derivation step (or a point of the error history), so its label is
printed exactly as the document prints it, and its step says how to recompute it from upstream
values (grading.py carries a student's own numbers forward through those steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..engine.derive import Step
from ..model.notation import Labels
from ..present.printing import SolutionPrinter
from ..model.quantities import quantity_of
from ..solution import Solution
from ..engine.training import shown_iterations

QUANTITIES = ("net", "out", "error", "grad_out", "delta", "factor", "gradient", "updated", "history")
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
    role: str | None = None  # what the step computes (a key of ROLES); None for given values and history

    def as_json(self) -> dict:
        return {"label": self.label, "quantity": self.quantity, "layer": self.layer, "to": self.to,
                "from": self.source, "iteration": self.iteration, "value": self.value}


def catalogue(solution: Solution, precision: int = 9, given: bool = False) -> list[Record]:
    """The records in document order: forward pass, errors, backward pass, updates, history; with
    ``given``, first the values the spec gives (a student copying one wrongly makes a real mistake)."""
    printer = SolutionPrinter(Labels.for_spec(solution.spec), precision)
    derivation = solution.derivation
    records = [Record(printer.doprint(s), GIVEN, None, None, None, None, v, None)
               for s, v in solution.network.given_values().items()] if given else []
    gradient_lhs = {p.gradient.lhs for layer in derivation.backward for p in layer.parameters}
    for step in derivation.steps():
        role, layer, to, source = _classify(step.lhs, gradient_lhs, solution.network.depth)
        aliases = tuple(printer.doprint(a) for a in _aliases(solution, step.lhs))
        records.append(Record(printer.doprint(step.lhs), ROLES[role], layer, to, source, None, step.value, step,
                              aliases, role))
    error_label = printer.doprint(solution.network.error(None))
    history = solution.training.history
    for iteration in shown_iterations(len(history) - 1):
        records.append(Record(history_label(error_label, iteration), "history", None, None, None,
                              iteration, history[iteration], None))
    return records


def history_label(error_label: str, iteration: int) -> str:
    return f"{error_label} \\text{{ after }} {iteration}"


def _aliases(solution: Solution, lhs) -> list:
    """A delta is also dE/dnet; at an output, E may be that output's own term (Mazur's E_o1)."""
    network = solution.network
    if lhs.is_Symbol and quantity_of(lhs).kind == "delta":
        q = quantity_of(lhs)
        net = network.net(q.layer, q.to, q.sample)
        names = [sp.Derivative(network.error(q.sample), net, evaluate=False)]
        if q.layer == network.depth and network.outputs > 1:
            names.append(sp.Derivative(network.term(q.to, q.sample), net, evaluate=False))
        return names
    if isinstance(lhs, sp.Derivative) and quantity_of(lhs.expr).kind == "error":
        bottom = quantity_of(lhs.variables[0])
        if bottom.kind == "out" and bottom.layer == network.depth and network.outputs > 1:
            return [sp.Derivative(network.term(bottom.to, bottom.sample), lhs.variables[0], evaluate=False)]
    return []


#: A step's role (what it computes, as the diagnosis catalogue speaks of it) -> its JSON quantity.
ROLES = {
    "net": "net", "out": "out", "term": "error", "error": "error", "delta": "delta", "update": "updated",
    "gradient": "gradient", "chain": "factor", "grad_out_output": "grad_out", "grad_out_hidden": "grad_out",
    "local": "factor", "slope": "factor", "path": "factor", "contribution": "factor",
}
_SYMBOL_ROLES = {"net": "net", "out": "out", "term": "term", "error": "error", "delta": "delta",
                 "weight": "update", "bias": "update"}


def _classify(lhs, gradient_lhs: set, depth: int) -> tuple[str, int | None, int | None, int | None]:
    """(role, layer, to, from) of a step's left-hand side; layer, to and from as the JSON contract has them."""
    if lhs.is_Symbol:
        q = quantity_of(lhs)
        return _SYMBOL_ROLES[q.kind], depth if q.kind == "term" else q.layer, q.to, q.source
    if isinstance(lhs, sp.Derivative):
        (variable, _count), = lhs.variable_count
        top, bottom = quantity_of(lhs.expr), quantity_of(variable)
        if top.kind == "error" and bottom.kind in ("weight", "bias"):
            return "gradient" if lhs in gradient_lhs else "chain", bottom.layer, bottom.to, bottom.source
        if top.kind == "error" and bottom.kind == "out":
            role = "grad_out_output" if bottom.layer == depth else "grad_out_hidden"
            return role, bottom.layer, bottom.to, None
        if top.kind in ("net", "term") and bottom.kind in ("weight", "bias"):
            return "local", bottom.layer, bottom.to, bottom.source
        if top.kind == "out":  # d out_j / d net_j
            return "slope", top.layer, top.to, None
        role = "path" if top.kind == "net" else "contribution"  # d net_m / d out_j, dE_m / d out_j
        return role, top.layer or depth, top.to, bottom.to
    route = lhs.args[-1]  # a route dE/dnet_m * dnet_m/dout_j, named by its product
    return "contribution", quantity_of(route.expr).layer, quantity_of(route.expr).to, quantity_of(route.variables[0]).to
