"""Stage 4a: turn a Solution into a presentation model of printed LaTeX strings.

Every equation is printed once here and shared by the Markdown and LaTeX templates, which only
place strings. In symbolic mode (lecture notes) the numeric members of each equation are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp
from sympy.core.parameters import evaluate

from ..engine.steps import Step, add, definition, mul, partial, with_zeros
from ..engine.training import shown_iterations
from ..model.notation import Labels
from ..model.quantities import ELLIPSIS, generic, kind_of, number_value
from ..model.rules import ACTIVATIONS
from . import words
from .closed_forms import CLOSED_FORM_ROLES, ClosedForms
from .derivations import cancellation
from .given import given_values
from .notice import notices
from .printing import Equation, SolutionPrinter, scientific

if TYPE_CHECKING:  # solution.py imports rendering to display itself in a notebook: no circle
    from ..solution import Solution

MAX_INPUTS_SHOWN = 4  # the outputs table names a sample by its inputs up to this many

LOSS_WORDS = {
    "half_sse": "half the sum of squared errors",
    "sse": "the sum of squared errors",
    "mse": "the mean of squared errors over the n outputs",
    "cross_entropy": "the cross-entropy of the outputs against the targets (natural logarithm)",
    "binary_cross_entropy": "the binary cross-entropy of each output against its target (natural logarithm)",
}


#: Which form a repeated step keeps in brief detail: a power rule's result (out_h2, not its expansion
#: 1·out_h2·w6^{1−1} + 0 + 0), a softmax δ's name ∂E/∂net (its Jacobian sum is shown by its numbers),
#: a closed form's result out − t
BRIEF_FORM = {"local": -1, "grad_out_output": -1, "delta": 0, "simplified": -1}
#: The same in lecture notes, which have no numbers to show a Jacobian sum by: a δ keeps its sum
BRIEF_SYMBOLIC_FORM = {role: form for role, form in BRIEF_FORM.items() if role != "delta"}


class ViewBuilder:
    def __init__(self, solution: Solution, precision: int, symbolic: bool, form: str = "chain",
                 figure_names: dict | None = None, detail: str = "full", sample: int | None = None):
        self.solution = solution
        self.network = solution.network
        self.printer = SolutionPrinter(Labels.for_spec(solution.spec, upright=True), precision)
        self.symbolic = symbolic
        self.form = form
        self.closed = ClosedForms(solution)
        self.figure_names = figure_names or {}  # figure -> the file (or data URI) Markdown shows it from
        # "full": every parameter worked, every expansion written out; "brief": every parameter worked,
        # each kind of expansion written out once a layer; "compact": one weight and one bias a layer
        # worked, the others in tables (lecture notes: brief, or full if asked; their tables would be empty)
        self.detail = detail if detail == "full" or not symbolic else "brief"
        # the sample worked in full when there are several (None: every one); lecture notes need one
        self.sample = 1 if symbolic and sample is None else sample

    def latex(self, expr) -> str:
        return self.printer.doprint(expr)

    def number(self, value: float) -> str:
        return self.printer.number(value)

    def equation(self, step: Step, brief: bool = False) -> Equation:
        """``lhs = forms = numbers = value``; ``brief`` (an expansion its layer already showed once)
        keeps one form (BRIEF_FORM), so the numbers still show every factor."""
        brief_form = BRIEF_SYMBOLIC_FORM if self.symbolic else BRIEF_FORM
        forms = [step.forms[brief_form[step.role]]] if brief and step.role in brief_form else step.forms
        members = [step.lhs, *forms]
        if self.symbolic and step.role in CLOSED_FORM_ROLES:
            closed = self.closed.of(step)
            members += [closed] if closed is not None else []
        if isinstance(step.value, tuple):  # a matrix: its forms with numbers, then its value
            numbers = [] if self.symbolic else [*step.numeric, self.printer.matrix(step.value)]
            return self.printer.equation(members + numbers, aligned=True)
        if not self.symbolic and step.numeric is not None:
            lone_number = number_value(step.numeric) is not None
            members += [self.number(step.value)] if lone_number else [step.numeric, self.number(step.value)]
        return self.printer.equation(members)

    def build(self) -> dict:
        spec, derivation = self.solution.spec, self.solution.shown
        return {
            "carry_digits": derivation.digits,
            "name": spec.name,
            "title": spec.title,
            "notes": list(spec.notes),
            "symbolic": self.symbolic,
            "detail": self.detail,
            "notation_reading": self.printer.labels.notation.reading,
            "several_samples": len(spec.samples) > 1,
            "has_biases": any(layer.bias is not None for layer in spec.layers),
            # "after one update" and "after N iterations" differ unless a single update was made
            "final_column": spec.iterations > 1 or (spec.mode == "online" and len(spec.samples) > 1),
            "network": self.network_description(),
            "given": self.given(),
            "rules": self.rules(),
            "closed_delta": self.closed_delta(),
            # formulas alone are the same for every sample: lecture notes show the first one
            "one_sample_shown": self.sample is not None and len(spec.samples) > 1,
            "worked_sample": self.sample,
            "other_samples": self.other_samples(),
            "forward": [self.forward_sample(f) for f in derivation.forward if self._shown_sample(f.sample)],
            "total_error": self.equation(derivation.error) if len(spec.samples) > 1 else None,
            "error_value": self.number(derivation.error.value),
            "update_samples": list(derivation.update_samples),
            "backward": [self.backward_layer(layer) for layer in derivation.backward],
            "parameters": self.parameter_table(),
            "history": self.history(),
            "outputs": None if self.symbolic else self.outputs_table(),
            "notices": [] if self.symbolic else notices(self),
            "verification": self.verification(),
            "form": self.form,
            "matrix": self.matrix() if self.form in ("matrix", "both") else None,
            "figures": self.figures(),
        }

    def figures(self) -> dict:
        """The network, the paths of each hidden layer's first weight, the error curve: their data
        (figures.py) and the names Markdown refers to them by."""
        from .figures import error_curve, network_figure
        from .unicode import plain

        network = self.network
        paths = {}
        for l in range(1, network.depth):
            first = next(p for p in network.parameters if p.quantity.layer == l and p.quantity.kind == "weight")
            label = self.latex(first.symbol)
            paths[l] = {"figure": network_figure(self, highlight=first), "parameter": label,
                        "parameter_text": plain(label), "name": self.figure_names.get(f"paths-{l}", "")}
        curve = None if self.symbolic else error_curve(self.solution.training.history)
        return {"network": {"figure": network_figure(self), "name": self.figure_names.get("network", "")},
                "paths": paths,
                "curve": curve and {"figure": curve, "name": self.figure_names.get("error", "")}}

    def _shown_sample(self, s: int) -> bool:
        return self.sample is None or s == self.sample

    def other_samples(self) -> list[dict]:
        """The samples not worked in full: each neuron's net input and output, and the error (their
        δ come in the backward pass, where δ is defined)."""
        if self.sample is None or self.symbolic:
            return []
        derivation, network = self.solution.shown, self.network
        rows = []
        for forward in derivation.forward:
            if self._shown_sample(forward.sample):
                continue
            s = forward.sample
            neurons = [{"label": self.latex(network.out(l, j, s)),
                        "net": self.number(derivation.values[network.net(l, j, s)]),
                        "out": self.number(derivation.values[network.out(l, j, s)])}
                       for l in range(1, network.depth + 1) for j in range(1, network.widths[l] + 1)]
            rows.append({"index": s, "neurons": neurons, "error": self.number(forward.error.value)})
        return rows

    def other_deltas(self, layer: int) -> list[dict]:
        """The δ of a layer's neurons for the samples not worked in full, where the step has them."""
        if self.sample is None or self.symbolic:
            return []
        network, values, rows = self.network, self.solution.shown.values, []
        for s in self.solution.shown.update_samples:
            for j in range(1, network.widths[layer] + 1):
                delta = network.delta(layer, j, s)
                if not self._shown_sample(s) and delta in values:
                    rows.append({"sample": s, "label": self.latex(delta), "value": self.number(values[delta])})
        return rows

    def network_description(self) -> dict:
        spec = self.solution.spec
        layers = []
        for l, layer in enumerate(spec.layers, start=1):
            activation = layer.activation + (f" (alpha = {layer.alpha:g})" if layer.alpha is not None else "")
            role = "output" if l == len(spec.layers) else "hidden"
            layers.append({"index": l, "role": role, "width": layer.width, "activation": activation,
                           "bias": words.bias(layer.bias_kind, layer.width)})
        return {
            "shape": "-".join(str(w) for w in spec.widths), "layers": layers, "inputs": spec.widths[0],
            "loss": spec.loss, "loss_words": self._loss_words(),
            "reduction": spec.reduction,
            "mode": spec.mode, "update_biases": spec.update_biases, "hidden_deltas": spec.hidden_deltas,
            "iterations": spec.iterations, "samples": len(spec.samples),
            "rate": self.latex(self.network.rate), "rate_value": self.number(spec.learning_rate),
            "updated_weight": self.latex(generic("weight", updated=True)),
        }

    def given(self) -> dict:
        """The given values: each sample's inputs and targets, each layer's parameters (given.py)."""
        return given_values(self)

    def rules(self) -> list[dict]:
        """The general forms used: each activation once, then the loss (as written, not simplified)."""
        with evaluate(False):
            return self._rules()

    def _rules(self) -> list[dict]:
        rules, seen = [], []
        for layer in self.solution.spec.layers:
            if (layer.activation, layer.alpha) in seen:
                continue
            seen.append((layer.activation, layer.alpha))
            shown = ACTIVATIONS[layer.activation].shown(layer.alpha)
            rules.append({"name": layer.activation, "words": words.RULES.get(layer.activation, "").format(
                              kronecker=self.latex(sp.KroneckerDelta(*sp.symbols("k j", integer=True), evaluate=False))),
                          "equations": [self.equation(definition(lhs, form)) for lhs, form in shown]})
        return rules + [self._loss_rule(), self._update_rule()]

    def _update_rule(self) -> dict:
        """w⁺ = w − η·∂E/∂w, where the notation's mark for an updated parameter (w⁺, w′) is defined."""
        weight, updated = generic("weight"), generic("weight", updated=True)
        rate, error = self.network.rate, self.network.error(None)
        equation = definition(updated, add(weight, mul(sp.Integer(-1), rate, partial(error, weight))))
        spec = self.solution.spec
        biases = words.UPDATE_BIASES[spec.update_biases] if any(layer.bias is not None for layer in spec.layers) else ""
        return {"name": "The update", "words": words.UPDATE.format(updated=self.latex(updated), weight=self.latex(weight),
                                                                   biases=biases),
                "equations": [self.equation(equation)]}

    def _loss_words(self) -> str:
        """The loss in words, as §1 and §2 say it; mse names its n."""
        loss = self.solution.spec.loss
        return LOSS_WORDS[loss] + (f" (n = {self.network.outputs})" if loss == "mse" else "")

    def _loss_rule(self) -> dict:
        """The loss in the document's own output labels, and its derivative for the first output."""
        network, n = self.network, self.network.outputs
        loss, depth, error = network.loss, network.depth, network.error(None)
        terms = [loss.term(network.target(j, None), network.out(depth, j, None), n) for j in range(1, n + 1)]
        shown = terms if n <= 3 else [terms[0], ELLIPSIS, terms[-1]]
        t, o = network.target(1, None), network.out(depth, 1, None)
        equations = [definition(error, add(*shown)),
                     definition(partial(error, o), with_zeros(loss.power_rule(t, o, n), 1, n), loss.slope(t, o, n))]
        spec, said = self.solution.spec, self._loss_words()
        if len(spec.samples) > 1:
            said += words.ONE_SAMPLE.format(sample_error=self.latex(network.error(1)), error=self.latex(error),
                                            combined=spec.reduction)
        return {"name": "The error", "words": said,
                "equations": [self.equation(e) for e in equations], "outputs": n}

    def forward_sample(self, forward) -> dict:
        """Each layer's net inputs and outputs in the order computed (a softmax layer: every net
        input before the outputs that share them); compact: the neurons _in_full, the others in a table."""
        network, s, values = self.network, forward.sample, self.solution.shown.values
        shown = {l: self._in_full(list(range(1, network.widths[l] + 1))) for l in range(1, network.depth + 1)}
        layers: dict = {}
        for step in forward.order:
            if step.role in ("net", "out") and step.place.to in shown[step.place.layer]:
                layers.setdefault(step.place.layer, []).append([self.equation(step)])
        return {
            "index": forward.sample,
            "layers": [{"index": l, "neurons": neurons, "table": [
                {"label": self.latex(network.out(l, j, s)), "net": self.number(values[network.net(l, j, s)]),
                 "out": self.number(values[network.out(l, j, s)])}
                for j in range(1, network.widths[l] + 1) if j not in shown[l]]}
                for l, neurons in layers.items()],
            "terms": [self.term_equation(t, s) for t in forward.terms],
            "error": self.equation(forward.error),
        }

    def term_equation(self, step: Step, s: int) -> Equation:
        """An output's error term; one that has the target as a factor (cross-entropy's −y·ln a) is 0
        at a target of 0 whatever the output, and says so in place of 0·ln(0.35)."""
        target = self.network.target(step.place.to, s)
        form = step.forms[-1]
        if self.symbolic or self.solution.shown.values[target] != 0 or not (form.is_Mul and target in form.args):
            return self.equation(step)
        return self.printer.equation([step.lhs, *step.forms, f"0 \\;\\; \\text{{since }} {self.latex(target)} = 0"])

    def backward_layer(self, layer) -> dict:
        brief = self.detail != "full"
        samples = []
        for sample in layer.samples:
            if not self._shown_sample(sample.sample):
                continue
            worked = self._in_full(sample.neurons)
            samples.append({
                "index": sample.sample,
                # brief and compact: §2 stated the loss, and one derivative of it is expanded
                "error_form": self.equation(sample.error_form) if sample.error_form and not brief else None,
                "grad_outs": [self.equation(step, brief) for step in sample.grad_outs],
                "neurons": [self.backward_neuron(n, first=i == 0) for i, n in enumerate(worked)],
                "table": [self._neuron_row(n) for n in sample.neurons if n not in worked],
            })
        worked = self._worked(layer.parameters)
        expanded = self._expanded(layer.parameters)
        parameters = [self.parameter(pd, brief=pd not in expanded) for pd in layer.parameters if pd in worked]
        table = [self.parameter_row(pd) for pd in layer.parameters if pd not in worked]
        return {"index": layer.layer, "output": layer.layer == self.network.depth,
                "elementwise": self.network.activation(layer.layer)[0].elementwise,
                "samples": samples, "parameters": parameters, "table": table,
                "other_deltas": self.other_deltas(layer.layer)}

    def _in_full(self, items: list) -> list:
        """Compact: the first item worked in full, the others in a table; but never a table of one
        row, so a layer of two shows both worked."""
        return list(items) if self.detail != "compact" or len(items) <= 2 else list(items[:1])

    def _neuron_row(self, neuron) -> dict:
        """A neuron not worked in full: its δ as the product of its factors with numbers (out − t with
        numbers, where the output δ has the closed form of §2), so that the parameters' products below
        can be traced to it."""
        parts = self.equation(neuron.simplified or neuron.delta).parts
        return {"label": self.latex(self.network.out(neuron.layer, neuron.index, neuron.sample)),
                "delta_label": self.latex(neuron.delta.lhs),
                "product": parts[-2] if len(parts) > 2 else "", "delta": self.number(neuron.delta.value)}

    def _expanded(self, parameters) -> list:
        """The parameters whose net-input derivative is expanded (the power rule written out): the
        layer's first weight and first bias; every one in full detail."""
        if self.detail == "full":
            return list(parameters)
        weights = [pd for pd in parameters if not pd.parameter.is_bias][:1]
        return weights + [pd for pd in parameters if pd.parameter.is_bias][:1]

    def _worked(self, parameters) -> list:
        """The parameters worked in full: all; or, compact, the expanded ones (and the rest too when
        only one is left, never a table of one row)."""
        expanded = self._expanded(parameters)
        return expanded if self.detail == "compact" and len(parameters) - len(expanded) > 1 else list(parameters)

    def parameter(self, pd, brief: bool = False) -> dict:
        return {
            "label": self.latex(pd.parameter.symbol),
            "samples": [{"index": s, "local": [self.equation(step, brief) for step in local],
                         "chain": self.equation(chain)}
                        for s, local, chain in zip(self.solution.shown.update_samples, pd.local, pd.chains)
                        if self._shown_sample(s)],
            "gradient": self.equation(pd.gradient) if len(pd.chains) > 1 else None,
            "said": self._shift_invariant(pd.parameter),
            "update_step": self.equation(pd.update) if pd.update else None,
        }

    def _shift_invariant(self, parameter) -> str:
        """Why a shared bias of a softmax layer has a gradient of exactly 0, where one does."""
        layer = self.solution.spec.layers[parameter.quantity.layer - 1]
        if not (parameter.is_bias and layer.bias_kind == "shared" and ACTIVATIONS[layer.activation].shift_invariant):
            return ""
        return words.shift_invariant_words(layer.activation)

    def parameter_row(self, pd) -> dict:
        """A parameter not worked in full, in one row: its chain's product with numbers (of the worked
        sample, when there are several), its gradient and its updated value."""
        s = self.sample or self.solution.shown.update_samples[0]
        chain = next((c for u, c in zip(self.solution.shown.update_samples, pd.chains) if u == s), pd.chains[0])
        parts = self.equation(chain).parts
        # with several samples the gradient combines every sample's term: all of them, to check it by hand
        terms = [self.number(c.value) for c in pd.chains] if len(pd.chains) > 1 else []
        return {"label": self.latex(pd.parameter.symbol), "product": parts[-2] if len(parts) > 2 else parts[-1],
                "terms": terms,
                "gradient": self.number(pd.gradient.value),
                "updated": self.number(pd.update.value if pd.update else pd.parameter.value)}

    def backward_neuron(self, neuron, first: bool) -> dict:
        """A neuron's δ; after the layer's first, in brief or compact detail, the stock sentences are
        not said again, and a Jacobian sum is written with its numbers only."""
        brief = self.detail != "full" and not first
        return {
            "label": self.latex(self.network.out(neuron.layer, neuron.index, neuron.sample)),
            "terms_said": self._by_term(neuron),
            "net_label": self.latex(self.network.net(neuron.layer, neuron.index, neuron.sample)),
            "explained": not brief,
            "paths": [self.equation(p) for p in neuron.paths],
            "contributions": [self.equation(c) for c in neuron.contributions],
            # §2 expanded the loss's derivative for the first output: brief detail gives its result here
            "grad_out": self.equation(neuron.grad_out, self.detail != "full") if neuron.grad_out else None,
            "jacobian": [self.equation(step) for step in neuron.jacobian],
            "delta": self.equation(neuron.delta, brief and len(neuron.jacobian) > 1),
            "simplified": self.equation(neuron.simplified, brief) if neuron.simplified else None,
        }

    def _by_term(self, neuron) -> dict | None:
        """Why ∂E_o1/∂net_o1 in a path through the output layer is δ_o1 (= ∂E_total/∂net_o1): said
        before the first hidden neuron's paths, where a path's error is an output's own term."""
        first = neuron.contributions[:1]
        if not first or neuron.index != 1 or not first[0].lhs.is_Derivative or kind_of(first[0].lhs.expr) != "term":
            return None
        network, s = self.network, neuron.sample
        term, net = network.term(1, s), network.net(network.depth, 1, s)
        delta = network.delta(network.depth, 1, s)
        return {"words": words.BY_TERM.format(term=self.latex(term), net=self.latex(net), delta=self.latex(delta)),
                "equation": self.printer.equation([partial(term, net), partial(network.error(s), net), delta])}

    def matrix(self) -> dict:
        """Nielsen's BP1-BP4 with this network's matrices (matrix_view.py)."""
        from .matrix_view import MatrixView

        return MatrixView(self).build()

    def closed_delta(self) -> dict | None:
        """§2's derivation of the output δ's closed form, where the output activation and loss have one."""
        spec, simplification = self.solution.spec, self.network.simplification
        found = cancellation(spec.layers[-1].activation, spec.loss, self.printer)
        return found and {**found, "reason": simplification.reason}

    def parameter_table(self) -> list[dict]:
        training, rows = self.solution.training, []
        gradients = self.solution.derivation.gradients
        updated = self.solution.derivation.updated
        for p, final in zip(self.network.parameters, training.final):
            rows.append({"layer": p.quantity.layer, "label": self.latex(p.symbol), "updated_label": self.latex(p.updated_symbol),
                         "before": self.number(p.value), "gradient": self.number(gradients[p.symbol]),
                         "after": self.number(updated[p.symbol]), "final": self.number(final)})
        return rows

    def history(self) -> list[tuple[int, str]]:
        """The error before training, after the first few iterations, at powers of ten, and at the end."""
        history = self.solution.training.history
        return [(i, self.number(history[i])) for i in shown_iterations(len(history) - 1)]

    def outputs_table(self) -> dict:
        """Every sample's outputs against its targets before and after training (for XOR, the truth
        table the network learned): a row per output, the sample's inputs on its first row."""
        solution, depth = self.solution, self.network.depth
        before, after = solution.outputs(), solution.outputs(solution.training.final)
        rows = []
        for s, (sample, b, a) in enumerate(zip(solution.spec.samples, before, after), start=1):
            for j, (target, old, new) in enumerate(zip(sample.targets, b, a), start=1):
                first = j == 1
                rows.append({"sample": s if first else "",
                             "inputs": ", ".join(self.number(v) for v in sample.inputs) if first else "",
                             "label": self.latex(self.network.out(depth, j, s)), "target": self.number(target),
                             "before": self.number(old), "after": self.number(new)})
        # the inputs identify a sample (XOR's truth table) while they are few; else the given values do
        return {"iterations": solution.spec.iterations, "rows": rows,
                "show_inputs": len(solution.spec.samples[0].inputs) <= MAX_INPUTS_SHOWN}

    def verification(self) -> dict:
        verification = self.solution.verification
        figures = [(m, scientific(verification.relative.get(m, 0.0), 2)) for m in verification.methods]
        # a note's words and the labels it names, which the templates set as maths
        notes = [[{"math": not isinstance(part, str), "text": part if isinstance(part, str) else ", ".join(part)}
                  for part in note.parts] for note in verification.notes]
        return {"methods": verification.describe(), "notes": notes, "agreement": words.agreement(figures)}
