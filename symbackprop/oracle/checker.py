"""What a cross-check is: two computations of one number, a tolerance scaled to its magnitude, and a
verdict. A disagreement beyond the tolerance is a bug (exit status 3), so every tolerance is derived
from what rounding can do at the magnitudes involved (evaluate.BOUNDS), never a fixed absolute number.
"""

from __future__ import annotations

import math

from ..errors import VerificationError

#: Two exact float computations of a value agree to this fraction of its scale (evaluate.BOUNDS).
#: Rounding costs about 1e-16 of the scale per operation; a bug costs far more than 1e-10.
TOLERANCE = 1e-10

METHOD_NAMES = {
    "numeric": "an independent numeric backpropagation in plain floats",
    "sympy": "sympy.diff of the full error expression",
    "finite": "central finite differences of the error",
    "closed": "the closed form of each output delta (out - target)",
    "matrix": "the per-weight derivation (every entry of the matrix form)",
}


class Checker:
    """Counts checks, keeps the largest differences, stops at the first real disagreement."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.largest = 0.0
        self.largest_relative = 0.0

    def same(self, method: str, what: str, ours: float, theirs: float, tolerance: float,
             scale: float | None = None) -> None:
        """``scale`` is the size of the numbers compared (default: what the tolerance is a fraction of)."""
        difference = abs(ours - theirs)
        tolerance = math.inf if math.isnan(tolerance) else tolerance  # no estimate: nothing to judge by
        if not difference <= tolerance:
            raise VerificationError(
                f"internal check failed: {what} is {ours!r} by the chain rule but {theirs!r} by "
                f"{METHOD_NAMES[method]} (allowed difference {tolerance:.3g}); please report this bug")
        self.largest = max(self.largest, difference)
        scale = tolerance / TOLERANCE if scale is None else scale
        if difference:
            self.largest_relative = max(self.largest_relative, difference / scale)
        self.counts[method] = self.counts.get(method, 0) + 1


def rounding_tolerance(scale: float) -> float:
    return TOLERANCE * scale
