"""Published softmax / cross-entropy and binary cross-entropy worked examples (tests/published/).

Each example's ``.expected.yaml`` holds the numbers the publication prints and, for each, the value an
independent implementation (written from the formulas for this check, not symbackprop's) computed to
full precision, with whether the publication's printed digits agree. symbackprop must reproduce the
independent value to full precision, and the printed digits wherever the publication is right.
Variants of each network in every reduction and mode are held to the test reference (reference.py).
"""

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

import reference
import symbackprop

FOLDER = Path(__file__).parent / "published"
EXAMPLES = sorted(p.name[: -len(".expected.yaml")] for p in FOLDER.glob("*.expected.yaml"))


def ours(solution, item: dict) -> float:
    """symbackprop's value of the quantity an expected item names, found by its indices."""
    network, derivation = solution.network, solution.derivation
    quantity, layer, sample = item["quantity"], item.get("layer"), item.get("sample") or 1
    if quantity == "error":
        return derivation.forward[sample - 1].error.value if "sample" in item else derivation.error.value
    if quantity in ("net", "out", "delta"):
        pick = {"net": network.net, "out": network.out, "delta": network.delta}[quantity]
        return derivation.values[pick(layer, item["neuron"], sample)]
    kind = "weight" if item.get("from") is not None else "bias"
    parameter = next(p for p in network.parameters if p.quantity.kind == kind and p.quantity.layer == layer
                     and p.quantity.to == item.get("to") and p.quantity.source == item.get("from"))
    return {"gradient": derivation.gradients, "updated": derivation.updated}[quantity][parameter.symbol]


def rounds_to(value: float, printed: str) -> bool:
    """Is ``value`` rounded half up to the printed decimals the printed number? Digits printed beyond a
    float's precision (a 17-digit printout) agree within a few units in the last place of a float."""
    written = Decimal(printed.rstrip("."))
    unit = Decimal(1).scaleb(written.as_tuple().exponent)
    exact = Decimal(repr(value))
    if exact.quantize(unit, rounding=ROUND_HALF_UP) == written:
        return True
    return abs(exact - written) <= Decimal(4 * math.ulp(value)) and len(written.as_tuple().digits) >= 16


@pytest.mark.parametrize("name", EXAMPLES)
def test_published_example_reproduced(name):
    expected = yaml.safe_load((FOLDER / f"{name}.expected.yaml").read_text())
    solution = symbackprop.solve(FOLDER / f"{name}.yaml")
    items = expected["independent"]["values"]
    assert items, name
    for item in items:
        value = ours(solution, item)
        assert value == pytest.approx(item["independent"], rel=1e-12, abs=1e-15), item["what"]
        assert rounds_to(value, item["printed"]) == item["agrees"], item["what"]


def test_the_published_mistakes_are_the_known_ones():
    """Publications get these numbers wrong: the checks above find exactly the recorded mistakes."""
    wrong = {name: [i["what"] for i in yaml.safe_load((FOLDER / f"{name}.expected.yaml").read_text())
                    ["independent"]["values"] if not i["agrees"]] for name in EXAMPLES}
    assert sum(map(len, wrong.values())) == 6
    assert len(wrong["postnetwork_sigmoid_softmax"]) == 4 and len(wrong["cs231n_two_layer_relu_softmax"]) == 2


@pytest.mark.parametrize("name,reduction,mode", [
    (name, reduction, mode) for name, (reduction, mode) in
    itertools.product(EXAMPLES, itertools.product(("mean", "sum"), ("batch", "online")))])
def test_published_networks_in_every_reduction_and_mode(name, reduction, mode):
    solution = symbackprop.solve(FOLDER / f"{name}.yaml", reduction=reduction, mode=mode, iterations=2)
    spec, flat = solution.spec, reference.parameters(solution.spec)
    first = None if mode == "batch" else [0]
    gradients = [solution.derivation.gradients[p.symbol] for p in solution.network.parameters]
    assert gradients == pytest.approx(reference.gradient(spec, flat, first), rel=1e-6, abs=1e-7)
    assert solution.derivation.error.value == pytest.approx(reference.error(spec, flat), rel=1e-13)


def record_of(records, item: dict):
    """The catalogue's record for an expected item, by its kind and indices (never by its label)."""
    quantity, sample = item["quantity"], item.get("sample") or 1

    def sample_of(record):
        return getattr(getattr(record.step.lhs, "quantity", None), "sample", None)

    stepped = [r for r in records if r.step is not None]
    if quantity == "error":
        errors = [r for r in stepped if r.role == "error"]
        return next(r for r in errors if sample_of(r) == sample) if "sample" in item else errors[-1]
    if quantity in ("net", "out", "delta"):
        return next(r for r in stepped if r.quantity == quantity and (r.layer, r.to) == (item["layer"], item["neuron"])
                    and sample_of(r) in (None, sample))
    return next(r for r in stepped if r.quantity == quantity
                and (r.layer, r.to, r.source) == (item["layer"], item.get("to"), item.get("from")))


@pytest.mark.parametrize("name", EXAMPLES)
def test_published_numbers_graded_as_a_careful_teacher(name):
    """Each publication's printed numbers, as an answer sheet: every number the independent
    implementation confirms is accepted; every other is flagged wrong against the right value, or
    follows from the publication's own numbers (consequential, or rounding where those were right).
    PostNetwork's z(4) = 0.185 (it is 0.157) is wrong and its three later numbers follow from it;
    cs231n's two last-digit W2 gradients are its own rounded numbers multiplied out."""
    from symbackprop.grading.checking import Grader

    expected = yaml.safe_load((FOLDER / f"{name}.expected.yaml").read_text())
    grader = Grader(symbackprop.solve(FOLDER / f"{name}.yaml"))
    items = expected["independent"]["values"]
    sheet = {record_of(grader.records, item).label: item["printed"] for item in items}
    result = grader.check(sheet)
    by_label = {g.answer.record.label: g for g in result.grades}
    for item in items:
        graded = by_label[record_of(grader.records, item).label]
        if item["agrees"]:
            assert graded.status in ("correct", "rounding"), item["what"]
        else:
            assert graded.status in ("rounding", "consequential", "wrong"), item["what"]
        if graded.status == "wrong":
            assert graded.expected == pytest.approx(item["independent"], rel=1e-12, abs=1e-15)
    wrong = [g.answer.record.label for g in result.grades if g.status == "wrong"]
    assert wrong == (["z^{2}_{2}"] if name == "postnetwork_sigmoid_softmax" else [])
    if name == "postnetwork_sigmoid_softmax":
        assert [g.status for g in result.grades][-3:] == ["consequential"] * 3
