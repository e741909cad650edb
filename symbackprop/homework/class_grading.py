"""A class in which every student had a variant of their own: each filled answers template graded
against its own variant, with error carried forward and named causes, into one gradebook.

A sheet says which variant it answers in its header (``variant:``, and ``spec:``, the variant's spec
as ``variants`` wrote it); the set's index (``variants.json``) says which spec each variant is. The
variant's id decides, and the header's spec must be the file the index names for it, so a sheet of
another set, or one whose header was edited, is that sheet's row with its error, not a wrong grade.
Each variant is solved once, however many sheets answer it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SpecError
from ..grading.checking import Grader
from ..grading.classroom import Row, row, row_or_failure
from ..grading.sheet import read_sheet
from ..model.reading import describe, parse_text, read_bounded
from ..solution import solve

SCHEMA = "symbackprop-variants/1"
MAX_INDEX_BYTES = 5_000_000  # 1,000 variants' entries with their draws fit many times over


@dataclass(frozen=True)
class VariantIndex:
    path: Path
    specs: dict[str, Path]  # variant id -> its concrete spec
    answers: dict[str, Path]  # variant id -> its answers template (the asked labels, in the gaps' order)


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
    specs, answers = {}, {}
    for entry in data["variants"]:
        names = [entry.get(k) for k in ("variant", "spec", "answers")] if isinstance(entry, dict) else [None] * 3
        if not all(isinstance(n, str) for n in names) or any(Path(n).name != n for n in names[1:]):
            raise SpecError(f"{where}: variants: expected entries with a variant id, its spec's and its answers "
                            f"template's file names, found {describe(entry)}")
        specs[names[0]], answers[names[0]] = path.parent / names[1], path.parent / names[2]
    return VariantIndex(path, specs, answers)


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

    def graded() -> Row:
        nonlocal variant
        variant, spec = _variant_of(index, sheet)
        return row(str(sheet), _grader(graders, variant, spec).check(sheet, **options), score, asked=True)

    found = row_or_failure(str(sheet), graded)
    found["variant"] = variant
    return found


def _grader(graders: dict, variant: str, spec: Path) -> Grader:
    """The variant's grader, solved once however many sheets answer it."""
    if variant not in graders:
        graders[variant] = Grader(solve(spec))
    return graders[variant]


def _variant_of(index: VariantIndex, sheet: Path) -> tuple[str, Path]:
    """The variant a sheet answers and its spec, from the sheet's header, checked against the index."""
    header = read_sheet(sheet).header
    variant, spec = header.get("variant"), header.get("spec")
    if variant is None:
        raise SpecError(f"{sheet}: variant: missing; an answers template that symbackprop variants wrote names "
                        f"its variant in its header")
    variant = next((v for v in index.specs if v.lower() == str(variant).lower()), str(variant))
    if variant not in index.specs:
        raise SpecError(f"{sheet}: variant {variant!r} is not in {index.path.name} (a sheet of another set?)")
    expected = index.specs[variant]
    if spec is None or Path(str(spec)).name != expected.name:
        raise SpecError(f"{sheet}: spec: its header names {describe(spec)}, but variant {variant} of "
                        f"{index.path.name} is {expected.name}")
    if not expected.is_file():
        raise SpecError(f"{sheet}: variant {variant}'s spec {expected} is missing")
    return variant, expected


MAX_RESPONSES_BYTES = 20_000_000  # a large course's quiz, with every question's text
_PART = re.compile(r"^\s*\D*?(\d+)\s*:\s*(.*?)\s*$")  # "part 3: 0.5933" (or "Teil 3: ...")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")


def grade_responses(index: VariantIndex, path: str | Path, score: str = "ecf", progress: Callable | None = None,
                    **options) -> list[Row]:
    """Every attempt of a Moodle quiz's Responses download (one row each), regraded against its variant,
    recognised by its id in the question's text, with Moodle's own grade beside ours (``moodle``)."""
    attempts, grade_column = _attempts(Path(path))
    graders: dict[str, Grader] = {}
    rows = []
    for number, attempt in enumerate(attempts, start=1):
        who = " ".join(attempt.get(k, "") for k in ("First name", "Last name")).strip() or "attempt"
        name = f"{who} ({attempt.get('Email address', '')}) #{number}" if attempt.get("Email address") else f"{who} #{number}"
        variant = ""

        def graded() -> Row:
            nonlocal variant
            variant = _attempt_variant(index, attempt)
            answers = _attempt_answers(index, variant, attempt)
            return row(name, _grader(graders, variant, index.specs[variant]).check(answers, **options), score,
                       asked=True)

        found = row_or_failure(name, graded)
        found["variant"], found["moodle"] = variant, _moodle_percent(attempt.get(grade_column or "", ""), grade_column)
        rows.append(found)
        if progress is not None:
            progress(len(rows), len(attempts))
    return rows


def _attempts(path: Path) -> tuple[list[dict], str | None]:
    """The attempts of the file (rows with a Response column), and the name of Moodle's grade column."""
    reader = csv.DictReader(io.StringIO(read_bounded(path, MAX_RESPONSES_BYTES, "a Moodle responses file")))
    try:
        columns, rows = reader.fieldnames or [], list(reader)
    except csv.Error as exc:
        raise SpecError(f"{path}: not a CSV file as Moodle writes them ({exc})") from None
    if len(set(columns)) != len(columns):
        raise SpecError(f"{path}: a column name appears twice; expected Moodle's download as it was written")
    if not any(re.fullmatch(r"Response \d+", c or "") for c in columns):
        raise SpecError(f"{path}: no 'Response N' column; expected the responses download of Moodle's quiz "
                        f"Responses report (with the question text ticked)")
    if not any(re.fullmatch(r"Question \d+", c or "") for c in columns):
        raise SpecError(f"{path}: no 'Question N' column, which names each attempt's variant; download the "
                        f"report again with 'Question text' ticked")
    grade = next((c for c in columns if c and c.startswith("Grade/")), None)
    # a short row's missing cells are empty (DictReader gives None), a long row's extra ones dropped
    attempts = [{k: v if isinstance(v, str) else "" for k, v in r.items() if k is not None} for r in rows]
    attempts = [a for a in attempts if any(v.strip() for v in a.values())]
    if not attempts:
        raise SpecError(f"{path}: no attempts")
    return attempts, grade


def _attempt_variant(index: VariantIndex, attempt: dict) -> str:
    text = " ".join(v or "" for k, v in attempt.items() if k and re.fullmatch(r"Question \d+", k))
    # Moodle's plain text upper-cases what the question sets in bold (VARIANT V001)
    found = [v for v in index.specs if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text, re.IGNORECASE)]
    if len(found) != 1:
        raise SpecError(f"question: {'no' if not found else 'more than one'} variant of {index.path.name} "
                        f"named in the question's text")
    return found[0]


def _attempt_answers(index: VariantIndex, variant: str, attempt: dict) -> dict:
    """The Cloze response's parts as a filled answers template: label -> number in the gaps' order (the
    template's), the parts left empty unanswered."""
    labels = asked_labels(index.answers[variant])
    response = next((v for k, v in attempt.items() if k and re.fullmatch(r"Response \d+", k) and (v or "").strip()), "")
    answers = {}
    for part in response.split(";"):
        match = _PART.match(part)
        if not match or not match.group(2) or match.group(2) == "-":
            continue
        position, value = int(match.group(1)), match.group(2)
        if not 1 <= position <= len(labels):
            raise SpecError(f"response: part {position}, but variant {variant} asks {len(labels)} values")
        if _COMMA_DECIMAL.match(value):
            raise SpecError(f"response: part {position}: {value!r} has a decimal comma, which an English Moodle "
                            f"read as a thousands separator; regrade after telling students to write a point")
        answers[labels[position - 1]] = value
    if not answers:
        raise SpecError("response: no answer (every part is empty, or the attempt has no response)")
    return {"answers": {label: answers.get(label) for label in labels}}  # as a filled answers template


def asked_labels(template: Path) -> tuple[str, ...]:
    """The labels an answers template asks, in the order of the Cloze question's gaps."""
    mapping = parse_text(read_bounded(template, MAX_INDEX_BYTES, "an answers template"), "yaml", str(template),
                         numbers_as_text=True)
    if not isinstance(mapping, dict) or not isinstance(mapping.get("answers"), dict) or not mapping["answers"]:
        raise SpecError(f"{template}: expected an answers template (labels under answers:)")
    return tuple(str(k) for k in mapping["answers"])


def _moodle_percent(grade: str, column: str | None) -> str:
    """Moodle's grade of the attempt as a percentage ("5.00" of Grade/10.00 is 50.0), or as written."""
    try:
        return str(round(100 * float(grade) / float(column.split("/", 1)[1]), 1))
    except (AttributeError, IndexError, ValueError, ZeroDivisionError):
        return grade
