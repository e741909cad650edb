"""An independent reference for the tests: a forward pass written from the textbook formulas,
and gradients by central differences. It shares no code with symbackprop's engine, only the
Spec it reads its numbers from.
"""

from __future__ import annotations

import math

ACTIVATIONS = {
    # 1/(1 + e^{-z}); for z < 0 as e^{z}/(1 + e^{z}): no overflow, and tiny outputs keep their digits
    "sigmoid": lambda z, alpha: 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)),
    "tanh": lambda z, alpha: math.tanh(z),
    "relu": lambda z, alpha: max(0.0, z),
    "leaky_relu": lambda z, alpha: z if z > 0 else alpha * z,
    "linear": lambda z, alpha: z,
}

LOSSES = {
    "half_sse": lambda t, o: sum(0.5 * (a - b) ** 2 for a, b in zip(t, o)),
    "sse": lambda t, o: sum((a - b) ** 2 for a, b in zip(t, o)),
    "mse": lambda t, o: sum((a - b) ** 2 for a, b in zip(t, o)) / len(t),
    "cross_entropy": lambda t, o: -sum(a * math.log(b) for a, b in zip(t, o) if a),
    "binary_cross_entropy": lambda t, o: -sum(a * math.log(b) + (1 - a) * math.log1p(-b) for a, b in zip(t, o)),
}


def softmax(nets: list[float]) -> list[float]:
    """e^{z_k} / sum_m e^{z_m}, written as e^{z_k - z_max} / sum_m e^{z_m - z_max}."""
    top = max(nets)
    exps = [math.exp(z - top) for z in nets]
    return [e / sum(exps) for e in exps]


def parameters(spec) -> list[float]:
    """Flat, in the JSON contract's order: per layer, weights row by row, then the bias(es)."""
    flat = []
    for layer in spec.layers:
        flat += [w for row in layer.weights for w in row]
        if isinstance(layer.bias, float):
            flat.append(layer.bias)
        elif layer.bias is not None:
            flat += list(layer.bias)
    return flat


def outputs(spec, flat: list[float], inputs) -> list[float]:
    values, position = list(inputs), 0
    for layer in spec.layers:
        width, below = len(layer.weights), len(values)
        weights = [flat[position + j * below: position + (j + 1) * below] for j in range(width)]
        position += width * below
        if isinstance(layer.bias, float):
            biases, position = [flat[position]] * width, position + 1
        elif layer.bias is None:
            biases = [0.0] * width
        else:
            biases, position = flat[position: position + width], position + width
        nets = [sum(w * x for w, x in zip(row, values)) + b for row, b in zip(weights, biases)]
        if layer.activation == "softmax":
            values = softmax(nets)
        else:
            values = [ACTIVATIONS[layer.activation](z, layer.alpha) for z in nets]
    return values


def error(spec, flat: list[float], samples=None) -> float:
    chosen = spec.samples if samples is None else [spec.samples[i] for i in samples]
    total = sum(LOSSES[spec.loss](s.targets, outputs(spec, flat, s.inputs)) for s in chosen)
    return total / len(chosen) if spec.reduction == "mean" else total


def gradient(spec, flat: list[float], samples=None, h: float = 1e-6) -> list[float]:
    result = []
    for i in range(len(flat)):
        up, down = flat[:], flat[:]
        up[i] += h
        down[i] -= h
        result.append((error(spec, up, samples) - error(spec, down, samples)) / (2 * h))
    return result
