"""Realistic student sheets for classification networks, written independently of the engine (as
students.py writes them for Mazur's network): the built-in ``softmax`` example (ReLU, softmax,
cross-entropy) and ``bce`` example (tanh, sigmoid, binary cross-entropy averaged over four samples,
batch), worked by hand in decimal arithmetic through the output layer's updates, every value written
with K decimals, exactly, rounded or cut off. One classic mistake may be planted; everything after it
follows from it. Only the labels come from the engine.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sympy as sp

from students import Student

#: The mistakes a student may plant on a classification sheet: name -> the cause the checker must name.
CLASSIFICATION_CAUSES = {
    "minus_t": ("softmax", "-t where -t/a belongs (the logarithm's derivative 1/a left out)"),
    "log10": ("softmax", "log base 10 used where the natural logarithm belongs"),
    "denominator": ("softmax", "a softmax denominator missing one of its terms"),
    "early_exp": ("softmax", "e^z rounded too early: to 2 decimals, fewer than the answer has"),
    "no_negative": ("bce", "binary cross-entropy without its (1 - t) ln(1 - a) term"),
    "summed": ("bce", "a batch gradient summed over the samples where their mean belongs"),
}
_TEN = Decimal(10)


def _tanh(x: Decimal) -> Decimal:
    return ((2 * x).exp() - 1) / ((2 * x).exp() + 1)


class Classifier(Student):
    """One sheet of ``spec`` (the example's dict), ``labels`` (role, layer, to, from, sample) -> label."""

    def _work(self) -> None:
        samples = self.spec.get("samples") or [{"inputs": self.spec["inputs"], "targets": self.spec["targets"]}]
        (hidden, output) = self.spec["layers"]
        self.eta = Decimal(str(self.spec["learning_rate"]))
        self.w1 = [[Decimal(str(v)) for v in row] for row in hidden["weights"]]
        self.w2 = [[Decimal(str(v)) for v in row] for row in output["weights"]]
        self.b1 = [Decimal(str(v)) for v in hidden["bias"]]
        self.b2 = [Decimal(str(v)) for v in output["bias"]]
        deltas, hiddens = [], []
        for s, sample in enumerate(samples, start=1):
            x, t = [Decimal(str(v)) for v in sample["inputs"]], [Decimal(str(v)) for v in sample["targets"]]
            a1 = self._hidden(x, hidden["activation"], s)
            a2 = self._outputs(a1, output["activation"], s)
            self._loss(a2, t, s)
            deltas.append([self.write(("delta", 2, k, None, s), a - y, always=True)
                           for k, (a, y) in enumerate(zip(a2, t), start=1)])
            hiddens.append(a1)
        self._updates(deltas, hiddens)

    def _hidden(self, x: list[Decimal], activation: str, s: int) -> list[Decimal]:
        out = []
        for j, (row, b) in enumerate(zip(self.w1, self.b1), start=1):
            net = self.write(("net", 1, j, None, s), sum(w * v for w, v in zip(row, x)) + b)
            out.append(self.write(("out", 1, j, None, s), max(net, Decimal(0)) if activation == "relu" else _tanh(net)))
        return out

    def _outputs(self, a1: list[Decimal], activation: str, s: int) -> list[Decimal]:
        nets = [self.write(("net", 2, k, None, s), sum(w * v for w, v in zip(row, a1)) + b)
                for k, (row, b) in enumerate(zip(self.w2, self.b2), start=1)]
        if activation == "sigmoid":
            return [self.write(("out", 2, 1, None, s), 1 / (1 + (-nets[0]).exp()))]
        exact = [n.exp() for n in nets]
        unit = Decimal(1).scaleb(-getattr(self, "early_digits", 2))
        powers = [e.quantize(unit, rounding=ROUND_HALF_UP) for e in exact] if self.mistake == "early_exp" else exact
        out = []
        for k, e in enumerate(powers, start=1):
            missing = self.mistake == "denominator" and k == 1
            value = e / (sum(powers[:2]) if missing else sum(powers))
            plant = self.mistake if missing or self.mistake == "early_exp" else None
            out.append(self.write(("out", 2, k, None, s), value, always=plant is not None, plant=plant,
                                  right=exact[k - 1] / sum(exact)))
        return out

    def _loss(self, a2: list[Decimal], t: list[Decimal], s: int) -> None:
        m = self.mistake
        log = (lambda v: v.ln() / _TEN.ln()) if m == "log10" else (lambda v: v.ln())
        terms = []
        for k, (a, y) in enumerate(zip(a2, t), start=1):
            negative = (1 - y) * log(1 - a) if len(a2) == 1 and m != "no_negative" else 0
            term = -(y * log(a) + negative)
            right = -(y * a.ln() + ((1 - y) * (1 - a).ln() if len(a2) == 1 else 0))
            plant = m if m in ("log10", "no_negative") else None
            key = ("error", None, None, None, s) if len(a2) == 1 else ("term", 2, k, None, s)
            terms.append(self.write(key, term, always=plant is not None, plant=plant, right=right))
            slope = -y / a + ((1 - y) / (1 - a) if len(a2) == 1 and m != "no_negative" else 0)
            right = -y / a + ((1 - y) / (1 - a) if len(a2) == 1 else 0)
            self.write(("grad_out_output", 2, k, None, s), -y if m == "minus_t" else slope,
                       always=m in ("minus_t", "no_negative"), plant=m if m in ("minus_t", "no_negative") else None,
                       right=right)
        if len(a2) > 1:
            self.write(("error", None, None, None, None), sum(terms), always=True)

    def _updates(self, deltas: list[list[Decimal]], hiddens: list[list[Decimal]]) -> None:
        n = Decimal(len(deltas))
        scale = 1 if self.mistake == "summed" else 1 / n
        plant = self.mistake if self.mistake == "summed" else None
        for k, row in enumerate(self.w2, start=1):
            for j, w in enumerate(row, start=1):
                g = self.write(("gradient", 2, k, j, None), sum(d[k - 1] * a[j - 1] for d, a in zip(deltas, hiddens)) * scale,
                               always=True, plant=plant)
                self.write(("update", 2, k, j, None), w - self.eta * g, always=True)
            g = self.write(("gradient", 2, k, None, None), sum(d[k - 1] for d in deltas) * scale, always=True, plant=plant)
            self.write(("update", 2, k, None, None), self.b2[k - 1] - self.eta * g, always=True)


def labels_by_sample(records) -> dict:
    """(role, layer, to, from, sample) -> label; sample None for what is not one sample's."""
    labels = {}
    for r in records:
        if r.step is not None:
            samples = [q.quantity.sample for q in r.step.lhs.atoms(sp.Symbol) if hasattr(q, "quantity")]
            labels[(r.role or r.quantity, r.layer, r.to, r.source, next(filter(None, samples), None))] = r.label
    return labels
