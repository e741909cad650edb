"""Pages a lecturer prints: the PDFs' pages read back with ``pdftotext -bbox`` and measured.

What is measured (in PDF points, from the words' boxes):

- A *row* is a set of words whose vertical extents overlap (by more than 2 pt): a line of prose, or a whole display
  with its fractions. The page number (a lone number below everything else) is not a row.
- The *text area* runs from the highest row top to the lowest row bottom over all pages; a page's
  *fill* is how far down it its last row reaches, as a fraction of the area's height.
- A *block* is what the LaTeX keeps together: a neuron's or a parameter's derivation, from its
  heading ("Neuron ...", "Parameter ...") to the next heading. The first block of a page runs from
  its first row down to the row before the next row that starts a block or a section ("Sample 2",
  "Layer 1", "4.2 Hidden layer"); prose and the forward pass, which may break between any two
  displays, are so counted with what follows them (the rule is lenient there, never strict). The
  table of new parameters is one tabular: its section heading and its rows, to the next section.

The rules:

1. A page other than the last is at least 2/3 full, unless the next page's first block is taller
   than the space left (plus one blank line's allowance, 14 pt): then it could not have fit.
2. The last page holds at least three rows (no lone line or two).
3. No page but the last ends with a heading ("Sample 2", "Layer 1", "4.2 Hidden layer (layer 1)")
   or with a sentence ending in a colon (it introduces what follows).
4. Mazur's example fits the blog's length, 8 pages, by default; ``--detail full`` still works every
   expansion out.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape

import pytest

import symbackprop

pytestmark = [pytest.mark.latex,
              pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")]

MIN_FILL = 2 / 3
ALLOWANCE = 14.0  # pt: the skip between two blocks, about one blank line
OVERLAP = 2.0  # pt: words overlapping more than this vertically are one row (a heading's descender does not)
BLOCK_START = re.compile(r"^(?:(?:Parameter|Neuron|Sample|Layer) |\d+(?:\.\d+)? [A-Z])")
SECTION = re.compile(r"^(?:\d+(?:\.\d+)? [A-Z]|Verification$)")
TABLE_SECTION = re.compile(r"^\d+ The new weights")
HEADING = re.compile(r"^(?:(?:Sample|Layer) \d+|\d+(?:\.\d+)? [A-Z][\w ()]*|.*:)$")  # or a sentence ending "...:"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass
class Row:
    top: float
    bottom: float
    left: float
    words: list  # (x, text)

    @property
    def text(self) -> str:
        return " ".join(text for _, text in sorted(self.words))


def pages_of(pdf) -> list[list[Row]]:
    """Each page's rows, top to bottom, without the page number."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xhtml.split("<page ")[1:]:
        words = sorted((float(y0), float(y1), float(x0), unescape(text)) for x0, y0, _, y1, text in WORD.findall(page))
        rows: list[Row] = []
        for top, bottom, left, text in words:
            if rows and top < rows[-1].bottom - OVERLAP:  # overlaps the row above: the same row
                row = rows[-1]
                row.bottom, row.left = max(row.bottom, bottom), min(row.left, left)
                row.words.append((left, text))
            else:
                rows.append(Row(top, bottom, left, [(left, text)]))
        if rows and len(rows[-1].words) == 1 and rows[-1].text.isdigit():
            rows.pop()  # the page number
        pages.append(rows)
    return pages


def first_block_bottom(rows: list[Row]) -> float:
    """Where the page's first block ends: before the next row that starts a block or a section (the
    table of new parameters, one tabular with its heading, before the next section: its "Layer 1"
    rows name groups of rows, not blocks)."""
    ends = SECTION if TABLE_SECTION.match(rows[0].text) else BLOCK_START
    for i in range(1, len(rows)):
        if ends.match(rows[i].text) and not rows[i - 1].text.endswith(":"):  # a sentence ending ":" goes with it
            return rows[i - 1].bottom
    return rows[-1].bottom


def layout_faults(pdf) -> list[str]:
    """The rules of the module docstring, broken: one line each."""
    pages = pages_of(pdf)
    body = [row for rows in pages for row in rows]
    top, bottom = min(r.top for r in body), max(r.bottom for r in body)
    height = bottom - top
    faults = []
    for number, (rows, following) in enumerate(zip(pages, pages[1:]), start=1):
        fill = (rows[-1].bottom - top) / height if rows else 0.0
        left = bottom - (rows[-1].bottom if rows else top)
        block = first_block_bottom(following) - top if following else 0.0
        if fill < MIN_FILL and block + ALLOWANCE < left:
            faults.append(f"page {number} is {fill:.0%} full, yet the next page's first block "
                          f"({block:.0f} pt) would have fit in the {left:.0f} pt left")
        if rows and HEADING.match(rows[-1].text):
            faults.append(f"page {number} ends with the heading {rows[-1].text!r}")
    if len(pages) > 1 and len(pages[-1]) < 3:
        faults.append(f"the last page (page {len(pages)}) holds {len(pages[-1])} row(s)")
    return faults


def pdf_of(tmp_path, name, **options):
    solution = symbackprop.solve(name)
    (path,) = symbackprop.write(solution, ["pdf"], tmp_path, **options)
    return path


def text_of(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_count(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


CASES = [(name, {}) for name in symbackprop.example_names()] + [
    ("mazur", {"form": "both"}), ("softmax", {"form": "both"}), ("mazur", {"detail": "full"}),
    ("softmax", {"detail": "compact"}), ("deep", {"detail": "compact"}), ("xor", {"detail": "full"})]


@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{'-'.join(o.values()) or 'default'}" for n, o in CASES])
def test_no_page_is_left_emptier_than_its_next_block_needs(tmp_path, name, options):
    assert layout_faults(pdf_of(tmp_path, name, **options)) == []


def test_mazur_fits_the_blogs_eight_pages_and_full_detail_works_every_expansion(tmp_path):
    """The power rule's exponent 1 − 1 is written out once a layer by default, for all 8 weights in full."""
    default, full = pdf_of(tmp_path / "auto", "mazur"), pdf_of(tmp_path / "full", "mazur", detail="full")
    assert page_count(default) <= 8
    assert [text_of(pdf).count("1−1") for pdf in (default, full)] == [2, 8]


def test_the_measure_sees_a_half_empty_page(tmp_path):
    """The rule is not vacuous: blocks as the documents set them (a heading, a display), the page
    broken by hand after a third of them, before a short block, is reported; unbroken, it is not."""
    blocks = [f"\\textbf{{Parameter {i}}}\n\\[ x_{{{i}}} = \\frac{{1}}{{{i}}} \\]" for i in range(1, 40)]
    faults = {}
    for name, page_break in (("broken", "\\newpage\n"), ("flowing", "")):
        body = "\n\n".join(blocks[:8] + [page_break + blocks[8]] + blocks[9:])
        source = tmp_path / f"{name}.tex"
        source.write_text("\\documentclass{article}\\begin{document}\n" + body + "\n\\end{document}\n")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", source.name], cwd=tmp_path, capture_output=True,
                       check=True)
        faults[name] = layout_faults(source.with_suffix(".pdf"))
    assert faults["flowing"] == []
    assert faults["broken"] and faults["broken"][0].startswith("page 1 is ")
