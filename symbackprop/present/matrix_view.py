"""Stage 4a, the matrix form: Nielsen's BP1-BP4 with this network's matrices, and the words each
step needs (which σ, which slope, why a shared bias sums δ, that each column is one sample's), for
the templates' matrix macros. Presentation of matrix.py's steps; every string printed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp
from sympy.core.parameters import evaluate

from ..engine.steps import definition
from ..model.quantities import Quantity, QuantityMatrix
from ..model.rules import ACTIVATIONS
from . import words
from .printing import Equation, tagged

if TYPE_CHECKING:
    from .view import ViewBuilder


class MatrixView:
    def __init__(self, view: ViewBuilder):
        self.view = view

    def build(self) -> dict:
        """Nielsen's BP1-BP4 with this network's matrices; in symbolic mode, the equations alone."""
        form = self.view.solution.matrix

        def shown(layer):  # in symbolic mode, a matrix known only by its numbers says nothing
            return [step for step in layer.steps if step.forms or not self.view.symbolic]

        seen: set = set()  # what was said once is not said again for the next layer

        def said(step, layer) -> str:
            text = self._said(step.role, layer)
            first = text not in seen
            seen.add(text)
            return text if first else ""

        def described(layer):
            steps = shown(layer)
            return {"index": layer.layer, "output": layer.layer == self.view.network.depth,
                    "equations": [self.view.equation(step) for step in steps],
                    "said": [said(step, layer.layer) for step in steps],
                    "closed": self.matrix_closed_delta() if layer.layer == self.view.network.depth else None,
                    # the closed form follows the layer's last δ (softmax: one δ step per sample)
                    "closed_after": max((i for i, step in enumerate(steps) if step.role == "matrix_delta"),
                                        default=-1)}

        activations = [(l, layer.activation) for l, layer in enumerate(self.view.solution.spec.layers, start=1)]
        return {
            "samples": list(form.samples), "several": len(form.samples) > 1,
            "reduction": self.view.solution.spec.reduction,
            "marked": self._marked(),
            "forward": [described(layer) for layer in form.forward],
            "backward": [described(layer) for layer in form.backward],
            "rules": [tagged(self.view.equation(step), tag) for step, tag in self.matrix_rules()],
            "shared_bias_rule": self._shared_bias_rule(),
            "closed_rule": self._closed_rule(),
            "activations": words.layer_list(activations),
            "not_elementwise": sorted({(words.name(a), words.JACOBIAN_NOTES.get(a, "")) for _, a in activations
                                       if not ACTIVATIONS[a].elementwise}),
            "checked": sum(len(entries) for _, entries in form.entries),
            # amsmath sets at most 10 columns in a bmatrix unless told more: a layer's width (in W, its
            # transpose, a gradient) or the samples (one column each), whichever is wider
            "columns": max(*self.view.network.widths, len(form.samples)),
        }

    def _marked(self) -> dict:
        """Sample s's column and sample s's own error, with the notation's sample mark (a_l[s]), for
        the words that introduce the batch rules."""
        labels = self.view.printer.labels
        return {**{kind: labels.matrix(Quantity(kind, "l")) for kind in ("nets", "outs", "deltas", "biases")},
                "column": labels.matrix(Quantity("outs", "l", sample="s")),
                "error": labels.matrix(Quantity("error", None, sample="s")),
                "total": labels.matrix(Quantity("error", None))}

    def _said(self, role: str, layer: int) -> str:
        """The words a matrix-form step needs before it: which σ, which slope, why a bias sums."""
        solution = self.view.solution
        spec = solution.spec.layers[layer - 1]
        rule = ACTIVATIONS[spec.activation]
        return words.before_step(role, spec.activation, rule.elementwise, spec.shares_bias,
                                 rule.shift_invariant, len(solution.matrix.samples), solution.spec.reduction)

    def matrix_closed_delta(self) -> Equation | None:
        """δ^L = a^L − y with the numbers of each column, where §2 derives the closed form; δ's
        entries are the per-weight derivation's values of the same quantities."""
        if self.view.closed_delta() is None or self.view.symbolic:
            return None
        network, values = self.view.network, self.view.solution.shown.values
        samples, n, depth = self.view.solution.matrix.samples, network.outputs, network.depth
        targets = [[self.view.solution.spec.samples[s - 1].targets[j] for s in samples] for j in range(n)]
        outs = [[values[network.out(depth, j, s)] for s in samples] for j in range(1, n + 1)]
        deltas = [[values[network.delta(depth, j, s)] for s in samples] for j in range(1, n + 1)]

        def label(kind, layer=None):
            return QuantityMatrix(Quantity(kind, layer), n, len(samples))

        printer = self.view.printer
        with evaluate(False):
            form = sp.MatAdd(label("outs", depth), sp.MatMul(sp.Integer(-1), label("targets")), evaluate=False)
        numbers = f"{printer.matrix(outs)} - {printer.matrix(targets)}"
        return printer.equation([label("deltas", depth), form, numbers, printer.matrix(deltas)], aligned=True)

    def _shared_bias_rule(self) -> Equation | None:
        """BP3 for a layer with one shared bias: the sum of its δ, a row of ones times δ (times a
        column of ones and the reduction's factor, with several samples)."""
        if not any(layer.shares_bias for layer in self.view.solution.spec.layers):
            return None
        ones = sp.MatrixSymbol("\\mathbf{1}", 1, 1)
        lhs = QuantityMatrix(Quantity("gradient_biases", "l"), 1, 1)
        with evaluate(False):
            return self.view.equation(definition(lhs, self._reduced(
                sp.Transpose(ones), QuantityMatrix(Quantity("deltas", "l"), 1, 1), *self._summed(ones))))

    def _closed_rule(self) -> Equation | None:
        """BP1 in closed form, δ^L = a^L − y, where §2 derives it."""
        if self.view.closed_delta() is None:
            return None
        def m(kind, layer):
            return QuantityMatrix(Quantity(kind, layer), 1, 1)
        with evaluate(False):
            return self.view.equation(definition(m("deltas", "L"), sp.MatAdd(
                m("outs", "L"), sp.MatMul(sp.Integer(-1), m("targets", None), evaluate=False), evaluate=False)))

    def _several(self) -> bool:
        return len(self.view.solution.matrix.samples) > 1

    def _summed(self, ones) -> list:
        """With several samples, the column of ones that sums a gradient over the samples' columns."""
        return [ones] if self._several() else []

    def _reduced(self, *factors):
        """A gradient over several samples: 1/m times the sum over the columns (a mean), or the sum."""
        mean = self._several() and self.view.solution.spec.reduction == "mean"
        scale = [sp.Pow(sp.Symbol("m"), -1, evaluate=False)] if mean else []
        return sp.MatMul(*scale, *factors, evaluate=False) if len(factors) + len(scale) > 1 else factors[0]

    def matrix_rules(self) -> list:
        """BP1-BP4 in the notation's letters, for a layer l (and the output layer L), BP1 to BP4
        tagged as Nielsen tags them. With several samples the batch rules: a, z and δ have a column
        per sample, the bias is repeated by b 1ᵀ, BP1 holds column by column (sample s's own error's
        gradient), and BP3, BP4 sum over the columns (times 1/m for a mean)."""
        several = self._several()

        def m(kind, layer, **fields):
            return QuantityMatrix(Quantity(kind, layer, **fields), 1, 1)

        column = {"sample": "s"} if several else {}
        rate = self.view.network.rate
        below, ones = m("outs", "l-1"), sp.MatrixSymbol("\\mathbf{1}", 1, 1)
        elementwise = self.view.network.activation(self.view.network.depth)[0].elementwise
        bp1 = (sp.HadamardProduct(m("grad_outs", "L", **column), m("slopes", "L", **column), evaluate=False)
               if elementwise else sp.MatMul(sp.Transpose(m("jacobian", "L", **column)), m("grad_outs", "L", **column),
                                             evaluate=False))
        has_biases = any(layer.bias is not None for layer in self.view.solution.spec.layers)
        net = sp.MatMul(m("weights", "l"), below, evaluate=False)
        bias = sp.MatMul(m("biases", "l"), sp.Transpose(ones), evaluate=False) if several else m("biases", "l")
        equations = [
            (m("nets", "l"), sp.MatAdd(net, bias, evaluate=False) if has_biases else net, None),
            (m("outs", "l"), m("activated", "l"), None),
            (m("deltas", "L", **column), bp1, "BP1"),
            (m("deltas", "l"), sp.HadamardProduct(sp.MatMul(sp.Transpose(m("weights", "l+1")), m("deltas", "l+1"),
                                                            evaluate=False), m("slopes", "l"), evaluate=False), "BP2"),
            *([(m("gradient_biases", "l"), self._reduced(m("deltas", "l"), *self._summed(ones)), "BP3")]
              if has_biases else []),
            (m("gradient_weights", "l"), self._reduced(m("deltas", "l"), sp.Transpose(below)), "BP4"),
            (m("weights", "l", updated=True), sp.MatAdd(m("weights", "l"), sp.MatMul(
                sp.Integer(-1), rate, m("gradient_weights", "l"), evaluate=False), evaluate=False), None),
        ]
        return [(definition(lhs, form), tag) for lhs, form, tag in equations]
