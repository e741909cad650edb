"""Rule tables: every activation and loss as one row, its definition next to its derivative.

Each row carries two faces of the same rule: SymPy forms (the definition, and the derivative written
the way the seeds write it, e.g. ``out(1 - out)``) for the worked solution, and plain-float functions
for the numeric engine. The tests check the two faces against each other and against ``sympy.diff``
of the definition, so a row cannot drift. Called under ``evaluate(False)`` (as derive.py does), the
SymPy forms stay as written, ``2 * 1/2 * (t - o)^(2 - 1) * (-1)``; called plainly, they simplify.

An activation's derivative is its Jacobian, ∂out_k/∂net_j. An element-wise rule is written per
neuron (:class:`Scalar`) and its Jacobian is the diagonal; softmax is written per layer, and its
Jacobian is full. The engine asks every row the same layer-wise questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

from .quantities import generic


def math_of(x):
    """The functions for x's kind of number: ``math`` for floats, ``mpmath`` for its mpf (the numeric
    engine and the training loop run in either; the formulas below are written once for both)."""
    return mpmath if isinstance(x, mpmath.mpf) else math


@dataclass(frozen=True)
class RuleParameter:
    """A constant an activation takes from the spec, such as leaky_relu's alpha."""

    name: str
    default: float


class SoftmaxShare(sp.Function):
    """out_k = e^{net_k} / Σ_m e^{net_m}, kept as one node: printed as that fraction, evaluated
    stably (shifted by the largest net input) by every arithmetic of engine/evaluate.py.

    Arguments: net_k, then every net input of the layer.
    """


@dataclass(frozen=True)
class Scalar:
    """An element-wise rule, per neuron."""

    formula: Callable  # (net, alpha) -> out, as a SymPy expression
    slope: Callable  # (net, out, alpha) -> d out / d net, in the textbook form
    value: Callable[[float, float], float]  # (net, alpha) -> out
    derivative: Callable[[float, float, float], float]  # (net, out, alpha) -> d out / d net
    # Bits lost per unit of |net| when the slope is computed from out (1 - out = e^{-|net|} for a
    # sigmoid, 1 - out^2 about 4 e^{-2|net|} for tanh): derive.py works with that many more bits.
    saturation_bits: float = 0.0
    # (net, out, alpha) -> the slope as §2 states it, where the textbook form would mislead: tanh's
    # 1 − a² reads as layer 2's a in a notation whose superscripts are layers; None: ``slope``
    stated_slope: Callable | None = None


@dataclass(frozen=True)
class Activation:
    formula: Callable  # (nets, k, alpha) -> out_k as the document writes it (k counts from 0)
    definition: Callable  # (nets, k, alpha) -> out_k in plain SymPy functions, for sympy.diff
    jacobian: Callable  # (nets, outs, k, j, alpha) -> d out_k / d net_j as written; None where always 0
    forward: Callable  # (nets, alpha) -> outs, floats
    backward: Callable  # (nets, outs, grads, alpha) -> deltas: the Jacobian's transpose times grads
    shown: Callable  # (alpha) -> ((lhs, form), (lhs, form)): the rule and its derivative, generically
    extra_bits: Callable  # (nets as floats) -> bits the derivation needs beyond a float's
    elementwise: bool = True  # the Jacobian is diagonal
    scalar: Scalar | None = None  # the per-neuron rule of an element-wise activation
    parameter: RuleParameter | None = None
    output_only: bool = False  # a layer-wise rule defined for the output layer only
    probabilities: bool = False  # every output lies strictly between 0 and 1
    # Moving every net input by the same amount leaves every output as it was, so the gradient of a
    # bias the layer's neurons share is exactly 0, whatever the loss
    shift_invariant: bool = False


def elementwise(scalar: Scalar, parameter: RuleParameter | None = None, probabilities: bool = False) -> Activation:
    """The layer-wise faces of a per-neuron rule: a diagonal Jacobian."""
    def shown(alpha):
        net, out = generic("net"), generic("out")
        slope = scalar.stated_slope or scalar.slope
        return (out, scalar.formula(net, alpha)), (sp.Derivative(out, net, evaluate=False), slope(net, out, alpha))

    return Activation(
        formula=lambda nets, k, alpha: scalar.formula(nets[k], alpha),
        definition=lambda nets, k, alpha: scalar.formula(nets[k], alpha),
        jacobian=lambda nets, outs, k, j, alpha: scalar.slope(nets[k], outs[k], alpha) if k == j else None,
        forward=lambda nets, alpha: [scalar.value(z, alpha) for z in nets],
        backward=lambda nets, outs, grads, alpha: [g * scalar.derivative(z, o, alpha)
                                                   for z, o, g in zip(nets, outs, grads)],
        shown=shown,
        extra_bits=lambda nets: scalar.saturation_bits * max(map(abs, nets), default=0.0),
        scalar=scalar, parameter=parameter, probabilities=probabilities,
    )


def _sigmoid(z: float, _alpha=None) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math_of(z).exp(-z))
    e = math_of(z).exp(z)  # the mirrored form cannot overflow for very negative z
    return e / (1.0 + e)


def softmax_values(nets: list[float]) -> list[float]:
    """Shifted by the largest net input, so that no exponential overflows."""
    top, m = max(nets), math_of(nets[0])
    exps = [m.exp(z - top) for z in nets]
    total = m.fsum(exps)
    return [e / total for e in exps]


def _softmax_backward(nets, outs, grads, _alpha) -> list[float]:
    """δ_j = Σ_k g_k out_k (δ_kj − out_j) = out_j (g_j − Σ_k g_k out_k)."""
    weighted = math_of(outs[0]).fsum(g * o for g, o in zip(grads, outs))
    return [o * (g - weighted) for o, g in zip(outs, grads)]


def _softmax_jacobian(nets, outs, k, j, _alpha):
    """out_k(1 − out_j) on the diagonal, −out_k·out_j off it: out_k(δ_kj − out_j) as textbooks split it."""
    if k == j:
        return sp.Mul(outs[k], sp.Add(1, sp.Mul(-1, outs[j])))
    return sp.Mul(-1, outs[k], outs[j])


def _softmax_shown(_alpha):
    k, j, m, n = sp.symbols("k j m n", integer=True)
    net_k, net_m, out_k, out_j = generic("net", "k"), generic("net", "m"), generic("out", "k"), generic("out", "j")
    return ((out_k, sp.Mul(sp.exp(net_k), sp.Pow(sp.Sum(sp.exp(net_m), (m, 1, n)), -1))),
            (sp.Derivative(out_k, generic("net", "j"), evaluate=False),
             sp.Mul(out_k, sp.Add(sp.KroneckerDelta(k, j, evaluate=False), sp.Mul(-1, out_j)))))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": elementwise(Scalar(
        formula=lambda z, _a: 1 / (1 + sp.exp(-z)),
        slope=lambda z, a, _a: a * (1 - a),
        value=_sigmoid,
        derivative=lambda z, a, _a: a * (1.0 - a),
        saturation_bits=1 / math.log(2),
    ), probabilities=True),
    "tanh": elementwise(Scalar(
        formula=lambda z, _a: sp.tanh(z),
        slope=lambda z, a, _a: 1 - a**2,
        value=lambda z, _a: math_of(z).tanh(z),
        derivative=lambda z, a, _a: 1.0 - a * a,
        saturation_bits=2 / math.log(2),
        stated_slope=lambda z, a, _a: 1 - sp.tanh(z) ** 2,
    )),
    # relu'(0) = 0 by convention (DESIGN.md section 2): the "otherwise" branch includes 0.
    "relu": elementwise(Scalar(
        formula=lambda z, _a: sp.Piecewise((z, z > 0), (0, True)),
        slope=lambda z, a, _a: sp.Piecewise((1, z > 0), (0, True)),
        value=lambda z, _a: z if z > 0 else 0.0,
        derivative=lambda z, a, _a: 1.0 if z > 0 else 0.0,
    )),
    "leaky_relu": elementwise(Scalar(
        formula=lambda z, alpha: sp.Piecewise((z, z > 0), (alpha * z, True)),
        slope=lambda z, a, alpha: sp.Piecewise((1, z > 0), (alpha, True)),
        value=lambda z, alpha: z if z > 0 else alpha * z,
        derivative=lambda z, a, alpha: 1.0 if z > 0 else alpha,
    ), parameter=RuleParameter("alpha", 0.01)),
    "linear": elementwise(Scalar(
        formula=lambda z, _a: z,
        slope=lambda z, a, _a: sp.Integer(1),
        value=lambda z, _a: z,
        derivative=lambda z, a, _a: 1.0,
    )),
    "softmax": Activation(
        formula=lambda nets, k, _a: SoftmaxShare(nets[k], *nets),
        definition=lambda nets, k, _a: sp.exp(nets[k]) / sp.Add(*map(sp.exp, nets)),
        jacobian=_softmax_jacobian,
        forward=lambda nets, _a: softmax_values(nets),
        backward=_softmax_backward,
        shown=_softmax_shown,
        # 1 - out_k loses a bit per ln 2 of the gap between net_k and the others
        extra_bits=lambda nets: (max(nets) - min(nets)) / math.log(2) if nets else 0.0,
        elementwise=False, output_only=True, probabilities=True, shift_invariant=True,
    ),
}

#: Activations whose derivative jumps at net = 0, where finite differences cannot check a gradient.
KINKED = frozenset({"relu", "leaky_relu"})


@dataclass(frozen=True)
class Loss:
    """One output's share of a sample's error; ``n`` is the number of outputs."""

    term: Callable  # (t, o, n) -> the output's error term
    power_rule: Callable  # (t, o, n) -> d term / d o before simplifying, as the seeds write it
    slope: Callable  # (t, o, n) -> d term / d o simplified
    value: Callable[[float, float, int], float]
    derivative: Callable[[float, float, int], float]
    # A loss with logarithms of the outputs: targets lie in [0, 1] and outputs strictly inside (0, 1)
    logarithmic: bool = False
    distribution: bool = False  # the targets of a sample sum to 1 (categorical cross-entropy)
    undefined: Callable[[float], bool] = lambda o: False  # where an output makes the loss infinite


def _power_rule_base(t, o):
    """``(t - o)^{2-1}``: the exponent is left unsubtracted, as the seeds write it."""
    return sp.Pow(t - o, sp.Add(2, -1))


def _reciprocal(x):
    return sp.Pow(x, -1)


def _xlogy(t: float, o: float) -> float:
    """t ln o with 0 ln 0 = 0, as the loss's limit has it."""
    return 0.0 if t == 0 else t * math_of(o).log(o)


LOSSES: dict[str, Loss] = {
    "half_sse": Loss(
        term=lambda t, o, n: sp.Mul(sp.Rational(1, 2), (t - o) ** 2),
        power_rule=lambda t, o, n: sp.Mul(2, sp.Rational(1, 2), _power_rule_base(t, o), -1),
        slope=lambda t, o, n: -(t - o),
        value=lambda t, o, n: 0.5 * (t - o) ** 2,
        derivative=lambda t, o, n: -(t - o),
    ),
    "sse": Loss(
        term=lambda t, o, n: (t - o) ** 2,
        power_rule=lambda t, o, n: sp.Mul(2, _power_rule_base(t, o), -1),
        slope=lambda t, o, n: sp.Mul(-2, t - o),
        value=lambda t, o, n: (t - o) ** 2,
        derivative=lambda t, o, n: -2.0 * (t - o),
    ),
    "mse": Loss(
        term=lambda t, o, n: sp.Mul(sp.Rational(1, n), (t - o) ** 2),
        power_rule=lambda t, o, n: sp.Mul(sp.Rational(1, n), 2, _power_rule_base(t, o), -1),
        slope=lambda t, o, n: sp.Mul(-sp.Rational(2, n), t - o),
        value=lambda t, o, n: (t - o) ** 2 / n,
        derivative=lambda t, o, n: -2.0 * (t - o) / n,
    ),
    "cross_entropy": Loss(
        term=lambda t, o, n: sp.Mul(-1, t, sp.log(o)),
        power_rule=lambda t, o, n: sp.Mul(-1, t, _reciprocal(o)),
        slope=lambda t, o, n: sp.Mul(-1, t, _reciprocal(o)),
        value=lambda t, o, n: -_xlogy(t, o),
        derivative=lambda t, o, n: -t / o,
        logarithmic=True, distribution=True,
        undefined=lambda o: o <= 0.0,
    ),
    "binary_cross_entropy": Loss(
        term=lambda t, o, n: sp.Mul(-1, sp.Add(sp.Mul(t, sp.log(o)), sp.Mul(sp.Add(1, -t), sp.log(sp.Add(1, -o))))),
        power_rule=lambda t, o, n: sp.Mul(-1, sp.Add(sp.Mul(t, _reciprocal(o)),
                                                     sp.Mul(sp.Add(1, -t), _reciprocal(sp.Add(1, -o)), -1))),
        slope=lambda t, o, n: sp.Add(sp.Mul(-1, t, _reciprocal(o)), sp.Mul(sp.Add(1, -t), _reciprocal(sp.Add(1, -o)))),
        value=lambda t, o, n: -(_xlogy(t, o) + _xlogy(1.0 - t, 1.0 - o)),
        derivative=lambda t, o, n: -t / o + (1.0 - t) / (1.0 - o),
        logarithmic=True,
        undefined=lambda o: not 0.0 < o < 1.0,
    ),
}


@dataclass(frozen=True)
class Simplification:
    """A known closed form of an output neuron's δ for one activation and loss, with its reason."""

    forms: Callable  # (out_j, target_j, every target) -> the chain's sum multiplied out, ..., the closed form
    reason: str  # why it holds, in plain words (no markup) that follow "because" in a document


SIMPLIFICATIONS: dict[tuple[str, str], Simplification] = {
    ("softmax", "cross_entropy"): Simplification(
        forms=lambda o, t, targets: (sp.Add(sp.Mul(-1, t), sp.Mul(o, sp.Add(*targets))), sp.Add(o, sp.Mul(-1, t))),
        reason="the sum over the outputs multiplies out to the output times the sum of the targets, minus "
               "the target, and the targets sum to 1"),
    ("sigmoid", "binary_cross_entropy"): Simplification(
        forms=lambda o, t, targets: (sp.Add(sp.Mul(-1, t, sp.Add(1, sp.Mul(-1, o))), sp.Mul(sp.Add(1, sp.Mul(-1, t)), o)),
                                     sp.Add(o, sp.Mul(-1, t))),
        reason="the sigmoid's slope cancels both denominators of the loss's derivative"),
}

#: How a reduction combines per-sample errors: the factor in front of the sum over m samples.
REDUCTIONS: dict[str, Callable[[int], sp.Rational]] = {
    "mean": lambda m: sp.Rational(1, m),
    "sum": lambda m: sp.Integer(1),
}
