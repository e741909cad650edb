"""Stage 3: derive the worked solution of the first update step, recorded as data (steps.py).

Values come from evaluating each step's last form, one local factor at a time (micrograd-style:
forward values, then local derivatives in reverse order), so the cost grows linearly with the number
of weights. An activation's derivative is its Jacobian (rules.py): an element-wise layer uses its
diagonal, ∂E/∂out_j · ∂out_j/∂net_j; a softmax layer sums over every output k. verify.py checks
every value against computations that share nothing with this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import sympy as sp
from sympy.core.parameters import evaluate

from ..errors import SpecError
from .evaluate import PRECISE, evaluate_form, on_boundary, piece_index
from .network import Parameter, SymbolicNetwork
from .steps import Place, Step, Values, add, definition, mul, partial, with_zeros


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
    order: tuple[Step, ...]  # every step above in the order computed (a softmax layer: nets, then outs)


@dataclass(frozen=True)
class NeuronBackward:
    layer: int
    index: int
    sample: int
    paths: tuple[Step, ...]  # d net_m / d out_j for each neuron m above (hidden neurons only)
    contributions: tuple[Step, ...]  # each neuron m's share of dE/d out_j, when there are several
    grad_out: Step | None  # dE/d out_j; None where the layer computes every output's first (softmax)
    jacobian: tuple[Step, ...]  # d out_k / d net_j for every k that depends on net_j (element-wise: k = j)
    delta: Step  # dE/d net_j
    simplified: Step | None = None  # a known closed form of the same δ (rules.SIMPLIFICATIONS)


@dataclass(frozen=True)
class SampleBackward:
    sample: int
    error_form: Step | None  # the output layer: the sample's error written in the outputs
    grad_outs: tuple[Step, ...]  # a softmax output layer: dE/d out_k for every k, before any δ
    neurons: tuple[NeuronBackward, ...]


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
    samples: tuple[SampleBackward, ...]
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
        """The forward pass and errors of ``samples``, each step after those it uses."""
        return [step for forward in self.forward if forward.sample in samples for step in forward.order]

    def backward_steps(self) -> list[Step]:
        """The backward pass and updates, output layer first, each step after those it uses."""
        steps = []
        for layer in self.backward:
            for sample in layer.samples:
                steps += sample.grad_outs
                for neuron in sample.neurons:
                    steps += [*neuron.paths, *neuron.contributions, *filter(None, [neuron.grad_out]),
                              *neuron.jacobian, neuron.delta, *filter(None, [neuron.simplified])]
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
        error = values.step("error", network.error(None), mul(factor, add(*(network.error(s) for s in samples))))
    update_samples = samples if network.spec.mode == "batch" else (1,)
    backward = []
    for layer in range(network.depth, 0, -1):
        backward.append(_backward_layer(network, values, layer, update_samples))
    return Derivation(forward, error, update_samples, tuple(backward), values.plain, digits, values.bits)


def _forward(network: SymbolicNetwork, values: Values, s: int) -> SampleForward:
    neurons, order = [], []
    for layer in range(1, network.depth + 1):
        rule, alpha = network.activation(layer)
        width = network.widths[layer]
        nets = [network.net(layer, j, s) for j in range(1, width + 1)]
        net_steps, out_steps, shapes = {}, {}, {}

        def compute_net(j):
            net_steps[j] = step = values.step("net", nets[j - 1], add(*_net_terms(network, layer, j, s)),
                                              place=Place(layer, j))
            order.append(step)

        def compute_out(j):
            formula = rule.formula(nets, j - 1, alpha)
            out_steps[j] = step = values.step("out", network.out(layer, j, s), formula, place=Place(layer, j))
            shapes[j] = _piece(formula, values.pairs)
            order.append(step)

        if rule.elementwise:  # net, out, net, out: as the seeds go through a layer
            for j in range(1, width + 1):
                compute_net(j)
                values.need_bits(rule.extra_bits([net_steps[j].value]))
                compute_out(j)
        else:  # every output depends on every net input of the layer
            for j in range(1, width + 1):
                compute_net(j)
            values.need_bits(rule.extra_bits([net_steps[j].value for j in net_steps]))
            for j in range(1, width + 1):
                compute_out(j)
        neurons += [NeuronForward(layer, j, net_steps[j], out_steps[j], *shapes[j]) for j in range(1, width + 1)]
    _check_loss_domain(network, values, s)
    loss, n = network.loss, network.outputs
    term_forms = [loss.term(network.target(j, s), network.out(network.depth, j, s), n) for j in range(1, n + 1)]
    if n == 1:
        error = values.step("error", network.error(s), term_forms[0])
        return SampleForward(s, tuple(neurons), (), error, (*order, error))
    terms = tuple(values.step("term", network.term(j, s), form, place=Place(network.depth, j))
                  for j, form in enumerate(term_forms, start=1))
    error = values.step("error", network.error(s), add(*(network.term(j, s) for j in range(1, n + 1))))
    return SampleForward(s, tuple(neurons), terms, error, (*order, *terms, error))


def _net_terms(network: SymbolicNetwork, layer: int, j: int, s: int) -> list:
    pairs = [(network.weight(layer, j, k), network.out(layer - 1, k, s)) for k in range(1, network.widths[layer - 1] + 1)]
    bias = network.bias(layer, j)
    if bias:
        pairs.append((bias.symbol, sp.Integer(1)))
    return [mul(w, a) for w, a in pairs]  # printing.py turns w*a into a*w where a notation says so


def _check_loss_domain(network: SymbolicNetwork, values: Values, s: int) -> None:
    """A logarithmic loss at an output of exactly 0 or 1 is infinite: say so plainly. Exactly, that is, at
    the working precision: an output that is 1 as a float (a sigmoid at net 40) still has a finite loss."""
    loss = network.loss
    for j in range(1, network.outputs + 1):
        out = values.pairs[network.out(network.depth, j, s)][1]
        if loss.undefined(out):
            raise SpecError(f"layers: output {j} of sample {s} is exactly {float(out):g} at {values.bits} bits "
                            f"of precision, where {network.spec.loss} takes the logarithm of 0; use smaller "
                            f"weights or inputs")


def _piece(formula, known: dict) -> tuple[int | None, bool]:
    """Which piece of a piecewise activation the numbers select, and whether they sit on its kink."""
    if not isinstance(formula, sp.Piecewise):
        return None, False
    value_of = lambda expr: evaluate_form(expr, PRECISE, known)[0]  # noqa: E731 - decided as written
    return piece_index(formula, value_of), on_boundary(formula, value_of)


def _backward_layer(network: SymbolicNetwork, values: Values, layer: int, samples) -> LayerBackward:
    per_sample = tuple(_backward_sample(network, values, layer, s) for s in samples)
    parameters = tuple(
        _parameter(network, values, p, samples) for p in network.parameters if p.quantity.layer == layer
    )
    return LayerBackward(layer, per_sample, parameters)


def _backward_sample(network: SymbolicNetwork, values: Values, layer: int, s: int) -> SampleBackward:
    rule, _ = network.activation(layer)
    if layer < network.depth:
        return SampleBackward(s, None, (), tuple(_hidden_neuron(network, values, layer, j, s)
                                                 for j in range(1, network.widths[layer] + 1)))
    error_form = definition(network.error(s), _expanded_error(network, s))
    n = network.outputs
    if rule.elementwise:
        neurons = tuple(_output_neuron(network, values, j, s, _grad_out(network, values, j, s)) for j in range(1, n + 1))
        return SampleBackward(s, error_form, (), neurons)
    grad_outs = tuple(_grad_out(network, values, k, s) for k in range(1, n + 1))
    return SampleBackward(s, error_form, grad_outs, tuple(_output_neuron(network, values, j, s, None)
                                                          for j in range(1, n + 1)))


def _expanded_error(network: SymbolicNetwork, s: int) -> sp.Expr:
    loss, n, depth = network.loss, network.outputs, network.depth
    return add(*(loss.term(network.target(j, s), network.out(depth, j, s), n) for j in range(1, n + 1)))


def _grad_out(network: SymbolicNetwork, values: Values, k: int, s: int) -> Step:
    """dE/d out_k at the output: the loss's derivative, as the seeds write it, then simplified."""
    loss, t, n, out = network.loss, network.target(k, s), network.outputs, network.out(network.depth, k, s)
    aliases = (partial(network.term(k, s), out),) if n > 1 else ()
    return values.step("grad_out_output", partial(network.error(s), out), with_zeros(loss.power_rule(t, out, n), k, n),
                       loss.slope(t, out, n), place=Place(network.depth, k), aliases=aliases)


def _output_neuron(network: SymbolicNetwork, values: Values, j: int, s: int, grad_out: Step | None) -> NeuronBackward:
    jacobian, delta = _delta(network, values, network.depth, j, s)
    simplification = network.simplification
    simplified = None
    if simplification is not None:
        out, target = network.out(network.depth, j, s), network.target(j, s)
        targets = [network.target(k, s) for k in range(1, network.outputs + 1)]
        simplified = values.step("simplified", network.delta(network.depth, j, s),
                                 *simplification.forms(out, target, targets), place=Place(network.depth, j),
                                 aliases=delta.aliases)  # later steps use the δ shown last
        delta = replace(delta, equivalents=simplified.forms[-1:])  # a student may write out - t at once
    return NeuronBackward(network.depth, j, s, (), (), grad_out, jacobian, delta, simplified)


def _hidden_neuron(network: SymbolicNetwork, values: Values, layer: int, j: int, s: int) -> NeuronBackward:
    paths, contributions, grad_out = _hidden_grad_out(network, values, layer, j, s)
    jacobian, delta = _delta(network, values, layer, j, s)
    return NeuronBackward(layer, j, s, paths, contributions, grad_out, jacobian, delta)


def _delta(network: SymbolicNetwork, values: Values, layer: int, j: int, s: int) -> tuple[tuple[Step, ...], Step]:
    """The Jacobian entries d out_k / d net_j that net_j reaches, and δ_j = Σ_k dE/d out_k · d out_k / d net_j."""
    rule, alpha = network.activation(layer)
    width = network.widths[layer]
    nets = [network.net(layer, m, s) for m in range(1, width + 1)]
    outs = [network.out(layer, m, s) for m in range(1, width + 1)]
    error, net = network.error(s), nets[j - 1]
    entries = []
    for k in range(1, width + 1):
        form = rule.jacobian(nets, outs, k - 1, j - 1, alpha)
        if form is not None:
            role = "slope" if rule.elementwise else "jacobian"
            entries.append((k, values.step(role, partial(outs[k - 1], net), form, place=Place(layer, k, None if
                                           rule.elementwise else j))))
    chain = add(*(mul(partial(error, outs[k - 1]), step.lhs) for k, step in entries))
    aliases = [partial(error, net)]
    if layer == network.depth and network.outputs > 1 and rule.elementwise:
        aliases.append(partial(network.term(j, s), net))  # Mazur's dE_o1/dnet_o1: only output j's term depends on net_j
    delta = values.step("delta", network.delta(layer, j, s), partial(error, net), chain, place=Place(layer, j),
                        aliases=tuple(aliases))
    return tuple(step for _, step in entries), delta


def _hidden_grad_out(network: SymbolicNetwork, values: Values, layer: int, j: int, s: int):
    """dE/d out_j as the sum over every neuron m above of its contribution dE/d net_m * d net_m / d out_j.

    Above an element-wise output layer each contribution is dE_m/d out_j (Mazur's dE_o1/d out_h1).
    With ``hidden_deltas: updated`` the weights above are the updated ones; that is the variant rule,
    not a derivative, so no "d net_m / d out_j = w" step is claimed.
    """
    error, out = network.error(s), network.out(layer, j, s)
    above = range(1, network.widths[layer + 1] + 1)
    use_updated = network.spec.hidden_deltas == "updated"
    weights = [network.weight(layer + 1, m, j, updated=use_updated) for m in above]
    nets = [network.net(layer + 1, m, s) for m in above]
    routes = [mul(partial(error, z), partial(z, out)) for z in nets]
    products = [mul(network.delta(layer + 1, m, s), w) for m, w in zip(above, weights)]
    paths = () if use_updated else tuple(values.step("path", partial(z, out), w, place=Place(layer + 1, m, j))
                                         for m, z, w in zip(above, nets, weights))
    # a term as the student may write it: from their dnet_m/dout_j where they give it
    via_paths = [] if use_updated else [mul(network.delta(layer + 1, m, s), path.lhs) for m, path in zip(above, paths)]
    grad_place = Place(layer, j)
    if len(above) == 1:
        return paths, (), values.step("grad_out_hidden", partial(error, out), *([] if use_updated else routes),
                                      products[0], place=grad_place, equivalents=via_paths)
    by_term = layer + 1 == network.depth and network.outputs > 1 and network.activation(layer + 1)[0].elementwise
    names = [partial(network.term(m, s), out) if by_term else route for m, route in zip(above, routes)]
    if by_term:  # dE_o1/dout_h1 = dE_o1/dnet_o1 · dnet_o1/dout_h1: E_o1's own factors (= δ_o1, as only E_o1 has net_o1)
        routes = [mul(partial(network.term(m, s), z), partial(z, out)) for m, z in zip(above, nets)]
    contributions = tuple(
        values.step("contribution", name, *([] if use_updated or name is route else [route]), product,
                    place=Place(network.depth if by_term else layer + 1, m, j), equivalents=via_paths[i:i + 1])
        for i, (m, name, route, product) in enumerate(zip(above, names, routes, products)))
    sums = [add(*products)] + ([add(*via_paths)] if via_paths else [])
    return paths, contributions, values.step("grad_out_hidden", partial(error, out), add(*names), place=grad_place,
                                             equivalents=sums)


def _parameter(network: SymbolicNetwork, values: Values, p: Parameter, samples) -> ParameterDerivation:
    theta, q = p.symbol, p.quantity
    layer, place = q.layer, Place(q.layer, q.to, q.source)
    rule = network.activation(layer)[0]
    elementwise = rule.elementwise
    # a shared bias of a shift-invariant layer (softmax): its deltas sum to exactly 0
    vanishes = p.is_bias and q.to is None and rule.shift_invariant
    local, chains = [], []
    for s in samples:
        error = network.error(s)
        local.append(tuple(_local_step(network, values, p, j, s) for j in p.reaches))
        factors, by_delta = [], []
        for j in p.reaches:
            net, out = network.net(layer, j, s), network.out(layer, j, s)
            through = [partial(error, out), partial(out, net)] if elementwise else [partial(error, net)]
            factors.append(mul(*through, partial(net, theta)))
            by_delta.append(mul(network.delta(layer, j, s), partial(net, theta)))
        # with one sample in the update, its chain is the gradient the update uses
        role = "chain" if len(samples) > 1 else "gradient"
        chains.append(values.step(role, partial(error, theta), add(*factors), *([sp.Integer(0)] if vanishes else []),
                                  place=place, equivalents=[add(*by_delta)] if elementwise else []))
    gradient = chains[0]
    if len(samples) > 1:
        factor = network.reduction_factor(len(samples))
        gradient = values.step("gradient", partial(network.error(None), theta),
                               mul(factor, add(*(c.lhs for c in chains))), place=place)
    update = None
    if not p.is_bias or network.spec.update_biases:
        update = values.step("update", p.updated_symbol, theta - network.rate * gradient.lhs, place=place)
    return ParameterDerivation(p, tuple(local), tuple(chains), gradient, update)


def _local_step(network: SymbolicNetwork, values: Values, p: Parameter, j: int, s: int) -> Step:
    """d net_j / d theta by the power rule: ``1 * out_k * w^{1-1} + 0 + 0`` = out_k."""
    lhs = partial(network.net(p.quantity.layer, j, s), p.symbol)
    place = Place(p.quantity.layer, p.quantity.to, p.quantity.source)
    if p.is_bias:
        return values.step("local", lhs, sp.Integer(1), place=place)
    layer, k = p.quantity.layer, p.quantity.source
    source = network.out(layer - 1, k, s)
    count = network.widths[layer - 1] + (1 if network.bias(layer, j) else 0)
    power = mul(sp.Integer(1), source, sp.Pow(p.symbol, add(sp.Integer(1), sp.Integer(-1)), evaluate=False))
    return values.step("local", lhs, with_zeros(power, k, count), source, place=place)
