"""Read a student's answers: a mapping file (YAML, JSON, TOML), a two-column CSV, or a Markdown or
LaTeX write-up, and match each label to a record of the catalogue.

Numbers are kept as the text the student wrote ("0.3590"), because the digits written decide the
tolerance (grading.py). Labels are matched through a canonical key that ignores case, spacing,
braces, ``\\left``/``\\right`` and the ways of writing a derivative (``dE/dw5``,
``\\frac{\\partial E_{total}}{\\partial w_5}``) or an update (``w5+``, ``w_5^{+}``).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .catalogue import Record
from .errors import SpecError
from .printing import closing_brace
from .spec import parse_text

NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
MAX_SHEET_BYTES = 2_000_000  # a hand calculation is far smaller; this bounds the time to read one
MAX_DECIMALS = 20  # more decimals than a float carries mean a mistake, not precision
_ERROR_NAMES = {"e", "etotal", "etot", "c", "error"}


@dataclass(frozen=True)
class Answer:
    label: str  # as the student wrote it
    given: str  # the number as written
    record: Record | None  # None: an unknown label
    suggestions: tuple[str, ...] = ()  # the closest known labels, for an unknown one


def read_answers(path: str | Path, records: list[Record]) -> list[Answer]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SHEET_BYTES:
            raise SpecError(f"{path}: {path.stat().st_size:,} bytes; an answer sheet may have at most {MAX_SHEET_BYTES:,}")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the answers: {exc}") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json", ".toml"):
        kind = {".yml": "yaml"}.get(suffix, suffix[1:])
        mapping = parse_text(text, kind, str(path), numbers_as_text=True)
        pairs = [(str(k), _number_text(v, f"{path}: {k}")) for k, v in mapping.items()]
    elif suffix == ".csv":
        pairs = _csv_pairs(text, path)
    elif suffix in (".md", ".markdown", ".tex", ".txt"):
        pairs = equation_answers(text)
    else:
        raise SpecError(f"{path}: expected answers as .yaml, .yml, .json, .toml, .csv, .md, .markdown, .tex or .txt")
    if not pairs:
        raise SpecError(f"{path}: no answers found (a label and a number, or an equation ending in a number)")
    return match(pairs, records)


def _number_text(value, where: str) -> str:
    text = number_text(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if text is None:
        raise SpecError(f"{where}: expected a number with at most {MAX_DECIMALS} decimals, found {value!r}")
    return text


def number_text(text: str) -> str | None:
    """A number as the student wrote it, normalised but keeping its digits: "0.3590", "-3.51e-05".

    Accepts a Unicode minus, a leading "+", wrappers such as \\text{...} or braces, trailing
    punctuation, and LaTeX's ``3.51 \\times 10^{-5}``; None if it is not a number.
    """
    text = re.sub(r"\\(?:text|mathrm|mathbf)\{([^{}]*)\}", r"\1", text)
    text = text.replace("\u2212", "-").replace("{", "").replace("}", "").replace(" ", "").replace("\\,", "")
    text = re.sub(r"\\(?:times|cdot)10\^\(?([+-]?\d+)\)?$", r"e\1", text).rstrip(".,;")
    if not NUMBER.match(text) or not -MAX_DECIMALS <= _exponent(text) <= 400:
        return None
    return text


def _exponent(text: str) -> int:
    from decimal import Decimal

    exponent = Decimal(text).as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _csv_pairs(text: str, path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        while row and not row[-1].strip():  # the empty trailing columns spreadsheets write
            row = row[:-1]
        if not row:
            continue
        if len(row) != 2:
            raise SpecError(f"{path}: line {number}: expected two columns, label and value")
        label, value = row[0].strip(), row[1].strip()
        if not pairs and number_text(value) is None and canonical(value) in ("value", "answer", "given"):
            continue  # a header row
        pairs.append((label, _number_text(value, f"{path}: line {number}")))
    return pairs


# Bounded lengths keep an unclosed delimiter from making the scan quadratic.
_MATH = re.compile(r"\$\$(.{1,8000}?)\$\$|\\\[(.{1,8000}?)\\\]|\\\((.{1,4000}?)\\\)|\$([^$]{1,4000}?)\$"
                   r"|\\begin\{(?:align\*?|aligned|equation\*?|gather\*?)\}(.{1,8000}?)"
                   r"\\end\{(?:align\*?|aligned|equation\*?|gather\*?)\}", re.S)
_ARITHMETIC = re.compile(r"\\(?:cdot|times|frac|dfrac|left|right|div|pm)\b")
_CASES = re.compile(r"\\begin\{(cases|[bpvV]?matrix|array)\}.*?\\end\{\1\}", re.S)
_RELATION = re.compile(r"&?\s*(?:=|\\approx|≈)\s*")
_HISTORY = re.compile(r"error[^.$]*?\bfrom\s+(\d*\.\d+)\s+to\s+(\d*\.\d+)", re.I)


def equation_answers(text: str) -> list[tuple[str, str]]:
    """Every equation chain whose last member is a number, as (left-hand side, number); and the
    tutorials' sentence "the error decreases from X to Y" as the error after 0 and 1 updates."""
    pairs = []
    for match_ in _MATH.finditer(text):
        math = next(group for group in match_.groups() if group is not None)
        math = _CASES.sub(r"\\cases", math)  # its rows are alternatives, not equations
        math = re.sub(r"\\(?:begin|end)\{[a-zA-Z*]+\}", "", math)
        lhs = ""
        for line in re.split(r"\\\\(?![a-zA-Z])|\\cr\b|\\q?quad\b|;", math):
            members = [m.strip() for m in _RELATION.split(line.strip())]
            if len(members) < 2:
                continue
            lhs = members[0] or lhs  # an "&= ..." row continues the equation above
            value = number_text(members[-1])
            if value is not None and re.search(r"[A-Za-z]", _ARITHMETIC.sub("", lhs)):
                pairs.append((lhs, value))  # a left-hand side without letters is arithmetic, not a label
    for match_ in _HISTORY.finditer(text):
        pairs += [("E after 0", match_.group(1)), ("E after 1", match_.group(2))]
    return pairs


def canonical(label: str) -> str:
    """A key that two spellings of the same label share (see the module docstring)."""
    text = label.replace("∂", "\\partial ").replace("δ", "\\delta ").replace("η", "\\eta ")
    text = re.sub(r"\\[dt]frac\b", r"\\frac", text)
    text = re.sub(r"\}\s+\{", "}{", text)
    text = re.sub(r"\^\{?\+\}?", "+", text.replace("'", "+"))  # an update: w_5^{+}, w_5^+, w_5'
    # z_1^1 and z^1_1 print the same: superscript first
    text = re.sub(r"_(\{[^{}]*\}|\w)\^(\{[^{}]*\}|\w)", r"^\2_\1", text)
    text = re.sub(r"\\(?:left|right|mathrm|text|operatorname|mathit|,|;|!| )", "", text)
    text = _fractions(text)
    if "/" in text and "d(" not in text:
        top, _, bottom = text.partition("/")
        if re.match(r"\s*(\\partial|d)", top) and re.match(r"\s*(\\partial|d)", bottom):
            text = f"d({_strip_d(top)})/d({_strip_d(bottom)})"
    text = text.replace("\\cdot", "").replace("*", "")
    text = re.sub(r"[\s{}_\\]", "", text).lower()
    text = re.sub(r"d\(([^()]*)\)/", lambda m: f"d({'E' if m.group(1) in _ERROR_NAMES else m.group(1)})/", text)
    history = re.fullmatch(r"([a-z]+)after(\d+)", text)  # "E_{total} after 1", "error after 1"
    if history and history.group(1) in _ERROR_NAMES:
        return f"Eafter{int(history.group(2))}"
    return "E" if text in _ERROR_NAMES else text


def _fractions(text: str) -> str:
    """``\\frac{\\partial A}{\\partial B}`` (or ``\\frac{dA}{dB}``) as ``d(A)/d(B)``."""
    label_text = text
    while (start := text.find("\\frac{")) >= 0:
        top_end = closing_brace(text, start + 5)
        bottom_end = closing_brace(text, top_end + 1) if top_end >= 0 else -1
        if bottom_end < 0:
            return label_text  # unbalanced: left as it is, so it is reported as an unknown label
        top, bottom = text[start + 6:top_end], text[top_end + 2:bottom_end]
        text = f"{text[:start]}d({_strip_d(top)})/d({_strip_d(bottom)}){text[bottom_end + 1:]}"
    return text


def _strip_d(text: str) -> str:
    return re.sub(r"^\s*(\\partial|d)\s*", "", text.strip())


def match(pairs: list[tuple[str, str]], records: list[Record]) -> list[Answer]:
    """Each (label, number) against the records, in the order written; every one is graded."""
    index = {canonical(label): r for r in records for label in (*r.aliases, r.label)}
    answers: list[Answer] = []
    for label, given in pairs:
        key = canonical(label)
        record = index.get(key)
        suggestions = () if record else tuple(dict.fromkeys(
            index[k].label for k in difflib.get_close_matches(key, list(index), n=6, cutoff=0.0)))[:3]
        answers.append(Answer(label, given, record, suggestions))
    return answers
