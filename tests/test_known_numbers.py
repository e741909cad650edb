"""The seeds' hand-computed numbers (DESIGN.md section 5) are reproduced; their known mistakes are not."""

import pytest

import symbackprop


def by_label(solution, field):
    data = __import__("json").loads(symbackprop.render(solution, "json"))
    return {p["label"]: p[field] for p in data["parameters"]}


def test_mazur_forward_pass_and_error(solve_example):
    values = solve_example("mazur").derivation.values
    net = solve_example("mazur").network
    assert values[net.net(1, 1, 1)] == pytest.approx(0.3775, abs=1e-12)
    assert values[net.out(1, 1, 1)] == pytest.approx(0.593269992, abs=5e-10)
    assert values[net.out(1, 2, 1)] == pytest.approx(0.596884378, abs=5e-10)
    assert values[net.net(2, 1, 1)] == pytest.approx(1.105905967, abs=5e-10)
    assert values[net.out(2, 1, 1)] == pytest.approx(0.75136507, abs=5e-9)
    assert values[net.out(2, 2, 1)] == pytest.approx(0.772928465, abs=5e-10)
    assert values[net.term(1, 1)] == pytest.approx(0.274811083, abs=5e-10)
    assert values[net.term(2, 1)] == pytest.approx(0.023560026, abs=5e-10)
    assert solve_example("mazur").derivation.error.value == pytest.approx(0.298371109, abs=5e-10)


def test_mazur_gradients_and_updates(solve_example):
    solution = solve_example("mazur")
    gradients, updated = by_label(solution, "gradient"), by_label(solution, "updated")
    assert gradients["w_{5}"] == pytest.approx(0.082167041, abs=5e-10)
    assert gradients["w_{1}"] == pytest.approx(0.000438568, abs=5e-10)
    expected = {"w_{5}": 0.35891648, "w_{6}": 0.408666186, "w_{7}": 0.511301270, "w_{8}": 0.561370121,
                "w_{1}": 0.149780716, "w_{2}": 0.19956143, "w_{3}": 0.24975114, "w_{4}": 0.29950229}
    for label, value in expected.items():
        assert updated[label] == pytest.approx(value, abs=5e-9), label
    assert updated["b_{1}"] == 0.35 and updated["b_{2}"] == 0.6  # biases not updated


def test_mazur_intermediate_factors(solve_example):
    solution = solve_example("mazur")
    values, net = solution.derivation.values, solution.network
    from symbackprop.engine.derive import partial

    assert values[partial(net.error(1), net.out(2, 1, 1))] == pytest.approx(0.74136507, abs=5e-9)
    assert values[partial(net.out(2, 1, 1), net.net(2, 1, 1))] == pytest.approx(0.186815602, abs=5e-10)
    assert values[net.delta(2, 1, 1)] == pytest.approx(0.138498562, abs=5e-10)
    # seed 003 prints 0.36350306 here: a decimal slip
    assert values[partial(net.error(1), net.out(1, 1, 1))] == pytest.approx(0.036350306, abs=5e-10)
    assert values[partial(net.out(1, 1, 1), net.net(1, 1, 1))] == pytest.approx(0.241300709, abs=5e-10)


def test_mazur_error_history(solve_example):
    history = solve_example("mazur").training.history
    assert len(history) == 10_001
    assert history[1] == pytest.approx(0.291027774, abs=5e-10)
    assert history[10_000] == pytest.approx(3.5102e-05, abs=5e-10)


def test_blog_error_comes_from_hidden_deltas_with_updated_weights():
    """Mazur's blog reports 0.291027924 after one update: deltas taken from already-updated weights."""
    solution = symbackprop.solve("mazur", hidden_deltas="updated", iterations=1)
    assert solution.training.history[1] == pytest.approx(0.291027924, abs=5e-10)


def test_seed_mistakes_are_not_reproduced(solve_example):
    solution = solve_example("mazur")
    document = symbackprop.render(solution, "md")
    updated = by_label(solution, "updated")
    assert updated["w_{6}"] != pytest.approx(0.4808, abs=1e-3)  # seed 001
    assert updated["w_{8}"] != pytest.approx(0.0613, abs=1e-3)  # seed 001
    assert "0.36350306" not in document and "0.036350306" in document  # seed 003
    assert "0.291037924" not in document and "0.291027774" in document  # seed 003
    for number in ("0.35891648", "0.408666186", "0.51130127", "0.561370121", "0.149780716", "0.082167041"):
        assert number in document


def test_course_chain_matches_seed_002(solve_example):
    solution = solve_example("course")
    updated = by_label(solution, "updated")
    assert updated["w_{2}"] == pytest.approx(0.427172, abs=5e-7)
    assert updated["b_{2}"] == pytest.approx(0.612097, abs=5e-7)
    assert updated["w_{1}"] == pytest.approx(0.149591, abs=5e-7)
    assert updated["b_{1}"] == pytest.approx(0.395914, abs=5e-7)
    values, net = solution.derivation.values, solution.network
    assert values[net.net(1, 1, 1)] == pytest.approx(0.415, abs=1e-12)
    assert values[net.out(1, 1, 1)] == pytest.approx(0.6023, abs=5e-5)
    assert values[net.net(2, 1, 1)] == pytest.approx(0.9210, abs=5e-5)
    assert values[net.out(2, 1, 1)] == pytest.approx(0.7153, abs=5e-5)
    # seed 002's E = 0.1083 carries its rounded a2 = 0.7153 forward; the exact error rounds to 0.1082
    assert pytest.approx(0.1083, abs=5e-5) == 0.5 * (0.25 - 0.7153) ** 2
    assert solution.derivation.error.value == pytest.approx(0.108230, abs=5e-7)
    assert len(solution.training.history) == 1001


def test_each_output_s_share_of_a_hidden_gradient_is_shown(solve_example):
    """Seed 003: dE_o1/d out_h1 = 0.055399425 and dE_o2/d out_h1 = -0.019049119 (its rounding of -0.0190491183)."""
    from symbackprop.engine.derive import partial

    solution = solve_example("mazur")
    values, net = solution.derivation.values, solution.network
    assert values[partial(net.term(1, 1), net.out(1, 1, 1))] == pytest.approx(0.055399425, abs=5e-10)
    assert values[partial(net.term(2, 1), net.out(1, 1, 1))] == pytest.approx(-0.019049119, abs=1e-9)
    from symbackprop.present.view import ViewBuilder

    hidden = ViewBuilder(solution, 9, False).build()["backward"][1]["samples"][0]["neurons"][0]
    assert hidden["contributions"][0].parts == (
        r"\frac{\partial E_{o1}}{\partial \mathrm{out}_{h1}}",
        r"\frac{\partial E_{o1}}{\partial \mathrm{net}_{o1}} \cdot "
        r"\frac{\partial \mathrm{net}_{o1}}{\partial \mathrm{out}_{h1}}",
        r"\delta_{o1} \cdot w_{5}", r"0.138498562 \cdot 0.4", "0.055399425")
    assert hidden["grad_out"].parts[-2:] == (r"0.055399425 + \left(-0.019049118\right)", "0.036350306")


def test_updated_hidden_deltas_do_not_claim_false_derivatives():
    document = symbackprop.render(symbackprop.solve("mazur", hidden_deltas="updated", iterations=1), "md")
    assert r"\frac{\partial net_{o1}}{\partial out_{h1}} = w_{5}^{+}" not in document
    assert r"\delta_{o1} \cdot w_{5}^{+}" in document and r"0.138498562 \cdot 0.35891648" in document
    assert "are not the derivatives of the error that their labels name" in document
