"""An exact reference for the tests: the network's error in mpmath at 80 digits, written from the
textbook formulas, and every derivative by mpmath's own numerical differentiation (``mpmath.diff``) of
that error. It shares no code with symbackprop, only the Spec it reads its numbers from, and it has no
backpropagation at all, so agreeing with it is evidence about the chain rule, not a copy of it.
"""

from __future__ import annotations

import mpmath

import reference

DIGITS = 80

ACTIVATIONS = {
    "sigmoid": lambda z, alpha: 1 / (1 + mpmath.exp(-z)),
    "tanh": lambda z, alpha: mpmath.tanh(z),
    "relu": lambda z, alpha: z if z > 0 else mpmath.mpf(0),
    "leaky_relu": lambda z, alpha: z if z > 0 else alpha * z,
    "linear": lambda z, alpha: z,
}


def _xlogy(t, o):
    return 0 if t == 0 else t * mpmath.log(o)


LOSSES = {
    "half_sse": lambda t, o: mpmath.fsum((a - b) ** 2 for a, b in zip(t, o)) / 2,
    "sse": lambda t, o: mpmath.fsum((a - b) ** 2 for a, b in zip(t, o)),
    "mse": lambda t, o: mpmath.fsum((a - b) ** 2 for a, b in zip(t, o)) / len(t),
    "cross_entropy": lambda t, o: -mpmath.fsum(_xlogy(a, b) for a, b in zip(t, o)),
    "binary_cross_entropy": lambda t, o: -mpmath.fsum(_xlogy(a, b) + _xlogy(1 - a, 1 - b) for a, b in zip(t, o)),
}


def _layers(spec, flat):
    """Weights and biases per layer from flat parameters (the JSON contract's order)."""
    position, layers = 0, []
    for layer in spec.layers:
        width, below = len(layer.weights), len(layer.weights[0])
        weights = [flat[position + j * below: position + (j + 1) * below] for j in range(width)]
        position += width * below
        if isinstance(layer.bias, float):
            biases, position = [flat[position]] * width, position + 1
        elif layer.bias is None:
            biases = [mpmath.mpf(0)] * width
        else:
            biases, position = flat[position: position + width], position + width
        layers.append((layer, weights, biases))
    return layers


def forward(spec, flat, inputs, nudge=None):
    """Nets and outs of every layer; ``nudge = (layer, j, h)`` adds h to one net input."""
    values, nets_all, outs_all = [mpmath.mpf(x) for x in inputs], [], []
    for l, (layer, weights, biases) in enumerate(_layers(spec, flat), start=1):
        nets = [mpmath.fsum(w * x for w, x in zip(row, values)) + b for row, b in zip(weights, biases)]
        if nudge is not None and nudge[0] == l:
            nets[nudge[1] - 1] += nudge[2]
        if layer.activation == "softmax":
            top = max(nets)
            exps = [mpmath.exp(z - top) for z in nets]
            values = [e / mpmath.fsum(exps) for e in exps]
        else:
            values = [ACTIVATIONS[layer.activation](z, layer.alpha) for z in nets]
        nets_all.append(nets)
        outs_all.append(values)
    return nets_all, outs_all


def sample_error(spec, flat, sample, nudge=None):
    return LOSSES[spec.loss]([mpmath.mpf(t) for t in sample.targets], forward(spec, flat, sample.inputs, nudge)[1][-1])


def error(spec, flat, samples=None):
    chosen = spec.samples if samples is None else [spec.samples[i] for i in samples]
    total = mpmath.fsum(sample_error(spec, flat, s) for s in chosen)
    return total / len(chosen) if spec.reduction == "mean" else total


def _diff(function):
    return mpmath.diff(function, 0)


def gradient(spec, flat, samples=None):
    def moved(i, h):
        return [v + h if k == i else v for k, v in enumerate(flat)]
    return [_diff(lambda h, i=i: error(spec, moved(i, h), samples)) for i in range(len(flat))]


def delta(spec, flat, sample, layer, j):
    """∂(the sample's error)/∂net_j of ``layer``."""
    return _diff(lambda h: sample_error(spec, flat, sample, (layer, j, h)))


def initial(spec):
    """The spec's parameters, flat in the JSON contract's order (tests/reference.py), as mpf."""
    return [mpmath.mpf(v) for v in reference.parameters(spec)]


def train(spec):
    """(flat parameters after the first update, after all iterations, the error history)."""
    flat, rate = initial(spec), mpmath.mpf(spec.learning_rate)
    kinds = []
    for layer in spec.layers:
        kinds += ["w"] * sum(len(row) for row in layer.weights)
        kinds += ["b"] * (0 if layer.bias is None else 1 if isinstance(layer.bias, float) else len(layer.bias))
    batches = [None] if spec.mode == "batch" else [[i] for i in range(len(spec.samples))]
    history, first = [error(spec, flat)], None
    for _ in range(spec.iterations):
        for batch in batches:
            grad = gradient(spec, flat, batch)
            flat = [v - rate * g if kind == "w" or spec.update_biases else v for v, g, kind in zip(flat, grad, kinds)]
            first = first or flat
        history.append(error(spec, flat))
    return first, flat, history
