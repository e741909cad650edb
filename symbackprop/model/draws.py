"""Draws in a spec: a number (or a whole vector or matrix of numbers) left to chance.

A spec with a draw is a *template*: ``{uniform: [LO, HI], decimals: D}`` is a number drawn uniformly
among the multiples of 10^-D in [LO, HI] (so every value is exactly a D-decimal number, as a sheet
prints it), ``{choice: [A, B, ...]}`` one of the listed numbers. A draw may stand where the spec
wants a number (an input, a target, a weight, a bias, the learning rate), or for a whole vector
(inputs, targets, a row of weights) or matrix (weights), whose size the rest of the spec then
fixes; every entry is drawn on its own. :func:`realise` turns a template into the data of one
concrete spec, which spec.validate checks like any other.

Draws are made in one fixed order (fields sorted by name, lists in order), so a seed gives the same
spec however the file orders its fields.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from ..errors import SpecError
from .reading import describe

KINDS = ("uniform", "choice")
MAX_DECIMALS = 9  # a sheet's numbers have a few decimals; more would not be read by anyone
#: Where a draw may stand for one number, and where for a vector or a matrix ("*": any list index).
NUMBER_FIELDS = ("learning_rate", "inputs[*]", "targets[*]", "samples[*].inputs[*]", "samples[*].targets[*]",
                 "layers[*].weights[*][*]", "layers[*].bias", "layers[*].bias[*]")
VECTOR_FIELDS = ("inputs", "targets", "samples[*].inputs", "samples[*].targets", "layers[*].weights[*]")
MATRIX_FIELDS = ("layers[*].weights",)


@dataclass(frozen=True)
class Draw:
    """One draw as written, checked: the values it chooses among."""

    field: str
    low: int = 0  # uniform: the range in units of 10^-decimals
    high: int = 0
    decimals: int = 0
    options: tuple[float, ...] = ()  # choice: the listed numbers

    def sample(self, rng: random.Random) -> float:
        if self.options:
            return self.options[rng.randrange(len(self.options))]
        return float(Decimal(rng.randint(self.low, self.high)).scaleb(-self.decimals))


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and any(kind in value for kind in KINDS)


def first_draw(data: Any, field: str = "") -> str | None:
    """The field of the first draw in ``data`` (a template), or None (a concrete spec)."""
    return next((where for where, _ in _walk(data, field)), None)


def realise(data: dict, rng: random.Random) -> tuple[dict, dict[str, float]]:
    """The template's data with every draw replaced by drawn numbers, and what was drawn (field ->
    value, one entry per number)."""
    sizes = _widths(data)
    drawn: dict[str, float] = {}

    def replace_in(value: Any, field: str) -> Any:
        if is_draw(value):
            return _fill(parse_draw(value, field), field, sizes, rng, drawn)
        if isinstance(value, dict):  # drawn in sorted order, kept in the file's order
            replaced = {k: replace_in(value[k], _join(field, k)) for k in sorted(value, key=str)}
            return {k: replaced[k] for k in value}
        if isinstance(value, list):
            return [replace_in(v, f"{field}[{i}]") for i, v in enumerate(value)]
        return value

    return replace_in(data, ""), drawn


def check_draws(data: dict) -> None:
    """Every draw of a template well formed and standing where numbers go: SpecError otherwise."""
    sizes = _widths(data)
    for field, value in _walk(data, ""):
        parse_draw(value, field)
        _shape(field, sizes)


def parse_draw(value: dict, field: str) -> Draw:
    kinds = [k for k in KINDS if k in value]
    allowed = {"uniform": {"uniform", "decimals"}, "choice": {"choice"}}[kinds[0]]
    extra = sorted(map(str, set(value) - allowed))
    if len(kinds) > 1 or extra:
        raise SpecError(f"{field}: a draw is {{uniform: [LO, HI], decimals: D}} or {{choice: [A, B, ...]}}, "
                        f"found {describe(value)}")
    if kinds[0] == "choice":
        return _choice(value["choice"], field)
    return _uniform(value["uniform"], value.get("decimals", 2), field)


def _uniform(bounds: Any, decimals: Any, field: str) -> Draw:
    from .spec import number  # the one parser of numbers as written

    if not isinstance(bounds, list) or len(bounds) != 2:
        raise SpecError(f"{field}.uniform: expected [LO, HI], two numbers, found {describe(bounds)}")
    low, high = (number(b, f"{field}.uniform[{i}]") for i, b in enumerate(bounds))
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        raise SpecError(f"{field}.decimals: expected a whole number from 0 to {MAX_DECIMALS}, found {describe(decimals)}")
    if low >= high:
        raise SpecError(f"{field}.uniform: expected LO < HI (a range of more than one point), found "
                        f"[{low!r}, {high!r}]")
    scale = Decimal(10) ** decimals
    first, last = math.ceil(Decimal(repr(low)) * scale), math.floor(Decimal(repr(high)) * scale)  # as written
    if last - first < 1:
        found = "no number" if last < first else "one number"
        raise SpecError(f"{field}.decimals: [{low!r}, {high!r}] holds {found} with {decimals} decimals; "
                        f"a draw needs at least two (widen the range or allow more decimals)")
    return Draw(field, first, last, decimals)


def _choice(options: Any, field: str) -> Draw:
    from .spec import number

    if not isinstance(options, list) or len(options) < 2:
        raise SpecError(f"{field}.choice: expected a list of at least two numbers, found {describe(options)}")
    values = tuple(number(v, f"{field}.choice[{i}]") for i, v in enumerate(options))
    return Draw(field, options=values)


def _fill(draw: Draw, field: str, sizes: dict, rng: random.Random, drawn: dict) -> Any:
    """One number, or a vector or matrix of them (its size from the rest of the spec)."""
    shape = _shape(field, sizes)
    if not shape:
        drawn[field] = draw.sample(rng)
        return drawn[field]
    if len(shape) == 1:
        return [_fill(draw, f"{field}[{i}]", sizes, rng, drawn) for i in range(shape[0])]
    return [[_fill(draw, f"{field}[{j}][{k}]", sizes, rng, drawn) for k in range(shape[1])] for j in range(shape[0])]


def _shape(field: str, sizes: dict) -> tuple[int, ...]:
    """() where a draw stands for a number; (n,) for a vector; (rows, columns) for a matrix."""
    pattern = _pattern(field)
    if pattern in NUMBER_FIELDS:
        return ()
    if pattern not in VECTOR_FIELDS + MATRIX_FIELDS:
        raise SpecError(f"{field}: a draw stands for numbers (inputs, targets, weights, biases, the learning "
                        f"rate), not for {field.rsplit('.', 1)[-1] or 'this field'}")
    indices = [int(i) for i in _INDICES.findall(field)]
    last = field.rsplit(".", 1)[-1].split("[", 1)[0]
    layer = indices[0] + 1 if field.startswith("layers") else None
    wanted = {"inputs": [0], "targets": [-1], "weights": [layer, layer - 1] if layer else []}[last]
    if pattern == "layers[*].weights[*]":
        wanted = [layer - 1]
    shape = tuple(sizes.get(w) for w in wanted)
    if None in shape:
        hint = "one draw per row (weights: [DRAW, DRAW]) fixes the layer's neurons" if last == "weights" else \
            "write the list with a draw per entry"
        raise SpecError(f"{field}: a draw for a whole list needs its size, which the rest of the spec does not "
                        f"fix; {hint}")
    return shape


def _widths(data: dict) -> dict[int, int]:
    """Neurons per layer (0: inputs; -1: the output layer), as far as the template's lists fix them."""
    layers = data.get("layers") if isinstance(data.get("layers"), list) else []
    layers = [layer if isinstance(layer, dict) else {} for layer in layers]
    samples = data.get("samples") if isinstance(data.get("samples"), list) else []
    first = samples[0] if samples and isinstance(samples[0], dict) else data
    known: dict[int, int] = {}
    for l, value in [(0, first.get("inputs")), (len(layers), first.get("targets"))]:
        if isinstance(value, list):
            known[l] = len(value)
    for l, layer in enumerate(layers, start=1):
        weights, bias = layer.get("weights"), layer.get("bias")
        for size in ([len(weights)] if isinstance(weights, list) else []) + \
                    ([len(bias)] if isinstance(bias, list) else []):
            known.setdefault(l, size)
        rows = [row for row in weights if isinstance(row, list)] if isinstance(weights, list) else []
        if rows:
            known.setdefault(l - 1, len(rows[0]))
    if layers and len(layers) in known:
        known[-1] = known[len(layers)]
    return known


def _walk(value: Any, field: str) -> Iterator[tuple[str, dict]]:
    if is_draw(value):
        yield field, value
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _walk(value[key], _join(field, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{field}[{i}]")


def _join(field: str, key: Any) -> str:
    return f"{field}.{key}" if field else str(key)


_INDICES = re.compile(r"\[(\d+)\]")


def _pattern(field: str) -> str:
    return _INDICES.sub("[*]", field)
