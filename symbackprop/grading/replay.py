"""Replays: the worked solution's steps evaluated in order with a student's own numbers.

Where a student gives a value, it stands for that quantity from then on; every other step is
evaluated from its recorded form by the one evaluator (engine/evaluate.py, in floats). A replay
also knows which values a wrong answer feeds (``tainted``), and diagnosis.py replays a mistake by
rewriting the steps' forms (``transform``).
"""

from __future__ import annotations

from ..engine.evaluate import FLOATS, evaluate_form
from ..engine.steps import carried
from ..solution import Solution
from .catalogue import GIVEN, Record
from .sheet import Answer

ROUNDED = "round"  # how a replay carries skipped values by default (a style of steps.carried)


def last_numbers(answers: list[Answer]) -> dict[int, float]:
    """The number each answered record is carried on with: the student's last one, by id(record)."""
    return {id(a.record): float(a.given) for a in answers if a.record is not None}


def replays(solution: Solution, records: list[Record], numbers: dict[int, float], transform=None,
            baseline: dict | None = None):
    """Each record in turn with the replay so far and its replayed value, computed from the student's
    ``numbers`` (last_numbers()) for the records before it; its own is taken in after it is yielded.
    ``baseline`` (see Replay) holds each record's value in the same replay without ``transform``."""
    replay = Replay(solution, transform, baseline=baseline)
    for record in records:
        value, _ = replay.step(record)
        yield record, replay, value
        if id(record) in numbers:
            replay.accept(record, numbers[id(record)], tainted=False)


def replay_until(solution: Solution, records: list[Record], answers: list[Answer], target: Record,
                 transform=None) -> tuple["Replay", float | None]:
    """Replay the steps before ``target`` with the student's numbers, and compute ``target``."""
    replay = None
    for record, replay, value in replays(solution, records, last_numbers(answers), transform):
        if record is target:
            return replay, value
    return replay, None


class Replay:
    """The worked solution's steps evaluated in order, with the student's numbers where given."""

    def __init__(self, solution: Solution, transform=None, digits: int | None = None, way: str = ROUNDED,
                 baseline: dict | None = None):
        self.solution = solution
        network = solution.network
        self.values = dict(network.given_values())
        self.tainted: set = set()
        self.transform = transform  # diagnosis.py replays a mistake by rewriting the steps' forms
        self.digits, self.way = digits, way  # carry each replayed value as a student would (carried())
        # id(record) -> its value in this replay without the transform. A step the transform leaves
        # alone, whose inputs are all as they were there, has that value: most steps of a rewrite.
        self.baseline = baseline
        self.differs: set = set()  # the quantities whose value is not the baseline's

    def step(self, record: Record) -> tuple[float | None, bool]:
        """The record's value from the values so far, and whether a wrong answer feeds it."""
        if record.quantity == GIVEN:
            return record.value, False
        if record.step is None:
            return self._history(record)
        original = record.step.forms[-1]
        form = original if self.transform is None else self.transform(record, original)
        inputs = self._inputs(form)
        if self.baseline is not None and form is original and not inputs & self.differs:
            value = self.baseline[id(record)]
        else:
            value = evaluate_form(form, FLOATS, self.values)
            if self.baseline is not None and value != self.baseline[id(record)]:
                self.differs.update(_names(record))
        tainted = bool(inputs & self.tainted)
        self.values.update(dict.fromkeys(_names(record), carried(value, self.digits, self.way)))
        if tainted:
            self.tainted.update(_names(record))
        return value, tainted

    def _inputs(self, form) -> set:
        """The known quantities a form uses; a derivative key counts as one, not through its parts."""
        found, stack = set(), [form]
        while stack:
            node = stack.pop()
            if node in self.values:
                found.add(node)
            else:
                stack.extend(node.args)
        return found

    def accept(self, record: Record, given: float, tainted: bool) -> None:
        """From here on, the student's own number stands for this quantity."""
        if record.step is None:
            return
        for name in _names(record):
            self.values[name] = given
            (self.tainted.add if tainted else self.tainted.discard)(name)
            self.differs.discard(name)

    def _history(self, record: Record) -> tuple[float | None, bool]:
        """The error before training is the total error; after one batch update, the error at the
        student's updated parameters. Later points cannot be replayed by hand."""
        network = self.solution.network
        if record.iteration == 0:
            lhs = self.solution.derivation.error.lhs
            return self.values[lhs], lhs in self.tainted
        if record.iteration == 1 and network.spec.mode == "batch":
            from ..oracle.numeric import NumericNetwork

            symbols = [p.updated_symbol if p.updated_symbol in self.values else p.symbol for p in network.parameters]
            numeric = NumericNetwork(network.spec)
            state = numeric.state_from([self.values[s] for s in symbols])
            return numeric.error(state), any(s in self.tainted for s in symbols)
        return None, False


def _names(record: Record) -> tuple:
    """Every key a later form may use for the record's quantity: its step's lhs and aliases."""
    return (record.step.lhs, *record.step.aliases)
