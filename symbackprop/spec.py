"""Stage 1: load a network spec (YAML, TOML, JSON or a built-in example) into a validated :class:`Spec`.

Everything downstream trusts a ``Spec``: shapes agree, numbers are finite floats, names come from
the rule and notation tables. Every rejection is a :class:`SpecError` whose message starts with the
field it is about, so the CLI can print it as one line. User strings are never evaluated: numbers
written as text go through :class:`fractions.Fraction`, which only parses.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import SpecError
from .notation import NOTATIONS
from .rules import ACTIVATIONS, LOSSES

#: Limits for a worked solution; each is named in the error that enforces it.
LIMITS = {
    "neurons per layer": 32,
    "layers": 8,
    "samples": 16,
    "parameters": 2000,
    # iterations x samples x parameters: keeps the compiled training loop to seconds (see training.py).
    "training work": 50_000_000,
}

CHOICES = {
    "reduction": ("mean", "sum"),
    "mode": ("batch", "online"),
    "hidden_deltas": ("original", "updated"),
}

TOP_LEVEL_FIELDS = {
    "name", "title", "notation", "inputs", "targets", "samples", "layers", "loss", "reduction",
    "mode", "learning_rate", "update_biases", "hidden_deltas", "iterations",
}


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
    path = Path(source)
    if path.suffix.lower() in PARSERS and path.exists():
        text, stem, kind = _read(path), path.stem, PARSERS[path.suffix.lower()]
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
    return validate(data, default_name=output_name(stem))


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None


def parse_text(text: str, kind: str, where: str, numbers_as_text: bool = False) -> dict:
    """Parse without evaluating anything: safe YAML loader, stdlib TOML and JSON.

    ``numbers_as_text`` keeps numbers as written ("0.3590"), for answer sheets, where the digits count.
    """
    try:
        if kind == "yaml":
            import yaml  # only needed for YAML files

            data = yaml.load(text, Loader=yaml.BaseLoader) if numbers_as_text else yaml.safe_load(text)
        elif kind == "toml":
            import tomllib

            data = tomllib.loads(text, parse_float=str) if numbers_as_text else tomllib.loads(text)
        else:
            data = json.loads(text, parse_float=str, parse_int=str) if numbers_as_text else json.loads(text)
    except Exception as exc:  # each parser has its own error type; all mean "malformed"
        raise SpecError(f"{where}: malformed {kind.upper()}: {_parser_message(exc)}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping of fields at the top level")
    return data


def _parser_message(exc: Exception) -> str:
    """One line: PyYAML's message without its source excerpt; the others' messages as they are."""
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def output_name(stem: str) -> str:
    """A file name stem made safe as the default ``name``: other characters become '-'."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).lstrip("-.")
    return cleaned or "network"


def validate(data: dict, default_name: str = "network") -> Spec:
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
    )
    _check_size(spec)
    return spec


def number(value: Any, field: str) -> float:
    """A finite float from a YAML/TOML/JSON number or a string such as "0.25" or "1/3"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecError(f"{field}: expected a number, found {_describe(value)}")
    if isinstance(value, str):
        try:
            value = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            if _is_float_text(value):  # "inf", "nan": numbers, but not finite ones
                raise SpecError(f"{field}: expected a finite number, found {value!r}") from None
            raise SpecError(f"{field}: expected a number such as 0.25 or \"1/3\", found {value!r}") from None
    try:
        result = float(value)
    except OverflowError:  # an integer or fraction beyond the float range
        result = math.inf
    if not math.isfinite(result):
        raise SpecError(f"{field}: expected a finite number, found {value!r}")
    return result


def _is_float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _vector(value: Any, field: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise SpecError(f"{field}: expected a non-empty list of numbers, found {_describe(value)}")
    return tuple(number(v, f"{field}[{i}]") for i, v in enumerate(value))


def _samples(data: dict) -> tuple[Sample, ...]:
    if "samples" in data:
        if "inputs" in data or "targets" in data:
            raise SpecError("samples: give either samples or top-level inputs/targets, not both")
        raw = data["samples"]
        if not isinstance(raw, list) or not raw:
            raise SpecError(f"samples: expected a non-empty list of {{inputs, targets}}, found {_describe(raw)}")
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
        raise SpecError(f"layers: expected a non-empty list of layers, found {_describe(raw)}")
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
        raise SpecError(f"{field}: expected one of {valid}, found {_describe(raw)}")
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
        raise SpecError(f"{field}: {expected}, found {_describe(raw)}")
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
        raise SpecError(f"{field}: expected one of {', '.join(valid)}, found {_describe(value)}")
    return value


def _text(data: dict, field: str, default: str | None) -> str | None:
    """A one-line text; ``null`` counts as absent. Runs of white space (new lines too) become one space."""
    value = data.get(field)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{field}: expected a non-empty text, found {_describe(value)}")
    return " ".join(value.split())


def _name(data: dict, default: str) -> str:
    name = _text(data, "name", default)
    if name != output_name(name):
        raise SpecError(f"name: expected letters, digits, '-', '_' or '.', not starting with '-' or '.' "
                        f"(it names the output files), found {name!r}")
    return name


def _flag(data: dict, field: str, default: bool) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise SpecError(f"{field}: expected true or false, found {_describe(value)}")
    return value


def _learning_rate(data: dict) -> float:
    if "learning_rate" not in data:
        raise SpecError("learning_rate: missing; expected a positive number such as 0.5")
    rate = number(data["learning_rate"], "learning_rate")
    if rate <= 0:
        raise SpecError(f"learning_rate: expected a positive number, found {data['learning_rate']!r}")
    return rate


def _iterations(data: dict) -> int:
    value = data.get("iterations", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"iterations: expected a whole number of at least 1, found {_describe(value)}")
    return value


def _check_size(spec: Spec) -> None:
    if spec.parameter_count > LIMITS["parameters"]:
        raise SpecError(f"layers: {spec.parameter_count} weights and biases; a worked solution allows at most "
                        f"{LIMITS['parameters']}")
    work = spec.iterations * len(spec.samples) * spec.parameter_count
    if work > LIMITS["training work"]:
        most = LIMITS["training work"] // (len(spec.samples) * spec.parameter_count)
        raise SpecError(f"iterations: {spec.iterations} is too many for this network; at most {most} "
                        f"(iterations x samples x parameters <= {LIMITS['training work']:,})")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
