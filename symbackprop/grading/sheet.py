"""Read a student's answers: a mapping file (YAML, JSON, TOML), a two-column CSV, or a Markdown or
LaTeX write-up, and match each label to a record of the catalogue.

Numbers are kept as the text the student wrote ("0.3590"), because the digits written decide the
tolerance (grades.py). Labels are matched through a canonical key that ignores case, spacing,
braces, ``\\left``/``\\right`` and the ways of writing a derivative (``dE/dw5``,
``\\frac{\\partial E_{total}}{\\partial w_5}``) or an update (``w5+``, ``w_5^{+}``).
"""

from __future__ import annotations

import bisect
import csv
import difflib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .catalogue import Record
from ..errors import SpecError
from ..present.printing import closing_brace
from ..model.reading import parse_text, read_bounded

# One way to read each number, so a long run of digits that is not a number fails in linear time.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MAX_SHEET_BYTES = 2_000_000  # a hand calculation is far smaller; this bounds the time to read one
MAX_LABEL_CHARS = 300  # the longest label of a worked solution is about 100; a longer one is an expression
MAX_SUGGESTED = 1000  # unknown labels given suggestions; more than that is not a hand calculation
_NEARBY = 25  # an unknown label is compared with this many keys of its skeleton either side of it
_ERROR_NAMES = {"e", "etotal", "etot", "c", "error"}


@dataclass(frozen=True, eq=False)  # each answer is itself: the same line written twice is graded twice
class Answer:
    label: str  # as the student wrote it
    given: str  # the number as written
    record: Record | None  # None: an unknown label
    suggestions: tuple[str, ...] = ()  # the closest known labels, for an unknown one


def read_answers(path: str | Path, records: list[Record]) -> list[Answer]:
    path = Path(path)
    text = read_bounded(path, MAX_SHEET_BYTES, "an answer sheet")
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
        raise SpecError(f"{where}: expected a number, found {value!r}")
    return text


_WRAPPER = re.compile(r"\\(?:text|mathrm|mathbf)\{([^{}]*)\}")
_TIMES_TEN = re.compile(r"\\(?:times|cdot)10\^\(?([+-]?\d+)\)?$")


def number_text(text: str) -> str | None:
    """A number as the student wrote it, normalised but keeping its digits: "0.3590", "-3.51e-05".

    Accepts a Unicode minus, a leading "+", wrappers such as \\text{...} or braces, trailing
    punctuation, and LaTeX's ``3.51 \\times 10^{-5}``; None if it is not a number. Any size is a
    number (grades.py compares as written), up to the exponents Python's decimal can hold (10^±10^18).
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
_ROWS = re.compile(r"\\\\(?![a-zA-Z])|\\cr\b|\\q?quad\b|;")
_LETTER = re.compile("[A-Za-z]")
_ARITHMETIC = re.compile(r"\\(?:cdot|times|frac|dfrac|left|right|div|pm)\b")
_CASES = re.compile(r"\\begin\{(cases|[bpvV]?matrix|array)\}")
_RELATION = re.compile(r"=|\\approx|≈")
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


def equation_answers(text: str) -> list[tuple[str, str]]:
    """Every equation chain whose last member is a number, as (left-hand side, number); and the
    tutorials' sentence "the error decreases from X to Y" as the error after 0 and 1 updates."""
    pairs = []
    for math in _math_blocks(text):
        if "\\begin" in math or "\\end" in math:
            math = _ENVIRONMENTS.sub("", _cases_as_one(math))
        lhs = ""
        for line in _ROWS.split(math):
            members = [m.strip() for m in _RELATION.split(line)]
            if len(members) < 2:
                continue
            lhs = members[0].removesuffix("&").rstrip() or lhs  # an "&= ..." row continues the equation above
            value = number_text(members[-1])
            if value is not None and _LETTER.search(_ARITHMETIC.sub("", lhs)):
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
    known = _Known(records)
    keys: dict = {}
    suggested: dict = {}
    answers: list[Answer] = []
    for label, given in pairs:
        if label not in keys:  # None: too long to be a label, an unknown one without suggestions
            keys[label] = canonical(label) if len(label) <= MAX_LABEL_CHARS else None
        key = keys[label]
        record = known.records.get(key)
        if record is None and key is not None and key not in suggested and len(suggested) < MAX_SUGGESTED:
            suggested[key] = known.closest(key)
        answers.append(Answer(label, given, record, suggested.get(key, ())))
    return answers


class _Known:
    """The records by canonical key; and the keys by skeleton (the key with its numbers as "#"), so
    that an unknown label is compared with the few keys spelled like it, not with every key."""

    def __init__(self, records: list[Record]):
        self.records = {canonical(label): r for r in records for label in (*r.aliases, r.label)}
        groups: dict = {}
        for key in self.records:
            groups.setdefault(_skeleton(key), []).append((_numbers(key), key))
        self.groups = {skeleton: sorted(group) for skeleton, group in groups.items()}
        self._similar: dict = {}  # skeleton -> the known skeletons closest to it

    def closest(self, key: str, n: int = 3) -> tuple[str, ...]:
        """The labels of the ``n`` closest known keys: those of the same skeleton first, nearest
        numbers first; then those of the skeletons difflib finds closest."""
        skeleton, numbers = _skeleton(key), _numbers(key)
        labels: dict = {}
        if skeleton not in self._similar:
            self._similar[skeleton] = difflib.get_close_matches(skeleton, list(self.groups), n=n, cutoff=0.0)
        own = [skeleton] if skeleton in self.groups else []
        for near in dict.fromkeys(own + self._similar[skeleton]):
            for other in _nearest(self.groups[near], numbers, n):
                labels.setdefault(self.records[other].label, None)
        return tuple(labels)[:n]


def _skeleton(key: str) -> str:
    return re.sub(r"\d+", "#", key)


def _numbers(key: str) -> tuple[int, ...]:
    return tuple(int(run) for run in re.findall(r"\d+", key))


def _nearest(group: list[tuple[tuple[int, ...], str]], numbers: tuple[int, ...], n: int) -> list[str]:
    """The ``n`` keys of a sorted group whose numbers are closest: spelled alike first (w55 is w5
    mistyped), then nearest in value; among the keys of nearby numbers, so a large group costs little."""
    at = bisect.bisect_left(group, (numbers, ""))
    around = group[max(at - _NEARBY, 0):at + _NEARBY]

    def distance(entry: tuple[tuple[int, ...], str]) -> tuple:
        pairs = list(zip(entry[0], numbers))
        unlike = sum(1 - difflib.SequenceMatcher(None, str(a), str(b)).ratio() for a, b in pairs)
        return unlike, sum(abs(a - b) for a, b in pairs), entry[1]

    return [key for _, key in sorted(around, key=distance)[:n]]
