"""Finite differences: a witness, not a judge.

Richardson-extrapolated central differences of the numeric engine's error, compared within their own
error estimate (the Richardson difference for truncation, the error's rounding divided by the step).
Where that estimate is as large as the gradient, or where they disagree although sympy.diff confirms
the chain rule, they say so in a note instead of failing the run.
"""

from __future__ import annotations

import math

from .checker import Checker, Note, rounding_tolerance
from ..engine.network import SymbolicNetwork
from ..model.notation import Labels
from .numeric import NumericNetwork, Reference
from ..model.rules import KINKED

FD_STEP = 1e-5  # relative to the parameter, and divided by the largest activation it multiplies


def against_finite_differences(check: Checker, network, derivation, numeric: NumericNetwork,
                                reference: Reference, gradients: dict, scales: dict, labels: Labels,
                                exact: set) -> list[Note]:
    """Steps and differences taken at the network's own precision (mpmath's is global)."""
    with numeric.precision():
        return _differences(check, network, derivation, numeric, reference, gradients, scales, labels, exact)


def _differences(check: Checker, network, derivation, numeric: NumericNetwork, reference: Reference,
                 gradients: dict, scales: dict, labels: Labels, exact: set) -> list[Note]:
    """Richardson-extrapolated central differences, compared within their own error estimate.

    The step is scaled down by the largest activation the parameter multiplies, so that it moves the
    net input, not just the parameter, by a small amount. A step that moves a ReLU's net input across
    its kink would straddle it, so that parameter is skipped rather than misjudged. Returns notes.
    """
    flat = numeric.initial_state().flat()
    samples = [s - 1 for s in derivation.update_samples]
    kinked = [l for l in range(1, network.depth + 1) if network.spec.layers[l - 1].activation in KINKED]
    error_lhs = derivation.error.lhs if len(samples) == len(derivation.forward) else derivation.forward[0].error.lhs
    error_scale = scales[error_lhs]

    state = numeric.state_from(flat)
    slots = _slots(state)
    roundoff = 2.0 ** -(numeric.bits or 53)

    def error_and_signs(index: int | None = None, step: float = 0.0) -> tuple[float, tuple]:
        """The error with parameter ``index`` moved by ``step``: moved in place, then put back."""
        if index is not None:
            container, position = slots[index]
            container[position] = flat[index] + step
        try:
            return _error_and_signs(state)
        finally:
            if index is not None:
                container[position] = flat[index]

    def _error_and_signs(state) -> tuple[float, tuple]:
        total, signs = 0.0, []
        for i in samples:
            nets, outs = numeric.forward(state, numeric.samples[i][0])
            total += numeric.sample_error(outs[-1], numeric.samples[i][1])
            signs += [z > 0 for l in kinked for z in nets[l]]
        return (total / len(samples) if numeric.spec.reduction == "mean" else total), tuple(signs)

    _, signs = error_and_signs()
    skipped, undecided, overruled = [], [], []
    for index, p in enumerate(network.parameters):
        step = gradients.get(p.symbol)
        if step is None:
            continue
        h = FD_STEP * max(1.0, abs(flat[index])) / _largest_input(network, reference, p, samples)
        estimates = []
        for size in (h, h / 2):
            try:
                (up, up_signs), (down, down_signs) = (error_and_signs(index, d) for d in (size, -size))
            except (ArithmeticError, ValueError):  # floats overflowed, or lost a logarithm's argument
                break
            if up_signs != signs or down_signs != signs:
                break
            estimates.append((up - down) / (2 * size))
        if len(estimates) < 2:
            skipped.append(labels(p.quantity))
            continue
        richardson = (4 * estimates[1] - estimates[0]) / 3
        # truncation: the Richardson difference bounds what is left; rounding: the error's own
        # rounding divided by the step, amplified by the extrapolation's weights (4/3 + 1/3, times 2)
        estimate = 2 * abs(estimates[1] - estimates[0]) + 16 * roundoff * error_scale / h
        allowed = 10 * estimate + rounding_tolerance(scales[step.lhs])
        label = labels(p.quantity)
        if not math.isfinite(richardson) or estimate > max(abs(step.value), abs(richardson)):
            undecided.append(label)  # an estimate as large as the gradient: no witness either way
        elif abs(step.value - richardson) <= allowed:
            check.same("finite", f"dE/d{label}", step.value, richardson, allowed)
        elif p.symbol in exact:
            overruled.append(label)
        else:
            undecided.append(label)
    notes = []
    if skipped:
        notes.append(Note(("finite differences skipped for ", tuple(skipped), ": a step of it moves a ReLU's net "
                           "input across the kink, where the derivative jumps")))
    if undecided:
        notes.append(Note(("finite differences could not decide for ", tuple(undecided), ": their rounding and "
                           "truncation error is as large as the gradient or larger; the numeric engine checked them")))
    if overruled:
        notes.append(Note(("finite differences disagree for ", tuple(overruled), " by more than their error "
                           "estimate; sympy.diff of the full error confirms the chain rule there")))
    return notes


def _slots(state) -> list[tuple[list, int]]:
    """Where each parameter lives in a numeric State, in SymbolicNetwork.parameters order (State.flat)."""
    slots = []
    for weights, biases in zip(state.weights, state.biases):
        slots += [(row, k) for row in weights for k in range(len(row))]
        slots += [(biases, i) for i in range(len(biases))]
    return slots


def _largest_input(network: SymbolicNetwork, reference: Reference, p, samples: list[int]) -> float:
    """The largest |activation| a weight multiplies over the samples (1 for a bias), at least 1."""
    if p.is_bias:
        return 1.0
    layer, k = p.quantity.layer, p.quantity.source
    return max([1.0] + [abs(reference.initial_traces[i].outs[layer - 1][k - 1]) for i in samples])
