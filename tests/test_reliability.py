"""Reliability under realistic and hostile input: no false alarm, no hang, nothing lost, numbers shown
honestly. Every case here was a failure once (issue 7); the oracle is tests/reference.py."""

import json
import math
from fractions import Fraction
from pathlib import Path
import subprocess
import sys

import pytest

import symbackprop
from symbackprop.cli import main
from symbackprop.present.printing import format_number

import reference


def relu_net(depth: int, width: int, activation: str = "relu") -> dict:
    layers = [{"activation": activation, "weights": [[0.5 - 0.3 * ((j + k) % 3) for k in range(2 if l == 0 else width)]
                                                      for j in range(width)], "bias": [0.1] * width}
              for l in range(depth)]
    layers.append({"activation": "linear", "weights": [[0.4] * width], "bias": 0.2})
    return {"inputs": [0.5, -0.3], "targets": [0.7], "learning_rate": 0.1, "layers": layers}


LARGE = {
    "target 1e8": {"inputs": [1], "targets": [1e8], "learning_rate": 0.1,
                   "layers": [{"activation": "linear", "weights": [[0.5]]}]},
    "house prices": {"inputs": [1200, 3], "targets": [250000], "learning_rate": 1e-7,
                     "layers": [{"activation": "relu", "weights": [[0.5, 0.2], [0.3, -0.1]], "bias": [0.1, 0.2]},
                                {"activation": "linear", "weights": [[0.4, 0.6]], "bias": 0.5}]},
    "all tiny": {"inputs": [1e-6, 2e-6], "targets": [3e-12], "learning_rate": 0.5,
                 "layers": [{"activation": "linear", "weights": [[1e-6, -2e-6]]}]},
    "deep relu 2-2-2-2-1": relu_net(3, 2),
    "leaky 2-3-3-1": relu_net(2, 3, "leaky_relu"),
    "leaky 2-3-3-3-1": relu_net(3, 3, "leaky_relu"),
    "relu 2-4-4-1": relu_net(2, 4),
}


def exact_gradient(spec) -> list[Fraction]:
    """Central differences in exact rational arithmetic. The error of a ReLU or linear network is
    quadratic in each parameter between kinks, so they are its exact derivative there."""
    flat = [Fraction(v) for v in reference.parameters(spec)]
    units = {"relu": lambda z: z if z > 0 else Fraction(0), "linear": lambda z: z}

    def outputs(values, inputs):
        values, below = list(values), [Fraction(x) for x in inputs]
        for layer in spec.layers:
            weights = [[values.pop(0) for _ in below] for _ in layer.weights]
            count = {"none": 0, "shared": 1, "per_neuron": layer.width}[layer.bias_kind]
            biases = [values.pop(0) for _ in range(count)] or [Fraction(0)]
            below = [units[layer.activation](sum(w * a for w, a in zip(row, below)) + biases[j % len(biases)])
                     for j, row in enumerate(weights)]
        return below

    def error(values):
        total = sum(sum((Fraction(t) - o) ** 2 / 2 for t, o in zip(s.targets, outputs(values, s.inputs)))
                    for s in spec.samples)
        return total / len(spec.samples)

    h = Fraction(1, 10**12)
    return [(error(flat[:i] + [v + h] + flat[i + 1:]) - error(flat[:i] + [v - h] + flat[i + 1:])) / (2 * h)
            for i, v in enumerate(flat)]


@pytest.mark.parametrize("name", list(LARGE))
def test_valid_specs_at_any_scale_verify_and_match_the_reference(name):
    solution = symbackprop.solve(LARGE[name])
    spec = solution.spec
    gradients = [solution.derivation.gradients[p.symbol] for p in solution.network.parameters]
    if any(layer.activation == "leaky_relu" for layer in spec.layers):  # alpha is a float: plain differences
        expected = reference.gradient(spec, reference.parameters(spec))
        assert gradients == pytest.approx(expected, rel=1e-6, abs=1e-8)
    else:
        for ours, theirs in zip(gradients, exact_gradient(spec)):
            assert abs(Fraction(ours) - theirs) <= Fraction(1, 10**12) * abs(theirs)
    assert solution.training.history[0] == pytest.approx(reference.error(spec, reference.parameters(spec)), rel=1e-12)


def test_the_symbolic_check_runs_on_deep_piecewise_nets_with_its_pieces_fixed():
    solution = symbackprop.solve(relu_net(3, 3, "leaky_relu"))
    assert "symbolic" in solution.verification.methods
    assert solution.verification.counts["symbolic"] == len(solution.network.parameters)


def test_a_unit_exactly_at_its_kink_is_stated():
    spec = {"inputs": [1.0, 1.0], "targets": [1.0], "learning_rate": 0.1,
            "layers": [{"activation": "relu", "weights": [[0.5, -0.5]]},
                       {"activation": "linear", "weights": [[1.0]], "bias": 0.2}]}
    solution = symbackprop.solve(spec)
    assert any("exactly at the activation's kink" in str(note) and "relu'(0) = 0" in str(note)
               for note in solution.verification.notes)
    assert "relu'(0) = 0" in symbackprop.render(solution, "md")


FOUND = sorted((Path(__file__).parent / "found").glob("*.json"))


@pytest.mark.parametrize("path", FOUND, ids=lambda p: p.stem)
def test_cases_found_by_fuzzing_solve(path):
    """Specs that once failed (a red-team run or the long fuzz run): each must solve and verify."""
    solution = symbackprop.solve(path)
    assert solution.verification.methods


@pytest.mark.parametrize("activation,net,slope", [
    ("sigmoid", 30.0, math.exp(-30) / (1 + math.exp(-30)) ** 2),
    ("tanh", 20.0, 4 * math.exp(-40) / (1 + math.exp(-40)) ** 2),
    ("sigmoid", -40.0, math.exp(-40) / (1 + math.exp(-40)) ** 2),
])
def test_saturated_units_keep_every_printed_digit(activation, net, slope):
    """out(1 - out) and 1 - out^2 lose every digit in floats when out is within 1e-16 of 1."""
    spec = {"inputs": [1], "targets": [0], "learning_rate": 0.5,
            "layers": [{"activation": activation, "weights": [[net]]}, {"activation": "linear", "weights": [[1]]}]}
    solution = symbackprop.solve(spec)
    out = {"sigmoid": 1 / (1 + math.exp(-net)), "tanh": math.tanh(net)}[activation]
    gradient = solution.derivation.gradients[solution.network.parameters[0].symbol]
    assert gradient == pytest.approx(out * slope, rel=1e-12)  # dE/dw1 = (o - t) * w2 * slope * x


def test_a_broken_engine_still_stops_the_run(monkeypatch):
    """Tolerances scaled to the magnitudes still catch a real disagreement at every scale."""
    import dataclasses

    from symbackprop.oracle import numeric

    original = numeric.NumericNetwork.update

    def broken(self, *args, **kwargs):
        step = original(self, *args, **kwargs)
        return dataclasses.replace(step, gradient=[g * (1 + 1e-7) for g in step.gradient])

    monkeypatch.setattr(numeric.NumericNetwork, "update", broken)
    for spec in (LARGE["target 1e8"], LARGE["all tiny"]):
        with pytest.raises(symbackprop.VerificationError):
            symbackprop.solve(spec)


@pytest.mark.parametrize("value,shown", [(1e-12, "1 \\times 10^{-12}"), (4.5e-24, "4.5 \\times 10^{-24}"),
                                         (-1e-13, "-1 \\times 10^{-13}"), (0.0, "0"), (-0.0, "0"),
                                         (0.05, "0.05"), (1e-9, "1 \\times 10^{-9}"), (2e6, "2 \\times 10^{6}")])
def test_a_number_is_printed_as_zero_only_when_it_is_zero(value, shown):
    assert format_number(value) == shown


def test_tiny_inputs_and_errors_are_not_printed_as_zero():
    markdown = symbackprop.render(symbackprop.solve(LARGE["all tiny"]), "md")
    assert "x_{1} = 1 \\times 10^{-6}" in markdown and "y_{1} = 3 \\times 10^{-12}" in markdown
    course = symbackprop.render(symbackprop.solve("course"), "md")
    assert "| 1000 | $0$ |" not in course and "10^{-19}" in course


def run_cli(tmp_path, capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


BAD_YAML = {
    "alias bomb": "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\ninputs: *e\n",
    "recursive alias": "inputs: &x [*x]\n",
    "huge exponent": "inputs: [1e100000000]\ntargets: [1]\nlearning_rate: 0.1\n"
                     "layers: [{activation: linear, weights: [[1]]}]\n",
    "exponent 5000": "inputs: ['1e5000']\ntargets: [1]\nlearning_rate: 0.1\n"
                     "layers: [{activation: linear, weights: [[1]]}]\n",
    "5000-digit integer": "inputs: [" + "9" * 4000 + "]\ntargets: [1]\nlearning_rate: 0.1\n"
                          "layers: [{activation: linear, weights: [[1]]}]\n",
    "duplicate key": "inputs: [1]\ntargets: [1]\nlearning_rate: 0.1\nlearning_rate: 0.2\n"
                     "layers: [{activation: linear, weights: [[1]]}]\n",
    "long name": "name: " + "n" * 250 + "\ninputs: [1]\ntargets: [1]\nlearning_rate: 0.1\n"
                 "layers: [{activation: linear, weights: [[1]]}]\n",
    "control character": "title: \"a\\x80b\"\ninputs: [1]\ntargets: [1]\nlearning_rate: 0.1\n"
                         "layers: [{activation: linear, weights: [[1]]}]\n",
    "too many iterations": "inputs: [1]\ntargets: [1]\nlearning_rate: 0.1\niterations: 50000000\n"
                           "layers: [{activation: linear, weights: [[1]]}]\n",
}


@pytest.mark.parametrize("name", list(BAD_YAML))
def test_hostile_specs_are_refused_in_one_short_line(tmp_path, capsys, name):
    spec = tmp_path / "net.yaml"
    spec.write_text(BAD_YAML[name])
    status, out, err = run_cli(tmp_path, capsys, "solve", str(spec), "-o", str(tmp_path / "out"))
    assert status == 2 and out == "" and err.count("\n") == 1 and len(err) < 300, err
    assert not (tmp_path / "out").exists()


def test_duplicate_keys_in_json_are_refused(tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text('{"inputs": [1], "targets": [1], "learning_rate": 0.1, "learning_rate": 0.2, '
                    '"layers": [{"activation": "linear", "weights": [[1]]}]}')
    status, _, err = run_cli(tmp_path, capsys, "solve", str(spec), "-o", str(tmp_path))
    assert status == 2 and "learning_rate: given twice" in err


def test_a_unicode_digit_option_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["solve", "mazur", "--precision", "\u00b3", "-o", str(tmp_path)])
    status, err = stop.value.code, capsys.readouterr().err
    assert status == 2 and "_precision" not in err and "from 1 to 15" in err


def test_solve_never_writes_over_its_spec_or_a_foreign_file(tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps({"inputs": [1], "targets": [1], "learning_rate": 0.1,
                                "layers": [{"activation": "linear", "weights": [[0.5]]}]}))
    original = spec.read_text()
    status, _, err = run_cli(tmp_path, capsys, "solve", str(spec), "-f", "md,json", "-o", str(tmp_path), "--force")
    assert status == 2 and "is the spec being solved" in err and spec.read_text() == original
    answers = tmp_path / "net.md"
    answers.write_text("my answers\n")
    status, _, err = run_cli(tmp_path, capsys, "solve", str(spec), "-f", "md", "-o", str(tmp_path))
    assert status == 2 and "not written by symbackprop" in err and answers.read_text() == "my answers\n"
    assert run_cli(tmp_path, capsys, "solve", str(spec), "-f", "md,tex", "-o", str(tmp_path), "--force")[0] == 0
    assert run_cli(tmp_path, capsys, "solve", str(spec), "-f", "md,tex", "-o", str(tmp_path))[0] == 0  # ours now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net-network.svg", "net.json", "net.md", "net.tex"]


def test_interrupted_training_exits_130_and_writes_nothing(tmp_path):
    spec = tmp_path / "long.yaml"
    spec.write_text("inputs: [1]\ntargets: [2]\nlearning_rate: 0.01\niterations: 1000000\n"
                    "layers: [{activation: linear, weights: [[1]]}]\n")
    code = ("import signal, symbackprop.engine.training as t, symbackprop.cli as c\n"
            "def stop(done, total):\n    raise KeyboardInterrupt\n"
            "c._progress_bar = lambda what: stop\n"
            f"raise SystemExit(c.main(['solve', {str(spec)!r}, '-o', {str(tmp_path / 'out')!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 130 and result.stderr == "symbackprop: interrupted\n"
    assert not (tmp_path / "out").exists()


def test_a_byte_order_mark_and_yaml_merge_keys_are_read(tmp_path):
    spec = tmp_path / "net.json"
    spec.write_bytes(b"\xef\xbb\xbf" + json.dumps(LARGE["target 1e8"]).encode())
    assert symbackprop.solve(spec).spec.learning_rate == 0.1
    merged = tmp_path / "merged.yaml"
    merged.write_text("inputs: [1]\ntargets: [1]\nlearning_rate: 0.1\n"
                      "layers: [{<<: {activation: linear, weights: [[1]]}, activation: sigmoid}]\n")
    assert symbackprop.solve(merged).spec.layers[0].activation == "sigmoid"


def test_a_long_number_is_graded_and_later_answers_still_read(tmp_path):
    from symbackprop.grading.checking import check

    sheet = tmp_path / "sheet.md"
    sheet.write_text(f"$net_{{h2}} = 0.3925$\n\n$net_{{h1}} = {'9' * 4400}$\n\n$out_{{h1}} = 0.5933$\n")
    statuses = {g.answer.record.label: g.status for g in check("mazur", sheet).grades}
    assert statuses == {"net_{h2}": "correct", "net_{h1}": "wrong", "out_{h1}": "correct"}


def test_a_fifo_is_no_spec_and_no_output_is_replaced_through_it(tmp_path, capsys):
    import os

    fifo = tmp_path / "net.yaml"
    os.mkfifo(fifo)
    status, _, err = run_cli(tmp_path, capsys, "solve", str(fifo), "-o", str(tmp_path / "out"))
    assert status == 2 and "not a regular file" in err
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "mazur.md")
    (out / "mazur.tex").symlink_to(tmp_path / "nowhere")
    status, _, err = run_cli(tmp_path, capsys, "solve", "mazur", "--iterations", "1", "-o", str(out))
    assert status == 2 and "not written by symbackprop" in err


@pytest.mark.parametrize("body", ["{{ 1/0 }}", '{% extends "solution.md.j2" %}',
                                  "{{ ''.__class__.__mro__[1].__subclasses__() }}"])
def test_a_broken_or_hostile_template_is_one_line(tmp_path, capsys, body):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "solution.md.j2").write_text(body)
    status, _, err = run_cli(tmp_path, capsys, "solve", "mazur", "--iterations", "1", "-f", "md",
                             "--template-dir", str(folder), "-o", str(tmp_path / "out"))
    assert status == 2 and err.count("\n") == 1 and err.startswith("symbackprop: error: template")
    assert not (tmp_path / "out").exists()


def test_a_csv_field_beyond_the_csv_limit_is_one_line(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("net_{h1}," + "0" * 200_000)
    status, _, err = run_cli(tmp_path, capsys, "check", "mazur", str(sheet))
    assert status == 2 and err.count("\n") == 1 and "malformed CSV" in err
