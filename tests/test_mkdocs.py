"""The documents on a MkDocs course site with pymdownx.arithmatex, the usual set-up (issue 18).

arithmatex reads `$…$`, `$$…$$`, and also `\\(…\\)` and `\\[…\\]`, as maths, so a parenthesis escaped in
prose becomes an equation on such a site. A real site is built with every committed document (and a
symbolic, a compact and a both-forms one); arithmatex, in generic mode, wraps each piece it takes for
maths in an element of class `arithmatex`. The source's maths is read independently, by markdown-it-py's
dollarmath plugin (how MyST and Jupyter read `$`): each page's arithmatex pieces must be exactly the
source's maths, in order — no prose became maths, no maths became prose.
"""
from __future__ import annotations

import html
import logging
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

mkdocs_build = pytest.importorskip("mkdocs.commands.build")
mkdocs_config = pytest.importorskip("mkdocs.config")
pytest.importorskip("pymdownx.arithmatex")
markdown_it = pytest.importorskip("markdown_it")
dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath")

import symbackprop

OUTPUT = Path(__file__).resolve().parents[1] / "output"


class _ArithmatexPieces(HTMLParser):
    """The text of every element of class arithmatex, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
        elif "arithmatex" in (dict(attrs).get("class") or "").split():
            self._depth = 1
            self.pieces.append("")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.pieces[-1] += data


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def site_maths(page: Path) -> list[str]:
    """arithmatex's pieces of a built page, without their \\( \\) or \\[ \\] delimiters."""
    reader = _ArithmatexPieces()
    reader.feed(page.read_text(encoding="utf-8"))
    return [_squeeze(_undelimited(piece.strip())) for piece in reader.pieces]


def _undelimited(piece: str) -> str:
    if piece[:2] in ("\\(", "\\[") and piece[-2:] in ("\\)", "\\]"):
        return piece[2:-2]
    return piece


def source_maths(markdown: str) -> list[str]:
    """The maths of a Markdown source as markdown-it-py's dollarmath reads it, in order."""
    parser = markdown_it.MarkdownIt("commonmark").enable("table").use(dollarmath.dollarmath_plugin)
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type.startswith("math_"):
                found.append(_squeeze(html.unescape(token.content)))
            walk(token.children or [])

    walk(parser.parse(markdown))
    return found


def build_site(folder: Path, documents: dict[str, str]) -> Path:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for name, text in documents.items():
        (docs / name).write_text(text, encoding="utf-8")
    for svg in OUTPUT.glob("*.svg"):
        shutil.copy(svg, docs)
    (folder / "mkdocs.yml").write_text(
        "site_name: Backpropagation\n"
        "markdown_extensions:\n"
        "  - tables\n"
        "  - pymdownx.arithmatex:\n"
        "      generic: true\n",
        encoding="utf-8")
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    mkdocs_build.build(mkdocs_config.load_config(str(folder / "mkdocs.yml")))
    return folder / "site"


def page_of(site: Path, name: str) -> Path:
    return site / name.removesuffix(".md") / "index.html"


def test_the_reader_sees_prose_made_maths(tmp_path):
    """The test's own reading: an escaped parenthesis in prose is caught, plain prose is not."""
    documents = {"bad.md": "The error \\(the loss\\) falls; $x_{1} = 0.5$.\n",
                 "good.md": "The error (the loss) falls; $x_{1} = 0.5$.\n"}
    site = build_site(tmp_path, documents)
    assert site_maths(page_of(site, "bad.md")) != source_maths(documents["bad.md"])
    assert site_maths(page_of(site, "good.md")) == source_maths(documents["good.md"]) == ["x_{1} = 0.5"]


def test_every_document_keeps_its_maths_and_its_prose_on_a_mkdocs_site(tmp_path):
    documents = {path.name: path.read_text(encoding="utf-8") for path in sorted(OUTPUT.glob("*.md"))}
    assert len(documents) >= 12
    extra = {"course-symbolic": ("course", {"symbolic": True}), "xor-compact": ("xor", {"detail": "compact"}),
             "bce-both": ("bce", {"form": "both"})}
    for name, (example, options) in extra.items():
        documents[name + ".md"] = symbackprop.render(symbackprop.solve(example), "md", **options)
    site = build_site(tmp_path, documents)
    for name, text in documents.items():
        expected = source_maths(text)
        assert expected, name
        assert site_maths(page_of(site, name)) == expected, name
