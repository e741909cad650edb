"""A whole class: every sheet graded against one solve, in parallel on the machine's cores, into a
gradebook with one row per sheet. A sheet that is bad input is a row with its error; the run goes on.

The workers are forked from the process that built the :class:`Grader`, so they share its solve and
compiled replays instead of redoing them; where fork is not available (Windows, macOS's default),
the sheets are graded one after another.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
from pathlib import Path
from typing import Callable, Iterable

from ..errors import SpecError
from .checking import CheckResult, Grader
from ..present.unicode import plain

COLUMNS = ("sheet", "correct", "rounding", "consequential", "wrong", "unknown", "unanswered", "score",
           "first_mistake", "diagnosis", "error")
#: --score: which statuses earn the point. "Error carried forward" (ecf), the default, gives it to a
#: value that follows correctly from the student's own wrong one, as most exam boards do.
SCORES = {"ecf": ("correct", "rounding", "consequential"), "strict": ("correct", "rounding")}
SHEET_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".csv", ".md", ".markdown", ".tex", ".txt")
#: How a gradebook this module wrote begins (CSV, JSON), spaces aside
_GRADEBOOK_STARTS = (",".join(COLUMNS), '[{"sheet":')
_SPACES = re.compile(r"\s+")
_PARALLEL_FROM = 4  # fewer sheets than this are graded in this process: a fork costs more than they do
_grader: Grader | None = None  # the forked workers' grader
_options: dict = {}


def sheets_in(paths: Iterable[str | Path], skip: Iterable[str | Path | None] = ()) -> list[Path]:
    """The sheets named, each once, a folder standing for the sheets directly in it (by name); not
    the files of ``skip`` (the spec, the gradebook being written), nor a gradebook an earlier run
    left in the folder."""
    skip = {Path(path).resolve() for path in skip if path}
    found: dict = {}
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix.lower() in SHEET_SUFFIXES and p.is_file()
                            and not _is_gradebook(p))
            if not inside:
                raise SpecError(f"{path}: no answer sheets in this folder ({', '.join(SHEET_SUFFIXES)})")
        else:
            inside = [path]
        for sheet in inside:
            found.setdefault(sheet.resolve(), sheet)
    return [sheet for resolved, sheet in found.items() if resolved not in skip]


def _is_gradebook(path: Path) -> bool:
    if path.suffix.lower() not in (".csv", ".json"):
        return False
    with open(path, "rb") as stream:
        start = stream.read(len(_GRADEBOOK_STARTS[0]) + 40).decode("utf-8", "replace")
    return any(_SPACES.sub("", start).startswith(mark) for mark in _GRADEBOOK_STARTS)


def row(sheet: str, result: CheckResult | None, score: str, error: str = "") -> dict:
    """One gradebook row. The score is the share of graded answers (known labels) that earn the
    point under the ``score`` rule, in percent; unanswered quantities do not lower it."""
    if result is None:
        return {**dict.fromkeys(COLUMNS, ""), "sheet": sheet, "error": error}
    s = result.summary
    graded = sum(s[k] for k in ("correct", "rounding", "consequential", "wrong"))
    first = result.first_wrong
    return {"sheet": sheet, "correct": s["correct"], "rounding": s["rounding"], "consequential": s["consequential"],
            "wrong": s["wrong"], "unknown": s["unknown"], "unanswered": s["missing"],
            "score": round(100 * sum(s[k] for k in SCORES[score]) / graded, 1) if graded else "",
            "first_mistake": plain(first.answer.record.label) if first else "",
            "diagnosis": result.diagnoses[first.answer].cause if first else "", "error": ""}


def grade_class(grader: Grader, sheets: list[Path], score: str = "ecf", progress: Callable | None = None,
                **options) -> list[dict]:
    """Every sheet's row, in the order given; ``options`` go to Grader.check (tolerance, delta,
    aliases). ``progress(done, total)`` hears each sheet graded."""
    global _grader, _options
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


def _graded(sheet: str) -> dict:
    options = dict(_options)
    score = options.pop("score")
    try:
        return row(sheet, _grader.check(sheet, **options), score)
    except SpecError as exc:
        return row(sheet, None, score, str(exc))


def exit_status(rows: list[dict]) -> int:
    """2 if a sheet could not be read, else 1 if one has a wrong answer or an unknown label, else 0."""
    if any(r["error"] for r in rows):
        return 2
    return 1 if any(r["wrong"] or r["unknown"] for r in rows) else 0


def class_headline(rows: list[dict]) -> str:
    unreadable = sum(bool(r["error"]) for r in rows)
    wrong = sum(bool(not r["error"] and r["wrong"]) for r in rows)
    unknown = sum(bool(not r["error"] and not r["wrong"] and r["unknown"]) for r in rows)
    clean = len(rows) - unreadable - wrong - unknown
    parts = [f"{clean} without mistakes", f"{wrong} with wrong answers"]
    parts += [f"{unknown} with unknown labels only"] if unknown else []
    parts += [f"{unreadable} unreadable"] if unreadable else []
    return f"{len(rows)} sheet{'s' if len(rows) != 1 else ''}: {', '.join(parts)}."


def gradebook_csv(rows: list[dict]) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def gradebook_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


GRADEBOOKS = {".csv": gradebook_csv, ".json": gradebook_json}


def class_text(rows: list[dict]) -> str:
    shown = ("sheet", "correct", "rounding", "consequential", "wrong", "unknown", "unanswered", "score")
    table = [[str(r[c]) for c in shown] + [r["error"] or _mistake(r)] for r in rows]
    header = [*shown, "first mistake"]
    widths = [max(len(line[i]) for line in table + [header]) for i in range(len(shown))]
    lines = [class_headline(rows), ""]
    for line in [header] + table:
        lines.append(("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1]).rstrip())
    return "\n".join(lines) + "\n"


def _mistake(r: dict) -> str:
    return f"{r['first_mistake']}: {r['diagnosis']}" if r["first_mistake"] else ""


def class_markdown(rows: list[dict]) -> str:
    lines = ["# Gradebook", "", f"**{class_headline(rows)}**", "", "| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]).replace("|", "\\|") for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines) + "\n"


CLASS_REPORTS = {"text": class_text, "md": class_markdown, "json": gradebook_json}
