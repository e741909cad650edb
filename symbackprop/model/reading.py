"""Reading user files without surprises: bounded in size, parsed by safe loaders that evaluate
nothing, duplicate keys refused, and every failure one line naming the file or the field.

Shared by specs (spec.py) and answer sheets (grading/sheet.py).
"""

from __future__ import annotations

import json
import reprlib
import unicodedata
from pathlib import Path
from typing import Any

from ..errors import SpecError

#: Limits on what is read, checked before any work: a spec is a few kilobytes.
INPUT_LIMITS = {
    "file bytes": 1_000_000,
    "values": 100_000,  # after YAML aliases are expanded: an "alias bomb" is refused, not expanded
    "number characters": 100,
    "decimal exponent": 400,  # |exponent| of a number as written; a float reaches about 1e308
    "name characters": 100,  # names the output files; file systems allow 255 bytes
}


def read_bounded(path: Path, limit: int, what: str) -> str:
    """A spec's or a sheet's text: a regular file (a FIFO or a device would be read for ever) of at
    most ``limit`` bytes, UTF-8 with or without the byte-order mark Windows editors write."""
    try:
        if path.exists() and not path.is_file():
            raise SpecError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > limit:
            raise SpecError(f"{path}: {size:,} bytes; {what} may have at most {limit:,}")
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the path
        raise SpecError(f"{path}: cannot read {what}: {exc}") from None


def parse_text(text: str, kind: str, where: str, numbers_as_text: bool = False) -> dict:
    """Parse without evaluating anything: safe YAML loader, stdlib TOML and JSON.

    ``numbers_as_text`` keeps numbers as written ("0.3590"), for answer sheets, where the digits count.
    """
    try:
        if kind == "yaml":
            from .yaml_loading import load_yaml  # only needed for YAML files

            data = load_yaml(text, numbers_as_text, INPUT_LIMITS["values"])
        elif kind == "toml":
            import tomllib

            data = tomllib.loads(text, parse_float=str) if numbers_as_text else tomllib.loads(text)
        else:
            numbers = dict(parse_float=str, parse_int=str) if numbers_as_text else {}
            data = json.loads(text, object_pairs_hook=_unique_keys, **numbers)
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    except Exception as exc:  # each parser has its own error type; all mean "malformed"
        raise SpecError(f"{where}: malformed {kind.upper()}: {_parser_message(exc)}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping of fields at the top level")
    return data


def _unique_keys(pairs: list) -> dict:
    """A JSON object whose keys differ: a key given twice is a mistake, not "the last one wins"."""
    data = {}
    for key, value in pairs:
        if key in data:
            raise SpecError(f"{excerpt(key)}: given twice; each field may appear once")
        data[key] = value
    return data


def _parser_message(exc: Exception) -> str:
    """One line: PyYAML's message without its source excerpt; the others' messages as they are."""
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    text = " ".join(str(exc).split())
    if "integer string conversion" in text:  # Python's own guard against quadratic int parsing
        return "an integer of more than 4,300 digits"
    return excerpt(text, 200)


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxlong, _SHORT.maxother = 2, 4, 4, 40, 40, 40


def describe(value: Any) -> str:
    """A short, safe excerpt of a value for an error message: bounded however large the value is."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {value.bit_length() * 3 // 10:,} digits"
    return "nothing" if value is None else excerpt(_SHORT.repr(value))


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` shortened to ``limit`` characters, control characters shown as escapes."""
    text = "".join(c if unicodedata.category(c)[0] != "C" else repr(c)[1:-1] for c in str(text)[:limit + 1])
    return text if len(text) <= limit else text[:limit - 3] + "..."
