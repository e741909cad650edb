"""The exact check: ``sympy.diff`` of the fully substituted error, for the gradients of the first update.

Each piecewise unit is fixed to the piece its numbers select (network.full_error), so nested
Piecewise expressions do not swell, and the derivatives are evaluated by the one evaluator with more
bits than the derivation used. The cost of ``sympy.diff`` grows with the size of what it walks and
builds, which is predicted before any work (``_estimated_size``, ``_derivative_size``): the check
takes the gradients that fit ``SYMPY_BUDGET``, output layer first, and the same ones on every run.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .checker import Checker, rounding_tolerance
from ..engine.derive import Derivation
from ..engine.evaluate import PRECISE, evaluate_form
from ..engine.network import SymbolicNetwork
from ..model.notation import Labels

#: Nodes sympy.diff may walk and build in all: about 15 microseconds each; building the full error
#: costs about BUILD_WEIGHT times as much per node.
SYMPY_BUDGET = 60_000
BUILD_WEIGHT = 5
EXTRA_BITS = 30


def against_sympy(check: Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict,
                   scales: dict, labels: Labels, notes: list) -> set:
    """Checks the gradients whose differentiation fits the budget, output layer first (the cheapest);
    returns their symbols.

    ``sympy.diff`` walks the whole error and builds the derivative; ``_derivative_size`` predicts the
    latter without building it, so the choice is made before the work and is the same on every run.
    """
    if not gradients:
        return set()
    spent = BUILD_WEIGHT * _estimated_size(network, len(derivation.update_samples))
    if spent > SYMPY_BUDGET:
        notes.append("sympy.diff of the full error skipped: the expression would be too large for its size "
                     "budget; the other checks ran")
        return set()
    error = network.full_error(derivation.update_samples, derivation.pieces())
    sizes = _tree_sizes(error)
    chosen = []
    for p in sorted((p for p in network.parameters if p.symbol in gradients), key=lambda p: -p.quantity.layer):
        cost = sizes[error] + _derivative_size(error, p.symbol, sizes) if sizes[error] <= SYMPY_BUDGET else None
        if cost is None or spent + cost > SYMPY_BUDGET:
            break
        chosen.append(p.symbol)
        spent += cost
    point = {k: (v, mpmath.mpf(v)) for k, v in network.given_values().items()}
    for p in (p for p in network.parameters if p.symbol in chosen):
        step = gradients[p.symbol]
        with mpmath.workprec(derivation.bits + EXTRA_BITS):
            exact = float(evaluate_form(sp.diff(error, p.symbol), PRECISE, point)[1])
        check.same("sympy", f"dE/d{labels(p.quantity)}", step.value, exact, rounding_tolerance(scales[step.lhs]))
    left = [labels(p.quantity) for p in network.parameters if p.symbol in gradients and p.symbol not in chosen]
    if left:
        notes.append(f"sympy.diff of the full error checked {len(chosen)} of {len(gradients)} gradients; "
                     f"those of {', '.join(left)} exceed its size budget, and the other checks cover them")
    return set(chosen)


def _estimated_size(network: SymbolicNetwork, samples: int) -> int:
    """The full error's tree size from the widths alone (each net input repeats the whole layer
    below), so that an expression far over the budget is never built: building one costs as much."""
    size = 1
    for below, width in zip(network.widths, network.widths[1:]):
        size = below * (size + 2) + 4
    return 2 * samples * network.outputs * (size + 6)


def _bottom_up(expr, combine) -> dict:
    """``combine(node, results of its arguments)`` for every subexpression, arguments first, each
    once: time linear in the DAG, however often the tree repeats a part."""
    results: dict = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        pending = [a for a in node.args if a not in results]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        results[node] = combine(node, [results[a] for a in node.args])
    return results


def _tree_sizes(expr) -> dict:
    """Each subexpression's size as a tree (shared parts counted each time)."""
    return _bottom_up(expr, lambda node, inner: 1 + sum(inner))


def _derivative_size(expr, variable, sizes: dict) -> int:
    """About how many nodes ``sympy.diff(expr, variable)`` builds: the product rule copies the other
    factors, the chain rule the outer function, for every path that reaches ``variable``."""
    def combine(node, inner: list) -> int:
        if node == variable:
            return 1
        if not any(inner):
            return 0
        if node.is_Mul:
            return sum(d + sizes[node] - sizes[a] + 1 for a, d in zip(node.args, inner) if d)
        if node.is_Add:
            return sum(inner) + 1
        return sum(inner) + sizes[node] + 1  # f(g): f'(g), as large as f(g) itself, times g'

    return _bottom_up(expr, combine)[expr]
