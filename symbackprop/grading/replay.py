"""Stage 2 of a check: every way a student can reach each value, from the sheet's own numbers.

The worked solution's steps are evaluated in order, the student's numbers standing for their
quantities from where they are written on. Every step is evaluated along each of its *paths*: its
forms and its equivalents (steps.Step), such as dE/dout · dout/dnet · dnet/dw and δ · dnet/dw for
one gradient, so the checker follows whichever grouping the sheet uses; a skipped value is carried
on from the path that uses most of what the student wrote. And in each *way* a student works by
hand: carrying skipped values exactly, or rounded (or cut off) to each number of decimals the
sheet writes; a way that carries digits also rounds e^z before dividing, as a student with a
calculator writes 1.13 / 3.18.

The result is a :class:`Table`: each record's candidate values, each with the student's numbers it
was made from (``depends``, a bit per answered record). It is built once per sheet, and once per
mistake diagnose.py tries (``rewrite``), and depends on nothing but the sheet: judge.py decides
what is right, and which wrong answer a value follows from.

The paths are compiled once per solution by the one evaluator (engine/evaluate.py, arithmetic
``CODE``, the float functions of ``FLOATS``) into functions of a list of values, and every sheet graded
against that solution shares them (:class:`Plan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

from ..engine.evaluate import CODE, CODE_NAMESPACE, evaluate_form
from ..engine.steps import carried
from ..solution import Solution
from .catalogue import GIVEN, Record
from .naming import Answer
from .written import to_decimal, written

ROUNDED, CUT_OFF = "round", "truncate"  # how a student carries a value by hand (styles of steps.carried)
MAX_HAND_DIGITS = 20  # carrying more decimals by hand than a float holds is not a way of working
_EXPONENTIALS = ("_exp", "_softmax")  # the functions of a path a student works out on a calculator first


@dataclass(frozen=True)
class Way:
    """How a student carries the values they skip: exactly (digits None), rounded, or cut off; and
    whether e^z is rounded the same way before it is divided (``early``)."""

    digits: int | None = None
    style: str = ROUNDED
    early: bool = False

    @property
    def note(self) -> str:
        if self.digits is None:
            return "follows from your own earlier values"
        carried_ = "cut off at" if self.style == CUT_OFF else "carried with"
        early = f", e^z {'cut off' if self.style == CUT_OFF else 'rounded'} before dividing" if self.early else ""
        return f"follows from your earlier values {carried_} {self.digits} decimals{early}"

    def fits(self, places: int) -> bool:
        """A way of reaching a number written with ``places`` decimals: carrying fewer digits than
        the student writes for the value itself is not rounding, it is a mistake."""
        return self.digits is None or self.digits >= places


class Candidate(NamedTuple):
    value: float
    depends: int  # the answered records it is made from: bit i for plan.records[i]
    spread: float  # how far it moves when the numbers written move by half a unit (Replay.step)
    way: Way


Table = dict  # id(record) -> list[Candidate]


def ways_of(answers: list[Answer]) -> list[Way]:
    """Exactly, and by hand at each number of decimals written; cut off only if the sheet cuts a
    number off somewhere (each way explains more numbers, so it needs evidence)."""
    digits = {min(max(written(a.number).places, 0), MAX_HAND_DIGITS) for a in answers if a.record is not None}
    styles = (ROUNDED, CUT_OFF) if cut_off(answers) else (ROUNDED,)
    return [Way()] + [Way(k, style) for style in styles for k in sorted(digits)]


def cut_off(answers: list[Answer]) -> set[str]:
    """The numbers of the sheet that are their exact value cut off, not rounded."""
    return {a.number for a in answers if a.record is not None and written(a.number).truncates(to_decimal(a.record.value))
            and not written(a.number).rounds(to_decimal(a.record.value))}


class Path(NamedTuple):
    run: Callable  # list of values (by Plan.index) [, exp, softmax] -> float
    inputs: tuple[int, ...]  # the indices of the known quantities it reads
    exponential: bool  # it computes an e^z (a sigmoid, a softmax)


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
        self.bits = {id(r): 1 << i for i, r in enumerate(records)}
        self._code = {key: f"v[{i}]" for key, i in self.index.items()}
        self._paths: dict = {}  # rewrite -> {id(record): tuple[Path, ...]}

    def paths(self, record: Record, rewrite: Callable | None = None) -> tuple[Path, ...]:
        compiled = self._paths.get(rewrite)
        if compiled is None:
            compiled = self._paths[rewrite] = self._compile(rewrite)
        return compiled[id(record)]

    def _compile(self, rewrite: Callable | None) -> dict:
        """One module of lambdas, one per path of every record; a rewrite applied to each path form.
        The float functions are parameters with defaults, so a replay may pass rounding ones."""
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
                    sources.append(code if form is original else (self._source(form) or code))
                    exponential = any(f"{name}(" in code for name in _EXPONENTIALS)
                    owners.append((id(record), self._inputs(form), exponential))
        namespace = dict(CODE_NAMESPACE)
        defaults = ", ".join(f"{name}={name}" for name in _EXPONENTIALS)
        exec(compile("PATHS = (" + ",\n".join(f"lambda v, {defaults}: {c}" for c in sources) + ",)",  # noqa: S102
                     "<symbackprop replay paths>", "exec"), namespace)
        compiled: dict = {id(r): () for r in self.records}
        for run, (owner, inputs, exponential) in zip(namespace["PATHS"], owners):
            compiled[owner] += (Path(run, inputs, exponential),)
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


def replay(plan: Plan, answers: list[Answer], ways: list[Way], rewrite: Callable | None = None,
           until: int | None = None) -> Table:
    """Every record's candidates (the first ``until`` records'), in every way, the student's last
    number for each answered record carried on from where it stands."""
    numbers, records = last_numbers(answers), plan.records[:until]
    table: Table = {id(r): [] for r in records}
    for way in ways:
        replayed = Replay(plan, way, rewrite)
        for record in records:
            table[id(record)] += replayed.step(record)
            if id(record) in numbers:
                replayed.accept(record, numbers[id(record)])
    return table


class Replay:
    """The worked solution's steps evaluated in order in one way, with the student's numbers where
    given."""

    def __init__(self, plan: Plan, way: Way = Way(), rewrite: Callable | None = None):
        self.plan, self.way, self.rewrite = plan, way, rewrite
        self.values = list(plan.start)
        self.depends = [0] * len(self.values)  # the answered records each value is made from
        # when the latest number the student wrote that a value depends on was written (-1: none)
        self.latest = [-1] * len(self.values)
        self.clock = 0
        self.half_unit = [0.0] * len(self.values)  # half a unit of the last digit the student wrote
        self.early = _early_functions(way) if way.digits is not None else None
        self.early_way = Way(way.digits, way.style, early=True)

    def step(self, record: Record) -> list[Candidate]:
        """Each path's value from the values so far, and (by hand) each exponential path's with e^z
        rounded first. Carried on is the value of the path that depends on the number the student
        wrote last (the canonical path where none does better): a student goes on from their newest
        numbers, a δ rather than the factors before it.

        The spread is how far the value moves when each number the student wrote moves by half a
        unit of its last digit (and each value made from them by its own spread): a student who
        carries more digits than they write computes a value anywhere in that range (exact replays
        only; a replay by hand carries what is written)."""
        if record.quantity == GIVEN:
            return [Candidate(record.value, 0, 0.0, self.way)]
        if record.step is None:
            return [Candidate(*self._after_training(record), 0.0, self.way)]
        values, depends, latest = self.values, self.depends, self.latest
        results, best, newest = [], None, -2
        for path in self.plan.paths(record, self.rewrite):
            value = _run(path, values)
            made_from = 0
            for i in path.inputs:
                made_from |= depends[i]
            plain = Candidate(value, made_from, self._spread(path, value) if self.way.digits is None else 0.0, self.way)
            results.append(plain)
            if path.exponential and self.early is not None:
                results.append(Candidate(_run(path, values, *self.early), made_from, 0.0, self.early_way))
            found = max((latest[i] for i in path.inputs), default=-1)
            if found > newest:
                best, newest = plain, found
        if best is not None:
            kept = carried(best.value, self.way.digits, self.way.style)
            for i in self.plan.names[id(record)]:  # a carried value is as uncertain as what it was made from
                values[i], depends[i], latest[i], self.half_unit[i] = kept, best.depends, newest, best.spread
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

    def accept(self, record: Record, given: str) -> None:
        """From here on, the student's own number (as written) stands for this quantity."""
        if record.step is None:
            return
        number = written(given)
        value, half = float(number.number), float(number.unit) / 2
        self.clock += 1
        bit = self.plan.bits[id(record)]
        for i in self.plan.names[id(record)]:
            self.values[i], self.depends[i], self.latest[i], self.half_unit[i] = value, bit, self.clock, half

    def known(self) -> dict:
        """The values so far, by key (for printing a derivation with the student's numbers)."""
        return {key: value for key, value in zip(self.plan.keys, self.values) if not math.isnan(value)}

    def _after_training(self, record: Record) -> tuple[float, int]:
        """The error before training is the total error. After one update, the outputs at the
        student's updated parameters; and the error there, after one batch update. Later points
        cannot be replayed by hand."""
        solution, plan = self.plan.solution, self.plan
        network = solution.network
        if record.quantity == "history" and record.iteration == 0:
            i = plan.index[solution.derivation.error.lhs]
            return self.values[i], self.depends[i]
        if record.iteration != 1 or (record.quantity == "history" and network.spec.mode != "batch"):
            return math.nan, 0
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
        made_from = 0
        for i in indices:
            made_from |= self.depends[i]
        return value, made_from


def _early_functions(way: Way) -> tuple[Callable, Callable]:
    """exp and softmax as a student computes them by hand: each e^z rounded (or cut off) to the
    way's digits, then divided (a softmax by the sum of the rounded e^z, not shifted)."""
    def exp(x: float) -> float:
        try:
            return carried(math.exp(x), way.digits, way.style)
        except OverflowError:
            return math.inf

    def softmax(k: float, *nets: float) -> float:
        total = sum(exp(n) for n in nets)
        return exp(k) / total if total else math.nan

    return exp, softmax


def _run(path: Path, values: list, *functions) -> float:
    try:
        return float(path.run(values, *functions))
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan


def last_numbers(answers: list[Answer]) -> dict[int, str]:
    """The number each answered record is carried on with: the student's last one, by id(record)."""
    return {id(a.record): a.number for a in answers if a.record is not None}


def replay_until(plan: Plan, answers: list[Answer], target: Record) -> tuple[Replay, list[Candidate]]:
    """Replay the steps before ``target`` exactly, with the student's numbers; ``target``'s candidates."""
    numbers, replayed = last_numbers(answers), Replay(plan)
    for record in plan.records:
        results = replayed.step(record)
        if record is target:
            return replayed, results
        if id(record) in numbers:
            replayed.accept(record, numbers[id(record)])
    return replayed, []
