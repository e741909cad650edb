"""Plain-float backpropagation: the independent oracle for the symbolic derivation.

This module shares nothing with derive.py or training.py except the rule tables' float functions,
so agreement is evidence, not tautology. verify.py compares every value of the first update, and
the errors and parameters of the first iterations of training, with what it computes here.
"""

from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass
from operator import add, mul, sub

import mpmath

from ..model.rules import ACTIVATIONS, LOSSES
from ..model.spec import Spec


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
class Update:
    state: State  # after the update
    gradient: list[float]  # flat, in SymbolicNetwork.parameters order
    traces: list[Trace]  # one per sample updated on


@dataclass(frozen=True)
class Reference:
    """What the numeric engine computes for verification and for the JSON contract."""

    initial_traces: tuple[Trace, ...]  # every sample at the initial parameters, true deltas
    first_update: Update  # the first update step as the spec defines it
    early_errors: tuple[float, ...]  # the total error after each of the first CHECKED_ITERATIONS iterations
    early_state: State  # the parameters after them
    # How far the same iterations move when every parameter starts off by PERTURBATION (relatively):
    # rounding differences between two correct implementations grow no faster, so verify.py scales
    # its training tolerances by these (wide where training is chaotic or crosses a kink).
    error_spread: tuple[float, ...]  # per iteration, like early_errors
    state_spread: tuple[float, ...]  # per parameter, flat, like early_state.flat()


#: The relative change of every parameter whose effect measures how sensitive training is.
PERTURBATION = 1e-9


def _at_precision(method):
    """Runs a method of a precise network at its working precision (mpmath's is global)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.precision():
            return method(self, *args, **kwargs)
    return run


class NumericNetwork:
    """Backpropagation in floats, or with ``bits`` in mpmath: the float network is fast enough for
    finite differences and a class's replays; the precise one is the reference a document's and the
    JSON's values are checked against (and the source of the JSON's deltas), exact where floats lose
    digits (a saturated unit's 1 - out, an output that has nearly reached its target)."""

    def __init__(self, spec: Spec, bits: int | None = None):
        self.spec, self.bits = spec, bits
        self.number = float if bits is None else mpmath.mpf
        self.rules = [(ACTIVATIONS[layer.activation], layer.alpha) for layer in spec.layers]
        self.bias_kinds = [layer.bias_kind for layer in spec.layers]
        self.shared = [kind == "shared" for kind in self.bias_kinds]
        self.loss = LOSSES[spec.loss]
        self.update_biases = spec.update_biases
        self.samples = [(self._numbers(s.inputs), self._numbers(s.targets)) for s in spec.samples]
        self._shapes = self.initial_state()

    def precision(self):
        """The context to compute with this network's numbers in (mpmath's precision is global)."""
        return mpmath.workprec(self.bits) if self.bits else nullcontext()

    def _numbers(self, values) -> list:
        return [self.number(v) for v in values]

    def initial_state(self) -> State:
        """The parameters as the spec gives them."""
        biases = []
        for layer in self.spec.layers:
            kind = layer.bias_kind
            biases.append([] if kind == "none" else self._numbers([layer.bias] if kind == "shared" else layer.bias))
        return State([self._numbers_rows(layer.weights) for layer in self.spec.layers], biases)

    def _numbers_rows(self, rows) -> list:
        return [self._numbers(row) for row in rows]

    @_at_precision
    def forward(self, state: State, inputs: list[float]) -> tuple[list[list[float]], list[list[float]]]:
        nets, outs = [[]], [inputs]
        for (rule, alpha), w, b, shared in zip(self.rules, state.weights, state.biases, self.shared):
            below = outs[-1]
            z = [sum(map(mul, row, below)) for row in w]
            if b:
                z = list(map(add, z, b * len(z) if shared else b))
            nets.append(z)
            outs.append(rule.forward(z, alpha))
        return nets, outs

    @_at_precision
    def sample_error(self, outputs: list[float], targets: list[float]) -> float:
        n = len(targets)
        return sum(self.loss.value(t, o, n) for t, o in zip(targets, outputs))

    @_at_precision
    def error(self, state: State) -> float:
        """The total error over all samples, reduced as the spec says."""
        total = sum(self.sample_error(self.forward(state, x)[1][-1], t) for x, t in self.samples)
        return total / len(self.samples) if self.spec.reduction == "mean" else total

    @_at_precision
    def update(self, state: State, batch: list[int], updated_above: bool) -> Update:
        """One gradient step on the samples ``batch``.

        With ``updated_above`` a layer's deltas use the layer above as already updated (Mazur's
        blog did this by accident; ``hidden_deltas: updated`` asks for it). Lists are never
        mutated once built, so the new state shares what did not change.
        """
        factor = self.number(1) / len(batch) if self.spec.reduction == "mean" else self.number(1)
        rate, n = self.number(self.spec.learning_rate), len(self.samples[0][1])
        forwards = [self.forward(state, self.samples[i][0]) for i in batch]
        targets = [self.samples[i][1] for i in batch]
        grad_outs = [list(map(self.loss.derivative, t, outs[-1], [n] * n)) for t, (_, outs) in zip(targets, forwards)]
        depth = len(state.weights)
        new_weights, new_biases = list(state.weights), list(state.biases)
        deltas, gradient = [None] * depth, []
        for l in range(depth - 1, -1, -1):
            rule, alpha = self.rules[l]
            ds = [rule.backward(nets[l + 1], outs[l + 1], go, alpha) for go, (nets, outs) in zip(grad_outs, forwards)]
            deltas[l] = ds
            gw, gb = self._layer_gradient(l, ds, [outs[l] for _, outs in forwards], factor)
            new_weights[l] = [list(map(sub, row, map(rate.__mul__, grow))) for row, grow in zip(state.weights[l], gw)]
            if self.update_biases and gb:
                new_biases[l] = list(map(sub, state.biases[l], map(rate.__mul__, gb)))
            gradient[:0] = [v for row in gw for v in row] + gb
            if l:
                columns = list(zip(*(new_weights if updated_above else state.weights)[l]))
                grad_outs = [[sum(map(mul, col, d)) for col in columns] for d in ds]
        traces = [Trace(nets, outs, [[]] + [deltas[l][b_i] for l in range(depth)])
                  for b_i, (nets, outs) in enumerate(forwards)]
        return Update(State(new_weights, new_biases), gradient, traces)

    def _layer_gradient(self, l: int, ds: list, belows: list, factor: float) -> tuple[list, list]:
        """dE/dw[j][k] = factor * sum over samples of delta_j * out_k; biases likewise with out = 1."""
        if len(ds) == 1:
            per_neuron = list(map(factor.__mul__, ds[0]))
            gw = [list(map(sj.__mul__, belows[0])) for sj in per_neuron]
        else:
            per_neuron = [factor * sum(d[j] for d in ds) for j in range(len(ds[0]))]
            gw = [[factor * sum(d[j] * below[k] for d, below in zip(ds, belows)) for k in range(len(belows[0]))]
                  for j in range(len(ds[0]))]
        kind = self.bias_kinds[l]
        return gw, [] if kind == "none" else [sum(per_neuron)] if kind == "shared" else per_neuron

    def state_from(self, values: list[float]) -> State:
        """A state from flat values in SymbolicNetwork.parameters order (the inverse of State.flat)."""
        it = iter(values)
        weights, biases = [], []
        for w, b in zip(self._shapes.weights, self._shapes.biases):
            weights.append([[self.number(next(it)) for _ in row] for row in w])
            biases.append([self.number(next(it)) for _ in b])
        return State(weights, biases)

    @_at_precision
    def reference(self, iterations: int) -> Reference:
        """The first update, and the first ``iterations`` iterations, computed here independently."""
        state = self.initial_state()
        initial = self.update(state, list(range(len(self.samples))), updated_above=False)
        first = self.update(state, self._batches()[0], self.spec.hidden_deltas == "updated")
        errors, final = self._iterate(state, iterations)
        error_spread, state_spread = [0.0] * len(errors), [0.0] * len(final.flat())
        for signs in ((1, 1), (1, -1)):  # all up, and alternating: two directions a perturbation can take
            flat = [v * (1 + PERTURBATION * signs[i % 2]) for i, v in enumerate(state.flat())]
            moved_errors, moved = self._iterate(self.state_from(flat), iterations)
            error_spread = [max(d, abs(a - b)) for d, a, b in zip(error_spread, errors, moved_errors)]
            state_spread = [max(d, abs(a - b)) for d, a, b in zip(state_spread, final.flat(), moved.flat())]
        return Reference(tuple(map(_float_trace, initial.traces)), _float_update(first), tuple(map(float, errors)),
                         _float_state(final), tuple(map(float, error_spread)), tuple(map(float, state_spread)))

    def states(self, state: State, iterations: int) -> list[State]:
        """The state after each of ``iterations`` more iterations from ``state``, as training makes them
        (its mode, its hidden deltas): the reference's, and those a finding of "What to notice" needs
        between the updates training recorded."""
        found = []
        for _ in range(iterations):
            for batch in self._batches():
                state = self.update(state, batch, self.spec.hidden_deltas == "updated").state
            found.append(state)
        return found

    def _batches(self) -> list[list[int]]:
        """The samples of each update in an iteration: all at once (batch), or one at a time (online)."""
        everything = list(range(len(self.samples)))
        return [everything] if self.spec.mode == "batch" else [[i] for i in everything]

    def _iterate(self, state: State, iterations: int) -> tuple[list, State]:
        states = self.states(state, iterations)
        return [self.error(s) for s in states], states[-1] if states else state


def _floats(values: list) -> list:
    """Nested lists of numbers, each rounded to the nearest float (a Reference holds floats)."""
    return [_floats(v) if isinstance(v, list) else float(v) for v in values]


def _float_state(state: State) -> State:
    return State(_floats(state.weights), _floats(state.biases))


def _float_trace(trace: Trace) -> Trace:
    return Trace(_floats(trace.nets), _floats(trace.outs), _floats(trace.deltas))


def _float_update(update: Update) -> Update:
    return Update(_float_state(update.state), _floats(update.gradient), list(map(_float_trace, update.traces)))
