"""Rule tables: every activation and loss as one row, its definition next to its derivative.

Each row carries two faces of the same rule: SymPy forms (the definition, and the derivative written
the way the seeds write it, e.g. ``out(1 - out)``) for the worked solution, and plain-float functions
for the numeric engine. The tests check the two faces against each other and against ``sympy.diff``
of the definition, so a row cannot drift. Called under ``evaluate(False)`` (as derive.py does), the
SymPy forms stay as written, ``2 * 1/2 * (t - o)^(2 - 1) * (-1)``; called plainly, they simplify.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import sympy as sp


@dataclass(frozen=True)
class RuleParameter:
    """A constant an activation takes from the spec, such as leaky_relu's alpha."""

    name: str
    default: float


@dataclass(frozen=True)
class Activation:
    formula: Callable  # (net, alpha) -> out, as a SymPy expression
    slope: Callable  # (net, out, alpha) -> d out / d net, in the textbook form
    value: Callable[[float, float], float]  # (net, alpha) -> out
    derivative: Callable[[float, float, float], float]  # (net, out, alpha) -> d out / d net
    parameter: RuleParameter | None = None
    # Bits lost per unit of |net| when the slope is computed from out (1 - out = e^{-|net|} for a
    # sigmoid, 1 - out^2 about 4 e^{-2|net|} for tanh): derive.py works with that many more bits.
    saturation_bits: float = 0.0


def _sigmoid(z: float, _alpha=None) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)  # the mirrored form cannot overflow for very negative z
    return e / (1.0 + e)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        formula=lambda z, _a: 1 / (1 + sp.exp(-z)),
        slope=lambda z, a, _a: a * (1 - a),
        value=_sigmoid,
        derivative=lambda z, a, _a: a * (1.0 - a),
        saturation_bits=1 / math.log(2),
    ),
    "tanh": Activation(
        formula=lambda z, _a: sp.tanh(z),
        slope=lambda z, a, _a: 1 - a**2,
        value=lambda z, _a: math.tanh(z),
        derivative=lambda z, a, _a: 1.0 - a * a,
        saturation_bits=2 / math.log(2),
    ),
    # relu'(0) = 0 by convention (DESIGN.md section 2): the "otherwise" branch includes 0.
    "relu": Activation(
        formula=lambda z, _a: sp.Piecewise((z, z > 0), (0, True)),
        slope=lambda z, a, _a: sp.Piecewise((1, z > 0), (0, True)),
        value=lambda z, _a: z if z > 0 else 0.0,
        derivative=lambda z, a, _a: 1.0 if z > 0 else 0.0,
    ),
    "leaky_relu": Activation(
        formula=lambda z, alpha: sp.Piecewise((z, z > 0), (alpha * z, True)),
        slope=lambda z, a, alpha: sp.Piecewise((1, z > 0), (alpha, True)),
        value=lambda z, alpha: z if z > 0 else alpha * z,
        derivative=lambda z, a, alpha: 1.0 if z > 0 else alpha,
        parameter=RuleParameter("alpha", 0.01),
    ),
    "linear": Activation(
        formula=lambda z, _a: z,
        slope=lambda z, a, _a: sp.Integer(1),
        value=lambda z, _a: z,
        derivative=lambda z, a, _a: 1.0,
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


def _power_rule_base(t, o):
    """``(t - o)^{2-1}``: the exponent is left unsubtracted, as the seeds write it."""
    return sp.Pow(t - o, sp.Add(2, -1))


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
}

#: How a reduction combines per-sample errors: the factor in front of the sum over m samples.
REDUCTIONS: dict[str, Callable[[int], sp.Rational]] = {
    "mean": lambda m: sp.Rational(1, m),
    "sum": lambda m: sp.Integer(1),
}
