"""Lecture notes' closed forms: a gradient or a δ with every derivative replaced by what its own step
found, a δ of the layer above kept as δ (the recursion), checked equal to the product of partials."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sympy as sp
from sympy.core.parameters import evaluate

from ..engine.evaluate import FLOATS, evaluate_form
from ..engine.steps import Step
from ..errors import VerificationError

if TYPE_CHECKING:  # solution.py imports rendering to display itself in a notebook: no circle
    from ..solution import Solution

#: The steps lecture notes end in a closed form, and those whose forms the closed forms are made of
CLOSED_FORM_ROLES = ("chain", "gradient", "delta")
SUBSTITUTED_ROLES = ("grad_out_output", "grad_out_hidden", "slope", "path", "contribution", "local", "jacobian")
MAX_SUBSTITUTIONS = 8  # derivatives inside derivatives' forms: a few levels at most


class ClosedForms:
    def __init__(self, solution: Solution):
        self.solution = solution
        self._closed: dict | None = None  # derivative -> the form its step found, made when first needed

    def of(self, step: Step):
        """Lecture notes end a gradient or a δ in its closed form: each derivative replaced by what its
        own step found (−(t − o), o(1 − o), out_h1, w5, ...), a δ of the layer above kept as δ (the
        recursion). Checked equal to the product of partials at the spec's values."""
        if self._closed is None:
            derivation = self.solution.derivation
            self._closed = {}
            for other in derivation.steps():
                if other.role == "delta":
                    self._closed.update({alias: other.lhs for alias in other.aliases if alias.is_Derivative})
                elif other.lhs.is_Derivative and other.role in SUBSTITUTED_ROLES:
                    self._closed.setdefault(other.lhs, other.forms[-1])
        form = step.forms[-1]
        for _ in range(MAX_SUBSTITUTIONS):
            with evaluate(False):  # in the order written: -(t - o) · o(1 - o) · out_h1
                replaced = form.xreplace(self._closed)
            if replaced == form:
                break
            form = replaced
        if form == step.forms[-1] or form.atoms(sp.Derivative):
            return None
        form = _flat_product(form)
        values = self.solution.derivation.values
        found, expected = evaluate_form(form, FLOATS, values), step.value
        # at the floats the derivation rounded to, an output that underflowed to 0 makes t/out 0/0: no test
        if math.isfinite(found) and not math.isclose(found, expected, rel_tol=1e-9,
                                                     abs_tol=1e-12 * max(1.0, abs(expected))):
            raise VerificationError(f"the closed form of {step.lhs} gives {found!r}, the product of partials "
                                    f"{expected!r}")
        return form


def _flat_product(form):
    """A product of products as one product, its signs in front: -(t - o) · o · (1 - o) · out_h1."""
    if not form.is_Mul:
        return form
    factors, negative = [], False
    stack = list(reversed(form.args))
    while stack:
        factor = stack.pop()
        if factor.is_Mul:
            stack.extend(reversed(factor.args))
        elif factor == -1:
            negative = not negative
        else:
            factors.append(factor)
    with evaluate(False):
        return sp.Mul(*([-1] if negative else []), *factors)
