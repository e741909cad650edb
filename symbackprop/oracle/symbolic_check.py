"""The symbolic check: SymEngine differentiates the whole error, for every gradient the first update uses.

SymEngine (the SymPy project's C++ core) is a different code base from the SymPy that derives the
worked solution, and this module builds the error from the spec's numbers with its own table of
definitions, so agreement is evidence. Each piecewise unit is fixed to the piece its numbers select
(the derivation's pieces), softmax is shifted by a constant (the largest net input's value, which
leaves it unchanged), and every derivative is evaluated in doubles by substitution: for a 16-16-16-16
network all 816 derivatives take about a second, so no network within the spec's limits skips it.
Doubles round, so the comparison allows float rounding of the terms' scale (checker.TOLERANCE).
"""

from __future__ import annotations

import math

import symengine as se

from .checker import EXACT_TOLERANCE, TOLERANCE, Checker
from ..engine.derive import Derivation
from ..engine.network import SymbolicNetwork
from ..model.notation import Labels

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


def against_symengine(check: Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict,
                      scales: dict, labels: Labels, notes: list) -> set:
    """Checks every gradient in ``gradients`` (parameter symbol -> its step); returns those checked."""
    if not gradients:
        return set()
    parameters = {p.symbol: se.Symbol(f"theta{i}") for i, p in enumerate(network.parameters)}
    error = _full_error(network, derivation, parameters, se.RealDouble)
    point = {parameters[p.symbol]: se.RealDouble(p.value) for p in network.parameters}
    precise = None
    checked = set()
    for p in network.parameters:
        step = gradients.get(p.symbol)
        if step is None:
            continue
        derivative = error.diff(parameters[p.symbol])
        value, tolerance = _as_float(derivative.xreplace(point)), TOLERANCE
        if not math.isfinite(value):  # a saturated log whose argument doubles round to 0: the same in MPFR
            def number(v):
                return se.RealMPFR(repr(float(v)), derivation.bits)
            precise = precise or (_full_error(network, derivation, parameters, number),
                                  {parameters[q.symbol]: number(q.value) for q in network.parameters})
            value = _as_float(precise[0].diff(parameters[p.symbol]).xreplace(precise[1]))
            tolerance = EXACT_TOLERANCE
        scale = scales[step.lhs]
        check.same("symbolic", f"dE/d{labels(p.quantity)}", step.value, value, tolerance * scale, scale)
        checked.add(p.symbol)
    return checked


def _full_error(network: SymbolicNetwork, derivation: Derivation, parameters: dict, number):
    """The error over the update's samples in the parameters, the data put in as ``number(value)``."""
    spec, pieces = network.spec, derivation.pieces()
    values = derivation.values
    total = se.Integer(0)
    for s in derivation.update_samples:
        sample = spec.samples[s - 1]
        outs = [number(x) for x in sample.inputs]
        for layer, spec_layer in enumerate(spec.layers, start=1):
            nets = []
            for j in range(1, network.widths[layer] + 1):
                terms = [parameters[network.weight(layer, j, k)] * a for k, a in enumerate(outs, start=1)]
                bias = network.bias(layer, j)
                nets.append(se.Add(*terms, *([parameters[bias.symbol]] if bias else [])))
            shift = number(max(values[network.net(layer, j, s)] for j in range(1, len(nets) + 1)))
            rule = ACTIVATIONS[spec_layer.activation]
            alpha = None if spec_layer.alpha is None else number(spec_layer.alpha)
            outs = [rule(nets, j, alpha, pieces.get((layer, j + 1, s)), shift) for j in range(len(nets))]
        loss = LOSSES[spec.loss]
        total += se.Add(*(loss(number(t), o, len(outs)) for t, o in zip(sample.targets, outs)))
    samples = len(derivation.update_samples)
    return total / samples if spec.reduction == "mean" else total


def _as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):  # zoo or nan: an infinity SymEngine cannot order
        return math.nan
