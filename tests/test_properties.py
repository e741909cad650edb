"""Property-based tests (hypothesis): random networks solve and agree with the reference; random and
mutated input never ends in a traceback or a false "internal check failed".

CI runs a bounded number of examples. The longer fuzz run, for a developer's machine:

    SYMBACKPROP_FUZZ=long pytest tests/test_properties.py

Every failure it finds becomes a regular test (tests/test_reliability.py).
"""

import json
import math
import os
import time

import mpmath
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import symbackprop
from symbackprop.cli import main
from symbackprop.model.rules import ACTIVATIONS, LOSSES

import exact_reference
import reference

LONG = os.environ.get("SYMBACKPROP_FUZZ") == "long"
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate],
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile("long" if LONG else "ci")
# A bound that catches a hang (the nested-Piecewise blow-up took minutes), not a benchmark: the 10 s
# promise is measured alone on the machine (tests/benchmarks/bench.py, README "Limits and guarantees"),
# and this test may share it with others.
SECONDS = 30


def magnitudes():
    """Numbers from 1e-6 to 1e6 in size, either sign, with exact zeros now and then (units at kinks)."""
    exponent = st.integers(min_value=-6, max_value=6)
    mantissa = st.floats(min_value=0.1, max_value=1.0, allow_nan=False)
    sized = st.builds(lambda m, e, sign: sign * m * 10.0 ** e, mantissa, exponent, st.sampled_from([1, -1]))
    return st.one_of(sized, st.just(0.0), st.floats(min_value=-2, max_value=2, allow_nan=False))


def targets(loss: str, n: int):
    """Any sizes for squared errors; between 0 and 1 for cross-entropies, summing to 1 for cross_entropy."""
    if loss == "cross_entropy":
        counts = st.lists(st.integers(0, 10), min_size=n, max_size=n).filter(any)
        return counts.map(lambda c: [k / sum(c) for k in c])
    if LOSSES[loss].logarithmic:
        return st.lists(st.floats(0, 1), min_size=n, max_size=n)
    return st.lists(magnitudes(), min_size=n, max_size=n)


@st.composite
def networks(draw):
    widths = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(2, 6)))]
    scale = 10.0 ** draw(st.integers(-3, 2))
    loss = draw(st.sampled_from(list(LOSSES)))
    hidden = [name for name, rule in ACTIVATIONS.items() if not rule.output_only]
    outputs = [name for name, rule in ACTIVATIONS.items() if rule.probabilities or not LOSSES[loss].logarithmic]
    layers = []
    for l in range(1, len(widths)):
        activation = draw(st.sampled_from(outputs if l == len(widths) - 1 else hidden))
        layer = {"activation": activation,
                 "weights": [[draw(magnitudes()) * scale if draw(st.booleans()) else draw(magnitudes())
                              for _ in range(widths[l - 1])] for _ in range(widths[l])]}
        bias = draw(st.sampled_from(["none", "shared", "per_neuron"]))
        if bias == "shared":
            layer["bias"] = draw(magnitudes())
        elif bias == "per_neuron":
            layer["bias"] = [draw(magnitudes()) for _ in range(widths[l])]
        layers.append(layer)
    samples = [{"inputs": [draw(magnitudes()) for _ in range(widths[0])], "targets": draw(targets(loss, widths[-1]))}
               for _ in range(draw(st.integers(1, 3)))]
    return {"samples": samples, "layers": layers, "loss": loss,
            "learning_rate": 10.0 ** draw(st.integers(-6, 0)),
            "mode": draw(st.sampled_from(["batch", "online"])),
            "reduction": draw(st.sampled_from(["mean", "sum"])),
            "update_biases": draw(st.booleans()), "iterations": draw(st.integers(1, 30))}


@PROFILE
@given(networks())
def test_random_networks_solve_and_match_the_reference(data):
    started = time.monotonic()
    try:
        solution = symbackprop.solve(data)
    except symbackprop.DivergenceError:
        return  # a learning rate that overflows is bad input, said in one line (exit 2)
    except symbackprop.SpecError as error:  # a cross-entropy of an output of exactly 0 or 1, said in one line
        # or a value beyond a float (1/(1 - out) of a sigmoid at net 867) in the first step
        assert (str(error).startswith("layers: output") and "takes the logarithm of 0" in str(error)
                or "the first step overflows" in str(error))
        return
    assert time.monotonic() - started < SECONDS
    spec = solution.spec
    flat = reference.parameters(spec)
    for digits in (exact_reference.DIGITS, 1500):  # floats cannot evaluate a saturated logarithmic loss,
        with mpmath.workdps(digits):                 # nor 80 digits one saturated at net 668
            truth = float(exact_reference.error(spec, exact_reference.initial(spec)))
        if math.isfinite(truth):
            break
    assert solution.training.history[0] == pytest.approx(truth, rel=1e-9, abs=1e-300)
    for p, value in zip(solution.network.parameters, flat):
        assert p.value == value


CORRUPTIONS = [
    lambda d: {**d, "learning_rate": "1e100000"}, lambda d: {**d, "iterations": -1},
    lambda d: {**d, "layers": d["layers"] + [{"activation": "sigmoid", "weights": [[1]]}]},
    lambda d: {**d, "samples": [{"inputs": [], "targets": []}]}, lambda d: {**d, "title": "\x00"},
    lambda d: {**d, "loss": ["half_sse"]}, lambda d: {**d, "layers": [{"weights": "x"}]},
    lambda d: {**d, "name": "../x"}, lambda d: {k: v for k, v in d.items() if k != "layers"},
]


@PROFILE
@given(networks(), st.sampled_from(range(len(CORRUPTIONS))), st.sampled_from(["json", "yaml"]))
def test_mutated_specs_exit_0_1_or_2_in_one_line(tmp_path_factory, data, corruption, suffix):
    folder = tmp_path_factory.mktemp("spec")
    spec = folder / f"net.{suffix}"
    spec.write_text(json.dumps(CORRUPTIONS[corruption](data)))
    status = _run(["solve", str(spec), "-o", str(folder / "out"), "-f", "md,json"])
    assert status in (0, 1, 2)
    if status == 2:
        assert not (folder / "out").exists()


@PROFILE
@given(st.text(max_size=400))
def test_random_text_as_a_spec_is_bad_input(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("text")
    for suffix in ("yaml", "json", "toml"):
        spec = folder / f"net.{suffix}"
        spec.write_text(text, encoding="utf-8", errors="surrogatepass")
        assert _run(["solve", str(spec), "-o", str(folder / "out")]) in (0, 2)


LABELS = ["w5+", "w_{5}^{+}", "dE/dw5", "out_{h1}", "net_{o1}", "\\delta_{o1}", "E_{total}", "zzz", "E after 1"]
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr),
                    st.text(alphabet="0123456789.-e+", min_size=1, max_size=30),
                    st.integers(-10**30, 10**30).map(str))


@PROFILE
@given(st.lists(st.tuples(st.sampled_from(LABELS), NUMBERS), min_size=1, max_size=12),
       st.sampled_from(["md", "csv", "yaml"]))
def test_random_answer_sheets_are_graded_or_refused(tmp_path_factory, pairs, kind):
    folder = tmp_path_factory.mktemp("sheet")
    sheet = folder / f"answers.{kind}"
    if kind == "md":
        sheet.write_text("".join(f"$${label} = {value}$$\n\n" for label, value in pairs))
    elif kind == "csv":
        sheet.write_text("".join(f"{label},{value}\n" for label, value in pairs))
    else:
        sheet.write_text("".join(f"'{label}_{i}': '{value}'\n" for i, (label, value) in enumerate(pairs)))
    assert _run(["check", "mazur", str(sheet)]) in (0, 1, 2)


@PROFILE
@given(st.lists(st.sampled_from(["-f", "md", "tex,json", "--precision", "0", "16", "3", "--iterations", "x",
                                 "--notation", "greek", "nielsen", "--rounding", "carry", "--digits", "--symbolic",
                                 "--force"]), max_size=6))
def test_random_command_lines_exit_0_1_or_2(tmp_path_factory, words):
    folder = tmp_path_factory.mktemp("cli")
    assert _run(["solve", "course", "-o", str(folder), *words]) in (0, 1, 2)


def _run(argv: list[str]) -> int:
    """The CLI's exit status; argparse's usage errors exit through SystemExit. A traceback fails the test."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code
