"""Moodle export: a question category for the exercise, one Cloze question per variant.

Each question's text is the exercise (HTML, maths in \\( \\), the network picture as a file of the
question) with a NUMERICAL gap per asked quantity; its general feedback is the worked solution of
the asked quantities, equation by equation. A gap is centred on the exact value, and its tolerance
accepts a student who rounds every intermediate value to the sheet's decimals and carries it on
(that value is computed: the derivation redone with carried rounding), or who rounds only the
answer, and a tenth of a last digit more, so that no accepted value sits on the edge.

Cloze's grammar (Moodle's question/type/multianswer): a gap is ``{W:NUMERICAL:=VALUE:TOL#FEEDBACK}``,
and inside it only ``}``, ``#`` and ``~`` are special; the parser un-escapes ``\\}`` and ``\\#`` only,
so ``~`` is written as an HTML entity. Numbers are plain decimals with a point.
"""

from __future__ import annotations

import base64
import html
import math

from ..engine.derive import derive
from ..engine.steps import carried
from ..present.rendering import _environment
from ..present.view import ViewBuilder
from ..model.defaults import DEFAULT_PRECISION

MARGIN = 0.1  # of the last asked digit, added to every tolerance: no accepted value on its edge
_CLOZE = str.maketrans({"}": "\\}", "#": "\\#", "~": "&#126;"})


def cloze_escape(text: str) -> str:
    """Text for inside a gap (an answer's feedback): HTML-escaped, then Cloze's specials escaped."""
    return html.escape(text, quote=False).translate(_CLOZE)


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


def gaps(sheet) -> list[tuple[float, float, str]]:
    """(exact value, tolerance, the gap) per asked record, in the sheet's order."""
    reached = hand_values(sheet.solution, sheet.digits)
    made = []
    for r in sheet.asked:
        by_hand = reached.get(r.step.lhs, [r.value]) if r.step is not None else [r.value]  # after training: none
        tol = tolerance(r.value, by_hand, sheet.digits)
        feedback = cloze_escape(f"\\({r.label}\\) = {plain(r.value, sheet.digits)}")
        value = plain(r.value, sheet.digits + 6)
        made.append((r.value, tol, f"{{1:NUMERICAL:={value}:{plain(tol, sheet.digits + 3)}#{feedback}}}"))
    return made


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def question(variant) -> str:
    """One variant as a Cloze question, its id and seed in its name, idnumber and text."""
    sheet = variant.sheet
    view = dict(sheet.view, seed=variant.seed,
                gaps=list(zip(sheet.view["blanks"], [g for _, _, g in gaps(sheet)])))
    text = _environment("html", None).get_template("exercise.html.j2").render(view)
    picture = base64.b64encode(sheet.picture().encode("utf-8")).decode("ascii")
    name = html.escape(f"{sheet.name} (seed {variant.seed})")
    return (f'<question type="cloze">\n<name><text>{name}</text></name>\n'
            f'<questiontext format="html"><text>{_cdata(text)}</text>\n'
            f'<file name="{sheet.view["figure_name"]}" path="/" encoding="base64">{picture}</file></questiontext>\n'
            f'<generalfeedback format="html"><text>{_cdata(feedback(sheet))}</text></generalfeedback>\n'
            f'<penalty>0.3333333</penalty>\n<hidden>0</hidden>\n'
            f'<idnumber>{html.escape(sheet.name)}-{variant.seed}</idnumber>\n</question>\n')


def feedback(sheet) -> str:
    """The worked solution of the asked quantities: each step's equation, forms and numbers."""
    builder = ViewBuilder(sheet.solution, DEFAULT_PRECISION, symbolic=False)
    rows = []
    for r in sheet.asked:
        parts = builder.equation(r.step).parts if r.step is not None else (r.label, builder.number(r.value))
        rows.append("<p>\\[" + html.escape(" = ".join(parts), quote=False) + "\\]</p>")
    return "<p>The worked solution (the full key has every chain-rule factor):</p>\n" + "\n".join(rows)


def quiz(made, mark: str) -> str:
    """The Moodle XML file of a set of variants: its category, then a question per variant."""
    category = html.escape(f"$course$/top/{made.template}")
    questions = "".join(question(v) for v in made.variants)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- {mark} -->\n<quiz>\n'
            f'<question type="category"><category><text>{category}</text></category></question>\n'
            f'{questions}</quiz>\n')
