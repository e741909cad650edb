"""Why is an answer wrong? A catalogue of the usual mistakes, each a recomputation that may reproduce
the student's number.

Most mistakes are a rewrite of some steps' forms (a sign flipped, the activation derivative left
out, the update added): the worked solution is replayed with that rewrite and the student's own
earlier numbers, and the mistake is named if the replay gives the student's value. The rest compare
numbers directly (a decimal slip, two digits swapped, two weights' indices swapped) or against a
variant of the spec (hidden deltas from already-updated weights, as in Mazur's blog).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import sympy as sp

from .catalogue import Record, catalogue
from .grading import Replay, decimals, matches
from .quantities import quantity_of, symbol
from .sheet import Answer
from .solution import Solution, solve

NO_KNOWN_CAUSE = "no known cause"


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    reproduced: float | None  # the recomputation that gives the student's number


def _kind(step) -> str:
    """What a step computes, in the terms the mistakes are about."""
    lhs = step.lhs
    if lhs.is_Symbol:
        q = quantity_of(lhs)
        return {"term": "term", "weight": "update", "bias": "update"}.get(q.kind, q.kind)
    if isinstance(lhs, sp.Derivative):
        top, bottom = quantity_of(lhs.expr), quantity_of(lhs.variables[0])
        if top.kind == "error" and bottom.kind == "out":
            output = any(s.name.startswith("target|") for s in step.forms[-1].free_symbols)
            return "grad_out_output" if output else "grad_out_hidden"
        if top.kind == "out":
            return "slope"
        if top.kind == "net" and bottom.kind in ("weight", "bias"):
            return "local"
    return "other"


def _scaled(kinds: tuple[str, ...], factor) -> Callable:
    return lambda step, form: sp.Mul(factor, form, evaluate=False) if _kind(step) in kinds else form


def _slopes_to(value) -> Callable:
    def rewrite(step, form):
        if _kind(step) == "slope":
            return sp.Integer(value)
        return form.xreplace({d: sp.Integer(value) for d in form.atoms(sp.Derivative)
                              if quantity_of(d.expr).kind == "out"})
    return rewrite


def _net_for_out(step, form):
    """out_k replaced by net_k (the same neuron) in activation derivatives and net-input derivatives."""
    if _kind(step) not in ("slope", "local"):
        return form
    swap = {s: symbol(replace(quantity_of(s), kind="net")) for s in form.free_symbols if s.name.startswith("out|")}
    return form.xreplace(swap)


def _update(sign: int, with_rate: bool) -> Callable:
    def rewrite(step, form):
        if _kind(step) != "update":
            return form
        theta = symbol(replace(quantity_of(step.lhs), updated=False))
        gradient, = form.atoms(sp.Derivative)
        rate = next(s for s in form.free_symbols if s.name.startswith("rate|"))
        return theta + sign * (rate * gradient if with_rate else gradient)
    return rewrite


def _one_output(m: int) -> Callable:
    def rewrite(step, form):
        return form.args[m] if _kind(step) == "grad_out_hidden" and form.is_Add and m < len(form.args) else form
    return rewrite


#: Rewrites of the worked solution, in the order they are tried.
REWRITES: list[tuple[str, Callable]] = [
    ("sign flipped: (t - o) where -(t - o) belongs", _scaled(("grad_out_output",), -1)),
    ("activation derivative left out", _slopes_to(1)),
    ("net input used where the output belongs", _net_for_out),
    ("update added instead of subtracted", _update(+1, with_rate=True)),
    ("learning rate left out", _update(-1, with_rate=False)),
    ("the 1/2 of the squared error dropped", _scaled(("grad_out_output", "term"), 2)),
    ("the 2 of the squared error dropped", _scaled(("grad_out_output", "term"), sp.Rational(1, 2))),
    *[("a hidden neuron's error summed over one output only", _one_output(m)) for m in range(4)],
]


def diagnose(solution: Solution, records: list[Record], answers: list[Answer], wrong: Answer) -> Diagnosis:
    """The first cause in the catalogue whose recomputation gives the student's number."""
    given = wrong.given
    for cause, rewrite in REWRITES:
        value = _replayed(solution, records, answers, wrong.record, rewrite)
        if value is not None and matches(given, value):
            return Diagnosis(cause, value)
    updated = _variant_value(solution, wrong.record, hidden_deltas="updated")
    if updated is not None and solution.spec.hidden_deltas == "original" and matches(given, updated):
        return Diagnosis("hidden deltas computed from already-updated weights", updated)
    swapped = _swapped_indices(records, wrong.record)
    if swapped is not None and matches(given, swapped):
        return Diagnosis("two weights' indices swapped", swapped)
    exact = wrong.record.value
    for factor in (10, 0.1):
        if matches(given, exact * factor):
            return Diagnosis("decimal slip (a factor of 10)", exact * factor)
    if _transposed(given, exact):
        return Diagnosis("two adjacent digits transposed", exact)
    return Diagnosis(NO_KNOWN_CAUSE, None)


def _replayed(solution, records, answers, target: Record, rewrite) -> float | None:
    """The target's value when the steps are rewritten, with the student's earlier answers kept."""
    by_record = {a.record: a for a in answers if a.record is not None}
    replay = Replay(solution, rewrite)
    for record in records:
        value, _ = replay.step(record)
        if record is target:
            return value
        if record in by_record:
            replay.accept(record, float(by_record[record].given), tainted=False)
    return None


def _variant_value(solution: Solution, target: Record, **change) -> float | None:
    variant = solve(solution.spec, **change)
    return next((r.value for r in catalogue(variant) if r.label == target.label), None)


def _swapped_indices(records: list[Record], target: Record) -> float | None:
    """The same quantity for the weight with "to" and "from" exchanged (w_jk read as w_kj)."""
    if target.source is None or target.to == target.source:
        return None
    return next((r.value for r in records if (r.quantity, r.layer, r.to, r.source) ==
                 (target.quantity, target.layer, target.source, target.to)), None)


def _transposed(given: str, exact: float) -> bool:
    """Is ``given`` the exact value, rounded to the digits written, with two neighbouring digits swapped?"""
    expected = f"{exact:.{decimals(given)}f}"
    if len(expected) != len(given) or expected == given:
        return False
    differ = [i for i, (a, b) in enumerate(zip(expected, given)) if a != b]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and expected[differ[0]] == given[differ[1]] and expected[differ[1]] == given[differ[0]])
