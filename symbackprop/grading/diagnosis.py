"""Why is an answer wrong? A catalogue of the usual mistakes, each a recomputation that may reproduce
the student's number.

Most mistakes are a rewrite of some steps' forms (a sign flipped, the activation derivative left
out, the update added): the worked solution is replayed with that rewrite and the student's own
earlier numbers, and the mistake is named if the replay gives the student's value. The rest compare
numbers directly (a decimal slip, two digits swapped, two weights' indices swapped) or against a
variant of the spec (hidden deltas from already-updated weights, as in Mazur's blog).
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Callable

import sympy as sp

from .catalogue import Record
from .grades import ways_of
from .replay import Plan, path_forms, last_numbers
from .written import Written, to_decimal, written
from ..model.quantities import kind_of, symbol
from .naming import Answer
from ..solution import Solution

NO_KNOWN_CAUSE = "no known cause"
SIGN_FLIPPED = "sign flipped: (t - o) where -(t - o) belongs"
#: A cause as a sheet in another sign convention of δ (naming.CONVENTIONS) says it.
IN_CONVENTION = {("target-minus-output", SIGN_FLIPPED): "sign flipped: (o - t) where (t - o) belongs"}


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    reproduced: float | None  # the recomputation that gives the student's number
    other: Record | None = None  # ANOTHER_QUANTITY: the quantity whose value it is


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
    """θ⁺ = θ ± (η·)∂E/∂θ, and the change Δθ = ±(η·)∂E/∂θ; a path through the student's Δθ is kept."""
    def rewrite(record, form):
        derivatives = form.atoms(sp.Derivative)
        if _kind(record) not in ("update", "change") or len(derivatives) != 1:
            return form
        gradient, = derivatives
        rate = next(s for s in form.free_symbols if kind_of(s) == "rate")
        change = sign * (rate * gradient if with_rate else gradient)
        if _kind(record) == "change":
            return change
        return symbol(replace(record.step.lhs.quantity, updated=False)) + change
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


def _out_for_slope(record, form):
    """out written for the activation's derivative (out for out(1 - out))."""
    return record.step.lhs.expr if _kind(record) == "slope" else form


def _swapped_weights(roles: tuple[str, ...]) -> Callable:
    """Weights read with their indices exchanged (w_mj as w_jm) in the steps of ``roles``: a weight
    matrix used transposed."""
    def rewrite(record, form):
        if _kind(record) not in roles:
            return form
        return form.xreplace({s: symbol(replace(s.quantity, to=s.quantity.source, source=s.quantity.to))
                              for s in form.free_symbols if kind_of(s) == "weight" and s.quantity.source is not None})
    return rewrite


def _updated_path_weights(record, form):
    """A hidden path through the weights above as already updated (Mazur's blog computes so)."""
    if _kind(record) not in ("path", "contribution", "grad_out_hidden"):
        return form
    return form.xreplace({s: symbol(replace(s.quantity, updated=True))
                          for s in form.free_symbols if kind_of(s) == "weight"})


#: Rewrites of the worked solution, in the order they are tried; _rewrites() adds those that depend
#: on the network: its loss's, its closed forms', one per output.
REWRITES: list[tuple[str, Callable]] = [
    ("activation derivative left out", _slopes_to(1)),
    ("net input used where the output belongs", _net_for_out),
    ("update added instead of subtracted", _update(+1, with_rate=True)),
    ("learning rate left out", _update(-1, with_rate=False)),
    ("out used in place of the activation's derivative (out for out(1 - out))", _out_for_slope),
    ("two weights' indices swapped in a hidden path (w_jk used for w_kj)",
     _swapped_weights(("path", "contribution", "grad_out_hidden"))),
    ("two weights' indices swapped in the forward pass (w_jk used for w_kj)", _swapped_weights(("net",))),
]
#: The mistakes a student may make in one layer and not in another
LAYER_MISTAKES = ("activation derivative left out", "net input used where the output belongs",
                  "out used in place of the activation's derivative (out for out(1 - out))")
SQUARED_LOSS_REWRITES: list[tuple[str, Callable]] = [
    (SIGN_FLIPPED, _scaled(("grad_out_output",), -1)),
    ("the 1/2 of the squared error dropped", _scaled(("grad_out_output", "term", "error"), 2)),
    ("a 1/2 added to the squared error (or its 2 dropped)",
     _scaled(("grad_out_output", "term", "error"), sp.Rational(1, 2))),
]
LOG_SIGN = ("the logarithm's derivative with its sign flipped (+t/out where -t/out belongs)",
            _scaled(("grad_out_output",), -1))
OWN_OUTPUT_ONLY = ("the softmax Jacobian's off-diagonal terms left out (only d out_j / d net_j kept)",
                   _own_output_only)
SLOPE_ON_CLOSED_FORM = "the activation's slope applied on top of the closed form out - t, which already contains it"
ONE_OUTPUT = "a hidden neuron's error summed over one output only"
UPDATED_WEIGHTS = "hidden deltas computed from already-updated weights"
ANOTHER_QUANTITY = "the value of another quantity"
# The work of one sheet's diagnoses is bounded: the distinct wrong numbers diagnosed, and the steps
# replayed for the rewrites (each replay costs a step per record; a 2-2-2 network has 64 records).
MAX_DIAGNOSED = 2000
MAX_REPLAYED_STEPS = 100_000
NOT_DIAGNOSED = f"not diagnosed: the sheet has more than {MAX_DIAGNOSED} different wrong numbers"
NOT_ALL_TRIED = "no known cause among those tried: the network is too large to replay every one"
_FLOAT_EXPONENT = 300  # a number beyond a float's range is no other quantity's value
_HAND_DIGITS = 20  # a number longer than this was not copied by hand: no digit slip to look for


def _rewrites(solution: Solution) -> list[tuple[str, Callable]]:
    """The rewrites this network's mistakes can take; then the slope mistakes made in one hidden
    layer only (a student who gets the output layer right); then "summed over one output only" for
    each term m of a hidden neuron's error: as many as the widest layer has neurons."""
    network = solution.network
    by_loss = [LOG_SIGN] if network.loss.logarithmic else SQUARED_LOSS_REWRITES
    softmax = [OWN_OUTPUT_ONLY] if not network.activation(network.depth)[0].elementwise else []
    closed = [(SLOPE_ON_CLOSED_FORM, _slope_on_closed_form(network))] if network.simplification else []
    updated = [(UPDATED_WEIGHTS, _updated_path_weights)] if solution.spec.hidden_deltas == "original" else []
    one_layer = [(cause, _in_layer(rewrite, layer)) for layer in range(1, network.depth)
                 for cause, rewrite in REWRITES if cause in LAYER_MISTAKES]
    return (by_loss[:1] + REWRITES + by_loss[1:] + softmax + closed + updated + one_layer
            + [(ONE_OUTPUT, _one_output(m)) for m in range(max(solution.spec.widths))])


def _in_layer(rewrite: Callable, layer: int) -> Callable:
    return lambda record, form: rewrite(record, form) if record.layer == layer else form


def diagnose_all(plan: Plan, answers: list[Answer], wrong: list[Answer], convention: str = "gradient") -> dict:
    """Each wrong answer's diagnosis (Answer -> Diagnosis), its cause said in the sheet's sign
    convention of δ; the same number for the same quantity is diagnosed once, and at most
    MAX_DIAGNOSED numbers are."""
    diagnoser = _Diagnoser(plan, answers, [a.record for a in wrong])
    by_number: dict = {}
    for answer in wrong:
        key = (id(answer.record), answer.number)
        if key not in by_number:
            found = diagnoser.diagnose(answer) if len(by_number) < MAX_DIAGNOSED else Diagnosis(NOT_DIAGNOSED, None)
            by_number[key] = replace(found, cause=IN_CONVENTION.get((convention, found.cause), found.cause))
    return {answer: by_number[(id(answer.record), answer.number)] for answer in wrong}


class _Diagnoser:
    """The diagnoses of one sheet. Each rewrite is replayed once, in every way grading replays
    (exactly, and carried by hand as the sheet's digits show), over every record up to the last one
    diagnosed, when an answer first needs it; every wrong answer looks its values up."""

    def __init__(self, plan: Plan, answers: list[Answer], targets: list[Record]):
        self.plan, self.solution, self.numbers = plan, plan.solution, last_numbers(answers)
        self.ways = ways_of(answers)
        self.position = position = {id(r): i for i, r in enumerate(plan.records)}
        self.records = plan.records[:max((position[id(r)] for r in targets), default=-1) + 1]
        self._by_value: list | None = None  # (value, index) of every record, sorted; made when needed
        self.rewrites = _rewrites(plan.solution)
        self.plain = self._run(None)  # {id(record): [value of each way's paths]}
        self.steps = 0  # replayed for the rewrites so far
        self.replayed: dict = {}  # rewrite's index -> {id(record): the values that differ from plain}
        self.orders: dict = {}  # id(record) -> the rewrites' indices in the order they are tried
        self.by_place = {(r.quantity, r.layer, r.to, r.source): r for r in reversed(plan.records)}

    def diagnose(self, wrong: Answer) -> Diagnosis:
        """The first cause in the catalogue whose recomputation comes within one unit of the last
        digit written; causes that change the wrong answer's own step are tried before those that act
        upstream of it."""
        number, target = written(wrong.number), wrong.record
        if number.places < 1:  # within a unit of "3", "100" or "1e300" is almost anything
            return self._slipped(number, target) or Diagnosis(NO_KNOWN_CAUSE, None)
        untried = False  # a rewrite beyond the budget is skipped; a later one may still reproduce the number
        for index in self._order(target):
            if not self._replay(index):
                untried = True
                continue
            value = next((v for v in self.replayed[index][id(target)] if number.within_a_unit(to_decimal(v))), None)
            if value is not None:
                return Diagnosis(self.rewrites[index][0], value)
        for cause, value in self._compared(target):
            if number.within_a_unit(to_decimal(value)):
                return Diagnosis(cause, value)
        found = self._slipped(number, target) or self._other_quantity(number, target)
        return found or Diagnosis(NOT_ALL_TRIED if untried else NO_KNOWN_CAUSE, None)

    def _slipped(self, number: Written, target: Record) -> Diagnosis | None:
        """A slip of the pen against the exact value or the student's own: the decimal point moved,
        or two neighbouring digits exchanged."""
        own = [to_decimal(target.value), *(to_decimal(v) for v in self.plain[id(target)])]
        for slipped in (v.scaleb(e) for v in own if v is not None for e in (1, -1)):
            if number.matches(slipped):
                return Diagnosis("decimal slip (a factor of 10)", float(slipped))
        swapped = next((v for v in own if _transposed(number, v)), None)
        return Diagnosis("two adjacent digits transposed", float(swapped)) if swapped is not None else None

    def _other_quantity(self, number: Written, target: Record) -> Diagnosis | None:
        """The quantity nearest the target (in document order) whose value the number is, rounded or
        cut off: exactly, or as the student's own numbers give it for a quantity before the target
        (one after it may be made from the target's own number): a value copied into the wrong line,
        written under the wrong label, or a step computed for a neighbouring quantity."""
        if abs(number.number.adjusted()) > _FLOAT_EXPONENT:
            return None
        if self._by_value is None:
            values = [(r.value, i) for i, r in enumerate(self.plan.records)]
            values += [(v, self.position[key]) for key, found in self.plain.items() for v in found]
            self._by_value = sorted((v, i) for v, i in values if math.isfinite(v))
        here = self.position[id(target)]
        low, high = float(number.number - number.unit), float(number.number + number.unit)
        start = bisect.bisect_left(self._by_value, (low, -1))
        found = [(v, i) for v, i in itertools.takewhile(lambda item: item[0] <= high, self._by_value[start:])
                 if i != here and number.matches(to_decimal(v))
                 and (i < here or v == self.plan.records[i].value)]
        if not found:
            return None
        value, index = min(found, key=lambda item: abs(item[1] - here))
        return Diagnosis(ANOTHER_QUANTITY, value, self.plan.records[index])

    def _compared(self, target: Record):
        """Causes found by comparing with another quantity's value (exact, or as the student wrote
        it), not by a replay."""
        if target.source is not None and target.to != target.source:  # w_jk read as w_kj
            other = self.by_place.get((target.quantity, target.layer, target.source, target.to))
            if other is not None:
                own = self.numbers.get(id(other))
                for value in (other.value, None if own is None else float(own)):
                    yield "two weights' indices swapped", value

    def _order(self, target: Record) -> list[int]:
        """The rewrites' indices: those that change the target's own step first."""
        if id(target) not in self.orders:
            forms = path_forms(target.step) if target.step is not None else []
            own = [i for i, (_, rewrite) in enumerate(self.rewrites) if any(rewrite(target, f) != f for f in forms)]
            self.orders[id(target)] = own + [i for i in range(len(self.rewrites)) if i not in own]
        return self.orders[id(target)]

    def _replay(self, index: int) -> bool:
        """Replay a rewrite unless done already; False if that is beyond the budget."""
        if index in self.replayed:
            return True
        cost = len(self.records) * len(self.ways)
        if self.steps + cost > MAX_REPLAYED_STEPS:
            return False
        rewritten = self._run(self.rewrites[index][1])
        self.replayed[index] = {key: [v for v, p in zip(values, self.plain[key]) if v != p and not math.isnan(v)]
                                for key, values in rewritten.items()}
        self.steps += cost
        return True

    def _run(self, rewrite) -> dict:
        """Every record's path values in every way, the student's numbers carried forward."""
        found: dict = {id(r): [] for r in self.records}
        for way in self.ways:
            replay = way.replay(self.plan, rewrite)
            for record in self.records:
                found[id(record)] += [v if v is not None else math.nan for v, _, _ in replay.step(record)]
                if id(record) in self.numbers:
                    replay.accept(record, self.numbers[id(record)], None)
        return found


def _transposed(given: Written, exact: Decimal | None) -> bool:
    """Is ``given`` the value, rounded or cut off at the digits written, with two neighbouring digits swapped?"""
    if (exact is None or given.significant > _HAND_DIGITS
            or abs(exact.adjusted() - given.number.adjusted()) > 1):  # a swap keeps the size, give or take a 0
        return False
    shown = f"{given.number:f}"
    for rounding in (ROUND_HALF_UP, ROUND_DOWN):
        rounded = f"{exact.quantize(given.unit, rounding=rounding):f}"
        if len(rounded) != len(shown) or rounded == shown:
            continue
        differ = [i for i, (a, b) in enumerate(zip(rounded, shown)) if a != b]
        if (len(differ) == 2 and differ[1] == differ[0] + 1
                and rounded[differ[0]] == shown[differ[1]] and rounded[differ[1]] == shown[differ[0]]):
            return True
    return False
