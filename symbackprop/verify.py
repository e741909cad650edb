"""Stage 3c: cross-check every number of the derivation and the training; a real disagreement stops the run.

Three computations that share no code with derive.py's chain rule:

* the numeric engine (numeric.py) for every net input, output, error, delta, gradient and update,
  and for the errors and parameters of the first iterations of the compiled training loop;
* ``sympy.diff`` of the fully substituted error, each piecewise unit fixed to the piece its numbers
  select, evaluated with 30 more bits than the derivation used, for every gradient the first update
  uses, within a size budget (``SYMPY_BUDGET``);
* Richardson-extrapolated central finite differences of the numeric error, for the same gradients.

Every tolerance is scaled to the magnitudes involved, so that exit status 3 means a bug and nothing
else. Two exact computations may differ by rounding only, which is bounded by the scale of the terms
a value was made from (evaluate.BOUNDS). Finite differences carry their own truncation and rounding
error, estimated from the Richardson difference and the error's scale; they are a witness, not a
judge: where they disagree beyond that estimate although the exact checks agree, or cannot decide,
the stamp says so instead of failing. Training is checked against the numeric engine's own
iterations, with tolerances widened by how far a tiny perturbation of the start moves them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import sympy as sp

from .derive import Derivation
from .errors import VerificationError
from .evaluate import BOUNDS, PRECISE, evaluate_form
from .network import SymbolicNetwork
from .notation import Labels
from .quantities import Quantity
from .numeric import PERTURBATION, NumericNetwork, Reference
from .rules import KINKED
from .training import Training

#: Two exact float computations of a value agree to this fraction of its scale (evaluate.BOUNDS).
#: Rounding costs about 1e-16 of the scale per operation; a bug costs far more than 1e-10.
TOLERANCE = 1e-10
#: Nodes sympy.diff may walk and build in all (see _against_sympy): about 15 microseconds each;
#: building the full error costs about BUILD_WEIGHT times as much per node.
SYMPY_BUDGET = 60_000
BUILD_WEIGHT = 5
EXTRA_BITS = 30
FD_STEP = 1e-5  # relative to the parameter, and divided by the largest activation it multiplies
UNIT_ROUNDOFF = 2.0 ** -53
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
    max_relative_difference: float = 0.0  # the largest difference as a fraction of its tolerance's scale

    def describe(self) -> list[str]:
        return [f"{METHOD_NAMES[m]} ({self.counts[m]} values)" for m in self.methods]


class _Checker:
    """Counts checks, keeps the largest differences, stops at the first real disagreement."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.largest = 0.0
        self.largest_relative = 0.0

    def same(self, method: str, what: str, ours: float, theirs: float, tolerance: float,
             scale: float | None = None) -> None:
        """``scale`` is the size of the numbers compared (default: what the tolerance is a fraction of)."""
        difference = abs(ours - theirs)
        tolerance = math.inf if math.isnan(tolerance) else tolerance  # no estimate: nothing to judge by
        if not difference <= tolerance:
            raise VerificationError(
                f"internal check failed: {what} is {ours!r} by the chain rule but {theirs!r} by "
                f"{METHOD_NAMES[method]} (allowed difference {tolerance:.3g}); please report this bug")
        self.largest = max(self.largest, difference)
        scale = tolerance / TOLERANCE if scale is None else scale
        if difference:
            self.largest_relative = max(self.largest_relative, difference / scale)
        self.counts[method] = self.counts.get(method, 0) + 1


def step_scales(network: SymbolicNetwork, derivation: Derivation) -> dict:
    """Every step's scale: the size of the terms its value was made from (evaluate.BOUNDS)."""
    known = {key: (value, abs(value)) for key, value in network.given_values().items()}
    for step in derivation.steps():
        known[step.lhs] = evaluate_form(step.forms[-1], BOUNDS, known)
    return {key: scale for key, (_, scale) in known.items()}


def verify(network: SymbolicNetwork, derivation: Derivation, training: Training, numeric: NumericNetwork,
           reference: Reference) -> Verification:
    scales = step_scales(network, derivation)
    check, notes = _Checker(), _cancellation_notes(network, derivation, scales)
    labels = Labels.for_spec(network.spec)
    _against_numeric(check, network, derivation, reference, numeric, scales)
    _training_against_numeric(check, network, derivation, training, numeric, reference, scales)
    gradients = _true_gradients(network, derivation)
    exact = _against_sympy(check, network, derivation, gradients, scales, labels, notes)
    notes += _against_finite_differences(check, network, derivation, numeric, reference, gradients, scales,
                                         labels, exact)
    notes += _kink_notes(network, derivation, labels)
    if network.spec.hidden_deltas == "updated":
        notes.append("hidden-layer gradients use the updated weights above (hidden_deltas: updated); "
                     "only the numeric engine checks them")
    methods = tuple(m for m in METHOD_NAMES if m in check.counts)
    return Verification(methods, dict(check.counts), check.largest, tuple(notes), check.largest_relative)


def _tolerance(scale: float) -> float:
    return TOLERANCE * scale


def _cancellation_notes(network: SymbolicNetwork, derivation: Derivation, scales: dict) -> list[str]:
    """Names the net input that loses the most digits to cancellation, when it loses more than six."""
    worst, where = 1.0, ""
    for forward in derivation.forward:
        for neuron in forward.neurons:
            ratio = scales[neuron.net.lhs] / max(abs(neuron.net.value), 1e-300) if scales[neuron.net.lhs] else 1.0
            if ratio > worst:
                worst, where = ratio, f"neuron {neuron.index} of layer {neuron.layer}, sample {forward.sample}"
    if worst <= CANCELLATION_NOTE:
        return []
    return [f"the net input of {where} is a small difference of large terms and loses about "
            f"{math.floor(math.log10(worst))} digits to cancellation; the checks allow for that"]


def _against_numeric(check: _Checker, network, derivation: Derivation, reference: Reference,
                     numeric: NumericNetwork, scales: dict) -> None:
    values = derivation.values

    def same(what: str, key, theirs: float) -> None:
        check.same("numeric", what, values[key], theirs, _tolerance(scales[key]))

    for s, trace in enumerate(reference.initial_traces, start=1):
        for layer in range(1, network.depth + 1):
            for j in range(1, network.widths[layer] + 1):
                same(f"net of neuron {j} in layer {layer}, sample {s}", network.net(layer, j, s), trace.nets[layer][j - 1])
                same(f"out of neuron {j} in layer {layer}, sample {s}", network.out(layer, j, s), trace.outs[layer][j - 1])
        same(f"the error of sample {s}", derivation.forward[s - 1].error.lhs,
             numeric.sample_error(trace.outs[-1], numeric.samples[s - 1][1]))
    same("the total error", derivation.error.lhs, numeric.error(numeric.initial_state()))
    first = reference.first_update
    for s, trace in zip(derivation.update_samples, first.traces):
        for layer in range(1, network.depth + 1):
            for j in range(1, network.widths[layer] + 1):
                same(f"delta of neuron {j} in layer {layer}, sample {s}", network.delta(layer, j, s),
                     trace.deltas[layer][j - 1])
    by_parameter = {pd.parameter.symbol: pd for layer in derivation.backward for pd in layer.parameters}
    for p, gradient, updated in zip(network.parameters, first.gradient, first.state.flat()):
        pd = by_parameter[p.symbol]
        same(f"the gradient of {p.quantity.name()}", pd.gradient.lhs, gradient)
        if pd.update is not None:
            same(f"the update of {p.quantity.name()}", pd.update.lhs, updated)
        else:
            check.same("numeric", f"the unchanged {p.quantity.name()}", p.value, updated, 0.0)


def _training_against_numeric(check: _Checker, network, derivation: Derivation, training: Training,
                              numeric: NumericNetwork, reference: Reference, scales: dict) -> None:
    """The compiled loop against the numeric engine's own iterations: its first update, its errors
    and parameters over the first iterations, and its error at the final parameters."""
    first_scales = [scales.get(p.updated_symbol, abs(p.value)) for p in network.parameters]
    for p, ours, theirs, scale in zip(network.parameters, training.updated, reference.first_update.state.flat(),
                                      first_scales):
        check.same("numeric", f"the trained first update of {p.quantity.name()}", ours, theirs, _tolerance(scale))
    error_scale = scales[derivation.error.lhs]
    check.same("numeric", "the error before training", training.history[0], numeric.error(numeric.initial_state()),
               _tolerance(error_scale))
    for iteration, (theirs, spread) in enumerate(zip(reference.early_errors, reference.error_spread), start=1):
        check.same("numeric", f"the error after iteration {iteration}", training.history[iteration], theirs,
                   _training_tolerance(theirs, spread, error_scale))
    iterations = len(reference.early_errors)
    for p, ours, theirs, spread, scale in zip(network.parameters, training.checked, reference.early_state.flat(),
                                              reference.state_spread, first_scales):
        check.same("numeric", f"{p.quantity.name()} after {iterations} iterations", ours, theirs,
                   _training_tolerance(theirs, spread, scale))
    final = numeric.error(numeric.state_from(list(training.final)))
    check.same("numeric", "the error after the last iteration", training.history[-1], final,
               _training_tolerance(final, 0.0, error_scale))


def _training_tolerance(value: float, spread: float, initial_scale: float) -> float:
    """Rounding relative to the value and the start's scale, plus what a perturbation of relative
    size PERTURBATION grows into, scaled down to rounding's size (with a factor 100 to spare)."""
    return TOLERANCE * (abs(value) + initial_scale) + spread * (1e-14 / PERTURBATION) * 100


def _true_gradients(network: SymbolicNetwork, derivation: Derivation) -> dict:
    """The gradients that are, by the spec's rules, the gradient of the update's error: parameter
    symbol -> the step that computes it."""
    steps = {pd.parameter.symbol: pd.gradient for layer in derivation.backward for pd in layer.parameters}
    if network.spec.hidden_deltas == "updated":
        return {p.symbol: steps[p.symbol] for p in network.parameters if p.quantity.layer == network.depth}
    return steps


def _against_sympy(check: _Checker, network: SymbolicNetwork, derivation: Derivation, gradients: dict,
                   scales: dict, labels: Labels, notes: list) -> set:
    """Checks the gradients whose differentiation fits the budget, output layer first (the cheapest);
    returns their symbols.

    ``sympy.diff`` walks the whole error and builds the derivative; ``_derivative_size`` predicts the
    latter without building it, so the choice is made before the work and is the same on every run.
    """
    if not gradients:
        return set()
    spent = BUILD_WEIGHT * _estimated_size(network, len(derivation.update_samples))
    if spent > SYMPY_BUDGET:
        notes.append("sympy.diff of the full error skipped: the expression would be too large for its size "
                     "budget; the other checks ran")
        return set()
    error = network.full_error(derivation.update_samples, derivation.pieces())
    sizes = _tree_sizes(error)
    chosen = []
    for p in sorted((p for p in network.parameters if p.symbol in gradients), key=lambda p: -p.quantity.layer):
        cost = sizes[error] + _derivative_size(error, p.symbol, sizes) if sizes[error] <= SYMPY_BUDGET else None
        if cost is None or spent + cost > SYMPY_BUDGET:
            break
        chosen.append(p.symbol)
        spent += cost
    point = {k: (v, mpmath.mpf(v)) for k, v in network.given_values().items()}
    for p in (p for p in network.parameters if p.symbol in chosen):
        step = gradients[p.symbol]
        with mpmath.workprec(derivation.bits + EXTRA_BITS):
            exact = float(evaluate_form(sp.diff(error, p.symbol), PRECISE, point)[1])
        check.same("sympy", f"dE/d{labels(p.quantity)}", step.value, exact, _tolerance(scales[step.lhs]))
    left = [labels(p.quantity) for p in network.parameters if p.symbol in gradients and p.symbol not in chosen]
    if left:
        notes.append(f"sympy.diff of the full error checked {len(chosen)} of {len(gradients)} gradients; "
                     f"those of {', '.join(left)} exceed its size budget, and the other checks cover them")
    return set(chosen)


def _estimated_size(network: SymbolicNetwork, samples: int) -> int:
    """The full error's tree size from the widths alone (each net input repeats the whole layer
    below), so that an expression far over the budget is never built: building one costs as much."""
    size = 1
    for below, width in zip(network.widths, network.widths[1:]):
        size = below * (size + 2) + 4
    return 2 * samples * network.outputs * (size + 6)


def _tree_sizes(expr) -> dict:
    """Each subexpression's size as a tree (shared parts counted each time), in time linear in the DAG."""
    sizes: dict = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        pending = [a for a in node.args if a not in sizes]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        sizes[node] = 1 + sum(sizes[a] for a in node.args)
    return sizes


def _derivative_size(expr, variable, sizes: dict) -> int:
    """About how many nodes ``sympy.diff(expr, variable)`` builds: the product rule copies the other
    factors, the chain rule the outer function, for every path that reaches ``variable``."""
    memo: dict = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        pending = [a for a in node.args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        inner = [memo[a] for a in node.args]
        if node == variable:
            memo[node] = 1
        elif not any(inner):
            memo[node] = 0
        elif node.is_Mul:
            memo[node] = sum(d + sizes[node] - sizes[a] + 1 for a, d in zip(node.args, inner) if d)
        elif node.is_Add:
            memo[node] = sum(inner) + 1
        else:  # f(g): f'(g), as large as f(g) itself, times g'
            memo[node] = sum(inner) + sizes[node] + 1
    return memo[expr]


def _against_finite_differences(check: _Checker, network, derivation, numeric: NumericNetwork,
                                reference: Reference, gradients: dict, scales: dict, labels: Labels,
                                exact: set) -> list[str]:
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
            except OverflowError:
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
        estimate = 2 * abs(estimates[1] - estimates[0]) + 16 * UNIT_ROUNDOFF * error_scale / h
        tolerance = 10 * estimate + _tolerance(scales[step.lhs])
        label = labels(p.quantity)
        if abs(step.value - richardson) <= tolerance:
            check.same("finite", f"dE/d{label}", step.value, richardson, tolerance,
                       max(abs(step.value), abs(richardson)))
        elif not math.isfinite(richardson) or estimate > max(abs(step.value), abs(richardson)):
            undecided.append(label)
        elif p.symbol in exact:
            overruled.append(label)
        else:
            undecided.append(label)
    notes = []
    if skipped:
        notes.append(f"finite differences skipped for {', '.join(skipped)}: a step of it moves a ReLU's net "
                     f"input across the kink, where the derivative jumps")
    if undecided:
        notes.append(f"finite differences could not decide for {', '.join(undecided)}: their rounding and "
                     f"truncation error is as large as the gradient or larger; the numeric engine checked them")
    if overruled:
        notes.append(f"finite differences disagree for {', '.join(overruled)} by more than their error estimate; "
                     f"sympy.diff of the full error confirms the chain rule there")
    return notes


def _kink_notes(network: SymbolicNetwork, derivation: Derivation, labels: Labels) -> list[str]:
    at_kink = [labels(Quantity("net", n.layer, n.index, sample=f.sample))
               for f in derivation.forward for n in f.neurons if n.at_kink]
    if not at_kink:
        return []
    return [f"{', '.join(at_kink)} = 0: exactly at the activation's kink, where the "
            f"worked solution takes the derivative of the piece for net <= 0 (relu'(0) = 0, leaky_relu'(0) = alpha)"]


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
