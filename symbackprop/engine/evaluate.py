"""The one evaluator of recorded forms, with three arithmetics: IEEE floats, precise, and error bounds.

A worked solution's forms are SymPy expressions built as written (``evaluate(False)``). Evaluating
one walks its tree with an :class:`Arithmetic`, a table of what each node type means:

* ``FLOATS`` gives the value in plain floats, in the order written. SymPy's own ``evalf`` is no
  substitute: it returns 1e-125 for 0.5 - 0.5, which would put a ReLU on the wrong side of its kink.
* ``PRECISE`` gives (float, mpf): the float value as written, which decides the piece of a ReLU
  (as the numeric engine and the compiled training loop decide it), and the value in mpmath at the
  working precision, which is what a worked solution records. Floats lose what a textbook form
  throws away: out(1 - out) of a saturated sigmoid (out = 1 - 1e-13) keeps three digits, and is 0
  for out = 1 - 1e-20; with enough bits (``saturation_bits`` in rules.py) it is exact to the last
  printed digit.
* ``BOUNDS`` gives (value, scale): the value, and the size of the terms it was made from, propagated
  to first order (a sum adds its terms' scales, a product multiplies them, f(x) adds |f'(x)| times
  x's scale). Any float computation of the value is then off by at most a few units of roundoff
  times the scale, so verify.py scales every tolerance by it: a net input that is a small difference
  of large terms gets a wide tolerance, a value of 1e-12 made of terms of 1e-12 a tight one.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

_RELATIONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Arithmetic:
    number: Callable  # float -> element
    value: Callable  # element -> float (what a Piecewise condition compares)
    operations: dict  # SymPy node type -> function of the evaluated arguments


def _float_call(function: Callable) -> Callable:
    def call(*args):
        try:
            return float(function(*args))
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return call


FLOATS = Arithmetic(
    number=float,
    value=float,
    operations={
        sp.Add: _float_call(lambda *terms: sum(terms)),
        sp.Mul: _float_call(lambda *factors: math.prod(factors)),
        sp.Pow: _float_call(lambda base, exponent: base ** exponent),
        sp.exp: _float_call(math.exp),
        sp.tanh: _float_call(math.tanh),
    },
)


def _precise_pow(base, exponent):
    try:
        precise = base[1] ** exponent[1]
    except ZeroDivisionError:
        precise = mpmath.inf
    return FLOATS.operations[sp.Pow](base[0], exponent[0]), precise


PRECISE = Arithmetic(
    number=lambda v: (v, mpmath.mpf(v)),
    value=lambda pair: pair[0],
    operations={
        sp.Add: lambda *terms: (FLOATS.operations[sp.Add](*(t[0] for t in terms)), mpmath.fsum(t[1] for t in terms)),
        sp.Mul: lambda *factors: (FLOATS.operations[sp.Mul](*(f[0] for f in factors)),
                                  mpmath.fprod(f[1] for f in factors)),
        sp.Pow: _precise_pow,
        sp.exp: lambda x: (FLOATS.operations[sp.exp](x[0]), mpmath.exp(x[1])),
        sp.tanh: lambda x: (math.tanh(x[0]), mpmath.tanh(x[1])),
    },
)


def _product(values) -> float:
    """A product in which 0 wins over an infinite factor (a saturated unit passes nothing on)."""
    values = list(values)
    return 0.0 if 0 in values else math.prod(values)


def _times(slope: float, scale: float) -> float:
    """slope * scale, where a zero slope (a saturated unit) passes on nothing, even from an infinite scale."""
    return slope * scale if slope else 0.0


def _bound_pow(base, exponent):
    (b, scale), (p, _) = base, exponent
    value = FLOATS.operations[sp.Pow](b, p)
    if p == 0:
        return value, abs(value)
    slope = abs(p) * abs(FLOATS.operations[sp.Pow](b, p - 1)) if b or p >= 1 else math.inf
    return value, abs(value) + _times(slope, scale)


def _bound_exp(x):
    value = FLOATS.operations[sp.exp](x[0])
    return value, value + _times(value, x[1])


def _bound_tanh(x):
    value = math.tanh(x[0])
    return value, abs(value) + _times(1 - value * value, x[1])


BOUNDS = Arithmetic(
    number=lambda v: (v, abs(v)),
    value=lambda pair: pair[0],
    operations={
        sp.Add: lambda *terms: (FLOATS.operations[sp.Add](*(t[0] for t in terms)), sum(t[1] for t in terms)),
        sp.Mul: lambda *factors: (FLOATS.operations[sp.Mul](*(f[0] for f in factors)),
                                  len(factors) * _product(f[1] for f in factors)),
        sp.Pow: _bound_pow,
        sp.exp: _bound_exp,
        sp.tanh: _bound_tanh,
    },
)


def evaluate_form(expr, arithmetic: Arithmetic = FLOATS, known: dict | None = None):
    """``expr`` in ``arithmetic``; ``known`` gives the elements of its symbols and derivative keys."""
    if known and expr in known:
        return known[expr]
    if expr.is_Number:
        return arithmetic.number(float(expr))
    if isinstance(expr, sp.Piecewise):
        return evaluate_form(chosen_piece(expr, lambda e: arithmetic.value(evaluate_form(e, arithmetic, known))),
                        arithmetic, known)
    operation = arithmetic.operations.get(expr.func)
    if operation is None:
        return arithmetic.number(float(expr))
    return operation(*(evaluate_form(arg, arithmetic, known) for arg in expr.args))


def chosen_piece(piecewise: sp.Piecewise, value_of: Callable = float):
    """The piece whose condition holds first, conditions compared in floats."""
    return piecewise.args[piece_index(piecewise, value_of)].expr


def piece_index(piecewise: sp.Piecewise, value_of: Callable = float) -> int:
    for index, (_, condition) in enumerate(piecewise.args):
        if condition == True or _RELATIONS[condition.rel_op](value_of(condition.lhs),  # noqa: E712
                                                            value_of(condition.rhs)):
            return index
    raise ValueError("no piece of a Piecewise holds")  # every rule's last piece is "otherwise"


def on_boundary(piecewise: sp.Piecewise, value_of: Callable = float) -> bool:
    """Do the numbers sit exactly where two pieces meet (a ReLU's net input of exactly 0)?"""
    return any(condition != True and value_of(condition.lhs) == value_of(condition.rhs)  # noqa: E712
               for _, condition in piecewise.args)
