"""Issue 18, points 13 and 15: one mark per notation for an updated parameter and for a sample, indices
counted one way, a path's factors of its own error, rules in the document's own letters, and matrix
products a student can multiply without transposing in their head.

The oracles are the specs' own numbers (read from the YAML here, not through the engine) and Mazur's
published values."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

import symbackprop

NOTATIONS = ("mazur", "nielsen", "course", "indexed")
#: the update step of Mazur's w5 (layer 2, 1 <- 1) and of W^2, as each notation prints it
UPDATES = {
    "mazur": ("w_{5}^{+} = w_{5} - \\eta", "W^{(2)+} &= W^{(2)} - \\eta", "w^{+}"),
    "nielsen": ("w'^{2}_{11} = w^{2}_{11} - \\eta", "W'^{2} &= W^{2} - \\eta", "w'"),
    "course": ("w'_{5} = w_{5} - \\eta", "W'_{2} &= W_{2} - \\eta", "w'"),
    "indexed": ("w^{2+}_{00} = w^{2}_{00} - \\eta", "W^{2+} &= W^{2} - \\eta", "w^{+}"),
}


def _document(example: str, **options) -> str:
    notation = options.pop("notation", None)
    solution = symbackprop.solve(example, iterations=1, **({"notation": notation} if notation else {}))
    return symbackprop.render(solution, "md", **options)


def _spec(example: str) -> dict:
    return yaml.safe_load(resources.files("symbackprop.examples").joinpath(f"{example}.yaml").read_text())


def _maths(document: str) -> str:
    return " ".join(re.findall(r"\$\$.*?\$\$|\$[^$]*\$", document, flags=re.S))


def _prose(document: str) -> str:
    """The words of a Markdown document: maths, comments and table rules taken out."""
    text = re.sub(r"\$\$.*?\$\$", " ", document, flags=re.S)
    text = re.sub(r"\$[^$]*\$|<!--.*?-->|`[^`]*`", " ", text)
    return "\n".join(line for line in text.splitlines() if not line.startswith(("|", "- ")))


@pytest.mark.parametrize("notation", NOTATIONS)
def test_one_update_mark_per_notation_defined_where_first_used(notation):
    chain, matrix, generic = UPDATES[notation]
    document = _document("mazur", notation=notation, form="both")
    assert chain in document and matrix in document
    assert "\\tilde" not in document
    other = {"mazur": "'", "indexed": "'", "nielsen": "^{+}", "course": "^{+}"}[notation]
    assert other not in _maths(document).replace("\\sigma'", "")  # σ' is the slope, not an update
    definition = f"${generic}$ is the weight $w$ after the update"
    assert definition in document
    assert document.index(definition) < document.index(chain) < document.index(matrix)


def test_the_checker_reads_every_spelling_of_an_update_and_a_sample():
    """Old documents wrote \\tilde{w}^{2}_{11} and a sample as ^{(s)}; sheets written from them still grade."""
    nielsen = symbackprop.solve("mazur", notation="nielsen", iterations=1)
    spellings = ["w'^{2}_{11}", "\\tilde{w}^{2}_{11}", "{w^{2}_{11}}^{+}", "{w^{2}_{11}}'"]
    graded = symbackprop.check(nielsen.spec, {label: "0.3589" for label in spellings})
    assert [g.status for g in graded.grades] == ["correct"] * 4
    xor = symbackprop.solve("xor", iterations=1)
    spellings = ["w^{2+}_{00}", "{w^{2}_{00}}^{+}", "a_{20}[2]", "a_{20}^{(2)}", "a^{(2)}_{20}"]
    graded = symbackprop.check(xor.spec, dict(zip(spellings, ["-1.2194", "-1.2194", "0.6316", "0.6316", "0.6316"])))
    assert [g.status for g in graded.grades] == ["correct"] * 5


def test_indexed_counts_targets_and_terms_from_0_like_its_neurons():
    document = _document("mazur", notation="indexed")
    outputs = set(re.findall(r"a_\{2(\d)\}", document))
    targets = set(re.findall(r"t_\{(\d)\}", document))
    terms = set(re.findall(r"E_\{(\d)\}", document))
    assert outputs == targets == terms == {"0", "1"}
    assert "E_{0} = \\frac{1}{2} \\cdot \\left(t_{0} - a_{20}\\right)^{2}" in document


@pytest.mark.parametrize("notation", ["mazur", "nielsen", "indexed"])
def test_a_sample_is_marked_where_no_layer_superscript_can_be_read(notation):
    """a^{2}_{1}^{(2)}: the sample's (2) beside the layer's 2; W^{(2)} in Mazur's matrix form."""
    document = _document("xor", notation=notation, form="both", detail="full")
    assert not re.search(r"_\{[^{}]*\}\}?\^\{\(\d\)\}", document)  # Mazur's matrices keep their layer's (l)
    out = {"mazur": "\\mathrm{out}_{h1}[2]", "nielsen": "a^{1}_{1}[2]", "indexed": "a_{10}[2]"}[notation]
    assert out in document
    course = _document("xor", notation="course")  # layers in subscripts: the sample stays a superscript
    assert "a_{1,1}^{(2)}" in course and "[2]" not in course


def test_a_zero_target_term_says_why_it_is_zero():
    document = _document("softmax")
    assert "C_{1} = - y_{1} \\cdot \\ln\\left(a^{2}_{1}\\right) = 0 \\;\\; \\text{since } y_{1} = 0" in document
    assert "- 0 \\cdot \\ln" not in document
    assert "C_{2} = - y_{2} \\cdot \\ln\\left(a^{2}_{2}\\right) = - 1 \\cdot \\ln\\left(0.38835975\\right)" in document


def test_a_path_through_an_output_uses_that_outputs_own_error():
    """Mazur: ∂E_o1/∂out_h1 = ∂E_o1/∂net_o1 · ∂net_o1/∂out_h1 = 0.055399425 (the blog's value), with why
    ∂E_o1/∂net_o1 is δ_o1 = ∂E_total/∂net_o1."""
    document = _document("mazur")
    line = next(line for line in document.splitlines()
                if line.startswith("\\frac{\\partial E_{o1}}{\\partial \\mathrm{out}_{h1}} ="))
    assert line.startswith("\\frac{\\partial E_{o1}}{\\partial \\mathrm{out}_{h1}} = \\frac{\\partial E_{o1}}"
                           "{\\partial \\mathrm{net}_{o1}} \\cdot \\frac{\\partial \\mathrm{net}_{o1}}")
    assert "E_{\\mathrm{total}}" not in line and line.endswith("= 0.055399425")
    said = "Only $E_{o1}$ depends on $\\mathrm{net}_{o1}$, so its first factor is the $\\delta_{o1}$ found above"
    assert said in document and document.index(said) < document.index(line)
    assert ("\\frac{\\partial E_{o1}}{\\partial \\mathrm{net}_{o1}} = \\frac{\\partial E_{\\mathrm{total}}}"
            "{\\partial \\mathrm{net}_{o1}} = \\delta_{o1}\n") in document


@pytest.mark.parametrize("example", ["mazur", "course", "deep", "softmax", "bce", "xor"])
def test_prose_has_no_ascii_minus(example):
    """'out(1 - out)' in a document whose notation writes a: rules in words, maths in the notation."""
    for form in ("chain", "matrix"):
        prose = _prose(_document(example, form=form))
        assert not re.search(r"[\w)]\s-\s[\w(]", prose), re.search(r".{40}[\w)]\s-\s[\w(].{40}", prose)


def _bmatrix(rows) -> str:
    return "\\begin{bmatrix} " + " \\cr ".join(" & ".join(f"{v:g}" for v in row) for row in rows) + " \\end{bmatrix}"


@pytest.mark.parametrize("example,layer", [("mazur", 2), ("deep", 3), ("deep", 2)])
def test_a_transpose_is_shown_with_its_numbers_transposed(example, layer):
    """BP2's numbers line multiplies (W^{l+1})ᵀ as a student writes it: the transpose of the spec's
    matrix, taken here from the YAML; no bmatrix is left with a ᵀ on it."""
    weights = _spec(example)["layers"][layer - 1]["weights"]
    transposed = [list(column) for column in zip(*weights)]
    document = _document(example, form="matrix")
    numbers = [line for line in document.splitlines() if line.startswith("&= \\left(\\begin{bmatrix}")]
    assert any(line.startswith(f"&= \\left({_bmatrix(transposed)} ") for line in numbers)
    assert "\\end{bmatrix}^{T}" not in document


def test_a_ones_vector_stays_beside_what_it_sums():
    document = _document("xor", form="matrix")
    assert not re.search(r"^&\\quad \\begin\{bmatrix\} 1 \\cr 1", document, flags=re.M)
    assert "\\end{bmatrix} \\begin{bmatrix} 1 \\cr 1 \\cr 1 \\cr 1 \\end{bmatrix} \\cr" in document


@pytest.mark.parametrize("notation,marked", [("mazur", "\\mathrm{out}_{o1}[2]"), ("nielsen", "a^{2}_{1}[2]"),
                                             ("course", "a_{2,1}^{(2)}"), ("indexed", "a_{20}[2]")])
def test_the_sample_mark_is_said_before_it_is_used(notation, marked):
    """A student meets a₂₀[2] in the forward pass of sample 2; §1 has said what the [2] is."""
    document = _document("xor", notation=notation)
    said = f"A value of one sample carries its number: ${marked}$ is "
    assert said in document
    assert document.index(said) < document.index(marked, document.index(said) + len(said) + 40)


@pytest.mark.parametrize("notation,said", [
    ("nielsen", "A superscript is a layer, not a power: $z^{l}_{j}$"),
    ("indexed", "$w^{l}_{jk}$ is the weight of layer $l$ into neuron $j$ from neuron $k$ of layer $l - 1$"),
    ("course", "$x$ is the input and $T$ the target"),
    ("mazur", "$\\mathrm{net}_{h1}$ is $h_{1}$'s net input")])
def test_section_1_says_how_to_read_the_labels_before_any_is_used(notation, said):
    """(w²₁₁)^{1−1} reads as a power, a₁₀ as ten, T as nothing, unless §1 has said what the indices count."""
    for symbolic in (False, True):
        document = _document("xor", notation=notation, symbolic=symbolic)
        assert said in document
        assert document.index(said) < document.index("## 2. The rules used")


def test_section_2_says_its_error_is_one_samples_where_there_are_several():
    """§2 derives ∂E/∂z = a − y for one sample's E; §3 on, E is the mean over the samples."""
    document = _document("bce")
    rules = document[document.index("## 2."):document.index("## 3.")]
    assert ("Here $E$ is one sample's error; from §3 on, $E^{(1)}$ is sample 1's (and likewise for every sample) "
            "and $E$ the mean of the samples' errors") in rules
    assert "one sample's error" not in _document("mazur")


def test_a_sum_over_a_layer_counts_its_neurons_as_the_notation_does():
    """Indexed neurons are a₂₀ … a₂₂: a sum from k = 1 to n names a neuron 3 and leaves out neuron 0."""
    indexed = _document("softmax", notation="indexed", form="both")
    assert "\\sum_{k=0}^{n - 1}" in indexed and "\\sum_{m=0}^{n - 1}" in indexed
    assert "=1}^{n}" not in indexed
    assert "\\sum_{k=1}^{n}" in _document("softmax", notation="nielsen")


def test_a_rule_writes_no_power_that_reads_as_a_layer():
    """§1 says a superscript is a layer; tanh's slope 1 − a² would then read as layer 2's a."""
    document = _document("bce", notation="nielsen")
    rules = document[document.index("## 2."):document.index("## 3.")]
    assert "\\frac{\\partial a}{\\partial z} = 1 - \\tanh{\\left(z \\right)}^{2}" in rules
    assert "a^{2}" not in rules.replace("a^{2}_{", "")


def test_a_power_of_a_sample_marked_value_is_bracketed():
    """a₁₀[1]² read as a square on the sample's number (third review): (a₁₀[1])²."""
    spec = _spec("xor")
    spec["layers"][0]["activation"] = "tanh"
    text = symbackprop.render(symbackprop.solve({**spec, "notation": "indexed", "iterations": 1}), "md")
    assert "1 - \\left(a_{10}[1]\\right)^{2}" in text and "a_{10}[1]^{2}" not in text
