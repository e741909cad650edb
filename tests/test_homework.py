"""Homework: draws in a spec, exercise sheets, screened variants (issue 17, items 1-4 and 8).

Oracles: a hand-written 2-2-2 backpropagation below (not the engine) for every key and for the
screening rules, the YAML reader for answers templates, real pdflatex for the sheets.
"""

import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import symbackprop
from symbackprop.cli import main
from symbackprop.model.draws import realise
from symbackprop.model.spec import load_spec

TEMPLATE = Path(__file__).parent / "homework" / "mazur-template.yaml"
MAZUR = {
    "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "learning_rate": 0.5, "update_biases": False,
    "notation": "mazur",
    "layers": [{"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": 0.35},
               {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": 0.60}],
}
DRAW = {"uniform": [-1, 1], "decimals": 2}


def hand_backprop(spec: dict) -> dict:
    """One step of Mazur's 2-2-2 network (sigmoid, shared biases kept, half SSE), written out by hand."""
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    (w1, w2), (w3, w4) = spec["layers"][0]["weights"]
    (w5, w6), (w7, w8) = spec["layers"][1]["weights"]
    b1, b2 = spec["layers"][0]["bias"], spec["layers"][1]["bias"]
    (i1, i2), (t1, t2), eta = spec["inputs"], spec["targets"], spec["learning_rate"]
    net_h1, net_h2 = w1 * i1 + w2 * i2 + b1, w3 * i1 + w4 * i2 + b1
    h1, h2 = sig(net_h1), sig(net_h2)
    net_o1, net_o2 = w5 * h1 + w6 * h2 + b2, w7 * h1 + w8 * h2 + b2
    o1, o2 = sig(net_o1), sig(net_o2)
    d_o1, d_o2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)
    grads = {"w_{1}": d_h1 * i1, "w_{2}": d_h1 * i2, "w_{3}": d_h2 * i1, "w_{4}": d_h2 * i2,
             "w_{5}": d_o1 * h1, "w_{6}": d_o1 * h2, "w_{7}": d_o2 * h1, "w_{8}": d_o2 * h2}
    old = dict(zip(["w_{1}", "w_{2}", "w_{3}", "w_{4}", "w_{5}", "w_{6}", "w_{7}", "w_{8}"],
                   [w1, w2, w3, w4, w5, w6, w7, w8]))
    new = {k: old[k] - eta * g for k, g in grads.items()}
    error = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2
    after = dict(spec, layers=[dict(spec["layers"][0], weights=[[new["w_{1}"], new["w_{2}"]], [new["w_{3}"], new["w_{4}"]]]),
                               dict(spec["layers"][1], weights=[[new["w_{5}"], new["w_{6}"]], [new["w_{7}"], new["w_{8}"]]])])
    asked = {"net_{h1}": net_h1, "out_{h1}": h1, "net_{h2}": net_h2, "out_{h2}": h2, "net_{o1}": net_o1,
             "out_{o1}": o1, "net_{o2}": net_o2, "out_{o2}": o2, "E_{o1}": 0.5 * (t1 - o1) ** 2,
             "E_{o2}": 0.5 * (t2 - o2) ** 2, "E_{total}": error, "\\delta_{o1}": d_o1, "\\delta_{o2}": d_o2,
             "\\delta_{h1}": d_h1, "\\delta_{h2}": d_h2, **{f"{k}^{{+}}": v for k, v in new.items()}}
    return {"asked": asked, "nets": [net_h1, net_h2, net_o1, net_o2], "old": old, "new": new, "error": error,
            "after": after}


def hand_error(spec: dict) -> float:
    return hand_backprop(spec)["error"]


def run(argv, capsys):
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exc:  # a usage mistake: argparse exits
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(status, err, *words):
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("symbackprop: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


# 1. Draws ------------------------------------------------------------------------------------------

def test_a_uniform_draw_gives_exact_decimals_in_its_range_and_a_choice_one_of_its_numbers():
    data = dict(MAZUR, learning_rate={"choice": [0.1, 0.5, "1/4"]}, inputs=[{"uniform": [0.05, 0.1], "decimals": 3}, 0.1])
    seen_rates, seen_inputs = set(), set()
    for seed in range(200):
        concrete, drawn = realise(data, random.Random(seed))
        rate, x = concrete["learning_rate"], concrete["inputs"][0]
        seen_rates.add(rate)
        seen_inputs.add(x)
        assert 0.05 <= x <= 0.1 and repr(x) == repr(round(x, 3))
        assert drawn == {"inputs[0]": x, "learning_rate": rate}
    assert seen_rates == {0.1, 0.5, 0.25}
    assert len(seen_inputs) > 30


def test_a_draw_fills_a_whole_matrix_a_row_or_a_vector_with_entries_drawn_on_their_own():
    data = dict(MAZUR, targets=DRAW, layers=[dict(MAZUR["layers"][0], weights=DRAW),
                                              dict(MAZUR["layers"][1], weights=[DRAW, [0.5, DRAW]])])
    concrete, drawn = realise(data, random.Random(3))
    spec = symbackprop.solve(concrete)
    assert spec.spec.widths == (2, 2, 2)
    assert len(drawn) == 2 + 4 + 2 + 1 and len(set(drawn.values())) > 5
    assert concrete["layers"][1]["weights"][1][0] == 0.5


def test_draws_do_not_depend_on_the_order_of_the_fields():
    data = dict(MAZUR, learning_rate={"choice": [0.1, 0.5]}, targets=DRAW)
    reordered = dict(reversed(list(data.items())))
    assert realise(data, random.Random(9))[1] == realise(reordered, random.Random(9))[1]


@pytest.mark.parametrize("draw, words", [
    ({"uniform": [1, -1]}, ["learning_rate.uniform", "LO < HI"]),
    ({"uniform": [0.5, 0.5]}, ["learning_rate.uniform", "one point"]),
    ({"uniform": [0.111, 0.119]}, ["learning_rate.decimals", "no number with 2 decimals"]),
    ({"uniform": [0.11, 0.114]}, ["learning_rate.decimals", "one number"]),
    ({"choice": ["fast", 0.1]}, ["learning_rate.choice[0]", "expected a number"]),
    ({"choice": [0.1]}, ["learning_rate.choice", "at least two"]),
    ({"uniform": [0, 1], "decimals": 1.5}, ["learning_rate.decimals", "whole number"]),
    ({"uniform": [0, 1], "step": 1}, ["learning_rate", "a draw is"]),
])
def test_a_bad_draw_is_bad_input(tmp_path, capsys, draw, words):
    spec = tmp_path / "t.json"
    spec.write_text(json.dumps(dict(MAZUR, learning_rate=draw)))
    status, out, err = run(["variants", spec, "-n", 2, "-o", tmp_path / "out"], capsys)
    one_line_error(status, err, *words)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("change, words", [
    ({"layers": DRAW}, ["layers", "a draw stands for numbers"]),
    ({"notation": {"choice": [1, 2]}}, ["notation", "a draw stands for numbers"]),
    ({"layers": [dict(MAZUR["layers"][0], weights=DRAW), dict(MAZUR["layers"][1], weights=DRAW)]},
     ["layers[0].weights", "needs its size", "one draw per row"]),
    ({"inputs": DRAW, "layers": [dict(MAZUR["layers"][0], weights=[DRAW, DRAW]), MAZUR["layers"][1]]},
     ["inputs", "needs its size"]),
])
def test_a_draw_where_a_structure_is_needed_is_bad_input(tmp_path, capsys, change, words):
    spec = tmp_path / "t.json"
    spec.write_text(json.dumps(dict(MAZUR, **change)))
    status, out, err = run(["variants", spec, "-n", 2, "-o", tmp_path / "out"], capsys)
    one_line_error(status, err, *words)


@pytest.mark.parametrize("command", [["solve"], ["labels"], ["check", "answers.yaml"], ["exercise"]])
def test_solve_labels_check_and_exercise_refuse_a_template_naming_variants(tmp_path, capsys, command):
    (tmp_path / "answers.yaml").write_text("E_total: 0.3\n")
    argv = [command[0], TEMPLATE, *[tmp_path / c for c in command[1:]]]
    status, out, err = run(argv + (["-o", tmp_path / "out"] if command[0] in ("solve", "exercise") else []), capsys)
    one_line_error(status, err, "layers[0].weights[0]", "template", "variants")
    assert not (tmp_path / "out").exists()


def test_the_api_refuses_a_template_too():
    with pytest.raises(symbackprop.SpecError, match="variants"):
        symbackprop.solve(dict(MAZUR, learning_rate={"choice": [0.1, 0.5]}))


# 2. Exercise ---------------------------------------------------------------------------------------

def asked_values_at(precision: int, values) -> list[str]:
    return [f"{v:.{precision}f}" for v in values]


def test_exercise_writes_a_sheet_without_answers_and_an_answers_template_naming_its_spec(tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps(MAZUR))
    status, out, err = run(["exercise", spec, "-f", "md,tex", "-o", tmp_path / "out"], capsys)
    assert status == 0, err
    names = sorted(Path(line).name for line in out.split())
    assert names == ["net-answers.yaml", "net-exercise.md", "net-exercise.tex", "net-network.svg"]
    hand = hand_backprop(MAZUR)
    for suffix in ("md", "tex"):
        text = (tmp_path / "out" / f"net-exercise.{suffix}").read_text()
        assert "4 decimals" in text and "not updated" in text
        for shown in asked_values_at(4, hand["asked"].values()):
            assert shown not in text, shown
    answers = yaml.safe_load((tmp_path / "out" / "net-answers.yaml").read_text())
    assert (tmp_path / "out" / answers["spec"]).resolve() == spec.resolve()
    assert answers["variant"] is None and answers["digits"] == 4
    assert answers["answers"] == dict.fromkeys(hand["asked"])  # every asked label, each empty, no other


@pytest.mark.parametrize("ask, expected", [
    ("forward", ["net_{h1}", "out_{h1}", "net_{h2}", "out_{h2}", "net_{o1}", "out_{o1}", "net_{o2}", "out_{o2}",
                 "E_{o1}", "E_{o2}", "E_{total}"]),
    ("updates", ["w_{5}^{+}", "w_{6}^{+}", "w_{7}^{+}", "w_{8}^{+}", "w_{1}^{+}", "w_{2}^{+}", "w_{3}^{+}", "w_{4}^{+}"]),
    ("w5+, \\delta_{h1},E_total", ["E_{total}", "w_{5}^{+}", "\\delta_{h1}"]),  # in the solution's order
])
def test_ask_chooses_the_blanks(ask, expected):
    sheet = symbackprop.exercise(MAZUR, ask=ask)
    assert [r.label for r in sheet.asked] == expected
    assert list(yaml.safe_load(sheet.answers_template(None))["answers"]) == expected


def test_ask_output_and_hidden_split_the_backward_pass_by_layer():
    output = [r.label for r in symbackprop.exercise(MAZUR, ask="output").asked]
    hidden = [r.label for r in symbackprop.exercise(MAZUR, ask="hidden").asked]
    assert "\\delta_{o1}" in output and "w_{5}^{+}" in output and "w_{1}^{+}" not in output
    assert "\\delta_{h1}" in hidden and "w_{1}^{+}" in hidden and "w_{5}^{+}" not in hidden


@pytest.mark.parametrize("argv, words", [
    (["--ask", "w9+"], ["ask", "'w9+'", "labels"]),
    (["--ask", "forward,,w5+"], ["ask", "comma list"]),
    (["--digits", "0"], ["--digits"]),
    (["-f", "json"], ["format", "md, tex, pdf"]),
])
def test_a_bad_exercise_option_is_one_line(tmp_path, capsys, argv, words):
    status, out, err = run(["exercise", "mazur", "-o", tmp_path / "out", *argv], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err
    assert not (tmp_path / "out").exists()


def test_exercise_does_not_replace_a_file_it_did_not_write(tmp_path, capsys):
    (tmp_path / "mazur-answers.yaml").write_text("mine\n")
    status, out, err = run(["exercise", "mazur", "-o", tmp_path], capsys)
    assert status == 2 and "--force" in err
    assert (tmp_path / "mazur-answers.yaml").read_text() == "mine\n"
    assert not (tmp_path / "mazur-exercise.md").exists()
    assert run(["exercise", "mazur", "-o", tmp_path, "--force"], capsys)[0] == 0


@pytest.mark.latex
def test_an_exercise_compiles_with_pdflatex(tmp_path, capsys):
    assert shutil.which("pdflatex")
    status, out, err = run(["exercise", "mazur", "-f", "tex,pdf", "-o", tmp_path], capsys)
    assert status == 0, err
    assert (tmp_path / "mazur-exercise.pdf").read_bytes().startswith(b"%PDF")
