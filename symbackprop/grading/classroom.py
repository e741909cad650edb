"""A whole class: every sheet graded against one solve, in parallel on the machine's cores, into a
gradebook with one row per sheet. Any failure of one sheet (bad input, or a bug of ours) is that
sheet's row with its error; the run goes on. The gradebook never replaces the spec or a sheet, nor,
without ``force``, a file this module did not write; its cells are escaped for where they go.

The workers are forked from the process that built the :class:`Grader`, so they share its solve and
compiled replays instead of redoing them; where fork is not available (Windows, macOS's default),
the sheets are graded one after another.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
from pathlib import Path
from typing import Callable, Iterable

from ..errors import SpecError, SymbackpropError, VerificationError
from .checking import CheckResult, Grader
from ..present.escaping import csv_cell, json_text, markdown_text, printable
from ..present.output import refuse_replacing, same_file, write_files
from ..present.unicode import plain

COLUMNS = ("sheet", "correct", "rounding", "consequential", "wrong", "unknown", "unanswered", "score",
           "first_mistake", "diagnosis", "error")
#: Columns a class of variants adds after COLUMNS (homework/class_grading.py): the variant each sheet
#: answers, and for a Moodle quiz's attempts, Moodle's own grade in percent.
EXTRA_COLUMNS = ("variant", "moodle")
#: --score: which statuses earn the point. "Error carried forward" (ecf), the default, gives it to a
#: value that follows correctly from the student's own wrong one, as most exam boards do.
SCORES = {"ecf": ("correct", "rounding", "consequential"), "strict": ("correct", "rounding")}
SHEET_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".csv", ".md", ".markdown", ".tex", ".txt")
INTERNAL = VerificationError.exit_status  # a bug's
#: A gradebook's mark, how one this module wrote begins: CSV, its header line; JSON, a list whose
#: first row's keys are sheet, then correct (a teacher's list of {"sheet": ...} is not one).
_CSV_MARK = ",".join(COLUMNS)
_JSON_MARK = re.compile(r'\[\s*\{\s*"sheet"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"correct"\s*:')
_MARK_BYTES = 65536  # a sheet's path fits, escaped
_PARALLEL_FROM = 4  # fewer sheets than this are graded in this process: a fork costs more than they do
_grader: Grader | None = None  # the forked workers' grader
_options: dict = {}


class Row(dict):
    """A gradebook row, COLUMNS -> value, and the exit status its sheet alone gives: the check's, or
    its error's (2 for bad input, 3 for a bug)."""

    def __init__(self, cells: dict, exit_status: int):
        super().__init__(cells)
        self.exit_status = exit_status


def sheets_in(paths: Iterable[str | Path], spec: str | Path | None = None) -> list[Path]:
    """The sheets named, each once, a folder standing for the entries directly in it named like a
    sheet (a folder or a dangling link so named is one too: its row says what is wrong with it);
    not the spec itself, nor a gradebook this module wrote."""
    spec = os.path.abspath(spec) if spec else None
    found: dict = {}
    for path in map(Path, paths):
        for sheet in _listed(path) if path.is_dir() else [path]:
            found.setdefault(os.path.abspath(sheet), sheet)
    sheets = [sheet for key, sheet in found.items() if key != spec]
    if not sheets:
        raise SpecError("answers: no answer sheets to grade (the spec is not one)")
    return sheets


def _listed(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise SpecError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None
    inside = [p for p in entries if p.suffix.lower() in SHEET_SUFFIXES and not is_gradebook(p)]
    if not inside:
        raise SpecError(f"{folder}: no answer sheets in this folder ({', '.join(SHEET_SUFFIXES)})")
    return inside


def is_gradebook(path: Path) -> bool:
    """Did this module write it? A regular file, not a link, that carries a gradebook's mark."""
    if path.suffix.lower() not in GRADEBOOKS or path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as stream:
            head = stream.read(_MARK_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return False
    if path.suffix.lower() == ".csv":
        return head.split("\n", 1)[0].rstrip("\r").startswith(_CSV_MARK)
    return _JSON_MARK.match(head.lstrip()) is not None


def row(sheet: str, result: CheckResult, score: str, asked: bool = False) -> Row:
    """One gradebook row. The score is the share of graded answers (known labels) that earn the
    point under the ``score`` rule, in percent; unanswered quantities do not lower it, unless the
    sheet was ``asked`` them (an answers template, a Moodle quiz: a blank costs its point)."""
    s = result.summary
    graded = sum(s[k] for k in ("correct", "rounding", "consequential", "wrong", *(("missing",) if asked else ())))
    first = result.first_wrong
    return Row({"sheet": sheet, "correct": s["correct"], "rounding": s["rounding"],
                "consequential": s["consequential"], "wrong": s["wrong"], "unknown": s["unknown"],
                "unanswered": s["missing"], "score": round(100 * sum(s[k] for k in SCORES[score]) / graded, 1)
                if graded else "", "first_mistake": plain(first.answer.record.label) if first else "",
                "diagnosis": result.diagnoses[first.answer].cause if first else "", "error": ""},
               result.exit_status)


def failed_row(sheet: str, error: str, exit_status: int) -> Row:
    return Row({**dict.fromkeys(COLUMNS, ""), "sheet": sheet, "error": error}, exit_status)


def grade_class(grader: Grader, sheets: list[Path], score: str = "ecf", progress: Callable | None = None,
                **options) -> list[Row]:
    """Every sheet's row, in the order given; ``options`` go to Grader.check (tolerance, delta,
    aliases). ``progress(done, total)`` hears each sheet graded."""
    global _grader, _options
    if score not in SCORES:
        raise SpecError(f"score: expected {' or '.join(SCORES)}, found {score!r}")
    _grader, _options = grader, {**options, "score": score}
    tasks = [str(s) for s in sheets]
    jobs = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
               len(tasks))
    rows = []
    if jobs > 1 and len(tasks) >= _PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for found in pool.imap(_graded, tasks, chunksize=max(1, len(tasks) // (jobs * 8))):
                rows.append(found)
                _tell(progress, len(rows), len(tasks))
    else:
        for task in tasks:
            rows.append(_graded(task))
            _tell(progress, len(rows), len(tasks))
    return rows


def _tell(progress: Callable | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _graded(sheet: str) -> Row:
    """The sheet's row, whatever happens to it: bad input and bugs alike are its error."""
    options = dict(_options)
    score = options.pop("score")
    spec = _grader.solution.spec.source

    def graded() -> Row:
        if spec and same_file(sheet, spec):  # a link to the spec, named like a sheet
            raise SpecError(f"{sheet}: the spec being graded against, not an answer sheet")
        return row(sheet, _grader.check(sheet, **options), score)

    return row_or_failure(sheet, graded)


def row_or_failure(name: str, graded: Callable[[], Row]) -> Row:
    """``graded()``, or the row of its failure: bad input and bugs alike are that sheet's error, and
    the class run goes on."""
    try:
        return graded()
    except SymbackpropError as exc:
        return failed_row(name, str(exc), exc.exit_status)
    except Exception as exc:  # noqa: BLE001 - a bug of ours on this sheet: its row says so, the run goes on
        return failed_row(name, f"internal error (a bug in symbackprop; please report it): "
                                f"{type(exc).__name__}: {exc}", INTERNAL)


def exit_status(rows: list[Row]) -> int:
    """The worst sheet's: 3 if a bug hit one, 2 if one could not be read, 1 if one has a wrong answer
    or an unknown label, else 0."""
    return max((r.exit_status for r in rows), default=0)


def gradebook_target(path: str | Path, spec: str | None, sheets: list[Path], force: bool = False) -> Path:
    """Where the gradebook goes, checked before any grading: a .csv or .json file in an existing
    folder; never the spec or a sheet being graded, and without ``force`` no existing file but a
    gradebook this module wrote (the mark of is_gradebook)."""
    path = Path(path)
    if path.suffix.lower() not in GRADEBOOKS:
        raise SpecError(f"gradebook: expected a file name ending in .csv or .json, found {str(path)!r}")
    if not path.parent.is_dir():
        raise SpecError(f"gradebook: the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise SpecError(f"gradebook: {str(path)!r} is a folder; expected a file name")
    inputs = {str(sheet): "an answer sheet being graded" for sheet in sheets}
    refuse_replacing([path], {**inputs, **({spec: "the spec"} if spec else {})}, force, field="gradebook",
                     instead="another gradebook file", ours=is_gradebook)
    return path


def write_gradebook(rows: list[Row], path: str | Path, spec: str | None, sheets: list[Path],
                    force: bool = False) -> Path:
    """Write the gradebook atomically, checked again as gradebook_target (the folder may have
    changed while the class was graded)."""
    path = gradebook_target(path, spec, sheets, force)
    return write_files(path.parent, {path.name: GRADEBOOKS[path.suffix.lower()](rows).encode("utf-8")})[0]


def class_headline(rows: list[dict]) -> str:
    unreadable = sum(bool(r["error"]) for r in rows)
    wrong = sum(bool(not r["error"] and r["wrong"]) for r in rows)
    unknown = sum(bool(not r["error"] and not r["wrong"] and r["unknown"]) for r in rows)
    clean = len(rows) - unreadable - wrong - unknown
    parts = [f"{clean} without mistakes", f"{wrong} with wrong answers"]
    parts += [f"{unknown} with unknown labels only"] if unknown else []
    parts += [f"{unreadable} unreadable"] if unreadable else []
    return f"{len(rows)} sheet{'s' if len(rows) != 1 else ''}: {', '.join(parts)}."


def columns(rows: list[dict]) -> tuple[str, ...]:
    """COLUMNS, and the extra ones the rows have."""
    return COLUMNS + tuple(c for c in EXTRA_COLUMNS if any(c in r for r in rows))


def gradebook_csv(rows: list[dict]) -> str:
    """Every text cell printable and none a formula (escaping.csv_cell)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    shown = columns(rows)
    writer.writerow(shown)
    writer.writerows([csv_cell(r.get(c, "")) for c in shown] for r in rows)
    return stream.getvalue()


def gradebook_json(rows: list[dict]) -> str:
    """Exact values, escaped for a terminal where JSON itself does not (escaping.json_text)."""
    return json_text(rows)


GRADEBOOKS = {".csv": gradebook_csv, ".json": gradebook_json}


def class_text(rows: list[dict]) -> str:
    shown = ("sheet", *[c for c in EXTRA_COLUMNS if any(c in r for r in rows)], "correct", "rounding",
             "consequential", "wrong", "unknown", "unanswered", "score")
    table = [[printable(r[c]) for c in shown] + [printable(r["error"] or _mistake(r))] for r in rows]
    header = [*shown, "first mistake"]
    widths = [max(len(line[i]) for line in table + [header]) for i in range(len(shown))]
    lines = [class_headline(rows), ""]
    for line in [header] + table:
        lines.append(("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1]).rstrip())
    return "\n".join(lines) + "\n"


def _mistake(r: dict) -> str:
    return f"{r['first_mistake']}: {r['diagnosis']}" if r["first_mistake"] else ""


def class_markdown(rows: list[dict]) -> str:
    shown = columns(rows)
    lines = ["# Gradebook", "", f"**{class_headline(rows)}**", "", "| " + " | ".join(shown) + " |",
             "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(markdown_text(r.get(c, "")) for c in shown) + " |" for r in rows]
    return "\n".join(lines) + "\n"


CLASS_REPORTS = {"text": class_text, "md": class_markdown, "json": gradebook_json}
