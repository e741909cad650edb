"""symbackprop: verified, step-by-step backpropagation worked solutions.

The pipeline is a chain of pure stages, one subpackage each (model, engine, oracle, present,
grading) — load spec (spec.py) -> build the symbolic network
(network.py) -> derive every step (derive.py) -> train by compiling the derivation (training.py)
-> cross-check against an independent numeric engine (numeric.py, verify.py) -> render (view.py,
printing.py, rendering.py, output.py) — and this module is its public face::

    import symbackprop
    solution = symbackprop.solve("mazur")            # a spec file, an example name, or a dict
    markdown = symbackprop.render(solution, "md")    # or "tex", "json"
    paths = symbackprop.write(solution, ["md", "tex"], "output")
    result = symbackprop.check("mazur", "answers.yaml")  # or a mapping label -> number
    sheet = symbackprop.exercise("mazur", ask="forward", digits=4)   # homework: a sheet, no answer
    symbackprop.write_exercise(sheet, ["md", "pdf"], "sheets")       # with NAME-answers.yaml
    made = symbackprop.variants("template.yaml", 30, seed=2026)      # a template spec has draws
    symbackprop.write_variants(made, ["md", "tex", "json"], "class")  # specs, sheets, keys, index

Names are imported on first use (PEP 562), so ``import symbackprop`` does not load SymPy.
"""

from importlib import import_module

from .errors import (
    DivergenceError, LatexError, OutputError, SpecError, SymbackpropError, TemplateError, ToolMissingError,
    VerificationError,
)

__version__ = "0.1.0"

_LAZY = {
    "solve": "solution", "Solution": "solution", "render": "present.rendering", "write": "present.output",
    "load_spec": "model.spec", "example_names": "model.spec", "Spec": "model.spec",
    "check": "grading.checking", "CheckResult": "grading.checking", "Grader": "grading.checking",
    "exercise": "homework.exercise", "Exercise": "homework.exercise", "write_exercise": "homework.exercise",
    "variants": "homework.variants", "VariantSet": "homework.variants", "write_variants": "homework.variants",
    "draw_spec": "homework.variants",
}

__all__ = [
    "DivergenceError", "LatexError", "OutputError", "SpecError", "SymbackpropError", "TemplateError",
    "ToolMissingError", "VerificationError", "__version__", *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")
