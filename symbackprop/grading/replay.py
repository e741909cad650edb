"""Replays: the worked solution's steps evaluated in order with a student's own numbers.

Where a student gives a value, it stands for that quantity from then on. Every other step is
evaluated along each of its *paths*: its forms and its equivalents (steps.Step), such as
dE/dout · dout/dnet · dnet/dw and δ · dnet/dw for one gradient. Each path is a candidate for what the
student computed, so the checker follows whichever grouping the sheet uses; a skipped value is
carried on from the path that uses most of what the student wrote. A replay also knows which wrong
answer each value follows from (``origin``), and diagnosis.py replays a mistake by rewriting the
paths (``rewrite``).

The paths are compiled once per solution by the one evaluator (engine/evaluate.py, arithmetic
``CODE``, the float functions of ``FLOATS``) into functions of a list of values, and every sheet graded
against that solution shares them (:class:`Plan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..engine.evaluate import CODE, CODE_NAMESPACE, evaluate_form
from ..engine.steps import carried
from ..solution import Solution
from .catalogue import GIVEN, Record
from .naming import Answer
from .written import written

ROUNDED = "round"  # how a replay carries skipped values by default (a style of steps.carried)


@dataclass(frozen=True)
class Path:
    run: Callable  # list of values (by Plan.index) -> float
    inputs: tuple[int, ...]  # the indices of the known quantities it reads


class Plan:
    """What replaying a solution needs, prepared once: every known quantity's index, each record's
    names and paths, compiled per rewrite (None: the worked solution as it is)."""

    def __init__(self, solution: Solution, records: list[Record]):
        self.solution, self.records = solution, records
        given = solution.network.given_values()
        keys = list(given)
        for step in solution.derivation.steps() + [r.step for r in records if r.step is not None]:
            keys += [step.lhs, *step.aliases]  # the catalogue's own steps (a change Δθ) too
        self.index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        self.keys = list(self.index)
        self.start = [given.get(key, math.nan) for key in self.keys]
        self.names = {id(r): tuple(self.index[k] for k in (r.step.lhs, *r.step.aliases))
                      for r in records if r.step is not None}
        self._code = {key: f"v[{i}]" for key, i in self.index.items()}
        self._paths: dict = {}  # rewrite -> {id(record): tuple[Path, ...]}

    def paths(self, record: Record, rewrite: Callable | None = None) -> tuple[Path, ...]:
        compiled = self._paths.get(rewrite)
        if compiled is None:
            compiled = self._paths[rewrite] = self._compile(rewrite)
        return compiled[id(record)]

    def _compile(self, rewrite: Callable | None) -> dict:
        """One module of lambdas, one per path of every record; a rewrite applied to each path form."""
        sources, owners = [], []
        for record in self.records:
            if record.step is None:
                continue
            names = {record.step.lhs, *record.step.aliases}
            plain = [form for form in path_forms(record.step) if form not in names]
            forms = plain if rewrite is None else [rewrite(record, form) for form in plain]
            for form, original in zip(forms, plain):
                code = self._source(original)  # a rewrite keeps the paths, one for one
                if code is not None:
                    code = code if form is original else (self._source(form) or code)
                    sources.append(code)
                    owners.append((id(record), self._inputs(form)))
        namespace = dict(CODE_NAMESPACE)
        exec(compile("PATHS = (" + ",\n".join(f"lambda v: {c}" for c in sources) + ",)",  # noqa: S102
                     "<symbackprop replay paths>", "exec"), namespace)
        compiled: dict = {id(r): () for r in self.records}
        for run, (owner, inputs) in zip(namespace["PATHS"], owners):
            compiled[owner] += (Path(run, inputs),)
        return compiled

    def _source(self, form) -> str | None:
        """A form's Python source; None if it reads something unknown (an ellipsis of a long sum)."""
        try:
            return evaluate_form(form, CODE, self._code)
        except TypeError:
            return None

    def _inputs(self, form) -> tuple[int, ...]:
        found, stack = set(), [form]
        while stack:
            node = stack.pop()
            if node in self.index:
                found.add(self.index[node])
            else:
                stack.extend(node.args)
        return tuple(sorted(found))


def path_forms(step) -> list:
    """The canonical last form first, then the other forms from specific to general, then the
    equivalents; a form twice is one path."""
    return list(dict.fromkeys([step.forms[-1], *reversed(step.forms[:-1]), *step.equivalents]))


class Replay:
    """The worked solution's steps evaluated in order, with the student's numbers where given; one
    way of carrying skipped values: exactly, or rounded (cut off) to ``digits`` decimals."""

    def __init__(self, plan: Plan, digits: int | None = None, way: str = ROUNDED, rewrite: Callable | None = None):
        self.plan, self.digits, self.way, self.rewrite = plan, digits, way, rewrite
        self.values = list(plan.start)
        self.origin: list = [None] * len(self.values)  # the label of the wrong answer a value follows from
        # when the latest number the student wrote that a value depends on was written (-1: none)
        self.latest = [-1] * len(self.values)
        self.clock = 0
        self.half_unit = [0.0] * len(self.values)  # half a unit of the last digit the student wrote

    def step(self, record: Record) -> list[tuple[float, Record | None, float]]:
        """Each path's value from the values so far, with the wrong answer it follows from (None if
        none) and its spread. Carried on is the value of the path that depends on the number the
        student wrote last (the canonical path where none does better): a student goes on from
        their newest numbers, a δ rather than the factors before it.

        The spread is how far the value moves when each number the student wrote moves by half a
        unit of its last digit (and each value made from them by its own spread): a student who
        carries more digits than they write computes a value anywhere in that range (exact replays
        only; a replay by hand carries what is written)."""
        if record.quantity == GIVEN:
            return [(record.value, None, 0.0)]
        if record.step is None:
            return [(*self._after_training(record), 0.0)]
        values, origin, latest = self.values, self.origin, self.latest
        results, best, newest = [], None, -2
        for path in self.plan.paths(record, self.rewrite):
            value = _run(path, values)
            source = next((origin[i] for i in path.inputs if origin[i] is not None), None)
            results.append((value, source, self._spread(path, value) if self.digits is None else 0.0))
            depends = max((latest[i] for i in path.inputs), default=-1)
            if depends > newest:
                best, newest = results[-1], depends
        if best is not None:
            kept = carried(best[0], self.digits, self.way)
            for i in self.plan.names[id(record)]:  # a carried value is as uncertain as what it was made from
                values[i], origin[i], latest[i], self.half_unit[i] = kept, best[1], newest, best[2]
        return results

    def _spread(self, path: Path, value: float) -> float:
        spread = 0.0
        for i in path.inputs:
            if self.half_unit[i]:
                kept = self.values[i]
                self.values[i] = kept + self.half_unit[i]
                spread += abs(_run(path, self.values) - value)
                self.values[i] = kept
        return spread if math.isfinite(spread) else 0.0

    def accept(self, record: Record, given: str, origin: Record | None) -> None:
        """From here on, the student's own number (as written) stands for this quantity; ``origin``
        is the wrong answer it follows from, if any."""
        if record.step is None:
            return
        number = written(given)
        value, half = float(number.number), float(number.unit) / 2
        self.clock += 1
        for i in self.plan.names[id(record)]:
            self.values[i], self.origin[i], self.latest[i], self.half_unit[i] = value, origin, self.clock, half

    def known(self) -> dict:
        """The values so far, by key (for printing a derivation with the student's numbers)."""
        return {key: value for key, value in zip(self.plan.keys, self.values) if not math.isnan(value)}

    def _after_training(self, record: Record) -> tuple[float | None, Record | None]:
        """The error before training is the total error. After one update, the outputs at the
        student's updated parameters; and the error there, after one batch update. Later points
        cannot be replayed by hand."""
        solution, plan = self.plan.solution, self.plan
        network = solution.network
        if record.quantity == "history" and record.iteration == 0:
            i = plan.index[solution.derivation.error.lhs]
            return self.values[i], self.origin[i]
        if record.iteration != 1 or (record.quantity == "history" and network.spec.mode != "batch"):
            return None, None
        indices = [plan.index.get(p.updated_symbol, plan.index[p.symbol]) for p in network.parameters]
        numeric = solution.numeric
        try:
            state = numeric.state_from([self.values[i] for i in indices])
            if record.quantity == "history":
                value = numeric.error(state)
            else:
                value = numeric.forward(state, numeric.samples[record.sample - 1][0])[1][-1][record.to - 1]
        except (OverflowError, ZeroDivisionError, ValueError):
            value = math.nan
        return value, next((self.origin[i] for i in indices if self.origin[i] is not None), None)


def _run(path: Path, values: list) -> float:
    try:
        return float(path.run(values))
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan


def last_numbers(answers: list[Answer]) -> dict[int, str]:
    """The number each answered record is carried on with: the student's last one, by id(record)."""
    return {id(a.record): a.number for a in answers if a.record is not None}


def replay_until(plan: Plan, answers: list[Answer], target: Record) -> tuple[Replay, list]:
    """Replay the steps before ``target`` with the student's numbers; ``target``'s path values."""
    numbers, replay = last_numbers(answers), Replay(plan)
    for record in plan.records:
        results = replay.step(record)
        if record is target:
            return replay, results
        if id(record) in numbers:
            replay.accept(record, numbers[id(record)], None)
    return replay, []
