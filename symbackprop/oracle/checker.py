"""What a cross-check is: two computations of one number, a tolerance scaled to its magnitude, and a
verdict. A disagreement beyond the tolerance is a bug (exit status 3), so every tolerance is derived
from what rounding can do at the magnitudes involved (evaluate.BOUNDS), never a fixed absolute number.
"""

from __future__ import annotations

import math

from ..errors import VerificationError

#: Two computations in mpmath (the derivation, the numeric engine: both at 160 bits or more) agree to
#: this fraction of the scale of the terms a value was made from (evaluate.BOUNDS). Not to 2^-160: a
#: spec's decimals are floats, and a closed form such as softmax's δ = out − target assumes targets
#: that sum to 1, which 0.2 + 0.8 does as decimals and misses by 2^-54 as floats.
EXACT_TOLERANCE = 2.0 ** -50
#: ... and, each rounded to a float once at the end, to this fraction of the values themselves.
FLOAT_ROUNDING = 2.0 ** -50
#: ... and nothing below 2^-1060: where the normal floats end (2^-1022), floats keep ever fewer digits,
#: and a value of 10^-310 is no teaching number; two computations of it may round it apart.
SUBNORMAL = 2.0 ** -1060
#: Where a side runs in floats (the training loop's later iterations): this fraction of the scale.
TOLERANCE = 1e-10

METHOD_NAMES = {
    "numeric": "an independent numeric backpropagation in mpmath",
    "symbolic": "SymEngine's derivative of the full error expression",
    "finite": "central finite differences of the error",
    "closed": "the closed form of each output delta (the output minus the target)",
    "matrix": "the per-weight derivation (every entry of the matrix form)",
}


class Checker:
    """Counts checks, keeps the largest differences, stops at the first real disagreement."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.largest = 0.0
        self.largest_relative = 0.0

    def same(self, method: str, what: str, ours: float, theirs: float, tolerance: float, scale: float = 0.0) -> None:
        """Each side may be off by its last float rounding on top of ``tolerance``; the difference is
        kept relative to the values or to ``scale`` (what they were made from), the larger."""
        difference = float(abs(ours - theirs))
        size = float(max(abs(ours), abs(theirs)))
        # NaN: no estimate to judge by
        tolerance = math.inf if math.isnan(tolerance) else tolerance + FLOAT_ROUNDING * size + SUBNORMAL
        if not difference <= tolerance:
            raise VerificationError(
                f"internal check failed: {what} is {float(ours)!r} by the chain rule but {float(theirs)!r} by "
                f"{METHOD_NAMES[method]} (allowed difference {tolerance:.3g}); please report this bug")
        self.largest = max(self.largest, difference)
        if difference:
            self.largest_relative = max(self.largest_relative, difference / max(size, float(scale)))
        self.counts[method] = self.counts.get(method, 0) + 1


def rounding_tolerance(scale: float) -> float:
    """What rounding at the working precision can do to a value made of terms of size ``scale``."""
    return EXACT_TOLERANCE * scale
