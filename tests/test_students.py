"""Realistic student sheets (tests/students.py, computed without the engine) graded as a careful
teacher would: every planted mistake caught and its cause named, at 2, 4 and 9 decimals, worked
exactly, rounded and carried, or cut off; no false alarm on any other value; mistake-free sheets
clean (issue 9, items 5 and 6)."""

from functools import lru_cache

import pytest
import yaml

import symbackprop
from symbackprop.grading.checking import Grader
from conftest import ROOT
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
