"""Why an output δ has a closed form: the cancellation written out once, in the rules' own letters.

A worked solution that only asserts δ = out − target leaves out the step students need (the
softmax Jacobian's a_k cancelling the loss's 1/a_k, the Kronecker delta picking out k = j). Each
row below is that derivation for one (activation, loss) pair with a known closed form (rules.py's
SIMPLIFICATIONS), as members of one equation in generic symbols, and the words that explain its
steps. The per-weight and matrix documents print it in §2; each output neuron then refers to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy.core.parameters import evaluate

from ..model.quantities import generic


@dataclass(frozen=True)
class Letters:
    """The generic symbols a derivation is written in (a_k, z_j, y_k, C in Nielsen's notation)."""

    k: sp.Symbol
    n: sp.Symbol
    out_k: sp.Expr
    out_j: sp.Expr
    net_j: sp.Expr
    target_k: sp.Expr
    target_j: sp.Expr
    error: sp.Expr


@dataclass(frozen=True)
class Cancellation:
    members: Callable[[Letters], list]  # ∂C/∂z_j = ... = out_j − target_j
    words: str  # after the equation; {name} is a letter of Letters printed as maths


def _partial(f, x):
    return sp.Derivative(f, x, evaluate=False)


def _softmax_cross_entropy(s: Letters) -> list:
    kronecker = sp.KroneckerDelta(s.k, sp.Symbol("j", integer=True), evaluate=False)
    jacobian = sp.Add(kronecker, sp.Mul(-1, s.out_j))
    return [_partial(s.error, s.net_j),
            sp.Sum(sp.Mul(_partial(s.error, s.out_k), _partial(s.out_k, s.net_j)), (s.k, 1, s.n)),
            sp.Sum(sp.Mul(sp.Mul(-1, s.target_k, sp.Pow(s.out_k, -1)), s.out_k, jacobian), (s.k, 1, s.n)),
            sp.Sum(sp.Mul(-1, s.target_k, jacobian), (s.k, 1, s.n)),
            sp.Add(sp.Mul(-1, s.target_j), sp.Mul(s.out_j, sp.Sum(s.target_k, (s.k, 1, s.n)))),
            sp.Add(s.out_j, sp.Mul(-1, s.target_j))]


def _sigmoid_binary_cross_entropy(s: Letters) -> list:
    out, target = s.out_j, s.target_j
    slope = sp.Mul(out, sp.Add(1, sp.Mul(-1, out)))
    loss = sp.Add(sp.Mul(-1, target, sp.Pow(out, -1)),
                  sp.Mul(sp.Add(1, sp.Mul(-1, target)), sp.Pow(sp.Add(1, sp.Mul(-1, out)), -1)))
    return [_partial(s.error, s.net_j),
            sp.Mul(_partial(s.error, out), _partial(out, s.net_j)),
            sp.Mul(loss, slope),
            sp.Add(sp.Mul(-1, target, sp.Add(1, sp.Mul(-1, out))), sp.Mul(sp.Add(1, sp.Mul(-1, target)), out)),
            sp.Add(out, sp.Mul(-1, target))]


CANCELLATIONS: dict[tuple[str, str], Cancellation] = {
    ("softmax", "cross_entropy"): Cancellation(
        _softmax_cross_entropy,
        "Every output of a softmax layer depends on every net input, so the sum runs over all $n$ outputs. "
        "The loss's $1/{out_k}$ cancels the slope's ${out_k}$; multiplying out, the Kronecker delta "
        "${kronecker}$ keeps only the term $k = j$ of the first sum, and the targets ${target_k}$ sum to 1."),
    ("sigmoid", "binary_cross_entropy"): Cancellation(
        _sigmoid_binary_cross_entropy,
        "The sigmoid's slope ${out_j}(1 - {out_j})$ cancels both denominators of the loss's derivative; "
        "the terms $\\pm {target_j} {out_j}$ then cancel each other."),
}


def cancellation(activation: str, loss: str, latex) -> dict | None:
    """The derivation for the output layer's activation and the loss, printed by ``latex`` (a
    SolutionPrinter), or None where no closed form is known. ``equation`` is a printed Equation."""
    row = CANCELLATIONS.get((activation, loss))
    if row is None:
        return None
    k, n = sp.symbols("k n", integer=True)
    letters = Letters(k, n, generic("out", "k"), generic("out", "j"), generic("net", "j"),
                      generic("target", "k"), generic("target", "j"), generic("error"))
    with evaluate(False):
        members = row.members(letters)
        names = {"kronecker": latex.doprint(sp.KroneckerDelta(k, sp.Symbol("j", integer=True), evaluate=False)),
                 **{name: latex.doprint(getattr(letters, name)) for name in ("out_k", "out_j", "target_k", "target_j")}}
    return {"equation": latex.equation(members, aligned=True), "words": row.words.format(**names)}
