"""Nielsen's matrix form of the first update: BP1-BP4 with the spec's own vectors and matrices.

The matrix form is computed on its own, layer by layer, with one column per sample of the update:
every entry is the value of its own sum or product (z_j = Σ_k W_jk a_k + b_j, δ_j = Σ_m W_mj δ_m σ'_j,
∂C/∂W_jk = factor · Σ_s δ_js a_ks) evaluated by the one evaluator in the derivation's precision, not
copied from the per-weight derivation. oracle/verify.py then holds every entry to the per-weight
value of the quantity it equals. A step of the matrix form is a :class:`Step` whose value is a
matrix (a tuple of rows) and whose forms run from the symbolic equation to the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp
from sympy.core.parameters import evaluate

from ..model.quantities import Quantity, QuantityMatrix, number, symbol
from .derive import Derivation
from .evaluate import PRECISE, evaluate_form
from .network import SymbolicNetwork
from .steps import Step, add, mul


@dataclass(frozen=True)
class Entry:
    """Where a matrix entry's value must equal the per-weight derivation's: its symbol or derivative key."""

    key: object
    row: int
    column: int


@dataclass(frozen=True)
class MatrixLayer:
    layer: int
    steps: tuple[Step, ...]  # in the order shown


@dataclass(frozen=True)
class MatrixForm:
    samples: tuple[int, ...]  # one column per sample of the first update
    forward: tuple[MatrixLayer, ...]
    backward: tuple[MatrixLayer, ...]  # output layer first
    entries: tuple[tuple[Step, tuple[Entry, ...]], ...]  # what verify.py compares, step by step


def matrix_form(network: SymbolicNetwork, derivation: Derivation) -> MatrixForm:
    with evaluate(False), mpmath.workprec(derivation.bits):
        return _Builder(network, derivation).build()


def _numbers(rows) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[number(v) for v in row] for row in rows])


def _transposed(rows) -> list:
    """A transpose evaluated: the numbers line shows (W)ᵀ's own layout, not W's with a ᵀ for the
    student to carry out in their head."""
    return [list(column) for column in zip(*rows)]


class _Builder:
    def __init__(self, network: SymbolicNetwork, derivation: Derivation):
        self.network, self.spec = network, network.spec
        self.samples = derivation.update_samples
        self.own = {k: (v, mpmath.mpf(v)) for k, v in network.given_values().items()}
        self.checks: list = []
        self.gradient_keys = {pd.parameter.symbol: pd.gradient.lhs for layer in derivation.backward
                              for pd in layer.parameters}

    # -- helpers ------------------------------------------------------------------------------
    def label(self, kind: str, layer: int | None, rows: int, columns: int | None = None, **fields) -> QuantityMatrix:
        return QuantityMatrix(Quantity(kind, layer, **fields), rows, columns or len(self.samples))

    def step(self, role: str, lhs, forms, numbers, entries, keys=None) -> Step:
        """Evaluate ``entries`` once, in the derivation's precision. ``forms`` are in symbols,
        ``numbers`` the same with the numbers in (Step.numeric, several here). ``keys`` name the
        per-weight quantity each entry equals: later layers use the entry's value under that name,
        and verify.py compares the two."""
        pairs = [[evaluate_form(e, PRECISE, self.own) for e in row] for row in entries]
        step = Step(role, lhs, tuple(forms), tuple(numbers), tuple(tuple(float(p[1]) for p in row) for row in pairs))
        if keys is not None:
            for key_row, pair_row in zip(keys, pairs):
                self.own.update(zip(key_row, pair_row))
            self.checks.append((step, tuple(Entry(key, i, j) for i, row in enumerate(keys) for j, key in enumerate(row))))
        return step

    def column(self, layer: int, j: int, kind: str):
        pick = {"net": self.network.net, "out": self.network.out, "delta": self.network.delta}[kind]
        return [pick(layer, j, s) for s in self.samples]

    def grid(self, layer: int, kind: str):
        return [self.column(layer, j, kind) for j in range(1, self.network.widths[layer] + 1)]

    def weights(self, layer: int, updated: bool = False):
        network = self.network
        return [[network.weight(layer, j, k, updated) for k in range(1, network.widths[layer - 1] + 1)]
                for j in range(1, network.widths[layer] + 1)]

    def shown(self, symbols) -> sp.ImmutableMatrix:
        return _numbers([[float(self.own[s][1]) for s in row] for row in symbols])

    # -- the stages ---------------------------------------------------------------------------
    def build(self) -> MatrixForm:
        forward = tuple(self.forward(layer) for layer in range(1, self.network.depth + 1))
        backward = tuple(self.backward(layer) for layer in range(self.network.depth, 0, -1))
        return MatrixForm(self.samples, forward, backward, tuple(self.checks))

    def forward(self, layer: int) -> MatrixLayer:
        network, n, m = self.network, self.network.widths[layer], len(self.samples)
        below, weights = self.grid(layer - 1, "out"), self.weights(layer)
        bias = [network.bias(layer, j) for j in range(1, n + 1)]
        entries = [[add(*(mul(w, a[s]) for w, a in zip(weights[j], below)), *([bias[j].symbol] if bias[j] else []))
                    for s in range(m)] for j in range(n)]
        product = sp.MatMul(self.label("weights", layer, n, network.widths[layer - 1]),
                            self.label("outs" if layer > 1 else "inputs", layer - 1, network.widths[layer - 1]),
                            evaluate=False)
        numbers = sp.MatMul(self.shown(weights), self.shown(below), evaluate=False)
        if any(bias):  # with several samples, b 1ᵀ: the bias column repeated for each sample's column
            repeat = [sp.Transpose(sp.MatrixSymbol("\\mathbf{1}", m, 1))] if m > 1 else []
            product = sp.MatAdd(product, sp.MatMul(self.label("biases", layer, n, 1), *repeat, evaluate=False)
                                if repeat else self.label("biases", layer, n, 1), evaluate=False)
            column = self.shown([[b.symbol] for b in bias])
            numbers = sp.MatAdd(numbers, sp.MatMul(column, sp.ImmutableMatrix([[1] * m]), evaluate=False)
                                if m > 1 else column, evaluate=False)
        nets = self.grid(layer, "net")
        net_step = self.step("matrix_net", self.label("nets", layer, n), [product], [numbers], entries, nets)
        rule, alpha = network.activation(layer)
        outs = [[rule.formula([nets[k][s] for k in range(n)], j, alpha) for s in range(m)] for j in range(n)]
        out_step = self.step("matrix_out", self.label("outs", layer, n), [self.label("activated", layer, n)], [], outs,
                             self.grid(layer, "out"))
        return MatrixLayer(layer, (net_step, out_step))

    def backward(self, layer: int) -> MatrixLayer:
        steps = self.output_delta() if layer == self.network.depth else self.hidden_delta(layer)
        return MatrixLayer(layer, (*steps, *self.gradients(layer)))

    def slopes(self, layer: int) -> tuple[Step, list]:
        """σ'(z^l), entry by entry: the diagonal of an element-wise layer's Jacobian."""
        rule, alpha = self.network.activation(layer)
        n, m = self.network.widths[layer], len(self.samples)
        nets, outs = self.grid(layer, "net"), self.grid(layer, "out")
        entries = [[rule.jacobian([r[s] for r in nets], [r[s] for r in outs], j, j, alpha) for s in range(m)]
                   for j in range(n)]
        return self.step("matrix_slope", self.label("slopes", layer, n), [], [], entries), entries

    def output_delta(self) -> list[Step]:
        network, layer = self.network, self.network.depth
        n, m, loss = network.outputs, len(self.samples), network.loss
        targets = [[network.target(j + 1, s) for s in self.samples] for j in range(n)]
        outs, deltas = self.grid(layer, "out"), self.grid(layer, "delta")
        grads = [[loss.slope(targets[j][s], outs[j][s], n) for s in range(m)] for j in range(n)]
        grad_step = self.step("matrix_grad_out", self.gradient_columns(layer, n), [], [], grads)
        rule, alpha = network.activation(layer)
        if rule.elementwise:  # BP1: δ^L = ∇_a C ⊙ σ'(z^L), the Hadamard product written out entry by entry
            slope_step, slopes = self.slopes(layer)
            entries = [[mul(grads[j][s], slopes[j][s]) for s in range(m)] for j in range(n)]
            shown = sp.ImmutableMatrix([[mul(number(g), number(v)) for g, v in zip(gr, sr)]
                                        for gr, sr in zip(grad_step.value, slope_step.value)])
            forms = [sp.HadamardProduct(grad_step.lhs, slope_step.lhs, evaluate=False)]
            numbers = [sp.HadamardProduct(_numbers(grad_step.value), _numbers(slope_step.value), evaluate=False),
                       *([shown] if m == 1 else [])]  # entry by entry as seed 003 writes it, for one column
            delta = self.step("matrix_delta", self.label("deltas", layer, n), forms, numbers, entries, deltas)
            return [grad_step, slope_step, delta]
        return [grad_step, *self.jacobian_deltas(grads, grad_step, deltas)]

    def gradient_columns(self, layer: int, n: int):
        """∇_a E for one sample; with several, a row of each sample's own ∇_a E[s] (the mean error's
        gradient is no column of it: the 1/m comes in BP3 and BP4)."""
        if len(self.samples) == 1:
            return self.label("grad_outs", layer, n)
        return sp.BlockMatrix([[self.label("grad_outs", layer, n, 1, sample=s) for s in self.samples]])

    def jacobian_deltas(self, grads, grad_step: Step, deltas) -> list[Step]:
        """A softmax layer, one sample at a time: δ = (∂a/∂z)^T ∇_a C, with the full Jacobian."""
        network, layer = self.network, self.network.depth
        rule, alpha = network.activation(layer)
        n, steps = network.outputs, []
        nets, outs = self.grid(layer, "net"), self.grid(layer, "out")
        for s, sample in enumerate(self.samples):
            several = {"sample": sample} if len(self.samples) > 1 else {}
            column_nets, column_outs = [r[s] for r in nets], [r[s] for r in outs]
            jacobian = [[rule.jacobian(column_nets, column_outs, k, j, alpha) for j in range(n)] for k in range(n)]
            j_step = self.step("matrix_jacobian", self.label("jacobian", layer, n, n, **several), [], [], jacobian)
            entries = [[add(*(mul(jacobian[k][j], grads[k][s]) for k in range(n)))] for j in range(n)]
            g_label = self.label("grad_outs", layer, n, 1, **several)
            forms = [sp.MatMul(sp.Transpose(j_step.lhs), g_label, evaluate=False)]
            numbers = [sp.MatMul(_numbers(_transposed(j_step.value)), _numbers([[row[s]] for row in grad_step.value]),
                                 evaluate=False)]
            column = [[row[s]] for row in deltas]
            steps += [j_step, self.step("matrix_delta", self.label("deltas", layer, n, 1, **several), forms, numbers,
                                        entries, column)]
        return steps

    def hidden_delta(self, layer: int) -> list[Step]:
        """BP2: δ^l = ((W^{l+1})^T δ^{l+1}) ⊙ σ'(z^l); with hidden_deltas: updated, W^{l+1} already updated."""
        network, n, m = self.network, self.network.widths[layer], len(self.samples)
        updated = network.spec.hidden_deltas == "updated"
        above, deltas_above = self.weights(layer + 1, updated), self.grid(layer + 1, "delta")
        slope_step, slopes = self.slopes(layer)
        back = [[add(*(mul(above[i][j], deltas_above[i][s]) for i in range(len(above)))) for s in range(m)]
                for j in range(n)]
        entries = [[mul(back[j][s], slopes[j][s]) for s in range(m)] for j in range(n)]
        w_label = self.label("weights", layer + 1, len(above), n, updated=updated)
        d_label = self.label("deltas", layer + 1, len(above))
        back_values = [[float(evaluate_form(e, PRECISE, self.own)[1]) for e in row] for row in back]
        forms = [sp.HadamardProduct(sp.MatMul(sp.Transpose(w_label), d_label, evaluate=False), slope_step.lhs,
                                    evaluate=False)]
        numbers = [sp.HadamardProduct(sp.MatMul(self.shown(_transposed(above)), self.shown(deltas_above),
                                                evaluate=False), _numbers(slope_step.value), evaluate=False),
                   sp.HadamardProduct(_numbers(back_values), _numbers(slope_step.value), evaluate=False)]
        deltas = self.grid(layer, "delta")
        delta = self.step("matrix_delta", self.label("deltas", layer, n), forms, numbers, entries, deltas)
        return [slope_step, delta]

    def gradients(self, layer: int) -> list[Step]:
        """BP3 and BP4, reduced over the samples (one column each), then the updates."""
        network, n, m = self.network, self.network.widths[layer], len(self.samples)
        factor = network.reduction_factor(m) if m > 1 else sp.Integer(1)
        deltas, below = self.grid(layer, "delta"), self.grid(layer - 1, "out")
        p = network.widths[layer - 1]

        def scaled(expr):
            return expr if factor == 1 else mul(factor, expr)

        def scaled_matrix(*factors):
            return sp.MatMul(*([] if factor == 1 else [factor]), *factors, evaluate=False)

        d_label = self.label("deltas", layer, n)
        below_label = self.label("outs" if layer > 1 else "inputs", layer - 1, p)
        w_entries = [[scaled(add(*(mul(deltas[j][s], below[k][s]) for s in range(m)))) for k in range(p)]
                     for j in range(n)]
        weights = self.weights(layer)
        w_gradient = self.step(
            "matrix_gradient_weights", self.label("gradient_weights", layer, n, p),
            [scaled_matrix(d_label, sp.Transpose(below_label))],
            [scaled_matrix(self.shown(deltas), self.shown(_transposed(below)))], w_entries, [[self.gradient_keys[w] for w in row] for row in weights])
        steps = [w_gradient, self.update(layer, w_gradient, weights, w_entries, "weights", p)]
        biases = self.layer_biases(layer)
        if biases:
            b_gradient, b_entries = self.bias_gradient(layer, biases, deltas, scaled, scaled_matrix, d_label)
            steps.insert(0, b_gradient)
            if network.spec.update_biases:
                steps.append(self.update(layer, b_gradient, [[b.symbol] for b in biases], b_entries, "biases", 1))
        return steps

    def layer_biases(self, layer: int):
        return [p for p in self.network.parameters if p.is_bias and p.quantity.layer == layer]

    def bias_gradient(self, layer, biases, deltas, scaled, scaled_matrix, d_label) -> tuple[Step, list]:
        m = len(self.samples)
        ones = sp.ImmutableMatrix([[1]] * m)
        if len(biases) == 1 and biases[0].quantity.to is None and len(deltas) > 1:  # one bias shared: every δ of the layer
            entries = [[scaled(add(*(d for row in deltas for d in row)))]]
            row_ones, columns = sp.ImmutableMatrix([[1] * len(deltas)]), [ones] if m > 1 else []
            forms = [scaled_matrix(row_ones, d_label, *columns)]
            numbers = [scaled_matrix(row_ones, self.shown(deltas), *columns)]
        else:
            entries = [[scaled(add(*row))] for row in deltas]
            forms = [scaled_matrix(d_label, ones)] if m > 1 else [d_label]
            numbers = [scaled_matrix(self.shown(deltas), ones)] if m > 1 else []
        keys = [[self.gradient_keys[b.symbol]] for b in biases]
        step = self.step("matrix_gradient_biases", self.label("gradient_biases", layer, len(biases), 1), forms,
                         numbers, entries, keys)
        return step, entries

    def update(self, layer: int, gradient: Step, symbols, entries, kind: str, columns: int) -> Step:
        """θ ← θ − η ∂C/∂θ, entry by entry."""
        rate, rows = self.network.rate, len(symbols)
        new = [[add(s, mul(sp.Integer(-1), rate, e)) for s, e in zip(srow, erow)] for srow, erow in zip(symbols, entries)]
        old = self.label(kind, layer, rows, columns)
        forms = [sp.MatAdd(old, sp.MatMul(sp.Integer(-1), rate, gradient.lhs, evaluate=False), evaluate=False)]
        numbers = [sp.MatAdd(self.shown(symbols), sp.MatMul(sp.Integer(-1), number(self.spec.learning_rate),
                                                            _numbers(gradient.value), evaluate=False), evaluate=False)]
        updated = [[symbol(s.quantity.as_updated()) for s in row] for row in symbols]
        return self.step(f"matrix_update_{kind}", self.label(kind, layer, rows, columns, updated=True), forms, numbers,
                         new, updated)

