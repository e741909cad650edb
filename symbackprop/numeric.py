"""Plain-float backpropagation: the training loop, and an oracle for the symbolic derivation.

This module shares nothing with derive.py except the rule tables' float functions, so agreement
between the two is evidence, not tautology. It runs thousands of iterations quickly (no SymPy in the
loop), which is what the history of the error needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import mul

from .network import bias_kind
from .rules import ACTIVATIONS, LOSSES
from .spec import Spec


@dataclass
class State:
    """Parameters as nested lists: weights[l][j][k] and biases[l] (one value if shared, none if absent).

    Index l counts from 0 here, for layer l + 1 of the spec.
    """

    weights: list[list[list[float]]]
    biases: list[list[float]]

    def flat(self) -> list[float]:
        """Values in the order of SymbolicNetwork.parameters: per layer, weights row by row, then biases."""
        values = []
        for w, b in zip(self.weights, self.biases):
            values.extend(v for row in w for v in row)
            values.extend(b)
        return values


@dataclass(frozen=True)
class Trace:
    """One sample's forward and backward values: nets[l][j], outs[l][j] (outs[0] = inputs), deltas[l][j]."""

    nets: list[list[float]]
    outs: list[list[float]]
    deltas: list[list[float]]


@dataclass(frozen=True)
class Training:
    initial_traces: tuple[Trace, ...]  # every sample at the initial parameters, true deltas
    update_traces: tuple[Trace, ...]  # the samples of the first update, deltas as that update uses them
    first_gradient: list[float]  # flat, as used by the first update
    updated: State  # after the first update
    final: State
    history: list[float]  # error before training and after each iteration


class NumericNetwork:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.rules = [(ACTIVATIONS[layer.activation], layer.alpha) for layer in spec.layers]
        self.bias_kinds = [bias_kind(layer.bias) for layer in spec.layers]
        self.shared = [kind == "shared" for kind in self.bias_kinds]
        self.loss = LOSSES[spec.loss]
        self.samples = [(list(s.inputs), list(s.targets)) for s in spec.samples]

    def initial_state(self) -> State:
        biases = []
        for layer in self.spec.layers:
            kind = bias_kind(layer.bias)
            biases.append([] if kind == "none" else [layer.bias] if kind == "shared" else list(layer.bias))
        return State([[list(row) for row in layer.weights] for layer in self.spec.layers], biases)

    def forward(self, state: State, inputs: list[float]) -> tuple[list[list[float]], list[list[float]]]:
        nets, outs = [[]], [inputs]
        for (rule, alpha), w, b, shared in zip(self.rules, state.weights, state.biases, self.shared):
            below = outs[-1]
            z = [sum(map(mul, row, below)) for row in w]
            if b:
                z = [zj + (b[0] if shared else b[j]) for j, zj in enumerate(z)]
            nets.append(z)
            outs.append([rule.value(zj, alpha) for zj in z])
        return nets, outs

    def sample_error(self, outputs: list[float], targets: list[float]) -> float:
        n = len(targets)
        return sum(self.loss.value(t, o, n) for t, o in zip(targets, outputs))

    def error(self, state: State) -> float:
        """The total error over all samples, reduced as the spec says."""
        total = sum(self.sample_error(self.forward(state, x)[1][-1], t) for x, t in self.samples)
        return total / len(self.samples) if self.spec.reduction == "mean" else total

    def update(self, state: State, batch: list[int], updated_above: bool) -> tuple[State, list[float], list[Trace]]:
        """One gradient step on the samples ``batch``; returns the new state, flat gradient, traces.

        With ``updated_above`` a layer's deltas use the layer above as already updated (Mazur's
        blog did this by accident; ``hidden_deltas: updated`` asks for it). Lists are never
        mutated once built, so the new state shares what did not change.
        """
        factor = 1.0 / len(batch) if self.spec.reduction == "mean" else 1.0
        rate, n = self.spec.learning_rate, len(self.samples[0][1])
        forwards = [self.forward(state, self.samples[i][0]) for i in batch]
        loss_slope = self.loss.derivative
        grad_outs = [[loss_slope(t, o, n) for t, o in zip(self.samples[i][1], outs[-1])]
                     for i, (_, outs) in zip(batch, forwards)]
        depth = len(state.weights)
        new_weights, new_biases = list(state.weights), list(state.biases)
        deltas, gradient = [None] * depth, []
        for l in range(depth - 1, -1, -1):
            rule, alpha = self.rules[l]
            slope = rule.derivative
            ds = [[g * slope(z, a, alpha) for g, z, a in zip(go, nets[l + 1], outs[l + 1])]
                  for go, (nets, outs) in zip(grad_outs, forwards)]
            deltas[l] = ds
            gw, gb = self._layer_gradient(l, ds, [outs[l] for _, outs in forwards], factor)
            new_weights[l] = [[w - rate * g for w, g in zip(row, grow)] for row, grow in zip(state.weights[l], gw)]
            if self.spec.update_biases and gb:
                new_biases[l] = [b - rate * g for b, g in zip(state.biases[l], gb)]
            gradient[:0] = [v for row in gw for v in row] + gb
            if l:
                columns = list(zip(*(new_weights if updated_above else state.weights)[l]))
                grad_outs = [[sum(map(mul, col, d)) for col in columns] for d in ds]
        traces = [Trace(nets, outs, [[]] + [deltas[l][b_i] for l in range(depth)])
                  for b_i, (nets, outs) in enumerate(forwards)]
        return State(new_weights, new_biases), gradient, traces

    def _layer_gradient(self, l: int, ds: list, belows: list, factor: float) -> tuple[list, list]:
        """dE/dw[j][k] = factor * sum over samples of delta_j * out_k; biases likewise with out = 1."""
        if len(ds) == 1:
            per_neuron = [factor * dj for dj in ds[0]]
            gw = [[sj * a for a in belows[0]] for sj in per_neuron]
        else:
            per_neuron = [factor * sum(d[j] for d in ds) for j in range(len(ds[0]))]
            gw = [[factor * sum(d[j] * below[k] for d, below in zip(ds, belows)) for k in range(len(belows[0]))]
                  for j in range(len(ds[0]))]
        kind = self.bias_kinds[l]
        return gw, [] if kind == "none" else [sum(per_neuron)] if kind == "shared" else per_neuron

    def traces_error(self, traces: list[Trace]) -> float:
        """The total error from forward passes over all samples, in sample order."""
        total = sum(self.sample_error(tr.outs[-1], t) for tr, (_, t) in zip(traces, self.samples))
        return total / len(self.samples) if self.spec.reduction == "mean" else total

    def batches(self) -> list[list[int]]:
        """The updates of one iteration: all samples at once, or one sample at a time."""
        indices = list(range(len(self.samples)))
        return [indices] if self.spec.mode == "batch" else [[i] for i in indices]

    def train(self, iterations: int) -> Training:
        """Run the iterations, recording the total error before training and after each iteration.

        In batch mode the forward pass of each update already gives the error of the state it
        starts from, so the loop needs no extra forward pass.
        """
        state = self.initial_state()
        everything = list(range(len(self.samples)))
        _, _, initial_traces = self.update(state, everything, updated_above=False)
        updated_above = self.spec.hidden_deltas == "updated"
        history, first = [], None
        for _ in range(iterations):
            if self.spec.mode == "batch":
                state, gradient, traces = self.update(state, everything, updated_above)
                history.append(self.traces_error(traces))
                first = first or (state, gradient, traces)
                continue
            history.append(self.error(state))
            for i in everything:
                state, gradient, traces = self.update(state, [i], updated_above)
                first = first or (state, gradient, traces)
        history.append(self.error(state))
        updated, gradient, traces = first
        return Training(tuple(initial_traces), tuple(traces), gradient, updated, state, history)
