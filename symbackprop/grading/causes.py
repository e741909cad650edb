"""The catalogue of causes diagnose.py tries: the usual mistakes, each a rewrite of some steps' forms
(a sign flipped, the activation derivative left out, the update added) that replay.py replays with
the student's own numbers, as grading replays the worked solution itself.

A rewrite is a function (record, form) -> form; it must leave a form it does not apply to as it
is (the very object), so that a path is recompiled only where the mistake changes it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import sympy as sp

from ..model.quantities import kind_of, symbol
from ..model.rules import SoftmaxShare
from ..solution import Solution

Cause = tuple[str, Callable]  # what the mistake is called, and the rewrite that makes it
SIGN_FLIPPED = "sign flipped: (t - o) where -(t - o) belongs"
#: A cause as a sheet in another sign convention of δ (naming.CONVENTIONS) says it.
IN_CONVENTION = {("target-minus-output", SIGN_FLIPPED): "sign flipped: (o - t) where (t - o) belongs"}


def _kind(record) -> str:
    """What a record computes, in the terms the mistakes are about (steps.ROLES)."""
    return record.role or record.quantity


def _scaled(kinds: tuple[str, ...], factor) -> Callable:
    """The steps of ``kinds`` times ``factor``; not a form made of quantities of those kinds (E as the
    sum of its terms), which the factor reaches through them."""
    def rewrite(record, form):
        if _kind(record) not in kinds or any(kind_of(s) in kinds for s in form.free_symbols):
            return form
        return sp.Mul(factor, form, evaluate=False)
    return rewrite


def _without_division_by_out(record, form):
    """-t for d(-t ln a)/da: the logarithm's derivative 1/a left out."""
    if _kind(record) != "grad_out_output":
        return form
    return form.xreplace({p: sp.Integer(1) for p in form.atoms(sp.Pow) if p.exp == -1 and kind_of(p.base) == "out"})


def _without_negative_class(record, form):
    """Binary cross-entropy as -t ln a: the (1 - t) ln(1 - a) term left out, (1 - t) read as 0."""
    if _kind(record) not in ("term", "error", "grad_out_output"):
        return form
    return form.xreplace({a: sp.Integer(0) for a in form.atoms(sp.Add)
                          if len(a.args) == 2 and 1 in a.args and any(kind_of(-x) == "target" for x in a.args)})


def _summed(samples: int) -> Callable:
    """A batch gradient as the sum over the samples, the 1/m of their mean left out."""
    def rewrite(record, form):
        return form.xreplace({sp.Rational(1, samples): sp.Integer(1)}) if _kind(record) == "gradient" else form
    return rewrite


def _denominator_without(m: int) -> Callable:
    """A softmax output whose denominator misses e^{net_m} (another neuron's)."""
    def rewrite(record, form):
        if _kind(record) != "out":
            return form
        shares = [s for s in form.atoms(SoftmaxShare) if m + 1 < len(s.args) and s.args[0] != s.args[m + 1]]
        return form.xreplace({s: SoftmaxShare(*s.args[:m + 1], *s.args[m + 2:]) for s in shares})
    return rewrite


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


def _lower_layer_weights(record, form):
    """A hidden path through the weight of the layer below with the same indices: in a chain,
    w_1 where w_2 belongs."""
    if _kind(record) not in ("path", "contribution", "grad_out_hidden"):
        return form
    return form.xreplace({s: symbol(replace(s.quantity, layer=s.quantity.layer - 1))
                          for s in form.free_symbols if kind_of(s) == "weight" and s.quantity.layer > 1})


def _updated_path_weights(record, form):
    """A hidden path through the weights above as already updated (Mazur's blog computes so)."""
    if _kind(record) not in ("path", "contribution", "grad_out_hidden"):
        return form
    return form.xreplace({s: symbol(replace(s.quantity, updated=True))
                          for s in form.free_symbols if kind_of(s) == "weight"})


#: Rewrites of the worked solution, in the order they are tried; _rewrites() adds those that depend
#: on the network: its loss's, its closed forms', one per output.
REWRITES: list[Cause] = [
    ("activation derivative left out", _slopes_to(1)),
    ("net input used where the output belongs", _net_for_out),
    ("update added instead of subtracted", _update(+1, with_rate=True)),
    ("learning rate left out", _update(-1, with_rate=False)),
    ("out used in place of the activation's derivative (out for out(1 - out))", _out_for_slope),
    ("two weights' indices swapped in a hidden path (w_jk used for w_kj)",
     _swapped_weights(("path", "contribution", "grad_out_hidden"))),
    ("two weights' indices swapped in the forward pass (w_jk used for w_kj)", _swapped_weights(("net",))),
    ("the layer below's weight used in a hidden path (w_1 for w_2 in a chain)", _lower_layer_weights),
]
#: The mistakes a student may make in one layer and not in another
LAYER_MISTAKES = ("activation derivative left out", "net input used where the output belongs",
                  "out used in place of the activation's derivative (out for out(1 - out))")
SQUARED_LOSS_REWRITES: list[Cause] = [
    (SIGN_FLIPPED, _scaled(("grad_out_output",), -1)),
    ("the 1/2 of the squared error dropped", _scaled(("grad_out_output", "term", "error"), 2)),
    ("a 1/2 added to the squared error (or its 2 dropped)",
     _scaled(("grad_out_output", "term", "error"), sp.Rational(1, 2))),
]
LOG_SIGN = ("the logarithm's derivative with its sign flipped (+t/out where -t/out belongs)",
            _scaled(("grad_out_output",), -1))
OWN_OUTPUT_ONLY = ("the softmax Jacobian's off-diagonal terms left out (only d out_j / d net_j kept)",
                   _own_output_only)
LOGARITHM_MISTAKES: list[Cause] = [
    ("-t where -t/a belongs (the logarithm's derivative 1/a left out)", _without_division_by_out),
    ("log base 10 used where the natural logarithm belongs", _scaled(("term", "error", "grad_out_output"),
                                                                     1 / sp.log(10))),
]
WITHOUT_NEGATIVE_CLASS = ("binary cross-entropy without its (1 - t) ln(1 - a) term", _without_negative_class)
SUMMED = "a batch gradient summed over the samples where their mean belongs"
DENOMINATOR = "a softmax denominator missing one of its terms"
SLOPE_ON_CLOSED_FORM = "the activation's slope applied on top of the closed form out - t, which already contains it"
ONE_OUTPUT = "a hidden neuron's error summed over one output only"
UPDATED_WEIGHTS = "hidden deltas computed from already-updated weights"


def rewrites(solution: Solution) -> list[Cause]:
    """The rewrites this network's mistakes can take; then the slope mistakes made in one hidden
    layer only (a student who gets the output layer right); then "summed over one output only" for
    each term m of a hidden neuron's error: as many as the widest layer has neurons."""
    network, spec = solution.network, solution.spec
    by_loss = [LOG_SIGN, *LOGARITHM_MISTAKES] if network.loss.logarithmic else list(SQUARED_LOSS_REWRITES)
    by_loss += [WITHOUT_NEGATIVE_CLASS] if spec.loss == "binary_cross_entropy" else []
    by_loss += [(SUMMED, _summed(len(spec.samples)))] if spec.reduction == "mean" and len(spec.samples) > 1 else []
    softmax = [] if network.activation(network.depth)[0].elementwise else [OWN_OUTPUT_ONLY] + [
        (DENOMINATOR, _denominator_without(m)) for m in range(spec.widths[-1])]
    closed = [(SLOPE_ON_CLOSED_FORM, _slope_on_closed_form(network))] if network.simplification else []
    updated = [(UPDATED_WEIGHTS, _updated_path_weights)] if solution.spec.hidden_deltas == "original" else []
    one_layer = [(cause, _in_layer(rewrite, layer)) for layer in range(1, network.depth)
                 for cause, rewrite in REWRITES if cause in LAYER_MISTAKES]
    return (by_loss[:1] + REWRITES + by_loss[1:] + softmax + closed + updated + one_layer
            + [(ONE_OUTPUT, _one_output(m)) for m in range(max(solution.spec.widths))])


def _in_layer(rewrite: Callable, layer: int) -> Callable:
    return lambda record, form: rewrite(record, form) if record.layer == layer else form

