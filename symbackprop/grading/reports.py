"""A check's result as text (a terminal: Unicode labels, colour on a TTY), Markdown or JSON (LaTeX
labels, which GitHub, Obsidian and Jupyter render). Every row that is not correct says why; the
headline names every kind of problem there is, as the exit status does. What the sheet wrote is
escaped for where it goes (present/escaping.py): a label cannot move the cursor or add HTML.
"""

from __future__ import annotations

from ..present.escaping import json_text, markdown_text, printable
from ..present.unicode import plain
from .catalogue import Record
from .result import Findings as CheckResult, explain  # no import of checking: it imports this
from .judge import Grade

#: How "not answered" names each kind of quantity (catalogue.QUANTITIES), one and many.
KINDS = {
    "net": ("net input", "net inputs"), "out": ("output", "outputs"), "error": ("error", "errors"),
    "grad_out": ("derivative of the error by an output", "derivatives of the error by an output"),
    "jacobian": ("Jacobian entry", "Jacobian entries"), "delta": ("delta", "deltas"),
    "factor": ("local derivative", "local derivatives"), "gradient": ("gradient", "gradients"),
    "updated": ("update", "updates"),
}
COLOURS = {"correct": "32", "rounding": "33", "consequential": "33", "wrong": "31;1", "unknown-label": "35"}
def headline(result: CheckResult) -> str:
    s = result.summary
    problems = [_count(s["wrong"], "wrong answer"), _count(s["unknown"], "unknown label")]
    present = [p for p, n in zip(problems, (s["wrong"], s["unknown"])) if n]
    if not present:
        return "No wrong answers."
    return f"{' and '.join(present)}." if s["wrong"] else f"No wrong answers, but {present[0]} (not graded)."


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def note(result: CheckResult, g: Grade, label=plain) -> str:
    return explain(g, result.diagnoses.get(g.answer), label)


def shown(g: Grade) -> str:
    """The label a row shows: the one of ours the sheet's label matched (dE/dnet_o1 stays that, not
    δ_o1, which another convention may give another sign), else the sheet's own text."""
    return g.answer.named or (g.answer.record.label if g.answer.record else g.answer.label)


def _first_mistake_lines(result: CheckResult, label) -> list[str]:
    first = result.first_wrong
    if first is None:
        return []
    diagnosis = result.diagnoses[first.answer]
    lines = [f"First mistake: {label(shown(first))} = {first.answer.given}, expected {first.expected:.10g}",
             f"Most likely cause: {note(result, first, label)}"
             + (f" (reproduces {first.answer.sign * diagnosis.reproduced:.10g})"
                if diagnosis.reproduced is not None else "")]
    if result.derivation is not None:
        of = " (of −δ: the worked solution writes δ = ∂E/∂net)" if first.answer.sign < 0 else ""
        lines.append(f"Correct derivation{of}, with your numbers where they were right: "
                     + label(" = ".join(result.derivation.parts)))
    return lines


def _settings_line(result: CheckResult) -> str:
    delta = "δ = ∂E/∂net" if result.delta == "gradient" else "δ = −∂E/∂net (target minus output)"
    return f"Tolerance: {result.tolerance}; {delta}."


def _summary_line(result: CheckResult) -> str:
    s = result.summary
    return (f"{s['correct']} correct, {s['rounding']} rounding, {s['consequential']} consequential, "
            f"{s['wrong']} wrong, {s['unknown']} unknown labels; {s['missing']} quantities not answered")


def missing_by_kind(missing: tuple[Record, ...]) -> dict[str, list[Record]]:
    groups: dict = {kind: [] for kind in KINDS}
    for record in missing:
        groups[record.quantity].append(record)
    return {kind: records for kind, records in groups.items() if records}


def _missing_line(groups: dict) -> str:
    return "Not answered: " + ", ".join(f"{len(rs)} {KINDS[q][len(rs) != 1]}" for q, rs in groups.items()) + "."


def _expected(g: Grade) -> str:
    return "" if g.expected is None else f"{g.expected:.10g}"


def report_text(result: CheckResult, colour: bool = False) -> str:
    lines = [headline(result), _settings_line(result), *map(printable, _first_mistake_lines(result, plain)), ""]
    rows = [tuple(map(printable, (g.status, plain(shown(g)) if g.answer.record else g.answer.label, g.answer.given,
                                  _expected(g), note(result, g)))) for g in result.grades]
    header = ("status", "label", "given", "expected", "note")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        status = row[0].ljust(widths[0])
        if colour and row is not header:
            status = f"\033[{COLOURS[row[0]]}m{status}\033[0m"
        lines.append("  ".join([status] + [c.ljust(w) for c, w in zip(row[1:4], widths[1:])]) + "  " + row[4])
    groups = missing_by_kind(result.missing)
    if groups:
        lines += ["", _missing_line(groups)]
        lines += [f"  {KINDS[q][1]}: " + ", ".join(plain(r.label) for r in rs) for q, rs in groups.items()]
    return "\n".join(line.rstrip() for line in lines + ["", _summary_line(result)]) + "\n"


def report_markdown(result: CheckResult) -> str:
    def latex(text: str) -> str:
        return f"${text}$"

    lines = ["# Check of an answer sheet", "", f"**{headline(result)}** {_settings_line(result)}", ""]
    lines += [line + "  " for line in _first_mistake_lines(result, latex)] + [""]
    lines += ["| status | label | given | expected | note |", "|---|---|---|---|---|"]
    for g in result.grades:
        label = latex(shown(g)) if g.answer.record else markdown_text(g.answer.label)
        lines.append(f"| {g.status} | {label} | {markdown_text(g.answer.given)} | {_expected(g)} | "
                     f"{note(result, g, latex)} |")
    groups = missing_by_kind(result.missing)
    if groups:
        lines += ["", _missing_line(groups), ""]
        lines += [f"- {KINDS[q][1]}: " + ", ".join(latex(r.label) for r in rs) for q, rs in groups.items()]
    return "\n".join(lines + ["", _summary_line(result) + "."]) + "\n"


def report_json(result: CheckResult) -> str:
    items = [{"label": shown(g), "given": g.answer.given,
              "expected": g.expected, "status": g.status, "note": note(result, g, str) or None,
              "diagnosis": result.diagnoses[g.answer].cause if g.answer in result.diagnoses else None,
              "follows_from": g.origin.label if g.origin is not None else None,
              "suggestions": list(g.answer.suggestions)} for g in result.grades]
    return json_text({"headline": headline(result), "tolerance": result.tolerance, "delta": result.delta,
                      "summary": result.summary, "items": items, "missing": [r.label for r in result.missing]})


REPORTS = {"text": report_text, "md": report_markdown, "json": report_json}
