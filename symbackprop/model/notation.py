"""Notations as data: one table of LaTeX label formats per notation (DESIGN.md section 4).

A format may use ``{l}`` (layer), ``{j}``/``{k}`` (neuron indices from 1), ``{j0}``/``{k0}`` (from 0),
``{n}`` (the parameter's running number, layer by layer and row by row), ``{tag}`` (a neuron's name
such as ``h1`` or ``o2``) and ``{sep}`` (a comma between two indices once either can reach 10).
Labels are unique for any depth and width; the tests check that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .quantities import Quantity


def _mazur_tag(layer: int, j: int, depth: int) -> str:
    """Mazur's neuron names: i1 for inputs, o1 for outputs, h1 (or h2,1 with several hidden layers)."""
    if layer == 0:
        return f"i{j}"
    if layer == depth:
        return f"o{j}"
    return f"h{j}" if depth == 2 else f"h{layer},{j}"


def _plain_tag(layer: int, j: int, depth: int) -> str:
    return f"{layer},{j}"


_SUPERSCRIPT = re.compile(r"\^\{[^{}]*\}")  # a label's superscript: the notations' formats nest no braces in it


def _joined(label: str, mark: str) -> str:
    """``mark`` in the label's superscript, as seed 000 writes w_{10}^{1+}: w^{1+}_{10}, W^{(2)+};
    a label without one gets its own, w_{5}^{+}."""
    superscript = _SUPERSCRIPT.search(label)
    if superscript is None:
        return f"{label}^{{{mark}}}"
    return f"{label[:superscript.end() - 1]}{mark}{label[superscript.end() - 1:]}"


def _after(label: str, mark: str) -> str:
    """``mark`` after the whole label: a_{2,1}^{(3)}, a^{2}_{1}[3]; a
    superscript mark on a label with a superscript (or a fraction) goes on the braced label, not inside."""
    raised = mark.startswith(("^", "'"))
    return f"{{{label}}}{mark}" if raised and re.search(r"[\^']|\\frac", label) else f"{label}{mark}"


@dataclass(frozen=True)
class Mark:
    """How a notation marks a label: its text, and where it goes (_joined, _on_letter or _after)."""

    text: str
    place: Callable[[str, str], str]

    def __call__(self, label: str, **fields) -> str:
        return self.place(label, self.text.format(**fields))


def _on_letter(label: str, mark: str) -> str:
    """``mark`` on the label's letter, before its indices, as a new name: w'^{2}_{11} is w′²₁₁, W'_{2}."""
    return label[:1] + mark + label[1:]


#: An updated parameter: w_{5}^{+} (Mazur), w^{1+}_{10} (seed 000), w'_{2} (seed 002), w'^{2}_{11} (Nielsen)
PLUS, PRIME = Mark("+", _joined), Mark("'", _on_letter)
#: A sample's value: ^{(s)} where no label has a layer superscript that (s) could be read as; else [s]
SAMPLE_SUPERSCRIPT, SAMPLE_BRACKET = Mark("^{{({s})}}", _after), Mark("[{s}]", _after)


@dataclass(frozen=True)
class Notation:
    formats: dict[str, str]
    generic: dict[str, str]  # unindexed labels for the rules section
    updated: Mark  # one mark for an updated parameter, in the chain form, the matrix form and the tables
    sample: Mark  # one mark for a sample's value, which no layer index can be mistaken for
    weight_first: bool = True  # net input written w*a (Mazur) or a*w (seed 002)
    wide_formats: dict[str, str] = field(default_factory=dict)  # overrides once a layer has 2+ neurons
    tag: Callable[[int, int, int], str] = _plain_tag
    # Nielsen's matrix form: a layer's weight matrix and its vectors, by kind, with {l} the layer
    matrices: dict[str, str] = field(default_factory=dict)
    # how to read its labels, said once in §1 (prose with $…$ maths): what each index counts
    reading: str = ""
    first: int = 1  # the number of a layer's first neuron, where a sum over a layer begins


NOTATIONS: dict[str, Notation] = {
    "mazur": Notation(
        formats={
            "input": "i_{{{k}}}", "net": "net_{{{tag}}}", "out": "out_{{{tag}}}",
            "target": "target_{{{tag}}}", "term": "E_{{{tag}}}", "error": "E_{{total}}",
            "delta": "\\delta_{{{tag}}}", "weight": "w_{{{n}}}", "bias": "b_{{{n}}}", "rate": "\\eta",
        },
        generic={"net": "net", "out": "out", "target": "target", "error": "E_{total}", "input": "i", "weight": "w"},
        updated=PLUS, sample=SAMPLE_BRACKET,  # W^{(2)} in the matrix form: a sample's (2) would read as a layer
        tag=_mazur_tag,
        matrices={"weights": "W^{{({l})}}", "biases": "b^{{({l})}}", "nets": "net^{{({l})}}", "outs": "out^{{({l})}}",
                  "inputs": "i", "deltas": "\\delta^{{({l})}}", "targets": "target", "error": "E_{{total}}"},
        reading=("Each neuron is named by its layer and number ($i_{1}$ an input, $h_{1}$ a hidden neuron, $o_{1}$ an "
                 "output): $\\mathrm{net}_{h1}$ is $h_{1}$'s net input and $\\mathrm{out}_{h1}$ its output; the weights "
                 "$w_{1}, w_{2}, \\dots$ and biases $b_{1}, b_{2}, \\dots$ are numbered layer by layer, row by row."),
    ),
    "nielsen": Notation(
        formats={
            "input": "x_{{{k}}}", "net": "z^{{{l}}}_{{{j}}}", "out": "a^{{{l}}}_{{{j}}}",
            "target": "y_{{{j}}}", "term": "C_{{{j}}}", "error": "C",
            "delta": "\\delta^{{{l}}}_{{{j}}}", "weight": "w^{{{l}}}_{{{j}{sep}{k}}}",
            "bias": "b^{{{l}}}_{{{j}}}", "shared_bias": "b^{{{l}}}", "rate": "\\eta",
        },
        generic={"net": "z", "out": "a", "target": "y", "error": "C", "input": "x", "weight": "w"},
        updated=PRIME, sample=SAMPLE_BRACKET,
        matrices={"weights": "W^{{{l}}}", "biases": "b^{{{l}}}", "nets": "z^{{{l}}}", "outs": "a^{{{l}}}", "inputs": "x",
                  "deltas": "\\delta^{{{l}}}", "targets": "y", "error": "C"},
        reading=("A superscript is a layer, not a power: $z^{l}_{j}$ and $a^{l}_{j}$ are the net input and output of "
                 "neuron $j$ of layer $l$, $w^{l}_{jk}$ is the weight into it from neuron $k$ of layer $l - 1$ and "
                 "$b^{l}_{j}$ its bias; $x_{k}$ is input $k$ and $y_{j}$ the target of output $j$."),
    ),
    "course": Notation(
        formats={
            "input": "x", "net": "z_{{{l}}}", "out": "a_{{{l}}}", "target": "T", "term": "E_{{{j}}}",
            "error": "E", "delta": "\\delta_{{{l}}}", "weight": "w_{{{n}}}", "bias": "b_{{{n}}}",
            "rate": "\\eta",
        },
        wide_formats={
            "input": "x_{{{k}}}", "net": "z_{{{l},{j}}}", "out": "a_{{{l},{j}}}", "target": "T_{{{j}}}",
            "term": "E_{{{j}}}", "delta": "\\delta_{{{l},{j}}}",
        },
        generic={"net": "z", "out": "a", "target": "T", "error": "E", "input": "x", "weight": "w"},
        updated=PRIME, sample=SAMPLE_SUPERSCRIPT,  # seed 002 writes w_2'; its layers are subscripts
        weight_first=False,
        matrices={"weights": "W_{{{l}}}", "biases": "b_{{{l}}}", "nets": "z_{{{l}}}", "outs": "a_{{{l}}}", "inputs": "x",
                  "deltas": "\\delta_{{{l}}}", "targets": "T", "error": "E"},
        reading=("$x$ is the input and $T$ the target ($x_{k}$ and $T_{j}$ where there are several); a subscript counts layers: $z_{l}$ and $a_{l}$ are layer $l$'s "
                 "net input and output ($z_{l,j}$ and $a_{l,j}$ neuron $j$'s, where a layer has several), and the "
                 "weights $w_{1}, w_{2}, \\dots$ and biases $b_{1}, b_{2}, \\dots$ are numbered layer by layer."),
    ),
    "indexed": Notation(
        formats={
            "input": "a_{{0{sep}{k0}}}", "net": "z_{{{l}{sep}{j0}}}", "out": "a_{{{l}{sep}{j0}}}",
            "target": "t_{{{j0}}}", "term": "E_{{{j0}}}", "error": "E",
            "delta": "\\delta_{{{l}{sep}{j0}}}", "weight": "w^{{{l}}}_{{{j0}{sep}{k0}}}",
            "bias": "b^{{{l}}}_{{{j0}}}", "shared_bias": "b^{{{l}}}", "rate": "\\eta",
        },
        generic={"net": "z", "out": "a", "target": "t", "error": "E", "input": "a", "weight": "w"},
        updated=PLUS, sample=SAMPLE_BRACKET, first=0,  # every neuron index from 0, targets too (t_0 beside a_{20})
        matrices={"weights": "W^{{{l}}}", "biases": "b^{{{l}}}", "nets": "z_{{{l}}}", "outs": "a_{{{l}}}",
                  "inputs": "a_{{0}}", "deltas": "\\delta_{{{l}}}", "targets": "t", "error": "E"},
        reading=("Neurons are counted from 0: $z_{lj}$ and $a_{lj}$ are the net input and output of neuron $j$ of "
                 "layer $l$ ($a_{0k}$ is input $k$) and $t_{j}$ the target of output $j$; $w^{l}_{jk}$ is the weight of "
                 "layer $l$ into neuron $j$ from neuron $k$ of layer $l - 1$, and $b^{l}_{j}$ its bias (a superscript "
                 "is a layer, not a power)."),
    ),
}


#: Matrices of the matrix form named after others: {weights}, {nets}, ... are the notation's labels.
DERIVED_MATRICES = {
    "activated": "\\sigma\\left({nets}\\right)",
    "slopes": "\\sigma'\\left({nets}\\right)",
    "grad_outs": "\\nabla_{{{outs}}} {error}",
    "jacobian": "\\frac{{\\partial {outs}}}{{\\partial {nets}}}",
    "gradient_weights": "\\frac{{\\partial {error}}}{{\\partial {weights}}}",
    "gradient_biases": "\\frac{{\\partial {error}}}{{\\partial {biases}}}",
}


_NAME = re.compile(r"(?<![\\A-Za-z])([A-Za-z]{2,})")  # a run of letters that is no command


class Labels:
    """Maps a :class:`Quantity` to its LaTeX label for one network in one notation."""

    def __init__(self, notation: str, widths: tuple[int, ...], bias_kinds: tuple[str, ...], samples: int,
                 upright: bool = False):
        self.notation = NOTATIONS[notation]
        self.upright = upright  # multi-letter names set upright (\mathrm{net}), as documents print them
        self.widths = widths  # neurons per layer, input layer first
        self.samples = samples
        self.formats = dict(self.notation.formats)
        if max(widths) > 1:
            self.formats.update(self.notation.wide_formats)
        self.sep = "," if max(widths) >= 10 else ""
        self.weight_offsets, self.bias_numbers = _numbering(widths, bias_kinds)
        self._cache: dict[Quantity, str] = {}

    @property
    def weight_first(self) -> bool:
        return self.notation.weight_first

    @classmethod
    def for_spec(cls, spec, upright: bool = False) -> "Labels":
        """``upright``: for documents; the labels sheets and the JSON use stay plain (net_{h1})."""
        kinds = tuple(layer.bias_kind for layer in spec.layers)
        return cls(spec.notation, spec.widths, kinds, len(spec.samples), upright)

    def __call__(self, q: Quantity) -> str:
        label = self._cache.get(q)
        if label is None:
            label = self._cache[q] = self._set(self._label(q))
        return label

    def _set(self, label: str) -> str:
        """net_{h1} as \\mathrm{net}_{h1} when upright: a name of several letters is a word, not a
        product of variables."""
        return _NAME.sub(r"\\mathrm{\1}", label) if self.upright else label

    def matrix(self, q: Quantity) -> str:
        """A layer's vector or matrix in the matrix form; derived ones (gradients, σ'(z), J) are
        built from the notation's own letters (DERIVED_MATRICES)."""
        formats = self.notation.matrices
        if q.kind in DERIVED_MATRICES:
            parts = {kind: formats[kind].format(l=q.layer) for kind in ("weights", "biases", "nets", "outs", "error")}
            label = DERIVED_MATRICES[q.kind].format(**parts)
        else:
            label = formats[q.kind].format(l=q.layer)
        return self._set(self._marked(label, q))

    def generic(self, kind: str, updated: bool = False) -> str:
        label = self.notation.generic[kind]
        return self._set(self.notation.updated(label) if updated else label)

    def _label(self, q: Quantity) -> str:
        depth = len(self.widths) - 1
        kind = q.kind
        if q.kind == "bias" and q.to is None:
            kind = "shared_bias" if "shared_bias" in self.formats else "bias"
        if q.kind in ("target", "term"):
            layer, j = depth, q.to
        else:
            layer, j = q.layer, q.to
        fields = {
            "l": layer, "j": j, "k": q.source, "sep": self.sep,
            "j0": None if j is None else j - 1, "k0": None if q.source is None else q.source - 1,
            "n": self._number(q), "tag": None if j is None or layer is None else self.notation.tag(layer, j, depth),
        }
        if q.kind == "input":
            fields.update(k=q.to, k0=q.to - 1)
        label = self._marked(self.formats[kind].format(**fields), q)
        return f"\\Delta {label}" if q.change else label

    def _marked(self, label: str, q: Quantity) -> str:
        """The notation's marks: an updated parameter's, then a sample's (the same neuron's value
        differs from sample to sample)."""
        if q.updated:
            label = self.notation.updated(label)
        if q.sample is not None and self.samples > 1:
            label = self.notation.sample(label, s=q.sample)
        return label

    def _number(self, q: Quantity) -> int | None:
        if q.kind == "weight":
            return self.weight_offsets[q.layer] + (q.to - 1) * self.widths[q.layer - 1] + q.source
        if q.kind == "bias":
            return self.bias_numbers[(q.layer, q.to)]
        return None


def _numbering(widths: tuple[int, ...], bias_kinds: tuple[str, ...]):
    """Running numbers w_1..w_n and b_1..b_m, layer by layer and row by row (Mazur's numbering)."""
    weight_offsets, bias_numbers = {}, {}
    weights = biases = 0
    for layer in range(1, len(widths)):
        weight_offsets[layer] = weights
        weights += widths[layer] * widths[layer - 1]
        kind = bias_kinds[layer - 1]
        if kind == "shared":
            biases += 1
            bias_numbers[(layer, None)] = biases
        elif kind == "per_neuron":
            for j in range(1, widths[layer] + 1):
                biases += 1
                bias_numbers[(layer, j)] = biases
    return weight_offsets, bias_numbers
