"""The pictures of a worked solution, as data: where each node and edge goes and what it says.

One layout serves every output: the LaTeX templates draw it with TikZ (and the error curve with
pgfplots), the SVG templates draw it for Markdown. Coordinates are in layout units, y growing
downwards (SVG's way; the TikZ macros flip it). Like the seeds' figures, the network picture
labels each edge with its weight and value; once a layer pair has more than LABELLED_WIDTH
neurons on either side the edges stay unlabelled and the given values' list (right below the
picture) carries the numbers. Labels are placed clear of every other edge and label
(placement.py); where they cannot be, the layers are spread further apart, and in the end the
picture is drawn unlabelled.
"""

from __future__ import annotations

import math

from .placement import place_labels
from .unicode import plain

LAYER_GAP = 4.0  # layout units between two columns of neurons
SPREAD = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)  # the gaps tried, times LAYER_GAP, until every label has a free place
NEURON_GAP = 1.6  # between two neurons of a column
LABELLED_WIDTH = 2  # edges of a layer pair with wider layers are drawn without labels (3 x 3 overlap)
CURVE_POINTS = 200  # points of the error curve, evenly spaced over the iterations
LOG_SPAN = 100.0  # an error curve spanning this factor or more is drawn on a log scale
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def network_figure(view, highlight=None) -> dict:
    """The network: inputs, neurons by layer, a bias node per layer that has biases, every edge
    with its parameter's label (and value, unless symbolic). ``highlight``: a parameter whose
    gradient's paths are drawn on (the parameter's edge and every edge after its neuron)."""
    for spread in SPREAD:
        figure = _layout(view, highlight, LAYER_GAP * spread)
        if place_labels(figure["edges"], figure["nodes"], figure["width"]):
            return figure
    figure = _layout(view, highlight, LAYER_GAP)  # no free place at any spread: the values' table
    for edge in figure["edges"]:                 # below the picture carries the numbers
        edge["labelled"] = False
    return {**figure, "labelled": False}


def _layout(view, highlight, gap: float) -> dict:
    """Nodes and edges with columns ``gap`` apart; each labelled edge knows where its label would
    rather sit (``t``, a fraction of the way along it), placement.py decides where it does."""
    network, widths = view.network, view.solution.spec.widths
    depth = network.depth
    tall = max(widths) + 1  # room for a bias node above the tallest column
    nodes, edges, place = [], [], {}
    for l, width in enumerate(widths):
        for j in range(1, width + 1):
            y = (tall - 1 - width) * NEURON_GAP / 2 + (j + 0.5) * NEURON_GAP  # below the bias row
            place[(l, j)] = (l * gap, y)
            latex = view.latex(network.out(l, j, None))  # a neuron, not one sample's value of it
            nodes.append(_node(place[(l, j)], latex, "input" if l == 0 else "neuron", _on(highlight, l, j)))
    for p in network.parameters:
        q = p.quantity
        if q.kind == "bias" and (q.layer - 1, 0) not in place:
            place[(q.layer - 1, 0)] = ((q.layer - 1) * gap, NEURON_GAP / 2)
            nodes.append(_node(place[(q.layer - 1, 0)], "1", "bias", False))
        for j in (p.reaches if q.kind == "bias" else (q.to,)):
            start = place[(q.layer - 1, 0 if q.kind == "bias" else q.source)]
            labelled = max(widths[q.layer - 1], widths[q.layer]) <= LABELLED_WIDTH
            on = highlight is not None and (p is highlight or
                                            (q.kind == "weight" and _on(highlight, q.layer - 1, q.source)))
            once = labelled and (q.kind == "weight" or j == p.reaches[0])  # a shared bias is labelled once
            edges.append(_edge(view, start, place[(q.layer, j)], p, j, widths[q.layer], once, on))
    captions = [{"x": l * gap, "y": (tall + 0.2) * NEURON_GAP, "text": layer.activation}
                for l, layer in enumerate(view.solution.spec.layers, start=1)]
    return {"width": depth * gap, "height": (tall + 0.6) * NEURON_GAP, "nodes": nodes, "edges": edges,
            "highlighted": highlight is not None,
            "captions": captions, "labelled": all(max(widths[l], widths[l + 1]) <= LABELLED_WIDTH
                                                  for l in range(depth))}


def _on(highlight, layer: int, j: int) -> bool:
    """Is neuron j of ``layer`` on a path the highlighted parameter's gradient sums over?"""
    if highlight is None:
        return False
    q = highlight.quantity
    return (layer == q.layer and j == q.to) or layer > q.layer


def _node(at: tuple, latex: str, kind: str, on: bool) -> dict:
    return {"x": at[0], "y": at[1], "latex": latex, "text": plain(latex), "kind": kind, "on": on}


def _edge(view, start: tuple, end: tuple, parameter, j: int, width: int, labelled: bool, on: bool) -> dict:
    """An edge; its label would rather sit part of the way along it (t), further for lower targets,
    so the labels of the edges leaving one node do not overlap."""
    t = 0.28 + (0.44 * (j - 1) / (width - 1) if width > 1 else 0.22)
    label = view.latex(parameter.symbol)
    value = "" if view.symbolic else view.number(parameter.value)
    return {"x1": start[0], "y1": start[1], "x2": end[0], "y2": end[1], "on": on, "labelled": labelled,
            "t": t,
            "latex": f"{label} = {value}" if value else label,
            "text": f"{plain(label)} = {plain(value).replace('-', '−')}" if value else plain(label)}


def error_curve(history: tuple[float, ...]) -> dict | None:
    """The error against the iteration, on a log scale when it spans LOG_SPAN or more; None for a
    single update (two points are no curve). Tick labels have three significant digits: an axis
    needs no more, and nine decimals do not fit beside it."""
    last = len(history) - 1
    if last < 2:
        return None
    step = max(1, last // CURVE_POINTS)  # and every one of the first few, where the error falls fastest
    iterations = sorted(set(range(0, last + 1, step)) | set(range(min(last, CURVE_POINTS // 4))) | {last})
    values = [history[i] for i in iterations]
    low, high = min(values), max(values)
    log = low > 0 and high / low >= LOG_SPAN
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    bottom, top = (math.floor(scale(low)), math.ceil(scale(high))) if log else (0.0, high or 1.0)
    span = (top - bottom) or 1.0
    points = [(i / last, 1 - (scale(v) - bottom) / span) for i, v in zip(iterations, values)]
    ticks = ([(1 - (e - bottom) / span, f"10{str(e).translate(_SUPERSCRIPT)}", e)
              for e in range(int(bottom), int(top) + 1)] if log else
             [(1 - k / 4, f"{bottom + span * k / 4:.3g}", None) for k in range(5)])
    return {"points": points, "log": log, "ticks": ticks, "last": last,
            "coordinates": list(zip(iterations, values)), "ymin": 10 ** bottom if log else 0.0,
            "ymax": 10 ** top if log else top}
