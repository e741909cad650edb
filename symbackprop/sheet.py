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
        raise SpecError(f"{path}: expected answers as .yaml, .yml, .json, .toml, .csv, .md or .tex")
    return match(pairs, records)


def _number_text(value, where: str) -> str:
    text = str(value).strip() if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
    if not NUMBER.match(text):
        raise SpecError(f"{where}: expected a number, found {value!r}")
    return text


def _csv_pairs(text: str, path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise SpecError(f"{path}: line {number}: expected two columns, label and value")
        label, value = row[0].strip(), row[1].strip()
        if number == 1 and not NUMBER.match(value):
            continue  # a header row
        pairs.append((label, _number_text(value, f"{path}: line {number}")))
    return pairs


_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(.+?)\$|\\begin\{(?:align\*?|aligned|equation\*?)\}(.+?)"
                   r"\\end\{(?:align\*?|aligned|equation\*?)\}", re.S)
_HISTORY = re.compile(r"error[^.$]*?\bfrom\s+(\d*\.\d+)\s+to\s+(\d*\.\d+)", re.I)


def equation_answers(text: str) -> list[tuple[str, str]]:
    """Every equation chain whose last member is a number, as (left-hand side, number); and the
    tutorials' sentence "the error decreases from X to Y" as the error after 0 and 1 updates."""
    pairs = []
    for match_ in _MATH.finditer(text):
        math = next(group for group in match_.groups() if group is not None)
        for line in re.split(r"\\\\|\\cr\b", math):
            members = [m.strip().strip("&").strip() for m in line.replace("&=", "=").split("=")]
            if len(members) >= 2 and NUMBER.match(members[-1].replace(" ", "")) and members[0]:
                pairs.append((members[0], members[-1].replace(" ", "")))
    for match_ in _HISTORY.finditer(text):
        pairs += [("E after 0", match_.group(1)), ("E after 1", match_.group(2))]
    return pairs


def canonical(label: str) -> str:
    """A key that two spellings of the same label share (see the module docstring)."""
    text = label.replace("∂", "\\partial ").replace("δ", "\\delta ").replace("η", "\\eta ")
    text = re.sub(r"\\(?:left|right|mathrm|text|operatorname|mathit|,|;|!| )", "", text)
    text = _fractions(text)
    if "/" in text and "d(" not in text:
        top, _, bottom = text.partition("/")
        if re.match(r"\s*(\\partial|d)", top) and re.match(r"\s*(\\partial|d)", bottom):
            text = f"d({_strip_d(top)})/d({_strip_d(bottom)})"
    text = text.replace("\\cdot", "").replace("*", "").replace("'", "+")
    text = re.sub(r"\^\{?\+\}?", "+", text)
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
            raise SpecError(f"answers: unbalanced braces in {label_text!r}")
        top, bottom = text[start + 6:top_end], text[top_end + 2:bottom_end]
        text = f"{text[:start]}d({_strip_d(top)})/d({_strip_d(bottom)}){text[bottom_end + 1:]}"
    return text


def _strip_d(text: str) -> str:
    return re.sub(r"^\s*(\\partial|d)\s*", "", text.strip())


def match(pairs: list[tuple[str, str]], records: list[Record]) -> list[Answer]:
    """Each (label, number) against the records; the last answer for a label wins, as a reader would read."""
    index = {canonical(label): r for r in records for label in (*r.aliases, r.label)}
    answers: dict[str, Answer] = {}
    for label, given in pairs:
        key = canonical(label)
        record = index.get(key)
        suggestions = () if record else tuple(
            index[k].label for k in difflib.get_close_matches(key, list(index), n=3, cutoff=0.5))
        answers[key] = Answer(label, given, record, suggestions)
    return list(answers.values())
