"""LaTeX labels and equations as plain Unicode text (∂E_total/∂w₅, w₅⁺, 1/(1 + e^(-net_o1))): what a
terminal shows, and what an SVG figure writes where it cannot typeset LaTeX."""

from __future__ import annotations

import re

from .printing import closing_brace

#: LaTeX commands in a terminal; any other prints as its name (\\tanh as tanh)
_COMMANDS = {"partial": "∂", "delta": "δ", "Delta": "Δ", "eta": "η", "sigma": "σ", "alpha": "α", "cdot": "·",
             "times": "×", "left": "", "right": "", "text": "", "mathrm": "", ",": " ", ";": " ", "!": "",
             "frac": "\\frac"}  # fractions are read after the commands
_COMMAND = re.compile(r"\\([A-Za-z]+|[,;!]) ?")
_TILDE = re.compile(r"\\tilde\{(\w)\}")
_AFTER = re.compile(r"\s*\\text\{\s*after\s*\}\s*")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\w))")
_SIMPLE = re.compile(r"[∂\w,.·^⁺⁻⁽⁾₊₋₍₎]+")  # one term: needs no brackets around it
_SUB = str.maketrans("0123456789+-()", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎")
_SUP = str.maketrans("0123456789+-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾")


def plain(label: str) -> str:
    """A LaTeX label or equation as a terminal shows it: ∂E_total/∂w₅, out_h1, δ_o1, w₅⁺, z²₁,
    1/(1 + e^(-net_o1)). Sub- and superscripts first (innermost first), then fractions."""
    text = _TILDE.sub("\\1\u0303", label)  # \tilde{w}: w̃
    text = _COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(1)), _AFTER.sub(" after ", text))
    while (found := _SCRIPT.search(text)) is not None:
        mark, inner = found.group(1), found.group(2) if found.group(2) is not None else found.group(3)
        table = _SUB if mark == "_" else _SUP
        if all(c in "0123456789+-()" for c in inner):
            shown = inner.translate(table)
        else:
            shown = mark + (inner if _SIMPLE.fullmatch(inner) else f"({inner.strip()})")
        text = text[:found.start()] + shown.replace("_", "\0").replace("^", "\1") + text[found.end():]
    text = text.replace("\0", "_").replace("\1", "^")
    while (start := text.find("\\frac{")) >= 0:
        top_end = closing_brace(text, start + 5)
        bottom_end = closing_brace(text, top_end + 1) if top_end >= 0 else -1
        if bottom_end < 0:
            break
        top, bottom = (_grouped(part) for part in (text[start + 6:top_end], text[top_end + 2:bottom_end]))
        text = f"{text[:start]}{top}/{bottom}{text[bottom_end + 1:]}"
    text = text.replace("{", "").replace("}", "").replace("'", "′")  # w′: a prime, not an apostrophe
    return re.sub(r"\s*([·×])\s*", r"\1", text)


def _grouped(part: str) -> str:
    """A fraction's numerator or denominator, bracketed when it is more than one term."""
    return part if _SIMPLE.fullmatch(part.replace("{", "").replace("}", "")) else f"({part.strip()})"
