"""What a SymPy symbol stands for.

Every symbol the engine creates is named after a :class:`Quantity` (``"weight|2|1|1|"``), so that
any expression can be printed in any notation by looking its symbols up, and so that the engine
never depends on how a notation spells things. Numbers shown inside a worked solution
(``0.15 * 0.05``) are symbols too, of kind ``num``: SymPy keeps them apart instead of multiplying
them out, and the printer formats them to the chosen precision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

@dataclass(frozen=True)
class Quantity:
    kind: str
    layer: int | None = None
    to: int | None = None  # neuron index (1-based) within ``layer``
    source: int | None = None  # neuron index (1-based) in the layer below, for weights
    sample: int | None = None  # 1-based, for per-sample values
    updated: bool = False  # a parameter after the first update step

    def name(self) -> str:
        fields = (self.layer, self.to, self.source, self.sample)
        text = "|".join("" if f is None else str(f) for f in fields)
        return f"{self.kind}{'+' if self.updated else ''}|{text}"

    def as_updated(self) -> "Quantity":
        return replace(self, updated=True)


def symbol(quantity: Quantity) -> sp.Symbol:
    return sp.Symbol(quantity.name(), real=True)


def quantity_of(sym: sp.Symbol) -> Quantity:
    kind, *fields = sym.name.split("|")
    updated = kind.endswith("+")
    numbers = [int(f) if f else None for f in fields]
    return Quantity(kind.rstrip("+"), *numbers, updated=updated)


def number(value: float, origin: str = "") -> sp.Symbol:
    """A number that stays as written inside an expression (see the module docstring).

    ``origin`` is the kind of quantity it stands in for, so a printer can still treat it as one
    (a notation that writes a*w rather than w*a must recognise the weight's number).
    """
    return sp.Symbol(f"num|{origin}|{value!r}", real=True)


def number_value(expr: sp.Expr) -> float | None:
    """The value of a number symbol; None for any other expression."""
    return float(expr.name.rsplit("|", 1)[1]) if expr.is_Symbol and expr.name.startswith("num|") else None


def number_origin(expr: sp.Symbol) -> str:
    return expr.name.split("|")[1]


#: Stands for the omitted middle of a long sum; printed as an ellipsis.
ELLIPSIS = sp.Symbol("dots|", real=True)


def generic(kind: str, index: str | None = None) -> sp.Symbol:
    """An unindexed quantity for the rules section (``out``, ``target_k``), labelled by the notation."""
    return sp.Symbol(f"generic|{kind}|{index or ''}", real=True)
