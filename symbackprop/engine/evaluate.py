"""The one evaluator of recorded forms, with four arithmetics: IEEE floats, precise, error bounds, and code.

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
* ``CODE`` gives Python source that computes what ``FLOATS`` computes, calling the very functions
  of FLOATS' table: training.py compiles the worked solution into one function with it, so the
  loop runs the formulas the document shows, at float speed.

The grader's replays of a student's numbers use ``FLOATS`` too. Only the numeric engine
(oracle/numeric.py) computes on its own, because it is the oracle.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

from ..model.rules import SoftmaxShare, softmax_values

_RELATIONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Arithmetic:
    number: Callable  # float -> element
    value: Callable  # element -> float (what a Piecewise condition compares)
    operations: dict  # SymPy node type -> function of the evaluated arguments
    # (piecewise, evaluate) -> element; None: evaluate the piece whose condition holds
    piecewise: Callable | None = None


def _float_call(function: Callable) -> Callable:
    """A float function that saturates instead of raising: inf on overflow or a division by 0, NaN
    outside its domain (the log of a negative number a student's numbers may ask for)."""
    def call(*args):
        try:
            return float(function(*args))
        except (OverflowError, ZeroDivisionError):
            return math.inf
        except (ValueError, TypeError):
            return math.nan
    return call


def _log(x: float) -> float:
    return -math.inf if x == 0 else math.log(x)


def _softmax_share(k: float, *nets: float) -> float:
    """out_k from net_k and every net input of the layer, shifted by the largest (rules.softmax_values)."""
    return softmax_values(list(nets))[list(nets).index(k)] if not math.isnan(k) else math.nan


#: The float functions: FLOATS applies them, CODE calls them by these names.
FLOAT_FUNCTIONS = {
    sp.Pow: ("_pow", _float_call(lambda base, exponent: base ** exponent)),
    sp.exp: ("_exp", _float_call(math.exp)),
    sp.tanh: ("_tanh", _float_call(math.tanh)),
    sp.log: ("_log", _float_call(_log)),
    SoftmaxShare: ("_softmax", _float_call(_softmax_share)),
}

FLOATS = Arithmetic(
    number=float,
    value=float,
    operations={
        sp.Add: _float_call(lambda *terms: sum(terms)),
        sp.Mul: _float_call(lambda *factors: math.prod(factors)),
        **{node: function for node, (_, function) in FLOAT_FUNCTIONS.items()},
    },
)


def _float_of(node):
    return FLOAT_FUNCTIONS[node][1]


def _mp_pow(base, exponent):
    try:
        return base ** exponent
    except ZeroDivisionError:
        return mpmath.inf


def _mp_log(x):
    """The real logarithm: -inf at 0, NaN below it (mpmath would answer with a complex number)."""
    return mpmath.log(x) if x > 0 else (-mpmath.inf if x == 0 else mpmath.nan)


def _mp_softmax(k, *nets):
    top = max(nets)
    return mpmath.exp(k - top) / mpmath.fsum(mpmath.exp(n - top) for n in nets)


#: The same functions in mpmath, at the working precision: PRECISE's exact half, and what CODE's
#: source calls when the training loop runs precisely.
MP_FUNCTIONS = {sp.Pow: _mp_pow, sp.exp: mpmath.exp, sp.tanh: mpmath.tanh, sp.log: _mp_log,
                SoftmaxShare: _mp_softmax}


def _pair(node) -> Callable:
    """A function of (float, mpf) pairs: the float function on the first, mpmath's on the second."""
    as_written, exact = _float_of(node), MP_FUNCTIONS[node]
    return lambda *args: (as_written(*(a[0] for a in args)), exact(*(a[1] for a in args)))


PRECISE = Arithmetic(
    number=lambda v: (v, mpmath.mpf(v)),
    value=lambda pair: pair[0],
    operations={
        sp.Add: lambda *terms: (FLOATS.operations[sp.Add](*(t[0] for t in terms)), mpmath.fsum(t[1] for t in terms)),
        sp.Mul: lambda *factors: (FLOATS.operations[sp.Mul](*(f[0] for f in factors)),
                                  mpmath.fprod(f[1] for f in factors)),
        **{node: _pair(node) for node in MP_FUNCTIONS},
    },
)


def _product(values) -> float:
    """A product in which 0 wins over an infinite factor (a saturated unit passes nothing on)."""
    values = list(values)
    return 0.0 if 0 in values else math.prod(values)


def _times(slope: float, scale: float) -> float:
    """slope * scale, where a zero slope (a saturated unit) passes on nothing, even from an infinite scale."""
    return slope * scale if slope else 0.0


#: What one float operation can be off by, as a fraction of the size of its operands (with room to spare).
ROUNDING = 2.0 ** -48


def _bound_pow(base, exponent):
    (b, scale), (p, _) = base, exponent
    value = _float_of(sp.Pow)(b, p)
    if p == 0:
        return value, abs(value)
    # a base that cancelled to nothing in floats may still be a few roundings of its scale away from 0
    size = abs(b) + ROUNDING * scale if p >= 1 else abs(b)
    slope = abs(p) * abs(_float_of(sp.Pow)(size, p - 1)) if size or p >= 1 else math.inf
    return value, abs(value) + _times(slope, scale)


def _bound_exp(x):
    value = _float_of(sp.exp)(x[0])
    return value, value + _times(value, x[1])


def _bound_tanh(x):
    value = math.tanh(x[0])
    return value, abs(value) + _times(1 - value * value, x[1])


def _bound_log(x):
    value = _float_of(sp.log)(x[0])
    return value, abs(value) + _times(1 / abs(x[0]) if x[0] else math.inf, x[1])


def _bound_softmax(k, *nets):
    """|d out_k / d net_j| = out_k |δ_kj − out_j| <= out_k (δ_kj + out_j)."""
    outs = softmax_values([n[0] for n in nets])
    value = _float_of(SoftmaxShare)(k[0], *(n[0] for n in nets))
    spread = k[1] + sum(o * n[1] for o, n in zip(outs, nets))
    return value, value + _times(value, spread)


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
        sp.log: _bound_log,
        SoftmaxShare: _bound_softmax,
    },
)


def _code_call(name: str) -> Callable:
    return lambda *args: f"{name}({', '.join(args)})"


def _code_piecewise(piecewise: sp.Piecewise, evaluate: Callable) -> str:
    """Nested conditional expressions, conditions compared in floats as FLOATS compares them."""
    *guarded, (last, _) = piecewise.args
    text = f"({evaluate(last)})"
    for expr, condition in reversed(guarded):
        test = f"{evaluate(condition.lhs)} {condition.rel_op} {evaluate(condition.rhs)}"
        text = f"({evaluate(expr)} if {test} else {text})"
    return text


CODE = Arithmetic(
    number=lambda v: repr(float(v)),
    value=None,
    operations={
        sp.Add: lambda *terms: f"({' + '.join(terms)})",
        sp.Mul: lambda *factors: f"({' * '.join(factors)})",
        **{node: _code_call(name) for node, (name, _) in FLOAT_FUNCTIONS.items()},
    },
    piecewise=_code_piecewise,
)
#: What CODE's source refers to: compile it with these names in its namespace, to run it in floats
#: or (with mpf arguments, under mpmath.workprec) precisely.
CODE_NAMESPACE = {name: function for name, function in FLOAT_FUNCTIONS.values()}
#: The same without the saturating wrappers, a quarter faster: a training run in floats stops at the
#: first value that leaves the float range (training.py catches the exception and runs exactly).
RAISING_CODE_NAMESPACE = {"_pow": operator.pow, "_exp": math.exp, "_tanh": math.tanh, "_log": _log,
                          "_softmax": _softmax_share}
PRECISE_CODE_NAMESPACE = {name: MP_FUNCTIONS[node] for node, (name, _) in FLOAT_FUNCTIONS.items()}


def evaluate_form(expr, arithmetic: Arithmetic = FLOATS, known: dict | None = None):
    """``expr`` in ``arithmetic``; ``known`` gives the elements of its symbols and derivative keys."""
    if known and expr in known:
        return known[expr]
    if expr.is_Number:
        return arithmetic.number(float(expr))
    if isinstance(expr, sp.Piecewise):
        def evaluate(e):
            return evaluate_form(e, arithmetic, known)
        if arithmetic.piecewise is not None:
            return arithmetic.piecewise(expr, evaluate)
        return evaluate(chosen_piece(expr, lambda e: arithmetic.value(evaluate(e))))
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
