"""A worked solution's unit: the :class:`Step`, created with what it is (its role) and where it sits.

Every line of a worked solution is a step: a left-hand side (a symbol, or an unevaluated partial
derivative such as dE/dw5), its symbolic forms from general to specific, the last form with numbers
in place of symbols, and the value. Its role and place are set where the step is made (derive.py);
labels, the catalogue, grading and diagnosis read them and never re-derive them from a form's shape
or a symbol's name. :class:`Values` evaluates each new step's last form with the one evaluator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

import mpmath
import sympy as sp

from ..errors import SpecError
from ..model.quantities import ELLIPSIS, kind_of, number
from .evaluate import PRECISE, evaluate_form

#: A step's role -> the quantity it is listed as (``labels --format json``, field ``quantity``);
#: None for a step that restates a quantity listed under another step (a simplified δ).
ROLES: dict[str, str | None] = {
    "net": "net", "out": "out", "term": "error", "error": "error",
    "grad_out_output": "grad_out", "grad_out_hidden": "grad_out",
    "path": "factor", "contribution": "factor", "slope": "factor", "jacobian": "jacobian",
    "delta": "delta", "simplified": None,
    "local": "factor", "chain": "factor", "gradient": "gradient", "update": "updated",
    "change": "change",  # Δθ = −η·∂E/∂θ: not a line of the document; the catalogue adds it for sheets
    # the matrix form (matrix.py): its entries answer as the per-element quantities they equal
    **dict.fromkeys(("matrix_net", "matrix_out", "matrix_grad_out", "matrix_slope", "matrix_jacobian",
                     "matrix_delta", "matrix_gradient_weights", "matrix_gradient_biases", "matrix_update_weights",
                     "matrix_update_biases")),
}


class Place(NamedTuple):
    """Where a step's quantity sits, as the JSON contract and the labels list give it."""

    layer: int | None = None
    to: int | None = None
    source: int | None = None


@dataclass(frozen=True)
class Step:
    role: str  # a key of ROLES, or "definition" for a form shown without a value
    lhs: sp.Expr
    forms: tuple[sp.Expr, ...]
    # the last form with numbers substituted; None for a definition only; in the matrix form, a
    # tuple of forms with numbers (the product written out, then entry by entry)
    numeric: sp.Expr | tuple | None
    value: float | tuple | None  # a matrix's value is a tuple of rows
    place: Place = Place()
    aliases: tuple[sp.Expr, ...] = ()  # other names of the same quantity (dE/dnet_j for δ_j)
    # other ways to the same value, not printed: δ_o1 · out_h1 for dE/dw5, δ_o1 · dnet_o1/dout_h1 for
    # a hidden path's term. A student may take any of them, and the checker follows the one taken.
    equivalents: tuple[sp.Expr, ...] = ()


def definition(lhs, *forms) -> Step:
    """A form shown without numbers (the rules section, the error written in the outputs)."""
    return Step("definition", lhs, tuple(forms), None, None)


CARRY_STYLES = {"round": ROUND_HALF_UP, "truncate": ROUND_DOWN}


def carried(value: float, digits: int | None, style: str = "round") -> float:
    """A value as a student carries it forward: rounded half up (or cut off) to ``digits`` decimals;
    exact when ``digits`` is None.

    The one rounding rule of ``solve --rounding carry`` and of the checker's ``rounding`` status.
    """
    if digits is None or not math.isfinite(value):
        return value
    exact = Decimal(repr(value))
    with localcontext() as context:  # enough digits for any float at any number of decimals
        context.prec = max(28, exact.adjusted() + digits + 2)
        return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=CARRY_STYLES[style]))


class Values:
    """Numbers known so far: each as (float as written, precise mpf) to evaluate with, and a number
    symbol to show. The recorded value is the precise one rounded to a float (evaluate.PRECISE)."""

    # working precision: 160 bits keep a float's 53 where a value is a difference of terms 2^100 times its
    # size (an output within 1e-17 of its target); 2400 bits keep 1 - out of a sigmoid at |net| = 1600
    BITS, MAX_BITS = 160, 2400

    def __init__(self, given: dict, digits: int | None = None):
        self.digits = digits
        self.bits = self.BITS
        self.plain: dict = {}
        self.pairs: dict = {}
        self._shown: dict = {}
        for key, value in given.items():
            self.record(key, value, (value, mpmath.mpf(value)))

    def record(self, key, value: float, pair: tuple) -> None:
        self.plain[key] = value
        self.pairs[key] = pair
        self._shown[key] = number(value, kind_of(key) or "")

    def need_bits(self, bits: float) -> None:
        """Work with at least ``bits`` more than a float's precision from now on (never fewer)."""
        self.bits = min(self.MAX_BITS, max(self.bits, self.BITS + math.ceil(min(bits, self.MAX_BITS))))

    def step(self, role: str, lhs, *forms, place: Place = Place(), aliases=(), equivalents=()) -> Step:
        """Evaluate the last form, record the value under ``lhs`` (and its aliases), return the step."""
        last = forms[-1]
        numeric = last.xreplace(self._shown)
        with mpmath.workprec(self.bits):
            as_written, precise = evaluate_form(last, PRECISE, self.pairs)
        value = carried(float(precise), self.digits)
        if not math.isfinite(value):
            raise SpecError("inputs: the first step overflows (a value of the worked solution is not finite); "
                            "use smaller inputs or weights")
        pair = (as_written, precise) if self.digits is None else (value, mpmath.mpf(value))
        for key in (lhs, *aliases):
            self.record(key, value, pair)
        return Step(role, lhs, tuple(forms), numeric, value, place, tuple(aliases), tuple(equivalents))


def partial(f, x) -> sp.Derivative:
    return sp.Derivative(f, x, evaluate=False)


def add(*terms) -> sp.Expr:
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def mul(*factors) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def with_zeros(term, position: int, count: int) -> sp.Expr:
    """``term`` among ``count`` terms of a sum, the others differentiated to 0 (``0 + term + 0``).

    Runs of more than two zeros are shortened to ``0 + ... + 0`` to keep wide layers readable.
    """
    def zeros(n):
        return [sp.Integer(0)] * n if n <= 2 else [sp.Integer(0), ELLIPSIS, sp.Integer(0)]

    return add(*zeros(position - 1), term, *zeros(count - position))
