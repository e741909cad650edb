"""The given values of a worked solution's §1: each sample's inputs and targets, and each layer's
weights and biases, as a list beside a labelled picture or, beside an unlabelled one, as a textbook
tabulates them (issue 18: a table per layer, W and b as the forward pass uses them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.quantities import Quantity

if TYPE_CHECKING:
    from .view import ViewBuilder


def given_values(view: ViewBuilder) -> dict:
    """Each sample's inputs and targets, each layer's parameters as a list (a labelled picture's
    caption) and as a table (an unlabelled picture's)."""
    network = view.network
    samples = []
    for s, sample in enumerate(view.solution.spec.samples, start=1):
        inputs = [(view.latex(network.out(0, k, s)), view.number(x)) for k, x in enumerate(sample.inputs, 1)]
        targets = [(view.latex(network.target(j, s)), view.number(t)) for j, t in enumerate(sample.targets, 1)]
        samples.append({"index": s, "inputs": inputs, "targets": targets})
    layers = []
    for l in range(1, network.depth + 1):
        params = [p for p in network.parameters if p.quantity.layer == l]
        layers.append({"index": l, "parameters": [(view.latex(p.symbol), view.number(p.value)) for p in params]})
    output = network.out(network.depth, 1, None)
    return {"samples": samples, "layers": layers, "tables": [layer_table(view, l) for l in range(1, network.depth + 1)],
            # how the notation marks one sample's value (a₂₀[2], a^{(2)}_1): said once, where samples are
            "sample_mark": {"marked": view.latex(network.out(network.depth, 1, 2)), "plain": view.latex(output)}
            if len(samples) > 1 else None}


def layer_table(view: ViewBuilder, l: int) -> dict:
    """Layer ``l``'s W and b as the forward pass uses them, as a textbook tabulates them: a row per
    neuron, a column per neuron of the layer below (the weight from it), the bias last; a shared
    bias is one value, said once (``shared``), not a column."""
    network, labels = view.network, view.printer.labels
    by_place = {(p.quantity.kind, p.quantity.to, p.quantity.source): p for p in network.parameters
                if p.quantity.layer == l}
    layer = view.solution.spec.layers[l - 1]
    biases = sorted((p for key, p in by_place.items() if key[0] == "bias"), key=lambda p: p.quantity.to or 0)

    def bias(j: int) -> str:  # a one-neuron layer's one bias is its neuron's own
        return view.number(biases[min(j, len(biases)) - 1].value)

    bias_column = bool(biases) and not layer.shares_bias
    inputs = range(1, network.widths[l - 1] + 1)
    rows = [{"neuron": view.latex(network.out(l, j, None)),
             "cells": [view.number(by_place["weight", j, k].value) for k in inputs] + ([bias(j)] if bias_column else [])}
            for j in range(1, network.widths[l] + 1)]
    return {"index": l, "weights": labels.matrix(Quantity("weights", l)),
            "biases": labels.matrix(Quantity("biases", l)) if biases else None,
            # a column's input neuron; None for the bias column
            "headers": [view.latex(network.out(l - 1, k, None)) for k in inputs] + ([None] if bias_column else []),
            "rows": rows, "bias_column": bias_column,
            "shared": {"label": view.latex(biases[0].symbol), "value": view.number(biases[0].value)}
            if layer.shares_bias else None}
