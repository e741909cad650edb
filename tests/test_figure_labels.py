"""Issue 18, point 7: a network picture's weight labels never sit on an edge crossing and no edge
runs through a label, in the SVG (measured by Chromium) and in the TikZ picture (measured by
pdflatex). The oracles read the pictures as drawn, not placement.py's estimates: every label's box
against every other edge segment, every other label and every neuron (point 12: no label touches a
circle)."""

import json
import re
import shutil
import subprocess

import pytest

import symbackprop

from test_browser import CHROMIUM

EXAMPLES = ("mazur", "xor", "bce", "course", "deep")
LABELLED = ("mazur", "xor", "bce", "course")  # layers of at most two neurons: every edge labelled
NOTATIONS = ("mazur", "nielsen", "course", "indexed")  # labels of different lengths


def pictures(tmp_path, fmt: str) -> dict:
    """Every labelled picture of the examples: the network, and each hidden layer's paths."""
    written = {}
    for name in EXAMPLES:
        for notation in NOTATIONS:
            solution = symbackprop.solve(name, iterations=1, notation=notation)
            for path in symbackprop.write(solution, [fmt], tmp_path / f"{name}-{notation}"):
                written[f"{notation}/{path.name}"] = path.read_text(encoding="utf-8")
    return written


MEASURE = """
<script>
var found = [];
document.querySelectorAll('svg').forEach(function (svg, k) {
  var lines = Array.from(svg.querySelectorAll('line')).map(function (l) {
    return [+l.getAttribute('x1'), +l.getAttribute('y1'), +l.getAttribute('x2'), +l.getAttribute('y2')]; });
  var labels = Array.from(svg.querySelectorAll('text.label')).map(function (t) {
    var b = t.getBBox(); return {x: b.x + b.width / 2, y: b.y + b.height / 2,
                                 box: [b.x, b.y, b.x + b.width, b.y + b.height], text: t.textContent}; });
  var circles = Array.from(svg.querySelectorAll('circle')).map(function (c) {
    return [+c.getAttribute('cx'), +c.getAttribute('cy'), +c.getAttribute('r')]; });
  var inside = Array.from(svg.querySelectorAll('circle + text')).map(function (t) {
    var b = t.getBBox(), c = t.previousElementSibling;
    return {text: t.textContent, box: [b.x, b.y, b.x + b.width, b.y + b.height],
            circle: [+c.getAttribute('cx'), +c.getAttribute('cy'), +c.getAttribute('r')]}; });
  found.push({svg: svg.getAttribute('id'), lines: lines, labels: labels, circles: circles, inside: inside});
});
document.getElementById('report').textContent = JSON.stringify(found);
</script>"""


def crosses(a, b, c, d) -> bool:
    """Do segments ab and cd share a point (orientations, collinear touching included)?"""
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def within(p, q, r):
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])

    s1, s2, s3, s4 = side(c, d, a), side(c, d, b), side(a, b, c), side(a, b, d)
    if (s1 > 0) != (s2 > 0) and (s3 > 0) != (s4 > 0) and 0 not in (s1, s2, s3, s4):
        return True
    return any(s == 0 and within(p, q, r) for s, p, q, r in ((s1, c, d, a), (s2, c, d, b), (s3, a, b, c), (s4, a, b, d)))


def segment_meets_box(x1, y1, x2, y2, box) -> bool:
    left, top, right, bottom = box
    if any(left <= x <= right and top <= y <= bottom for x, y in ((x1, y1), (x2, y2))):
        return True
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    return any(crosses((x1, y1), (x2, y2), corners[i], corners[(i + 1) % 4]) for i in range(4))


def boxes_meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def distance(x, y, line) -> float:
    """From (x, y) to the segment."""
    x1, y1, x2, y2 = line
    squared = (x2 - x1) ** 2 + (y2 - y1) ** 2
    along = min(1.0, max(0.0, ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / squared))
    return ((x1 + along * (x2 - x1) - x) ** 2 + (y1 + along * (y2 - y1) - y) ** 2) ** 0.5


def box_meets_circle(box, circle) -> bool:
    """Does the box come within the circle (x, y, r)?"""
    x, y, r = circle
    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r


def assert_clear(name, labels, lines, circles):
    """No label's box meets an edge other than its own (the one nearest its anchor), another
    label's box or a neuron's circle; the examples with layers of two neurons are labelled."""
    assert labels or re.match(r"[^/]+/([a-z]+)", name).group(1) not in LABELLED, name
    for i, label in enumerate(labels):
        for circle in circles:
            assert not box_meets_circle(label["box"], circle), (name, label["text"], circle)
        own = min(lines, key=lambda line: distance(label["x"], label["y"], line)) if lines else None
        for line in lines:
            if line is not own:
                assert not segment_meets_box(*line, label["box"]), (name, label["text"], line)
        for other in labels[i + 1:]:
            assert not boxes_meet(label["box"], other["box"]), (name, label["text"], other["text"])


def assert_within(name, text, box, circle, spare):
    """A neuron's label lies within its circle, ``spare`` to spare (px or pt), not touching it."""
    x, y, r = circle
    for cx, cy in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        assert ((cx - x) ** 2 + (cy - y) ** 2) ** 0.5 <= r - spare, (name, text, box, circle)


@pytest.mark.skipif(not CHROMIUM, reason="needs chromium")
def test_svg_labels_are_clear_of_other_edges_and_labels(tmp_path):
    svgs = {n: t for n, t in pictures(tmp_path, "md").items() if n.endswith(".svg") and "error" not in n}
    body = "".join(t.replace("<svg ", f'<svg id="{n}" ', 1) for n, t in svgs.items())
    page = tmp_path / "pictures.html"
    page.write_text(f'<html><body>{body}<div id="report"></div>{MEASURE}</body></html>', encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    found = json.loads(re.search(r'<div id="report">(.*?)</div>', dom, re.S).group(1).replace("&quot;", '"'))
    assert len(found) == len(svgs) == (2 * len(EXAMPLES) + 1) * len(NOTATIONS)  # deep has two hidden layers
    for figure in found:
        assert_clear(figure["svg"], figure["labels"], figure["lines"], figure["circles"])
        for neuron in figure["inside"]:
            assert_within(figure["svg"], neuron["text"], neuron["box"], neuron["circle"], 2.0)


PT_TO_CM = 2.54 / 72.27
NODE = re.compile(r"\\node\[label[^\]]*\] at \(([-\d.]+), ([-\d.]+)\) \{\$(.*?)\$\};")
DRAW = re.compile(r"\\draw\[[^\]]*\] \(([-\d.]+), ([-\d.]+)\) -- \(([-\d.]+), ([-\d.]+)\);")
SCALE = re.compile(r"\\begin\{tikzpicture\}\[x=([\d.]+)cm, y=-([\d.]+)cm")
NEURON = re.compile(r"\\node\[neuron[^\]]*\] at \(([-\d.]+), ([-\d.]+)\)")
NEURON_SIZE = re.compile(r"neuron/\.style=\{circle, draw, minimum size=([\d.]+)cm")
FONT = re.compile(r"label/\.style=\{font=(\\[a-z]+)")
NEURON_FONT = re.compile(r"neuron/\.style=\{[^}]*font=(\\[a-z]+)")
NEURON_LABEL = re.compile(r"\\node\[neuron[^\]]*\] at \([^)]*\) \{\$(.*?)\$\};")


def measured(tmp_path, labels: list[str], font: str) -> list[tuple[float, float, float]]:
    """Width, height and depth in pt of each label as the picture sets it (maths in ``font``, in 11pt)."""
    lines = [f"\\setbox0\\hbox{{{font} ${t}$}}\\typeout{{BOX \\the\\wd0;\\the\\ht0;\\the\\dp0;}}" for t in labels]
    source = "\\documentclass[11pt]{article}\\usepackage{amsmath}\\begin{document}\n" + "\n".join(lines) + "\n\\end{document}\n"
    (tmp_path / "measure.tex").write_text(source)
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "measure.tex"], cwd=tmp_path, capture_output=True, timeout=120)
    log = (tmp_path / "measure.log").read_text()
    return [tuple(float(v) for v in m) for m in re.findall(r"BOX ([\d.]+)pt;([\d.]+)pt;([\d.]+)pt;", log)]


@pytest.mark.latex
def test_tikz_labels_are_clear_of_other_edges_and_labels(tmp_path):
    assert shutil.which("pdflatex")
    documents = {n: t for n, t in pictures(tmp_path, "tex").items() if n.endswith(".tex")}
    for name, text in documents.items():
        for picture in re.findall(r"\\begin\{tikzpicture\}\[x=.*?\\end\{tikzpicture\}", text, re.S):
            sx, sy = map(float, SCALE.search(picture).groups())
            lines = [tuple(float(v) for v in m) for m in DRAW.findall(picture)]
            radius = float(NEURON_SIZE.search(picture).group(1)) / 2  # cm; circles drawn in cm, not in x and y units
            circles = [(float(x) * sx, float(y) * sy, radius) for x, y in NEURON.findall(picture)]
            neurons = NEURON_LABEL.findall(picture)
            for latex, (wd, ht, dp) in zip(neurons, measured(tmp_path, neurons, NEURON_FONT.search(picture).group(1))):
                r = radius / PT_TO_CM  # TikZ centres a node's box in its circle
                assert_within(name, latex, (-wd / 2, -(ht + dp) / 2, wd / 2, (ht + dp) / 2), (0, 0, r), 1.5)
            nodes = NODE.findall(picture)
            sizes = measured(tmp_path, [latex for _, _, latex in nodes], FONT.search(picture).group(1))
            assert len(sizes) == len(nodes)
            labels = []
            for (x, y, latex), (wd, ht, dp) in zip(nodes, sizes):
                x, y = float(x), float(y)
                half_w = (wd / 2 + 1) * PT_TO_CM / sx  # inner sep=1pt
                half_h = ((ht + dp) / 2 + 1) * PT_TO_CM / sy
                labels.append({"x": x, "y": y, "text": latex, "box": (x - half_w, y - half_h, x + half_w, y + half_h)})
            assert_clear(name, labels, lines, [])
            assert_clear(name, [{**label, "box": (label["box"][0] * sx, label["box"][1] * sy, label["box"][2] * sx,
                                                  label["box"][3] * sy)} for label in labels], [], circles)
