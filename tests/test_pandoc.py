"""The documents in pandoc, which a lecturer uses to turn Markdown into a handout (issue 18).

pandoc's Markdown reads a heading only after a blank line, so "Biases are updated.⏎## 2. The rules
used" is one paragraph there. Every heading of every document (each example, each form, lecture notes,
compact) must come after a blank line, and pandoc itself, where installed, must find every one of them
and read every `$…$` and `$$…$$` as maths.
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import symbackprop

HEADING = re.compile(r"^(#{1,6}) \S")
OPTIONS = [{}, {"symbolic": True}, {"form": "both"}, {"detail": "compact"}]


def documents():
    for name in symbackprop.example_names():
        solution = symbackprop.solve(name, iterations=2)
        for options in OPTIONS:
            yield f"{name} {options}", symbackprop.render(solution, "md", **options)


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if HEADING.match(line)]


def test_every_heading_follows_a_blank_line():
    for name, text in documents():
        lines = text.splitlines()
        crowded = [line for i, line in enumerate(lines) if HEADING.match(line) and i and lines[i - 1].strip()]
        assert crowded == [], name


@pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is not installed")
def test_pandoc_reads_every_heading_and_every_formula():
    for name, text in documents():
        html = subprocess.run(["pandoc", "-f", "markdown", "-t", "html", "--mathjax"], input=text,
                              capture_output=True, text=True, check=True).stdout
        assert len(re.findall(r"<h[1-6][ >]", html)) == len(headings(text)), name
        displays = text.count("$$\n") // 2
        assert html.count('class="math display"') == displays, name
