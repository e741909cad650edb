"""Match a sheet's labels to the catalogue's records, whatever spelling the sheet uses.

Labels are matched through a canonical key that ignores case, spacing, braces, ``\\left``/``\\right``
and the ways of writing a derivative (``dE/dw5``, ``\\frac{\\partial E_{total}}{\\partial w_5}``,
``dL/dw5``) or an update (``w5+``, ``w_5^{+}``, ``w^{1+}_{10}``, ``w'^{2}_{11}``) or a sample (``a_{20}[2]``,
``a_{20}^{(2)}``). Case is kept where it carries meaning: ``\\Delta w``
(a change) is not ``\\delta`` (a delta). A sheet may name quantities its own way (aliases), and may
write δ as −∂E/∂net (the target-minus-output convention): a number under a δ label is then read with
its sign flipped, so that it is graded against the worked solution's δ = ∂E/∂net.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass

from .catalogue import Record
from ..errors import SpecError
from ..present.printing import closing_brace

MAX_LABEL_CHARS = 300  # the longest label of a worked solution is about 100; a longer one is an expression
MAX_SUGGESTED = 1000  # unknown labels given suggestions; more than that is not a hand calculation
_NEARBY = 25  # an unknown label is compared with this many keys of its skeleton either side of it
_ERROR_NAMES = {"e", "etotal", "etot", "c", "error", "l", "loss", "j", "cost"}
CHANGE = "\u2206"  # the increment sign stands for Δ in a key: lower() would turn Δ into δ
_CHANGE = re.compile(r"\\Delta(?![A-Za-z])\s*")
_ASCII_CHANGE = re.compile(r"(?<![A-Za-z\\])Delta(?=\s*[A-Za-z{_])\s*_?")

GRADIENT = "gradient"
#: The sign conventions of δ: δ = ∂E/∂net (w ← w − η·δ·a), or δ = −∂E/∂net (w ← w + η·δ·a, as Fausett,
#: Haykin and Rajasekaran write it); the factor that turns a sheet's δ into the worked solution's.
CONVENTIONS = {GRADIENT: 1, "target-minus-output": -1}


@dataclass(frozen=True, eq=False)  # each answer is itself: the same line written twice is graded twice
class Answer:
    label: str  # as the student wrote it
    given: str  # the number as written
    record: Record | None  # None: an unknown label
    suggestions: tuple[str, ...] = ()  # the closest known labels, for an unknown one
    sign: int = 1  # -1: a δ written as −∂E/∂net (CONVENTIONS)
    named: str | None = None  # which of the record's labels the sheet's label is (dE/dnet_o1, or δ_o1)
    zeros: int = 0  # a whole number is read with this many decimals (read.at_precision)

    @property
    def number(self) -> str:
        """The number graded: in the worked solution's convention (as written, or with its sign
        flipped), at the precision it is read with."""
        given = self.given if self.sign > 0 else (
            self.given[1:] if self.given.startswith("-") else "-" + self.given.removeprefix("+"))
        return given + ("" if "." in given else ".") + "0" * self.zeros if self.zeros else given


_WRAPPERS = re.compile(r"\\(?:text|mathrm|textrm|operatorname|mathit)\s*(?=\{)")
_OLD = re.compile(r"\^\{+\s*old\s*\}+|\^old\b|,\s*\{?old\}?(?=\})")
_NEW = re.compile(r"\^\{+\s*(?:new|\(?t\s*\+\s*1\)?)\s*\}+|\^new\b|\s*\((?:new)\)|,\s*\{?new\}?(?=\})|_\{?new\}?")
_TILDE = re.compile(r"\\tilde\s*\{?([A-Za-z])\}?((?:[_^](?:\{[^{}]*\}|\w))*)")
_UPDATE_FIRST = re.compile(r"\^\{?\+\}?_(\{[^{}]*\}|\w)")
_PRIME = re.compile(r"\^\{?\\prime\}?|\\prime")
_PRIMED = re.compile(r"([A-Za-z])'((?:[_^](?:\{[^{}]*\}|\w))+)")  # w'^{2}_{11}: the prime on the letter
_JOINED = re.compile(r"\^\{([^{}+']+)[+']\}(_(?:\{[^{}]*\}|\w))?")  # w^{1+}_{10}, as seed 000 writes an update
_SAMPLE = re.compile(r"\^\{?\((\d+)\)\}?")  # a sample written as a superscript, E^{(2)}: as E[2]
_SAMPLE_FIRST = re.compile(r"(\[\d+\])(_(?:\{[^{}]*\}|\w))")  # a[2]_{20} as a_{20}[2]
_SUBSCRIPTS = re.compile("[₀₁₂₃₄₅₆₇₈₉₊₋₍₎]+")
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾]+")
_SCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋₍₎⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾", "0123456789+-()0123456789-()")


def _unicode_scripts(text: str) -> str:
    """w₅⁺ and w²₁₁ (as the terminal report prints labels) as w_{5}^{+} and w^{2}_{11}."""
    text = _SUBSCRIPTS.sub(lambda m: "_{" + m.group().translate(_SCRIPT_DIGITS) + "}", text)
    text = _SUPERSCRIPTS.sub(lambda m: "^{" + m.group().translate(_SCRIPT_DIGITS) + "}", text)
    return text.replace("⁺", "^{+}")


def canonical(label: str) -> str:
    """A key that two spellings of the same label share (see the module docstring)."""
    if not label.isascii():
        label = _unicode_scripts(label)
    text = _CHANGE.sub(CHANGE, label).replace("Δ", CHANGE)  # Δ is not δ, whatever the case
    text = _ASCII_CHANGE.sub(CHANGE, text)  # Delta w5, DeltaW7 (delta_o1 stays a δ)
    text = text.replace("∂", "\\partial ").replace("δ", "\\delta ").replace("η", "\\eta ")
    text = re.sub(r"\\[dt]frac\b", r"\\frac", text)
    text = re.sub(r"\}\s+\{", "}{", text)
    text = _WRAPPERS.sub("", text)  # \text{new} as new
    text = _OLD.sub("", text)  # w_6^{old} is w_6
    text = _NEW.sub("^{+}", text)  # an update: w_5^{new}, w_5^{t+1}, w_5(new), w_{5,new}
    text = _TILDE.sub(r"{\1\2}^{+}", text)  # \tilde{w}^{2}_{11}, as documents once wrote an update
    text = _PRIMED.sub(r"{\1\2}^{+}", _PRIME.sub("'", text))  # w'^{2}_{11}, as Nielsen's documents write it
    text = _JOINED.sub(r"{^{\1}\2}^{+}", text)  # w^{1+}_{10} as {w^{1}_{10}}^{+}
    text = _SAMPLE_FIRST.sub(r"\2\1", _SAMPLE.sub(r"[\1]", text))  # a_{20}^{(2)}, a^{(2)}_{20}: a_{20}[2]
    text = _UPDATE_FIRST.sub(r"_\1^{+}", text)  # w^{+}_{5} as w_{5}^{+}
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
    return re.sub(r"^\s*(\{\s*)?(\\partial|d)\s*", r"\1", text.strip())  # \frac{\text{dout}}{...} too


class Names:
    """The records by canonical key; and the keys by skeleton (the key with its numbers as "#"), so
    that an unknown label is compared with the few keys spelled like it, not with every key. Built
    once per solution and shared by every sheet graded against it."""

    def __init__(self, records: list[Record]):
        self.records = {canonical(label): r for r in records for label in (*r.aliases, r.label)}
        self.spelled = {canonical(label): label for r in records for label in (*r.aliases, r.label)}
        self.deltas = {canonical(r.label) for r in records if r.quantity == "delta"}  # δ, not dE/dnet
        groups: dict = {}
        for key in self.records:
            groups.setdefault(_skeleton(key), []).append((_numbers(key), key))
        self.groups = {skeleton: sorted(group) for skeleton, group in groups.items()}
        self._similar: dict = {}  # skeleton -> the known skeletons closest to it

    def match(self, pairs: list[tuple[str, str]], convention: str = GRADIENT,
              own: dict[str, str] | None = None, updates_from: int | None = None) -> list[Answer]:
        """Each (label, number) against the records, in the order written; every one is graded.
        ``own``: the sheet's own names, as :meth:`resolve` gives them. From pair ``updates_from``
        on, a parameter's bare name stands for its updated value (sheet.equation_answers)."""
        flip = CONVENTIONS[convention] < 0
        own = own or {}
        keys: dict = {}
        suggested: dict = {}
        answers: list[Answer] = []
        for index, (label, given) in enumerate(pairs):
            if label not in keys:  # None: too long to be a label, an unknown one without suggestions
                keys[label] = canonical(label) if len(label) <= MAX_LABEL_CHARS else None
            key = keys[label]
            key = own.get(key, key)
            if updates_from is not None and index >= updates_from and f"{key}+" in self.records:
                key = f"{key}+"
            record = self.records.get(key)
            if record is None and key is not None and key not in suggested and len(suggested) < MAX_SUGGESTED:
                suggested[key] = self.closest(key)
            sign = -1 if flip and key in self.deltas else 1
            answers.append(Answer(label, given, record, suggested.get(key, ()), sign, self.spelled.get(key)))
        return answers

    def resolve(self, aliases: dict[str, str]) -> dict[str, str]:
        """Each alias's key -> the key of the label it names, which must be one of ours. Two names
        that read alike (``y`` and ``Y``) for different labels are refused, not merged."""
        resolved, named = {}, {}
        for name, label in aliases.items():
            key = canonical(label) if len(label) <= MAX_LABEL_CHARS else None
            if key not in self.records:
                closest = self.closest(key) if key is not None else ()
                hint = f" (closest: {', '.join(closest)})" if closest else ""
                raise SpecError(f"aliases: {name}: {label!r} is not a label of this solution{hint}")
            own = canonical(name)
            if own in self.records and own != key:
                raise SpecError(f"aliases: {name} is already a label of this solution "
                                f"({self.records[own].label}); an alias may not rename it")
            if resolved.get(own, key) != key:
                raise SpecError(f"aliases: {named[own]} and {name} read as the same name "
                                f"(labels ignore case and spacing) but stand for different labels")
            resolved[own], named[own] = key, name
        return resolved

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
