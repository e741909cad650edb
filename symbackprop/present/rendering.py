"""Stage 4b: render a Solution as Markdown, LaTeX, JSON or PDF; one function per document kind.

Templates hold presentation only; every string they place comes from view.py. A user's template
folder is searched first, and the defaults stay reachable as ``default/<name>`` so that a user
template can ``extends`` a default and override single blocks (as pdoc does).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Callable

from .. import __version__
from ..model.defaults import DEFAULT_PRECISION, PRECISION_RANGE
from ..errors import SpecError, TemplateError
from ..model.notation import Labels
from .printing import escape_latex, markdown_math
from ..solution import Solution
from .view import ViewBuilder


#: What ``--form`` chooses: the template family, and what a file's stem gets (NAME-matrix.md).
FORMS = {"chain": ("solution", ""), "matrix": ("matrix", "-matrix"), "both": ("solution", "")}


@dataclass(frozen=True)
class RenderOptions:
    precision: int = DEFAULT_PRECISION
    symbolic: bool = False
    template_dir: Path | None = None
    form: str = "chain"  # a key of FORMS


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|$~])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _bytecode_cache():
    """Jinja's cache of compiled templates (keyed by file and source checksum), in the user's cache folder.

    Compiling the two default templates costs more than the rest of rendering; with the cache a
    second run skips it. No cache when the folder cannot be created (a read-only home, say).
    """
    import jinja2

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "symbackprop" / f"templates-{__version__}"
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
    from jinja2.sandbox import SandboxedEnvironment  # a user's template reaches no Python internals

    env = SandboxedEnvironment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             bytecode_cache=_bytecode_cache(), **delimiters)
    env.filters["escape"] = escape_latex if kind == "tex" else escape_markdown
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
        return ViewBuilder(self.solution, options.precision, options.symbolic, options.form).build()

    def render(self, fmt: str) -> str:
        return FORMATS[fmt].header + FORMATS[fmt].render(self)


def _templated(kind: str) -> Callable[[Documents], str]:
    def render(documents: Documents) -> str:
        import jinja2

        template = f"{FORMS[documents.options.form][0]}.{kind}.j2"
        environment = _environment(kind, documents.options.template_dir)
        try:
            return environment.get_template(template).render(documents.view)
        except jinja2.TemplateError as exc:  # a user template's mistake, reported like bad input
            where = ":".join(str(part) for part in (getattr(exc, "name", None) or template,
                                                   getattr(exc, "lineno", None)) if part)
            raise TemplateError(f"template {where}: {exc.message}") from None
        except (ArithmeticError, LookupError, RecursionError, TypeError, UnicodeError, ValueError) as exc:
            # what else a template's own expressions or files can raise ({{ 1/0 }}, an endless extends)
            raise TemplateError(f"template {template}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}") from None

    return render


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
    "md": Format(".md", _templated("md"), f"<!-- {_WRITTEN_BY} -->\n"),
    "tex": Format(".tex", _templated("tex"),
                  f"% {_WRITTEN_BY}\n\\ifdefined\\pdfinfo\\pdfinfo{{/Creator (symbackprop)}}\\fi\n"),
    "json": Format(".json", render_json),
}
#: What marks a file as written by symbackprop (output.py replaces only such files unless forced):
#: suffix -> (bytes, "head" if they are in its first 4 KiB, else "whole").
MARKS = {
    ".md": (b"<!-- symbackprop:", "head"), ".tex": (b"% symbackprop:", "head"),
    ".json": (b'"schema": "symbackprop-solution/', "head"), ".pdf": (b"/Creator (symbackprop)", "whole"),
}


def render_options(precision: int, symbolic: bool, template_dir: str | Path | None, form: str = "chain") -> RenderOptions:
    """Options checked like spec fields, for API callers as much as for the command line."""
    if form not in FORMS:
        raise SpecError(f"form: expected one of {', '.join(FORMS)}, found {form!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision not in PRECISION_RANGE:
        raise SpecError(f"precision: expected a whole number from {PRECISION_RANGE.start} to "
                        f"{PRECISION_RANGE.stop - 1}, found {precision!r}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise TemplateError(f"template-dir: {template_dir} is not a folder")
    return RenderOptions(precision, symbolic, Path(template_dir) if template_dir else None, form)


def render(solution: Solution, fmt: str = "md", *, precision: int = DEFAULT_PRECISION, symbolic: bool = False,
           template_dir: str | Path | None = None, form: str = "chain") -> str:
    """The document of ``solution`` in format ``fmt`` (md, tex or json) as a string; see write() for PDF."""
    if fmt not in FORMATS:
        raise SpecError(f"format: render() makes {', '.join(FORMATS)}, found {fmt!r} (write() also makes pdf)")
    return Documents(solution, render_options(precision, symbolic, template_dir, form)).render(fmt)
