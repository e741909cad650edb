"""What the documents say beyond the derivation: the spec's notes, the outputs against the targets
before and after training, lecture notes beside (never over) the worked solution, and the LaTeX
layer table (issue 10)."""

import re
from contextlib import nullcontext

import pytest

import symbackprop
from symbackprop.cli import main


def test_lecture_notes_never_replace_the_worked_solution(tmp_path):
    solution = symbackprop.solve("mazur", iterations=1)
    written = symbackprop.write(solution, ["md", "tex", "json"], tmp_path, symbolic=True)
    assert [p.name for p in written] == ["mazur-symbolic.md", "mazur-symbolic-network.svg",
                                         "mazur-symbolic-paths-1.svg", "mazur-symbolic.tex", "mazur-symbolic.json"]
    assert [p.name for p in symbackprop.write(solution, ["md"], tmp_path, symbolic=True, form="matrix")] == \
        ["mazur-matrix-symbolic.md", "mazur-symbolic-network.svg"]  # the figures it shows (no chain-rule paths)
    assert not (tmp_path / "mazur.md").exists()
    assert main(["solve", "mazur", "--symbolic", "-o", str(tmp_path / "cli")]) == 0
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == [
        "mazur-symbolic-network.svg", "mazur-symbolic-paths-1.svg", "mazur-symbolic.md", "mazur-symbolic.tex"]


def test_notes_are_printed_after_the_given_values_and_escaped():
    spec = {"inputs": [1], "targets": [0], "layers": [{"activation": "sigmoid", "weights": [[0.5]]}], "learning_rate": 0.5,
            "iterations": 1, "notes": "First paragraph with $money$ & 50% off.\n\nSecond_one {here}."}
    solution = symbackprop.solve(spec)
    markdown, latex = symbackprop.render(solution, "md"), symbackprop.render(solution, "tex")
    assert markdown.index("First paragraph with \\$money\\$ & 50% off.") < markdown.index("## 2. The rules used")
    assert "\n\nSecond\\_one \\{here\\}." in markdown
    assert "First paragraph with \\$money\\$ \\& 50\\% off." in latex and "Second\\_one \\{here\\}." in latex
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "Mazur's blog prints 0.291027924" in mazur


@pytest.mark.parametrize("notes, message", [
    (12, "notes: expected a text, found 12"),
    ("x" * 5001, "notes: expected at most 5000 characters"),
    ("bad \x07 bell", "notes: contains the control character U+0007"),
])
def test_bad_notes_are_bad_input(notes, message):
    spec = {"inputs": [1], "targets": [0], "layers": [{"activation": "sigmoid", "weights": [[0.5]]}], "learning_rate": 0.5, "notes": notes}
    with pytest.raises(symbackprop.SpecError, match=message.replace("+", r"\+")):
        symbackprop.solve(spec)


def test_outputs_against_targets_before_and_after_training():
    """Mazur's outputs before training are his published 0.75136507 and 0.772928465; XOR's learned
    outputs are its truth table."""
    mazur = symbackprop.render(symbackprop.solve("mazur"), "md")
    assert "| 1 | $0.05, 0.1$ | $\\mathrm{out}_{o1}$ | $0.01$ | $0.75136507$ | $0.01591362$ |" in mazur
    assert "|  |  | $\\mathrm{out}_{o2}$ | $0.99$ | $0.772928465$ | $0.984064274$ |" in mazur
    xor = symbackprop.solve("xor")
    after = xor.outputs(xor.training.final)
    assert [round(o[0]) for o in after] == [0, 1, 1, 0]
    table = symbackprop.render(xor, "md").split("| sample | inputs | output | target | before | after |")[1]
    assert table.startswith("\n|---:|---:|:---|---:|---:|---:|\n| 1 | $0, 0$ | $a_{20}[1]$ | $0$ |")
    assert "| sample | inputs | output |" not in symbackprop.render(xor, "md", symbolic=True)


def test_latex_layer_table_names_the_role_in_brackets():
    latex = symbackprop.render(symbackprop.solve("mazur", iterations=1), "tex")
    assert "1 (hidden) & 2 & sigmoid" in latex and "2 (output) & 2 & sigmoid" in latex


@pytest.mark.parametrize("name", ["bce", "deep", "xor", "course", "softmax", "mazur"])
def test_no_doubled_brackets(name):
    """tanh(-0.34), 1/4·(-0.0403 + …) and e^{-0.3775}: a lone negative number inside a function's
    brackets, first in a sum, or in an exponent is not bracketed again."""
    for form in ("chain", "matrix"):
        document = symbackprop.render(symbackprop.solve(name, iterations=1), "md", form=form)
        assert not re.search(r"\\left\(\\left\(-?\d", document) and "^{\\left(-" not in document
    if name == "bce":
        assert "\\tanh{\\left(-0.34 \\right)}" in symbackprop.render(symbackprop.solve(name, iterations=1), "md")


def test_markdown_tables_right_align_their_numbers():
    document = symbackprop.render(symbackprop.solve("mazur", iterations=2), "md")
    assert "|:---|---:|---:|---:|---:|" in document and "| iterations | error |\n|---:|---:|" in document


def test_length_under_control():
    """xor (9 parameters x 4 samples) is compact by default: one weight and one bias a layer in full,
    sample 1 worked and the other samples in a table; --detail full works everything out."""
    xor = symbackprop.solve("xor")
    compact, full = symbackprop.render(xor, "md"), symbackprop.render(xor, "md", detail="full")
    assert len(compact.splitlines()) * 2 < len(full.splitlines())
    assert "those of sample 1 are shown, and the other samples' values follow in a table" in compact
    assert "### Sample 2\n\n| neuron | net input | output |\n" in compact  # δ comes in the backward pass
    assert "The other parameters of this layer" in compact and "The other parameters" not in full
    third = symbackprop.render(xor, "md", sample=3)
    assert "those of sample 3 are shown" in third and "### Sample 1\n\n| neuron |" in third
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "The other parameters" not in mazur  # 10 parameters: worked in full
    assert "The other parameters" in symbackprop.render(symbackprop.solve("mazur", iterations=1), "md",
                                                        detail="compact")


def test_a_wide_network_is_a_document_a_person_reads():
    spec = {"inputs": [0.1 * k for k in range(16)], "targets": [0.5] * 16, "learning_rate": 0.5,
            "layers": [{"activation": "sigmoid", "bias": 0.1,
                        "weights": [[0.01 * ((j + k) % 7) for k in range(16)] for j in range(16)]}] * 3}
    solution = symbackprop.solve(spec)
    compact, full = symbackprop.render(solution, "md"), symbackprop.render(solution, "md", detail="full")
    assert len(compact) * 4 < len(full)  # tables of the other parameters, not 816 worked derivations


@pytest.mark.parametrize("arguments, message", [
    (["--sample", "5"], "sample: expected a sample's number from 1 to 4, found 5"),
    (["--detail", "brief"], "invalid choice: 'brief'"),
])
def test_bad_detail_or_sample(tmp_path, capsys, arguments, message):
    with pytest.raises(SystemExit) if "choice" in message else nullcontext():
        status = main(["solve", "xor", "-o", str(tmp_path), *arguments])
        assert status == 2
    assert message in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_lecture_notes_end_in_closed_forms_and_the_delta_recursion():
    """Each gradient ends as lecture notes print it, -(t - o)·o(1 - o)·out_h1, and a hidden δ as the
    recursion (δ_o1·w5 + δ_o2·w7)·out_h1(1 - out_h1); each checked equal to the product of partials."""
    document = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md", symbolic=True)
    assert ("&= - \\left(\\mathrm{target}_{o1} - \\mathrm{out}_{o1}\\right) \\cdot \\mathrm{out}_{o1} \\cdot "
            "\\left(1 - \\mathrm{out}_{o1}\\right) \\cdot \\mathrm{out}_{h1}") in document
    assert ("&= \\left(\\delta_{o1} \\cdot w_{5} + \\delta_{o2} \\cdot w_{7}\\right) \\cdot \\mathrm{out}_{h1} \\cdot "
            "\\left(1 - \\mathrm{out}_{h1}\\right)") in document
    for name in ("softmax", "bce", "deep", "xor"):  # every closed form is checked as it is made
        symbackprop.render(symbackprop.solve(name, iterations=1), "md", symbolic=True)


def test_names_upright_and_exponents_apart_from_layer_indices():
    """net, out, target and total are words (\\mathrm{net}); the power rule's exponent on w^2_11
    stands apart from the layer index: (w^{2}_{11})^{1 - 1}, not w^{2}_{11}{}^{1-1}. The labels sheets
    use (labels, JSON) stay plain."""
    mazur = symbackprop.solve("mazur", iterations=1)
    document = symbackprop.render(mazur, "md")
    assert "\\mathrm{net}_{h1} = w_{1} \\cdot i_{1}" in document and "E_{\\mathrm{total}}" in document
    assert not re.search(r"(?<![\\{A-Za-z])(net|out|target|total)_", document)
    assert '"label": "out_{h1}"' in symbackprop.render(mazur, "json")
    nielsen = symbackprop.render(symbackprop.solve("mazur", notation="nielsen", iterations=1), "md")
    assert "\\left(w^{2}_{11}\\right)^{1 - 1}" in nielsen and "}^{1 - 1}" not in nielsen.replace("\\right)^{1 - 1}", "")
    symbolic = symbackprop.render(mazur, "md", symbolic=True)
    assert "## 1. The network\n" in symbolic and "given values" not in symbolic.split("## 2.")[0]


def test_an_updated_parameter_with_a_layer_superscript_wears_a_prime():
    """{w^{2}_{11}}^{+} reads as "w to the 2+"; Nielsen's documents write the update as Nielsen does, w′
    (w'^{2}_{11}), Mazur's as the blog does (w_{5}^{+}), and the checker reads either, and the tilde
    documents once wrote."""
    nielsen = symbackprop.solve("mazur", notation="nielsen", iterations=1)
    document = symbackprop.render(nielsen, "md")
    assert "w'^{2}_{11} = w^{2}_{11} - \\eta" in document and "}^{+}" not in document
    assert "w_{5}^{+} = w_{5} - \\eta" in symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    graded = symbackprop.check(nielsen.spec, {"\\tilde{w}^{2}_{11}": "0.3589", "{w^{2}_{11}}^{+}": "0.3589",
                                              "w'^{2}_{11}": "0.3589"})
    assert [g.status for g in graded.grades] == ["correct", "correct", "correct"]


def test_an_unlabelled_picture_hands_its_numbers_to_a_table():
    """softmax has 3 neurons a side: its picture's edges stay unlabelled and every weight and bias is
    in a table below it."""
    document = symbackprop.render(symbackprop.solve("softmax", iterations=1), "md")
    assert "the table below gives every weight and bias" in document
    assert "| $w^{1}_{11}$ | $0.4$ | $w^{1}_{12}$ | $-0.3$ |" in document
    mazur = symbackprop.render(symbackprop.solve("mazur", iterations=1), "md")
    assert "- Layer 1: $w_{1} = 0.15$" in mazur and "| parameter | value |" not in mazur


def test_a_linear_error_curve_labels_its_axis_briefly():
    """A curve that falls by less than a factor of 100 is linear; its tick labels fit beside the axis
    (three significant digits, not the document's nine decimals)."""
    from symbackprop.present.figures import error_curve

    curve = error_curve((0.210276124, 0.2, 0.15, 0.12))
    assert not curve["log"] and [label for _, label, _ in curve["ticks"]] == ["0", "0.0526", "0.105", "0.158", "0.21"]
