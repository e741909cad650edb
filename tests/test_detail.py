"""How much a document writes out (issue 18, points 10 and 16): each kind of expansion once a layer by
default, every one with --detail full, and compact tables that are never a single row.

The oracles are the documents' own printed numbers recombined by hand here (a product summed, a
difference taken), and the networks' shapes (which weights a layer has), not the view code.
"""

import re

import pytest

import symbackprop

POWER_RULE = re.compile(r"\\partial (w_\{\d+\}|w\^\{\d\}_\{\d+\})\} = [^$]*?\^\{1 - 1\}")


def markdown(name: str, detail: str = "auto") -> str:
    return symbackprop.render(symbackprop.solve(name), "md", detail=detail)


@pytest.mark.parametrize("detail,expanded", [("auto", ["w_{5}", "w_{1}"]),
                                             ("full", [f"w_{{{i}}}" for i in (5, 6, 7, 8, 1, 2, 3, 4)])])
def test_the_power_rule_is_written_out_once_a_layer_and_for_every_weight_in_full(detail, expanded):
    """Mazur: 'dnet_o1/dw6 = 0 + 1 · out_h2 · w6^(1-1) + 0 = out_h2' for each of 8 weights was
    repetition; by default the first weight of each layer shows it, the others the result."""
    text = markdown("mazur", detail)
    assert POWER_RULE.findall(text) == expanded
    if detail == "auto":
        assert "\\frac{\\partial \\mathrm{net}_{o1}}{\\partial w_{6}} = \\mathrm{out}_{h2} = 0.596884378" in text


def test_softmax_expands_the_power_rule_once_a_layer_not_fifteen_times():
    assert len(POWER_RULE.findall(markdown("softmax"))) == 2
    assert len(POWER_RULE.findall(markdown("softmax", "full"))) == 15


def test_the_loss_and_the_stock_sentences_are_said_once():
    """§2 states the loss: the backward pass does not again (full detail still does); a sentence that
    explains a kind of step is said for the layer's first neuron, not pasted for each."""
    for name in ("mazur", "softmax"):
        assert "The error, written in the outputs" not in markdown(name)
        assert "The error, written in the outputs" in markdown(name, "full")
    assert markdown("mazur").count("Its output feeds every neuron of the layer above") == 1  # one hidden layer
    assert markdown("mazur", "full").count("Its output feeds every neuron of the layer above") == 2
    assert markdown("softmax").count("through these entries of the layer's Jacobian") == 1


def aligned_rows(text: str, lhs: str) -> list[str]:
    block = re.search(r"\\begin\{aligned\}\n" + re.escape(lhs) + r" &=(.*?)\\end\{aligned\}", text, re.S).group(1)
    return [row.strip().removeprefix("&").strip().removeprefix("=").removeprefix("\\quad").strip()
            for row in block.split("\\cr")]


def number(latex: str) -> float:
    return float(latex.strip().removeprefix("\\left(").removesuffix("\\right)"))


def test_a_later_softmax_neuron_shows_every_factor_of_its_jacobian_sum_by_number():
    """The Jacobian sum is written in symbols for the layer's first neuron only; the others give its
    three products with numbers, which sum to their δ and equal out − t (the closed form)."""
    text = markdown("softmax")
    symbolic = "\\frac{\\partial C}{\\partial a^{2}_{1}} \\cdot \\frac{\\partial a^{2}_{1}}{\\partial z^{2}_{%d}}"
    assert symbolic % 1 in text and symbolic % 2 not in text and symbolic % 3 not in text
    outputs = {j: float(re.search(r"a\^\{2\}_\{%d\} = .* = ([-\d.]+)\n" % j, text).group(1)) for j in (1, 2, 3)}
    for j, target in ((2, 1), (3, 0)):
        rows = aligned_rows(text, f"\\delta^{{2}}_{{{j}}}")
        assert rows[0] == f"\\frac{{\\partial C}}{{\\partial z^{{2}}_{{{j}}}}}"
        products = [term for row in rows[1:-1] for term in re.split(r"(?:^|\s)\+\s", row) if term]
        assert len(products) == 3
        total = sum(number(a) * number(b) for a, b in (p.split("\\cdot") for p in products))
        assert total == pytest.approx(number(rows[-1]), abs=2e-9)
        assert total == pytest.approx(outputs[j] - target, abs=2e-9)


def tables_after(text: str, sentence: str) -> list[list[str]]:
    """The rows of every table that follows ``sentence``."""
    found = re.findall(re.escape(sentence) + r"\n\n\|.*\n\|[-:| ]+\|\n((?:\|.*\n)+)", text)
    return [rows.strip().split("\n") for rows in found]


OTHERS = ("The layer's other neurons, each computed the same way:", "The layer's other neurons, each worked the same way:",
          "The other parameters of this layer, each the same product of its own factors")


@pytest.mark.parametrize("name", symbackprop.example_names())
def test_a_compact_document_never_has_a_table_of_one_row(name):
    """A 2-neuron layer's 'other neurons' were a table of one row: that neuron is worked instead."""
    text = markdown(name, "compact")
    tables = [table for sentence in OTHERS for table in tables_after(text, sentence)]
    assert all(len(table) >= 2 for table in tables), name
    assert tables or name not in ("softmax", "deep")  # layers of 3 neurons keep their tables


def test_a_compact_softmax_delta_table_lists_out_minus_target():
    """The README promises δ = out − t for softmax with cross-entropy: its table says so, with numbers."""
    text = markdown("softmax", "compact")
    (rows, *_) = tables_after(text, "The layer's other neurons, each worked the same way:")
    for row in rows:
        cells = [cell.strip().strip("$") for cell in row.strip("|").split("|")]
        out, target = cells[2].split(" - ")
        assert target in ("0", "1") and float(out) - float(target) == pytest.approx(float(cells[3]), abs=2e-9)


LOSS_POWER_RULE = "2 \\cdot \\frac{1}{2} \\cdot \\left(\\mathrm{target}_{o"


def test_the_loss_derivative_is_expanded_in_section_2_only():
    """§2 derives ∂E/∂out by the power rule; the first output neuron in §4 said it again word for word."""
    text = markdown("mazur")
    assert text.count(LOSS_POWER_RULE) == 1 and text.index(LOSS_POWER_RULE) < text.index("## 3.")
    assert ("\\frac{\\partial E_{\\mathrm{total}}}{\\partial \\mathrm{out}_{o1}} = - \\left(\\mathrm{target}_{o1} - "
            "\\mathrm{out}_{o1}\\right) = - \\left(0.01 - 0.75136507\\right) = 0.74136507") in text
    assert markdown("mazur", "full").count(LOSS_POWER_RULE) == 3


def test_one_path_is_one_path():
    """A hidden neuron under a one-neuron layer has one path, not 'each of those paths'."""
    text = markdown("course")
    assert "Its output feeds the one neuron of the layer above, so the error reaches it along that path:" in text
    assert "each of those paths" not in text
