"""Realistic student sheets (tests/students.py, computed without the engine) graded as a careful
teacher would: every planted mistake caught and its cause named, at 2, 4 and 9 decimals, worked
exactly, rounded and carried, or cut off; no false alarm on any other value; mistake-free sheets
clean (issue 9, items 5 and 6). The same for the classic mistakes on classification networks
(tests/classifiers.py, issue 16)."""

from functools import lru_cache

import pytest
import yaml

import symbackprop
from symbackprop.grading.checking import Grader
from conftest import ROOT
from classifiers import CLASSIFICATION_CAUSES, Classifier, labels_by_sample
from students import CAUSES, STYLES, Student, labels_of


@lru_cache(maxsize=None)
def mazur() -> tuple[Grader, dict, dict]:
    grader = Grader(symbackprop.solve("mazur"))
    return grader, labels_of(grader.records), yaml.safe_load((ROOT / "symbackprop/examples/mazur.yaml").read_text())


def write_sheet(folder, sheet: dict, markdown: bool):
    if markdown:
        path = folder / "sheet.md"
        path.write_text("".join(f"$$ {label} = {value} $$\n\n" for label, value in sheet.items()))
    else:
        path = folder / "sheet.yaml"
        path.write_text(yaml.safe_dump({label: value for label, value in sheet.items()}, allow_unicode=True))
    return path


def graded(tmp_path, mistake, digits, style, compact=False, markdown=False):
    grader, labels, spec = mazur()
    student = Student(spec, labels, digits, style, mistake, compact)
    result = grader.check(write_sheet(tmp_path, student.work(), markdown))
    return student, result


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("digits", [2, 4, 9])
@pytest.mark.parametrize("mistake", sorted(CAUSES))
def test_every_planted_mistake_is_caught_and_named(tmp_path, mistake, digits, style):
    student, result = graded(tmp_path, mistake, digits, style, markdown=digits == 4)
    wrong = [g for g in result.grades if g.status in ("wrong", "unknown-label")]
    assert student.planted  # a misconception may show in several places, each wrong on its own
    assert [g.answer.record.label for g in wrong] == student.planted, [
        (g.answer.record.label, g.answer.given, g.expected) for g in wrong]
    assert {result.diagnoses[g.answer].cause for g in wrong} == {CAUSES[mistake]}


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("digits", range(2, 10))
def test_mistake_free_sheets_are_clean(tmp_path, digits, style, compact):
    _, result = graded(tmp_path, None, digits, style, compact, markdown=compact)
    assert result.exit_status == 0, [(g.answer.record.label, g.answer.given, g.expected)
                                     for g in result.grades if g.status == "wrong"]
    if style != "truncate":  # a student who rounds is never told they cut a number off
        assert not [g.answer.label for g in result.grades if "cut off" in g.note]


@lru_cache(maxsize=None)
def classifier(name: str) -> tuple[Grader, dict, dict]:
    grader = Grader(symbackprop.solve(name))
    return grader, labels_by_sample(grader.records), yaml.safe_load((ROOT / f"symbackprop/examples/{name}.yaml").read_text())


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("digits", [3, 4, 9])
@pytest.mark.parametrize("mistake", sorted(CLASSIFICATION_CAUSES))
def test_every_planted_classification_mistake_is_caught_and_named(mistake, digits, style):
    name, cause = CLASSIFICATION_CAUSES[mistake]
    grader, labels, spec = classifier(name)
    student = Classifier(spec, labels, digits, style, mistake)
    result = grader.check(student.work())
    wrong = [g for g in result.grades if g.status in ("wrong", "unknown-label")]
    # where the mistake gives the right value (rounded or cut off) it does not show, and nothing is wrong
    assert sorted(g.answer.record.label for g in wrong) == sorted(student.planted), [
        (g.answer.record.label, g.answer.given, g.expected) for g in wrong]
    assert {result.diagnoses[g.answer].cause for g in wrong} == ({cause} if wrong else set())


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("digits", range(2, 10))
@pytest.mark.parametrize("name", ["softmax", "bce"])
def test_mistake_free_classification_sheets_are_clean(name, digits, style):
    grader, labels, spec = classifier(name)
    result = grader.check(Classifier(spec, labels, digits, style).work())
    assert result.exit_status == 0, [(g.answer.record.label, g.answer.given, g.expected)
                                     for g in result.grades if g.status == "wrong"]


@pytest.mark.parametrize("digits", [1, 2])
def test_a_softmax_sheet_that_rounds_e_z_to_its_own_digits_is_clean(digits):
    """e^z rounded to the 2 decimals (or 1) the sheet writes, then divided: rounding, not a mistake."""
    grader, labels, spec = classifier("softmax")
    student = Classifier(spec, labels, digits, "round", "early_exp")
    student.early_digits = digits
    result = grader.check(student.work())
    assert result.exit_status == 0, [(g.answer.record.label, g.answer.given, g.expected)
                                     for g in result.grades if g.status == "wrong"]
