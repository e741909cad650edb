"""Stage 1: load a network spec (YAML, TOML, JSON or a built-in example) into a validated :class:`Spec`.

Everything downstream trusts a ``Spec``: shapes agree, numbers are finite floats, names come from
the rule and notation tables. Every rejection is a :class:`SpecError` whose message starts with the
field it is about, so the CLI can print it as one line. User strings are never evaluated: numbers
written as text go through :class:`fractions.Fraction`, which only parses.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .draws import first_draw
from .reading import INPUT_LIMITS, describe, parse_text, read_bounded
from .notation import NOTATIONS
from .rules import ACTIVATIONS, LOSSES

#: Limits for a worked solution; each is named in the error that enforces it.
LIMITS = {
    "neurons per layer": 32,
    "layers": 8,
    "samples": 16,
    "parameters": 2000,
    # parameters x samples: every one is worked in full, step by step; about 4 ms each on the
    # project's machine (derive, print, compile), so the largest document takes seconds
    "worked parameters": 1200,
    "iterations": 1_000_000,  # the error history keeps one float per iteration
    # iterations x samples x (parameters + 2): the compiled loop does about 2 million of these a
    # second on the project's machine, so training ends within a few seconds
    "training work": 5_000_000,
}

CHOICES = {
    "reduction": ("mean", "sum"),
    "mode": ("batch", "online"),
    "hidden_deltas": ("original", "updated"),
}

TOP_LEVEL_FIELDS = {
    "name", "title", "notation", "inputs", "targets", "samples", "layers", "loss", "reduction",
    "mode", "learning_rate", "update_biases", "hidden_deltas", "iterations", "notes",
}
MAX_NOTES_CHARS = 5000  # a few paragraphs of remarks; a longer text belongs in the document around it


@dataclass(frozen=True)
class Sample:
    inputs: tuple[float, ...]
    targets: tuple[float, ...]


@dataclass(frozen=True)
class Layer:
    activation: str
    alpha: float | None  # leaky_relu slope; None for every other activation
    weights: tuple[tuple[float, ...], ...]  # weights[j][k]: neuron k below -> neuron j here
    bias: float | tuple[float, ...] | None  # shared, per neuron, or none

    @property
    def width(self) -> int:
        return len(self.weights)

    @property
    def bias_kind(self) -> str:
        """"none", "shared" (one bias for the layer) or "per_neuron"."""
        return "none" if self.bias is None else "shared" if isinstance(self.bias, float) else "per_neuron"

    @property
    def shares_bias(self) -> bool:
        """One bias added to several neurons: a one-neuron layer's bias is just its neuron's bias."""
        return self.bias_kind == "shared" and self.width > 1


@dataclass(frozen=True)
class Spec:
    name: str
    title: str | None
    notation: str
    samples: tuple[Sample, ...]
    layers: tuple[Layer, ...]
    loss: str
    reduction: str
    mode: str
    learning_rate: float
    update_biases: bool
    hidden_deltas: str
    iterations: int
    source: str | None = None  # the file it was read from, which output.py never writes over
    notes: tuple[str, ...] = ()  # the spec's remarks, one text per paragraph, printed after the given values

    @property
    def widths(self) -> tuple[int, ...]:
        """Neurons per layer, input layer first."""
        return (len(self.samples[0].inputs),) + tuple(layer.width for layer in self.layers)

    @property
    def parameter_count(self) -> int:
        count = 0
        for layer in self.layers:
            count += sum(len(row) for row in layer.weights)
            count += {"none": 0, "shared": 1, "per_neuron": layer.width}[layer.bias_kind]
        return count


PARSERS = {
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json",
}


def example_names() -> list[str]:
    folder = resources.files("symbackprop.examples")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_spec(source: str | Path, **overrides: Any) -> Spec:
    """Load a spec file, or a built-in example by name; ``overrides`` replace top-level fields."""
    data, default_name, path = spec_data(source, **overrides)
    spec = validate(data, default_name=default_name)
    return replace(spec, source=str(path)) if path.exists() else spec


def spec_data(source: str | Path, **overrides: Any) -> tuple[dict, str, Path]:
    """A spec file's (or an example's) fields as parsed, not yet validated (a template's draws are
    still in them), with the default name its stem gives and its path."""
    path = Path(source)
    if path.suffix.lower() in PARSERS and path.exists():
        text = read_bounded(path, INPUT_LIMITS["file bytes"], "a spec")
        stem, kind = path.stem, PARSERS[path.suffix.lower()]
    elif str(source) in example_names():
        text = (resources.files("symbackprop.examples") / f"{source}.yaml").read_text("utf-8")
        stem, kind = str(source), "yaml"
    elif path.suffix.lower() in PARSERS:
        raise SpecError(f"{source}: no such file")
    else:
        raise SpecError(
            f"{source}: not a spec file (.yaml, .yml, .toml, .json) nor a built-in example "
            f"({', '.join(example_names())})"
        )
    data = parse_text(text, kind, str(source))
    data.update({k: v for k, v in overrides.items() if v is not None})
    return data, output_name(stem), path


def output_name(stem: str) -> str:
    """A file name stem made safe as the default ``name``: other characters become '-'."""
    cleaned = "".join(c if c.isascii() and c.isalnum() or c in "-_." else "-" for c in stem).lstrip("-.")
    return cleaned[:INPUT_LIMITS["name characters"]] or "network"


def validate(data: dict, default_name: str = "network") -> Spec:
    drawn = first_draw(data)
    if drawn is not None:
        raise SpecError(f"{drawn}: a draw makes this spec a template, which has no single solution; draw concrete "
                        f"specs from it with `symbackprop variants SPEC -n N`")
    unknown = sorted(map(str, set(data) - TOP_LEVEL_FIELDS))
    if unknown:
        raise SpecError(f"{unknown[0]}: unknown field; valid fields: {', '.join(sorted(TOP_LEVEL_FIELDS))}")
    samples = _samples(data)
    if len(samples[0].inputs) > LIMITS["neurons per layer"]:
        raise SpecError(f"inputs: {len(samples[0].inputs)} values; a worked solution allows at most "
                        f"{LIMITS['neurons per layer']} neurons per layer, the input layer included")
    layers = _layers(data.get("layers"), len(samples[0].inputs))
    for i, sample in enumerate(samples):
        if len(sample.targets) != layers[-1].width:
            where = "targets" if "samples" not in data else f"samples[{i}].targets"
            raise SpecError(
                f"{where}: expected {layers[-1].width} values (one per output neuron), found {len(sample.targets)}"
            )
    spec = Spec(
        name=_name(data, default_name),
        title=_text(data, "title", None),
        notation=_choice(data, "notation", tuple(NOTATIONS), "nielsen"),
        samples=samples,
        layers=layers,
        loss=_choice(data, "loss", tuple(LOSSES), "half_sse"),
        reduction=_choice(data, "reduction", CHOICES["reduction"], "mean"),
        mode=_choice(data, "mode", CHOICES["mode"], "batch"),
        learning_rate=_learning_rate(data),
        update_biases=_flag(data, "update_biases", True),
        hidden_deltas=_choice(data, "hidden_deltas", CHOICES["hidden_deltas"], "original"),
        iterations=_iterations(data),
        notes=_notes(data),
    )
    _check_rules(spec, "samples" in data)
    _check_size(spec)
    return spec


def _check_rules(spec: Spec, listed_samples: bool) -> None:
    """What the rule rows ask of a network: softmax on the output layer only; a logarithmic loss on
    outputs between 0 and 1, with targets between 0 and 1 (summing to 1 for cross_entropy)."""
    for i, layer in enumerate(spec.layers[:-1]):
        if ACTIVATIONS[layer.activation].output_only:
            raise SpecError(f"layers[{i}].activation: {layer.activation} is for the output layer only (each of its "
                            f"outputs depends on every net input of the layer); use it on the last layer")
    loss, output = LOSSES[spec.loss], spec.layers[-1].activation
    if not loss.logarithmic:
        return
    if not ACTIVATIONS[output].probabilities:
        raise SpecError(f"loss: {spec.loss} takes the logarithm of every output, so the output layer needs outputs "
                        f"between 0 and 1 (sigmoid or softmax), found {output}")
    for i, sample in enumerate(spec.samples):
        field = f"samples[{i}].targets" if listed_samples else "targets"
        for j, t in enumerate(sample.targets):
            if not 0.0 <= t <= 1.0:
                raise SpecError(f"{field}[{j}]: {spec.loss} needs targets between 0 and 1, found {t!r}")
        total = math.fsum(sample.targets)
        if loss.distribution and abs(total - 1.0) > 4 * len(sample.targets) * sys.float_info.epsilon:
            raise SpecError(f"{field}: {spec.loss} needs targets that sum to 1 (a one-hot vector or a probability "
                            f"distribution), found a sum of {total!r}")


def number(value: Any, field: str) -> float:
    """A finite float from a YAML/TOML/JSON number or a string such as "0.25" or "1/3".

    Text is parsed as decimals (and one "/"), never evaluated, and its size is bounded before any
    arithmetic: "1e100000000" would otherwise become an integer of a hundred million digits.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecError(f"{field}: expected a number, found {describe(value)}")
    written = value
    if isinstance(value, str):
        value = _fraction(value, field)
    elif isinstance(value, int) and value.bit_length() > 1100:  # beyond any float, and long to print
        raise SpecError(f"{field}: expected a finite number within the float range, found an integer of "
                        f"{value.bit_length() * 3 // 10:,} or more digits")
    try:
        result = float(value)
    except OverflowError:  # a fraction beyond the float range
        result = math.inf
    if not math.isfinite(result) or (result == 0 and value != 0):  # 1e-400 would silently be 0
        raise SpecError(f"{field}: expected a finite number within the float range, found {describe(written)}")
    return result


def _fraction(text: str, field: str) -> Fraction:
    limit = INPUT_LIMITS["number characters"]
    if len(text) > limit:
        raise SpecError(f"{field}: expected a number of at most {limit} characters, found {describe(text)} "
                        f"({len(text):,} characters)")
    parts = text.strip().split("/")
    try:
        decimals = [Decimal(part.strip()) for part in parts] if len(parts) <= 2 and all(parts) else None
    except InvalidOperation:
        decimals = None
    if decimals is None:
        raise SpecError(f"{field}: expected a number such as 0.25 or \"1/3\", found {describe(text)}")
    if not all(d.is_finite() for d in decimals):
        raise SpecError(f"{field}: expected a finite number, found {describe(text)}")
    if any(d and abs(d.adjusted()) > INPUT_LIMITS["decimal exponent"] for d in decimals):
        raise SpecError(f"{field}: expected a finite number within the float range, found {describe(text)}")
    if len(decimals) == 2 and not decimals[1]:
        raise SpecError(f"{field}: expected a number, found a division by zero: {describe(text)}")
    return Fraction(decimals[0]) / (Fraction(decimals[1]) if len(decimals) == 2 else 1)


def _vector(value: Any, field: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise SpecError(f"{field}: expected a non-empty list of numbers, found {describe(value)}")
    return tuple(number(v, f"{field}[{i}]") for i, v in enumerate(value))


def _samples(data: dict) -> tuple[Sample, ...]:
    if "samples" in data:
        if "inputs" in data or "targets" in data:
            raise SpecError("samples: give either samples or top-level inputs/targets, not both")
        raw = data["samples"]
        if not isinstance(raw, list) or not raw:
            raise SpecError(f"samples: expected a non-empty list of {{inputs, targets}}, found {describe(raw)}")
        samples = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or set(item) != {"inputs", "targets"}:
                raise SpecError(f"samples[{i}]: expected a mapping with exactly inputs and targets")
            samples.append(Sample(_vector(item["inputs"], f"samples[{i}].inputs"),
                                  _vector(item["targets"], f"samples[{i}].targets")))
        for i, sample in enumerate(samples):
            if len(sample.inputs) != len(samples[0].inputs):
                raise SpecError(f"samples[{i}].inputs: expected {len(samples[0].inputs)} values like samples[0], "
                                f"found {len(sample.inputs)}")
        if len(samples) > LIMITS["samples"]:
            raise SpecError(f"samples: {len(samples)} samples; a worked solution allows at most {LIMITS['samples']}")
        return tuple(samples)
    for field in ("inputs", "targets"):
        if field not in data:
            raise SpecError(f"{field}: missing; give inputs and targets, or a list of samples")
    return (Sample(_vector(data["inputs"], "inputs"), _vector(data["targets"], "targets")),)


def _layers(raw: Any, below: int) -> tuple[Layer, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"layers: expected a non-empty list of layers, found {describe(raw)}")
    if len(raw) > LIMITS["layers"]:
        raise SpecError(f"layers: {len(raw)} layers; a worked solution allows at most {LIMITS['layers']}")
    layers = []
    for i, item in enumerate(raw):
        layer = _layer(item, f"layers[{i}]", below, layer_number=i + 1)
        layers.append(layer)
        below = layer.width
    return tuple(layers)


def _layer(item: Any, field: str, below: int, layer_number: int) -> Layer:
    if not isinstance(item, dict):
        raise SpecError(f"{field}: expected a mapping with activation, weights and bias")
    unknown = sorted(map(str, set(item) - {"activation", "weights", "bias"}))
    if unknown:
        raise SpecError(f"{field}.{unknown[0]}: unknown field; valid fields: activation, bias, weights")
    activation, alpha = _activation(item.get("activation"), f"{field}.activation")
    weights = _matrix(item.get("weights"), f"{field}.weights", below, layer_number)
    bias = item.get("bias")
    if isinstance(bias, list):
        bias = _vector(bias, f"{field}.bias")
        if len(bias) != len(weights):
            raise SpecError(f"{field}.bias: expected {len(weights)} values (one per neuron of layer "
                            f"{layer_number}) or one shared number, found {len(bias)}")
    elif bias is not None:
        bias = number(bias, f"{field}.bias")
    return Layer(activation, alpha, weights, bias)


def _activation(raw: Any, field: str) -> tuple[str, float | None]:
    valid = ", ".join(ACTIVATIONS)
    params: dict = {}
    if isinstance(raw, dict):
        params = dict(raw)
        raw = params.pop("name", None)
    if not isinstance(raw, str) or raw not in ACTIVATIONS:
        raise SpecError(f"{field}: expected one of {valid}, found {describe(raw)}")
    parameter = ACTIVATIONS[raw].parameter
    extra = sorted(map(str, set(params) - ({parameter.name} if parameter else set())))
    if extra:
        raise SpecError(f"{field}.{extra[0]}: {raw} takes no parameter {extra[0]!r}")
    if parameter is None:
        return raw, None
    return raw, number(params.get(parameter.name, parameter.default), f"{field}.{parameter.name}")


def _matrix(raw: Any, field: str, below: int, layer_number: int) -> tuple[tuple[float, ...], ...]:
    expected = f"expected a matrix of n rows x {below} columns (one row per neuron of layer {layer_number}, " \
               f"one column per neuron of layer {layer_number - 1})"
    if not isinstance(raw, list) or not raw or not all(isinstance(row, list) for row in raw):
        raise SpecError(f"{field}: {expected}, found {describe(raw)}")
    found = "x".join([str(len(raw)), "/".join(sorted({str(len(r)) for r in raw}))])
    if any(len(row) != below for row in raw):
        raise SpecError(f"{field}: {expected}, found {found}")
    if len(raw) > LIMITS["neurons per layer"]:
        raise SpecError(f"{field}: {len(raw)} neurons; a worked solution allows at most "
                        f"{LIMITS['neurons per layer']} per layer")
    return tuple(tuple(number(v, f"{field}[{j}][{k}]") for k, v in enumerate(row)) for j, row in enumerate(raw))


def _choice(data: dict, field: str, valid: tuple[str, ...], default: str) -> str:
    value = data.get(field, default)
    if value not in valid:
        raise SpecError(f"{field}: expected one of {', '.join(valid)}, found {describe(value)}")
    return value


def _text(data: dict, field: str, default: str | None) -> str | None:
    """A one-line text; ``null`` counts as absent. Runs of white space (new lines too) become one space."""
    value = data.get(field)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{field}: expected a non-empty text, found {describe(value)}")
    text = " ".join(value.split())
    control = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if control is not None:
        raise SpecError(f"{field}: contains the control character U+{ord(control):04X}, which no document can "
                        f"show; remove it")
    return text


def _notes(data: dict) -> tuple[str, ...]:
    """Free text in paragraphs (separated by blank lines), each checked as a title is."""
    value = data.get("notes")
    if value is None:
        return ()
    if isinstance(value, str) and len(value) > MAX_NOTES_CHARS:
        raise SpecError(f"notes: expected at most {MAX_NOTES_CHARS} characters, found {len(value)}")
    if not isinstance(value, str):
        raise SpecError(f"notes: expected a text, found {describe(value)}")
    paragraphs = [p for p in re.split(r"\n\s*\n", value) if p.strip()]
    return tuple(_text({"notes": p}, "notes", None) for p in paragraphs)


def _name(data: dict, default: str) -> str:
    name = _text(data, "name", default)
    limit = INPUT_LIMITS["name characters"]
    if len(name) > limit:
        raise SpecError(f"name: at most {limit} characters (it names the output files), found {len(name)}")
    if name != output_name(name):
        raise SpecError(f"name: expected letters, digits, '-', '_' or '.', not starting with '-' or '.' "
                        f"(it names the output files), found {name!r}")
    return name


def _flag(data: dict, field: str, default: bool) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise SpecError(f"{field}: expected true or false, found {describe(value)}")
    return value


def _learning_rate(data: dict) -> float:
    if "learning_rate" not in data:
        raise SpecError("learning_rate: missing; expected a positive number such as 0.5")
    rate = number(data["learning_rate"], "learning_rate")
    if rate <= 0:
        raise SpecError(f"learning_rate: expected a positive number, found {data['learning_rate']!r}")
    return rate


def _iterations(data: dict) -> int:
    value, most = data.get("iterations", 1), LIMITS["iterations"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise SpecError(f"iterations: expected a whole number from 1 to {most:,}, found {describe(value)}")
    return value


def _check_size(spec: Spec) -> None:
    if spec.parameter_count > LIMITS["parameters"]:
        raise SpecError(f"layers: {spec.parameter_count} weights and biases; a worked solution allows at most "
                        f"{LIMITS['parameters']}")
    worked = spec.parameter_count * len(spec.samples)
    if worked > LIMITS["worked parameters"]:
        raise SpecError(f"samples: {len(spec.samples)} samples x {spec.parameter_count} weights and biases are "
                        f"{worked:,} worked parameters; a worked solution allows at most "
                        f"{LIMITS['worked parameters']:,} (use fewer samples or a smaller network)")
    per_iteration = len(spec.samples) * (spec.parameter_count + 2)
    if spec.iterations * per_iteration > LIMITS["training work"]:
        most = LIMITS["training work"] // per_iteration
        raise SpecError(f"iterations: {spec.iterations} is too many for this network; at most {most} "
                        f"(iterations x samples x (parameters + 2) <= {LIMITS['training work']:,})")
