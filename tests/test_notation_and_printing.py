"""Notations give unique labels at any depth and width; numbers print as the seeds print them."""

import itertools

import pytest

import symbackprop
from symbackprop.model.notation import NOTATIONS, Labels
from symbackprop.present.printing import format_number
from symbackprop.model.quantities import Quantity

SHAPES = [(1, 1, 1), (2, 2, 2), (2, 3, 2, 1), (3, 12, 11, 2), (4, 4, 4, 4, 4)]
BIASES = ["shared", "per_neuron", "none"]


def every_quantity(widths, samples):
    depth = len(widths) - 1
    for k in range(1, widths[0] + 1):
        yield Quantity("input", 0, k, sample=1)
    for layer in range(1, depth + 1):
        for j in range(1, widths[layer] + 1):
            yield from (Quantity(kind, layer, j, sample=1) for kind in ("net", "out", "delta"))
            for k in range(1, widths[layer - 1] + 1):
                yield Quantity("weight", layer, j, k)
                yield Quantity("weight", layer, j, k, updated=True)
    for j in range(1, widths[-1] + 1):
        yield Quantity("target", None, j, sample=1)
        if widths[-1] > 1:
            yield Quantity("term", None, j, sample=1)
    yield Quantity("error")
    yield Quantity("rate")
    if samples > 1:
        yield from (Quantity("error", sample=s) for s in range(1, samples + 1))


@pytest.mark.parametrize("notation,widths,bias", list(itertools.product(NOTATIONS, SHAPES, BIASES)))
def test_labels_are_unique(notation, widths, bias):
    labels = Labels(notation, widths, (bias,) * (len(widths) - 1), samples=2)
    quantities = list(every_quantity(widths, 2))
    for layer in range(1, len(widths)):
        if bias == "shared":
            quantities.append(Quantity("bias", layer))
        elif bias == "per_neuron":
            quantities += [Quantity("bias", layer, j) for j in range(1, widths[layer] + 1)]
    printed = [labels(q) for q in quantities]
    duplicates = {p for p in printed if printed.count(p) > 1}
    assert not duplicates


def test_notation_examples_from_the_design():
    mazur = Labels("mazur", (2, 2, 2), ("shared", "shared"), 1)
    assert [mazur(Quantity("net", 1, 1)), mazur(Quantity("out", 2, 2)), mazur(Quantity("weight", 2, 1, 2)),
            mazur(Quantity("bias", 2)), mazur(Quantity("error")), mazur(Quantity("term", None, 1))] == \
        ["net_{h1}", "out_{o2}", "w_{6}", "b_{2}", "E_{total}", "E_{o1}"]
    nielsen = Labels("nielsen", (2, 2, 2), ("per_neuron", "per_neuron"), 1)
    assert [nielsen(Quantity("net", 2, 1)), nielsen(Quantity("weight", 2, 1, 2)), nielsen(Quantity("delta", 1, 2)),
            nielsen(Quantity("error"))] == ["z^{2}_{1}", "w^{2}_{12}", "\\delta^{1}_{2}", "C"]
    course = Labels("course", (1, 1, 1), ("shared", "shared"), 1)
    assert [course(Quantity("net", 1, 1)), course(Quantity("out", 2, 1)), course(Quantity("weight", 2, 1, 1)),
            course(Quantity("bias", 1)), course(Quantity("target", None, 1))] == ["z_{1}", "a_{2}", "w_{2}", "b_{1}", "T"]
    wide = Labels("course", (2, 3, 1), ("none", "none"), 1)
    assert wide(Quantity("out", 1, 3)) == "a_{1,3}"
    indexed = Labels("indexed", (2, 2, 2), ("none", "none"), 1)
    assert [indexed(Quantity("net", 2, 1)), indexed(Quantity("weight", 1, 2, 1)), indexed(Quantity("target", None, 1))] \
        == ["z_{20}", "w^{1}_{10}", "t_{0}"]  # every neuron index from 0, the target's too (t_0 beside a_{20})


def test_mazur_names_several_hidden_layers():
    labels = Labels("mazur", (2, 3, 3, 1), ("none",) * 3, 1)
    assert labels(Quantity("out", 1, 2)) == "out_{h1,2}" and labels(Quantity("out", 3, 1)) == "out_{o1}"


@pytest.mark.parametrize("value,precision,text", [
    (0.593269992107, 9, "0.593269992"), (0.7413650695, 9, "0.74136507"), (0.4, 9, "0.4"), (1.0, 9, "1"),
    (-0.0380982365, 9, "-0.038098237"), (3.510187782978859e-05, 9, "0.000035102"),
    (1.2345678e-8, 9, "1.23457 \\times 10^{-8}"), (-0.0, 9, "0"), (12345.678, 4, "12345.678"),
    (0.35891648, 4, "0.3589"), (0.0000004, 4, "4 \\times 10^{-7}"),
])
def test_number_format(value, precision, text):
    assert format_number(value, precision) == text


def test_every_notation_renders_every_example():
    for notation in NOTATIONS:
        document = symbackprop.render(symbackprop.solve("deep", notation=notation, iterations=1), "md")
        assert "## 4. Backward pass" in document


@pytest.mark.parametrize("value,precision,text", [
    (-0.6000000000000001, 9, "-0.6"), (0.05, 4, "0.05"), (0.05, 2, "0.05"), (0.0123, 2, "1.2 \\times 10^{-2}"),
    (-0.95, 1, "-0.9"), (1e308, 9, "1 \\times 10^{308}"), (1234567.0, 3, "1.23 \\times 10^{6}"),
])
def test_number_format_switches_to_scientific_only_to_show_digits(value, precision, text):
    assert format_number(value, precision) == text


def test_scientific_and_negative_numbers_are_bracketed_as_factors():
    from symbackprop.present.printing import SolutionPrinter
    from symbackprop.model.quantities import number
    import sympy as sp

    printer = SolutionPrinter(Labels("nielsen", (1, 1), ("none",), 1), precision=4)
    expression = sp.Mul(number(0.15), number(0.00004), number(-0.5), evaluate=False)
    assert printer.doprint(expression) == "0.15 \\cdot \\left(4 \\times 10^{-5}\\right) \\cdot \\left(-0.5\\right)"
    assert printer.doprint(sp.Mul(sp.Float(1 / 3), sp.Symbol("z"), evaluate=False)) == "0.3333 \\cdot z"


def test_notation_chooses_the_order_of_net_input_products():
    course = symbackprop.render(symbackprop.solve("course", iterations=1), "md")
    assert "z_{2} = a_{1} \\cdot w_{2} + b_{2} \\cdot 1" in course  # seed 002 writes a_1 * w_2
    assert "= 0.6" in course and "0.45" in course
    mazur = symbackprop.render(symbackprop.solve("course", notation="mazur", iterations=1), "md")
    assert "\\mathrm{net}_{o1} = w_{2} \\cdot \\mathrm{out}_{h1} + b_{2} \\cdot 1" in mazur
