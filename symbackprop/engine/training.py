"""Stage 3b: training — the derivation compiled to a plain-Python function, then iterated.

The worked solution is a straight-line program: each step's left-hand side is defined by its last
form, in terms of earlier steps. The one evaluator (evaluate.py, arithmetic ``CODE``) writes that
program as the source of one Python function of the parameters and the data, calling the same float
functions it evaluates forms with, so the loop runs the very formulas the document shows, at float
speed, with no symbolic substitution inside the loop. The source is made of variable names and
float literals only (no user text reaches it). Compiling costs time linear in the number of steps;
verify.py checks the first update and the final error against the independent numeric engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..errors import DivergenceError
from .derive import Derivation
from .evaluate import CODE, CODE_NAMESPACE, evaluate_form
from .network import SymbolicNetwork


#: Iterations after which the parameters are kept for verify.py to compare (fewer if there are fewer).
CHECKED_ITERATIONS = 10


def shown_iterations(last: int) -> list[int]:
    """The points of the error history a document shows: the first iterations, powers of ten, the last."""
    shown = set(range(4)) | {10 ** e for e in range(1, 8)} | {last}
    return sorted(i for i in shown if i <= last)


@dataclass(frozen=True)
class Training:
    updated: tuple[float, ...]  # parameters after the first update, in SymbolicNetwork.parameters order
    checked: tuple[float, ...]  # after min(CHECKED_ITERATIONS, iterations) iterations
    final: tuple[float, ...]  # after all iterations
    history: tuple[float, ...]  # total error before training and after each iteration


class _Program:
    """Steps in order, each assigned to a variable, compiled into f(*args) -> outputs."""

    def __init__(self, args: list):
        self.args = args
        self.names = {a: f"a{i}" for i, a in enumerate(args)}
        self.lines: list[str] = []

    def add(self, steps) -> None:
        for step in steps:
            code = evaluate_form(step.forms[-1], CODE, self.names)
            name = f"v{len(self.lines)}"
            self.names.update(dict.fromkeys((step.lhs, *step.aliases), name))
            self.lines.append(f"    {name} = {code}")

    def compile(self, outputs: list) -> Callable:
        arguments = ", ".join(self.names[a] for a in self.args)
        results = ", ".join(self.names[o] for o in outputs)
        source = "\n".join([f"def program({arguments}):", *self.lines, f"    return ({results},)"])
        namespace = dict(CODE_NAMESPACE)
        exec(compile(source, "<symbackprop training program>", "exec"), namespace)  # noqa: S102 - our own code
        return namespace["program"]


def _data_symbols(network: SymbolicNetwork, samples) -> list:
    symbols = [network.rate]
    for s in samples:
        symbols += [network.out(0, k, s) for k in range(1, network.widths[0] + 1)]
        symbols += [network.target(j, s) for j in range(1, network.outputs + 1)]
    return symbols


def _data_values(network: SymbolicNetwork, samples) -> list[float]:
    values = [network.spec.learning_rate]
    for s in samples:
        sample = network.spec.samples[s - 1]
        values += [*sample.inputs, *sample.targets]
    return values


#: Iterations between two calls of a progress callback.
PROGRESS_EVERY = 1000


def train(network: SymbolicNetwork, derivation: Derivation, progress: Callable | None = None) -> Training:
    """``progress(done, total)`` is called every PROGRESS_EVERY iterations and at the end."""
    parameters = [p.symbol for p in network.parameters]
    everything = tuple(range(1, network.sample_count + 1))
    update_samples = derivation.update_samples

    update = _Program(parameters + _data_symbols(network, update_samples))
    update.add(derivation.forward_steps(update_samples))
    if update_samples == everything and len(everything) > 1:
        update.add([derivation.error])
    update.add(derivation.backward_steps())
    new_values = [p.updated_symbol if p.updated_symbol in update.names else p.symbol for p in network.parameters]
    error_of_update = derivation.error if update_samples == everything else derivation.forward[0].error
    step = update.compile(new_values + [error_of_update.lhs])

    all_data = _data_values(network, everything)
    if network.spec.mode == "batch":  # the update step also returns the error of the state it starts from
        def error(*args):
            return step(*args)[-1:]
    else:
        total = _Program(parameters + _data_symbols(network, everything))
        total.add(derivation.forward_steps(everything))
        if len(everything) > 1:
            total.add([derivation.error])
        error = total.compile([derivation.error.lhs])

    batches = [everything] if network.spec.mode == "batch" else [(s,) for s in everything]
    try:
        return _iterate(network, step, error, [_data_values(network, b) for b in batches], all_data, progress)
    except OverflowError:
        raise DivergenceError("learning_rate: training diverged (a value overflowed); try a smaller learning "
                              "rate or fewer iterations") from None


def _iterate(network: SymbolicNetwork, step: Callable, error: Callable, data: list, all_data: list,
             progress: Callable | None) -> Training:
    """Batch mode: each update also returns the error before it. Online: one update per sample."""
    batch_mode, total = network.spec.mode == "batch", network.spec.iterations
    state = [p.value for p in network.parameters]
    history, first, checked = [], None, None
    for iteration in range(1, network.spec.iterations + 1):
        if not batch_mode:
            history.append(_checked(error(*state, *all_data)[0], iteration))
        for batch_data in data:
            *state, before = step(*state, *batch_data)
            first = first or tuple(state)
        if batch_mode:
            history.append(_checked(before, iteration))
        if iteration == CHECKED_ITERATIONS:
            checked = tuple(state)
        if progress is not None and (iteration % PROGRESS_EVERY == 0 or iteration == total):
            progress(iteration, total)
    history.append(_checked(error(*state, *all_data)[0], network.spec.iterations))
    return Training(first, checked or tuple(state), tuple(state), tuple(history))


def _checked(value: float, iteration: int) -> float:
    if not math.isfinite(value):
        raise DivergenceError(f"learning_rate: training diverged by iteration {iteration} (the error became "
                              f"{value}); try a smaller learning rate or fewer iterations")
    return value
