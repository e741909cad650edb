"""Stage 3c: cross-check every number of the derivation and the training; a disagreement stops the run.

Three computations that share no code with derive.py's chain rule:

* the numeric engine (numeric.py) for every net input, output, error, delta, gradient and update,
  and for the errors and parameters of the first iterations of the compiled training loop;
* ``sympy.diff`` of the fully substituted error, for every gradient the first update uses, while that
  expression is small enough to differentiate quickly (see ``FULL_DIFF_LIMIT``);
* central finite differences of the numeric error, for the same gradients.

With ``hidden_deltas: updated`` the hidden layers' gradients are deliberately not the gradient of
the error, so only the numeric engine (which implements that rule independently) checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import sympy as sp

from .derive import Derivation
from .errors import VerificationError
from .network import SymbolicNetwork
from .notation import Labels
from .numeric import NumericNetwork, Reference
from .rules import KINKED
from .training import Training

#: Largest (parameters x samples of the update) for which the full error is differentiated by SymPy.
FULL_DIFF_LIMIT = 40
TOLERANCE = 1e-9  # relative to max(1, |value|), for values computed two exact ways
FD_TOLERANCE = 1e-6  # central differences carry truncation and rounding error
FD_STEP = 1e-5  # relative to the parameter, and divided by the largest activation it multiplies
CANCELLATION_NOTE = 1e6  # net inputs that lose more than six digits to cancellation are named

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
    """Counts checks, keeps the largest difference, stops at the first disagreement.

    ``conditioning`` widens every tolerance when a net input is a small difference of large terms:
    there, two exact float computations legitimately differ in the digits the cancellation lost.
    """

    def __init__(self, conditioning: float):
        self.counts: dict[str, int] = {}
        self.largest = 0.0
        self.conditioning = conditioning

    def same(self, method: str, what: str, ours: float, theirs: float, tolerance: float = TOLERANCE) -> None:
        difference = abs(ours - theirs)
        if not difference <= tolerance * self.conditioning * max(1.0, abs(ours), abs(theirs)):
            raise VerificationError(
                f"internal check failed: {what} is {ours!r} by the chain rule but {theirs!r} by "
                f"{METHOD_NAMES[method]}; please report this bug"
            )
        self.largest = max(self.largest, difference)
        self.counts[method] = self.counts.get(method, 0) + 1


def verify(network: SymbolicNetwork, derivation: Derivation, training: Training, numeric: NumericNetwork,
           reference: Reference) -> Verification:
    conditioning, notes = _conditioning(network, numeric, reference)
    check = _Checker(conditioning)
    labels = Labels.for_spec(network.spec)
    _against_numeric(check, network, derivation, numeric, reference)
    _training_against_numeric(check, network, training, numeric, reference)
    true_gradients = _true_gradients(network, derivation)
    if len(network.parameters) * len(derivation.update_samples) <= FULL_DIFF_LIMIT:
        _against_sympy(check, network, derivation, true_gradients, labels)
    else:
        notes.append(f"sympy.diff of the full error skipped: more than {FULL_DIFF_LIMIT} parameter-samples")
    skipped = _against_finite_differences(check, network, derivation, numeric, reference, true_gradients, labels)
    if skipped:
        notes.append(f"finite differences skipped for {', '.join(skipped)}: a step of it moves a ReLU's net "
                     f"input across the kink, where the derivative jumps")
    if network.spec.hidden_deltas == "updated":
        notes.append("hidden-layer gradients use the updated weights above (hidden_deltas: updated); "
                     "only the numeric engine checks them")
    methods = tuple(m for m in METHOD_NAMES if m in check.counts)
    return Verification(methods, dict(check.counts), check.largest, tuple(notes))


def _conditioning(network: SymbolicNetwork, numeric: NumericNetwork, reference: Reference) -> tuple[float, list]:
    """max over neurons of (sum of |terms| of the net input) / |net input|, and a note if it is large."""
    state, worst, where = numeric.initial_state(), 1.0, ""
    for s, trace in enumerate(reference.initial_traces, start=1):
        for layer in range(1, network.depth + 1):
            weights, biases = state.weights[layer - 1], state.biases[layer - 1]
            for j, (row, net) in enumerate(zip(weights, trace.nets[layer]), start=1):
                size = sum(abs(w * a) for w, a in zip(row, trace.outs[layer - 1]))
                size += abs(biases[0 if len(biases) == 1 else j - 1]) if biases else 0.0
                ratio = size / max(abs(net), 1e-300) if size else 1.0
                if ratio > worst:
                    worst, where = ratio, f"neuron {j} of layer {layer}, sample {s}"
    notes = []
    if worst > CANCELLATION_NOTE:
        notes.append(f"the net input of {where} is a small difference of large terms and loses about "
                     f"{math.log10(worst):.0f} digits to cancellation; the checks allow for that")
    return worst, notes


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
    gradients = derivation.gradients
    for p, gradient, updated in zip(network.parameters, first.gradient, first.state.flat()):
        check.same("numeric", f"the gradient of {p.quantity.name()}", gradients[p.symbol], gradient)
        check.same("numeric", f"the update of {p.quantity.name()}", values.get(p.updated_symbol, p.value), updated)


def _training_against_numeric(check: _Checker, network, training: Training, numeric: NumericNetwork,
                              reference: Reference) -> None:
    """The compiled loop: its first update, its errors and parameters over the first iterations
    (against the numeric engine's own iterations), and its error at the final parameters."""
    for p, ours, theirs in zip(network.parameters, training.updated, reference.first_update.state.flat()):
        check.same("numeric", f"the trained first update of {p.quantity.name()}", ours, theirs)
    check.same("numeric", "the error before training", training.history[0], numeric.error(numeric.initial_state()))
    for iteration, theirs in enumerate(reference.early_errors, start=1):
        check.same("numeric", f"the error after iteration {iteration}", training.history[iteration], theirs)
    for p, ours, theirs in zip(network.parameters, training.checked, reference.early_state.flat()):
        check.same("numeric", f"{p.quantity.name()} after {len(reference.early_errors)} iterations", ours, theirs)
    check.same("numeric", "the error after the last iteration", training.history[-1],
               numeric.error(numeric.state_from(list(training.final))))


def _true_gradients(network: SymbolicNetwork, derivation: Derivation) -> dict:
    """The gradients that are, by the spec's rules, the gradient of the update's error."""
    gradients = derivation.gradients
    if network.spec.hidden_deltas == "updated":
        return {p.symbol: gradients[p.symbol] for p in network.parameters if p.quantity.layer == network.depth}
    return gradients


def _against_sympy(check: _Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict,
                   labels: Labels) -> None:
    error = network.full_error(derivation.update_samples)
    point = {k: sp.Float(v) for k, v in network.given_values().items()}
    for p in network.parameters:
        if p.symbol in gradients:
            exact = float(sp.diff(error, p.symbol).xreplace(point))
            check.same("sympy", f"dE/d{labels(p.quantity)}", gradients[p.symbol], exact)


def _against_finite_differences(check: _Checker, network, derivation, numeric: NumericNetwork,
                                reference: Reference, gradients: dict, labels: Labels) -> list[str]:
    """Richardson-extrapolated central differences; returns the labels of parameters it had to skip.

    The step is scaled down by the largest activation the parameter multiplies, so that it moves the
    net input, not just the parameter, by a small amount. A step that flips the sign of a ReLU's net
    input would straddle the kink, so that parameter is skipped rather than misjudged.
    """
    flat = numeric.initial_state().flat()
    samples = [s - 1 for s in derivation.update_samples]
    kinked = [l for l in range(1, network.depth + 1) if network.spec.layers[l - 1].activation in KINKED]

    def error_and_signs(values: list[float]) -> tuple[float, tuple]:
        state = numeric.state_from(values)
        total, signs = 0.0, []
        for i in samples:
            nets, outs = numeric.forward(state, numeric.samples[i][0])
            total += numeric.sample_error(outs[-1], numeric.samples[i][1])
            signs += [z > 0 for l in kinked for z in nets[l]]
        return (total / len(samples) if numeric.spec.reduction == "mean" else total), tuple(signs)

    _, signs = error_and_signs(flat)
    skipped = []
    for index, p in enumerate(network.parameters):
        if p.symbol not in gradients:
            continue
        h = FD_STEP * max(1.0, abs(flat[index])) / _largest_input(network, reference, p, samples)
        estimates = []
        for step in (h, h / 2):
            (up, up_signs), (down, down_signs) = (error_and_signs(_moved(flat, index, d)) for d in (step, -step))
            if up_signs != signs or down_signs != signs:
                break
            estimates.append((up - down) / (2 * step))
        if len(estimates) < 2:
            skipped.append(labels(p.quantity))
            continue
        richardson = (4 * estimates[1] - estimates[0]) / 3
        check.same("finite", f"dE/d{labels(p.quantity)}", gradients[p.symbol], richardson, FD_TOLERANCE)
    return skipped


def _moved(values: list[float], index: int, step: float) -> list[float]:
    moved = values[:]
    moved[index] += step
    return moved


def _largest_input(network: SymbolicNetwork, reference: Reference, p, samples: list[int]) -> float:
    """The largest |activation| a weight multiplies over the samples (1 for a bias), at least 1."""
    if p.is_bias:
        return 1.0
    layer, k = p.quantity.layer, p.quantity.source
    return max([1.0] + [abs(reference.initial_traces[i].outs[layer - 1][k - 1]) for i in samples])
