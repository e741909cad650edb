"""The pictures of a worked solution, as data: where each node and edge goes and what it says.

One layout serves every output: the LaTeX templates draw it with TikZ (and the error curve with
pgfplots), the SVG templates draw it for Markdown. Coordinates are in layout units, y growing
downwards (SVG's way; the TikZ macros flip it); placement.py says how big the texts are in each.
Like the seeds' figures, the network picture labels each edge with its weight and value, every
edge or none: a picture whose layers are at most LABELLED_WIDTH neurons wide is labelled; a wider
one (3 x 3 edges cross too often) is drawn unlabelled, and so is one where some label finds no
free place (placement.py) even with its layers spread apart; the given values' table right below
the picture then carries the numbers. A label's sub- and superscripts are runs of text, so that
the SVG sets them as scripts as TeX does (out with a subscript h1, never out_h1).
"""

from __future__ import annotations

import math
import re

from .placement import baseline, place_labels, sizes, svg_label
from .unicode import plain

LAYER_GAP = 4.0  # layout units between two columns of neurons
NEURON_GAP = 1.6  # between two neurons of a column
#: the gaps tried, times LAYER_GAP and NEURON_GAP, until every label has a free place
SPREAD = ((1.0, 1.0), (1.25, 1.0), (1.5, 1.0), (1.5, 1.25), (1.75, 1.25), (2.0, 1.25), (2.0, 1.5), (2.5, 1.5))
LABELLED_WIDTH = 2  # a picture with a wider layer is drawn without edge labels
CURVE_POINTS = 200  # points of the error curve, evenly spaced over the iterations
LOG_SPAN = 100.0  # an error curve spanning this factor or more is drawn on a log scale
MOST_TICKS = 6  # on an axis: six labels of five digits stay well apart at 0.8 of the text width
MOST_DECADES = 8  # on a log axis (a 6 cm pgfplots axis holds 8 labels): every decade up to seven decades
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\w))")


def network_figure(view, highlight=None) -> dict:
    """The network: inputs, neurons by layer, a bias node per layer that has biases, every edge
    with its parameter's label (and value, unless symbolic), every edge labelled or none.
    ``highlight``: a parameter whose gradient's paths are drawn on (the parameter's edge and every
    edge after its neuron)."""
    if max(view.solution.spec.widths) <= LABELLED_WIDTH:
        for spread in SPREAD:
            figure = _layout(view, highlight, spread, labelled=True)
            if place_labels(figure["edges"], figure["nodes"], figure):
                return figure
    return _layout(view, highlight, SPREAD[0], labelled=False)


def runs(latex: str) -> list[dict]:
    """A LaTeX label as runs of text, each at its level (0, 1 a superscript, -1 a subscript):
    \\mathrm{out}_{h1} is out, then h1 below; a^{1}_{1} is a, 1 above, 1 below."""
    found, start = [], 0
    for script in _SCRIPT.finditer(latex):
        if script.start() > start:
            found.append({"text": plain(latex[start:script.start()]), "level": 0})
        inner = script.group(2) if script.group(2) is not None else script.group(3)
        found.append({"text": plain(inner), "level": 1 if script.group(1) == "^" else -1})
        start = script.end()
    if start < len(latex):
        found.append({"text": plain(latex[start:]), "level": 0})
    return found


def _layout(view, highlight, spread: tuple[float, float], labelled: bool) -> dict:
    """Nodes and edges, columns and rows spread apart by ``spread``; each labelled edge knows
    where its label would rather sit (``t``, a fraction of the way along it), placement.py decides
    where it does."""
    network, widths = view.network, view.solution.spec.widths
    depth, gap, rows = network.depth, LAYER_GAP * spread[0], NEURON_GAP * spread[1]
    tall = max(widths) + 1  # room for a bias node above the tallest column
    nodes, edges, place = [], [], {}
    for l, width in enumerate(widths):
        for j in range(1, width + 1):
            y = (tall - 1 - width) * rows / 2 + (j + 0.5) * rows  # below the bias row
            place[(l, j)] = (l * gap, y)
            latex = view.latex(network.out(l, j, None))  # a neuron, not one sample's value of it
            nodes.append(_node(place[(l, j)], latex, "input" if l == 0 else "neuron", _on(highlight, l, j)))
    for p in network.parameters:
        q = p.quantity
        if q.kind == "bias" and (q.layer - 1, 0) not in place:
            place[(q.layer - 1, 0)] = ((q.layer - 1) * gap, rows / 2)
            nodes.append(_node(place[(q.layer - 1, 0)], "1", "bias", False))
        for j in (p.reaches if q.kind == "bias" else (q.to,)):
            start = place[(q.layer - 1, 0 if q.kind == "bias" else q.source)]
            on = highlight is not None and (p is highlight or
                                            (q.kind == "weight" and _on(highlight, q.layer - 1, q.source)))
            once = labelled and (q.kind == "weight" or j == p.reaches[0])  # a shared bias is labelled once
            edges.append(_edge(view, start, place[(q.layer, j)], p, j, widths[q.layer], once, on))
    captions = [{"x": l * gap, "y": (tall + 0.2) * rows, "text": layer.activation}
                for l, layer in enumerate(view.solution.spec.layers, start=1)]
    return {"width": depth * gap, "height": (tall + 0.6) * rows, "nodes": nodes, "edges": edges,
            "highlighted": highlight is not None, "captions": captions, "labelled": labelled,
            **sizes(depth * gap, [n["runs"] for n in nodes if n["kind"] != "bias"])}


def _on(highlight, layer: int, j: int) -> bool:
    """Is neuron j of ``layer`` on a path the highlighted parameter's gradient sums over?"""
    if highlight is None:
        return False
    q = highlight.quantity
    return (layer == q.layer and j == q.to) or layer > q.layer


def _node(at: tuple, latex: str, kind: str, on: bool) -> dict:
    shown = runs(latex)
    return {"x": at[0], "y": at[1], "latex": latex, "runs": shown, "baseline": baseline(shown), "kind": kind, "on": on}


def _edge(view, start: tuple, end: tuple, parameter, j: int, width: int, labelled: bool, on: bool) -> dict:
    """An edge; its label would rather sit part of the way along it (t), further for lower targets,
    so the labels of the edges leaving one node do not overlap."""
    t = 0.28 + (0.44 * (j - 1) / (width - 1) if width > 1 else 0.22)
    label = view.latex(parameter.symbol)
    value = "" if view.symbolic else view.number(parameter.value)
    shown = runs(label) + ([{"text": f" = {plain(value).replace('-', '−')}", "level": 0}] if value else [])
    return {"x1": start[0], "y1": start[1], "x2": end[0], "y2": end[1], "on": on, "labelled": labelled,
            "t": t, "latex": f"{label} = {value}" if value else label, "runs": shown, "svg": svg_label(shown)}


def nice_ticks(low: float, high: float, whole: bool = False, most: int = MOST_TICKS) -> list[float]:
    """Ticks a reader expects: the multiples of a step of 1, 2 or 5 times a power of ten (2000, not
    1250), from ``low`` and ``high`` rounded out to the step, the smallest step giving at most
    ``most`` of them (whole numbers only, when ``whole``)."""
    step = 10.0 ** math.floor(math.log10(((high - low) or 1.0) / most))
    while True:
        for size in (step, 2 * step, 5 * step):
            first, last = math.floor(low / size + 1e-9), math.ceil(high / size - 1e-9)
            if (size >= 1 or not whole) and last - first < most:
                return [round(k * size, 12) for k in range(first, last + 1)]
        step *= 10


def _tick_label(value: float, step: float) -> str:
    """As many decimals as the step has: 0.05, 0.10, 0.15; 2000."""
    return f"{value:.{max(0, -math.floor(math.log10(step) + 1e-9))}f}"


def error_curve(history: tuple[float, ...]) -> dict | None:
    """The error against the iteration, on a log scale when it spans LOG_SPAN or more; None for a
    single update (two points are no curve). Both axes have nice_ticks; the error axis runs from
    its first tick to its last, the iteration axis from 0 to the last iteration."""
    last = len(history) - 1
    if last < 2:
        return None
    step = max(1, last // CURVE_POINTS)  # and every one of the first few, where the error falls fastest
    iterations = sorted(set(range(0, last + 1, step)) | set(range(min(last, CURVE_POINTS // 4))) | {last})
    values = [history[i] for i in iterations]
    low, high = min(values), max(values)
    log = low > 0 and high / low >= LOG_SPAN
    if log:
        exponents = nice_ticks(math.floor(math.log10(low)), math.ceil(math.log10(high)), True, MOST_DECADES)
        levels = [(e, 10.0 ** e, f"10{str(int(e)).translate(_SUPERSCRIPT)}") for e in exponents]
    else:
        ticks = nice_ticks(0.0, high or 1.0)
        levels = [(v, v, _tick_label(v, ticks[1])) for v in ticks]
    bottom, top = levels[0][0], levels[-1][0]
    scale = math.log10 if log else (lambda v: v)
    points = [(i / last, 1 - (scale(v) - bottom) / (top - bottom)) for i, v in zip(iterations, values)]
    counts = [k for k in nice_ticks(0, last, whole=True) if k <= last]
    return {"points": points, "log": log, "last": last, "coordinates": list(zip(iterations, values)),
            "yticks": [{"at": 1 - (level - bottom) / (top - bottom), "value": value, "text": text}
                       for level, value, text in levels],
            "xticks": [{"at": k / last, "value": int(k), "text": str(int(k))} for k in counts],
            "ymin": levels[0][1], "ymax": levels[-1][1]}
