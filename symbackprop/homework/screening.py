"""Screening: rules a drawn variant must pass to be worth a student's time.

A variant is rejected when it would teach nothing or mislead: a neuron whose derivative is
(almost) zero, an answer that the sheet's precision hides or cannot tell from another, a step that
does not lower the error. The rules are a table (name -> what it rejects, the test); ``--allow
RULE`` switches one off. Each test reads the independent numeric engine's values (net inputs,
outputs) or the asked records' values, which verify.py has checked against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..errors import SpecError
from ..grading.catalogue import Record
from ..solution import Solution

#: |net| beyond which an activation counts as saturated: its derivative is under 1/14 of its largest
#: (sigmoid'(4) = 0.018 of 0.25; tanh'(2.5) = 0.027 of 1).
SATURATION = {"sigmoid": 4.0, "tanh": 2.5}
SOFTMAX_MARGIN = 1e-3  # a softmax output this close to 0 or 1 says "certain" and leaves nothing to learn
SIGNIFICANT_DIGITS = 2  # an asked value shows at least this many at the sheet's precision


@dataclass(frozen=True)
class Candidate:
    """What the rules look at: a variant's solution, its asked records, the sheet's decimals."""

    solution: Solution
    asked: list[Record]
    digits: int

    def nets(self, activations: tuple[str, ...]):
        """(layer, neuron, every sample's net input) of each neuron whose activation is among ``activations``."""
        traces, layers = self.solution.reference.initial_traces, self.solution.spec.layers
        for l, layer in enumerate(layers, start=1):
            if layer.activation in activations:
                for j in range(layer.width):
                    yield l, j + 1, [trace.nets[l][j] for trace in traces]


def _relu_dead_or_kink(c: Candidate) -> bool:
    """A leaky ReLU is never dead (its slope below 0 is alpha), but its kink is as undefined."""
    dead = any(all(n <= 0 for n in nets) for _, _, nets in c.nets(("relu",)))
    return dead or any(0.0 in nets for _, _, nets in c.nets(("relu", "leaky_relu")))


def _saturated(c: Candidate) -> bool:
    layers = c.solution.spec.layers
    return any(abs(n) > SATURATION[layers[l - 1].activation] for l, _, nets in c.nets(tuple(SATURATION))
               for n in nets)


def _few_digits(c: Candidate) -> bool:
    """An exact 0 (a ReLU's output below its kink, and its delta) is no flaw: it is what it is."""
    smallest = 10.0 ** (SIGNIFICANT_DIGITS - 1 - c.digits)  # 0.0010 at 4 decimals: two digits, "10"
    return any(abs(round(r.value, c.digits)) < smallest for r in c.asked if r.value != 0)


def _equal_values(c: Candidate) -> bool:
    """Two asked values that the sheet prints alike but differ (E_o1 = E_total with one output is no flaw)."""
    seen: dict[float, float] = {}
    for r in c.asked:
        shown = round(r.value, c.digits) + 0.0
        if shown in seen and not math.isclose(seen[shown], r.value, rel_tol=1e-12, abs_tol=1e-300):
            return True
        seen.setdefault(shown, r.value)
    return False


def _unchanged(c: Candidate) -> bool:
    """A parameter that cannot move (a softmax layer's shared bias: its deltas sum to 0) is no flaw."""
    initial = {(p.quantity.layer, p.quantity.to, p.quantity.source): p.value for p in c.solution.network.parameters}
    for r in c.asked:
        if r.quantity == "updated":
            before = initial[(r.layer, r.to, r.source)]
            moved = not math.isclose(r.value, before, rel_tol=1e-12, abs_tol=1e-12)
            if moved and round(r.value, c.digits) == round(before, c.digits):
                return True
    return False


def _error_not_falling(c: Candidate) -> bool:
    history = c.solution.training.history
    return len(history) > 1 and history[1] >= history[0]


def _softmax_extreme(c: Candidate) -> bool:
    if c.solution.spec.layers[-1].activation != "softmax":
        return False
    outs = [o for trace in c.solution.reference.initial_traces for o in trace.outs[-1]]
    return any(o < SOFTMAX_MARGIN or o > 1 - SOFTMAX_MARGIN for o in outs)


#: name -> (what it rejects, the test: True when the candidate breaks the rule)
RULES: dict[str, tuple[str, Callable[[Candidate], bool] | None]] = {
    "relu_dead": ("a ReLU neuron with a net input of at most 0 for every sample, or exactly 0 (its kink)",
                  _relu_dead_or_kink),
    "saturated": (f"a sigmoid neuron with |net| > {SATURATION['sigmoid']:g} or a tanh neuron with "
                  f"|net| > {SATURATION['tanh']:g} (a derivative near 0)", _saturated),
    "few_digits": (f"an asked value that shows as 0 or with fewer than {SIGNIFICANT_DIGITS} significant digits "
                   f"at the sheet's precision (an exact 0, as a ReLU gives, is no flaw)", _few_digits),
    "equal_values": ("two asked values that differ but are equal at the sheet's precision", _equal_values),
    "unchanged": ("an updated parameter that moves but shows as its initial value at the sheet's precision",
                  _unchanged),
    "error_not_falling": ("an error that does not fall after the first update", _error_not_falling),
    "softmax_extreme": (f"a softmax output within {SOFTMAX_MARGIN:g} of 0 or 1", _softmax_extreme),
    # seen while solving, before there is a candidate (variants.py): no test here
    "diverges": ("training that overflows (the drawn learning rate over the spec's iterations)", None),
}
DIVERGES = "diverges"


def broken_rules(candidate: Candidate, allowed: tuple[str, ...] = ()) -> list[str]:
    """The rules (not ``allowed``) that ``candidate`` breaks, in table order."""
    return [name for name, (_, test) in RULES.items() if test and name not in allowed and test(candidate)]


def check_allowed(allowed) -> tuple[str, ...]:
    unknown = [name for name in allowed if name not in RULES]
    if unknown:
        raise SpecError(f"allow: {unknown[0]!r} is not a screening rule; the rules are {', '.join(RULES)}")
    return tuple(allowed)
