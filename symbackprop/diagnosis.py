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
from functools import lru_cache
from typing import Callable

import sympy as sp

from .catalogue import Record, catalogue
from .grading import MIN_SIGNIFICANT, decimals, matches, replay_until, too_few_digits
from .quantities import quantity_of, symbol
from .sheet import Answer
from .solution import Solution, solve
from .spec import LIMITS

NO_KNOWN_CAUSE = "no known cause"


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    reproduced: float | None  # the recomputation that gives the student's number


def _kind(record) -> str:
    """What a record computes, in the terms the mistakes are about (catalogue.ROLES)."""
    return record.role or record.quantity


def _scaled(kinds: tuple[str, ...], factor) -> Callable:
    return lambda record, form: sp.Mul(factor, form, evaluate=False) if _kind(record) in kinds else form


def _slopes_to(value) -> Callable:
    def rewrite(record, form):
        if _kind(record) == "slope":
            return sp.Integer(value)
        return form.xreplace({d: sp.Integer(value) for d in form.atoms(sp.Derivative)
                              if quantity_of(d.expr).kind == "out"})
    return rewrite


def _net_for_out(record, form):
    """out_k replaced by net_k (the same neuron) in activation derivatives and net-input derivatives."""
    if _kind(record) not in ("slope", "local"):
        return form
    swap = {s: symbol(replace(quantity_of(s), kind="net")) for s in form.free_symbols if s.name.startswith("out|")}
    return form.xreplace(swap)


def _update(sign: int, with_rate: bool) -> Callable:
    def rewrite(record, form):
        if _kind(record) != "update":
            return form
        theta = symbol(replace(quantity_of(record.step.lhs), updated=False))
        gradient, = form.atoms(sp.Derivative)
        rate = next(s for s in form.free_symbols if s.name.startswith("rate|"))
        return theta + sign * (rate * gradient if with_rate else gradient)
    return rewrite


def _one_output(m: int) -> Callable:
    def rewrite(record, form):
        return form.args[m] if _kind(record) == "grad_out_hidden" and form.is_Add and m < len(form.args) else form
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
    *[("a hidden neuron's error summed over one output only", _one_output(m)) for m in range(LIMITS["neurons per layer"])],
]
TOO_FEW_DIGITS = f"too few digits to check: write at least {MIN_SIGNIFICANT} significant digits or decimals"


def diagnose(solution: Solution, records: list[Record], answers: list[Answer], wrong: Answer) -> Diagnosis:
    """The first cause in the catalogue whose recomputation gives the student's number; causes that
    change the wrong answer's own step are tried before those that act upstream of it."""
    given, target = wrong.given, wrong.record
    if too_few_digits(given, target.value):
        return Diagnosis(TOO_FEW_DIGITS, None)
    own = [r for r in REWRITES if target.step is not None and r[1](target, target.step.forms[-1]) != target.step.forms[-1]]
    for cause, rewrite in own + [r for r in REWRITES if r not in own]:
        _, value = replay_until(solution, records, answers, target, rewrite)
        if value is not None and matches(given, value):
            return Diagnosis(cause, value)
    updated = _variant_value(solution, target.label) if solution.spec.hidden_deltas == "original" else None
    if updated is not None and matches(given, updated):
        return Diagnosis("hidden deltas computed from already-updated weights", updated)
    swapped = _swapped_indices(records, target)
    if swapped is not None and matches(given, swapped):
        return Diagnosis("two weights' indices swapped", swapped)
    for factor in (10, 0.1):
        if matches(given, target.value * factor):
            return Diagnosis("decimal slip (a factor of 10)", target.value * factor)
    if _transposed(given, target.value):
        return Diagnosis("two adjacent digits transposed", target.value)
    return Diagnosis(NO_KNOWN_CAUSE, None)


@lru_cache(maxsize=8)
def _variant(spec) -> dict:
    """The same spec with hidden deltas from already-updated weights: each label's value."""
    return {r.label: r.value for r in catalogue(solve(spec, hidden_deltas="updated"))}


def _variant_value(solution: Solution, label: str) -> float | None:
    return _variant(solution.spec).get(label)


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
