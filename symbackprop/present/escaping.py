"""User text (a file name, a sheet's label, a value quoted in an error) made inert for where it goes:
a terminal, a CSV cell, Markdown, JSON. A hostile sheet must not set the terminal's title, clear the
screen, run a spreadsheet formula or add HTML to a rendered report. LaTeX has printing.escape_latex.
Only the standard library: the command line's error line uses it without loading SymPy.
"""

from __future__ import annotations

import json
import re
import unicodedata

_ANGLES = str.maketrans({"<": "&lt;", ">": "&gt;"})
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|$~])")
#: Brackets as entities: MkDocs' arithmatex reads \[ \] (and \( \)) as maths; an escaped bracket
#: cannot open a link, so parentheses need no escape at all
_MARKDOWN_ENTITIES = {"[": "&#91;", "]": "&#93;"}
#: A CSV cell beginning with one of these is a formula to a spreadsheet (OWASP's list, fullwidth too)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def printable(text: str) -> str:
    """``text`` with every character a terminal could act on written as its Python escape
    (``\\x1b``, ``\\n``, ``\\u202e``), so one cell stays one line and shows what is there."""
    return _replaced(str(text), _python_escape)


def _replaced(text: str, escape) -> str:
    """Every character that is not printable as it is, escaped: controls (ESC, BEL, CSI as U+009B,
    line ends), format characters (bidi overrides, zero widths), line and paragraph separators, lone
    surrogates (a file name's bytes that are not UTF-8), private and unassigned code points. Spaces
    of every width stay: a terminal only prints them."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or unicodedata.category(c) == "Zs" else escape(c) for c in text)


def _python_escape(c: str) -> str:
    return c.encode("unicode_escape").decode("ascii")


def _json_escape(c: str) -> str:
    return json.dumps(c)[1:-1] if ord(c) > 0xFFFF else f"\\u{ord(c):04x}"  # the first: a surrogate pair


def csv_cell(value):
    """A gradebook cell: text printable, and a leading formula character (even after spaces)
    neutralised with an apostrophe, which spreadsheets show as text; numbers as they are."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text.lstrip().startswith(FORMULA_START) else text


def escape_markdown(text: str) -> str:
    """Literal text in Markdown (a title through the templates, a label in a report): "<" and ">"
    as entities, so no tag opens even in a renderer that keeps raw HTML and does not honour a
    backslash before "<" (Python-Markdown); Markdown's own specials backslash-escaped. An "&" stays:
    an entity only ever makes text."""
    return _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN_ENTITIES.get(m[1], "\\" + m[1]), str(text)).translate(_ANGLES)


def markdown_text(text: str) -> str:
    """User text in a Markdown report: printable (escaping a terminal's controls too), then literal."""
    return escape_markdown(printable(text))


def json_text(data) -> str:
    """``data`` as indented JSON that is safe to print: JSON escapes the C0 controls itself, and
    every other character ``printable`` would escape becomes a ``\\uXXXX`` escape, so every value
    still reads back exactly."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return "\n".join(_replaced(line, _json_escape) for line in text.split("\n")) + "\n"
