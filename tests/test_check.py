"""symbackprop labels and check: grading against oracles from the seeds and from built mistakes."""

import json
import shutil

import pytest

import symbackprop
from symbackprop.grading.catalogue import QUANTITIES, catalogue
from symbackprop.grading.checking import check
from symbackprop.grading.reports import REPORTS
from symbackprop.cli import main
from conftest import ROOT

ANSWERS = ROOT / "tests" / "answers"
SEED_003 = ROOT.parent / "shared" / "seeds" / "003_86ce543d4547a3bc.txt"


def statuses(result, status):
    return {g.answer.record.label: g for g in result.grades if g.status == status}


def test_labels_lists_every_quantity_with_its_value(capsys):
    assert main(["labels", "mazur", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["quantity"] for r in records} == set(QUANTITIES) - {"jacobian"}  # softmax layers only
    by_label = {r["label"]: r for r in records}
    assert len(by_label) == len(records)
    assert by_label["w_{5}^{+}"] == {"label": "w_{5}^{+}", "quantity": "updated", "layer": 2, "to": 1, "from": 1,
                                     "iteration": None, "value": 0.35891647971788465}
    assert by_label["E_{o1}"]["layer"] == 2 and by_label["E_{o1}"]["to"] == 1
    assert by_label["E_{total}"]["layer"] is None and by_label["E_{total}"]["to"] is None
    assert by_label["E_{total} \\text{ after } 10000"]["value"] == pytest.approx(3.5102e-05, abs=5e-10)
    assert by_label[r"\frac{\partial E_{total}}{\partial out_{h1}}"]["quantity"] == "grad_out"
    assert by_label[r"\frac{\partial net_{o1}}{\partial w_{5}}"]["quantity"] == "factor"
    assert main(["labels", "xor", "--notation", "nielsen"]) == 0
    assert "z^{1}_{1}[4] " in capsys.readouterr().out  # the sample in brackets: ^{(4)} would read as a layer


def test_seed_003_answers_flag_exactly_its_two_mistakes():
    result = check("mazur", ANSWERS / "seed003.yaml")
    wrong = statuses(result, "wrong")
    assert set(wrong) == {r"\frac{\partial E_{total}}{\partial out_{h1}}", "E_{total} \\text{ after } 1"}
    assert wrong[r"\frac{\partial E_{total}}{\partial out_{h1}}"].expected == pytest.approx(0.036350306, abs=5e-10)
    assert wrong["E_{total} \\text{ after } 1"].expected == pytest.approx(0.291027774, abs=5e-10)
    assert result.diagnoses[wrong[r"\frac{\partial E_{total}}{\partial out_{h1}}"].answer].cause == \
        "decimal slip (a factor of 10)"
    assert result.first_wrong.answer.record.label == r"\frac{\partial E_{total}}{\partial out_{h1}}"
    assert result.derivation.parts[-1] == "0.036350306"
    assert result.exit_status == 1


@pytest.mark.skipif(not SEED_003.exists(), reason="shared/ is not beside this checkout")
def test_the_seed_003_document_itself(tmp_path):
    document = tmp_path / "seed003.md"
    shutil.copy(SEED_003, document)
    result = check("mazur", document)
    assert set(statuses(result, "wrong")) == {r"\frac{\partial E_{total}}{\partial out_{h1}}", "E_{total} \\text{ after } 1"}
    assert [g.answer.label for g in result.grades if g.status == "unknown-label"] == [r"\partial net_{o1}"]


def test_seed_001_values_flag_its_two_wrong_weights():
    result = check("mazur", ANSWERS / "seed001.csv")
    assert set(statuses(result, "wrong")) == {"w_{6}^{+}", "w_{8}^{+}"}
    assert statuses(result, "wrong")["w_{6}^{+}"].expected == pytest.approx(0.408666186, abs=5e-10)
    # seed 001 cuts its numbers off instead of rounding them: 0.5932 for 0.593269992
    assert {"out_{h1}", "out_{o1}", r"\frac{\partial E_{total}}{\partial w_{5}}"} <= set(statuses(result, "rounding"))
    assert "w_{5}^{+}" in statuses(result, "correct")


def sheet(tmp_path, answers: dict):
    path = tmp_path / "answers.yaml"
    path.write_text("".join(f"'{label}': '{value}'\n" for label, value in answers.items()))
    return path


def test_digits_written_set_the_tolerance(tmp_path):
    for given, status in (("0.3589", "correct"), ("0.359", "correct"), ("0.3590", "wrong"), ("0.35891", "rounding")):
        result = check("mazur", sheet(tmp_path, {"w5+": given}))
        assert result.grades[0].status == status, given


@pytest.mark.parametrize("name,text", [
    ("a.yaml", "w5+: 0.3590\n"), ("a.json", '{"w5+": 0.3590}'), ("a.toml", '"w5+" = 0.3590\n'),
    ("a.csv", "w5+,0.3590\n"), ("a.md", "$$ w_5^+ = 0.4 - 0.5 \\cdot 0.0821 = 0.3590 $$\n"),
])
def test_numbers_are_read_as_written_in_every_format(tmp_path, name, text):
    """Unquoted 0.3590 must not become the float 0.359: the trailing zero claims a fourth digit."""
    (tmp_path / name).write_text(text)
    result = check("mazur", tmp_path / name)
    assert (result.grades[0].answer.given, result.grades[0].status) == ("0.3590", "wrong")


def test_one_early_mistake_is_wrong_once_and_consequential_after(tmp_path):
    result = check("mazur", sheet(tmp_path, {
        "out_o1": "0.7613",  # wrong (0.7514)
        "dE/dout_o1": "0.7513",  # -(0.01 - 0.7613): follows from it
        "dout_o1/dnet_o1": "0.1817",  # 0.7613 (1 - 0.7613)
        "delta_o1": "0.1365",
        "dE/dw5": "0.0810",
        "w5+": "0.3595",
        "w1+": "0.1498",  # right anyway
    }))
    assert [g.status for g in result.grades] == ["wrong", "consequential", "consequential", "consequential",
                                                  "consequential", "consequential", "correct"]


MISTAKES = [
    ("sign flipped: (t - o) where -(t - o) belongs", {"dE/dout_o1": "-0.74136507"}),
    ("activation derivative left out", {"dE/dout_o1": "0.74136507", "dout_o1/dnet_o1": "0.186815602",
                                        "delta_o1": "0.74136507"}),
    ("net input used where the output belongs", {"dout_o1/dnet_o1": "-0.117122041"}),
    ("update added instead of subtracted", {"dE/dw5": "0.082167041", "w5+": "0.441083520"}),
    ("learning rate left out", {"dE/dw5": "0.082167041", "w5+": "0.317832959"}),
    ("the 1/2 of the squared error dropped", {"E_o1": "0.549622166"}),
    ("a 1/2 added to the squared error (or its 2 dropped)", {"dE/dout_o1": "0.370682535"}),
    ("a hidden neuron's error summed over one output only", {"dE/dout_h1": "0.055399425"}),
    ("hidden deltas computed from already-updated weights", {"E after 1": "0.291027924"}),
    ("two weights' indices swapped", {"w6+": "0.511301270"}),
    ("decimal slip (a factor of 10)", {"dE/dw5": "0.82167041"}),
    ("two adjacent digits transposed", {"w5+": "0.35891684"}),
]


@pytest.mark.parametrize("cause,answers", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_every_cause_in_the_catalogue_is_named(tmp_path, cause, answers):
    result = check("mazur", sheet(tmp_path, answers))
    assert result.first_wrong is not None
    assert result.diagnoses[result.first_wrong.answer].cause == cause


def test_no_known_cause(tmp_path):
    result = check("mazur", sheet(tmp_path, {"w5+": "0.123"}))
    assert result.diagnoses[result.first_wrong.answer].cause == "no known cause"


def test_labels_are_matched_loosely_and_unknown_ones_reported(tmp_path):
    result = check("mazur", sheet(tmp_path, {
        r"\frac{\partial E_{total}}{\partial w_5}": "0.082167041", "W_5^{+}": "0.35891648",
        "dEtotal/dw6": "0.082667628", "neth1": "0.3775", "w_{55}": "1"}))
    assert [g.status for g in result.grades] == ["correct", "correct", "correct", "correct", "unknown-label"]
    assert result.grades[-1].answer.suggestions and result.exit_status == 1


def test_reports_and_exit_statuses(tmp_path, capsys):
    good = sheet(tmp_path, {"w5+": "0.3589"})
    assert main(["check", "mazur", str(good), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"correct": 1, "rounding": 0, "consequential": 0, "wrong": 0, "unknown": 0,
                                 "missing": report["summary"]["missing"]}
    assert report["items"][0] == {"label": "w_{5}^{+}", "given": "0.3589", "expected": 0.35891647971788465,
                                  "status": "correct", "note": None, "diagnosis": None, "follows_from": None,
                                  "suggestions": []}
    assert report["tolerance"] == "digits" and report["delta"] == "gradient" and report["headline"] == "No wrong answers."
    assert main(["check", "mazur", str(ANSWERS / "seed003.yaml"), "--format", "md"]) == 1
    markdown = capsys.readouterr().out
    assert "Most likely cause: decimal slip (a factor of 10)" in markdown and "| wrong |" in markdown
    bad = tmp_path / "bad.csv"
    bad.write_text("w5+,0.35,extra\n")
    assert main(["check", "mazur", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert set(REPORTS) == {"text", "md", "json"}


def test_catalogue_labels_are_unique_in_every_notation():
    for notation in ("mazur", "nielsen", "course", "indexed"):
        labels = [r.label for r in catalogue(symbackprop.solve("deep", notation=notation, iterations=2))]
        assert len(labels) == len(set(labels))


def test_a_sheet_worked_as_by_hand_is_never_wrong(tmp_path):
    """solve --rounding carry and the checker's rounding status use the same rounding rule."""
    solution = symbackprop.solve("mazur", iterations=1, carry_digits=4)
    carried = solution.carried.values
    answers = {r.label: f"{carried[r.step.lhs]:.4f}" for r in catalogue(solution)
               if r.step is not None and r.step.lhs in carried}  # not the changes Δθ, which sheets may add
    result = check("mazur", sheet(tmp_path, answers), iterations=1)
    counts = result.summary
    assert counts["wrong"] == 0 and counts["consequential"] == 0 and counts["unknown"] == 0
    assert counts["rounding"] >= 1 and counts["correct"] > 10


def test_carry_mode_is_shown_and_checked(tmp_path, capsys):
    assert main(["solve", "mazur", "--rounding", "carry", "--digits", "4", "-f", "md", "-o", str(tmp_path)]) == 0
    document = (tmp_path / "mazur.md").read_text()
    assert "rounded to 4 decimals" in document and "0.4 \\cdot 0.5933 + 0.45 \\cdot 0.5969 + 0.6 \\cdot 1" in document
    assert main(["solve", "mazur", "--digits", "4", "-o", str(tmp_path)]) == 2
    assert "--digits goes with --rounding carry" in capsys.readouterr().err


def test_few_digits_are_judged_as_written_not_refused(tmp_path):
    """On a sheet of whole numbers, 0 and 1 are w5+ and w7+ to no decimals; 0.4 is w6+ to one:
    rounded values are right, and 0.3 for w8+ = 0.561370121 is not."""
    result = check("mazur", sheet(tmp_path, {"w5+": "0", "w7+": "1"}))
    assert [g.status for g in result.grades] == ["correct", "correct"]
    result = check("mazur", sheet(tmp_path, {"w6+": "0.4", "dE/dw1": "0.0004", "w8+": "0.3"}))
    assert [g.status for g in result.grades] == ["correct", "wrong", "correct"]  # document order


def test_the_tools_own_document_checks_clean(tmp_path):
    """Every equation of a worked solution, fed back to check, is right: nothing wrong, unknown or missing."""
    solution = symbackprop.solve("deep", iterations=3)
    document = tmp_path / "deep.md"
    document.write_text(symbackprop.render(solution, "md"))
    result = check("deep", document, iterations=3)
    assert result.summary["wrong"] == result.summary["unknown"] == result.summary["missing"] == 0
    assert result.exit_status == 0


def test_every_answer_is_graded_even_twice_and_empty_sheets_are_bad_input(tmp_path, capsys):
    result = check("mazur", sheet(tmp_path, {"delta_o1": "0.9999", "dE/dnet_o1": "0.1385"}))
    assert [g.status for g in result.grades] == ["wrong", "correct"]
    empty = tmp_path / "empty.md"
    empty.write_text("No equations here.\n")
    assert main(["check", "mazur", str(empty)]) == 2
    assert "no answers found" in capsys.readouterr().err
