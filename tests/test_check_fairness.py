"""The checker, fair in both directions (issue 16, items 4 and 7): no wrong answer passes as
rounding, no right one is failed for rounding e^z first, the likeliest cause is named, and the
grading code's data flows one way. Every expected number is computed here, in Decimal, from the
spec's own numbers (or given by hand), never by the engine."""

import ast
import copy
from decimal import ROUND_HALF_UP, Decimal, getcontext

import pytest
import yaml

import symbackprop
from symbackprop.errors import SpecError
from symbackprop.grading.catalogue import catalogue
from symbackprop.grading.checking import check
from conftest import ROOT
from students import Student, labels_of

getcontext().prec = 40
EXAMPLES = ROOT / "symbackprop" / "examples"
#: A 1-1-1 chain: a ReLU hidden neuron (ReLU' = 1), a tanh output, the half squared error.
CHAIN = {"notation": "course", "inputs": [0.5], "targets": [0.2], "loss": "half_sse", "learning_rate": 0.5,
         "layers": [{"activation": "relu", "weights": [[0.8]], "bias": 0.1},
                    {"activation": "tanh", "weights": [[0.6]], "bias": 0.1}]}


def d(x) -> Decimal:
    return Decimal(str(x))


def r(x: Decimal, k: int = 4) -> str:
    return f"{x.quantize(Decimal(1).scaleb(-k), rounding=ROUND_HALF_UP):f}"


def tanh(x: Decimal) -> Decimal:
    return ((2 * x).exp() - 1) / ((2 * x).exp() + 1)


def example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())


def grade_of(result, label: str):
    return next(g for g in result.grades if g.answer.label == label)


def cause_of(result, label: str) -> str:
    return result.diagnoses[grade_of(result, label).answer].cause


def chain_sheet(delta: Decimal) -> dict:
    """The chain worked at 4 decimals, ReLU' written as the whole number 1, δ₂ as given."""
    z1 = d(0.8) * d(0.5) + d(0.1)  # 0.5, a1 = 0.5
    z2 = d(0.6) * z1 + d(0.1)
    a2 = tanh(z2)
    return {"z_1": r(z1), "a_1": r(z1), "\\frac{\\partial a_1}{\\partial z_1}": "1", "z_2": r(z2), "a_2": r(a2),
            "\\frac{\\partial E}{\\partial a_2}": r(a2 - d(0.2)), "\\delta_2": r(delta)}


def test_a_delta_without_its_activation_derivative_is_wrong_not_carried_with_0_decimals():
    """tanh'(0.4) = 0.8556 carried with 0 decimals is 1: that is no way to reach a 4-decimal δ."""
    a2 = tanh(d(0.4))
    result = check(CHAIN, chain_sheet(a2 - d(0.2)))  # δ₂ = ∂E/∂a₂, the slope left out
    assert grade_of(result, "\\delta_2").status == "wrong"
    assert cause_of(result, "\\delta_2") == "activation derivative left out"
    right = check(CHAIN, chain_sheet((a2 - d(0.2)) * (1 - a2 * a2)))
    assert right.exit_status == 0 and grade_of(right, "\\frac{\\partial a_1}{\\partial z_1}").status == "correct"


def test_a_whole_number_answer_is_read_at_its_neighbours_precision():
    """0 is no answer for a softmax output of 0.3549, nor for a sample's BCE error of 0.7750, on a
    sheet that writes 4 decimals around it; 1 for a ReLU' of exactly 1 stays right."""
    result = check("softmax", {"z^{2}_{1}": "0.1220", "a^{2}_{1}": "0", "a^{2}_{2}": "0.3884"})
    assert grade_of(result, "a^{2}_{1}").status == "wrong"
    result = check("bce", {"a_{2,1}^{(2)}": "0.5393", "E^{(2)}": "0", "E^{(3)}": "0.7770"})
    assert grade_of(result, "E^{(2)}").status == "wrong"
    assert cause_of(result, "E^{(2)}") == "binary cross-entropy without its (1 - t) ln(1 - a) term"


def test_a_two_decimal_softmax_sheet_that_rounds_e_z_first_is_right(tmp_path):
    """z = 0.12, 0.21, -0.20; e^z = 1.13, 1.23, 0.82; a = 1.13 / 3.18 = 0.36 (the exact 0.3549 is
    0.35). The sheet's own arithmetic lines are skipped, not unknown labels."""
    spec = example("softmax")
    hidden = [max(sum(d(w) * d(x) for w, x in zip(row, spec["inputs"])) + d(b), Decimal(0))
              for row, b in zip(spec["layers"][0]["weights"], spec["layers"][0]["bias"])]
    z = [Decimal(r(sum(d(w) * a for w, a in zip(row, hidden)) + d(b), 2))
         for row, b in zip(spec["layers"][1]["weights"], spec["layers"][1]["bias"])]
    e = [Decimal(r(x.exp(), 2)) for x in z]
    a = [r(x / sum(e), 2) for x in e]
    assert (r(z[0], 2), r(e[0], 2), r(sum(e), 2), a[0]) == ("0.12", "1.13", "3.18", "0.36")
    lines = [f"$z^{{2}}_{{{k}}} = {z[k - 1]}$\n\n$e^{{{z[k - 1]}}} = {e[k - 1]}$\n\n" for k in (1, 2, 3)]
    lines += [f"$e^{{{z[0]}}} + e^{{{z[1]}}} + e^{{{z[2]}}} = {sum(e)}$\n\n"]
    lines += [f"$a^{{2}}_{{{k}}} = \\frac{{{e[k - 1]}}}{{{sum(e)}}} = {a[k - 1]}$\n\n" for k in (1, 2, 3)]
    sheet = tmp_path / "softmax.md"
    sheet.write_text("".join(lines))
    result = check("softmax", sheet)
    assert [g.status for g in result.grades if g.status not in ("correct", "rounding")] == []
    assert "e^z rounded before dividing" in grade_of(result, "a^{2}_{1}").note


def test_mazur_at_two_decimals_with_e_to_the_minus_net_rounded_first(tmp_path):
    """net_h1 = 0.38, e^-0.38 = 0.68, out_h1 = 1/1.68 = 0.60 (the exact 0.5933 is 0.59)."""
    net = Decimal(r(d(0.15) * d(0.05) + d(0.2) * d(0.1) + d(0.35), 2))
    e = Decimal(r((-net).exp(), 2))
    out = r(1 / (1 + e), 2)
    assert (f"{net}", f"{e}", out) == ("0.38", "0.68", "0.60")
    sheet = tmp_path / "mazur.md"
    sheet.write_text(f"$net_{{h1}} = {net}$\n\n$e^{{-{net}}} = {e}$\n\n$out_{{h1}} = \\frac{{1}}{{1 + {e}}} = {out}$\n\n"
                     "And at four decimals: $e^{-0.3775} = 0.6856$.\n")
    result = check("mazur", sheet)
    assert [g.status for g in result.grades] == ["correct", "rounding"]


def test_one_path_hidden_error_is_named_so_not_swapped_weights():
    """W2 = [[-0.68, 0.05], [-0.66, -0.45]]: the one-path ∂E/∂out_h1 at 2 decimals is also what
    swapped path weights give, but the sheet writes those path weights right."""
    spec = example("mazur") | {"iterations": 1}
    spec["layers"] = copy.deepcopy(spec["layers"])
    spec["layers"][0]["weights"] = [[-0.78, 0.25], [-0.31, -0.86]]
    spec["layers"][1]["weights"] = [[-0.68, 0.05], [-0.66, -0.45]]
    solution = symbackprop.solve(spec)
    student = Student(spec, labels_of(catalogue(solution)), 2, "round", "one_output")
    result = check(spec, student.work())
    (label,) = student.planted
    assert cause_of(result, label) == "a hidden neuron's error summed over one output only"
    # without the paths on the sheet, both causes reproduce -0.10 and both are said
    sheet = {k: v for k, v in student.work().items() if "partial net" not in k and "partial E_{o" not in k}
    result = check(spec, sheet)
    note = grade_of(result, label).note
    assert "summed over one output only" in note and "indices swapped" in note and "or, as likely" in note


def test_a_chain_whose_hidden_path_uses_the_other_layers_weight():
    """∂E/∂a₁ = δ₂ · w₁ (0.8) where δ₂ · w₂ (0.6) belongs."""
    a2 = tanh(d(0.4))
    delta = (a2 - d(0.2)) * (1 - a2 * a2)
    sheet = chain_sheet(delta) | {"\\frac{\\partial E}{\\partial a_1}": r(delta * d(0.8))}
    result = check(CHAIN, sheet)
    assert cause_of(result, "\\frac{\\partial E}{\\partial a_1}") == \
        "the layer below's weight used in a hidden path (w_1 for w_2 in a chain)"


def test_an_error_without_its_half_is_named_so_not_a_bias_of_the_same_value():
    """E = (0.01 - 0.75)² + (0.99 - 0.77)² = 0.596: 0.60, which is also the bias b₂."""
    assert r((d(0.01) - d(0.75)) ** 2 + (d(0.99) - d(0.77)) ** 2, 2) == "0.60"
    result = check("mazur", {"out_{o1}": "0.75", "out_{o2}": "0.77", "E_{total}": "0.60"})
    assert cause_of(result, "E_{total}") == "the 1/2 of the squared error dropped"


def softmax_outputs(z: list[Decimal], digits: int | None = None) -> list[Decimal]:
    e = [x.exp() if digits is None else Decimal(r(x.exp(), digits)) for x in z]
    return [x / sum(e) for x in e]


SOFTMAX_Z = [d("0.122"), d("0.212"), d("-0.202")]  # 0.3·0.06 - 0.2·0.18 + 0.5·0.28, …, from the spec


@pytest.mark.parametrize("sheet, label, cause", [
    ({"a^{2}_{2}": r(softmax_outputs(SOFTMAX_Z)[1]), "\\frac{\\partial C}{\\partial a^{2}_{2}}": "-1.0000"},
     "\\frac{\\partial C}{\\partial a^{2}_{2}}", "-t where -t/a belongs (the logarithm's derivative 1/a left out)"),
    ({"a^{2}_{2}": r(softmax_outputs(SOFTMAX_Z)[1]), "C_{2}": r(-softmax_outputs(SOFTMAX_Z)[1].log10())},
     "C_{2}", "log base 10 used where the natural logarithm belongs"),
    ({"z^{2}_{1}": "0.1220", "a^{2}_{1}": r(softmax_outputs(SOFTMAX_Z[:2])[0])},
     "a^{2}_{1}", "a softmax denominator missing one of its terms"),
    ({"z^{2}_{1}": "0.1220", "z^{2}_{2}": "0.2120", "z^{2}_{3}": "-0.2020", "a^{2}_{1}": r(softmax_outputs(SOFTMAX_Z, 2)[0])},
     "a^{2}_{1}", "e^z rounded too early: to 2 decimals, fewer than the answer has"),
])
def test_classic_softmax_mistakes_have_a_cause(sheet, label, cause):
    assert cause_of(check("softmax", sheet), label) == cause


def test_a_batch_gradient_summed_where_the_mean_is_asked():
    """bce: ∂E/∂w5 is the mean of four samples' δ·a; the sum is four times it (0.0971 · 4)."""
    result = check("bce", {"\\frac{\\partial E}{\\partial w_{5}}": "0.3884", "\\frac{\\partial E}{\\partial b_{3}}": "-0.0195"})
    assert cause_of(result, "\\frac{\\partial E}{\\partial w_{5}}") == \
        "a batch gradient summed over the samples where their mean belongs"


def test_a_cause_that_reproduces_the_step_wins_over_a_coinciding_value():
    """Targets (0.2, 0.8, 0): -t = -0.2 for ∂C/∂a₁ is also the weight w²₁₂ = -0.2."""
    spec = example("softmax") | {"targets": [0.2, 0.8, 0]}
    result = check(spec, {"a^{2}_{1}": r(softmax_outputs(SOFTMAX_Z)[0]), "\\frac{\\partial C}{\\partial a^{2}_{1}}": "-0.2000"})
    assert cause_of(result, "\\frac{\\partial C}{\\partial a^{2}_{1}}") == \
        "-t where -t/a belongs (the logarithm's derivative 1/a left out)"


def test_aliases_that_read_alike_for_different_labels_are_refused(tmp_path):
    with pytest.raises(SpecError, match="y and Y read as the same name"):
        check("mazur", {"y": "0.7514", "Y": "0.7729"}, aliases={"y": "out_{o1}", "Y": "out_{o2}"})
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("aliases: {y: 'out_{o1}', Y: 'out_{o2}'}\ny: '0.7514'\n")
    with pytest.raises(SpecError, match="read as the same name"):
        check("mazur", sheet)
    assert check("mazur", {"y": "0.7514"}, aliases={"y": "out_{o1}", "Y": "out_{o1}"}).exit_status == 0


#: The stages of a check, in the order data flows through them (checking.py runs them).
STAGES = [("written", "sheet", "naming", "catalogue"), ("read",), ("replay",), ("judge",), ("causes", "diagnose"),
          ("result",), ("reports",), ("checking",), ("classroom",)]


def test_the_grading_stages_import_one_way():
    """Each module of grading/ imports only modules of its own or earlier stages: no circle."""
    stage_of = {module: n for n, modules in enumerate(STAGES) for module in modules}
    folder = ROOT / "symbackprop" / "grading"
    assert set(stage_of) == {p.stem for p in folder.glob("*.py")} - {"__init__"}
    for module, stage in stage_of.items():
        tree = ast.parse((folder / f"{module}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}
        assert all(stage_of[name] <= stage for name in imported if name in stage_of), (module, imported)


def test_each_grader_gets_the_same_catalogue_of_causes():
    """xor (four samples, a mean): the batch-sum cause once, however many graders are made."""
    from symbackprop.grading.causes import rewrites

    solution = symbackprop.solve("xor")
    first, second = ([cause for cause, _ in rewrites(solution)] for _ in range(2))
    assert first == second and first.count("a batch gradient summed over the samples where their mean belongs") == 1
