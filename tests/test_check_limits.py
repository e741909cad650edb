"""symbackprop check on hostile and oversized sheets: an answer within seconds, never a traceback.

Time bounds are generous (the cases they guard took from 9 s to minutes before); where the work
can be counted, it is counted instead.
"""

import difflib
import time
from decimal import Decimal

import pytest

import symbackprop
from symbackprop.grading import causes
from symbackprop.grading import written as grading
from symbackprop.grading import replay
from symbackprop.grading.catalogue import catalogue
from symbackprop.grading.checking import check
from symbackprop.cli import main
from symbackprop.grading.naming import MAX_SUGGESTED

SECONDS = 10


def run_check(path, capsys, spec="mazur") -> tuple[int, str]:
    """The exit status and stdout of ``symbackprop check``; any exception fails the test."""
    started = time.monotonic()
    status = main(["check", spec, str(path)])
    assert time.monotonic() - started < SECONDS
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out


def spec_dict(widths: list[int], inputs=None) -> dict:
    """A sigmoid network of the given layer widths, with small distinct weights."""
    layers = [{"activation": "sigmoid",
               "weights": [[round(0.05 * (1 + (j * a + k) % 9), 2) for k in range(a)] for j in range(b)],
               "bias": [0.1] * b} for a, b in zip(widths, widths[1:])]
    return {"notation": "mazur", "inputs": inputs or [0.05 * (i + 1) for i in range(widths[0])],
            "targets": [0.5] * widths[-1], "layers": layers, "learning_rate": 0.5, "iterations": 2}


@pytest.mark.parametrize("number", [
    r"-2.916 \times 10^{8}", r"1.23 \times 10^{400}", r"1.23 \times 10^{-400}", "-2.916e8",
    "1e999999999999999999", "1e-999999999999999999", "0." + "3" * 3000, "3" * 3000 + ".5",
])
def test_numbers_of_any_size_are_graded_wrong(tmp_path, capsys, number):
    sheet = tmp_path / "sheet.md"
    sheet.write_text(rf"$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = {number}$$" + "\n$$w_5^+ = 0.3589$$\n")
    status, out = run_check(sheet, capsys)
    assert status == 1 and "1 correct, 0 rounding, 0 consequential, 1 wrong" in out


def test_a_twenty_thousand_digit_value(tmp_path, capsys):
    digits = "3" * 20_000
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"w5+,0.{digits}\nw6+,{digits}\n")
    assert run_check(sheet, capsys)[0] == 1
    assert [g.status for g in check("mazur", sheet).grades] == ["wrong", "wrong"]
    sheet.write_text(f"w5+,{digits}x\n")  # not a number: bad input, found without backtracking
    assert run_check(sheet, capsys)[0] == 2


def test_an_exponent_beyond_any_decimal_is_not_a_number(tmp_path, capsys):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("w5+: '1e" + "9" * 30 + "'\n")
    assert run_check(sheet, capsys)[0] == 2


def test_exact_decimal_ties_round_half_up(tmp_path):
    """0.0165 to three decimals is 0.017, as carried() rounds: 0.016 is a cut-off, not a rounding."""
    spec = spec_dict([2, 2, 1], inputs=[0.0165, -0.0165])
    assert {r.label: r.value for r in catalogue(symbackprop.solve(spec))}["net_{h1}"] == 0.099175
    sheet = tmp_path / "sheet.yaml"
    answers = {"i_1": "0.017", "i_2": "-0.017", "net_h1": "0.09918", "i1": "0.016", "i2": "-0.016", "neth1": "0.09917"}
    sheet.write_text("".join(f"'{label}': '{value}'\n" for label, value in answers.items()))
    assert [g.status for g in check(spec, sheet).grades] == ["correct", "rounding"] * 3  # by record, then as written
    assert grading.written("0.017").rounds(Decimal("0.0165")) and not grading.written("0.016").rounds(Decimal("0.0165"))


@pytest.mark.parametrize("opener", ["\\[", "\\(", "$$", "$", "\\begin{align}"])
def test_two_megabytes_of_unclosed_openers(tmp_path, capsys, opener):
    sheet = tmp_path / "sheet.md"
    sheet.write_text(opener * (1_990_000 // len(opener)))
    assert run_check(sheet, capsys)[0] == 2


def test_unclosed_cases_and_long_rows_inside_blocks(tmp_path, capsys):
    block = "$$" + "\\begin{cases}" * 600 + "w_5^+ = 0.3589$$\n"
    spaces = "$" + " " * 3900 + "w_6^+ = 0.4087$\n"
    sheet = tmp_path / "sheet.md"
    sheet.write_text((block + spaces) * (1_990_000 // len(block + spaces)))
    status, out = run_check(sheet, capsys)
    assert status == 0 and "0 wrong" in out


def test_the_word_error_repeated(tmp_path, capsys):
    sheet = tmp_path / "sheet.md"
    sheet.write_text("error " * 33_000 + ".\nThe error decreases from 0.298371109 to 0.291027924.\n")
    status, out = run_check(sheet, capsys)
    assert status == 1 and "hidden deltas computed from already-updated weights" in out


def test_a_label_too_long_to_be_one_is_unknown_without_suggestions(tmp_path, capsys):
    lhs = "\\frac{a" * 1000
    sheet = tmp_path / "sheet.md"
    sheet.write_text(f"$$ {lhs} = 0.5 $$\n" * 200)
    status, out = run_check(sheet, capsys)
    assert status == 1 and "200 unknown labels" in out
    assert all(not g.answer.suggestions for g in check("mazur", sheet).grades)


def test_twenty_thousand_unknown_labels(tmp_path, capsys, monkeypatch):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("'w_{55}': '0.5'\n" + "".join(f"'x_{{{i}}}': '0.5'\n" for i in range(20_000)))
    assert run_check(sheet, capsys)[0] == 1
    calls = []
    close_matches = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *args, **kw: calls.append(1) or close_matches(*args, **kw))
    grades = check("mazur", sheet).grades
    assert len(calls) == 2  # per unknown skeleton, w# and x#, difflib ranks the known skeletons once
    assert sum(bool(g.answer.suggestions) for g in grades) == MAX_SUGGESTED
    assert grades[0].answer.suggestions[0] == "w_{5}"  # same skeleton, the number spelled alike


def test_every_value_wrong_on_a_wider_network(tmp_path, monkeypatch):
    """Each rewrite is replayed once for all answers, not once per answer; the one-output rewrites
    go up to the widest layer present."""
    spec = spec_dict([2, 4, 4, 1])
    records = catalogue(symbackprop.solve(spec))
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("".join(f"'{r.label}': '{r.value * 1.37 + 0.123:.6f}'\n" for r in records))
    replays = []
    original = replay.Replay.__init__
    monkeypatch.setattr(replay.Replay, "__init__",
                        lambda self, *args, **kw: replays.append(1) or original(self, *args, **kw))
    started = time.monotonic()
    result = check(spec, sheet)
    assert time.monotonic() - started < SECONDS
    assert result.summary["wrong"] > 100 and len(result.diagnoses) == result.summary["wrong"]
    rewrites = causes.rewrites(symbackprop.solve(spec))
    # the squared loss's, the shared ones, "already-updated weights", the slope mistakes in each of
    # the two hidden layers alone, one per output up to width 4
    assert len(rewrites) == (len(causes.REWRITES) + len(causes.SQUARED_LOSS_REWRITES) + 1
                             + 2 * len(causes.LAYER_MISTAKES) + 4)
    # in each way (exact, rounded and cut off by hand): grading, diagnosis's plain replay and one per
    # rewrite; and the derivation
    assert len(replays) <= 3 * (2 + len(rewrites)) + 1
