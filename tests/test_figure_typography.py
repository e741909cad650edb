"""Issue 18, point 12 and the plot part of 14: the pictures set as a textbook sets them. Sub- and
superscripts are scripts in the SVG (never out_h1 or a_1,1 beside i₁) and TeX in TikZ; texts are
readable where GitHub shows the picture (a column about 830 px wide: measured in Chromium); a
network picture is labelled entirely or not at all (deep was half labelled); the error curve's
ticks are the round numbers a reader expects (never 1250 or 3750), and the PDF's tick labels stand
apart (measured with pdftotext)."""

import json
import math
import re
import shutil
import subprocess
from xml.etree import ElementTree

import pytest

import symbackprop
from symbackprop.present.rendering import Documents, render_options

from test_browser import CHROMIUM
from test_figure_labels import EXAMPLES, LABELLED, NOTATIONS, pictures

SVG = "{http://www.w3.org/2000/svg}"
COLUMN = 830  # px: GitHub's Markdown column
ALL = EXAMPLES + ("softmax",)


def text_of(element) -> str:
    return "".join(element.itertext())


def svg_texts(svg: str) -> list:
    return list(ElementTree.fromstring(svg.split("-->", 1)[1]).iter(f"{SVG}text"))


def test_svg_labels_set_scripts_as_scripts_in_every_notation(tmp_path):
    """No ASCII _ or ^ in any text of any network or paths picture; mazur's out_{h1} is out with
    h1 set smaller and lower (a subscript), as the blog's figure has it."""
    svgs = {n: t for n, t in pictures(tmp_path, "md").items() if n.endswith(".svg")}
    assert len(svgs) == (2 * len(EXAMPLES) + 1) * len(NOTATIONS)
    for name, svg in svgs.items():
        for text in svg_texts(svg):
            assert not re.search(r"[_^]", text_of(text)), (name, text_of(text))
    out = next(t for t in svg_texts(svgs["mazur/mazur-network.svg"]) if text_of(t) == "outh1")
    base, script = list(out)
    assert base.text == "out" and script.text == "h1"
    assert float(script.get("font-size")) < float(out.get("font-size")) and float(script.get("dy")) > 0


def test_tikz_labels_are_maths_in_every_notation(tmp_path):
    """In the TikZ pictures a _ or ^ is only ever inside $...$ (out$_{h1}$ as TeX sets it)."""
    documents = {n: t for n, t in pictures(tmp_path, "tex").items() if n.endswith(".tex")}
    for name, text in documents.items():
        for picture in re.findall(r"\\begin\{tikzpicture\}\[x=.*?\\end\{tikzpicture\}", text, re.S):
            contents = re.findall(r"\\node\[[^\]]*\] at \([^)]*\) \{(.*?)\};", picture)
            assert contents, name
            for content in contents:
                assert not re.search(r"[_^]", re.sub(r"\$[^$]*\$", "", content)), (name, content)


MEASURE = """
<script>
var found = [];
document.querySelectorAll('svg').forEach(function (svg) {
  svg.querySelectorAll('text').forEach(function (t) {
    var runs = t.querySelectorAll('tspan').length ? Array.from(t.querySelectorAll('tspan')) : [t];
    runs.forEach(function (r) {
      var box = r.getBoundingClientRect();  // a rotated text's height is its box's width
      found.push({svg: svg.getAttribute('id'), text: r.textContent, height: t.getAttribute('transform') ? box.width : box.height,
                  script: parseFloat(getComputedStyle(r).fontSize) < parseFloat(getComputedStyle(t).fontSize)});
    });
  });
});
document.getElementById('report').textContent = JSON.stringify(found);
</script>"""


@pytest.mark.skipif(not CHROMIUM, reason="needs chromium")
def test_svg_texts_are_readable_in_a_github_column(tmp_path):
    """Every picture shown in a column COLUMN px wide (scaled down when wider, as an <img> with
    max-width: 100% is): each text's glyph box at least 15 px high (a 13 px font; Chromium rounds
    the box to whole pixels), a script's 11 px (a 10 px font)."""
    svgs = {}
    for name in ALL:
        svgs.update({p.name: p.read_text(encoding="utf-8") for p in symbackprop.write(symbackprop.solve(name), ["md"], tmp_path)
                     if p.suffix == ".svg"})
    shown = 'style="max-width: 100%; height: auto" '
    body = "".join(f'<div style="width: {COLUMN}px">' + t.split("-->", 1)[1].replace("<svg ", f'<svg id="{n}" {shown}', 1)
                   + "</div>" for n, t in svgs.items())
    page = tmp_path / "pictures.html"
    page.write_text(f'<html><body style="margin: 0">{body}<div id="report"></div>{MEASURE}</body></html>', encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    found = json.loads(re.search(r'<div id="report">(.*?)</div>', dom, re.S).group(1).replace("&quot;", '"'))
    assert {f["svg"] for f in found} == set(svgs)
    for text in found:
        assert text["height"] >= (11 if text["script"] else 15), text


def test_a_network_picture_is_labelled_entirely_or_not_at_all(tmp_path):
    """Its value labels (the texts with "=") are as many as the spec's parameters, or none, in the
    SVG and the TikZ picture; the examples whose layers have at most two neurons are labelled, and
    an unlabelled picture hands its numbers to the table below it."""
    for name in ALL:
        solution = symbackprop.solve(name, iterations=1)
        written = {p.suffix: p for p in symbackprop.write(solution, ["md", "tex"], tmp_path / name)}
        svg = (tmp_path / name / f"{name}-network.svg").read_text(encoding="utf-8")
        in_svg = sum("=" in text_of(t) for t in svg_texts(svg))
        tex = written[".tex"].read_text(encoding="utf-8")
        picture = re.search(r"\\begin\{tikzpicture\}\[x=.*?\\end\{tikzpicture\}", tex, re.S).group(0)
        in_tikz = len(re.findall(r"\\node\[label[^\]]*\] at \([^)]*\) \{\$[^$]*=[^$]*\$\};", picture))
        expected = solution.spec.parameter_count if name in LABELLED else 0
        assert in_svg == in_tikz == expected, (name, in_svg, in_tikz, solution.spec.parameter_count)
        if not expected:
            assert "the tables below give every weight and bias" in written[".md"].read_text(encoding="utf-8")


def is_round(ticks: list[float]) -> bool:
    """From 0, evenly spaced by 1, 2 or 5 times a power of ten."""
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    return (ticks[0] == 0 and any(abs(mantissa - m) < 1e-9 for m in (1, 2, 5))
            and all(abs(b - a - step) < 1e-9 * step for a, b in zip(ticks, ticks[1:])))


def test_error_curves_tick_round_numbers():
    """The iteration axis of every example's curve, in the SVG and in the pgfplots source, and a
    linear error axis: 0, 2000, 4000, ... or 0, 0.05, 0.10, ...; never 1250 or 3750."""
    from symbackprop.present.figures import error_curve

    for name in ALL:
        solution = symbackprop.solve(name)
        svg = Documents(solution, render_options(9, False, None)).figures(keys=True)["error"]
        ticks = [float(text_of(t)) for t in svg_texts(svg) if t.get("text-anchor") == "middle" and re.fullmatch(r"\d+", text_of(t))]
        assert len(ticks) >= 3 and is_round(ticks), (name, ticks)
        source = symbackprop.render(solution, "tex")
        assert [float(v) for v in re.search(r"xtick=\{([^}]*)\}", source).group(1).split(",")] == ticks, name
    for falling in ((0.210276124, 0.2, 0.15, 0.12), (7.3, 5.0, 4.1), (0.0041, 0.003, 0.0029)):
        assert is_round([t["value"] for t in error_curve(falling)["yticks"]]), falling


@pytest.mark.latex
def test_pdf_tick_labels_stand_apart(tmp_path):
    """mazur's 10000 iterations: the iteration axis's tick labels, measured in the typeset PDF, are
    at least 10 pt apart (pgfplots' own ticks set "9,000" and "10,000" 5 pt apart, touching)."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext")
    source = symbackprop.render(symbackprop.solve("mazur"), "tex")
    preamble = source[:source.index("\\begin{document}")]
    axis = re.search(r"\\begin\{tikzpicture\}\s*\\begin\{axis\}.*?\\end\{tikzpicture\}", source, re.S).group(0)
    (tmp_path / "curve.tex").write_text(f"{preamble}\\begin{{document}}\n{axis}\n\\end{{document}}\n", encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "curve.tex"], cwd=tmp_path, capture_output=True, timeout=120)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       subprocess.run(["pdftotext", "-bbox", "curve.pdf", "-"], cwd=tmp_path, capture_output=True,
                                      text=True).stdout)
    assert not [w for w in words if "·" in w[4]], "pgfplots' scale label (·10⁴) beside ticks already in full"
    label = next(w for w in words if w[4] == "iterations")
    row = sorted((float(x1), float(x2), text) for x1, y1, x2, y2, text in words
                 if re.fullmatch(r"[\d,]+", text) and float(label[1]) - 25 < float(y1) < float(label[1]))
    row = row[[text for _, _, text in row].index("0"):]  # the log axis's 10 of 10⁻⁵ stands left of the first tick
    assert len(row) >= 4 and row[-1][2].replace(",", "") == "10000", row
    for (_, right, _), (left, _, _) in zip(row, row[1:]):
        assert left - right >= 10, row
