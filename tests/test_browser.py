"""output/*.md as a reader sees it: converted to HTML, typeset by MathJax in headless Chromium, every
picture loaded. A TeX error in any equation, or a missing or broken image, fails (issue 10).
Needs Debian's chromium and libjs-mathjax; .ci/run installs both and makes the test mandatory."""

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    not (MATHJAX.exists() and CHROMIUM) and os.environ.get("SYMBACKPROP_REQUIRE_BROWSER") != "1",
    reason="needs chromium and libjs-mathjax (SYMBACKPROP_REQUIRE_BROWSER=1 makes them mandatory)")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
REPORT = """
MathJax.Hub.Config({tex2jax: {inlineMath: [['$', '$']], displayMath: [['$$', '$$']], processEscapes: false},
                    TeX: {noErrors: {disabled: true}, noUndefined: {disabled: true}}, messageStyle: 'none'});
MathJax.Hub.Queue(function () {
  var broken = [];
  for (var i = 0; i < document.images.length; i++) {
    var image = document.images[i];
    if (!image.complete || image.naturalWidth === 0) broken.push(image.getAttribute('src'));
  }
  document.getElementById('report').textContent = JSON.stringify({
    errors: document.querySelectorAll('.merror, .mjx-merror, .MathJax_Error').length,
    typeset: document.querySelectorAll('.MathJax_CHTML, .mjx-chtml').length, broken: broken});
});
"""


def page(markdown: str) -> str:
    """Markdown as GitHub reads it (CommonMark and tables), its math kept for MathJax as written."""
    from markdown_it import MarkdownIt

    kept = []

    def keep(match):
        kept.append(match.group(0))
        return f"MATH{len(kept) - 1}END"

    body = MarkdownIt("commonmark").enable("table").render(MATH.sub(keep, markdown))
    body = re.sub(r"MATH(\d+)END", lambda m: html.escape(kept[int(m.group(1))], quote=False), body)
    return (f'<html><head><meta charset="utf-8"><script type="text/x-mathjax-config">{REPORT}</script>'
            f'<script src="file://{MATHJAX}?config=TeX-AMS_CHTML"></script></head>'
            f'<body>{body}<div id="report"></div></body></html>')


def browse(html_page: Path, markdown: str) -> dict:
    """What the page's report says once MathJax has typeset everything: TeX errors, broken images."""
    html_page.write_text(page(markdown), encoding="utf-8")
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                             "--virtual-time-budget=60000", "--dump-dom", html_page.as_uri()],
                            capture_output=True, text=True, timeout=300)
    found = re.search(r'<div id="report">(.*?)</div>', result.stdout, re.S)
    assert found and found.group(1), f"MathJax did not finish: {result.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.parametrize("document", ["mazur.md", "mazur-matrix.md", "softmax.md", "bce.md", "deep.md",
                                      "course.md", "xor.md"])
def test_markdown_renders_in_a_browser(tmp_path, document):
    for path in (ROOT / "output").iterdir():
        if path.suffix in (".md", ".svg"):
            shutil.copy(path, tmp_path / path.name)
    report = browse(tmp_path / (document + ".html"), (tmp_path / document).read_text(encoding="utf-8"))
    assert report["errors"] == 0 and report["broken"] == [], report
    assert report["typeset"] > 20


def test_the_check_sees_a_tex_error_and_a_missing_picture(tmp_path):
    """The same check on a page with a broken equation and a missing picture reports both."""
    report = browse(tmp_path / "bad.html", "$$ \\frac{1} $$\n\n$$ x^{2} $$\n\n![gone](missing.svg)\n")
    assert report["errors"] >= 1 and report["broken"] == ["missing.svg"]
