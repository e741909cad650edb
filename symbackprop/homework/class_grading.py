"""A class in which every student had a variant of their own: each filled answers template graded
against its own variant, with error carried forward and named causes, into one gradebook.

A sheet says which variant it answers in its header (``variant:``, and ``spec:``, the variant's spec
as ``variants`` wrote it); the set's index (``variants.json``) says which spec each variant is. The
variant's id decides, and the header's spec must be the file the index names for it, so a sheet of
another set, or one whose header was edited, is that sheet's row with its error, not a wrong grade.
Each variant is solved once, however many sheets answer it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SpecError, SymbackpropError
from ..grading.checking import Grader
from ..grading.classroom import INTERNAL, Row, failed_row, row
from ..grading.sheet import read_sheet
from ..model.reading import describe, read_bounded
from ..solution import solve

SCHEMA = "symbackprop-variants/1"
MAX_INDEX_BYTES = 5_000_000  # 1,000 variants' entries with their draws fit many times over


@dataclass(frozen=True)
class VariantIndex:
    path: Path
    specs: dict[str, Path]  # variant id -> its concrete spec


def is_variant_index(path: str | Path) -> bool:
    """Is ``path`` a set's index that ``variants`` wrote (a JSON file whose schema says so)?"""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with open(path, "rb") as stream:
            head = stream.read(200).decode("utf-8", "replace")
    except OSError:
        return False
    return f'"schema": "{SCHEMA}"' in head


def answers_or_foreign(path: Path) -> bool:
    """Could ``path`` be a student's sheet? Not a set's own spec, exercise, key or index CSV (a folder
    of the set holds them beside the answers templates); a filled answers template keeps its mark."""
    if path.name.lower() in ("variants.csv", "variants.json"):
        return False
    try:
        with open(path, "rb") as stream:
            head = stream.read(300).decode("utf-8", "replace")
    except OSError:
        return True  # its row will say what is wrong with it
    return "written by symbackprop" not in head or "an answers template" in head


def read_index(path: str | Path) -> VariantIndex:
    path = Path(path)
    where = str(path)
    try:
        data = json.loads(read_bounded(path, MAX_INDEX_BYTES, "a variants index"))
    except json.JSONDecodeError as exc:
        raise SpecError(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("variants"), list):
        raise SpecError(f"{where}: expected the variants.json that symbackprop variants writes")
    specs = {}
    for entry in data["variants"]:
        variant, spec = (entry.get("variant"), entry.get("spec")) if isinstance(entry, dict) else (None, None)
        if not isinstance(variant, str) or not isinstance(spec, str) or Path(spec).name != spec:
            raise SpecError(f"{where}: variants: expected entries with a variant id and its spec's file name, "
                            f"found {describe(entry)}")
        specs[variant] = path.parent / spec
    return VariantIndex(path, specs)


def grade_variants(index: VariantIndex, sheets: list[Path], score: str = "ecf", progress: Callable | None = None,
                   **options) -> list[Row]:
    """Every sheet's row, in the order given, with its variant; ``options`` go to Grader.check."""
    graders: dict[str, Grader] = {}
    rows = []
    for sheet in sheets:
        rows.append(_graded(index, sheet, graders, score, options))
        if progress is not None:
            progress(len(rows), len(sheets))
    return rows


def _graded(index: VariantIndex, sheet: Path, graders: dict, score: str, options: dict) -> Row:
    """The sheet's row, whatever happens to it: bad input and bugs alike are its error."""
    variant = ""
    try:
        variant, spec = _variant_of(index, sheet)
        if variant not in graders:
            graders[variant] = Grader(solve(spec))
        found = row(str(sheet), graders[variant].check(sheet, **options), score)
    except SymbackpropError as exc:
        found = failed_row(str(sheet), str(exc), exc.exit_status)
    except Exception as exc:  # noqa: BLE001 - a bug of ours on this sheet: its row says so, the run goes on
        found = failed_row(str(sheet), f"internal error (a bug in symbackprop; please report it): "
                                       f"{type(exc).__name__}: {exc}", INTERNAL)
    found["variant"] = variant
    return found


def _variant_of(index: VariantIndex, sheet: Path) -> tuple[str, Path]:
    """The variant a sheet answers and its spec, from the sheet's header, checked against the index."""
    header = read_sheet(sheet).header
    variant, spec = header.get("variant"), header.get("spec")
    if variant is None:
        raise SpecError(f"{sheet}: variant: missing; an answers template that symbackprop variants wrote names "
                        f"its variant in its header")
    variant = str(variant)
    if variant not in index.specs:
        raise SpecError(f"{sheet}: variant {variant!r} is not in {index.path.name} (a sheet of another set?)")
    expected = index.specs[variant]
    if spec is None or Path(str(spec)).name != expected.name:
        raise SpecError(f"{sheet}: spec: its header names {describe(spec)}, but variant {variant} of "
                        f"{index.path.name} is {expected.name}")
    if not expected.is_file():
        raise SpecError(f"{sheet}: variant {variant}'s spec {expected} is missing")
    return variant, expected
