"""Issue 18, points 11, 14, 17 and 18: the given values as a textbook tabulates them (a table per
layer), one rule for every printed number, the verification paragraph's figures, and the wording of
one-neuron layers and single values. Oracles: the specs' own YAML (read here, not by the engine),
hand-written expected strings, and the rule itself applied to every number of every document."""

from __future__ import annotations

import math
import re
from importlib import resources

import pytest
import yaml

import symbackprop
from symbackprop.present.printing import escape_latex, format_number, scientific

EXAMPLES = ("mazur", "course", "deep", "xor", "bce", "softmax")

#: A 3-4-3 softmax network with a shared bias in each layer: its picture is unlabelled
SHARED = {"title": "Shared biases", "notation": "nielsen", "inputs": [0.5, 0.8, 0.1], "targets": [0, 1, 0],
          "layers": [{"activation": "sigmoid", "bias": 0.1,
                      "weights": [[0.4, -0.3, 0.2], [0.4, 0.1, 0.3], [-0.5, 0.6, 0.1], [0.2, 0.2, -0.2]]},
                     {"activation": "softmax", "bias": 0.05,
                      "weights": [[0.3, -0.2, 0.5, 0.1], [-0.4, 0.6, 0.1, 0.2], [0.2, 0.3, -0.6, 0.3]]}],
          "loss": "cross_entropy", "learning_rate": 0.5, "iterations": 3}


def example_yaml(name: str) -> dict:
    return yaml.safe_load(resources.files("symbackprop.examples").joinpath(f"{name}.yaml").read_text())


@pytest.fixture(scope="module")
def documents() -> dict:
    """Every built-in example in Markdown and LaTeX, both forms, once."""
    found = {}
    for name in EXAMPLES:
        solution = symbackprop.solve(name)
        for form in ("chain", "matrix"):
            for fmt in ("md", "tex"):
                found[name, form, fmt] = symbackprop.render(solution, fmt, form=form)
    return found


# -- point 11: a table per layer ---------------------------------------------------------------------

def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table as rows of cells (the header first, the separator kept)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


def test_softmax_given_values_are_a_table_per_layer_as_the_forward_pass_uses_them():
    """A row per neuron, a column per input neuron, the bias last: W and b of softmax.yaml exactly."""
    spec = example_yaml("softmax")
    text = symbackprop.render(symbackprop.solve("softmax", iterations=1), "md")
    given = text[text.index("Each layer's weights and biases"):text.index("## 2.")]
    tables = markdown_tables(given)
    assert len(tables) == len(spec["layers"])
    inputs = ["$x_{1}$", "$x_{2}$"]
    for l, (table, layer) in enumerate(zip(tables, spec["layers"]), start=1):
        header, separator, *rows = table
        assert header == ["neuron", *inputs, "bias"] and separator == [":---"] + ["---:"] * (len(inputs) + 1)
        assert [row[0] for row in rows] == [f"$a^{{{l}}}_{{{j}}}$" for j in range(1, len(layer["weights"]) + 1)]
        assert [[float(cell.strip("$")) for cell in row[1:]] for row in rows] == \
               [[*weights, bias] for weights, bias in zip(layer["weights"], layer["bias"])]
        inputs = [f"$a^{{{l}}}_{{{k}}}$" for k in range(1, len(layer["weights"]) + 1)]
    assert f"**Layer 2**: $W^{{2}}$ and $b^{{2}}$" in given


def test_a_shared_bias_is_one_value_said_once_not_a_column():
    text = symbackprop.render(symbackprop.solve(SHARED), "md")
    given = text[text.index("Each layer's weights and biases"):text.index("## 2.")]
    assert "the bias last" not in given
    assert "One bias, $b^{1} = 0.1$, is shared by every neuron of the layer." in given
    assert "One bias, $b^{2} = 0.05$, is shared by every neuron of the layer." in given
    header, _, *rows = markdown_tables(given)[1]
    assert header == ["neuron", "$a^{1}_{1}$", "$a^{1}_{2}$", "$a^{1}_{3}$", "$a^{1}_{4}$"]
    assert rows[2] == ["$a^{2}_{3}$", "$0.2$", "$0.3$", "$-0.6$", "$0.3$"]
    tex = symbackprop.render(symbackprop.solve(SHARED), "tex")
    assert "\\begin{tabular}{lrrrr}\n\\hline\nneuron & $a^{1}_{1}$ & $a^{1}_{2}$ & $a^{1}_{3}$ & $a^{1}_{4}$ \\\\" in tex
    assert "$a^{2}_{3}$ & $0.2$ & $0.3$ & $-0.6$ & $0.3$ \\\\" in tex


def test_the_new_parameters_table_is_grouped_by_layer():
    text = symbackprop.render(symbackprop.solve("softmax"), "md")
    section = text[text.index("## 5."):text.index("## 6.")]
    labels = [row[0] for row in markdown_tables(section)[0][2:]]
    assert labels[0] == "**Layer 1**" and labels[10] == "**Layer 2**" and len(labels) == 23
    assert all(label.startswith(("$w^{1}", "$b^{1}")) for label in labels[1:10])
    tex = symbackprop.render(symbackprop.solve("softmax"), "tex")
    assert "\\multicolumn{5}{l}{\\textit{Layer 2}} \\\\\n$w^{2}_{11}$" in tex


def test_a_labelled_picture_keeps_its_given_values_in_a_list():
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "- Layer 1: $w_{1} = 0.15$" in mazur and "Each layer's weights and biases" not in mazur


# -- point 14: one rule for every number --------------------------------------------------------------

@pytest.mark.parametrize("value,precision,text", [
    (6.55695114434607e-07, 9, "6.55695114 \\times 10^{-7}"),  # was 0.000000656 beside 4.47771 x 10^-11
    (4.47771121744892e-11, 9, "4.47771122 \\times 10^{-11}"),
    (0.0001, 9, "0.0001"), (0.00009999, 9, "9.999 \\times 10^{-5}"), (999999.5, 3, "999999.5"),
    (1234567.891, 9, "1.23456789 \\times 10^{6}"), (-0.000035102, 4, "-3.51 \\times 10^{-5}"),
    (0.0001234, 4, "1.234 \\times 10^{-4}"), (0.0001234, 9, "0.0001234"),
    (0.0000999999999999, 9, "0.0001"), (999999.9999999999, 9, "1 \\times 10^{6}"),  # as rounded to P digits
])
def test_one_rule_scientific_below_1e_4_with_p_significant_digits(value, precision, text):
    assert format_number(value, precision) == text


def read_number(printed: str) -> float:
    mantissa, _, exponent = printed.partition(" \\times 10^")
    return float(mantissa) * 10 ** int(exponent.strip("{}") or 0)


@pytest.mark.parametrize("value", [6.55695114434607e-07, -3.510187782978859e-05, 1.2345678912e-9, 4.5678912345e7, 1e-300])
@pytest.mark.parametrize("precision", range(1, 16))
def test_scientific_form_never_shows_fewer_digits_than_before(value, precision):
    """Precision is never lost: a scientific number is exact to P significant digits (half a unit of
    the P-th), a unit no larger than what was shown before, P decimals (0.000000656) or, where those
    hid the value, min(P, 6) significant digits."""
    exponent = math.floor(math.log10(abs(value)))
    unit = 10.0 ** (exponent - precision + 1)
    assert abs(read_number(format_number(value, precision)) - value) <= 0.5 * unit * (1 + 1e-9)
    fixed_showed = precision + exponent + 1 >= min(3, precision) and abs(value) < 1e6
    unit_before = 10.0 ** -precision if fixed_showed else 10.0 ** (exponent - min(precision, 6) + 1)
    assert unit <= unit_before


FIXED = re.compile(r"(?<![\w.^{])-?\d+\.\d+(?![\d]*\s*\\times)")
SCIENTIFIC = re.compile(r"(-?\d+(?:\.\d+)?) \\times 10\^\{(-?\d+)\}")


def math_of(text: str) -> str:
    """The document's maths only ($$ blocks and $ spans): prose quotes a blog's figures as it printed them."""
    return " ".join(a or b for a, b in re.findall(r"\$\$(.*?)\$\$|\$([^$]*)\$", text, flags=re.S))


def without_notes(name: str, tex: str) -> str:
    """The LaTeX document without its spec's notes: prose quoting a blog's figures as it printed them."""
    for note in symbackprop.solve(name, iterations=1).spec.notes:
        assert escape_latex(note) in tex
        tex = tex.replace(escape_latex(note), "")
    return tex


def test_every_number_of_every_built_in_document_obeys_the_one_rule(documents):
    """0.000000656 beside 4.47771 x 10^-11 in deep's history table: no fixed decimal below 10^-4 and no
    scientific number from 10^-4 to 10^6, in any equation, matrix or table, in Markdown and LaTeX."""
    for key, text in documents.items():
        maths = math_of(text) if key[2] == "md" else without_notes(key[0], text[text.index("\\begin{document}"):])
        maths = re.sub(r"\\addplot.*", "", maths)  # pgfplots' coordinates are data, not printed numbers
        fixed = [f for f in FIXED.findall(maths) if float(f) != 0]
        assert all(abs(float(f)) >= 1e-4 for f in fixed), (key, [f for f in fixed if abs(float(f)) < 1e-4][:3])
        for mantissa, exponent in SCIENTIFIC.findall(maths):
            value = abs(float(mantissa)) * 10.0 ** int(exponent)
            assert value < 1e-4 or value >= 1e6, (key, mantissa, exponent)
            assert len(mantissa.lstrip("-").replace(".", "")) <= 9, (key, mantissa)
    assert "4.47771122 \\times 10^{-11}" in documents["deep", "chain", "md"]
    assert "| 100 | $6.55695114 \\times 10^{-7}$ |" in documents["deep", "chain", "md"]


def test_every_number_column_is_right_aligned(documents):
    """Markdown: a column whose cells are all numbers has ---: ; LaTeX: an r column."""
    number = re.compile(r"^\$-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?\$$")
    for key, text in documents.items():
        if key[2] == "md":
            for header, separator, *rows in markdown_tables(text):
                for c, align in enumerate(separator):
                    cells = [row[c] for row in rows if c < len(row) and row[c] and not row[c].startswith("**")]
                    if cells and all(number.match(cell) for cell in cells):
                        assert align == "---:", (key, header, c)
        else:
            for spec, body in re.findall(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", text, flags=re.S):
                for row in body.split("\\\\"):
                    if "\\multicolumn" in row:
                        continue
                    for c, cell in enumerate(row.replace("\\hline", "").split("&")):
                        if number.match(cell.strip()):
                            assert spec[c] == "r", (key, spec, row)


# -- point 17: the verification paragraph -------------------------------------------------------------

def test_the_verification_paragraph_prints_its_figures_as_maths_and_names_finite_differences(documents):
    for (name, form, fmt), text in documents.items():
        paragraph = text[text.index("Verification"):]
        assert not re.search(r"\d\.?\d*e[-+]\d", paragraph), (name, form, fmt)  # no 3.5e-08
        assert re.search(r"Finite differences, which approximate each derivative by the error's change over a "
                         r"small step, agree to \$\d(\.\d)? \\times 10\^\{-\d+\}\$", paragraph), (name, form, fmt)
        assert "these are exact computations in many digits, and what differs is rounding" in paragraph


def test_the_verification_figures_are_each_checks_own_largest_difference():
    """Each method's figure is its own largest relative difference (the oracle: Checker's per-method
    record), and the exact checks agree far more closely than finite differences."""
    solution = symbackprop.solve("mazur")
    relative = solution.verification.relative
    assert set(relative) == {"numeric", "symbolic", "finite"}
    assert max(relative["numeric"], relative["symbolic"]) < 1e-18 < relative["finite"] < 1e-12
    text = symbackprop.render(solution, "md")
    for method, words in (("numeric", "the numeric backpropagation"), ("symbolic", "SymEngine's derivative")):
        assert f"with {words} to ${scientific(relative[method], 2)}$" in text
    assert f"agree to ${scientific(relative['finite'], 2)}$: that step" in text
    assert solution.verification.max_relative_difference == relative["finite"]


# -- point 18: wording --------------------------------------------------------------------------------

def test_a_one_neuron_layer_has_a_bias_not_one_shared_bias():
    for form in ("chain", "matrix"):
        text = symbackprop.render(symbackprop.solve("course", iterations=1), "md", form=form)
        assert "| 1 (hidden) | 1 | sigmoid | a bias |" in text and "shared bias" not in text
    matrix = symbackprop.render(symbackprop.solve("course", iterations=1), "md", form="matrix")
    assert "\\frac{\\partial E}{\\partial b_{2}} &= \\delta_{2} \\cr" in matrix  # not [1] δ₂
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "| 1 (hidden) | 2 | sigmoid | one shared bias |" in mazur


def test_one_input_and_one_target_are_singular():
    course = symbackprop.render(symbackprop.solve("course", iterations=1), "md")
    assert "- Input $" in course and "; target $" in course and "Inputs" not in course
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "tex")
    assert "\\item Inputs $" in mazur and "; targets $" in mazur
    xor = symbackprop.render(symbackprop.solve("xor", iterations=1), "md")
    assert "- Sample 1: inputs $" in xor and "; target $" in xor


def test_mazurs_note_states_its_inference_as_one():
    """What the blog's code did is inferred from its figure; the figures themselves are facts."""
    text = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "The blog's figure is consistent with hidden-layer deltas computed from the output weights" in text
    assert "appears to be what the blog's code did, though the post does not say so" in text
    assert "the blog computes the hidden layer's deltas" not in text


def test_a_scientific_weight_on_a_picture_is_text_not_latex():
    """An edge label is SVG text: 1 × 10⁻⁵ in Unicode, never the raw "1 \\times 10^{-5}"."""
    from symbackprop.present.rendering import Documents, render_options

    spec = {"inputs": [0.5, 0.8], "targets": [0, 1], "loss": "half_sse", "learning_rate": 0.5, "iterations": 1,
            "layers": [{"activation": "sigmoid", "weights": [[0.00001, -0.3], [0.4, 0.1]]},
                       {"activation": "sigmoid", "weights": [[0.3, -0.2], [0.4, 0.1]]}]}
    svg = Documents(symbackprop.solve(spec), render_options(9, False, None)).figures(keys=True)["network"]
    assert "> = 1×10⁻⁵<" in svg and "\\times" not in svg


def test_a_verification_note_sets_its_labels_as_maths_and_escapes_its_words():
    """A ReLU at its kink: the note named w^{1}_{11} as raw text (Markdown showed the braces, LaTeX
    printed \\textasciicircum{}); its labels are maths now, its words escaped for each format."""
    spec = {"inputs": [1.0, 1.0], "targets": [1.0], "learning_rate": 0.1,
            "layers": [{"activation": "relu", "weights": [[0.5, -0.5]]},
                       {"activation": "linear", "weights": [[1.0]], "bias": 0.2}]}
    solution = symbackprop.solve(spec)
    markdown, tex = (symbackprop.render(solution, fmt) for fmt in ("md", "tex"))
    for text in (markdown, tex):
        assert "Note: finite differences skipped for $w^{1}_{11}, w^{1}_{12}$: a step of it moves" in text
        assert "Note: $z^{1}_{1}$ = 0: exactly at the activation's kink" in text
    assert "leaky\\_relu'(0) = alpha" in markdown and "net \\textless{}= 0" in tex
    assert "textasciicircum" not in tex[tex.index("\\section*{Verification}"):]
