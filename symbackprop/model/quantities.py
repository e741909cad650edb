"""What a SymPy symbol stands for, carried by the symbol itself.

Every symbol the engine creates is a :class:`QuantitySymbol` holding its :class:`Quantity`, so that
any expression can be printed in any notation by asking its symbols what they are, and so that the
engine never depends on how a notation spells things. Numbers shown inside a worked solution
(``0.15 * 0.05``) are symbols too (:class:`ShownNumber`): SymPy keeps them apart instead of
multiplying them out, and the printer formats them to the chosen precision. A symbol's name only
makes it unique; nothing reads it back.
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
    change: bool = False  # a parameter's change in the first update, Δθ = θ⁺ − θ

    def name(self) -> str:
        """A unique, readable name (for SymPy's identity of symbols and for messages)."""
        fields = (self.layer, self.to, self.source, self.sample)
        text = "|".join("" if f is None else str(f) for f in fields)
        return f"{'Δ' if self.change else ''}{self.kind}{'+' if self.updated else ''}|{text}"

    def as_updated(self) -> "Quantity":
        return replace(self, updated=True)

    def as_change(self) -> "Quantity":
        return replace(self, change=True)


class QuantitySymbol(sp.Symbol):
    """A symbol that knows the quantity it stands for (SymPy caches one object per quantity)."""

    __slots__ = ("quantity",)

    def __new__(cls, quantity: Quantity):
        obj = super().__new__(cls, quantity.name(), real=True)
        obj.quantity = quantity
        return obj

    def __getnewargs_ex__(self):  # pickle and deepcopy call __new__ with these (SymPy's: name, assumptions)
        return (self.quantity,), {}


def symbol(quantity: Quantity) -> QuantitySymbol:
    return QuantitySymbol(quantity)


class QuantityMatrix(sp.MatrixSymbol):
    """A layer's vector or matrix (W^l, z^l, δ^l; one column per sample) that knows what it stands for.

    Its quantity's kind is a key of the notations' matrix formats (notation.MATRIX_FORMATS)."""

    __slots__ = ("quantity",)

    def __new__(cls, quantity: Quantity, rows: int, columns: int):
        obj = super().__new__(cls, quantity.name(), rows, columns)
        obj.quantity = quantity
        return obj

    def __getnewargs_ex__(self):
        return (self.quantity, *self.shape), {}


def kind_of(expr) -> str | None:
    """The kind of quantity ``expr`` stands for; None if it is not a quantity's symbol."""
    return expr.quantity.kind if isinstance(expr, QuantitySymbol) else None


class ShownNumber(sp.Symbol):
    """A number that stays as written inside an expression (see the module docstring).

    ``origin`` is the kind of quantity it stands in for, so a printer can still treat it as one
    (a notation that writes a*w rather than w*a must recognise the weight's number).
    """

    __slots__ = ("value", "origin")

    def __new__(cls, value: float, origin: str = ""):
        obj = super().__new__(cls, f"num|{origin}|{value!r}", real=True)
        obj.value, obj.origin = value, origin
        return obj

    def __getnewargs_ex__(self):
        return (self.value, self.origin), {}


def number(value: float, origin: str = "") -> ShownNumber:
    return ShownNumber(value, origin)


def number_value(expr) -> float | None:
    """The value of a shown number; None for any other expression."""
    return expr.value if isinstance(expr, ShownNumber) else None


class GenericSymbol(sp.Symbol):
    """An unindexed quantity for the rules section (``out``, ``target_k``, the updated ``w``),
    labelled by the notation."""

    __slots__ = ("kind", "index", "updated")

    def __new__(cls, kind: str, index: str = "", updated: bool = False):
        obj = super().__new__(cls, f"generic|{kind}|{index}|{'+' if updated else ''}", real=True)
        obj.kind, obj.index, obj.updated = kind, index, updated
        return obj

    def __getnewargs_ex__(self):
        return (self.kind, self.index, self.updated), {}


def generic(kind: str, index: str | None = None, updated: bool = False) -> GenericSymbol:
    return GenericSymbol(kind, index or "", updated)


class Dots(sp.Symbol):
    """Stands for the omitted middle of a long sum; printed as an ellipsis."""

    __slots__ = ()

    def __new__(cls):
        return super().__new__(cls, "dots|", real=True)


ELLIPSIS = Dots()
