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


# 3-4. Variants and screening -----------------------------------------------------------------------

CLASS_SIZE = 100


@pytest.fixture(scope="module")
def class_set(tmp_path_factory):
    """100 variants of the Mazur-shaped template, every weight drawn, keys in JSON."""
    folder = tmp_path_factory.mktemp("class")
    made = symbackprop.variants(TEMPLATE, CLASS_SIZE, seed=2026)
    symbackprop.write_variants(made, ["md", "json"], folder)
    return folder, json.loads((folder / "variants.json").read_text())


def test_every_key_agrees_with_a_hand_computed_step(class_set):
    folder, index = class_set
    assert [v["variant"] for v in index["variants"]] == [f"v{i:03d}" for i in range(1, CLASS_SIZE + 1)]
    for entry in index["variants"]:
        spec = yaml.safe_load((folder / entry["spec"]).read_text())
        hand = hand_backprop(spec)
        key = json.loads((folder / next(k for k in entry["key"] if k.endswith(".json"))).read_text())
        labels = {p["label"]: p for p in key["parameters"]}
        for name, value in hand["new"].items():
            assert labels[name]["updated"] == pytest.approx(value, rel=1e-12, abs=1e-15)
        assert key["error"] == pytest.approx(hand["error"], rel=1e-12)
        assert key["history"][1] == pytest.approx(hand_error(hand["after"]), rel=1e-12)


def test_no_variant_breaks_a_screening_rule_by_a_hand_computed_step(class_set):
    folder, index = class_set
    for entry in index["variants"]:
        spec = yaml.safe_load((folder / entry["spec"]).read_text())
        hand = hand_backprop(spec)
        asked = hand["asked"]
        shown = {label: round(value, 4) for label, value in asked.items()}
        assert all(abs(net) <= 4.0 for net in hand["nets"]), entry["variant"]  # no saturated sigmoid
        assert all(abs(v) >= 0.001 for v in shown.values()), entry["variant"]  # two significant digits
        distinct = {}
        for label, v in shown.items():  # E_{o1} and E_{total} may be equal only if truly equal
            other = distinct.setdefault(v, label)
            assert other == label or math.isclose(asked[other], asked[label], rel_tol=1e-12), entry["variant"]
        assert all(round(hand["new"][k], 4) != round(hand["old"][k], 4) for k in hand["old"])
        assert hand_error(hand["after"]) < hand["error"], entry["variant"]


def test_each_variant_is_its_recorded_seed_drawn_again_and_its_sheet_holds_no_answer(class_set):
    folder, index = class_set
    template = yaml.safe_load(TEMPLATE.read_text())
    for entry in index["variants"][:20]:
        drawn, values = symbackprop.draw_spec(template, entry["seed"])
        written = yaml.safe_load((folder / entry["spec"]).read_text())
        assert written["layers"] == drawn["layers"] and written["learning_rate"] == drawn["learning_rate"]
        assert entry["draws"] == values
        exercise = (folder / entry["exercise"][0]).read_text()
        assert f"variant {entry['variant']}" in exercise
        for shown in asked_values_at(4, hand_backprop(written)["asked"].values()):
            assert shown not in exercise
        answers = yaml.safe_load((folder / entry["answers"]).read_text())
        assert answers["spec"] == entry["spec"] and answers["variant"] == entry["variant"]
        assert load_spec(folder / answers["spec"]).name == f"mazur-homework-{entry['variant']}"


def test_the_index_counts_the_rejected_draws_by_rule(class_set):
    folder, index = class_set
    attempts = sum(v["attempts"] for v in index["variants"])
    assert sum(index["rejected"].values()) >= attempts - CLASS_SIZE > 0  # a draw may break several rules
    rows = (folder / "variants.csv").read_text().splitlines()
    assert rows[0].startswith("variant,seed,spec,exercise,key,answers,rejected_relu_dead")
    assert len(rows) == CLASS_SIZE + 1 and rows[1].startswith(f"v001,{index['variants'][0]['seed']},")


def test_variants_writes_the_same_bytes_twice(tmp_path, capsys):
    for out in ("a", "b"):
        status, _, err = run(["variants", TEMPLATE, "-n", 3, "--seed", 11, "-f", "md,tex,json", "-o", tmp_path / out],
                             capsys)
        assert status == 0, err
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(files) == 3 * 9 + 2 and files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = run(["variants", TEMPLATE, "-n", 3, "--seed", 12, "-o", tmp_path / "c"], capsys)
    assert other[0] == 0
    assert (tmp_path / "c" / "mazur-homework-v001.yaml").read_bytes() != (tmp_path / "a" / "mazur-homework-v001.yaml").read_bytes()


def test_a_template_whose_rules_reject_every_draw_names_the_rule(tmp_path, capsys):
    spec = tmp_path / "hot.json"
    hot = {"uniform": [20, 30], "decimals": 1}
    spec.write_text(json.dumps(dict(MAZUR, layers=[MAZUR["layers"][0], dict(MAZUR["layers"][1], weights=[hot, hot])])))
    status, out, err = run(["variants", spec, "-n", 2, "-o", tmp_path / "out"], capsys)
    one_line_error(status, err, "no draw of 25", "'saturated'", "--allow saturated")
    assert not (tmp_path / "out").exists()
    status, out, err = run(["variants", spec, "-n", 2, "-o", tmp_path / "out", "--allow", "saturated",
                            "--allow", "few_digits", "--allow", "equal_values", "--allow", "unchanged",
                            "--allow", "error_not_falling"], capsys)
    assert status == 0, err


@pytest.mark.parametrize("argv, words", [
    (["-n", "10000"], ["n:", "1 to 1000"]),
    (["-n", "0"], ["-n"]),
    (["-n", "2", "--seed", "-1"], ["--seed"]),
    (["-n", "2", "--allow", "boring"], ["allow", "'boring'", "relu_dead"]),
    (["-n", "2", "-f", "docx"], ["format", "md, tex, json, pdf, moodle"]),
])
def test_a_bad_variants_option_is_one_line_and_writes_nothing(tmp_path, capsys, argv, words):
    status, out, err = run(["variants", TEMPLATE, "-o", tmp_path / "out", *argv], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err
    assert not (tmp_path / "out").exists()


def test_variants_of_a_spec_without_draws_is_bad_input(tmp_path, capsys):
    status, out, err = run(["variants", "mazur", "-n", 2, "-o", tmp_path / "out"], capsys)
    one_line_error(status, err, "no draw")


def test_variants_never_replace_the_template_nor_a_foreign_file(tmp_path, capsys):
    template = tmp_path / "mazur-homework-v001.yaml"  # a template named like its first variant's spec
    template.write_text(TEMPLATE.read_text())
    status, out, err = run(["variants", template, "-n", 1, "-o", tmp_path], capsys)
    assert status == 2 and "the template spec" in err
    (tmp_path / "variants.csv").write_text("mine\n")
    status, out, err = run(["variants", TEMPLATE, "-n", 1, "-o", tmp_path], capsys)
    assert status == 2 and "--force" in err and (tmp_path / "variants.csv").read_text() == "mine\n"
    assert not (tmp_path / "variants.json").exists()


def test_screening_rules_catch_what_they_name():
    from symbackprop.homework.asking import asked_records
    from symbackprop.homework.screening import Candidate, broken_rules

    def broken(spec, ask="all", digits=4):
        solution = symbackprop.solve(spec)
        return broken_rules(Candidate(solution, asked_records(solution, ask), digits))

    relu = dict(MAZUR, layers=[dict(MAZUR["layers"][0], activation="relu", weights=[[-5, -5], [0.2, 0.3]]),
                               MAZUR["layers"][1]])
    assert "relu_dead" in broken(relu)
    kink = dict(MAZUR, inputs=[1, 2], layers=[dict(MAZUR["layers"][0], activation="leaky_relu", bias=0.5,
                                                   weights=[[-0.25, -0.125], [0.2, 0.3]]), MAZUR["layers"][1]])
    assert "relu_dead" in broken(kink)  # net_h1 = -0.25 - 0.25 + 0.5 = 0 exactly, in binary too
    assert broken(MAZUR, ask="forward") == []
    assert "few_digits" in broken(MAZUR, ask="hidden")  # dE/dw1 = 0.0004
    assert "few_digits" not in broken(MAZUR, ask="hidden", digits=6)
    twins = dict(MAZUR, layers=[dict(MAZUR["layers"][0], weights=[[0.15, 0.2], [0.15, 0.2000001]]), MAZUR["layers"][1]])
    assert "equal_values" in broken(twins, ask="forward")  # net_h1 and net_h2 differ by 1e-8
    assert "equal_values" not in broken(dict(twins, layers=[dict(MAZUR["layers"][0], weights=[[0.15, 0.2]] * 2),
                                                            MAZUR["layers"][1]]), ask="forward")  # truly equal
    assert "unchanged" in broken(MAZUR, ask="updates", digits=2)  # w1+ = 0.1498 shows as w1 = 0.15
    assert "unchanged" not in broken(MAZUR, ask="updates", digits=4)
    clipped = {"samples": [{"inputs": [1, 0], "targets": [0.3]}, {"inputs": [0, 1], "targets": [0.6]}],
               "layers": [{"activation": "relu", "weights": [[0.8, -0.7]], "bias": 0.1},
                          {"activation": "linear", "weights": [[0.5]]}], "learning_rate": 0.5}
    assert symbackprop.solve(clipped).reference.initial_traces[1].outs[1] == [0.0]  # a ReLU's exact 0
    assert broken(clipped, ask="forward") == []  # shows as 0, and is 0: no flaw
    softmax_bias = {"inputs": [0.5, 0.2], "targets": [0, 1], "loss": "cross_entropy", "learning_rate": 0.5,
                    "layers": [{"activation": "tanh", "weights": [[0.3, -0.4], [0.6, 0.2]]},
                               {"activation": "softmax", "weights": [[0.5, -0.3], [0.1, 0.4]], "bias": 0.2}]}
    assert "unchanged" not in broken(softmax_bias, ask="updates")  # its shared bias cannot move
    linear = {"inputs": [1, 2], "targets": [0.5], "layers": [{"activation": "linear", "weights": [[0.3, 0.4]]}]}
    assert "error_not_falling" in broken(dict(linear, learning_rate=0.5), ask="forward")  # 0.18 -> 0.405
    assert "error_not_falling" not in broken(dict(linear, learning_rate=0.1), ask="forward")  # -> 0.045
    softmax = dict(MAZUR, loss="cross_entropy", targets=[0, 1],
                   layers=[MAZUR["layers"][0], dict(MAZUR["layers"][1], activation="softmax",
                                                    weights=[[9, 9], [0, 0]])])
    assert "softmax_extreme" in broken(softmax, ask="forward")
    saturated = dict(MAZUR, layers=[MAZUR["layers"][0], dict(MAZUR["layers"][1], weights=[[9, 9], [0.5, 0.5]])])
    assert "saturated" in broken(saturated, ask="forward")


@pytest.mark.latex
def test_variants_bind_every_exercise_and_every_key_into_one_pdf_each_with_ids_on_the_pages(tmp_path, capsys):
    status, out, err = run(["variants", TEMPLATE, "-n", 2, "-f", "tex,pdf", "-o", tmp_path], capsys)
    assert status == 0, err
    assert not (tmp_path / "mazur-homework-v001.pdf").exists()  # the keys are bound, not loose
    for name in ("mazur-homework-exercises.pdf", "mazur-homework-keys.pdf"):
        pdf = (tmp_path / name).read_bytes()
        assert pdf.startswith(b"%PDF") and b"/Creator (symbackprop)" in pdf
        if shutil.which("pdftotext"):
            pages = subprocess.run(["pdftotext", tmp_path / name, "-"], capture_output=True, text=True,
                                   check=True).stdout.split("\f")[:-1]
            assert all("Variant v00" in page for page in pages)
            assert "Variant v001" in pages[0] and "Variant v002" in pages[-1]
    index = json.loads((tmp_path / "variants.json").read_text())
    assert index["formats"] == ["tex", "pdf"]
    assert run(["variants", TEMPLATE, "-n", 2, "-f", "pdf", "-o", tmp_path / "again"], capsys)[0] == 0
    for name in ("mazur-homework-exercises.pdf", "mazur-homework-keys.pdf"):  # the same bytes again
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / name).read_bytes()


def test_an_exercise_and_a_variants_sheet_render_in_a_browser(tmp_path, capsys):
    test_browser = pytest.importorskip("test_browser")
    if not (test_browser.MATHJAX.exists() and test_browser.CHROMIUM):
        pytest.skip("needs chromium and libjs-mathjax")
    assert run(["exercise", "mazur", "-o", tmp_path], capsys)[0] == 0
    assert run(["variants", TEMPLATE, "-n", 1, "-f", "md", "-o", tmp_path], capsys)[0] == 0
    for sheet in ("mazur-exercise.md", "mazur-homework-v001-exercise.md"):
        report = test_browser.browse(tmp_path / f"{sheet}.html", (tmp_path / sheet).read_text(encoding="utf-8"))
        assert report["errors"] == 0 and report["broken"] == [], report
        assert report["typeset"] > 20


@pytest.mark.latex
@pytest.mark.parametrize("example", symbackprop.example_names())
def test_the_exercise_of_every_example_compiles_and_shows_no_asked_value(tmp_path, example):
    sheet = symbackprop.exercise(example)
    paths = symbackprop.write_exercise(sheet, ["md", "tex", "pdf"], tmp_path)
    assert (tmp_path / f"{sheet.name}-exercise.pdf").read_bytes().startswith(b"%PDF") and len(paths) == 5
    for suffix in ("md", "tex"):
        text = (tmp_path / f"{sheet.name}-exercise.{suffix}").read_text()
        assert not [r.label for r in sheet.asked if f"{r.value:.4f}" in text]


def test_a_draw_whose_training_diverges_is_screened_and_counted(tmp_path, capsys):
    linear = {"inputs": [1, 2], "targets": [0.5], "iterations": 3000,
              "layers": [{"activation": "linear", "weights": [[{"uniform": [0.1, 0.5], "decimals": 2}, 0.4]]}]}
    spec = tmp_path / "t.json"
    spec.write_text(json.dumps(dict(linear, learning_rate={"choice": [0.05, 5]})))  # 5 diverges, 0.05 not
    status, out, err = run(["variants", spec, "-n", 4, "-f", "json", "-o", tmp_path / "a"], capsys)
    assert status == 0, err
    index = json.loads((tmp_path / "a" / "variants.json").read_text())
    assert index["rejected"]["diverges"] > 0 and all(v["draws"]["learning_rate"] == 0.05 for v in index["variants"])
    status, out, err = run(["variants", spec, "-n", 4, "-o", tmp_path / "b", "--allow", "diverges"], capsys)
    one_line_error(status, err, "learning_rate", "diverged")
    spec.write_text(json.dumps(dict(linear, learning_rate={"choice": [5, 6]})))
    status, out, err = run(["variants", spec, "-n", 1, "-o", tmp_path / "c"], capsys)
    one_line_error(status, err, "no draw of 25", "'diverges'")
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
