"""Read a student's answers: a mapping file (YAML, JSON, TOML), a two-column CSV, or a Markdown or
LaTeX write-up; and what the sheet declares about itself (naming.py matches the labels).

Numbers are kept as the text the student wrote ("0.3590"), because the digits written decide the
tolerance (judge.py). A sheet may declare its sign convention of δ and its own names for our
labels: in a mapping file, under the keys ``delta`` and ``aliases``; in a write-up, in a YAML front
matter block (``---`` lines) at its top, as Obsidian and Jekyll write it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

from ..errors import SpecError
from ..model.reading import describe, parse_text, read_bounded
from .naming import CONVENTIONS, canonical

# One way to read each number, so a long run of digits that is not a number fails in linear time.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MAX_SHEET_BYTES = 2_000_000  # a hand calculation is far smaller; this bounds the time to read one
SETTINGS = ("delta", "aliases")  # what a sheet may declare about itself
_DECLARES = re.compile(r"^(?:delta|aliases)\s*:", re.M)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Sheet:
    pairs: list[tuple[str, str]]  # (label, number as written), in the order written
    delta: str | None = None  # the sign convention of δ the sheet declares (naming.CONVENTIONS)
    aliases: dict[str, str] = field(default_factory=dict)  # the sheet's own names -> our labels
    updates_from: int | None = None  # from this pair on, a parameter's bare name is its updated value


def read_sheet(path: str | Path) -> Sheet:
    if not isinstance(path, (str, os.PathLike)):
        raise SpecError(f"answers: expected a sheet's path or a mapping of labels to numbers, found {type(path).__name__}")
    path = Path(path)
    text = read_bounded(path, MAX_SHEET_BYTES, "an answer sheet")
    suffix = path.suffix.lower()
    settings: dict = {}
    updates_from = None
    if suffix in (".yaml", ".yml", ".json", ".toml"):
        kind = {".yml": "yaml"}.get(suffix, suffix[1:])
        return sheet_from_mapping(parse_text(text, kind, str(path), numbers_as_text=True), str(path))
    if suffix == ".csv":
        pairs = _csv_pairs(text, path)
    elif suffix in (".md", ".markdown", ".tex", ".txt"):
        front = _FRONT_MATTER.match(text)
        settings = _front_matter(front.group(1), path) if front else {}
        pairs, updates_from = equation_answers(text[front.end():] if front else text)
    else:
        raise SpecError(f"{path}: expected answers as .yaml, .yml, .json, .toml, .csv, .md, .markdown, .tex or .txt")
    if not pairs:
        raise SpecError(f"{path}: no answers found (a label and a number, or an equation ending in a number)")
    return Sheet(pairs, *declared(settings, str(path)), updates_from)


def _front_matter(block: str, path: Path) -> dict:
    """The settings of a write-up's front matter. A blog post's front matter that is not valid YAML
    is not the sheet's business, unless it tries to declare a setting."""
    try:
        found = parse_text(block, "yaml", f"{path}: front matter")
    except SpecError:
        if _DECLARES.search(block):
            raise
        return {}
    return {k: v for k, v in found.items() if k in SETTINGS} if isinstance(found, dict) else {}


def sheet_from_mapping(mapping, where: str) -> Sheet:
    """A mapping label -> number, with the settings ``delta`` and ``aliases`` among its keys."""
    if not isinstance(mapping, Mapping):
        raise SpecError(f"{where}: expected a mapping of labels to numbers")
    settings = {str(k): v for k, v in mapping.items() if str(k) in SETTINGS and not _is_number(v)}
    pairs = [(str(k), _number_text(v, f"{where}: {k}")) for k, v in mapping.items() if str(k) not in settings]
    if not pairs:
        raise SpecError(f"{where}: no answers found (a label and a number)")
    return Sheet(pairs, *declared(settings, where))


def _is_number(value) -> bool:
    if isinstance(value, str):
        return number_text(value) is not None
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def declared(settings: Mapping, where: str = "") -> tuple[str | None, dict[str, str]]:
    """The sign convention of δ and the aliases ``settings`` declare (a sheet's, or check's own
    arguments), checked: SpecError naming the field, prefixed by ``where``."""
    at = f"{where}: " if where else ""
    delta, aliases = settings.get("delta"), settings.get("aliases", {})
    if delta is not None and (not isinstance(delta, str) or delta not in CONVENTIONS):
        raise SpecError(f"{at}delta: expected {' or '.join(CONVENTIONS)}, found {describe(delta)}")
    if not isinstance(aliases, Mapping) or not all(isinstance(v, str) for v in aliases.values()):
        raise SpecError(f"{at}aliases: expected a mapping of names to labels (NAME: LABEL), found {describe(aliases)}")
    return delta, {str(k): v for k, v in aliases.items()}


def _number_text(value, where: str) -> str:
    text = number_text(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if text is None:
        raise SpecError(f"{where}: expected a number, found {value!r}")
    return text


_WRAPPER = re.compile(r"\\(?:text|mathrm|mathbf)\{([^{}]*)\}")
_TIMES_TEN = re.compile(r"\\(?:times|cdot)10\^\(?([+-]?\d+)\)?$")


def number_text(text: str) -> str | None:
    """A number as the student wrote it, normalised but keeping its digits: "0.3590", "-3.51e-05".

    Accepts a Unicode minus, a leading "+", wrappers such as \\text{...} or braces, trailing
    punctuation, and LaTeX's ``3.51 \\times 10^{-5}``; None if it is not a number. Any size is a
    number (judge.py compares as written), up to the exponents Python's decimal can hold (10^±10^18).
    """
    if "\\" in text:
        text = _WRAPPER.sub(r"\1", text)
    text = text.replace("\u2212", "-").replace("{", "").replace("}", "").replace(" ", "").replace("\\,", "")
    if "\\" in text:
        text = _TIMES_TEN.sub(r"e\1", text)
    text = text.rstrip(".,;")
    if not NUMBER.fullmatch(text):
        return None
    try:
        Decimal(text)
    except InvalidOperation:  # an exponent of 19 digits or more
        return None
    return text


def _csv_pairs(text: str, path: Path) -> list[tuple[str, str]]:
    try:
        return _csv_rows(text, path)
    except csv.Error as exc:  # a field beyond the csv module's limit (131,072 characters), say
        raise SpecError(f"{path}: malformed CSV: {exc}") from None


def _csv_rows(text: str, path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        while row and not row[-1].strip():  # the empty trailing columns spreadsheets write
            row = row[:-1]
        if not row:
            continue
        if len(row) != 2:
            raise SpecError(f"{path}: line {number}: expected two columns, label and value")
        label, value = row[0].strip(), row[1].strip()
        if not pairs and len(value) < 10 and canonical(value) in ("value", "answer", "given"):
            continue  # a header row
        pairs.append((label, _number_text(value, f"{path}: line {number}")))
    return pairs


_ENVIRONMENT = r"(?:align\*?|aligned|equation\*?|gather\*?)\}"
_OPENER = re.compile(r"\$\$?|\\\[|\\\(|\\begin\{" + _ENVIRONMENT)
#: Each opener's closer. Math never spans a blank line (TeX ends it there, and so do Markdown's
#: renderers), so a closer beyond the next blank line closes nothing of this opener's.
_CLOSERS = {"$$": re.compile(r"\$\$"), "$": re.compile(r"\$"), "\\[": re.compile(r"\\\]"),
            "\\(": re.compile(r"\\\)"), "\\begin": re.compile(r"\\end\{" + _ENVIRONMENT)}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_ENVIRONMENTS = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]+\}")
_ROWS = re.compile(r"\\\\(?![a-zA-Z])|\\cr\b|\\q?quad\b|(?<!\\);")
_LETTER = re.compile("[A-Za-z]")
_ARITHMETIC = re.compile(r"\\(?:cdot|times|frac|dfrac|left|right|div|pm)\b")
#: e^{-0.3775}, e^2, \exp(1.2): a power of e with a number is arithmetic, whatever letter e is
_POWER_OF_E = re.compile(r"(?<![A-Za-z\\])e\^(?:\{[^{}A-Za-z]*\}|[-+]?[\d.]+)|\\exp\b")
_CASES = re.compile(r"\\begin\{(cases|[bpvV]?matrix|array)\}")
_RELATION = re.compile(r":=|=|\\approx|≈|\\leftarrow|\\gets|←")
#: "\\text{ and }" between two equations on one line (a comma and an align column's "&" are found
#: by _top_level_pieces, outside braces and brackets)
_AND = re.compile(r"\\text\{\s*(?:and|,)\s*\}")
_RELATION_AHEAD = re.compile(r"\s*(?::=|=|\\approx)")
#: A remark after an equation's number: "\; \text{(rounded)}"
_REMARK = re.compile(r"(?:\\[,;:! ]|\\q?quad|\s)*\\(?:text|mathrm|textrm)\{[^{}]*\}\s*$")
_RATE = re.compile(r"\\eta|η|\\alpha|α|\blr\b")
_HISTORY = re.compile(r"error[^.$]{0,200}?\bfrom\s+(\d*\.\d+)\s+to\s+(\d*\.\d+)", re.I)


def _math_blocks(text: str):
    """The content of every ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` and align-like environment.

    Openers are taken in order. The next match of each kind of closer, and the next blank line, are
    remembered, so each is searched forward only and the scan stays linear however many openers are
    never closed. An opener whose closer lies beyond the next blank line is no opener ("$$" may
    still open "$"); math of any length within a paragraph is read.
    """
    upcoming: dict = {}  # kind (or "blank") -> its next match; None: there is none further on
    position = 0
    while opener := _OPENER.search(text, position):
        kind = "\\begin" if opener.group().startswith("\\begin") else opener.group()
        start = opener.end()
        for key, pattern in ((kind, _CLOSERS[kind]), ("blank", _BLANK_LINE)):
            if key not in upcoming or (upcoming[key] is not None and upcoming[key].start() < start):
                upcoming[key] = pattern.search(text, start + (key == kind))  # content: one character at least
        found, blank = upcoming[kind], upcoming["blank"]
        if found is None or (blank is not None and blank.start() < found.start()):
            position = opener.start() + 1
            continue
        yield text[start:found.start()]
        position = found.end()


def _cases_as_one(math: str) -> str:
    """Cases, matrices and arrays as the single word \\cases: their rows are alternatives, not
    equations. An environment never closed is searched for once."""
    parts, position, unclosed = [], 0, set()
    for opener in _CASES.finditer(math):
        name = opener.group(1)
        if opener.start() < position or name in unclosed:
            continue
        end = math.find(f"\\end{{{name}}}", opener.end())
        if end < 0:
            unclosed.add(name)
            continue
        parts += [math[position:opener.start()], "\\cases"]
        position = end + len(name) + 6
    return "".join(parts) + math[position:]


def equation_answers(text: str) -> tuple[list[tuple[str, str]], int | None]:
    """Every equation chain whose last member is a number, as (left-hand side, number); and the
    tutorials' sentence "the error decreases from X to Y" as the error after 0 and 1 updates.
    Second, where the sheet first writes an update as ``w5 = w5 - \\eta \\cdot ...`` (the index of
    the pairs from there on): after it, ``w5 = 0.3589`` names the updated weight, as the sheet means."""
    pairs, updates_from = [], None
    for math in _math_blocks(text):
        if "\\begin" in math or "\\end" in math:
            math = _ENVIRONMENTS.sub("", _cases_as_one(math))
        lhs = ""
        for line in (equation for row in _ROWS.split(math) for equation in _equations(row)):
            members = [m.strip() for m in _RELATION.split(line)]
            lhs = members[0].removesuffix("&").rstrip() or lhs  # an "&= ..." row continues the equation above
            if updates_from is None and _is_update_rule(lhs, members[1]):
                updates_from = len(pairs)
            value = number_text(_REMARK.sub("", members[-1]))
            if value is not None and _LETTER.search(_ARITHMETIC.sub("", _POWER_OF_E.sub("", lhs))):
                pairs.append((lhs, value))  # a left-hand side without letters is arithmetic, not a label
    for match_ in _HISTORY.finditer(text):
        pairs += [("E after 0", match_.group(1)), ("E after 1", match_.group(2))]
    return pairs, updates_from


def _equations(row: str) -> list[str]:
    """The equations of one row: "out_{o1} = 0.7514, out_{o2} = 0.7729" is two. A piece without a
    relation belongs to its neighbour ("f(x, y) = 3" is one equation), so only pieces that are
    equations themselves are split apart."""
    pieces: list[str] = []
    pending = ""
    for piece in _top_level_pieces(_AND.sub("\0", row)):
        if _RELATION.search(piece):
            pieces.append(pending + piece)
            pending = ""
        elif pieces:
            pieces[-1] += "," + piece
        else:
            pending += piece + ","
    return pieces


def _top_level_pieces(row: str) -> list[str]:
    """``row`` cut at each comma, NUL (a replaced "and") and column "&" outside braces and brackets:
    z_{2,1} and (0.05, 0.10) stay whole."""
    if not any(c in row for c in ",&\0"):
        return [row]
    pieces, depth, start = [], 0, 0
    for i, c in enumerate(row):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth = max(depth - 1, 0)
        elif depth == 0 and (c in ",\0" or (c == "&" and not _RELATION_AHEAD.match(row, i + 1))):
            pieces.append(row[start:i])
            start = i + 1
    return pieces + [row[start:]]


def _is_update_rule(lhs: str, rhs: str) -> bool:
    """``w5 = w5 - \\eta ...``: the left-hand side again, then a learning rate."""
    if len(lhs) > 40 or _RATE.search(rhs) is None:
        return False
    name = canonical(lhs)
    return len(name) >= 2 and canonical(rhs[:200]).startswith(name)


