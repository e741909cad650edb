"""Stage 3: derive the worked solution of the first update step, recorded as data.

Every line of a worked solution is a :class:`Step`: a left-hand side (a symbol, or an unevaluated
partial derivative such as dE/dw5), its symbolic forms from general to specific, the last form with
numbers in place of symbols, and the value. Values come from SymPy evaluating that last form, one
local factor at a time (micrograd-style: forward values, then local derivatives in reverse order),
so the cost grows linearly with the number of weights. verify.py checks every value against two
computations that share nothing with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

import mpmath
import sympy as sp
from sympy.core.parameters import evaluate

from ..errors import SpecError
from .evaluate import PRECISE, evaluate_form, on_boundary, piece_index
from .network import Parameter, SymbolicNetwork
from ..model.quantities import ELLIPSIS, number, quantity_of


@dataclass(frozen=True)
class Step:
    lhs: sp.Expr
    forms: tuple[sp.Expr, ...]
    numeric: sp.Expr | None  # the last form with numbers substituted; None for a definition only
    value: float | None


@dataclass(frozen=True)
class NeuronForward:
    layer: int
    index: int
    net: Step
    out: Step
    piece: int | None = None  # a piecewise activation: the piece its net input selects
    at_kink: bool = False  # the net input sits exactly where the pieces meet (relu'(0) = 0 is used)


@dataclass(frozen=True)
class SampleForward:
    sample: int
    neurons: tuple[NeuronForward, ...]
    terms: tuple[Step, ...]  # one per output; empty when there is a single output
    error: Step


@dataclass(frozen=True)
class NeuronBackward:
    layer: int
    index: int
    sample: int
    paths: tuple[Step, ...]  # d net_m / d out_j for each neuron m above (hidden neurons only)
    contributions: tuple[Step, ...]  # each neuron m's share of dE/d out_j, when there are several
    grad_out: Step  # dE/d out_j
    slope: Step  # d out_j / d net_j
    delta: Step  # dE/d net_j


@dataclass(frozen=True)
class ParameterDerivation:
    parameter: Parameter
    local: tuple[tuple[Step, ...], ...]  # per sample of the update: d net_j / d theta for each reached j
    chains: tuple[Step, ...]  # per sample of the update: dE_s / d theta
    gradient: Step  # what the update uses
    update: Step | None  # None when the parameter is not updated (biases with update_biases off)


@dataclass(frozen=True)
class LayerBackward:
    layer: int
    error_forms: tuple[Step, ...]  # the expanded error of each sample (output layer only)
    neurons: tuple[NeuronBackward, ...]
    parameters: tuple[ParameterDerivation, ...]


@dataclass(frozen=True)
class Derivation:
    forward: tuple[SampleForward, ...]
    error: Step  # the total error at the initial parameters
    update_samples: tuple[int, ...]  # the samples the first update uses
    backward: tuple[LayerBackward, ...]  # output layer first
    values: dict  # every recorded value, by symbol or derivative
    digits: int | None = None  # values rounded to this many decimals and carried forward; None: exact
    bits: int = 80  # the working precision the values were computed with (Values.need_bits)

    def forward_steps(self, samples) -> list[Step]:
        """The forward pass and errors of ``samples``, in the order the document shows them."""
        steps = []
        for forward in self.forward:
            if forward.sample in samples:
                steps += [step for neuron in forward.neurons for step in (neuron.net, neuron.out)]
                steps += [*forward.terms, forward.error]
        return steps

    def backward_steps(self) -> list[Step]:
        """The backward pass and updates, output layer first, in the order the document shows them."""
        steps = []
        for layer in self.backward:
            for neuron in layer.neurons:
                steps += [*neuron.paths, *neuron.contributions, neuron.grad_out, neuron.slope, neuron.delta]
            for p in layer.parameters:
                steps += [step for local in p.local for step in local] + list(p.chains)
                steps += [p.gradient] if len(p.chains) > 1 else []
                steps += [p.update] if p.update else []
        return steps

    def steps(self) -> list[Step]:
        """Every step, each after the steps it uses: a straight-line program (see training.py)."""
        samples = tuple(f.sample for f in self.forward)
        total = [self.error] if len(samples) > 1 else []
        return self.forward_steps(samples) + total + self.backward_steps()

    def pieces(self) -> dict:
        """(layer, neuron, sample) -> the piece each piecewise unit's numbers select."""
        return {(n.layer, n.index, f.sample): n.piece for f in self.forward for n in f.neurons
                if n.piece is not None}

    @cached_property
    def updated(self) -> dict:
        """Every parameter after the first update (unchanged where it is not updated), by symbol."""
        return {p.parameter.symbol: p.update.value if p.update else p.parameter.value
                for layer in self.backward for p in layer.parameters}

    @cached_property
    def gradients(self) -> dict:
        """What the first update uses, by parameter symbol."""
        return {p.parameter.symbol: p.gradient.value for layer in self.backward for p in layer.parameters}


CARRY_STYLES = {"round": ROUND_HALF_UP, "truncate": ROUND_DOWN}


def carried(value: float, digits: int | None, style: str = "round") -> float:
    """A value as a student carries it forward: rounded half up (or cut off) to ``digits`` decimals;
    exact when ``digits`` is None.

    The one rounding rule of ``solve --rounding carry`` and of the checker's ``rounding`` status.
    """
    if digits is None or not math.isfinite(value):
        return value
    exact = Decimal(repr(value))
    with localcontext() as context:  # enough digits for any float at any number of decimals
        context.prec = max(28, exact.adjusted() + digits + 2)
        return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=CARRY_STYLES[style]))


class Values:
    """Numbers known so far: each as (float as written, precise mpf) to evaluate with, and a number
    symbol to show. The recorded value is the precise one rounded to a float (evaluate.PRECISE)."""

    BITS, MAX_BITS = 80, 2400  # working precision; 2400 bits keep 1 - out of a sigmoid at |net| = 1600

    def __init__(self, given: dict, digits: int | None = None):
        self.digits = digits
        self.bits = self.BITS
        self.plain: dict = {}
        self.pairs: dict = {}
        self._shown: dict = {}
        for key, value in given.items():
            self.record(key, value, (value, mpmath.mpf(value)))

    def record(self, key, value: float, pair: tuple) -> None:
        self.plain[key] = value
        self.pairs[key] = pair
        origin = quantity_of(key).kind if key.is_Symbol else ""
        self._shown[key] = number(value, origin)

    def need_bits(self, bits: float) -> None:
        """Work with at least ``bits`` more than a float's precision from now on (never fewer)."""
        self.bits = min(self.MAX_BITS, max(self.bits, self.BITS + math.ceil(bits)))

    def step(self, lhs, *forms, aliases=()) -> Step:
        """Evaluate the last form, record the value under ``lhs`` (and its aliases), return the step."""
        last = forms[-1]
        numeric = last.xreplace(self._shown)
        with mpmath.workprec(self.bits):
            as_written, precise = evaluate_form(last, PRECISE, self.pairs)
        value = carried(float(precise), self.digits)
        if not math.isfinite(value):
            raise SpecError("inputs: the first step overflows (a value of the worked solution is not finite); "
                            "use smaller inputs or weights")
        pair = (as_written, precise) if self.digits is None else (value, mpmath.mpf(value))
        for key in (lhs, *aliases):
            self.record(key, value, pair)
        return Step(lhs, tuple(forms), numeric, value)


def partial(f, x) -> sp.Derivative:
    return sp.Derivative(f, x, evaluate=False)


def add(*terms) -> sp.Expr:
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def mul(*factors) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def with_zeros(term, position: int, count: int) -> sp.Expr:
    """``term`` among ``count`` terms of a sum, the others differentiated to 0 (``0 + term + 0``).

    Runs of more than two zeros are shortened to ``0 + ... + 0`` to keep wide layers readable.
    """
    def zeros(n):
        return [sp.Integer(0)] * n if n <= 2 else [sp.Integer(0), ELLIPSIS, sp.Integer(0)]

    return add(*zeros(position - 1), term, *zeros(count - position))


def derive(network: SymbolicNetwork, digits: int | None = None) -> Derivation:
    """Every form is built as written (``evaluate(False)``): SymPy must not reorder or simplify it.

    With ``digits``, each value is rounded to that many decimals before later steps use it, as by hand.
    """
    with evaluate(False):
        return _derive(network, digits)


def _derive(network: SymbolicNetwork, digits: int | None) -> Derivation:
    values = Values(network.given_values(), digits)
    samples = tuple(range(1, network.sample_count + 1))
    forward = tuple(_forward(network, values, s) for s in samples)
    error = forward[0].error
    if len(samples) > 1:
        factor = network.reduction_factor(len(samples))
        error = values.step(network.error(None), mul(factor, add(*(network.error(s) for s in samples))))
    update_samples = samples if network.spec.mode == "batch" else (1,)
    backward = []
    for layer in range(network.depth, 0, -1):
        backward.append(_backward_layer(network, values, layer, update_samples))
    return Derivation(forward, error, update_samples, tuple(backward), values.plain, digits, values.bits)


def _forward(network: SymbolicNetwork, values: Values, s: int) -> SampleForward:
    neurons = []
    for layer in range(1, network.depth + 1):
        rule, alpha = network.activation(layer)
        for j in range(1, network.widths[layer] + 1):
            pairs = [(network.weight(layer, j, k), network.out(layer - 1, k, s))
                     for k in range(1, network.widths[layer - 1] + 1)]
            bias = network.bias(layer, j)
            if bias:
                pairs.append((bias.symbol, sp.Integer(1)))
            terms = [mul(w, a) for w, a in pairs]  # printing.py turns w*a into a*w where a notation says so
            net = values.step(network.net(layer, j, s), add(*terms))
            formula = rule.formula(network.net(layer, j, s), alpha)
            values.need_bits(rule.saturation_bits * abs(net.value))
            out = values.step(network.out(layer, j, s), formula)
            neurons.append(NeuronForward(layer, j, net, out, *_piece(formula, values.pairs)))
    loss, n = network.loss, network.outputs
    term_forms = [loss.term(network.target(j, s), network.out(network.depth, j, s), n) for j in range(1, n + 1)]
    if n == 1:
        return SampleForward(s, tuple(neurons), (), values.step(network.error(s), term_forms[0]))
    terms = tuple(values.step(network.term(j, s), form) for j, form in enumerate(term_forms, start=1))
    error = values.step(network.error(s), add(*(network.term(j, s) for j in range(1, n + 1))))
    return SampleForward(s, tuple(neurons), terms, error)


def _piece(formula, known: dict) -> tuple[int | None, bool]:
    """Which piece of a piecewise activation the numbers select, and whether they sit on its kink."""
    if not isinstance(formula, sp.Piecewise):
        return None, False
    value_of = lambda expr: evaluate_form(expr, PRECISE, known)[0]  # noqa: E731 - decided as written
    return piece_index(formula, value_of), on_boundary(formula, value_of)


def _backward_layer(network: SymbolicNetwork, values: Values, layer: int, samples) -> LayerBackward:
    error_forms, neurons = [], []
    for s in samples:
        if layer == network.depth:
            error_forms.append(Step(network.error(s), (_expanded_error(network, s),), None, None))
        for j in range(1, network.widths[layer] + 1):
            neurons.append(_backward_neuron(network, values, layer, j, s))
    parameters = tuple(
        _parameter(network, values, p, samples) for p in network.parameters if p.quantity.layer == layer
    )
    return LayerBackward(layer, tuple(error_forms), tuple(neurons), parameters)


def _expanded_error(network: SymbolicNetwork, s: int) -> sp.Expr:
    loss, n, depth = network.loss, network.outputs, network.depth
    return add(*(loss.term(network.target(j, s), network.out(depth, j, s), n) for j in range(1, n + 1)))


def _backward_neuron(network: SymbolicNetwork, values: Values, layer: int, j: int, s: int) -> NeuronBackward:
    error, out, net = network.error(s), network.out(layer, j, s), network.net(layer, j, s)
    paths, contributions = (), ()
    if layer == network.depth:
        loss, t, n = network.loss, network.target(j, s), network.outputs
        grad_out = values.step(partial(error, out), with_zeros(loss.power_rule(t, out, n), j, n), loss.slope(t, out, n))
    else:
        paths, contributions, grad_out = _hidden_grad_out(network, values, layer, j, s)
    rule, alpha = network.activation(layer)
    slope = values.step(partial(out, net), rule.slope(net, out, alpha))
    delta = values.step(network.delta(layer, j, s), partial(error, net), mul(partial(error, out), partial(out, net)),
                        aliases=(partial(error, net),))
    return NeuronBackward(layer, j, s, paths, contributions, grad_out, slope, delta)


def _hidden_grad_out(network: SymbolicNetwork, values: Values, layer: int, j: int, s: int):
    """dE/d out_j as the sum over every neuron m above of its contribution dE/d net_m * d net_m / d out_j.

    Above the output layer each contribution is dE_m/d out_j (Mazur's dE_o1/d out_h1). With
    ``hidden_deltas: updated`` the weights above are the updated ones; that is the variant rule, not
    a derivative, so no "d net_m / d out_j = w" step is claimed.
    """
    error, out = network.error(s), network.out(layer, j, s)
    above = range(1, network.widths[layer + 1] + 1)
    use_updated = network.spec.hidden_deltas == "updated"
    weights = [network.weight(layer + 1, m, j, updated=use_updated) for m in above]
    nets = [network.net(layer + 1, m, s) for m in above]
    routes = [mul(partial(error, z), partial(z, out)) for z in nets]
    products = [mul(network.delta(layer + 1, m, s), w) for m, w in zip(above, weights)]
    paths = () if use_updated else tuple(values.step(partial(z, out), w) for z, w in zip(nets, weights))
    if len(above) == 1:
        return paths, (), values.step(partial(error, out), *([] if use_updated else routes), products[0])
    output_above = layer + 1 == network.depth and network.outputs > 1
    names = [partial(network.term(m, s), out) if output_above else route for m, route in zip(above, routes)]
    contributions = tuple(
        values.step(name, *([] if use_updated or name is route else [route]), product)
        for name, route, product in zip(names, routes, products))
    return paths, contributions, values.step(partial(error, out), add(*names))


def _parameter(network: SymbolicNetwork, values: Values, p: Parameter, samples) -> ParameterDerivation:
    theta, layer = p.symbol, p.quantity.layer
    local, chains = [], []
    for s in samples:
        error = network.error(s)
        local.append(tuple(_local_step(network, values, p, j, s) for j in p.reaches))
        factors = [mul(partial(error, network.out(layer, j, s)), partial(network.out(layer, j, s), network.net(layer, j, s)),
                       partial(network.net(layer, j, s), theta)) for j in p.reaches]
        chains.append(values.step(partial(error, theta), add(*factors)))
    gradient = chains[0]
    if len(samples) > 1:
        factor = network.reduction_factor(len(samples))
        gradient = values.step(partial(network.error(None), theta), mul(factor, add(*(c.lhs for c in chains))))
    update = None
    if not p.is_bias or network.spec.update_biases:
        update = values.step(p.updated_symbol, theta - network.rate * gradient.lhs)
    return ParameterDerivation(p, tuple(local), tuple(chains), gradient, update)


def _local_step(network: SymbolicNetwork, values: Values, p: Parameter, j: int, s: int) -> Step:
    """d net_j / d theta by the power rule: ``1 * out_k * w^{1-1} + 0 + 0`` = out_k."""
    lhs = partial(network.net(p.quantity.layer, j, s), p.symbol)
    if p.is_bias:
        return values.step(lhs, sp.Integer(1))
    layer, k = p.quantity.layer, p.quantity.source
    source = network.out(layer - 1, k, s)
    count = network.widths[layer - 1] + (1 if network.bias(layer, j) else 0)
    power = mul(sp.Integer(1), source, sp.Pow(p.symbol, add(sp.Integer(1), sp.Integer(-1)), evaluate=False))
    return values.step(lhs, with_zeros(power, k, count), source)
