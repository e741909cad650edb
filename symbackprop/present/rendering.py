"""Stage 4b: render a Solution as Markdown, LaTeX, JSON or PDF; one function per document kind.

Templates hold presentation only; every string they place comes from view.py. A user's template
folder is searched first, and the defaults stay reachable as ``default/<name>`` so that a user
template can ``extends`` a default and override single blocks (as pdoc does).
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .. import __version__
from ..engine.derive import Derivation
from ..model.defaults import DEFAULT_PRECISION, PRECISION_RANGE
from ..errors import SpecError, TemplateError
from ..model.notation import Labels
from .escaping import escape_markdown
from .printing import escape_latex, markdown_math
from .view import ViewBuilder

if TYPE_CHECKING:  # solution.py imports rendering to display itself in a notebook: no circle
    from ..solution import Solution


DETAILS = ("auto", "full", "compact")
COMPACT_FROM = 24  # worked parameters x samples beyond which "auto" is compact (Mazur's 2-2-2 has 10)
INLINE = "figure:"  # a placeholder Markdown refers to an inline figure by, replaced by its data URI
SYMBOLIC_SUFFIX = "-symbolic"  # NAME-symbolic.md: the formulas-only document, beside NAME.md

#: What ``--form`` chooses: the template family, and what a file's stem gets (NAME-matrix.md).
FORMS = {"chain": ("solution", ""), "matrix": ("matrix", "-matrix"), "both": ("solution", "")}


@dataclass(frozen=True)
class RenderOptions:
    precision: int = DEFAULT_PRECISION
    symbolic: bool = False
    template_dir: Path | None = None
    form: str = "chain"  # a key of FORMS
    inline_figures: bool = False  # Markdown shows its SVG figures as data URIs, not files beside it (Jupyter)
    detail: str = "auto"  # a key of DETAILS
    sample: int | None = None  # the sample worked in full when there are several (None: as detail says)


CACHE_TAG = "bounded-3"  # how templates are compiled (sandbox.py): code compiled otherwise is not reused


def _bytecode_cache():
    """Jinja's cache of compiled templates (keyed by file and source checksum), in the user's cache folder.

    Compiling the two default templates costs more than the rest of rendering; with the cache a
    second run skips it. No cache when the folder cannot be created (a read-only home, say).
    """
    import jinja2

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "symbackprop" / f"templates-{__version__}-{CACHE_TAG}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _environment(kind: str, template_dir: Path | None):
    import jinja2

    default = jinja2.FileSystemLoader(str(resources.files("symbackprop.templates")))
    loaders = [jinja2.FileSystemLoader(str(template_dir))] if template_dir else []
    loaders += [default, jinja2.PrefixLoader({"default": default})]
    delimiters = {}
    if kind == "tex":  # braces and % are LaTeX syntax; use nbconvert-style delimiters instead
        delimiters = dict(block_start_string="((*", block_end_string="*))", variable_start_string="(((",
                          variable_end_string=")))", comment_start_string="((=", comment_end_string="=))")
    from .sandbox import BoundedSandbox  # a user's template reaches no Python internals, and no gigabytes

    env = BoundedSandbox(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                         autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                         bytecode_cache=_bytecode_cache(), **delimiters)
    env.filters["escape"] = {"tex": escape_latex, "svg": html.escape, "html": html.escape}.get(kind, escape_markdown)
    env.filters["math"] = (lambda latex: latex) if kind == "tex" else markdown_math
    return env


class Documents:
    """Renders one solution with one set of options; the view is built once for all templates."""

    def __init__(self, solution: Solution, options: RenderOptions):
        self.solution = solution
        self.options = options

    @cached_property
    def view(self) -> dict:
        options = self.options
        names = {key: (f"{INLINE}{key}" if options.inline_figures else f"{self.figure_stem}-{key}.svg")
                 for key in self._figure_keys()}
        detail, sample = self.detail()
        return ViewBuilder(self.solution, options.precision, options.symbolic, options.form, names, detail,
                           sample).build()

    def detail(self) -> tuple[str, int | None]:
        """What --detail and --sample ask for, "auto" decided: every parameter of every sample is
        worked up to COMPACT_FROM of them, each kind of expansion written out once a layer ("brief",
        view.py; "full" writes out every one); beyond, one weight and one bias a layer, and one
        sample (the first unless --sample names another)."""
        spec, options = self.solution.spec, self.options
        detail = options.detail
        if detail == "auto":
            detail = "compact" if spec.parameter_count * len(spec.samples) > COMPACT_FROM else "brief"
        several = len(spec.samples) > 1
        sample = options.sample if options.sample is not None else (1 if detail == "compact" and several else None)
        return detail, sample if several else None

    @property
    def stem(self) -> str:
        """The documents' file name without suffix: NAME, NAME-matrix, NAME-symbolic, ..."""
        return self.solution.spec.name + FORMS[self.options.form][1] + (SYMBOLIC_SUFFIX if self.options.symbolic else "")

    @property
    def figure_stem(self) -> str:
        """The figures' file names begin so: the same pictures for every form (NAME-network.svg)."""
        return self.solution.spec.name + (SYMBOLIC_SUFFIX if self.options.symbolic else "")

    def _figure_keys(self) -> list[str]:
        depth = self.solution.network.depth
        curve = [] if self.options.symbolic or self.solution.spec.iterations < 2 else ["error"]
        return ["network"] + [f"paths-{l}" for l in range(1, depth)] + curve

    def render(self, fmt: str) -> str:
        text = FORMATS[fmt].header + FORMATS[fmt].render(self)
        if fmt == "md" and self.options.inline_figures:
            for key, svg in self.figures(keys=True).items():
                data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                text = text.replace(f"({INLINE}{key})", f"(data:image/svg+xml;base64,{data})")
        return text

    def figures(self, keys: bool = False) -> dict[str, str]:
        """Every SVG figure the Markdown shows, by file name (or by key): drawn from the view's data
        with the SVG templates."""
        figures, environment = self.view["figures"], _environment("svg", self.options.template_dir)
        drawn = {"network": ("network.svg.j2", figures["network"]["figure"], "The network", False)}
        for l, paths in figures["paths"].items():
            drawn[f"paths-{l}"] = ("network.svg.j2", paths["figure"], f"The paths of the gradient of "
                                   f"{paths['parameter_text']}", True)
        if figures["curve"]:
            drawn["error"] = ("curve.svg.j2", figures["curve"]["figure"], "The error against the iteration", False)
        rendered = {}
        for key, (template, data, title, highlighted) in drawn.items():
            context = {"fig": data, "curve": data, "title": title, "highlighted": highlighted}
            svg = render_template(environment, template, context)
            rendered[key if keys else f"{self.figure_stem}-{key}.svg"] = FORMATS["md"].header + svg
        return rendered


def _templated(kind: str) -> Callable[[Documents], str]:
    def render(documents: Documents) -> str:
        template = f"{FORMS[documents.options.form][0]}.{kind}.j2"
        return render_template(_environment(kind, documents.options.template_dir), template, documents.view)

    return render


def render_template(environment, template: str, context: dict) -> str:
    """``template`` rendered within the sandbox's bounds; a user template's mistake, or its asking
    for too much, is reported like bad input, in one line naming the template."""
    import jinja2

    from .sandbox import TooLarge

    try:
        return environment.render_bounded(environment.get_template(template), context)
    except jinja2.TemplateError as exc:
        where = ":".join(str(part) for part in (getattr(exc, "name", None) or template,
                                               getattr(exc, "lineno", None)) if part)
        raise TemplateError(f"template {where}: {exc.message}") from None
    except TooLarge as exc:
        raise TemplateError(f"template {template}: it asks for {exc}") from None
    except (ArithmeticError, LookupError, MemoryError, RecursionError, TypeError, UnicodeError, ValueError) as exc:
        # what else a template's own expressions or files can raise ({{ 1/0 }}, an endless extends)
        raise TemplateError(f"template {template}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}") from None


def render_json(documents: Documents) -> str:
    """The machine-readable solution (shared/solution.schema.json): full float64, never rounded."""
    solution = documents.solution
    spec, training, labels = solution.spec, solution.training, Labels.for_spec(solution.spec)
    network = solution.network
    gradients, updated = solution.derivation.gradients, solution.derivation.updated
    samples = []
    for s, (sample, trace) in enumerate(zip(spec.samples, solution.reference.initial_traces), start=1):
        layers = [{"index": l, "neurons": [
            {"index": j, "label": labels(network.out(l, j, s).quantity), "net": trace.nets[l][j - 1],
             "out": trace.outs[l][j - 1], "delta": trace.deltas[l][j - 1]}
            for j in range(1, network.widths[l] + 1)]} for l in range(1, network.depth + 1)]
        error = solution.derivation.forward[s - 1].error.value
        samples.append({"inputs": list(sample.inputs), "targets": list(sample.targets), "error": error,
                        "layers": layers})
    parameters = [{
        "kind": p.quantity.kind, "layer": p.quantity.layer, "to": p.quantity.to, "from": p.quantity.source,
        "label": labels(p.quantity), "value": p.value, "gradient": gradients[p.symbol],
        "updated": updated[p.symbol], "final": final,
    } for p, final in zip(network.parameters, training.final)]
    document = {
        "schema": "symbackprop-solution/1", "name": spec.name, "title": spec.title, "notation": spec.notation,
        "loss": spec.loss, "learning_rate": spec.learning_rate, "samples": samples,
        "error": solution.derivation.error.value, "parameters": parameters, "history": list(training.history),
        "verification": {"methods": solution.verification.describe(),
                         "max_abs_difference": solution.verification.max_abs_difference},
    }
    return json.dumps(document, indent=2) + "\n"


@dataclass(frozen=True)
class Format:
    suffix: str
    render: Callable[[Documents], str]
    header: str = ""  # put before whatever a template renders, so that every document carries MARKS


_WRITTEN_BY = "symbackprop: a worked solution written by symbackprop solve, which replaces it when run again"
FORMATS: dict[str, Format] = {
    "md": Format(".md", _templated("md"), f"<!-- {_WRITTEN_BY} -->\n\n"),  # a blank line: pandoc wants one before a heading
    "tex": Format(".tex", _templated("tex"),
                  f"% {_WRITTEN_BY}\n\\ifdefined\\pdfinfo\\pdfinfo{{/Creator (symbackprop)}}\\fi\n"),
    "json": Format(".json", render_json),
}
#: What marks a file as written by symbackprop (output.py replaces only such files unless forced):
#: suffix -> (bytes, "head" if they are in its first 4 KiB, else "whole").
MARKS = {
    ".md": (b"<!-- symbackprop:", "head"), ".tex": (b"% symbackprop:", "head"),
    ".json": (b'"schema": "symbackprop-', "head"), ".pdf": (b"/Creator (symbackprop)", "whole"),
    ".svg": (b"<!-- symbackprop:", "head"),
    # homework (homework/): a variant's spec and answers template, the index of a set of variants
    ".yaml": (b"# symbackprop:", "head"), ".csv": (b"variant,seed,spec,exercise,key,answers", "head"),
    ".xml": (b"<!-- symbackprop:", "head"), ".zip": (b"<!-- symbackprop:", "head"),  # a zip's first file, stored
}


def render_options(precision: int, symbolic: bool, template_dir: str | Path | None, form: str = "chain",
                   detail: str = "auto", sample: int | None = None, samples: tuple[int, ...] = (1,)) -> RenderOptions:
    """Options checked like spec fields, for API callers as much as for the command line.

    ``samples``: those the worked update uses (Derivation.update_samples), which ``sample`` must name
    one of: every sample in batch mode, sample 1 alone in online mode, whose later updates start
    from parameters the document does not work out.
    """
    choose("form", form, FORMS)
    choose("detail", detail, DETAILS)
    flag("symbolic", symbolic)
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or sample not in samples):
        expected = (f"a sample's number from 1 to {len(samples)}" if len(samples) > 1 else
                    "1, the sample whose update is worked out (in online mode, each later sample's update "
                    "starts from parameters the earlier ones changed)")
        raise SpecError(f"sample: expected {expected}, found {sample!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision not in PRECISION_RANGE:
        raise SpecError(f"precision: expected a whole number from {PRECISION_RANGE.start} to "
                        f"{PRECISION_RANGE.stop - 1}, found {precision!r}")
    if template_dir is not None and not isinstance(template_dir, (str, os.PathLike)):
        raise SpecError(f"template-dir: expected a folder's path, found {template_dir!r}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise TemplateError(f"template-dir: {template_dir} is not a folder")
    return RenderOptions(precision, symbolic, Path(template_dir) if template_dir else None, form,
                         detail=detail, sample=sample)


def choose(field: str, value, choices) -> None:
    """SpecError unless ``value`` is one of ``choices`` (a list or an unhashable value is none of them)."""
    if not isinstance(value, str) or value not in choices:
        raise SpecError(f"{field}: expected one of {', '.join(choices)}, found {value!r}")


def flag(field: str, value) -> None:
    """SpecError unless ``value`` is True or False: "no" or 0 would be read as a choice they are not."""
    if not isinstance(value, bool):
        raise SpecError(f"{field}: expected True or False, found {value!r}")


def solution_of(value) -> Solution:
    """``value`` if it is a Solution, else SpecError: render() and write() take what solve() returns.
    Known by the derivation it shows, as present/ does not import solution.py (which imports it)."""
    if not isinstance(getattr(value, "shown", None), Derivation):
        raise SpecError(f"solution: expected what symbackprop.solve() returns, found {type(value).__name__}")
    return value


def render(solution: Solution, fmt: str = "md", *, precision: int = DEFAULT_PRECISION, symbolic: bool = False,
           template_dir: str | Path | None = None, form: str = "chain", inline_figures: bool = False,
           detail: str = "auto", sample: int | None = None) -> str:
    """The document of ``solution`` in format ``fmt`` (md, tex or json) as a string; see write() for PDF.
    Markdown refers to its figures as SVG files beside it (write() writes them), or with
    ``inline_figures`` holds them as data URIs (a notebook's display)."""
    solution = solution_of(solution)
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise SpecError(f"format: render() makes {', '.join(FORMATS)}, found {fmt!r} (write() also makes pdf)")
    flag("inline_figures", inline_figures)
    options = replace(render_options(precision, symbolic, template_dir, form, detail, sample,
                                     solution.derivation.update_samples), inline_figures=inline_figures)
    return Documents(solution, options).render(fmt)
