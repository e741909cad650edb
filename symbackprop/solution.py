"""The pipeline: load spec -> build symbolic network -> derive steps -> train -> verify.

:func:`solve` is the library's main entry point; rendering (rendering.py) is a separate, pure stage that
turns a :class:`Solution` into documents, so one solve can be rendered in several formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Callable

from .model.defaults import PRECISION_RANGE
from .engine.derive import Derivation, derive
from .engine.matrix import MatrixForm, matrix_form
from .errors import DivergenceError, SpecError
from .engine.network import SymbolicNetwork
from .oracle.numeric import NumericNetwork, Reference

#: Bits the numeric engine's reference works with beyond the derivation's own precision.
EXACT_BITS = 32
from .model.spec import Spec, load_spec, validate
from .engine.training import CHECKED_ITERATIONS, Training, train
from .oracle.verify import Verification, verify, verify_matrix_form


@dataclass(frozen=True)
class Solution:
    spec: Spec
    network: SymbolicNetwork
    derivation: Derivation
    training: Training  # the compiled derivation, iterated
    reference: Reference  # the independent numeric engine's first update and true deltas
    verification: Verification
    numeric: NumericNetwork  # the independent engine in floats (finite differences, a class's replays)
    exact: NumericNetwork  # the same in mpmath: the reference, outputs and errors at trained parameters
    carried: Derivation | None = None  # the steps redone by hand: rounded to carry_digits and carried forward

    @cached_property
    def matrix(self) -> MatrixForm:
        """Nielsen's matrix form of the first update, every entry checked against the per-weight
        derivation (a disagreement raises VerificationError)."""
        form = matrix_form(self.network, self.derivation)
        verify_matrix_form(self.network, self.derivation, form)
        return form

    @property
    def shown(self) -> Derivation:
        """The derivation a document shows: the carried one if asked for, else the exact one."""
        return self.carried or self.derivation

    def outputs(self, parameters: tuple[float, ...] | None = None) -> list[list[float]]:
        """Each sample's outputs at ``parameters`` (SymbolicNetwork.parameters order; default: the
        spec's), computed by the independent numeric engine in mpmath (verify.py has checked the error
        they give at the end of training against the one training recorded)."""
        numeric = self.exact
        state = numeric.state_from(list(parameters)) if parameters is not None else numeric.initial_state()
        return [list(map(float, numeric.forward(state, inputs)[1][-1])) for inputs, _ in numeric.samples]

    def __reduce__(self):
        """Pickled (for a process pool, or a notebook's deep copy) as what it was solved from: the
        spec, with the overrides already in it, and carry_digits. Its compiled functions and rule
        tables are code, not data; unpickling solves again, and solve is deterministic, so the copy
        is equal to the original, number for number."""
        return _solve_again, (self.spec, self.carried.digits if self.carried else None)

    def __repr__(self) -> str:
        """One line: a notebook shows the worked solution itself (_repr_markdown_)."""
        spec, history = self.spec, self.training.history
        shape = "-".join(map(str, spec.widths))
        return (f"<Solution {spec.name}: {shape}, {spec.loss}, {spec.iterations} iteration"
                f"{'s' if spec.iterations != 1 else ''}, error {history[0]:.9g} -> {history[-1]:.9g}>")

    def _repr_markdown_(self) -> str:
        from .present.rendering import render

        return render(self, "md", inline_figures=True)  # a notebook has no folder to hold the SVGs


def solve(source: str | Path | Spec | dict, *, carry_digits: int | None = None, progress: Callable | None = None,
          **overrides) -> Solution:
    """Solve a spec given as a file path, a built-in example name, a mapping, or a :class:`Spec`.

    ``overrides`` replace top-level spec fields (``notation="mazur"``, ``iterations=10``) and are
    validated like the file's own. ``carry_digits`` adds the worked solution as a student does it
    by hand, each value rounded to that many decimals and carried forward; every check is made on
    the exact derivation. Raises SpecError for bad input and VerificationError if two independent
    computations disagree. ``progress(done, total)`` hears how training advances (the CLI draws a
    progress bar with it on a terminal).
    """
    if carry_digits is not None and (isinstance(carry_digits, bool) or not isinstance(carry_digits, int)
                                     or carry_digits not in PRECISION_RANGE):
        raise SpecError(f"digits: expected a whole number from {PRECISION_RANGE.start} to "
                        f"{PRECISION_RANGE.stop - 1}, found {carry_digits!r}")
    if progress is not None and not callable(progress):
        raise SpecError(f"progress: expected a function progress(done, total), found {progress!r}")
    spec = _as_spec(source, overrides)
    network = SymbolicNetwork(spec)
    derivation = derive(network)
    training = train(network, derivation, progress)
    numeric, exact = NumericNetwork(spec), NumericNetwork(spec, bits=derivation.bits + EXACT_BITS)
    try:
        reference = exact.reference(min(spec.iterations, CHECKED_ITERATIONS))
    except (OverflowError, ZeroDivisionError, ValueError):  # ValueError: the log of 0 in a logarithmic loss
        raise DivergenceError("learning_rate: training diverged (a value overflowed, or an output reached "
                              "exactly 0 or 1 under a logarithmic loss); try a smaller learning rate or fewer "
                              "iterations") from None
    verification = verify(network, derivation, training, numeric, exact, reference)
    carried = derive(network, carry_digits) if carry_digits is not None else None
    return Solution(spec, network, derivation, training, reference, verification, numeric, exact, carried)


def _solve_again(spec: Spec, carry_digits: int | None) -> Solution:
    return solve(spec, carry_digits=carry_digits)


def _as_spec(source, overrides: dict) -> Spec:
    if not isinstance(source, (str, PathLike, Spec, Mapping)):
        raise SpecError(f"spec: expected a file's path, an example's name, a mapping or a Spec, "
                        f"found {type(source).__name__}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(source, Spec):
        if not overrides:
            return source
        source = _spec_fields(source)
    if isinstance(source, Mapping):
        return validate({**source, **overrides}, default_name=source.get("name", "network"))
    return load_spec(source, **overrides)


def _spec_fields(spec: Spec) -> dict:
    """A Spec back as spec-file fields, so that overrides are validated by the one validator."""
    layers = []
    for layer in spec.layers:
        activation = layer.activation if layer.alpha is None else {"name": layer.activation, "alpha": layer.alpha}
        entry = {"activation": activation, "weights": [list(row) for row in layer.weights]}
        if layer.bias_kind != "none":
            entry["bias"] = layer.bias if layer.bias_kind == "shared" else list(layer.bias)
        layers.append(entry)
    fields = {
        "name": spec.name, "notation": spec.notation, "layers": layers, "loss": spec.loss,
        "reduction": spec.reduction, "mode": spec.mode, "learning_rate": spec.learning_rate,
        "update_biases": spec.update_biases, "hidden_deltas": spec.hidden_deltas, "iterations": spec.iterations,
        "samples": [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in spec.samples],
    }
    if spec.title is not None:
        fields["title"] = spec.title
    if spec.notes:
        fields["notes"] = "\n\n".join(spec.notes)
    return fields
