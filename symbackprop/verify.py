"""Stage 3c: cross-check every number of the derivation and the training; a disagreement stops the run.

Three computations that share no code with derive.py's chain rule:

* the numeric engine (numeric.py) for every net input, output, error, delta, gradient and update,
  and for the errors after the first and the last iteration of the compiled training loop;
* ``sympy.diff`` of the fully substituted error, for every gradient the first update uses, while that
  expression is small enough to differentiate quickly (see ``FULL_DIFF_LIMIT``);
* central finite differences of the numeric error, for the same gradients.

With ``hidden_deltas: updated`` the hidden layers' gradients are deliberately not the gradient of
the error, so only the numeric engine (which implements that rule independently) checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derive import Derivation
from .errors import VerificationError
from .network import SymbolicNetwork
from .numeric import NumericNetwork, Reference, State
from .rules import KINKED
from .training import Training

#: Largest (parameters x samples of the update) for which the full error is differentiated by SymPy.
FULL_DIFF_LIMIT = 40
TOLERANCE = 1e-9  # relative to max(1, |value|), for values computed two exact ways
FD_TOLERANCE = 1e-6  # central differences carry truncation and rounding error
FD_STEP = 1e-6

METHOD_NAMES = {
    "numeric": "an independent numeric backpropagation in plain floats",
    "sympy": "sympy.diff of the full error expression",
    "finite": "central finite differences of the error",
}


@dataclass(frozen=True)
class Verification:
    methods: tuple[str, ...]  # keys of METHOD_NAMES that ran
    counts: dict  # method -> how many numbers it checked
    max_abs_difference: float
    notes: tuple[str, ...]

    def describe(self) -> list[str]:
        return [f"{METHOD_NAMES[m]} ({self.counts[m]} values)" for m in self.methods]


class _Checker:
    def __init__(self):
        self.counts: dict[str, int] = {}
        self.largest = 0.0

    def same(self, method: str, what: str, ours: float, theirs: float, tolerance: float = TOLERANCE) -> None:
        difference = abs(ours - theirs)
        if not difference <= tolerance * max(1.0, abs(ours), abs(theirs)):
            raise VerificationError(
                f"internal check failed: {what} is {ours!r} by the chain rule but {theirs!r} by "
                f"{METHOD_NAMES[method]}; please report this bug"
            )
        self.largest = max(self.largest, difference)
        self.counts[method] = self.counts.get(method, 0) + 1


def verify(network: SymbolicNetwork, derivation: Derivation, training: Training, numeric: NumericNetwork,
           reference: Reference) -> Verification:
    check, notes = _Checker(), []
    _against_numeric(check, network, derivation, numeric, reference)
    _training_against_numeric(check, network, training, numeric, reference)
    true_gradients = _true_gradients(network, derivation)
    if len(network.parameters) * len(derivation.update_samples) <= FULL_DIFF_LIMIT:
        _against_sympy(check, network, derivation, true_gradients)
    else:
        notes.append(f"sympy.diff of the full error skipped: more than {FULL_DIFF_LIMIT} parameter-samples")
    kink = _at_kink(network, reference)
    if kink:
        notes.append(f"finite differences skipped: {kink} sits where its activation has a kink")
    else:
        _against_finite_differences(check, network, derivation, numeric, true_gradients)
    if network.spec.hidden_deltas == "updated":
        notes.append("hidden-layer gradients use the updated weights above (hidden_deltas: updated); "
                     "only the numeric engine checks them")
    methods = tuple(m for m in METHOD_NAMES if m in check.counts)
    return Verification(methods, dict(check.counts), check.largest, tuple(notes))


def _against_numeric(check: _Checker, network, derivation: Derivation, numeric: NumericNetwork,
                     reference: Reference) -> None:
    values = derivation.values
    for s, trace in enumerate(reference.initial_traces, start=1):
        for layer in range(1, network.depth + 1):
            for j in range(1, network.widths[layer] + 1):
                check.same("numeric", f"net of neuron {j} in layer {layer}, sample {s}",
                           values[network.net(layer, j, s)], trace.nets[layer][j - 1])
                check.same("numeric", f"out of neuron {j} in layer {layer}, sample {s}",
                           values[network.out(layer, j, s)], trace.outs[layer][j - 1])
        check.same("numeric", f"the error of sample {s}", derivation.forward[s - 1].error.value,
                   numeric.sample_error(trace.outs[-1], numeric.samples[s - 1][1]))
    check.same("numeric", "the total error", derivation.error.value, numeric.error(numeric.initial_state()))
    first = reference.first_update
    for s, trace in zip(derivation.update_samples, first.traces):
        for layer in range(1, network.depth + 1):
            for j in range(1, network.widths[layer] + 1):
                check.same("numeric", f"delta of neuron {j} in layer {layer}, sample {s}",
                           values[network.delta(layer, j, s)], trace.deltas[layer][j - 1])
    gradients = _gradients(derivation)
    for p, gradient, updated in zip(network.parameters, first.gradient, first.state.flat()):
        check.same("numeric", f"the gradient of {p.quantity.name()}", gradients[p.symbol], gradient)
        check.same("numeric", f"the update of {p.quantity.name()}", values.get(p.updated_symbol, p.value), updated)


def _training_against_numeric(check: _Checker, network, training: Training, numeric: NumericNetwork,
                              reference: Reference) -> None:
    """The compiled loop's first update, and its errors after the first and the last iteration."""
    for p, ours, theirs in zip(network.parameters, training.updated, reference.first_update.state.flat()):
        check.same("numeric", f"the trained first update of {p.quantity.name()}", ours, theirs)
    check.same("numeric", "the error before training", training.history[0], numeric.error(numeric.initial_state()))
    check.same("numeric", "the error after iteration 1", training.history[1], reference.first_iteration_error)
    check.same("numeric", "the error after the last iteration", training.history[-1],
               numeric.error(numeric.state_from(list(training.final))))


def _gradients(derivation: Derivation) -> dict:
    return {pd.parameter.symbol: pd.gradient.value for layer in derivation.backward for pd in layer.parameters}


def _true_gradients(network: SymbolicNetwork, derivation: Derivation) -> dict:
    """The gradients that are, by the spec's rules, the gradient of the update's error."""
    gradients = _gradients(derivation)
    if network.spec.hidden_deltas == "updated":
        return {p.symbol: gradients[p.symbol] for p in network.parameters if p.quantity.layer == network.depth}
    return gradients


def _against_sympy(check: _Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict) -> None:
    error = network.full_error(derivation.update_samples)
    point = {k: sp.Float(v) for k, v in network.given_values().items()}
    for p in network.parameters:
        if p.symbol in gradients:
            exact = float(sp.diff(error, p.symbol).xreplace(point))
            check.same("sympy", f"dE/d{p.quantity.name()}", gradients[p.symbol], exact)


def _against_finite_differences(check: _Checker, network, derivation, numeric: NumericNetwork, gradients) -> None:
    flat = numeric.initial_state().flat()
    samples = [s - 1 for s in derivation.update_samples]

    def error_at(values: list[float]) -> float:
        return _update_error(numeric, numeric.state_from(values), samples)

    for index, p in enumerate(network.parameters):
        if p.symbol not in gradients:
            continue
        h = FD_STEP * max(1.0, abs(flat[index]))
        up, down = flat[:], flat[:]
        up[index] += h
        down[index] -= h
        estimate = (error_at(up) - error_at(down)) / (2 * h)
        check.same("finite", f"dE/d{p.quantity.name()}", gradients[p.symbol], estimate, FD_TOLERANCE)


def _update_error(numeric: NumericNetwork, state: State, samples: list[int]) -> float:
    total = sum(numeric.sample_error(numeric.forward(state, numeric.samples[i][0])[1][-1], numeric.samples[i][1])
                for i in samples)
    return total / len(samples) if numeric.spec.reduction == "mean" else total


def _at_kink(network: SymbolicNetwork, reference: Reference) -> str | None:
    """A neuron whose net input is within a finite-difference step of a kinked activation's corner."""
    for s, trace in enumerate(reference.initial_traces, start=1):
        for layer in range(1, network.depth + 1):
            if network.spec.layers[layer - 1].activation in KINKED:
                for j, z in enumerate(trace.nets[layer], start=1):
                    if abs(z) < 1e-4:
                        return f"neuron {j} of layer {layer} (sample {s}, net input {z:g})"
    return None
