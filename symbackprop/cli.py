"""The command line: each command parses, calls one library function, and reports.

Quiet by default: ``solve`` prints only the paths it wrote. Errors are one line on stderr; the exit
status is the error class's ``exit_status`` (2 for bad input, 3 for a failed internal cross-check).
SymPy is imported only by the commands that need it, so ``--help`` and ``--version`` are instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from . import __version__
from .model.defaults import DEFAULT_PRECISION, PRECISION_RANGE
from .errors import SpecError, SymbackpropError
from .present.escaping import printable

EXAMPLES = """examples:
  symbackprop solve mazur                       worked solution of Mazur's example in output/
  symbackprop solve net.yaml -f md,tex,json,pdf -o solutions
  symbackprop solve mazur --notation nielsen --precision 4
  symbackprop solve course --symbolic           formulas only, for lecture notes
  symbackprop solve mazur --form matrix         Nielsen's BP1-BP4 with the spec's matrices (mazur-matrix.md)
  symbackprop solve mazur --rounding carry --digits 4   as by hand: 4 decimals, carried forward
  symbackprop labels mazur                      the labels an answer sheet may use, with values
  symbackprop check mazur answers.yaml          grade a hand calculation; explain the first mistake
  symbackprop check mazur sheets/ --gradebook grades.csv   grade a class, one row per sheet
  symbackprop check mazur sheet.md --tolerance rel:1% --delta target-minus-output --alias y1=out_o1
  symbackprop examples                          list the built-in examples

exit status: 0 success, 1 LaTeX failed (solve) or a wrong answer or unknown label (check), 2 bad input
(for a class: a sheet could not be read) or missing tool, 3 internal cross-check failed (or a bug hit
a sheet of a class)
"""


SCORE_RULES = ("ecf", "strict")  # grading.classroom.SCORES, named here without importing it


def _alias(text: str) -> tuple[str, str]:
    name, equals, label = text.partition("=")
    if not equals or not name.strip() or not label.strip():
        raise argparse.ArgumentTypeError("expected NAME=LABEL, e.g. y_pred=out_o1")
    return name.strip(), label.strip()


def _formats(text: str) -> list[str]:
    from .present.output import OUTPUT_FORMATS  # noqa: PLC0415 - kept out of --help's start-up

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in OUTPUT_FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(OUTPUT_FORMATS)}")
    return formats


def _whole(text: str) -> int | None:
    """A whole number written in ASCII digits (str.isdigit also accepts "³", which int() refuses)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _precision(text: str) -> int:
    if _whole(text) not in PRECISION_RANGE:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of decimal places from {PRECISION_RANGE.start} to {PRECISION_RANGE.stop - 1}")
    return int(text)


def _iterations(text: str) -> int:
    if (_whole(text) or 0) < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are bad input too: one line on stderr, exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbackprop",
        description="Verified, step-by-step backpropagation worked solutions from a small network spec.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    solve = commands.add_parser("solve", help="write the worked solution of a spec", epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Derive, verify and write the worked solution of SPEC.")
    solve.add_argument("spec", metavar="SPEC|EXAMPLE", help="a .yaml/.yml/.toml/.json spec, or an example name")
    solve.add_argument("-f", "--format", dest="formats", type=_formats, default=["md", "tex"],
                       help="comma-separated: md, tex, json, pdf (default: md,tex)")
    solve.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder (default: output)")
    solve.add_argument("--notation", help="mazur, nielsen, course or indexed (default: the spec's, else nielsen)")
    solve.add_argument("--precision", type=_precision, default=DEFAULT_PRECISION, metavar="P",
                       help=f"decimal places shown in documents, or significant digits of a number below 1e-4 or from "
                            f"1e6 (default {DEFAULT_PRECISION}); JSON is never rounded")
    solve.add_argument("--iterations", type=_iterations, metavar="N", help="iterations to run (overrides the spec)")
    solve.add_argument("--symbolic", action="store_true", help="formulas only, no numbers (lecture notes)")
    solve.add_argument("--form", choices=("chain", "matrix", "both"), default="chain",
                       help="chain: per weight (default); matrix: Nielsen's BP1-BP4 with the spec's matrices, "
                            "written to NAME-matrix.*; both: the matrix form after the per-weight document")
    solve.add_argument("--rounding", choices=("exact", "carry"), default="exact",
                       help="carry: round every value to --digits decimals and carry it forward, as by hand")
    solve.add_argument("--digits", type=_precision, metavar="K", help="decimals for --rounding carry (default 4)")
    solve.add_argument("--detail", choices=("auto", "full", "compact"), default="auto",
                       help="full: every parameter and every expansion worked out; compact: one weight and one "
                            "bias a layer, the others in a table; auto (default): every parameter, each kind of "
                            "expansion once a layer, and compact beyond 24 parameters x samples")
    solve.add_argument("--sample", type=_iterations, metavar="N",
                       help="with several samples, the one worked in full (compact's default: 1)")
    solve.add_argument("--template-dir", metavar="DIR", help="folder of templates searched before the defaults")
    solve.add_argument("--force", action="store_true",
                       help="replace existing files that symbackprop did not write (never the spec itself)")
    solve.set_defaults(run=run_solve)

    labels = commands.add_parser("labels", help="list every quantity a worked solution names, with its value",
                                 description="List every quantity the worked solution of SPEC names, with its "
                                             "value: the labels that answer sheets for check may use.")
    labels.add_argument("spec", metavar="SPEC|EXAMPLE", help="a .yaml/.yml/.toml/.json spec, or an example name")
    labels.add_argument("--notation", help="mazur, nielsen, course or indexed (default: the spec's)")
    labels.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    labels.set_defaults(run=run_labels)

    check = commands.add_parser(
        "check", help="grade answer sheets: which values are right, which wrong, and why",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade the values in each SHEET against the worked solution of SPEC. A sheet is a mapping "
                    "label -> value (.yaml, .yml, .json, .toml), a two-column .csv, or a Markdown/LaTeX "
                    "write-up (.md, .markdown, .tex, .txt) whose equations end in numbers. One sheet gets a full "
                    "report; several (or a folder) are graded with one solve, in parallel, one row each. Exit "
                    "status 0 when nothing is wrong, 1 when a value is wrong or a label unknown, 2 on bad input.")
    check.add_argument("spec", metavar="SPEC|EXAMPLE", help="a .yaml/.yml/.toml/.json spec, or an example name")
    check.add_argument("answers", metavar="SHEET", nargs="*", help="answer sheets, or folders of them")
    check.add_argument("--notation", help="the notation the sheet's labels are written in (default: the spec's)")
    check.add_argument("--format", choices=("text", "md", "json"), default="text", help="report format")
    check.add_argument("--tolerance", default="digits", metavar="RULE",
                       help="digits (default: right to the digits written), abs:X, rel:X%%, sigfig:N")
    check.add_argument("--delta", choices=("gradient", "target-minus-output"),
                       help="the sheets' sign of delta where a sheet declares none (default gradient: dE/dnet; "
                            "target-minus-output: -dE/dnet with w <- w + eta*delta*a)")
    check.add_argument("--alias", action="append", default=[], metavar="NAME=LABEL", type=_alias,
                       help="a sheet's own name for one of our labels (repeatable), e.g. y_pred=out_o1")
    check.add_argument("--gradebook", metavar="FILE", help="write one row per sheet to FILE (.csv or .json)")
    check.add_argument("--moodle-responses", metavar="FILE.csv",
                       help="with SPEC a variants.json: regrade every attempt of Moodle's quiz Responses download")
    check.add_argument("--force", action="store_true",
                       help="replace an existing gradebook file that symbackprop did not write (never the spec "
                            "or a sheet)")
    check.add_argument("--score", choices=tuple(SCORE_RULES), default="ecf",
                       help="ecf (default): correct, rounding and consequential values earn the point; "
                            "strict: correct and rounding only")
    check.set_defaults(run=run_check)

    _add_homework(commands)

    examples = commands.add_parser("examples", help="list the built-in examples")
    examples.set_defaults(run=run_examples)
    return parser


def run_solve(args: argparse.Namespace) -> int:
    from .present.output import write
    from .solution import solve

    if args.digits is not None and args.rounding != "carry":
        raise SpecError("digits: --digits goes with --rounding carry")
    if args.symbolic and args.rounding == "carry":
        raise SpecError("rounding: --rounding carry shows numbers, and --symbolic shows none; choose one")
    carry = (args.digits or 4) if args.rounding == "carry" else None
    solution = solve(args.spec, notation=args.notation, iterations=args.iterations, carry_digits=carry,
                     progress=_progress_bar("training"))
    paths = write(solution, args.formats, args.output, precision=args.precision, symbolic=args.symbolic,
                  template_dir=args.template_dir, force=args.force, form=args.form, detail=args.detail,
                  sample=args.sample)
    for path in paths:
        print(path)
    return 0


def _progress_bar(what: str, unit: str = "it") -> Callable | None:
    """A progress(done, total) callback drawing a bar on stderr, on a terminal only, and only for a
    run long enough to need one (tqdm's delay); quiet otherwise."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or tqdm(total=total, desc=what, unit=unit, leave=False, delay=0.5)
        bar.update(done - bar.n)
        if done == total:
            bar.close()
    return progress


def run_labels(args: argparse.Namespace) -> int:
    import json

    from .grading.catalogue import catalogue
    from .solution import solve

    records = catalogue(solve(args.spec, notation=args.notation))
    if args.format == "json":
        print(json.dumps([r.as_json() for r in records], indent=2))
        return 0
    width, kind = max(len(r.label) for r in records), max(len(r.quantity) for r in records)
    for r in records:
        print(f"{r.label:<{width}}  {r.quantity:<{kind}}  {r.value!r}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from .grading.checking import Grader
    from .grading.written import tolerance
    from .solution import solve

    options = {"tolerance": tolerance(args.tolerance), "delta": args.delta, "aliases": dict(args.alias)}
    from .homework.class_grading import is_variant_index

    if is_variant_index(args.spec):  # a class of variants: each sheet against its own
        return _check_variants(args, options)
    if args.moodle_responses or not args.answers:
        raise SpecError("answers: expected answer sheets (--moodle-responses goes with a variants.json)")
    grader = Grader(solve(args.spec, notation=args.notation))
    grader.names.resolve(options["aliases"])  # a bad --alias is the command's mistake, not each sheet's
    if len(args.answers) == 1 and not Path(args.answers[0]).is_dir() and not args.gradebook:
        from .grading.reports import REPORTS, report_text

        result = grader.check(args.answers[0], **options)
        colour = args.format == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        sys.stdout.write(report_text(result, colour) if colour else REPORTS[args.format](result))
        return result.exit_status
    return _check_class(grader, args, options)


def _check_class(grader, args: argparse.Namespace, options: dict) -> int:
    from .grading.classroom import grade_class

    return _gradebook(args, grader.solution.spec.source,
                      lambda sheets: grade_class(grader, sheets, args.score, _progress_bar("grading", "sheet"), **options))


def _check_variants(args: argparse.Namespace, options: dict) -> int:
    from .homework.class_grading import answers_or_foreign, grade_responses, grade_variants, read_index

    index = read_index(args.spec)
    if args.moodle_responses:  # the download is an input the gradebook never replaces, like a sheet
        if args.answers:
            raise SpecError("answers: give answer sheets or --moodle-responses, not both")
        return _gradebook(args, args.spec, lambda _: grade_responses(
            index, args.moodle_responses, args.score, _progress_bar("grading", "attempt"), **options),
            sheets=[Path(args.moodle_responses)])
    return _gradebook(args, args.spec, lambda sheets: grade_variants(
        index, sheets, args.score, _progress_bar("grading", "sheet"), **options), answers_or_foreign)


def _gradebook(args: argparse.Namespace, spec: str | None, grade: Callable, keep: Callable = bool,
               sheets: list | None = None) -> int:
    """The sheets named (those ``keep`` keeps) graded by ``grade``, into the gradebook and the class report."""
    from .grading.classroom import CLASS_REPORTS, exit_status, gradebook_target, sheets_in, write_gradebook

    if sheets is None:  # the spec in the folder is no sheet
        sheets = [sheet for sheet in sheets_in(args.answers, spec) if keep(sheet)]
        if not sheets:
            raise SpecError("answers: no answer sheets to grade")
    if args.gradebook:  # refused before grading if it would replace the spec, a sheet or a file not ours
        gradebook_target(args.gradebook, spec, sheets, args.force)
    rows = grade(sheets)
    if args.gradebook:
        write_gradebook(rows, args.gradebook, spec, sheets, args.force)
    sys.stdout.write(CLASS_REPORTS[args.format](rows))
    return exit_status(rows)


HOMEWORK_EXAMPLES = """examples:
  symbackprop exercise mazur                    output/mazur-exercise.md and mazur-answers.yaml
  symbackprop exercise net.yaml --ask forward --digits 3 -f md,tex,pdf
  symbackprop variants template.yaml -n 30 --seed 2026 -o class   30 screened variants with keys
  symbackprop variants template.yaml -n 30 --seed 1 -f md,tex,json --allow equal_values

A template is a spec with draws: a number written {uniform: [-1, 1], decimals: 2} or {choice: [0.1, 0.5]},
for one number, a row of weights, or a whole vector or matrix.
"""


def _list(text: str) -> list[str]:
    return [part.strip().lower() for part in text.split(",") if part.strip()]


def _add_homework(commands) -> None:
    """The homework commands: an exercise sheet from a spec; screened variants from a template."""
    def common(command, default_formats: str, formats: str) -> None:
        command.add_argument("spec", metavar="SPEC", help="a .yaml/.yml/.toml/.json spec, or an example name")
        command.add_argument("-f", "--format", dest="formats", type=_list, default=_list(default_formats),
                             help=f"comma-separated: {formats} (default: {default_formats})")
        command.add_argument("--ask", default="all", metavar="WHAT",
                             help="forward, output, hidden, updates, all (default: the forward pass, the error, "
                                  "every delta and every updated parameter), or a comma list of labels")
        command.add_argument("--digits", type=_precision, default=4, metavar="K",
                             help="the decimals the sheet asks for (default 4)")
        command.add_argument("--force", action="store_true",
                             help="replace existing files that symbackprop did not write (never the spec itself)")

    exercise = commands.add_parser(
        "exercise", help="write the exercise sheet of a spec and its answers template", epilog=HOMEWORK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write NAME-exercise.* (the network, the given values, the conventions, the task, a blank per "
                    "asked quantity; no answer) and NAME-answers.yaml (every asked label, empty).")
    common(exercise, "md", "md, tex, pdf")
    exercise.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder (default: output)")
    exercise.add_argument("--notation", help="mazur, nielsen, course or indexed (default: the spec's)")
    exercise.set_defaults(run=run_exercise)

    variants = commands.add_parser(
        "variants", help="draw screened random variants of a template spec, with sheets and keys",
        epilog=HOMEWORK_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Draw N concrete specs from the template SPEC, reproducibly, rejecting draws that break a "
                    "screening rule, and write for each its spec, exercise, key (worked solution) and answers "
                    "template, with the index variants.json and variants.csv.")
    common(variants, "md,tex", "md, tex, json (the keys only), pdf (all sheets in one PDF, all keys in another), "
                               "moodle (NAME-moodle.xml: a Cloze question per variant), qti (NAME-qti.zip: a "
                               "Canvas quiz per variant)")
    variants.add_argument("-n", type=_iterations, required=True, metavar="N", help="how many variants (at most 1000)")
    variants.add_argument("--seed", type=_whole_number, default=0, metavar="S", help="the master seed (default 0)")
    variants.add_argument("--allow", action="append", default=[], metavar="RULE",
                          help="switch a screening rule off (repeatable): relu_dead, saturated, few_digits, "
                               "equal_values, unchanged, error_not_falling, softmax_extreme, diverges")
    variants.add_argument("-o", "--output", default="variants", metavar="DIR", help="output folder (default: variants)")
    variants.set_defaults(run=run_variants)


def _whole_number(text: str) -> int:
    if _whole(text) is None:
        raise argparse.ArgumentTypeError("expected a whole number of at least 0")
    return int(text)


def run_exercise(args: argparse.Namespace) -> int:
    from .homework.exercise import exercise, write_exercise

    sheet = exercise(args.spec, ask=args.ask, digits=args.digits, notation=args.notation)
    for path in write_exercise(sheet, args.formats, args.output, force=args.force):
        print(path)
    return 0


def run_variants(args: argparse.Namespace) -> int:
    from .homework.variants import variants, write_variants

    made = variants(args.spec, args.n, args.seed, ask=args.ask, digits=args.digits, allow=args.allow,
                    progress=_progress_bar("variants", "variant"))
    paths = write_variants(made, args.formats, args.output, source=args.spec, force=args.force)
    print(f"{len(made.variants)} variants in {args.output}: {args.output}/variants.json, {args.output}/variants.csv "
          f"({len(paths)} files)")
    return 0


def run_examples(args: argparse.Namespace) -> int:
    from .model.spec import example_names, load_spec

    for name in example_names():
        spec = load_spec(name)
        print(f"{name:<10} {'-'.join(map(str, spec.widths)):<10} {spec.title or ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)  # inside: checking -f imports SymPy, which Ctrl-C may hit
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except SymbackpropError as exc:
        print(f"symbackprop: error: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader (head, less) stopped reading: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit-time flush quiet
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
