"""Moodle export: a question category for the exercise, one Cloze question per variant.

Each question's text is the exercise (HTML, maths in \\( \\), the network picture as a file of the
question) with a NUMERICAL gap per asked quantity; its general feedback is the worked solution of
the asked quantities, equation by equation. A gap is centred on the exact value, and its tolerance
accepts a student who rounds every intermediate value to the sheet's decimals and carries it on, or
who rounds only the answer (tolerances.py).

Cloze's grammar (Moodle's question/type/multianswer): a gap is ``{W:NUMERICAL:=VALUE:TOL#FEEDBACK}``,
and inside it only ``}``, ``#`` and ``~`` are special; the parser un-escapes ``\\}`` and ``\\#`` only,
so ``~`` is written as an HTML entity. Numbers are plain decimals with a point.
"""

from __future__ import annotations

import base64
import html

from ..present.view import ViewBuilder
from ..model.defaults import DEFAULT_PRECISION
from .tolerances import answers, plain

_CLOZE = str.maketrans({"}": "\\}", "#": "\\#", "~": "&#126;"})


def cloze_escape(text: str) -> str:
    """Text for inside a gap (an answer's feedback): HTML-escaped, then Cloze's specials escaped."""
    return html.escape(text, quote=False).translate(_CLOZE)


def gaps(sheet) -> list[str]:
    """A NUMERICAL gap per asked record, in the sheet's order; its feedback names the label."""
    made = []
    for r, tol in answers(sheet):
        feedback = cloze_escape(f"\\({r.label}\\) = {plain(r.value, sheet.digits)}")
        made.append(f"{{1:NUMERICAL:={plain(r.value, sheet.digits + 6)}:{plain(tol, sheet.digits + 3)}#{feedback}}}")
    return made


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def question(variant) -> str:
    """One variant as a Cloze question, its id and seed in its name, idnumber and text."""
    sheet = variant.sheet
    text = sheet.render_html(f"@@PLUGINFILE@@/{sheet.view['figure_name']}", gaps(sheet), variant.seed)
    picture = base64.b64encode(sheet.picture().encode("utf-8")).decode("ascii")
    name = html.escape(f"{sheet.name} (seed {variant.seed})")
    return (f'<question type="cloze">\n<name><text>{name}</text></name>\n'
            f'<questiontext format="html"><text>{cdata(text)}</text>\n'
            f'<file name="{sheet.view["figure_name"]}" path="/" encoding="base64">{picture}</file></questiontext>\n'
            f'<generalfeedback format="html"><text>{cdata(feedback(sheet))}</text></generalfeedback>\n'
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
