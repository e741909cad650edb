"""Gradients, updates and error histories against oracles that are not the engine itself."""

import dataclasses
import itertools
import json
import math
import random

import pytest
import sympy as sp

import symbackprop
import reference
from symbackprop.model.rules import ACTIVATIONS, LOSSES


def random_spec(seed: int, activation: str, loss: str, bias: str, samples: int = 1, output: str = "sigmoid",
                **extra) -> dict:
    rng = random.Random(seed)
    widths = [2, 3, 2]

    def number():
        value = rng.uniform(-1, 1)
        return value if abs(value) > 0.05 else 0.3  # keep ReLU nets away from their kink

    layers = []
    for below, width in zip(widths, widths[1:]):
        layer = {"activation": activation, "weights": [[number() for _ in range(below)] for _ in range(width)]}
        if bias == "shared":
            layer["bias"] = number()
        elif bias == "per_neuron":
            layer["bias"] = [number() for _ in range(width)]
        layers.append(layer)
    layers[-1]["activation"] = output

    def targets():
        t = rng.uniform(0, 1)
        return [t, 1 - t] if loss == "cross_entropy" else [t, rng.uniform(0, 1)]

    data = [{"inputs": [number(), number()], "targets": targets()} for _ in range(samples)]
    return {"name": "random", "samples": data, "layers": layers, "loss": loss, "learning_rate": 0.3,
            "iterations": 3, **extra}


def parameters_json(solution):
    return json.loads(symbackprop.render(solution, "json"))["parameters"]


ELEMENTWISE = [name for name, rule in ACTIVATIONS.items() if rule.elementwise]
CASES = [
    dict(activation=a, loss=l, bias=b)
    for a, l, b in itertools.product(ELEMENTWISE, LOSSES, ("none", "shared", "per_neuron"))
] + [dict(activation=a, loss=l, bias="per_neuron", output="softmax") for a, l in itertools.product(ELEMENTWISE, LOSSES)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c.values()))
def test_gradient_matches_reference_finite_differences(case):
    data = random_spec(hash(tuple(case.values())) % 1000, **case)
    solution = symbackprop.solve(data)
    flat = reference.parameters(solution.spec)
    expected = reference.gradient(solution.spec, flat)
    for parameter, gradient in zip(parameters_json(solution), expected):
        assert parameter["gradient"] == pytest.approx(gradient, abs=1e-7), parameter["label"]


@pytest.mark.parametrize("reduction,mode", list(itertools.product(("mean", "sum"), ("batch", "online"))))
def test_several_samples_reduction_and_mode(reduction, mode):
    data = random_spec(7, "tanh", "half_sse", "per_neuron", samples=3, reduction=reduction, mode=mode)
    solution = symbackprop.solve(data)
    spec, flat = solution.spec, reference.parameters(solution.spec)
    first_update = None if mode == "batch" else [0]  # online: the first update uses sample 1 alone
    expected = reference.gradient(spec, flat, first_update)
    params = parameters_json(solution)
    for parameter, gradient in zip(params, expected):
        assert parameter["gradient"] == pytest.approx(gradient, abs=1e-7), parameter["label"]
        assert parameter["updated"] == pytest.approx(parameter["value"] - 0.3 * gradient, abs=1e-7)
    assert solution.derivation.error.value == pytest.approx(reference.error(spec, flat), abs=1e-12)
    if mode == "batch":
        after_one = reference.error(spec, [p["updated"] for p in params])
        assert solution.training.history[1] == pytest.approx(after_one, abs=1e-12)


def test_training_matches_reference_gradient_descent():
    data = random_spec(3, "sigmoid", "mse", "shared", samples=2, update_biases=True)
    solution = symbackprop.solve(data)
    spec, flat = solution.spec, reference.parameters(solution.spec)
    history = [reference.error(spec, flat)]
    for _ in range(spec.iterations):
        flat = [v - spec.learning_rate * g for v, g in zip(flat, reference.gradient(spec, flat))]
        history.append(reference.error(spec, flat))
    assert solution.training.history == pytest.approx(history, abs=1e-9)
    assert [p["final"] for p in parameters_json(solution)] == pytest.approx(flat, abs=1e-8)


def test_biases_stay_unless_updated():
    data = random_spec(5, "sigmoid", "half_sse", "per_neuron", update_biases=False)
    for parameter in parameters_json(symbackprop.solve(data)):
        if parameter["kind"] == "bias":
            assert parameter["updated"] == parameter["value"] == parameter["final"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_row_agrees_with_sympy_diff(name):
    rule, z = ACTIVATIONS[name].scalar, sp.Symbol("z", real=True)
    alpha = 0.01 if ACTIVATIONS[name].parameter else None
    formula = rule.formula(z, alpha)
    derivative = sp.diff(formula, z)
    for x in (-1.3, -0.2, 0.4, 2.1):
        out = float(formula.subs(z, x))
        assert rule.value(x, alpha) == pytest.approx(out, abs=1e-14)
        assert float(derivative.subs(z, x)) == pytest.approx(float(rule.slope(z, sp.Float(out), alpha).subs(z, x)), abs=1e-12)
        assert rule.derivative(x, out, alpha) == pytest.approx(float(derivative.subs(z, x)), abs=1e-12)


def test_softmax_row_agrees_with_sympy_diff():
    """Every Jacobian entry as the document writes it, and the numeric engine's J^T g, against
    sympy.diff of e^{z_k} / sum_m e^{z_m}."""
    rule, nets = ACTIVATIONS["softmax"], sp.symbols("z1:4", real=True)
    point = {z: v for z, v in zip(nets, (0.3, -1.2, 2.0))}
    outs = [float(rule.definition(list(nets), k, None).subs(point)) for k in range(3)]
    assert rule.forward(list(point.values()), None) == pytest.approx(outs, abs=1e-15)
    grads = [0.7, -0.1, 0.4]
    expected = []
    for j in range(3):
        column = [float(sp.diff(rule.definition(list(nets), k, None), nets[j]).subs(point)) for k in range(3)]
        written = [float(rule.jacobian(list(nets), outs, k, j, None)) for k in range(3)]
        assert written == pytest.approx(column, abs=1e-15)
        expected.append(sum(g * c for g, c in zip(grads, column)))
    assert rule.backward(list(point.values()), outs, grads, None) == pytest.approx(expected, abs=1e-15)
    assert rule.forward([1000.0, 0.0, -1000.0], None) == [1.0, 0.0, 0.0]  # shifted: no overflow


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_row_agrees_with_sympy_diff(name):
    loss, t, o, n = LOSSES[name], sp.Symbol("t"), sp.Symbol("o"), 3
    derivative = sp.diff(loss.term(t, o, n), o)
    assert sp.simplify(derivative - loss.slope(t, o, n)) == 0
    assert sp.simplify(derivative - loss.power_rule(t, o, n)) == 0
    for tv, ov in ((0.1, 0.7), (0.9, 0.2)):
        point = {t: tv, o: ov}
        assert loss.value(tv, ov, n) == pytest.approx(float(loss.term(t, o, n).subs(point)), abs=1e-15)
        assert loss.derivative(tv, ov, n) == pytest.approx(float(derivative.subs(point)), abs=1e-15)


def test_sigmoid_does_not_overflow():
    assert ACTIVATIONS["sigmoid"].scalar.value(-800.0, None) == 0.0
    assert math.isclose(ACTIVATIONS["sigmoid"].scalar.value(800.0, None), 1.0)


def test_verification_runs_three_independent_methods(solve_example):
    verification = solve_example("mazur").verification
    assert verification.methods == ("numeric", "symbolic", "finite")
    # 4 nets, 4 outs, 1 sample error, 1 total, 4 deltas, 10 gradients, 10 updates; and of the
    # compiled training loop: 10 first updates, the error before training, after each of the first
    # 10 iterations and after the last one, and 10 parameters after 10 iterations
    assert verification.counts == {"numeric": 66, "symbolic": 10, "finite": 10}
    assert verification.max_abs_difference < 1e-9


def test_disagreement_stops_the_run(monkeypatch):
    from symbackprop.oracle import numeric

    original = numeric.NumericNetwork.update  # the reference engine now disagrees on every gradient

    def broken(self, *args, **kwargs):
        step = original(self, *args, **kwargs)
        return dataclasses.replace(step, gradient=[g * 1.001 for g in step.gradient])

    monkeypatch.setattr(numeric.NumericNetwork, "update", broken)
    with pytest.raises(symbackprop.VerificationError, match="internal check failed"):
        symbackprop.solve("mazur", iterations=1)


HARD_SPECS = {
    "large inputs": {"inputs": [20000, -15000], "targets": [0.3], "learning_rate": 0.1,
                     "layers": [{"activation": "sigmoid", "weights": [[0.0001, 0.00005]], "bias": 0.2}]},
    "near a relu kink": {"inputs": [1000], "targets": [1.0], "learning_rate": 0.1,
                         "layers": [{"activation": "relu", "weights": [[0.0000005]]},
                                    {"activation": "linear", "weights": [[1.0]]}]},
    "on a relu kink": {"inputs": [1.0, 1.0], "targets": [1.0], "learning_rate": 0.1,
                       "layers": [{"activation": "relu", "weights": [[0.5, -0.5]]},
                                  {"activation": "linear", "weights": [[1.0]], "bias": 0.2}]},
    "cancellation": {"inputs": [1e12, 0.0001, 1e12], "targets": [0.3], "learning_rate": 0.1,
                     "layers": [{"activation": "linear", "weights": [[1, 1, -1]]}]},
}


@pytest.mark.parametrize("name", list(HARD_SPECS))
def test_hard_but_valid_specs_verify(name):
    solution = symbackprop.solve(HARD_SPECS[name])
    notes = " ".join(map(str, solution.verification.notes))
    if name == "on a relu kink":
        assert "finite differences skipped for w^{1}_{11}, w^{1}_{12}" in notes
        assert parameters_json(solution)[0]["gradient"] == 0.0  # relu'(0) = 0
    if name == "cancellation":
        assert "loses about 16 digits to cancellation" in notes
