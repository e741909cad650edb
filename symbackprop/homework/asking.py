"""What an exercise asks: a choice of the worked solution's quantities (catalogue records).

``--ask`` names a set from ASKS, or lists labels as ``symbackprop labels`` prints them (any
spelling the checker reads: ``w5+`` for ``w_{5}^{+}``). The default is what a textbook asks: the
forward pass, the error, every δ and every updated parameter.
"""

from __future__ import annotations

from typing import Callable

from ..errors import SpecError
from ..grading.catalogue import Record, catalogue
from ..grading.naming import canonical
from ..solution import Solution


def _forward(r: Record, depth: int) -> bool:
    return r.quantity in ("net", "out", "error")


def _backward(output: bool | None) -> Callable[[Record, int], bool]:
    """δs, gradients and updates of the output layer (True), the hidden layers (False) or all (None)."""
    def asked(r: Record, depth: int) -> bool:
        if r.quantity not in ("delta", "gradient", "updated"):
            return False
        return output is None or (r.layer == depth) == output
    return asked


#: name -> (what it asks, in words; which records it asks)
ASKS: dict[str, tuple[str, Callable[[Record, int], bool]]] = {
    "forward": ("the forward pass: every net input and output, and the error", _forward),
    "output": ("the output layer's deltas, gradients and updated parameters", _backward(True)),
    "hidden": ("the hidden layers' deltas, gradients and updated parameters", _backward(False)),
    "updates": ("every updated parameter", lambda r, depth: r.quantity == "updated"),
    "all": ("the forward pass, the error, every delta and every updated parameter",
            lambda r, depth: _forward(r, depth) or r.quantity in ("delta", "updated")),
}
DEFAULT_ASK = "all"


def asked_records(solution: Solution, ask: str | list[str] = DEFAULT_ASK) -> list[Record]:
    """The records an exercise asks for, in the worked solution's order; SpecError names an unknown
    set or label."""
    records = [r for r in catalogue(solution) if r.quantity not in ("history", "out_final")]
    names = _split(ask) if isinstance(ask, str) else list(ask)
    if len(names) == 1 and names[0] in ASKS:
        rule = ASKS[names[0]][1]
        chosen = [r for r in records if rule(r, solution.network.depth)]
    else:
        by_key = {}
        for r in records:
            for label in (r.label, *r.aliases):
                by_key.setdefault(canonical(label), r)
        wanted = []
        for name in names:
            record = by_key.get(canonical(name))
            if record is None:
                raise SpecError(f"ask: {name!r} is neither {', '.join(ASKS)} nor a label of this spec "
                                f"(`symbackprop labels SPEC` lists them)")
            wanted.append(record)
        chosen = [r for r in records if any(r is w for w in wanted)]
    if not chosen:
        raise SpecError(f"ask: {ask!r} asks for nothing in this network (no hidden layer?)")
    return chosen


def _split(text: str) -> list[str]:
    """A comma list of labels; a comma inside braces belongs to a label (z_{1,2})."""
    names, depth, current = [], 0, ""
    for c in text:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if c == "," and depth == 0:
            names.append(current.strip())
            current = ""
        else:
            current += c
    names.append(current.strip())
    if not all(names):
        raise SpecError(f"ask: expected {', '.join(ASKS)} or a comma list of labels, found {text!r}")
    return names
