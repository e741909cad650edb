"""Softmax with cross-entropy, sigmoid with binary cross-entropy, and Nielsen's matrix form, against
oracles that are not the engine: hand-computed values, the test reference, sympy.diff, the per-weight
derivation (for the matrix form), and the checker's diagnoses of the classic mistakes."""

import math

import pytest

import reference
import symbackprop
from symbackprop.grading.catalogue import catalogue
from symbackprop.grading.checking import check

SOFTMAX = {
    "name": "smx", "notation": "mazur", "inputs": [0.5, 0.8], "targets": [0.2, 0.7, 0.1],
    "layers": [{"activation": "sigmoid", "weights": [[0.4, -0.3], [0.4, 0.1]], "bias": [0.1, -0.1]},
               {"activation": "softmax", "weights": [[0.3, -0.2], [-0.4, 0.6], [0.2, 0.3]], "bias": [0.0, 0.1, -0.1]}],
    "loss": "cross_entropy", "learning_rate": 0.5,
}


def by_label(solution) -> dict:
    return {r.label: r.value for r in catalogue(solution)}


def test_softmax_forward_and_deltas_by_hand():
    """Computed here from the definitions, in plain floats: out_k = e^{net_k}/sum e^{net_m},
    delta_k = out_k - t_k, dE/dw = delta * out_below."""
    values = by_label(symbackprop.solve(SOFTMAX))
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    h = [sig(0.4 * 0.5 - 0.3 * 0.8 + 0.1), sig(0.4 * 0.5 + 0.1 * 0.8 - 0.1)]
    nets = [0.3 * h[0] - 0.2 * h[1], -0.4 * h[0] + 0.6 * h[1] + 0.1, 0.2 * h[0] + 0.3 * h[1] - 0.1]
    total = sum(math.exp(z) for z in nets)
    outs = [math.exp(z) / total for z in nets]
    targets = SOFTMAX["targets"]
    assert values["E_{total}"] == pytest.approx(-sum(t * math.log(o) for t, o in zip(targets, outs)), rel=1e-13)
    for k in range(3):
        assert values[f"out_{{o{k + 1}}}"] == pytest.approx(outs[k], rel=1e-13)
        assert values[f"\\delta_{{o{k + 1}}}"] == pytest.approx(outs[k] - targets[k], rel=1e-12)
        for j in range(3):
            label = f"\\frac{{\\partial out_{{o{k + 1}}}}}{{\\partial net_{{o{j + 1}}}}}"
            assert values[label] == pytest.approx(outs[k] * ((k == j) - outs[j]), rel=1e-12)
    assert values["\\frac{\\partial E_{total}}{\\partial w_{5}}"] == pytest.approx((outs[0] - targets[0]) * h[0], rel=1e-12)
    assert values["w_{5}^{+}"] == pytest.approx(0.3 - 0.5 * (outs[0] - targets[0]) * h[0], rel=1e-12)


@pytest.mark.parametrize("data", [
    SOFTMAX,
    {**SOFTMAX, "samples": [{"inputs": [0.5, 0.8], "targets": [0, 1, 0]}, {"inputs": [-1, 2], "targets": [1, 0, 0]}],
     "inputs": None, "targets": None, "reduction": "sum", "mode": "online"},
    {"inputs": [0.3, -0.6], "targets": [1, 0], "loss": "binary_cross_entropy", "learning_rate": 0.7,
     "layers": [{"activation": "tanh", "weights": [[0.5, 0.1], [-0.3, 0.8]], "bias": 0.1},
                {"activation": "sigmoid", "weights": [[0.4, -0.6], [0.9, 0.2]]}]},
], ids=["softmax", "softmax-online-sum", "bce"])
def test_gradients_against_the_reference_and_sympy(data):
    data = {k: v for k, v in data.items() if v is not None}
    solution = symbackprop.solve(data)
    assert solution.verification.counts["symbolic"] == len(solution.network.parameters)  # every gradient
    assert "closed" in solution.verification.methods
    spec, flat = solution.spec, reference.parameters(solution.spec)
    first = None if spec.mode == "batch" else [0]
    expected = reference.gradient(spec, flat, first)
    gradients = [solution.derivation.gradients[p.symbol] for p in solution.network.parameters]
    assert gradients == pytest.approx(expected, abs=1e-7)


def test_closed_form_of_the_output_delta_is_shown_and_why():
    markdown = symbackprop.render(symbackprop.solve(SOFTMAX), "md")
    assert ("\\delta_{o1} &= - \\mathrm{target}_{o1} \\cr\n&\\quad + \\mathrm{out}_{o1} \\cdot \\left(\\mathrm{target}_{o1} + "
            "\\mathrm{target}_{o2} + \\mathrm{target}_{o3}\\right)") in markdown
    assert "the targets sum to 1" in markdown
    bce = symbackprop.render(symbackprop.solve("bce"), "md")
    assert "cancels both denominators" in bce


@pytest.mark.parametrize("name,overrides", [
    ("mazur", {}), ("deep", {}), ("xor", {}), ("softmax", {}), ("bce", {}), ("course", {}),
    ("xor", {"mode": "online"}), ("mazur", {"hidden_deltas": "updated"}), ("bce", {"reduction": "sum"}),
])
def test_matrix_form_entries_equal_the_per_weight_values(name, overrides):
    """Each matrix entry against the per-weight derivation's value of the same quantity, looked up
    here by its own indices (the matrix form computes every entry on its own)."""
    solution = symbackprop.solve(name, **overrides)
    network, values = solution.network, solution.derivation.values
    samples = solution.matrix.samples
    compared = 0
    for layer in (*solution.matrix.forward, *solution.matrix.backward):
        for step in layer.steps:
            if not hasattr(step.lhs, "quantity"):  # ∇ₐE as a row of each sample's own: no one per-weight value
                continue
            kind, l = step.lhs.quantity.kind, step.lhs.quantity.layer
            for j, row in enumerate(step.value, start=1):
                for c, entry in enumerate(row):
                    key = {"nets": network.net, "outs": network.out, "deltas": network.delta}.get(kind)
                    if key is not None:
                        s = step.lhs.quantity.sample or samples[c]  # a softmax delta: one column per sample
                        assert entry == pytest.approx(values[key(l, j, s)], rel=1e-12, abs=1e-15)
                        compared += 1
                    elif kind == "weights" and step.lhs.quantity.updated:
                        assert entry == pytest.approx(values[network.weight(l, j, c + 1, updated=True)], rel=1e-12)
                        compared += 1
                    elif kind == "gradient_weights":
                        assert entry == pytest.approx(solution.derivation.gradients[network.weight(l, j, c + 1)],
                                                      rel=1e-12, abs=1e-15)
                        compared += 1
    assert compared >= 3 * len(network.parameters) // 2


def test_matrix_form_document_shows_bp1_to_bp4_with_numbers():
    markdown = symbackprop.render(symbackprop.solve("mazur"), "md", form="matrix")
    assert ("\\delta^{(2)} &= \\nabla_{\\mathrm{out}^{(2)}} E_{\\mathrm{total}} \\odot "
            "\\sigma'\\left(\\mathrm{net}^{(2)}\\right)") in markdown
    assert "0.74136507 \\cdot 0.186815602" in markdown  # the Hadamard product entry by entry (seed 003)
    assert "\\begin{bmatrix} 0.35891648 & 0.408666186 \\cr 0.51130127 & 0.561370121 \\end{bmatrix}" in markdown
    both = symbackprop.render(symbackprop.solve("mazur"), "md", form="both")
    assert both.index("## 4. Backward pass") < both.index("## 7. The same step in matrix form") < both.index("## Verification")
    softmax = symbackprop.render(symbackprop.solve("softmax"), "md", form="matrix")
    assert "\\delta^{2} &= \\left(\\frac{\\partial a^{2}}{\\partial z^{2}}\\right)^{T} \\nabla_{a^{2}} C" in softmax


def test_symbolic_softmax_document_has_no_numbers():
    markdown = symbackprop.render(symbackprop.solve("softmax"), "md", symbolic=True, form="both")
    assert "0.34858" not in markdown and "\\sum_{m=1}^{n} e^{z_{m}}" in markdown


def test_the_classic_softmax_mistakes_are_diagnosed(tmp_path):
    values = by_label(symbackprop.solve(SOFTMAX))
    o = [values[f"out_{{o{k}}}"] for k in (1, 2, 3)]
    t = SOFTMAX["targets"]
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(
        f"'out_{{o1}}': {o[0]:.6f}\n"
        f"'\\frac{{\\partial E_{{total}}}}{{\\partial out_{{o1}}}}': {t[0] / o[0]:.6f}\n"  # ln's derivative's sign
        f"'\\delta_{{o2}}': {-t[1] * (1 - o[1]):.6f}\n"  # only d out_2 / d net_2 kept
        f"'\\delta_{{o3}}': {(o[2] - t[2]) * o[2] * (1 - o[2]):.6f}\n")  # the slope on top of out - t
    result = check(SOFTMAX, sheet)
    causes = [result.diagnoses[g.answer].cause for g in result.grades if g.status == "wrong"]
    assert causes == ["the logarithm's derivative with its sign flipped (+t/out where -t/out belongs)",
                      "the softmax Jacobian's off-diagonal terms left out (only d out_j / d net_j kept)",
                      "the activation's slope applied on top of the closed form out - t, which already contains it"]


def test_a_wrong_softmax_output_carries_forward(tmp_path):
    """A wrong out_o1 makes the student's delta and gradient consequential, not wrong."""
    values = by_label(symbackprop.solve(SOFTMAX))
    wrong_out = round(values["out_{o1}"] + 0.01, 6)
    hidden = values["out_{h1}"]
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(f"'out_{{o1}}': {wrong_out}\n'\\delta_{{o1}}': {wrong_out - 0.2:.6f}\n"
                     f"'\\frac{{\\partial E_{{total}}}}{{\\partial w_{{5}}}}': {(wrong_out - 0.2) * hidden:.6f}\n")
    statuses = [g.status for g in check(SOFTMAX, sheet).grades]
    assert statuses == ["wrong", "consequential", "consequential"]


def test_labels_list_jacobian_entries(capsys):
    from symbackprop.cli import main

    assert main(["labels", "softmax", "--format", "json"]) == 0
    import json

    records = json.loads(capsys.readouterr().out)
    jacobian = [r for r in records if r["quantity"] == "jacobian"]
    assert len(jacobian) == 9 and {(r["to"], r["from"]) for r in jacobian} == {(k, j) for k in (1, 2, 3) for j in (1, 2, 3)}
