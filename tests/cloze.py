"""An independent reader of Moodle's Cloze gaps, written from the format's description
(shared/homework-formats.md, Moodle's question/type/multianswer docs), not from symbackprop's writer.

A gap opens with ``{`` + an optional whole-number weight + ``:`` + a type + ``:`` and ends at the
first ``}`` not preceded by a backslash. Alternatives are separated by ``~``; each starts with ``=``
(100 %) or ``%N%``, then the answer, then optionally ``#`` and its feedback. Only ``\\}`` and ``\\#``
are un-escaped. A NUMERICAL answer is ``VALUE`` or ``VALUE:TOLERANCE`` (absolute).
"""

import re

TYPES = ("NUMERICAL", "NM", "SHORTANSWER", "SA", "MULTICHOICE", "MC")
OPENING = re.compile(r"\{(\d*):(" + "|".join(TYPES) + r"):")


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` where it is not escaped by a backslash."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "}#":
            current += text[i:i + 2]
            i += 2
            continue
        if text[i] == separator:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return parts + [current]


def _unescape(text: str) -> str:
    return text.replace("\\}", "}").replace("\\#", "#")


def gaps(text: str) -> list[dict]:
    """Every gap of a question text: weight, type, alternatives (fraction, value, tolerance, feedback)."""
    found, position = [], 0
    while True:
        match = OPENING.search(text, position)
        if match is None:
            return found
        i = match.end()
        while i < len(text) and not (text[i] == "}" and text[i - 1] != "\\"):
            i += 1
        if i == len(text):
            raise ValueError(f"a gap opened at {match.start()} never closes")
        body, position = text[match.end():i], i + 1
        alternatives = []
        for alternative in _split(body, "~"):
            if alternative.startswith("="):
                fraction, rest = 100.0, alternative[1:]
            else:
                percent = re.match(r"%(-?[\d.]+)%", alternative)
                if percent is None:
                    raise ValueError(f"an alternative without a fraction: {alternative!r}")
                fraction, rest = float(percent.group(1)), alternative[percent.end():]
            answer, *feedback = _split(rest, "#")
            value, _, tol = answer.partition(":")
            alternatives.append({"fraction": fraction, "value": float(value), "tolerance": float(tol or 0),
                                 "feedback": _unescape("#".join(feedback)), "answer": answer})
        found.append({"weight": int(match.group(1) or 1), "type": match.group(2), "alternatives": alternatives})
