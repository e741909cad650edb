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
from decimal import Decimal
from functools import lru_cache
from typing import Callable

import sympy as sp

from .catalogue import Record, catalogue
from .grades import MIN_SIGNIFICANT, Written, half_up, to_decimal, written
from .replay import last_numbers, replays
from ..model.quantities import kind_of, symbol
from .sheet import Answer
from ..solution import Solution, solve

NO_KNOWN_CAUSE = "no known cause"


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    reproduced: float | None  # the recomputation that gives the student's number


def _kind(record) -> str:
    """What a record computes, in the terms the mistakes are about (steps.ROLES)."""
    return record.role or record.quantity


def _scaled(kinds: tuple[str, ...], factor) -> Callable:
    return lambda record, form: sp.Mul(factor, form, evaluate=False) if _kind(record) in kinds else form


def _slopes_to(value) -> Callable:
    def rewrite(record, form):
        if _kind(record) == "slope":
            return sp.Integer(value)
        return form.xreplace({d: sp.Integer(value) for d in form.atoms(sp.Derivative) if kind_of(d.expr) == "out"})
    return rewrite


def _net_for_out(record, form):
    """out_k replaced by net_k (the same neuron) in activation derivatives and net-input derivatives."""
    if _kind(record) not in ("slope", "local"):
        return form
    return form.xreplace({s: symbol(replace(s.quantity, kind="net")) for s in form.free_symbols if kind_of(s) == "out"})


def _update(sign: int, with_rate: bool) -> Callable:
    def rewrite(record, form):
        if _kind(record) != "update":
            return form
        theta = symbol(replace(record.step.lhs.quantity, updated=False))
        gradient, = form.atoms(sp.Derivative)
        rate = next(s for s in form.free_symbols if kind_of(s) == "rate")
        return theta + sign * (rate * gradient if with_rate else gradient)
    return rewrite


def _one_output(m: int) -> Callable:
    def rewrite(record, form):
        return form.args[m] if _kind(record) == "grad_out_hidden" and form.is_Add and m < len(form.args) else form
    return rewrite


def _own_output_only(record, form):
    """A softmax δ_j with only its own output's term, dE/d out_j · d out_j / d net_j: the Jacobian's
    off-diagonal entries left out, as if softmax were element-wise."""
    if _kind(record) != "delta" or not form.is_Add:
        return form
    own = [term for term in form.args for d in term.atoms(sp.Derivative)
           if kind_of(d.expr) == "out" and kind_of(d.variables[0]) == "net" and d.expr.quantity.to == record.to]
    return own[0] if len(own) == 1 else form


def _slope_on_closed_form(network) -> Callable:
    """δ = (out − t) · out(1 − out): the activation's slope applied on top of the closed form that
    already contains it (rules.SIMPLIFICATIONS)."""
    simplification, depth = network.simplification, network.depth

    def rewrite(record, form):
        if _kind(record) != "delta" or record.layer != depth or simplification is None:
            return form
        q = record.step.lhs.quantity
        out, target = network.out(depth, q.to, q.sample), network.target(q.to, q.sample)
        closed = simplification.forms(out, target, [])[-1]
        return sp.Mul(closed, out, sp.Add(1, sp.Mul(-1, out)))
    return rewrite


#: Rewrites of the worked solution, in the order they are tried; _rewrites() adds those that depend
#: on the network: its loss's, its closed forms', one per output.
REWRITES: list[tuple[str, Callable]] = [
    ("activation derivative left out", _slopes_to(1)),
    ("net input used where the output belongs", _net_for_out),
    ("update added instead of subtracted", _update(+1, with_rate=True)),
    ("learning rate left out", _update(-1, with_rate=False)),
]
SQUARED_LOSS_REWRITES: list[tuple[str, Callable]] = [
    ("sign flipped: (t - o) where -(t - o) belongs", _scaled(("grad_out_output",), -1)),
    ("the 1/2 of the squared error dropped", _scaled(("grad_out_output", "term"), 2)),
    ("the 2 of the squared error dropped", _scaled(("grad_out_output", "term"), sp.Rational(1, 2))),
]
LOG_SIGN = ("the logarithm's derivative with its sign flipped (+t/out where -t/out belongs)",
            _scaled(("grad_out_output",), -1))
OWN_OUTPUT_ONLY = ("the softmax Jacobian's off-diagonal terms left out (only d out_j / d net_j kept)",
                   _own_output_only)
SLOPE_ON_CLOSED_FORM = "the activation's slope applied on top of the closed form out - t, which already contains it"
ONE_OUTPUT = "a hidden neuron's error summed over one output only"
TOO_FEW_DIGITS = f"too few digits to check: write at least {MIN_SIGNIFICANT} significant digits or decimals"
# The work of one sheet's diagnoses is bounded: the distinct wrong numbers diagnosed, and the steps
# replayed for the rewrites (each replay costs a step per record; a 2-2-2 network has 64 records).
MAX_DIAGNOSED = 2000
MAX_REPLAYED_STEPS = 100_000
NOT_DIAGNOSED = f"not diagnosed: the sheet has more than {MAX_DIAGNOSED} different wrong numbers"
NOT_ALL_TRIED = "no known cause among those tried: the network is too large to replay every one"


def _rewrites(solution: Solution) -> list[tuple[str, Callable]]:
    """The rewrites this network's mistakes can take, then "summed over one output only" for each term
    m of a hidden neuron's error: as many as the widest layer has neurons (a sum has no more terms)."""
    network = solution.network
    by_loss = [LOG_SIGN] if network.loss.logarithmic else SQUARED_LOSS_REWRITES
    softmax = [OWN_OUTPUT_ONLY] if not network.activation(network.depth)[0].elementwise else []
    closed = [(SLOPE_ON_CLOSED_FORM, _slope_on_closed_form(network))] if network.simplification else []
    return (by_loss[:1] + REWRITES + by_loss[1:] + softmax + closed
            + [(ONE_OUTPUT, _one_output(m)) for m in range(max(solution.spec.widths))])


def diagnose_all(solution: Solution, records: list[Record], answers: list[Answer],
                 wrong: list[Answer]) -> dict[Answer, Diagnosis]:
    """Each wrong answer's diagnosis; the same number for the same quantity is diagnosed once, and
    at most MAX_DIAGNOSED numbers are."""
    diagnoser = _Diagnoser(solution, records, answers, [a.record for a in wrong])
    by_number: dict = {}
    for answer in wrong:
        key = (id(answer.record), answer.given)
        if key not in by_number:
            by_number[key] = diagnoser.diagnose(answer) if len(by_number) < MAX_DIAGNOSED else \
                Diagnosis(NOT_DIAGNOSED, None)
    return {answer: by_number[(id(answer.record), answer.given)] for answer in wrong}


class _Diagnoser:
    """The diagnoses of one sheet. Each rewrite is replayed once, over every record up to the last
    one diagnosed, when an answer first needs it: the replayed value at each record is what
    replay_until gives for it, so every wrong answer looks its value up."""

    def __init__(self, solution: Solution, records: list[Record], answers: list[Answer], targets: list[Record]):
        self.solution, self.numbers = solution, last_numbers(answers)
        position = {id(r): i for i, r in enumerate(records)}
        self.records = records[:max((position[id(r)] for r in targets), default=-1) + 1]
        self.rewrites = _rewrites(solution)
        self.plain: dict | None = None  # {id(record): value} without a rewrite
        self.steps = 0  # replayed for the rewrites so far
        self.replayed: dict = {}  # rewrite's index -> {id(record): value}
        self.orders: dict = {}  # id(record) -> the rewrites' indices in the order they are tried
        self.by_indices = {(r.quantity, r.layer, r.to, r.source): r.value for r in reversed(records)}

    def diagnose(self, wrong: Answer) -> Diagnosis:
        """The first cause in the catalogue whose recomputation gives the student's number; causes that
        change the wrong answer's own step are tried before those that act upstream of it."""
        number, target = written(wrong.given), wrong.record
        exact = to_decimal(target.value)
        if number.too_few_digits(exact):
            return Diagnosis(TOO_FEW_DIGITS, None)
        untried = False  # a rewrite beyond the budget is skipped; a later one may still reproduce the number
        for index in self._order(target):
            if not self._replay(index):
                untried = True
                continue
            value = self.replayed[index][id(target)]
            if number.matches(to_decimal(value)):
                return Diagnosis(self.rewrites[index][0], value)
        from_original = self.solution.spec.hidden_deltas == "original"
        updated = _variant_value(self.solution, target.label) if from_original else None
        if number.matches(to_decimal(updated)):
            return Diagnosis("hidden deltas computed from already-updated weights", updated)
        swapped = self._swapped_indices(target)
        if number.matches(to_decimal(swapped)):
            return Diagnosis("two weights' indices swapped", swapped)
        for slipped in (exact.scaleb(1), exact.scaleb(-1)) if exact is not None else ():
            if number.matches(slipped):
                return Diagnosis("decimal slip (a factor of 10)", float(slipped))
        if _transposed(number, exact):
            return Diagnosis("two adjacent digits transposed", target.value)
        return Diagnosis(NOT_ALL_TRIED if untried else NO_KNOWN_CAUSE, None)

    def _order(self, target: Record) -> list[int]:
        """The rewrites' indices: those that change the target's own step first."""
        if id(target) not in self.orders:
            form = target.step.forms[-1] if target.step is not None else None
            own = [i for i, (_, rewrite) in enumerate(self.rewrites)
                   if form is not None and rewrite(target, form) != form]
            self.orders[id(target)] = own + [i for i in range(len(self.rewrites)) if i not in own]
        return self.orders[id(target)]

    def _replay(self, index: int) -> bool:
        """Replay a rewrite unless done already; False if that is beyond the budget."""
        if index in self.replayed:
            return True
        if self.steps + len(self.records) > MAX_REPLAYED_STEPS:
            return False
        if self.plain is None:
            self.plain = {id(r): value for r, _, value in replays(self.solution, self.records, self.numbers)}
        self.replayed[index] = {id(r): value for r, _, value in replays(
            self.solution, self.records, self.numbers, self.rewrites[index][1], baseline=self.plain)}
        self.steps += len(self.records)
        return True

    def _swapped_indices(self, target: Record) -> float | None:
        """The same quantity for the weight with "to" and "from" exchanged (w_jk read as w_kj)."""
        if target.source is None or target.to == target.source:
            return None
        return self.by_indices.get((target.quantity, target.layer, target.source, target.to))


@lru_cache(maxsize=8)
def _variant(spec) -> dict:
    """The same spec with hidden deltas from already-updated weights: each label's value."""
    return {r.label: r.value for r in catalogue(solve(spec, hidden_deltas="updated"))}


def _variant_value(solution: Solution, label: str) -> float | None:
    return _variant(solution.spec).get(label)


def _transposed(given: Written, exact: Decimal | None) -> bool:
    """Is ``given`` the exact value, rounded to the digits written, with two neighbouring digits swapped?"""
    if exact is None or abs(exact.adjusted() - given.number.adjusted()) > 1:  # a swap keeps the size, give or take a 0
        return False
    rounded = f"{half_up(exact, given.places):f}"
    shown = f"{given.number:f}"
    if len(rounded) != len(shown) or rounded == shown:
        return False
    differ = [i for i, (a, b) in enumerate(zip(rounded, shown)) if a != b]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and rounded[differ[0]] == shown[differ[1]] and rounded[differ[1]] == shown[differ[0]])
