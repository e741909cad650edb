"""A document that ``solve --rounding carry --digits K`` writes, fed back to ``check``, grades nothing
wrong: every built-in example, K from 1 to 6 (issue 9, item 2)."""

from functools import lru_cache

import pytest

import symbackprop
from symbackprop.grading.checking import Grader
from symbackprop.model.spec import example_names
from symbackprop.present.output import write


@lru_cache(maxsize=None)
def grader(name: str) -> Grader:
    return Grader(symbackprop.solve(name))


@pytest.mark.parametrize("digits", range(1, 7))
@pytest.mark.parametrize("name", example_names())
def test_a_carried_document_checks_clean(tmp_path, name, digits):
    document = write(symbackprop.solve(name, carry_digits=digits), ["md"], tmp_path, detail="full")[0]
    result = grader(name).check(document)
    summary = result.summary
    assert summary["wrong"] == summary["unknown"] == summary["missing"] == 0, [
        (g.answer.label, g.answer.given, g.expected) for g in result.grades if g.status == "wrong"]
    assert summary["correct"] + summary["rounding"] == len(result.grades)


@pytest.mark.parametrize("name", ["xor", "bce"])
def test_a_compact_carried_document_has_nothing_wrong(tmp_path, name):
    """The compact document (the default beyond 24 parameters x samples) works fewer values out in
    full; those it shows are never graded wrong."""
    document = write(symbackprop.solve(name, carry_digits=4), ["md"], tmp_path)[0]
    summary = grader(name).check(document).summary
    assert summary["wrong"] == summary["unknown"] == 0 and summary["correct"] + summary["rounding"] > 20
