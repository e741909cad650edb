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
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable

import mpmath

from ..errors import DivergenceError, SpecError
from .derive import Derivation
from .evaluate import BOUNDS, CODE, PRECISE_CODE_NAMESPACE, RAISING_CODE_NAMESPACE, evaluate_form
from .network import SymbolicNetwork
from .steps import Values

MAX_BITS = Values.MAX_BITS


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

    def compile(self, outputs: list) -> dict[str, Callable]:
        """The program twice: in floats, and with mpmath's functions for mpf arguments."""
        arguments = ", ".join(self.names[a] for a in self.args)
        results = ", ".join(self.names[o] for o in outputs)
        source = "\n".join([f"def program({arguments}):", *self.lines, f"    return ({results},)"])
        code = compile(source, "<symbackprop training program>", "exec")
        programs = {}
        for kind, functions in (("float", RAISING_CODE_NAMESPACE), ("exact", PRECISE_CODE_NAMESPACE)):
            namespace = dict(functions)
            exec(code, namespace)  # noqa: S102 - our own code: variable names and float literals only
            programs[kind] = namespace["program"]
        return programs


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


#: Lines of the compiled program times iterations up to which training runs in mpmath throughout (at
#: two precisions, compared); about 2 microseconds a line, 50 times a float's. Longer runs go in
#: floats, with their first HEAD_WORK lines' worth of iterations (at least CHECKED_ITERATIONS) also
#: run in mpmath to measure how far the floats drift (Mazur: 49 of 10,000).
EXACT_WORK = 30_000
HEAD_WORK = 3_000
#: A float run is kept where every witness of _float_run stays below this fraction of every value
#: (documents show 9 digits; the JSON promises 1e-9); otherwise the whole run is redone in mpmath, up
#: to EXACT_WORK_MOST lines (about 2 seconds a run), and beyond that refused.
DRIFT = 1e-11
EXACT_WORK_MOST = 1_000_000
#: Two runs in mpmath at b and 2b bits are taken to be exact where they agree to this fraction.
AGREEMENT = 2.0 ** -70


@dataclass(frozen=True)
class _Run:
    """One run of the loop: mpf numbers in an exact run, floats otherwise."""

    first: tuple  # the parameters after the first update
    checked: tuple  # after min(CHECKED_ITERATIONS, iterations) iterations
    final: tuple
    history: tuple


class _Loop:
    """The derivation compiled into one update step (and, in online mode, the total error), with the
    data each step takes; runs in floats or in mpmath at a given precision."""

    def __init__(self, network: SymbolicNetwork, derivation: Derivation):
        self.network = network
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
        self.step = update.compile(new_values + [error_of_update.lhs])
        self.batch_mode = network.spec.mode == "batch"
        batches = [everything] if self.batch_mode else [(s,) for s in everything]
        self.lines = len(update.lines) * len(batches)  # per iteration
        if self.batch_mode:  # the update step also returns the error of the state it starts from
            self.error = None
        else:
            total = _Program(parameters + _data_symbols(network, everything))
            total.add(derivation.forward_steps(everything))
            if len(everything) > 1:
                total.add([derivation.error])
            self.error = total.compile([derivation.error.lhs])
            self.lines += len(total.lines)
        self.data = [_data_values(network, b) for b in batches]
        self.start = [p.value for p in network.parameters]
        self.all_data = _data_values(network, everything)

    def run(self, iterations: int, bits: int | None = None, progress: Callable | None = None,
            start: list | None = None) -> _Run:
        """In floats, or with ``bits`` in mpmath; from the spec's parameters, or from ``start``."""
        kind = "float" if bits is None else "exact"
        number = float if bits is None else mpmath.mpf
        step, error = self.step[kind], self.error and self.error[kind]
        data = [[number(v) for v in d] for d in self.data]
        all_data = [number(v) for v in self.all_data]
        state = [number(v) for v in (self.start if start is None else start)]
        history, first, checked = [], None, None
        with mpmath.workprec(bits) if bits else nullcontext():
            for iteration in range(1, iterations + 1):
                if not self.batch_mode:
                    history.append(_checked(error(*state, *all_data)[0], iteration))
                for batch_data in data:
                    *state, before = step(*state, *batch_data)
                    first = first or tuple(state)
                if self.batch_mode:
                    history.append(_checked(before, iteration))
                if iteration == CHECKED_ITERATIONS:
                    checked = tuple(state)
                if progress is not None and (iteration % PROGRESS_EVERY == 0 or iteration == iterations):
                    progress(iteration, iterations)
            history.append(_checked((error or step)(*state, *(all_data if error else data[0]))[-1], iterations))
        return _Run(first, checked or tuple(state), tuple(state), tuple(history))


def train(network: SymbolicNetwork, derivation: Derivation, progress: Callable | None = None) -> Training:
    """``progress(done, total)`` is called every PROGRESS_EVERY iterations and at the end of a long
    run. Every value is exact to a float's precision: a short run goes in mpmath throughout; a long
    one in floats, kept only where three witnesses say floats hold it (_float_doubts), else redone in
    mpmath, or, beyond what that may cost, refused in one line."""
    loop, iterations = _Loop(network, derivation), network.spec.iterations
    try:
        if loop.lines * iterations <= EXACT_WORK:
            return _training(_exact_run(loop, iterations, derivation.bits))
        head = min(iterations, max(CHECKED_ITERATIONS, HEAD_WORK // loop.lines))
        exact = _exact_run(loop, head, derivation.bits)
        floats, doubt = _float_run(network, derivation, loop, exact, head, progress)
        if doubt is None:
            return _spliced(exact, floats, head)
        if loop.lines * iterations <= EXACT_WORK_MOST:
            return _training(_exact_run(loop, iterations, derivation.bits, progress))
        raise SpecError(f"iterations: {iterations} iterations of this network cannot be computed to every digit "
                        f"shown within the limits ({doubt}); use at most {EXACT_WORK_MOST // loop.lines} "
                        f"iterations, which run in exact arithmetic")
    except OverflowError:
        raise DivergenceError("learning_rate: training diverged (a value overflowed); try a smaller learning "
                              "rate or fewer iterations") from None


#: How far the start of the second float run is moved, relatively: a few roundings' worth.
NUDGE = 2.0 ** -50


def _float_run(network: SymbolicNetwork, derivation: Derivation, loop: _Loop, exact: _Run, head: int,
               progress: Callable | None) -> tuple[_Run | None, str | None]:
    """The whole run in floats, and why it cannot be kept (None if it can). Three witnesses: its drift
    from the exact run over the first ``head`` iterations, grown in proportion to the iterations; how
    far a second float run, started a few roundings away, ends from it (a ReLU crossing its kink one
    rounding later, or training that amplifies roundings); and the condition of the final error in
    floats (an output that has nearly reached its target keeps no digits of their difference)."""
    iterations = network.spec.iterations
    try:
        floats = loop.run(iterations, progress=progress)
        nudged = loop.run(iterations, start=[v * (1 + NUDGE * (-1) ** i) for i, v in enumerate(loop.start)])
    except (DivergenceError, ArithmeticError, ValueError):  # floats cannot hold what mpmath can (log of 1 - 1.0)
        return None, "a value leaves the float range: training diverges, or saturates beyond a float"
    drift = _drift(floats, exact, head) * iterations / head
    spread = _relative(_everything(nudged), _everything(floats))
    condition, saturation = (2.0 ** (bits - 53) for bits in _lost_bits(network, derivation, floats.final))
    for witness, what in ((drift, "double precision drifts by {} of a value"),
                          (spread, "one rounding more at the start moves the result by {} of a value"),
                          (condition, "the final error is a difference that double precision resolves to {} "
                                      "of its size"),
                          (saturation, "units saturate until double precision keeps {} of their slopes")):
        if not witness <= DRIFT:
            return floats, what.format("all" if not witness < 1 else f"{witness:.0e}")
    return floats, None


def _lost_bits(network: SymbolicNetwork, derivation: Derivation, parameters: tuple) -> tuple[float, float]:
    """The bits floats lose at ``parameters``: to cancellation in the total error (its scale over its
    size, evaluate.BOUNDS: an output that has nearly reached its target), and to saturation in the
    most saturated layer's slopes (the rule table's extra_bits: out(1 - out) of a sigmoid at net 30
    keeps 10 of a float's 53 bits), which the later updates are made of."""
    known = {key: (v, abs(v)) for key, v in network.given_values().items()}
    known.update({p.symbol: (v, abs(v)) for p, v in zip(network.parameters, parameters)})
    everything = tuple(range(1, network.sample_count + 1))
    for step in [*derivation.forward_steps(everything), *([derivation.error] if len(everything) > 1 else [])]:
        known.update(dict.fromkeys((step.lhs, *step.aliases), evaluate_form(step.forms[-1], BOUNDS, known)))
    value, scale = known[derivation.error.lhs]
    condition = scale / abs(value) if value else (math.inf if scale else 1.0)
    saturation = max(network.activation(layer)[0].extra_bits(
        [known[network.net(layer, j, s)][0] for j in range(1, network.widths[layer] + 1)])
        for layer in range(1, network.depth + 1) for s in everything)
    return math.log2(condition) if condition > 0 else 0.0, saturation


def _exact_run(loop: _Loop, iterations: int, bits: int, progress: Callable | None = None) -> _Run:
    """Runs at b and 2b bits (b: the derivation's precision and 32 more), doubling until two agree:
    training can saturate a unit further, or bring an output closer to its target, than the first
    update needed bits for."""
    bits += 32
    run = loop.run(iterations, bits, progress)
    while bits < MAX_BITS:
        finer = loop.run(iterations, 2 * bits, progress)
        if _relative(_everything(run), _everything(finer)) <= AGREEMENT:
            return finer
        run, bits = finer, 2 * bits
    return run


def _relative(ours, theirs) -> float:
    """The largest difference between two sequences of values, as a fraction of the second's."""
    return float(max((abs(x - y) / abs(y) if y else float(abs(x) > 0) for x, y in zip(ours, theirs)), default=0.0))


def _everything(run: _Run) -> list:
    return [*run.history, *run.first, *run.checked, *run.final]


def _drift(floats: _Run, exact: _Run, head: int) -> float:
    """How far the float run is from the exact one, which ran its first ``head`` iterations (the final
    parameters compared too where that is the whole run)."""
    drift = _relative([*floats.history[:head + 1], *floats.first, *floats.checked],
                      [*exact.history, *exact.first, *exact.checked])
    return max(drift, _relative(floats.final, exact.final)) if head == len(floats.history) - 1 else drift


def _training(run: _Run) -> Training:
    return Training(*(tuple(map(float, values)) for values in (run.first, run.checked, run.final, run.history)))


def _spliced(exact: _Run, floats: _Run, head: int) -> Training:
    """The exact run's first ``head`` iterations, then the float run's."""
    history = tuple(map(float, exact.history)) + floats.history[head + 1:]
    checked = exact.checked if head >= CHECKED_ITERATIONS else floats.checked
    return Training(tuple(map(float, exact.first)), tuple(map(float, checked)), floats.final, history)


def _checked(value: float, iteration: int) -> float:
    if not math.isfinite(value):
        raise DivergenceError(f"learning_rate: training diverged by iteration {iteration} (the error became "
                              f"{mpmath.nstr(mpmath.mpf(value), 3)}); try a smaller learning rate or fewer iterations")
    return value
