"""Documents a lecturer hands out unedited (issue 18): what a student reads must be right as text,
not only as numbers. Each test reads a document the way a student or a course site does."""

import math
import re

import markdown_it
import pytest

import symbackprop
from symbackprop.present.rendering import escape_markdown


def prose(markdown: str) -> str:
    """The document without its maths: $$ blocks, then $ spans (escaped dollars kept)."""
    text = re.sub(r"\$\$.*?\$\$", "", markdown, flags=re.S)
    return re.sub(r"(?<!\\)\$.*?(?<!\\)\$", "", text)


def test_prose_has_no_backslash_brackets_that_a_course_site_reads_as_maths():
    """pymdownx.arithmatex (MkDocs) reads \\( \\) and \\[ \\] as maths: Mazur's notes "(symbackprop
    reproduces ...)" became inline maths. Escaped text stays text for CommonMark and for arithmatex."""
    for name in ("mazur", "xor"):
        for form in ("chain", "matrix"):
            text = prose(symbackprop.render(symbackprop.solve(name, iterations=1), "md", form=form))
            assert not re.search(r"\\[()\[\]]", text), (name, form)
    assert "(hidden\\_deltas: updated)" in symbackprop.render(symbackprop.solve("mazur"), "md")
    shown = markdown_it.MarkdownIt().render(escape_markdown("see [the blog](http://x) (2015) *now*"))
    assert shown == "<p>see [the blog](http://x) (2015) *now*</p>\n"


def read_number(printed: str) -> float:
    """A number as a document prints it: 0.0624, or 1.89 \times 10^{-6}."""
    mantissa, _, exponent = printed.partition(" \\times 10^")
    return float(mantissa) * 10 ** int(exponent.strip("{}") or 0)


def document(name: str, form: str = "chain", **solve) -> str:
    return symbackprop.render(symbackprop.solve(name, iterations=1, **solve), "md", form=form)


def before(text: str, marker: str, reach: int = 400) -> str:
    """The words just before the first ``marker``."""
    return text[max(0, text.index(marker) - reach):text.index(marker)]


def test_the_matrix_form_says_which_function_sigma_is_and_never_calls_softmax_entry_by_entry():
    """Point 1: "σ the layer's activation, applied entry by entry" was said of every layer, softmax
    included, and σ'(z¹) = [1 1 1] for a ReLU layer read as a wrong sigmoid slope."""
    text = document("softmax", "matrix")
    assert "activation, applied entry by entry" not in text
    assert "ReLU in layer 1 and softmax in layer 2" in text
    assert "Softmax is not applied entry by entry" in text
    assert "ReLU's slope: 1 where the net input is positive" in before(text, "\\sigma'\\left(z^{1}\\right) = ")
    assert "Here $\\sigma$ is softmax, not entry by entry" in before(text, "a^{2} &= \\sigma\\left(z^{2}\\right)")
    assert "Here $\\sigma$ is ReLU, applied to each net input on its own" in before(
        text, "a^{1} &= \\sigma\\left(z^{1}\\right)")


CANCELLATION = ("\\sum_{k=1}^{n} \\left(- \\frac{y_{k}}{a_{k}}\\right) \\cdot a_{k} \\cdot "
                "\\left(\\delta_{k j} - a_{j}\\right)")


def test_softmax_cross_entropy_derives_out_minus_target_once():
    """Point 2: δ = out − target was asserted once per output neuron, never derived; the matrix
    documents never stated δᴸ = aᴸ − y."""
    chain, matrix = document("softmax"), document("softmax", "matrix")
    for text in (chain, matrix):
        assert CANCELLATION in text
        assert "&= \\sum_{k=1}^{n} - y_{k} \\cdot \\left(\\delta_{k j} - a_{j}\\right)" in text
        assert "&= - y_{j} + a_{j} \\cdot \\left(\\sum_{k=1}^{n} y_{k}\\right)" in text
        assert "&= a_{j} - y_{j}" in text
    assert chain.count("sum to 1") == 2  # §2's heading and its explanation, not once per neuron
    # said once a layer (issue 18, point 10); every output neuron still gets its closed form's numbers
    assert chain.count("The same $\\delta$ in the closed form of §2:") == 1
    assert all(f"= a^{{2}}_{{{j}}} - y_{{{j}}} = " in chain for j in (1, 2, 3))
    assert "\\delta^{L} = a^{L} - y" in matrix
    bce = document("bce", "matrix")
    assert "\\delta_{L} = a_{L} - T" in bce
    assert "&= - T_{j} \\cdot \\left(1 - a_{j}\\right) + \\left(1 - T_{j}\\right) \\cdot a_{j}" in bce


def bmatrix(text: str) -> list[list[float]]:
    return [[float(x) for x in row.split("&")] for row in text.split("\\cr")]


def test_the_matrix_forms_closed_delta_is_out_minus_target_in_its_own_numbers():
    """The printed aᴸ minus the printed y is the printed δᴸ of BP1, to the printed digits: a reader
    can check it by hand. An oracle apart from the engine: subtraction of what is printed."""
    for name, delta in (("softmax", "\\delta^{2}"), ("bce", "\\delta_{2}")):
        text = document(name, "matrix")
        block = text[text.index("The same $\\delta$ in the closed form of §2"):]
        block = block[:block.index("\\end{aligned}")]
        out, target, found = map(bmatrix, re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", block))
        bp1 = text[text.index(f"{delta} &= "):]
        shown = bmatrix(re.findall(r"&= \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}\n\\end\{aligned\}", bp1)[0])
        for o, t, f, s in zip(out, target, found, shown):
            for oo, tt, ff, ss in zip(o, t, f, s):
                assert abs(oo - tt - ff) <= 2e-9 and ff == ss


def test_the_kronecker_delta_is_named_where_it_is_first_used():
    """Point 3: δ_kj was used without a word, in a document where δ is each neuron's error."""
    for form in ("chain", "matrix"):
        text = document("softmax", form)
        first = text.index("\\delta_{k j}")
        line = text[text.rindex("\n", 0, first):text.index("\n", first)]
        assert "Kronecker delta" in line and "1 when $k = j$ and 0 otherwise" in line and "not a neuron's error" in line


def test_a_shared_bias_sums_the_layers_delta_and_says_so():
    """Point 5: §2 stated ∂E/∂b = δ while §4 computed [1 1]·δ without a word."""
    text = document("mazur", "matrix")
    assert "\\frac{\\partial E_{\\mathrm{total}}}{\\partial b^{(l)}} = \\mathbf{1}^{T} \\delta^{(l)}" in text
    assert "one shared bias" in before(text, "\\begin{bmatrix} 1 & 1 \\end{bmatrix} \\delta^{(2)}")


SHARED_SOFTMAX = {"inputs": [0.5, 0.8], "targets": [0, 1], "loss": "cross_entropy", "learning_rate": 0.5,
                  "iterations": 1, "layers": [
                      {"activation": "relu", "weights": [[0.4, -0.3], [0.2, 0.1]], "bias": 0.1},
                      {"activation": "softmax", "weights": [[0.3, -0.2], [0.5, 0.1]], "bias": 0.2}]}


def test_a_softmax_layers_shared_bias_has_gradient_zero_and_the_document_says_why():
    solution = symbackprop.solve(SHARED_SOFTMAX)
    matrix = symbackprop.render(solution, "md", form="matrix")
    assert "softmax is unchanged when every net input of its layer moves by the same amount" in before(
        matrix, "\\frac{\\partial C}{\\partial b^{2}} &= \\begin{bmatrix} 1 & 1 \\end{bmatrix} \\delta^{2}")
    chain = symbackprop.render(solution, "md")
    assert "\\frac{\\partial z^{2}_{2}}{\\partial b^{2}} = 0\n$$\n\nThe sum is exactly 0" in chain


def test_the_softmax_example_says_its_relu_dies_and_which_parameters_freeze():
    """Point 4: after the first update a ReLU's net input is −0.320 and six of 21 parameters never
    change again; nothing said why. The oracle: the document's own table (after one update against
    after 100 iterations) and a hand forward pass with its updated values."""
    text = symbackprop.render(symbackprop.solve("softmax"), "md")
    notice = text[text.index("### What to notice"):text.index("## Verification")]
    assert "**A dead ReLU.** Neuron $a^{1}_{1}$ has net input $-0.320341293$ after the first update" in notice
    table = text[text.index("## 5. The new weights"):text.index("## 6.")]
    rows = re.findall(r"^\| \$(\S+)\$ \| \$(\S+)\$ \| \$(\S+)\$ \| \$(\S+)\$ \| \$(\S+)\$ \|$", table, flags=re.M)
    after = {label: float(a) for label, _, _, a, _ in rows}
    assert after["w^{1}_{11}"] * 0.5 + after["w^{1}_{12}"] * 0.8 + after["b^{1}_{1}"] == pytest.approx(-0.320341293)
    frozen = {label for label, _, _, a, final in rows if a == final}
    assert len(rows) == 21 and len(frozen) == 6
    named = set(re.findall(r"\$([wb]\^\{\d\}_\{\d+\})\$", notice.split("keep their values")[0].split("The 6 parameters")[1]))
    assert named == frozen and "(6 of 21)" in notice
    assert "What to notice" not in symbackprop.render(symbackprop.solve("mazur"), "md")


def one_weight(activation: str, weight: float, rate: float) -> dict:
    return {"inputs": [1], "targets": [0], "layers": [{"activation": activation, "weights": [[weight]]}],
            "loss": "half_sse", "learning_rate": rate, "iterations": 3}


def test_a_saturated_sigmoid_and_a_rising_error_are_noticed():
    """σ(8) = 0.999664650 has slope 3.4e-4; w = 0.5 with η = 3 on a linear unit jumps to w = −1,
    error ½·0.5² = 0.125 before and ½·1² = 0.5 after (by hand)."""
    saturated = symbackprop.render(symbackprop.solve(one_weight("sigmoid", 8.0, 0.5)), "md")
    out = 1 / (1 + math.exp(-8))
    assert out * (1 - out) < 0.01
    assert f"**A saturated unit.** Neuron $a^{{1}}_{{1}}$ outputs ${out:.8f}$, where the slope of sigmoid is below" in saturated
    rising = symbackprop.render(symbackprop.solve(one_weight("linear", 0.5, 3.0)), "md")
    assert "**The error rises.** After update 1 the error is $0.5$, up from $0.125$" in rising


def test_several_samples_define_delta_before_showing_it():
    """Point 6: the forward tables of samples 2-4 carried a δ column before δ was defined; the
    other samples' δ now come in the backward pass."""
    text = symbackprop.render(symbackprop.solve("bce", iterations=1), "md")
    backward = text.index("## 4. Backward pass")
    forward = text[:backward]
    assert "### Sample 2\n\n| neuron | net input | output |\n" in forward and "$\\delta$ |" not in forward
    assert text.index("| 2 | $\\delta_{2,1}^{(2)}$ | $0.53929202$ |") > backward
    assert text.index("| 4 | $\\delta_{1,2}^{(4)}$ |") > backward


def product(latex: str) -> float:
    factors = [f.strip().removeprefix("\\left(").removesuffix("\\right)") for f in latex.split("\\cdot")]
    return math.prod(float(f) for f in factors)


def test_a_compact_rows_gradient_is_checkable_by_hand_from_every_samples_term():
    """Point 6: the compact table set sample 1's product beside the mean over 4 samples. Each row's
    product is its first term, and the mean of the terms is its gradient, to the printed digits."""
    text = symbackprop.render(symbackprop.solve("bce", iterations=1), "md")
    rows = re.findall(r"^\| \$(\w_\{\d\})\$ \| \$(.*?)\$ \| \$([-\d., ]+)\$ \| \$([-\d.]+)\$ \| \$[-\d.]+\$ \|$", text, re.M)
    assert len(rows) == 4  # w2, w3, w4, b2 (w6, alone beside w5 and b3, is worked: no table of one row)
    for label, shown, terms, gradient in rows:
        terms = [float(t) for t in terms.split(",")]
        assert len(terms) == 4 and product(shown) == pytest.approx(terms[0], abs=2e-9), label
        assert sum(terms) / 4 == pytest.approx(float(gradient), abs=2e-9), label


def test_the_matrix_form_says_its_columns_are_each_samples_own_gradient():
    """Point 6: ∇ₐE with one column per sample read as the mean error's gradient."""
    text = symbackprop.render(symbackprop.solve("bce", iterations=1), "md", form="matrix")
    assert "Each column is the derivative of that sample's own error, not of the error over all 4 samples: " \
           "the mean's factor 1/4 comes in once, in BP3 and BP4 below." in before(text, "\\nabla_{a_{2}} E")
    # and the matrix is named as what it is: a row of each sample's own gradient, not the mean error's
    assert "\\begin{bmatrix} \\nabla_{a_{2}} E^{(1)} & \\cdots & \\nabla_{a_{2}} E^{(4)} \\end{bmatrix} = " in text


def test_a_vanishing_gradient_is_noticed_from_the_documents_own_gradients():
    """Four sigmoid layers with weights 0.1: each layer down multiplies the gradient by about
    0.1 · 0.25; the oracle is the document's own table of gradients."""
    spec = {"inputs": [1], "targets": [1], "layers": [{"activation": "sigmoid", "weights": [[0.1]]}] * 4,
            "loss": "half_sse", "learning_rate": 0.5, "iterations": 2}
    text = symbackprop.render(symbackprop.solve(spec), "md")
    printed = dict(re.findall(r"^\| \$w\^\{(\d)\}_\{11\}\$ \| \$[^$]+\$ \| \$([^$]+)\$ \|", text, re.M))
    gradients = {label: abs(read_number(g)) for label, g in printed.items()}
    small = [l for l in "123" if gradients[l] * 100 < gradients["4"]]
    assert small == ["1", "2"]
    assert (f"**A vanishing gradient.** The largest gradient in size is ${printed['1'].lstrip('-')}$ in layer 1, "
            f"${printed['2'].lstrip('-')}$ in layer 2, against ${printed['4'].lstrip('-')}$ in the output layer") in text


def test_a_softmax_output_near_1_is_noticed_unless_cross_entropy_cancels_its_slope():
    """z = (8, 0): a₁ = e⁸/(e⁸ + 1) = 0.999664650, slope a₁(1 − a₁) = 3.4e-4 (by hand). With
    half_sse the gradient through it is tiny; with cross-entropy δ = a − y, nothing to notice."""
    spec = {"inputs": [1], "targets": [0, 1], "learning_rate": 0.5, "iterations": 2, "loss": "half_sse",
            "layers": [{"activation": "softmax", "weights": [[8.0], [0.0]]}]}
    out = math.exp(8) / (math.exp(8) + 1)
    text = symbackprop.render(symbackprop.solve(spec), "md")
    assert f"**A saturated unit.** Neuron $a^{{1}}_{{1}}$ outputs ${out:.8f}$, where the slope of softmax" in text
    cross_entropy = symbackprop.render(symbackprop.solve({**spec, "loss": "cross_entropy"}), "md")
    assert "A saturated unit" not in cross_entropy


def test_a_relu_that_dies_between_recorded_updates_is_dated_by_its_own_update():
    """deep's a²₂ dies at update 7: the notice said "by update 10" (the updates training records are
    1 and 10). The oracle: tests/exact_reference.py's own gradient descent, no backpropagation, whose
    net input into a²₂ is above 0 after update 6 and at most 0 from update 7 to update 10."""
    import exact_reference
    import mpmath

    from symbackprop.model.spec import load_spec

    text = symbackprop.render(symbackprop.solve("deep"), "md")
    notice = text[text.index("### What to notice"):text.index("## Verification")]
    assert "**A dead ReLU.** Neuron $a^{2}_{2}$ has net input $-0.007519315$ after update 7" in notice
    spec = load_spec("deep")
    with mpmath.workdps(40):
        flat, rate, nets = exact_reference.initial(spec), mpmath.mpf(spec.learning_rate), []
        for _ in range(10):
            flat = [v - rate * g for v, g in zip(flat, exact_reference.gradient(spec, flat))]
            nets.append(max(exact_reference.forward(spec, flat, s.inputs)[0][1][1] for s in spec.samples))
    assert nets[5] > 0 and all(z <= 0 for z in nets[6:])
    assert float(nets[6]) == pytest.approx(-0.007519315, abs=1e-9)


def test_a_shared_bias_is_said_to_be_one_number_where_its_column_is_shown():
    """mazur's matrix form showed b⁽¹⁾ as the column [0.35; 0.35] and its gradient [1 1]δ as one
    number, without a word on why the shapes differ (third review)."""
    text = document("mazur", "matrix")
    said = "The layer's bias is one number shared by every neuron: the column below repeats it"
    assert text.count(said) == 1  # said once, at the first shared layer
    assert text.index(said) < text.index("\\begin{bmatrix} 0.35 \\cr 0.35 \\end{bmatrix}")
    assert said not in document("softmax", "matrix")
