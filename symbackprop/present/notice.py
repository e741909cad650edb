"""What to notice: behaviour a student or a TA would take for a bug, found from the computed values.

A ReLU unit whose net input falls to 0 or below for every sample outputs 0 and has slope 0: its δ is
0, so its own weights and bias never change again, and neither do the weights leaving it (they
multiply its output 0). A saturated sigmoid or tanh has a slope near 0 and passes almost no
gradient. An error that rises after an update means the step overshot. Each finding is read off the
parameters training recorded and the independent numeric engine's forward pass (solution.outputs'
engine), never assumed; the document says it in a section of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..solution import Solution
    from .view import ViewBuilder

SATURATED = {"sigmoid": 0.01, "tanh": 0.02, "softmax": 0.01}  # a slope below this passes under 2 % of the gradient
#: The slope of an output on its own net input (softmax: the Jacobian's diagonal)
SLOPES = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a, "softmax": lambda a: a * (1 - a)}
VANISHING = 100  # a layer's largest gradient this many times smaller than the output layer's
STEPPED = 9  # updates between two recorded moments that a dead unit's first is searched among, one by one


def notices(view: ViewBuilder) -> list[dict]:
    """Every finding, a title and sentences with inline maths, in the order of the network."""
    return [*_dead_relus(view), *_saturated(view), *_vanishing(view), *_rising(view)]


def _nets(solution: Solution, parameters) -> list[list[list[float]]]:
    """Each sample's net inputs, layer by layer (index 0: none), at ``parameters`` (flat)."""
    numeric = solution.exact
    return _nets_at(solution, numeric.state_from(list(parameters)) if parameters is not None else numeric.initial_state())


def _nets_at(solution: Solution, state) -> list[list[list[float]]]:
    numeric = solution.exact
    with numeric.precision():
        return [[list(map(float, z)) for z in numeric.forward(state, inputs)[0]] for inputs, _ in numeric.samples]


def _dead_from(solution: Solution, l: int, j: int, before: tuple[int, tuple | None], moment: int) -> tuple[int | None, list]:
    """The update from which unit j of layer l stays dead up to ``moment`` (where it was found dead),
    stepped by the numeric engine from the last recorded moment it was alive, ``before``; with its net
    inputs then. Beyond STEPPED updates apart, None (the document says "by update")."""
    start, parameters = before
    if moment - start > STEPPED:
        return None, []
    numeric = solution.exact
    state = numeric.state_from(list(parameters)) if parameters is not None else numeric.initial_state()
    with numeric.precision():
        nets = [[sample[l][j - 1] for sample in _nets_at(solution, s)] for s in numeric.states(state, moment - start)]
    first = moment
    while first - 1 > start and max(nets[first - 2 - start]) <= 0:
        first -= 1
    return first, nets[first - 1 - start]


def _moments(solution: Solution) -> list[tuple[int, tuple | None]]:
    """The parameters training recorded: before it, after the first update, after the first few, at the end."""
    training, spec = solution.training, solution.spec
    return [(0, None), (1, training.updated), (min(10, spec.iterations), training.checked),
            (spec.iterations, training.final)]


def _dead_relus(view: ViewBuilder) -> list[dict]:
    solution, network = view.solution, view.network
    layers = [l for l, layer in enumerate(solution.spec.layers, start=1) if layer.activation == "relu"]
    if not layers or solution.spec.iterations < 1:
        return []
    found, said, before = [], set(), None
    for moment, parameters in _moments(solution):
        nets = _nets(solution, parameters)
        for l in layers:
            for j in range(1, network.widths[l] + 1):
                values = [sample[l][j - 1] for sample in nets]
                if (l, j) in said or max(values) > 0:
                    continue
                said.add((l, j))
                first, then = _dead_from(solution, l, j, before, moment) if before else (moment, values)
                found.append(_dead(view, l, j, (first, moment), parameters, then or values))
        before = (moment, parameters)
    return found


def _dead(view: ViewBuilder, l: int, j: int, moments: tuple[int | None, int], parameters, values: list[float]) -> dict:
    """The sentence for a dead unit, dead from the first of ``moments`` (None: not searched) and found so
    at the second, whose ``parameters`` the ones it freezes are compared from, to the end."""
    solution, network = view.solution, view.network
    first, moment = moments
    then = parameters if parameters is not None else [p.value for p in network.parameters]
    frozen = [p for p, b, f in zip(network.parameters, then, solution.training.final) if b == f and _touches(p, l, j)]
    when = ("before any update" if first == 0 else "after the first update" if first == 1 else
            f"by update {moment}" if first is None else f"after update {first}")
    nets = ", ".join(sorted({view.number(v) for v in values}))
    # the value stands apart from the label: a sheet's checker reads "z = v" as an answer for z
    sentence = (f"Neuron ${view.latex(network.out(l, j, None))}$ has net input ${nets}$ "
                f"{'for every sample ' if len(values) > 1 else ''}{when}: ReLU outputs 0 there and its slope is 0, so its $\\delta$ is 0 and "
                "no gradient reaches its weights or its bias, nor the weights leaving it (they multiply its output 0).")
    if frozen and moment < solution.spec.iterations:
        labels = ", ".join(f"${view.latex(p.symbol)}$" for p in frozen)
        sentence += (f" The {len(frozen)} parameters {labels} keep their values from then on "
                     f"({len(frozen)} of {len(network.parameters)}): this is the network, not a mistake in the solution.")
    return {"title": "A dead ReLU", "text": sentence}


def _touches(parameter, l: int, j: int) -> bool:
    """A parameter into neuron j of layer l (its weights, its own bias), or a weight leaving it."""
    q = parameter.quantity
    into = q.layer == l and q.to == j
    leaving = q.layer == l + 1 and q.kind == "weight" and q.source == j
    return into or leaving


def _saturated(view: ViewBuilder) -> list[dict]:
    """A sigmoid, tanh or softmax unit whose slope is below SATURATED for every sample at the start;
    not where the loss cancels the slope (softmax or sigmoid with cross-entropy: δ = a − y)."""
    solution, network, values = view.solution, view.network, view.solution.shown.values
    found = []
    for l, layer in enumerate(solution.spec.layers, start=1):
        limit = SATURATED.get(layer.activation)
        if limit is None or (l == network.depth and network.simplification is not None):
            continue
        for j in range(1, network.widths[l] + 1):
            outs = [values[network.out(l, j, s)] for s in range(1, len(solution.spec.samples) + 1)]
            slopes = [SLOPES[layer.activation](a) for a in outs]
            if max(slopes) < limit:
                found.append({"title": "A saturated unit", "text":
                              f"Neuron ${view.latex(network.out(l, j, None))}$ outputs "
                             f"${', '.join(view.number(a) for a in outs)}$, where the slope of {layer.activation} is "
                             f"below {limit}: almost no gradient passes through it, so its weights barely move."})
    return found


def _vanishing(view: ViewBuilder) -> list[dict]:
    """The layers whose largest gradient (in size) is VANISHING times smaller than the output layer's."""
    network, gradients = view.network, view.solution.derivation.gradients
    largest: dict[int, float] = {}
    for p in network.parameters:
        largest[p.quantity.layer] = max(largest.get(p.quantity.layer, 0.0), abs(gradients[p.symbol]))
    top = largest.get(network.depth, 0.0)
    low = [(l, g) for l, g in sorted(largest.items()) if l < network.depth and 0 < g * VANISHING < top]
    if not low:
        return []
    layers = ", ".join(f"${view.number(g)}$ in layer {l}" for l, g in low)
    return [{"title": "A vanishing gradient", "text":
             f"The largest gradient in size is {layers}, against ${view.number(top)}$ in the output layer: over "
             f"{VANISHING} times smaller, so the lower layers learn far more slowly (each layer's slope and "
             "weights multiply the gradient on its way down)."}]


def _rising(view: ViewBuilder) -> list[dict]:
    """The first iteration after which the error is larger than before it."""
    history = view.solution.training.history
    for i in range(1, len(history)):
        if history[i] > history[i - 1]:
            return [{"title": "The error rises", "text": f"After update {i} the error is ${view.number(history[i])}$, up from "
                    f"${view.number(history[i - 1])}$: a step of this learning rate overshot the minimum it was heading for."}]
    return []
