"""Stage 2: the network as SymPy symbols and expressions.

Each neuron gets its own ``net`` and ``out`` symbols per sample, and its net input is an expression
in the symbols of the layer below. Keeping one symbol per neuron (rather than substituting layer into
layer) keeps every local derivative small, so deriving a worked solution costs time linear in the
number of weights. (The fully substituted error, for the independent symbolic check, is the
oracle's own: oracle/symbolic_check.py builds it in SymEngine.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..model.quantities import Quantity, symbol
from ..model.rules import ACTIVATIONS, LOSSES, REDUCTIONS, SIMPLIFICATIONS, Simplification
from ..model.spec import Spec


@dataclass(frozen=True)
class Parameter:
    """One weight or bias. A shared bias reaches every neuron of its layer."""

    quantity: Quantity
    value: float
    reaches: tuple[int, ...]  # neurons of ``quantity.layer`` whose net input contains it

    @property
    def symbol(self) -> sp.Symbol:
        return symbol(self.quantity)

    @property
    def updated_symbol(self) -> sp.Symbol:
        return symbol(self.quantity.as_updated())

    @property
    def change_symbol(self) -> sp.Symbol:
        return symbol(self.quantity.as_change())

    @property
    def is_bias(self) -> bool:
        return self.quantity.kind == "bias"


class SymbolicNetwork:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.depth = len(spec.layers)
        self.widths = spec.widths
        self.outputs = self.widths[-1]
        self.parameters = tuple(self._parameters())
        self._bias = {(p.quantity.layer, j): p for p in self.parameters if p.is_bias for j in p.reaches}

    def _parameters(self):
        for l, layer in enumerate(self.spec.layers, start=1):
            for j, row in enumerate(layer.weights, start=1):
                for k, value in enumerate(row, start=1):
                    yield Parameter(Quantity("weight", l, j, k), value, (j,))
            kind = layer.bias_kind
            if kind == "shared":
                yield Parameter(Quantity("bias", l), layer.bias, tuple(range(1, layer.width + 1)))
            elif kind == "per_neuron":
                for j, value in enumerate(layer.bias, start=1):
                    yield Parameter(Quantity("bias", l, j), value, (j,))

    @property
    def sample_count(self) -> int:
        return len(self.spec.samples)

    # -- symbols ------------------------------------------------------------------------------
    def out(self, layer: int, j: int, s: int) -> sp.Symbol:
        if layer == 0:
            return symbol(Quantity("input", 0, j, sample=s))
        return symbol(Quantity("out", layer, j, sample=s))

    def net(self, layer: int, j: int, s: int) -> sp.Symbol:
        return symbol(Quantity("net", layer, j, sample=s))

    def target(self, j: int, s: int) -> sp.Symbol:
        return symbol(Quantity("target", None, j, sample=s))

    def term(self, j: int, s: int) -> sp.Symbol:
        return symbol(Quantity("term", None, j, sample=s))

    def delta(self, layer: int, j: int, s: int) -> sp.Symbol:
        return symbol(Quantity("delta", layer, j, sample=s))

    def error(self, s: int | None) -> sp.Symbol:
        """Sample s's error; with one sample (or s None) the total error E."""
        return symbol(Quantity("error", sample=s if self.sample_count > 1 else None))

    @cached_property
    def rate(self) -> sp.Symbol:
        return symbol(Quantity("rate"))

    def weight(self, layer: int, j: int, k: int, updated: bool = False) -> sp.Symbol:
        return symbol(Quantity("weight", layer, j, k, updated=updated))

    def bias(self, layer: int, j: int) -> Parameter | None:
        return self._bias.get((layer, j))

    # -- values and expressions ----------------------------------------------------------------
    def given_values(self) -> dict[sp.Symbol, float]:
        """Inputs, targets, parameters and learning rate: everything the spec fixes."""
        values = {p.symbol: p.value for p in self.parameters}
        values[self.rate] = self.spec.learning_rate
        for s, sample in enumerate(self.spec.samples, start=1):
            values.update({self.out(0, k, s): x for k, x in enumerate(sample.inputs, start=1)})
            values.update({self.target(j, s): t for j, t in enumerate(sample.targets, start=1)})
        return values

    def activation(self, layer: int):
        spec_layer = self.spec.layers[layer - 1]
        return ACTIVATIONS[spec_layer.activation], spec_layer.alpha

    @property
    def loss(self):
        return LOSSES[self.spec.loss]

    @property
    def simplification(self) -> Simplification | None:
        """The closed form of an output δ that this output activation and loss allow, if any."""
        return SIMPLIFICATIONS.get((self.spec.layers[-1].activation, self.spec.loss))

    def reduction_factor(self, m: int) -> sp.Rational:
        return REDUCTIONS[self.spec.reduction](m)
