"""Realistic student sheets, written independently of the engine: a student who works one update of
a sigmoid network with the half squared error by hand, in decimal arithmetic (as a calculator does),
writing every value with K decimals: exactly (carrying full precision), rounded and carried, or cut
off and carried. One classic mistake may be planted at one place; everything after it follows from
it, as it does on a real sheet. Only the labels come from the engine (``labels``); every number is
computed here.

Used by test_students.py and by the class-grading benchmark (bench.py).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

#: The mistakes a student may plant: name -> the cause the checker must name.
CAUSES = {
    "sign": "sign flipped: (t - o) where -(t - o) belongs",
    "no_slope": "activation derivative left out",
    "net_for_out": "net input used where the output belongs",
    "added": "update added instead of subtracted",
    "no_rate": "learning rate left out",
    "out_slope": "out used in place of the activation's derivative (out for out(1 - out))",
    "swap_path": "two weights' indices swapped in a hidden path (w_jk used for w_kj)",
    "swap_forward": "two weights' indices swapped in the forward pass (w_jk used for w_kj)",
    "half_dropped": "the 1/2 of the squared error dropped",
    "half_added": "a 1/2 added to the squared error (or its 2 dropped)",
    "one_output": "a hidden neuron's error summed over one output only",
    "updated_hidden": "hidden deltas computed from already-updated weights",
    "swap_gradient": "two weights' indices swapped",
    "slip": "decimal slip (a factor of 10)",
    "transpose": "two adjacent digits transposed",
}
STYLES = ("exact", "round", "truncate")


def _sigmoid(x: Decimal) -> Decimal:
    return 1 / (1 + (-x).exp())


class Student:
    """One sheet: ``spec`` a one-sample, one-hidden-layer sigmoid network (a dict as the spec file
    has it, one shared bias per layer), ``labels`` (role, layer, to, from) -> label."""

    def __init__(self, spec: dict, labels: dict, digits: int, style: str, mistake: str | None = None,
                 compact: bool = False):
        self.spec, self.labels, self.digits, self.style = spec, labels, digits, style
        self.mistake, self.compact = mistake, compact
        self.sheet: dict[str, str] = {}
        self.planted: list[str] = []  # the labels where the planted mistake shows

    def write(self, key: tuple, value: Decimal, always: bool = False, plant: str | None = None,
              right: Decimal | None = None) -> Decimal:
        """Write ``value`` with the sheet's digits; return what the student carries on with. With
        ``plant``, this is where that mistake shows, unless it is written as ``right`` would be."""
        unit = Decimal(1).scaleb(-self.digits)
        with localcontext() as context:
            context.prec = 40
            rounding = ROUND_DOWN if self.style == "truncate" else ROUND_HALF_UP
            shown = value.quantize(unit, rounding=rounding)
            if plant == "slip":
                value, shown = value * 10, (value * 10).quantize(unit, rounding=rounding)
            if plant == "transpose":
                shown = _transposed(shown)
                value = shown
        if key in self.labels and (always or not self.compact or key[0] not in COMPACT_SKIPS):
            self.sheet[self.labels[key]] = f"{shown:f}"
            # a mistake that gives the right value, rounded or cut off (which a teacher accepts), does not show
            if plant is not None and (right is None or shown not in (right.quantize(unit, rounding=ROUND_HALF_UP),
                                                                     right.quantize(unit, rounding=ROUND_DOWN))):
                self.planted.append(self.labels[key])
        return value if self.style == "exact" else shown

    def work(self) -> dict[str, str]:
        with localcontext() as context:
            context.prec = 40
            self._work()
        return self.sheet

    def _work(self) -> None:
        spec, m = self.spec, self.mistake
        (hidden, output) = spec["layers"]
        x, t, eta = [Decimal(str(v)) for v in spec["inputs"]], [Decimal(str(v)) for v in spec["targets"]], \
            Decimal(str(spec["learning_rate"]))
        w1 = [[Decimal(str(v)) for v in row] for row in hidden["weights"]]
        w2 = [[Decimal(str(v)) for v in row] for row in output["weights"]]
        b1, b2 = Decimal(str(hidden["bias"])), Decimal(str(output["bias"]))
        net_h, out_h = [], []
        for j, row in enumerate(w1, start=1):
            net_h.append(self.write(("net", 1, j, None), sum(w * a for w, a in zip(row, x)) + b1))
            out_h.append(self.write(("out", 1, j, None), _sigmoid(net_h[-1])))
        net_o, out_o = [], []
        for j, row in enumerate(w2, start=1):
            transposed = m == "swap_forward" and j == 1  # W2 read as its transpose: w_kj for w_jk
            weights = [w2[k][j - 1] for k in range(len(out_h))] if transposed else row
            net_o.append(self.write(("net", 2, j, None), sum(w * a for w, a in zip(weights, out_h)) + b2,
                                    always=transposed, plant=m if transposed else None))
            out_o.append(self.write(("out", 2, j, None), _sigmoid(net_o[-1])))
        terms = [self.write(("term", 2, j, None), Decimal("0.5") * (t[j - 1] - o) ** 2)
                 for j, o in enumerate(out_o, start=1)]
        self.write(("error", None, None, None), sum(terms), always=True)
        deltas = []
        for j, (o, n) in enumerate(zip(out_o, net_o), start=1):
            first = j == 1
            slope_of = {"net_for_out": n * (1 - n), "out_slope": o, "no_slope": Decimal(1)}
            scale = {"half_dropped": 2, "half_added": Decimal("0.5")}.get(m, 1) if first else 1
            grad = self.write(("grad_out_output", 2, j, None), (t[j - 1] - o if first and m == "sign" else o - t[j - 1])
                              * scale, plant=m if first and m in ("sign", "half_dropped", "half_added") else None)
            planted_slope = first and m in slope_of
            if planted_slope and m == "no_slope":  # left out: not written at all
                slope = Decimal(1)
            else:
                slope = self.write(("slope", 2, j, None), slope_of[m] if planted_slope else o * (1 - o),
                                   plant=m if planted_slope else None)
            deltas.append(self.write(("delta", 2, j, None), grad * slope, always=True,
                                     plant=m if (first and m in ("no_slope", "slip", "transpose")) else None))
        updated = [row[:] for row in w2]
        gradients = {}
        for j, row in enumerate(w2, start=1):
            for k, w in enumerate(row, start=1):
                local = self.write(("local", 2, j, k), out_h[k - 1])
                gradients[(j, k)] = deltas[j - 1] * local
        for j, row in enumerate(w2, start=1):
            for k, w in enumerate(row, start=1):
                swapped = m == "swap_gradient" and (j, k) == (1, 2)
                g = self.write(("gradient", 2, j, k), gradients[(k, j)] if swapped else gradients[(j, k)],
                               always=True, plant=m if swapped else None)
                planted_update = (j, k) == (1, 1) and m in ("added", "no_rate")
                change = {"added": -eta * g, "no_rate": g}[m] if planted_update else eta * g
                updated[j - 1][k - 1] = self.write(("update", 2, j, k), w - change, always=True,
                                                   plant=m if planted_update else None)
        self.write(("gradient", 2, None, None), sum(deltas), always=True)
        use = updated if m == "updated_hidden" else w2
        for h in range(1, len(w1) + 1):
            contributions = []
            for j in range(1, len(w2) + 1):
                swap = m == "swap_path" and (h, j) == (1, 2)
                updated_here = m == "updated_hidden"
                path = self.write(("path", 2, j, h), use[h - 1][j - 1] if swap else use[j - 1][h - 1],
                                  plant=m if swap or updated_here else None, right=w2[j - 1][h - 1])
                contributions.append(self.write(("contribution", 2, j, h), deltas[j - 1] * path,
                                                plant=m if updated_here and self.compact else None))
            total = contributions[0] if m == "one_output" and h == 1 else sum(contributions)
            grad = self.write(("grad_out_hidden", 1, h, None), total, plant=m if m == "one_output" and h == 1 else None)
            slope = self.write(("slope", 1, h, None), out_h[h - 1] * (1 - out_h[h - 1]))
            delta = self.write(("delta", 1, h, None), grad * slope, always=True)
            for k, w in enumerate(w1[h - 1], start=1):
                local = self.write(("local", 1, h, k), x[k - 1])
                g = self.write(("gradient", 1, h, k), delta * local, always=True)
                self.write(("update", 1, h, k), w - eta * g, always=True)


#: Steps a compact sheet leaves out: it writes δ and the gradients as δ times the input.
COMPACT_SKIPS = ("term", "grad_out_output", "slope", "local", "path", "contribution", "grad_out_hidden")


def _transposed(shown: Decimal) -> Decimal:
    """The last two digits that differ, swapped (0.1385 -> 0.1358)."""
    text = f"{shown:f}"
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    for a, b in zip(reversed(digits[:-1]), reversed(digits[1:])):
        if text[a] != text[b] and b == a + 1:
            return Decimal(text[:a] + text[b] + text[a] + text[b + 1:])
    return shown


def labels_of(records) -> dict:
    """(role, layer, to, from) -> label, for the records a hand calculation writes."""
    return {(r.role or r.quantity, r.layer, r.to, r.source): r.label for r in records if r.step is not None}
