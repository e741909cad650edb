"""An exercise sheet from a spec: the network and its given values, the conventions that matter, the
task, and a blank per asked quantity; and its answers template (NAME-answers.yaml), which names the
spec and the variant so that ``check`` can read a filled one back.

The sheet holds no answer: it is built from the given values and the asked records' labels only
(the values stay in the key, the worked solution).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import SpecError
from ..grading.catalogue import Record
from ..model.defaults import DEFAULT_PRECISION, PRECISION_RANGE
from ..model.spec import example_names
from ..present.figures import network_figure
from ..present.output import compile_pdf, refuse_replacing, write_files
from ..present.rendering import FORMATS, _environment, render_template
from ..present.view import ViewBuilder
from ..engine.steps import partial
from ..solution import Solution, solve
from .asking import ASKS, DEFAULT_ASK, asked_records

DEFAULT_DIGITS = 4  # decimals a sheet asks for, as most textbooks round
EXERCISE_FORMATS = ("md", "tex", "pdf")
SUFFIXES = {"exercise": "-exercise", "answers": "-answers.yaml"}
MARK = "symbackprop: {what} written by symbackprop {command}, which replaces it when run again"
HEADERS = {
    "md": "<!-- {mark} -->\n",
    "tex": "% {mark}\n\\ifdefined\\pdfinfo\\pdfinfo{{/Creator (symbackprop)}}\\fi\n",
    "yaml": "# {mark}\n",
}


@dataclass(frozen=True)
class Exercise:
    """A sheet: a solved spec, the records it asks, its decimals, and its variant's id (or None)."""

    solution: Solution
    asked: tuple[Record, ...]
    digits: int = DEFAULT_DIGITS
    ask: str = DEFAULT_ASK
    variant: str | None = None
    command: str = "exercise"  # which command wrote it, named in each file's mark

    @property
    def name(self) -> str:
        return self.solution.spec.name

    @cached_property
    def view(self) -> dict:
        """What the templates place: given values, conventions, and the blanks' labels (no value)."""
        builder = ViewBuilder(self.solution, DEFAULT_PRECISION, symbolic=False)
        network, spec = self.solution.network, self.solution.spec
        depth = network.depth
        delta = (builder.latex(network.delta(depth, 1, None)),
                 builder.latex(partial(network.error(None), network.net(depth, 1, None))))
        return {
            "name": spec.name, "title": spec.title or f"Exercise: {spec.name}", "variant": self.variant, "digits": self.digits,
            "network": builder.network_description(), "given": builder.given(),
            "figure": network_figure(builder), "figure_name": f"{spec.name}-network.svg",
            "several_samples": len(spec.samples) > 1,
            "has_biases": any(layer.bias is not None for layer in spec.layers),
            "delta": delta, "task": ASKS[self.ask][0] if self.ask in ASKS else "the quantities in the table",
            "blanks": [builder.latex(r.step.lhs) if r.step is not None else r.label for r in self.asked],
        }

    def render(self, fmt: str) -> str:
        """The sheet as Markdown (``md``) or LaTeX (``tex``)."""
        if fmt not in ("md", "tex"):
            raise SpecError(f"format: an exercise is md, tex or pdf, found {fmt!r}")
        environment = _environment(fmt, None)
        header = HEADERS[fmt].format(mark=MARK.format(what="an exercise", command=self.command))
        return header + render_template(environment, f"exercise.{fmt}.j2", self.view)

    def render_html(self, picture: str, cells: list[str], seed: int | None) -> str:
        """The sheet as a quiz platform's HTML: ``picture`` the address of the network's SVG, ``cells``
        the answer column (Cloze gaps, or empty), ``seed`` the variant's, printed beside its title."""
        view = dict(self.view, seed=seed, picture=picture, gaps=list(zip(self.view["blanks"], cells)))
        return render_template(_environment("html", None), "exercise.html.j2", view)

    def answers_template(self, spec_path: str | None) -> str:
        """NAME-answers.yaml: the header check reads back (the spec, relative to this file, and the
        variant), then every asked label with an empty value."""
        lines = [HEADERS["yaml"].format(mark=MARK.format(what="an answers template", command=self.command)).rstrip(),
                 f"# Fill in each value with {self.digits} decimals, a point as the decimal separator.",
                 f"spec: {json.dumps(spec_path)}", f"variant: {json.dumps(self.variant)}",
                 f"digits: {self.digits}", "answers:"]
        lines += [f"  {json.dumps(r.label)}:" for r in self.asked]
        return "\n".join(lines) + "\n"

    def documents(self, formats, spec_path: str | None) -> dict[str, bytes]:
        """File name -> content: the sheet in ``formats`` (md with its picture), the answers template."""
        stem = self.name + SUFFIXES["exercise"]
        documents: dict[str, bytes] = {}
        for fmt in dict.fromkeys(formats):
            if fmt == "pdf":
                documents[f"{stem}.pdf"] = compile_pdf(self.render("tex"))
            elif fmt in ("md", "tex"):
                documents[f"{stem}.{fmt}"] = self.render(fmt).encode("utf-8")
        if "md" in formats:
            documents[self.view["figure_name"]] = self.picture().encode("utf-8")
        documents[self.name + SUFFIXES["answers"]] = self.answers_template(spec_path).encode("utf-8")
        return documents

    def picture(self) -> str:
        """The network's SVG, the same file the worked solution's Markdown shows."""
        svg = render_template(_environment("svg", None), "network.svg.j2",
                              {"fig": self.view["figure"], "title": "The network", "highlighted": False})
        return FORMATS["md"].header + svg


def exercise(source, *, ask: str | list[str] = DEFAULT_ASK, digits: int = DEFAULT_DIGITS,
             variant: str | None = None, **overrides) -> Exercise:
    """The exercise of a spec (a path, an example name, a mapping, a Spec, or a solved Solution)."""
    if isinstance(digits, bool) or digits not in PRECISION_RANGE:
        raise SpecError(f"digits: expected a whole number from {PRECISION_RANGE.start} to "
                        f"{PRECISION_RANGE.stop - 1}, found {digits!r}")
    solution = source if isinstance(source, Solution) else solve(source, **overrides)
    asked = tuple(asked_records(solution, ask))
    return Exercise(solution, asked, digits, ask if isinstance(ask, str) else ",".join(ask), variant)


def spec_reference(solution: Solution, folder: Path) -> str | None:
    """How an answers file in ``folder`` names its spec: a path relative to it, or an example's name."""
    source = solution.spec.source
    if source and Path(source).exists():
        return Path(os.path.relpath(Path(source).resolve(), folder.resolve())).as_posix()
    return solution.spec.name if solution.spec.name in example_names() else None


def write_exercise(sheet: Exercise, formats=("md",), out_dir: str | Path = "output", *,
                   force: bool = False) -> list[Path]:
    """Write the sheet and its answers template into ``out_dir``, all or nothing."""
    formats = formats.split(",") if isinstance(formats, str) else list(formats)
    bad = [f for f in formats if f not in EXERCISE_FORMATS]
    if bad or not formats:
        raise SpecError(f"format: an exercise is some of {', '.join(EXERCISE_FORMATS)}, found {', '.join(bad) or 'none'}")
    folder = Path(out_dir)
    documents = sheet.documents(formats, spec_reference(sheet.solution, folder))
    source = sheet.solution.spec.source
    refuse_replacing([folder / name for name in documents], {source: "the spec"} if source else {}, force)
    return write_files(folder, documents)

