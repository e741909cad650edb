"""The symbolic check: SymEngine differentiates the whole error, for every gradient the first update uses.

SymEngine (the SymPy project's C++ core) is a different code base from the SymPy that derives the
worked solution, and this module builds the error from the spec's numbers with its own table of
definitions, so agreement is evidence. Each piecewise unit is fixed to the piece its numbers select
(the derivation's pieces), and softmax is shifted by a constant (the largest net input's value, which
leaves it unchanged). Derivatives are evaluated by substitution in MPFR at the derivation's precision:
doubles lose a saturated unit's 1 - out (binary cross-entropy at out = 1 - 4e-13 kept three digits).

The derivative of a deep network's whole error repeats every path through it: 11^7 of them for eight
layers of 11. So the layers are taken in blocks through which at most PATHS paths run; within a
block the error (or the next block's gradient times the block's outputs) is differentiated whole,
and blocks are joined by the chain rule. A network of up to about three layers of 16 is one block:
the whole error, differentiated at once.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict

from .checker import EXACT_TOLERANCE, Checker, Note
from ..engine.derive import Derivation
from ..engine.network import SymbolicNetwork
from ..model.notation import Labels

def _import_symengine():
    """SymEngine without NumPy where NumPy is not loaded yet: its wrapper imports NumPy only for
    Lambdify, which this check does not use, and NumPy doubles the import (0.17 s to 0.08 s, a sixth
    of a small solve). NumPy imports normally afterwards."""
    if "numpy" in sys.modules:
        import symengine
        return symengine
    sys.modules["numpy"] = None  # an import of it fails, as if it were not installed
    try:
        import symengine
    finally:
        del sys.modules["numpy"]
    return symengine


se = _import_symengine()

#: Each activation as SymEngine writes it: (net inputs, k, alpha, piece, shift) -> out_k.
#: ``piece`` is 0 where a ReLU's net input is positive; ``shift`` is a constant softmax subtracts.
ACTIVATIONS = {
    "sigmoid": lambda nets, k, alpha, piece, shift: 1 / (1 + se.exp(-nets[k])),
    "tanh": lambda nets, k, alpha, piece, shift: se.tanh(nets[k]),
    "relu": lambda nets, k, alpha, piece, shift: nets[k] if piece == 0 else se.Integer(0),
    "leaky_relu": lambda nets, k, alpha, piece, shift: nets[k] if piece == 0 else alpha * nets[k],
    "linear": lambda nets, k, alpha, piece, shift: nets[k],
    "softmax": lambda nets, k, alpha, piece, shift: se.exp(nets[k] - shift) / se.Add(*(se.exp(z - shift) for z in nets)),
}

#: Each output's share of a sample's error: (target, output, number of outputs) -> term.
LOSSES = {
    "half_sse": lambda t, o, n: (t - o) ** 2 / 2,
    "sse": lambda t, o, n: (t - o) ** 2,
    "mse": lambda t, o, n: (t - o) ** 2 / n,
    "cross_entropy": lambda t, o, n: -t * se.log(o),
    "binary_cross_entropy": lambda t, o, n: -(t * se.log(o) + (1 - t) * se.log(1 - o)),
}


#: The most paths through a block's inner layers (the product of their widths).
PATHS = 300


def against_symengine(check: Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict,
                      scales: dict, labels: Labels, notes: list) -> set:
    """Checks every gradient in ``gradients`` (parameter symbol -> its step); returns those checked."""
    if not gradients:
        return set()
    blocks = _blocks(network.widths)

    def number(v):  # MPFR at the derivation's precision: doubles lose a saturated unit's 1 - out
        return se.RealMPFR(repr(float(v)), derivation.bits)

    values = _gradients(network, derivation, blocks, number)
    for p in network.parameters:
        step = gradients.get(p.symbol)
        if step is not None:
            scale = scales[step.lhs]
            check.same("symbolic", f"dE/d{labels(p.quantity)}", step.value, values[p.symbol],
                       EXACT_TOLERANCE * scale, scale)
    if len(blocks) > 1:
        spans = ", ".join(f"{a}-{b}" if a < b else f"{a}" for a, b in blocks)
        notes.append(Note((f"SymEngine differentiated the error in blocks of layers ({spans}) joined by the chain "
                           "rule: the whole error of so deep a network repeats too many paths",)))
    return {p.symbol for p in network.parameters if p.symbol in gradients}


def _blocks(widths: tuple) -> list[tuple[int, int]]:
    """Runs of layers (first, last), from layer 1 up, each with at most PATHS paths through its inner layers."""
    blocks, first, paths = [], 1, 1
    for layer in range(2, len(widths)):
        paths *= widths[layer - 1]
        if paths > PATHS:
            blocks.append((first, layer - 1))
            first, paths = layer, 1
    return blocks + [(first, len(widths) - 1)]


def _gradients(network: SymbolicNetwork, derivation: Derivation, blocks: list, number) -> dict:
    """Every parameter's derivative of the update's error (parameter symbol -> float)."""
    spec, samples = network.spec, derivation.update_samples
    factor = number(1) / len(samples) if spec.reduction == "mean" else number(1)
    totals: dict = defaultdict(lambda: number(0))
    symbols = {p.symbol: se.Symbol(f"theta{i}") for i, p in enumerate(network.parameters)}
    point = {symbols[p.symbol]: number(p.value) for p in network.parameters}
    numbers = {p.symbol: number(p.value) for p in network.parameters}
    for s in samples:
        entering = [[number(x) for x in spec.samples[s - 1].inputs]]
        for first, last in blocks[:-1]:  # the activations entering each block, in numbers
            entering.append(_block(network, derivation, s, first, last, entering[-1], numbers, number))
        upstream = None  # d error / d (the block's outputs), numbers; None for the last block
        for (first, last), below in reversed(list(zip(blocks, entering))):
            inputs = [se.Symbol(f"u{k}") for k in range(len(below))] if first > 1 else below
            outputs = _block(network, derivation, s, first, last, inputs, symbols, number)
            scalar = outputs[0] if upstream is None else se.Add(*(g * o for g, o in zip(upstream, outputs)))
            at_inputs = dict(zip(inputs, below)) if first > 1 else {}
            for group in _groups(network, first, last):
                mine = {symbols[p.symbol] for p in group}
                # the other parameters as numbers first: a derivative then carries only what depends on
                # this neuron's (16-16-16-16: all 816 derivatives in about a second, 9 s without)
                alone = scalar.xreplace({**{k: v for k, v in point.items() if k not in mine}, **at_inputs})
                at_point = {k: point[k] for k in mine}
                for p in group:
                    totals[p.symbol] += factor * alone.diff(symbols[p.symbol]).xreplace(at_point)
            if first > 1:
                fixed = scalar.xreplace(point)
                upstream = [fixed.diff(u).xreplace(at_inputs) for u in inputs]
    return {symbol: _as_float(total) for symbol, total in totals.items()}


def _groups(network: SymbolicNetwork, first: int, last: int) -> list[list]:
    """The parameters of layers first..last by the neuron they feed (a shared bias on its own)."""
    groups: dict = {}
    for p in network.parameters:
        if first <= p.quantity.layer <= last:
            groups.setdefault((p.quantity.layer, p.quantity.to), []).append(p)
    return list(groups.values())


def _block(network: SymbolicNetwork, derivation: Derivation, s: int, first: int, last: int, below: list,
           parameters: dict, number) -> list:
    """The outputs of layers first..last from the activations ``below``; past the output layer, the
    sample's error (a list of one)."""
    spec, pieces, values = network.spec, derivation.pieces(), derivation.values
    outs = below
    for layer in range(first, last + 1):
        nets = []
        for j in range(1, network.widths[layer] + 1):
            terms = [parameters[network.weight(layer, j, k)] * a for k, a in enumerate(outs, start=1)]
            bias = network.bias(layer, j)
            nets.append(se.Add(*terms, *([parameters[bias.symbol]] if bias else [])))
        shift = number(max(values[network.net(layer, j, s)] for j in range(1, len(nets) + 1)))
        spec_layer = spec.layers[layer - 1]
        rule, alpha = ACTIVATIONS[spec_layer.activation], None if spec_layer.alpha is None else number(spec_layer.alpha)
        outs = [rule(nets, j, alpha, pieces.get((layer, j + 1, s)), shift) for j in range(len(nets))]
    if last < network.depth:
        return outs
    loss, targets = LOSSES[spec.loss], spec.samples[s - 1].targets
    return [se.Add(*(loss(number(t), o, len(outs)) for t, o in zip(targets, outs)))]


def _as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):  # zoo or nan: an infinity SymEngine cannot order
        return math.nan
