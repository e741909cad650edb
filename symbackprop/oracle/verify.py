"""Stage 3c: cross-check every number of the derivation and the training; a real disagreement stops the run.

Three computations that share no code with derive.py's chain rule:

* the numeric engine (numeric.py) for every net input, output, error, delta, gradient and update,
  and for the errors and parameters of the first iterations of the compiled training loop;
* SymEngine's derivative of the whole error, each piecewise unit fixed to the piece its numbers
  select, for every gradient the first update uses (symbolic_check.py);
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
from dataclasses import dataclass, field

from .checker import METHOD_NAMES, TOLERANCE, Checker, Note, rounding_tolerance
from ..engine.derive import Derivation
from ..engine.matrix import MatrixForm
from ..engine.evaluate import BOUNDS, evaluate_form
from .finite_differences import against_finite_differences
from ..engine.network import SymbolicNetwork
from ..model.notation import Labels
from .numeric import PERTURBATION, NumericNetwork, Reference
from ..model.quantities import Quantity
from .symbolic_check import against_symengine
from ..engine.training import Training

CANCELLATION_NOTE = 1e6  # net inputs that lose more than six digits to cancellation are named


@dataclass(frozen=True)
class Verification:
    methods: tuple[str, ...]  # keys of METHOD_NAMES that ran
    counts: dict  # method -> how many numbers it checked
    max_abs_difference: float
    notes: tuple[Note, ...]  # str(note) is its text
    #: method -> its largest difference from the chain rule, as a fraction of the numbers' scale: the
    #: exact computations agree to rounding at the working precision, finite differences to their step
    relative: dict = field(default_factory=dict)

    @property
    def max_relative_difference(self) -> float:
        return max(self.relative.values(), default=0.0)

    def describe(self) -> list[str]:
        return [f"{METHOD_NAMES[m]} ({self.counts[m]} values)" for m in self.methods]


def step_scales(network: SymbolicNetwork, derivation: Derivation) -> dict:
    """Every step's scale: the size of the terms its value was made from (evaluate.BOUNDS)."""
    known = {key: (value, abs(value)) for key, value in network.given_values().items()}
    for step in derivation.steps():
        bound = evaluate_form(step.forms[-1], BOUNDS, known)
        if step.forms[-1].is_Number and len(step.forms) > 1:  # a closed form (0): as large as what it sums up
            bound = (bound[0], evaluate_form(step.forms[-2], BOUNDS, known)[1])
        known.update(dict.fromkeys((step.lhs, *step.aliases), bound))
    return {key: scale for key, (_, scale) in known.items()}


def verify(network: SymbolicNetwork, derivation: Derivation, training: Training, numeric: NumericNetwork,
           exact_network: NumericNetwork, reference: Reference) -> Verification:
    """``exact_network`` is the numeric engine in mpmath (``reference`` is its own), ``numeric`` the
    same in floats, which finite differences use for speed wherever floats can hold the error."""
    scales = step_scales(network, derivation)
    check, notes = Checker(), _cancellation_notes(network, derivation, scales)
    labels = Labels.for_spec(network.spec)
    _against_numeric(check, network, derivation, reference, exact_network, scales)
    _training_against_numeric(check, network, derivation, training, exact_network, reference, scales)
    _closed_forms(check, derivation, scales)
    gradients = _true_gradients(network, derivation)
    exact = against_symengine(check, network, derivation, gradients, scales, labels, notes)
    witness = numeric if _floats_suffice(network, numeric) else exact_network
    notes += against_finite_differences(check, network, derivation, witness, reference, gradients, scales,
                                         labels, exact)
    notes += _kink_notes(network, derivation, labels)
    if network.spec.hidden_deltas == "updated":
        notes.append(Note(("hidden-layer gradients use the updated weights above (hidden_deltas: updated); "
                           "only the numeric engine checks them",)))
    methods = tuple(m for m in METHOD_NAMES if m in check.counts)
    return Verification(methods, dict(check.counts), check.largest, tuple(notes), dict(check.relative))


#: Parameters x samples up to which finite differences difference the error in mpmath: a saturated
#: unit's error has no digits to spare in floats, and a small network costs milliseconds either way.
EXACT_DIFFERENCES = 200


def _floats_suffice(network: SymbolicNetwork, numeric: NumericNetwork) -> bool:
    """Finite differences in floats for a large network, unless floats cannot evaluate its error at all
    (an output that is 1.0 as a float under a logarithm)."""
    if network.spec.parameter_count * network.sample_count <= EXACT_DIFFERENCES:
        return False
    try:
        return math.isfinite(numeric.error(numeric.initial_state()))
    except (ArithmeticError, ValueError):
        return False


def _cancellation_notes(network: SymbolicNetwork, derivation: Derivation, scales: dict) -> list[Note]:
    """Names the net input that loses the most digits to cancellation, when it loses more than six."""
    worst, where = 1.0, ""
    for forward in derivation.forward:
        for neuron in forward.neurons:
            ratio = scales[neuron.net.lhs] / max(abs(neuron.net.value), 1e-300) if scales[neuron.net.lhs] else 1.0
            if worst < ratio < math.inf:  # an infinite ratio is a scale that overflowed, not a cancellation
                worst, where = ratio, f"neuron {neuron.index} of layer {neuron.layer}, sample {forward.sample}"
    if worst <= CANCELLATION_NOTE:
        return []
    return [Note((f"the net input of {where} is a small difference of large terms and loses about "
                  f"{math.floor(math.log10(worst))} digits to cancellation; the checks allow for that",))]


def _against_numeric(check: Checker, network, derivation: Derivation, reference: Reference,
                     numeric: NumericNetwork, scales: dict) -> None:
    values = derivation.values

    def same(what: str, key, theirs: float) -> None:
        check.same("numeric", what, values[key], theirs, rounding_tolerance(scales[key]), scales[key])

    for s, trace in enumerate(reference.initial_traces, start=1):
        for layer in range(1, network.depth + 1):
            for j in range(1, network.widths[layer] + 1):
                same(f"net of neuron {j} in layer {layer}, sample {s}", network.net(layer, j, s), trace.nets[layer][j - 1])
                same(f"out of neuron {j} in layer {layer}, sample {s}", network.out(layer, j, s), trace.outs[layer][j - 1])
        inputs, targets = numeric.samples[s - 1]
        outputs = numeric.forward(numeric.initial_state(), inputs)[1][-1]
        same(f"the error of sample {s}", derivation.forward[s - 1].error.lhs, float(numeric.sample_error(outputs, targets)))
    same("the total error", derivation.error.lhs, float(numeric.error(numeric.initial_state())))
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


def _closed_forms(check: Checker, derivation: Derivation, scales: dict) -> None:
    """Each output δ summed by the chain rule against its closed form (rules.SIMPLIFICATIONS), which
    the later steps use; the numeric engine checks the latter."""
    for layer in derivation.backward:
        for sample in layer.samples:
            for neuron in (n for n in sample.neurons if n.simplified):
                chain, closed = neuron.delta, neuron.simplified
                scale = max(scales[chain.aliases[0]], scales[closed.lhs])
                check.same("closed", f"delta of output neuron {neuron.index}, sample {sample.sample}",
                           chain.value, closed.value, rounding_tolerance(scale), scale)


def _training_against_numeric(check: Checker, network, derivation: Derivation, training: Training,
                              numeric: NumericNetwork, reference: Reference, scales: dict) -> None:
    """The compiled loop against the numeric engine's own iterations: its first update, its errors
    and parameters over the first iterations, and its error at the final parameters."""
    first_scales = [scales.get(p.updated_symbol, abs(p.value)) for p in network.parameters]
    for p, ours, theirs, scale in zip(network.parameters, training.updated, reference.first_update.state.flat(),
                                      first_scales):
        check.same("numeric", f"the trained first update of {p.quantity.name()}", ours, theirs,
                   rounding_tolerance(scale), scale)
    error_scale = scales[derivation.error.lhs]
    check.same("numeric", "the error before training", training.history[0], float(numeric.error(numeric.initial_state())),
               rounding_tolerance(error_scale), error_scale)
    for iteration, (theirs, spread) in enumerate(zip(reference.early_errors, reference.error_spread), start=1):
        check.same("numeric", f"the error after iteration {iteration}", training.history[iteration], theirs,
                   _training_tolerance(theirs, spread, error_scale), error_scale)
    iterations = len(reference.early_errors)
    for p, ours, theirs, spread, scale in zip(network.parameters, training.checked, reference.early_state.flat(),
                                              reference.state_spread, first_scales):
        check.same("numeric", f"{p.quantity.name()} after {iterations} iterations", ours, theirs,
                   _training_tolerance(theirs, spread, scale), scale)
    final = float(numeric.error(numeric.state_from(list(training.final))))
    check.same("numeric", "the error after the last iteration", training.history[-1], final,
               _training_tolerance(final, 0.0, error_scale), error_scale)


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


def _kink_notes(network: SymbolicNetwork, derivation: Derivation, labels: Labels) -> list[Note]:
    at_kink = [labels(Quantity("net", n.layer, n.index, sample=f.sample))
               for f in derivation.forward for n in f.neurons if n.at_kink]
    if not at_kink:
        return []
    return [Note((tuple(at_kink), " = 0: exactly at the activation's kink, where the worked solution takes the "
                  "derivative of the piece for net <= 0 (relu'(0) = 0, leaky_relu'(0) = alpha)"))]


def verify_matrix_form(network: SymbolicNetwork, derivation: Derivation, form: MatrixForm) -> int:
    """Every entry of the matrix form against the per-weight value of the quantity it equals, within
    rounding of that value's scale; returns how many entries were compared."""
    scales, check = step_scales(network, derivation), Checker()
    labels = Labels.for_spec(network.spec)
    for step, entries in form.entries:
        for entry in entries:
            what = f"entry ({entry.row + 1}, {entry.column + 1}) of {labels.matrix(step.lhs.quantity)}"
            check.same("matrix", what, step.value[entry.row][entry.column], derivation.values[entry.key],
                       rounding_tolerance(scales[entry.key]), scales[entry.key])
    return check.counts.get("matrix", 0)
