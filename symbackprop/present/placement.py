"""How big a network picture's texts are, and where its edge labels go: each on its own edge, clear of
every other edge, every node and every other label, in the SVG and in the TikZ picture alike.

Sizes: the SVG is at most SVG_WIDTH px wide, the width of a GitHub column, so a browser shows it
unscaled and its 14 px labels stay 14 px; the TikZ picture is at most TEX_WIDTH cm wide, within the
text width, its labels in \\footnotesize. A neuron's circle fits the widest neuron label of its
picture. Text sizes are estimated from DejaVu Sans's advance widths (the SVG's font, wider than
Computer Modern, so generous for TeX too); the tests measure the real boxes (Chromium, pdflatex).

Placement: a label once sat a fixed fraction of the way along its edge; where two edges crossed
there, or an edge ran through the label's text, a student reading weights off the picture could
take the wrong one. Here each label tries positions along its own edge, nearest the preferred one
first, and takes the first whose box (the larger of its SVG and TikZ boxes, in layout units) meets
nothing but its own edge. Finding no such place for some label, the caller spreads the layers
further apart and tries again, and in the end draws the edges unlabelled (the table of given
values below the picture carries the numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

#: DejaVu Sans advance widths in em; any other lowercase letter or digit is at most EM_LOWER, any
#: other character EM_OTHER
EM = {" ": 0.32, ".": 0.32, ",": 0.32, "=": 0.84, "−": 0.84, "-": 0.84, "+": 0.84, "w": 0.82, "m": 0.98,
      "W": 0.99, "M": 0.87, "t": 0.40, "i": 0.28, "l": 0.28, "j": 0.28, "f": 0.36, "r": 0.42, "s": 0.53,
      "c": 0.56, "z": 0.53}
EM_LOWER, EM_OTHER = 0.64, 0.80
SCRIPT = 0.72  # a sub- or superscript's size in the SVG (TeX's are 6 pt of 9 or 10, smaller)
SHIFT = {0: 0.0, 1: -0.4, -1: 0.25}  # em a superscript (1) or subscript (-1) is raised (-) or lowered (+) in the SVG


@dataclass(frozen=True)
class Medium:
    """One medium's text sizes: lengths in its unit (px for SVG, pt for TeX), heights in em."""
    label: float  # an edge label's font size
    node: float  # a neuron label's font size
    pad: float  # around a label's text: SVG's white halo or TikZ's inner sep, and a clearance
    ring: float  # between a neuron's label and its circle
    above: tuple[float, float]  # how far a label's box reaches above its baseline: without, with a superscript
    below: tuple[float, float]  # below it: without, with a subscript

    def height(self, runs: list[dict]) -> tuple[float, float]:
        """em above and below the baseline of a label of these runs."""
        levels = {run["level"] for run in runs}
        return self.above[1 in levels], self.below[-1 in levels]


SVG_HALO = 2.0  # px of white background around a label's text
#: SVG: the glyph cells of DejaVu Sans (0.93 em up, 0.24 down), scripts shifted by SHIFT
SVG = Medium(label=14.0, node=15.0, pad=SVG_HALO + 2.0, ring=5.0, above=(0.93, 0.93 * SCRIPT - SHIFT[1]),
             below=(0.24, 0.24 * SCRIPT + SHIFT[-1]))
#: TeX, \footnotesize labels and \small neurons in 11pt: digits 0.65 em high, a superscript to 0.86
#: em, a subscript (with a comma) 0.29 em deep, a letter's descender 0.2 em
TEX = Medium(label=9.0, node=10.0, pad=1.0 + 1.0, ring=2.5, above=(0.72, 0.88), below=(0.2, 0.3))
SVG_WIDTH = 830.0  # px: a picture no wider than GitHub's column is shown unscaled
SVG_UNIT = 60.0  # px per layout unit at most
SVG_CAPTION = 32.0  # px: half an activation's name below the outer columns
SVG_RADIUS = 22.0  # px: a neuron's radius at least
TEX_NODE = 0.8  # cm: a neuron's diameter at least
TEX_WIDTH = 15.5  # cm from the first column to the last at most
TEX_UNIT = 1.25  # cm per layout unit in x at most; y is TEX_Y times x
TEX_Y = 0.8
CM_PER_PT = 2.54 / 72.27
STEPS = [i / 50 for i in range(5, 46)]  # where along its edge a label may sit (t = 0.1 ... 0.9)


def text_width(runs: list[dict], size: float) -> float:
    """A text's width at font ``size`` (in the size's unit), its scripts at SCRIPT of it."""
    return sum(EM.get(c, EM_LOWER if c.islower() or c.isdigit() else EM_OTHER) * size * (SCRIPT if run["level"] else 1)
               for run in runs for c in run["text"])


def sizes(width: float, node_labels: list[list[dict]]) -> dict:
    """Both media's scales and neuron sizes for a picture ``width`` layout units wide."""
    widest_svg = max(text_width(runs, SVG.node) for runs in node_labels)
    widest_tex = max(text_width(runs, TEX.node) for runs in node_labels)
    radius = max(SVG_RADIUS, widest_svg / 2 + SVG.ring)
    margin = max(radius, SVG_CAPTION) + 8
    unit = min(SVG_UNIT, (SVG_WIDTH - 2 * margin) / width)
    scale = min(TEX_UNIT, TEX_WIDTH / width)
    return {"svg": {"unit": unit, "margin": margin, "radius": radius, "label": SVG.label, "node": SVG.node,
                    "script": SCRIPT, "shift": SHIFT},
            "tex": {"x": scale, "y": scale * TEX_Y, "node": max(TEX_NODE, (widest_tex + 2 * TEX.ring) * CM_PER_PT)}}


def baseline(runs: list[dict]) -> float:
    """How far a text's baseline is below its box's centre in the SVG (em): a neuron's name is
    centred in its circle, an edge label where it is placed."""
    above, below = SVG.height(runs)
    return (above - below) / 2


def svg_label(runs: list[dict]) -> dict:
    """An edge label's SVG box (px, its white background) and baseline()."""
    return {"width": text_width(runs, SVG.label) + 2 * SVG_HALO,
            "height": sum(SVG.height(runs)) * SVG.label + 2 * SVG_HALO, "baseline": baseline(runs)}


def label_size(runs: list[dict], size: dict) -> tuple[float, float]:
    """Half the width and half the height of a label's box in layout units: the larger of SVG's and
    TikZ's (a TikZ node is centred on its box, the SVG text by baseline())."""
    svg, tex = size["svg"], size["tex"]
    svg_box = ((text_width(runs, SVG.label) / 2 + SVG.pad) / svg["unit"],
               (sum(SVG.height(runs)) * SVG.label / 2 + SVG.pad) / svg["unit"])
    tex_box = ((text_width(runs, TEX.label) / 2 + TEX.pad) * CM_PER_PT / tex["x"],
               (sum(TEX.height(runs)) * TEX.label / 2 + TEX.pad) * CM_PER_PT / tex["y"])
    return max(svg_box[0], tex_box[0]), max(svg_box[1], tex_box[1])


def node_radius(size: dict) -> tuple[float, float]:
    """A neuron's half extent in layout units, x and y, the larger of SVG's and TikZ's."""
    svg, tex = size["svg"]["radius"] / size["svg"]["unit"], size["tex"]["node"] / 2
    return max(svg, tex / size["tex"]["x"]), max(svg, tex / size["tex"]["y"])


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


def place_labels(edges: list[dict], nodes: list[dict], size: dict) -> bool:
    """Set each labelled edge's lx, ly; False when some label finds no free place."""
    rx, ry = node_radius(size)
    taken = [(n["x"] - rx, n["y"] - ry, n["x"] + rx, n["y"] + ry) for n in nodes]
    for i, edge in enumerate(edges):
        if not edge["labelled"]:
            continue
        w, h = label_size(edge["runs"], size)
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
