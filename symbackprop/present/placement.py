"""Where a network picture's edge labels go: each on its own edge, clear of every other edge, every
node and every other label, in the SVG and in the TikZ picture alike.

A label once sat a fixed fraction of the way along its edge; where two edges crossed there, or an
edge ran through the label's text, a student reading weights off the picture could take the wrong
one. Here each label tries positions along its own edge, nearest the preferred one first, and
takes the first whose box (the larger of its SVG and TikZ sizes, in layout units, each measured
generously from its characters) meets nothing but its own edge. Finding no such place for some
label, the caller spreads the layers further apart and tries again, and in the end draws the edges
unlabelled (the table of given values below the picture carries the numbers).
"""

from __future__ import annotations

SVG_UNIT = 60.0  # px per layout unit (network.svg.j2)
SVG_HALO = 2.5  # px: the white stroke around label text
SVG_HALF_HEIGHT = 7.2  # px above and below a label's centre: 12 px DejaVu Sans, baseline 4 px below it
#: px per character at 12 px, at least DejaVu Sans's advance; characters not listed: WIDE
SVG_CHARACTERS = {" ": 4.0, ".": 4.0, "−": 10.1, "=": 10.1, "w": 9.8, "W": 12.0, "m": 11.7}
SVG_WIDE = 7.8
SVG_SMALL = 5.2  # super- and subscript digits and letters
SUPERSCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻₀₁₂₃₄₅₆₇₈₉₊₋ₕₒₐₑₓ")
SVG_NODE = 24.0 / SVG_UNIT  # a neuron's radius; a bias node is a smaller square

# \tiny in an 11pt document: labels of 5 to 23 characters measured 2.96 to 4.28 pt a character
# (pdflatex; w²₂₂ = −0.460991024 is 67.3 pt), all within 3.4 pt a character and 6 pt more
TEX_PT_PER_CHARACTER = 3.4
TEX_EXTRA_PT = 8.0  # those 6 pt, and the node's inner sep on both sides
TEX_HEIGHT_PT = 11.0  # a \tiny line with super- and subscripts, and inner sep
TEX_NODE_CM = 0.45  # minimum size=9mm
CM_PER_PT = 2.54 / 72.27
MARGIN = 0.03  # layout units kept clear around a label
STEPS = [i / 50 for i in range(5, 46)]  # where along its edge a label may sit (t = 0.1 ... 0.9)


def tikz_scale(width: float) -> float:
    """cm per layout unit in x (figures.tex.j2); y is 0.8 times it."""
    return min(1.25, 15.5 / width)


def label_size(text: str, figure_width: float) -> tuple[float, float]:
    """Half the width and half the height of a label's box in layout units: the larger of SVG's and TikZ's."""
    px = sum(SVG_SMALL if c in SUPERSCRIPTS else SVG_CHARACTERS.get(c, SVG_WIDE) for c in text) + 2 * SVG_HALO
    svg = (px / 2 / SVG_UNIT, (SVG_HALF_HEIGHT + SVG_HALO) / SVG_UNIT)
    scale = tikz_scale(figure_width)
    pt = len(text) * TEX_PT_PER_CHARACTER + TEX_EXTRA_PT
    tex = (pt * CM_PER_PT / scale / 2, TEX_HEIGHT_PT * CM_PER_PT / (0.8 * scale) / 2)
    return max(svg[0], tex[0]) + MARGIN, max(svg[1], tex[1]) + MARGIN


def node_radius(figure_width: float) -> tuple[float, float]:
    """A neuron's half extent in layout units, x and y, the larger of SVG's and TikZ's."""
    scale = tikz_scale(figure_width)
    return max(SVG_NODE, TEX_NODE_CM / scale), max(SVG_NODE, TEX_NODE_CM / (0.8 * scale))


def segment_meets_box(x1, y1, x2, y2, box) -> bool:
    """Does the segment touch the axis-aligned box (left, top, right, bottom)? Liang-Barsky clipping."""
    left, top, right, bottom = box
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - left), (dx, right - x1), (-dy, y1 - top), (dy, bottom - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True


def boxes_meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(edges: list[dict], nodes: list[dict], figure_width: float) -> bool:
    """Set each labelled edge's lx, ly; False when some label finds no free place."""
    rx, ry = node_radius(figure_width)
    taken = [(n["x"] - rx, n["y"] - ry, n["x"] + rx, n["y"] + ry) for n in nodes]
    for i, edge in enumerate(edges):
        if not edge["labelled"]:
            continue
        w, h = label_size(edge["text"], figure_width)
        others = [e for k, e in enumerate(edges) if k != i]
        for t in sorted(STEPS, key=lambda s: abs(s - edge["t"])):
            x, y = edge["x1"] + t * (edge["x2"] - edge["x1"]), edge["y1"] + t * (edge["y2"] - edge["y1"])
            box = (x - w, y - h, x + w, y + h)
            if any(boxes_meet(box, b) for b in taken) or any(
                    segment_meets_box(e["x1"], e["y1"], e["x2"], e["y2"], box) for e in others):
                continue
            edge["lx"], edge["ly"] = x, y
            taken.append(box)
            break
        else:
            return False
    return True
