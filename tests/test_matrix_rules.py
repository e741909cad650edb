"""The matrix form's rules as a reader checks them against what is computed below them (issue 18's
review of --form both): with several samples the batch rules (b 1ᵀ, a column of ones and 1/m in
BP3 and BP4, each sample's own gradient by its sample mark); BP1-BP4 tagged before prose names
them; a product of matrices kept on one row when it fits, a continuation row starting with its
operator; a transposed Jacobian in brackets. The oracles are the textbook's equations, written out
here by hand in each notation's letters."""

import re

import pytest

import symbackprop

#: A 3-4-3 tanh/softmax network with 2 samples in indexed notation: the review's own network
SOFTMAX_343 = {
    "name": "softmax343", "notation": "indexed", "loss": "cross_entropy", "learning_rate": 0.5, "iterations": 1,
    "samples": [{"inputs": [0.5, -0.2, 0.1], "targets": [1, 0, 0]}, {"inputs": [-0.3, 0.8, 0.4], "targets": [0, 0, 1]}],
    "layers": [
        {"activation": "tanh", "weights": [[0.2, -0.1, 0.4], [-0.3, 0.5, 0.1], [0.6, 0.2, -0.5], [0.1, -0.4, 0.3]],
         "bias": [0.1, -0.1, 0.05, 0.0]},
        {"activation": "softmax", "weights": [[0.3, -0.2, 0.5, 0.1], [-0.4, 0.6, 0.2, -0.3], [0.2, 0.1, -0.6, 0.4]],
         "bias": [0.0, 0.1, -0.1]},
    ],
}


def document(source, fmt="md", form="both", **overrides):
    return symbackprop.render(symbackprop.solve(source, **overrides), fmt, form=form)


def rules_of(text: str) -> str:
    """The matrix form's rules: from the heading of the section they are in up to its first layer."""
    tag = text.index("\\tag{BP1}")
    start = max(text.rfind("\n## ", 0, tag), text.rfind("\\section{", 0, tag))
    layer = re.search(r"\*\*Layer 1\*\*|\\textbf\{Layer 1\}", text[tag:])
    return text[start:tag + layer.start()]


def test_with_two_samples_the_rules_are_the_batch_rules_that_are_computed():
    """Z = W A + b 1ᵀ, ∂E/∂b = (1/m) δ 1, ∂E/∂W = (1/m) δ Aᵀ, BP1 column by column with sample s's
    own gradient ∇E[s]: what §7 computes (½ δ₂ [1;1], ½ δ₂ a₁ᵀ) is what its rules say."""
    text = document(SOFTMAX_343)
    rules = rules_of(text)
    assert "z_{l} = W^{l} a_{l-1} + b^{l} \\mathbf{1}^{T}" in rules
    assert "\\delta_{L}[s] = \\left(\\frac{\\partial a_{L}}{\\partial z_{L}}[s]\\right)^{T} \\nabla_{a_{L}} E[s] " \
           "\\tag{BP1}" in rules
    assert "\\frac{\\partial E}{\\partial b^{l}} = \\frac{1}{m} \\delta_{l} \\mathbf{1} \\tag{BP3}" in rules
    assert "\\frac{\\partial E}{\\partial W^{l}} = \\frac{1}{m} \\delta_{l} a_{l-1}^{T} \\tag{BP4}" in rules
    assert "$E[s]$ is sample $s$'s own error and $E$ the mean of the samples' errors ($m = 2$ of them)" in rules
    assert "with $\\mathbf{1}$ a column of 2 ones" in rules
    # what is computed below is the same: the bias column times a row of ones, 1/2 times δ and a column of ones
    assert "z_{1} &= W^{1} a_{0} + b^{1} \\mathbf{1}^{T}" in text
    assert "\\begin{bmatrix} 0.1 \\cr -0.1 \\cr 0.05 \\cr 0 \\end{bmatrix} \\begin{bmatrix} 1 & 1 \\end{bmatrix}" in text
    assert "\\frac{\\partial E}{\\partial b^{2}} &= \\frac{1}{2} \\delta_{2} \\begin{bmatrix} 1 \\cr 1 \\end{bmatrix}" in text
    assert "\\begin{bmatrix} \\nabla_{a_{2}} E[1] & \\nabla_{a_{2}} E[2] \\end{bmatrix} = " in text
    assert "\\nabla_{a_{2}} E = " not in text  # no matrix of per-sample columns named the mean error's gradient


def test_a_sum_over_samples_has_the_ones_vector_and_no_one_over_m():
    text = document(SOFTMAX_343, reduction="sum")
    rules = rules_of(text)
    assert "\\frac{\\partial E}{\\partial b^{l}} = \\delta_{l} \\mathbf{1} \\tag{BP3}" in rules
    assert "\\frac{\\partial E}{\\partial W^{l}} = \\delta_{l} a_{l-1}^{T} \\tag{BP4}" in rules
    assert "\\frac{1}{m}" not in rules and "the sum of the samples' errors" in rules


def test_with_one_sample_the_rules_stay_nielsens():
    rules = rules_of(document("mazur", form="matrix"))
    assert "\\frac{\\partial E_{\\mathrm{total}}}{\\partial b^{(l)}} = \\delta^{(l)} \\tag{BP3}" in rules
    assert "\\mathrm{net}^{(l)} = W^{(l)} \\mathrm{out}^{(l-1)} + b^{(l)}\n" in rules
    assert "[s]" not in rules and "\\frac{1}{m}" not in rules and "\\mathbf{1}^{T} \\delta^{(l)}" in rules


def test_the_course_notation_marks_a_sample_by_its_superscript():
    """bce (course notation, 4 samples): the sample mark is the notation's own, ^{(s)}."""
    rules = rules_of(document("bce", form="matrix"))
    assert "such as $a_{l}^{(s)}$" in rules and "$E^{(s)}$ is sample $s$'s own error" in rules
    assert "\\frac{\\partial E}{\\partial W_{l}} = \\frac{1}{m} \\delta_{l} a_{l-1}^{T} \\tag{BP4}" in rules


@pytest.mark.parametrize("fmt", ["md", "tex"])
@pytest.mark.parametrize("source, form", [("mazur", "matrix"), ("softmax", "both"), (SOFTMAX_343, "both"),
                                          ("xor", "matrix")])
def test_bp1_to_bp4_are_tagged_before_prose_names_them(fmt, source, form):
    text = document(source, fmt, form)
    for k in (1, 2, 3, 4):
        tag = f"\\tag{{BP{k}}}"
        assert text.count(tag) == 1, tag
        # the introduction names the four as a set ("BP1 to BP4"); every other mention follows its tag
        named = [m.start() for m in re.finditer(f"BP{k}(?![0-9])", text.replace("(BP1 to BP4)", "(BP* to BP*)"))
                 if not text[:m.start()].endswith("\\tag{")]
        assert named and min(named) > text.index(tag), (k, text[min(named) - 200:min(named) + 20])


def test_a_product_that_fits_stays_on_one_row_and_a_broken_one_says_its_operator():
    """δ₂[1] = (J)ᵀ ∇E[1]: the 3×3 Jacobian and its vector on one row; ½ δ₂ a₁ᵀ too wide for one row
    continues with '·', never a bare matrix under another one."""
    text = document(SOFTMAX_343)
    row = next(line for line in text[text.index("\\delta_{2}[1] &="):].splitlines() if line.startswith("&= "))
    assert row.count("\\begin{bmatrix}") == 2 and "-2.252884763" in row
    for line in text.splitlines():
        assert not line.startswith("&\\quad \\begin{bmatrix}"), line
    assert "&\\quad \\cdot \\begin{bmatrix} 0.254295533 & -0.327477395" in text


@pytest.mark.parametrize("notation", ["indexed", "nielsen", "course", "mazur"])
def test_a_transposed_jacobian_is_bracketed_and_said_to_be_symmetric(notation):
    text = document("softmax", notation=notation)
    assert re.search(r"\\left\(\\frac\{\\partial [^$]*?\}\\right\)\^\{T\}", text)
    assert not re.search(r"\\frac\{\\partial [^{}]*\}\{\\partial [^{}]*(\{[^{}]*\})?[^{}]*\}(\[\d\])?\^\{T\}", text)
    assert "Its Jacobian is symmetric" in text


def test_the_matrix_section_has_the_same_number_in_markdown_and_latex():
    markdown, latex = document("softmax"), document("softmax", "tex")
    sections = re.findall(r"\\section\{([^}]*)\}", latex[:latex.index("\\section{The same step in matrix form}")])
    assert f"## {len(sections) + 1}. The same step in matrix form" in markdown
    symbolic = symbackprop.render(symbackprop.solve("softmax"), "md", form="both", symbolic=True)
    assert "## 5. The same step in matrix form" in symbolic  # no §5, §6 of numbers before it
