"""Every class of bad input: one line on stderr naming the field, exit status 2, nothing written."""

import json
import subprocess
import sys

import pytest

from symbackprop.cli import main

MAZUR = {
    "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "learning_rate": 0.5,
    "layers": [{"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": 0.35},
               {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": 0.60}],
}


def with_changes(**changes):
    data = json.loads(json.dumps(MAZUR))
    data.update(changes)
    return data


def layer_change(index, **changes):
    data = json.loads(json.dumps(MAZUR))
    data["layers"][index].update(changes)
    return data


def run(tmp_path, capsys, text: str, suffix: str = ".json", *extra):
    spec = tmp_path / f"net{suffix}"
    spec.write_text(text)
    out = tmp_path / "out"
    status = main(["solve", str(spec), "-o", str(out), *extra])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert status == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("symbackprop: error: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists() or not any(out.iterdir())
    return lines[0].removeprefix("symbackprop: error: ")


MALFORMED = [
    ("layers: [\n  - {activation: sigmoid\n", ".yaml", "malformed YAML"),
    ("learning_rate = = 0.5\n", ".toml", "malformed TOML"),
    ('{"inputs": [0.05, }', ".json", "malformed JSON"),
    ("- just\n- a list\n", ".yaml", "expected a mapping of fields"),
]


@pytest.mark.parametrize("text,suffix,message", MALFORMED)
def test_malformed_files(tmp_path, capsys, text, suffix, message):
    assert message in run(tmp_path, capsys, text, suffix)


CASES = [
    (with_changes(learning_rate=None) | {"learning_rate": None}, "learning_rate: expected a number"),
    ({k: v for k, v in MAZUR.items() if k != "learning_rate"}, "learning_rate: missing"),
    ({k: v for k, v in MAZUR.items() if k != "layers"}, "layers: expected a non-empty list"),
    ({k: v for k, v in MAZUR.items() if k != "targets"}, "targets: missing"),
    (layer_change(1, weights=[[0.4, 0.45, 0.1], [0.5, 0.55, 0.1]]),
     "layers[1].weights: expected a matrix of n rows x 2 columns (one row per neuron of layer 2, one column per "
     "neuron of layer 1), found 2x3"),
    (layer_change(0, weights=[[0.15, 0.2], [0.25]]), "layers[0].weights: expected a matrix of n rows x 2 columns"),
    (layer_change(0, weights=[[0.15, "abc"], [0.25, 0.3]]), "layers[0].weights[0][1]: expected a number"),
    (layer_change(0, weights=[[0.15, True], [0.25, 0.3]]), "layers[0].weights[0][1]: expected a number, found True"),
    (layer_change(0, weights=[[0.15, "__import__('os').system('true')"], [0.25, 0.3]]),
     "layers[0].weights[0][1]: expected a number"),
    (layer_change(0, weights=[[0.15, "inf"], [0.25, 0.3]]), "layers[0].weights[0][1]: expected a finite number"),
    (layer_change(0, bias=[0.1, 0.2, 0.3]), "layers[0].bias: expected 2 values"),
    (with_changes(targets=[0.01]), "targets: expected 2 values (one per output neuron), found 1"),
    (with_changes(learning_rate=0), "learning_rate: expected a positive number"),
    (with_changes(learning_rate=-0.5), "learning_rate: expected a positive number"),
    (layer_change(0, activation="softmax"),
     "layers[0].activation: softmax is for the output layer only (each of its outputs depends on every net input "
     "of the layer); use it on the last layer"),
    (layer_change(0, activation="swish"),
     "layers[0].activation: expected one of sigmoid, tanh, relu, leaky_relu, linear, softmax, found 'swish'"),
    (layer_change(0, activation={"name": "leaky_relu", "beta": 2}), "layers[0].activation.beta"),
    (with_changes(loss="hinge"),
     "loss: expected one of half_sse, sse, mse, cross_entropy, binary_cross_entropy, found 'hinge'"),
    (with_changes(loss="cross_entropy", targets=[0.3333, 0.6666]),
     "targets: cross_entropy needs targets that sum to 1 (a one-hot vector or a probability distribution), "
     "found a sum of 0.9999"),
    (with_changes(loss="binary_cross_entropy", targets=[0.5, 1.5]),
     "targets[1]: binary_cross_entropy needs targets between 0 and 1, found 1.5"),
    ({**{k: v for k, v in MAZUR.items() if k not in ("inputs", "targets")}, "loss": "binary_cross_entropy",
      "samples": [{"inputs": [0, 1], "targets": [1, 0]}, {"inputs": [1, 1], "targets": [-0.5, 1]}]},
     "samples[1].targets[0]: binary_cross_entropy needs targets between 0 and 1, found -0.5"),
    (layer_change(1, activation="tanh") | {"loss": "binary_cross_entropy"},
     "loss: binary_cross_entropy takes the logarithm of every output, so the output layer needs outputs between "
     "0 and 1 (sigmoid or softmax), found tanh"),
    (layer_change(1, weights=[[3000, 3000], [3000, 3000]]) | {"loss": "binary_cross_entropy",
                                                          "targets": [0.5, 0.5]},
     "layers: output 1 of sample 1 is exactly 1 at 2400 bits of precision, where binary_cross_entropy takes the "
     "logarithm of 0; use smaller weights or inputs"),
    (with_changes(notation="greek"), "notation: expected one of mazur, nielsen, course, indexed, found 'greek'"),
    (with_changes(mode="stochastic"), "mode: expected one of batch, online"),
    (with_changes(iterations=0), "iterations: expected a whole number from 1 to 1,000,000, found 0"),
    (with_changes(iterations=10**9), "iterations: expected a whole number from 1 to 1,000,000, found 1000000000"),
    (with_changes(iterations=900_000), "iterations: 900000 is too many for this network; at most 416666"),
    (layer_change(0, weights=[[0.1, 0.2]] * 40), "layers[0].weights: 40 neurons; a worked solution allows at most 32"),
    (with_changes(update_biases="yes"), "update_biases: expected true or false"),
    (with_changes(lerning_rate=0.5), "lerning_rate: unknown field"),
    (with_changes(samples=[{"inputs": [0, 1], "targets": [1, 0]}]), "samples: give either samples or"),
]


@pytest.mark.parametrize("data,message", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_invalid_specs(tmp_path, capsys, data, message):
    assert message in run(tmp_path, capsys, json.dumps(data))


def test_nan_in_yaml_and_json(tmp_path, capsys):
    assert "finite" in run(tmp_path, capsys, json.dumps(MAZUR).replace("0.35", "NaN"))
    yaml_text = json.dumps(MAZUR).replace("0.35", ".nan")
    assert "layers[0].bias: expected a finite number" in run(tmp_path, capsys, yaml_text, ".yaml")


def test_unknown_notation_on_the_command_line(tmp_path, capsys):
    message = run(tmp_path, capsys, json.dumps(MAZUR), ".json", "--notation", "greek")
    assert "notation: expected one of mazur, nielsen, course, indexed" in message


def test_missing_file_and_unknown_example(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.yaml"), "-o", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["solve", "no-such-example", "-o", str(tmp_path)]) == 2
    assert "nor a built-in example (bce, course, deep, mazur, softmax, xor)" in capsys.readouterr().err


def test_exact_fractions_are_parsed_not_evaluated(tmp_path):
    import symbackprop

    solution = symbackprop.solve(with_changes(learning_rate="1/2", inputs=["1/20", "0.1"]))
    assert solution.spec.learning_rate == 0.5 and solution.spec.samples[0].inputs == (0.05, 0.1)


def test_bad_input_through_the_real_console_script(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("learning_rate: -1\n")
    result = subprocess.run([sys.executable, "-m", "symbackprop", "solve", str(spec), "-o", str(tmp_path / "o")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_failed_pdf_leaves_no_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pdflatex on this PATH
    status = main(["solve", "mazur", "--iterations", "1", "-f", "md,tex,pdf", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "pdflatex was not found" in err and "apt-get install texlive-latex-base" in err
    assert not (tmp_path / "out").exists()


MORE_CASES = [
    (with_changes(inputs=["1e400", 0.1]), "inputs[0]: expected a finite number"),
    (with_changes(inputs=[10**400, 0.1]), "inputs[0]: expected a finite number"),
    (with_changes(inputs=[0.1] * 33), "inputs: 33 values; a worked solution allows at most 32 neurons per layer"),
    (with_changes(name="-x"), "name: expected letters, digits"),
    (with_changes(name=".."), "name: expected letters, digits"),
    (with_changes(inputs=[1e200, 1e200], layers=[{"activation": "linear", "weights": [[1e200, 1e200]]}],
                  targets=[0.5]), "inputs: the first step overflows"),
]


@pytest.mark.parametrize("data,message", MORE_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_more_invalid_specs(tmp_path, capsys, data, message):
    assert message in run(tmp_path, capsys, json.dumps(data))


def test_keys_of_mixed_types_are_reported_not_crashed_on(tmp_path, capsys):
    assert "1: unknown field" in run(tmp_path, capsys, "1: a\nfoo: b\n", ".yaml")


def test_yaml_errors_say_where(tmp_path, capsys):
    message = run(tmp_path, capsys, "inputs: [0.1\nlayers: x\n", ".yaml")
    assert "(line " in message and "<unicode string>" not in message


def test_null_name_means_the_file_name_and_odd_file_names_are_made_safe(tmp_path):
    spec = tmp_path / "my net (1).json"
    spec.write_text(json.dumps(with_changes(name=None, title=None)))
    assert main(["solve", str(spec), "-f", "md", "-o", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "my-net--1--network.svg", "my-net--1--paths-1.svg", "my-net--1-.md"]  # one iteration: no error curve


def test_training_that_diverges_blames_the_learning_rate(tmp_path, capsys):
    data = with_changes(inputs=[1.0], targets=[0.5], learning_rate=1000, iterations=100,
                        layers=[{"activation": "linear", "weights": [[2.0]]}])
    assert "learning_rate: training diverged" in run(tmp_path, capsys, json.dumps(data))


def test_a_folder_in_the_way_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "mazur.tex").mkdir(parents=True)
    assert main(["solve", "mazur", "--iterations", "1", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symbackprop: error: output: cannot write")
    assert sorted(p.name for p in out.iterdir()) == ["mazur.tex"]


def test_usage_mistakes_are_one_line(capsys):
    for argv in (["solve", "mazur", "--precision", "0"], ["solve", "mazur", "-f", ""], ["solve"], []):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_api_checks_its_arguments(tmp_path):
    import symbackprop

    solution = symbackprop.solve("course", iterations=1)
    with pytest.raises(symbackprop.SpecError, match="write\\(\\) also makes pdf"):
        symbackprop.render(solution, "pdf")
    with pytest.raises(symbackprop.SpecError, match="precision: expected a whole number from 1 to 15"):
        symbackprop.render(solution, "md", precision=0)
    assert symbackprop.write(solution, "md,json", tmp_path) == [tmp_path / name for name in (
        "course.md", "course-network.svg", "course-paths-1.svg", "course.json")]  # one iteration: no curve
