"""How far a numeric answer may be from the exact value: as far as a student who works by hand lands.

A student rounds every intermediate value to the sheet's decimals and carries it on (the
derivation redone with carried rounding, derive.py), or rounds only the answer; the tolerance
accepts the farthest of these, and a tenth of a last digit more, so that no accepted value sits on
its edge. Moodle's Cloze gaps and Canvas's numerical questions use the same tolerances.
"""

from __future__ import annotations

import math

from ..engine.derive import derive
from ..engine.steps import carried

MARGIN = 0.1  # of the last asked digit, added to every tolerance: no accepted value on its edge


def plain(value: float, decimals: int) -> str:
    """A plain decimal with a point, never an exponent, never "-0"."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def tolerance(exact: float, by_hand: list[float], digits: int) -> float:
    """What a gap accepts around ``exact``: the farthest of the values a student reaches by hand
    (``by_hand``), or half a last digit for one who rounds only the answer, whichever is larger,
    plus MARGIN of a last digit; rounded up to three digits beyond the asked ones."""
    unit = 10.0 ** -digits
    needed = max([abs(value - exact) for value in by_hand] + [unit / 2]) + MARGIN * unit
    scale = 10 ** (digits + 3)
    return math.ceil(needed * scale) / scale


def hand_values(solution, digits: int) -> dict:
    """Every value a student reaches who rounds each intermediate to ``digits`` decimals and carries
    it on, by symbol. The derivation's own path (derive.py with carried rounding), and for an
    updated parameter the other paths a sheet invites: its gradient as the document's chain of
    factors or as a step's equivalent (δ·out, with the δ the sheet asks for), and θ − η·g rounded
    once or with the change Δθ = −η·g rounded first (sheets print Δθ too)."""
    values = derive(solution.network, digits).values
    reached = {symbol: [value] for symbol, value in values.items()}
    rate = solution.spec.learning_rate
    for layer in solution.derivation.backward:
        for p in layer.parameters:
            if p.update is None:
                continue
            gradients = [values[p.gradient.lhs]] + [carried(float(form.xreplace(values)), digits)
                                                    for form in p.gradient.equivalents]
            for g in dict.fromkeys(gradients):
                reached[p.update.lhs] += [carried(p.parameter.value - rate * g, digits),
                                          carried(p.parameter.value + carried(-rate * g, digits), digits)]
    return reached


def answers(sheet) -> list[tuple]:
    """(asked record, tolerance) per asked quantity of an exercise, in the sheet's order."""
    reached = hand_values(sheet.solution, sheet.digits)
    made = []
    for r in sheet.asked:
        by_hand = reached.get(r.step.lhs, [r.value]) if r.step is not None else [r.value]  # after training: none
        made.append((r, tolerance(r.value, by_hand, sheet.digits)))
    return made
