"""All LaTeX is produced here: one SymPy printer subclass configured by a notation's labels, the
number format, and the escaping of user text and of math for Markdown.

Expressions from derive.py are unevaluated and already in the order the seeds write them, so the
printer keeps argument order (``order='none'``) and prints every symbol by looking up what it stands
for. The one order a notation chooses, w*a (Mazur) or a*w (seed 002) in net inputs, is applied here.
Numbers are printed by one rule (format_number): ``precision`` decimal places with trailing zeros
dropped, as Mazur's tutorial does (0.593269992, 0.74136507), and scientific form with ``precision``
significant digits below 10^-4 and from 10^6.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import math
import re
import unicodedata

from sympy import Symbol
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import HadamardProduct, MatMul
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..model.defaults import DEFAULT_PRECISION
from ..model.notation import Labels
from ..model.quantities import ShownNumber, kind_of



#: One rule for every number a document prints: fixed decimals from SCIENTIFIC_BELOW up to
#: SCIENTIFIC_FROM, scientific form outside (0.000000656 and 4.5 x 10^-11 never share a table).
SCIENTIFIC_BELOW = 1e-4
SCIENTIFIC_FROM = 1e6


def format_number(value: float, precision: int = DEFAULT_PRECISION) -> str:
    """``value`` as LaTeX, by one rule: ``precision`` decimal places (trailing zeros dropped) from
    10^-4 up to 10^6, else ``m \\times 10^{e}`` with ``precision`` significant digits.

    A fixed number between 0.1 and 1 shows ``precision`` significant digits, and so does every
    scientific one: never fewer digits than fixed decimals would have shown. At a low precision
    (below 6), a value from 10^-4 whose decimals would leave fewer than three significant digits
    (fewer than ``precision`` when that is smaller) is scientific too, unless they show it exactly:
    at 4 decimals 0.05 stays 0.05, 0.0001234 is 1.234 x 10^-4. A number is 0 only when it is 0.
    """
    if not math.isfinite(value):  # never a worked solution's value (derive.py refuses them); said plainly
        return {math.inf: "\\infty", -math.inf: "-\\infty"}.get(value, "\\text{NaN}")
    if value == 0:
        return "0"
    fixed, magnitude = _strip(f"{value:.{precision}f}"), abs(value)
    digits_shown = precision + math.floor(math.log10(magnitude)) + 1
    exact = abs(float(fixed) - value) <= 1e-12 * magnitude
    # each bound is judged on the value as its own form would round it: 0.0000999999999 is 0.0001
    tiny = abs(float(f"{value:.{max(0, precision - 1)}e}")) < SCIENTIFIC_BELOW
    if tiny or abs(float(fixed)) >= SCIENTIFIC_FROM or (digits_shown < min(3, precision) and not exact):
        return scientific(value, precision)
    return fixed


def scientific(value: float, digits: int) -> str:
    """``value`` as ``m \\times 10^{e}`` with ``digits`` significant digits (trailing zeros dropped)."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{max(0, digits - 1)}e}".split("e")
    return f"{_strip(mantissa)} \\times 10^{{{int(exponent)}}}"


def _is_weight(expr) -> bool:
    """A weight, or a number that stands in for one."""
    return kind_of(expr) == "weight" or (isinstance(expr, ShownNumber) and expr.origin == "weight")


def _ones(factor) -> bool:
    """A vector of numbers that are all 1 (the matrix form's sums)."""
    return isinstance(factor, MatrixBase) and all(entry == 1 for entry in factor)


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


#: An equation wider than this (in characters as typeset, roughly) is set with one member per row.
LINE_LIMIT = 80
#: A member wider than this is broken into rows of terms, so wide layers stay on the page.
ROW_LIMIT = 60
#: A product of matrices wider than this is broken into rows of factors: a little wider than a row
#: of terms, so that a 3×3 Jacobian times its vector (63) stays one product on one row, which it
#: does in the PDF at 10 pt with the widest label beside it
PRODUCT_LIMIT = 66
_INVISIBLE = re.compile(r"\\(?:left|right)|[{}^_]")
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")
_UPRIGHT = re.compile(r"\\mathrm\{([A-Za-z]+)\}")


_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}")
#: A member that is one printed number (format_number's forms): the result an equation ends in
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")


def visible_length(latex: str) -> int:
    """About how many characters wide ``latex`` is once typeset: a control word is one symbol, a
    fraction as wide as its wider line, a matrix as its widest row, braces and \\left/\\right nothing."""
    latex = _UPRIGHT.sub(lambda m: m.group(1) + "#" * (len(m.group(1)) // 3), latex)  # roman is wider
    matrix = _MATRIX.search(latex)
    if matrix:
        rows = re.split(r"\\\\|\\cr", matrix.group(1))
        width = max(sum(visible_length(e) + 2 for e in row.split("&")) for row in rows)
        return visible_length(latex[:matrix.start()]) + width + visible_length(latex[matrix.end():])
    start = latex.find("\\frac{")
    if start < 0:
        return len(_CONTROL_WORD.sub("#", _INVISIBLE.sub("", latex)))
    numerator_end = closing_brace(latex, start + 5)
    denominator_end = closing_brace(latex, numerator_end + 1)
    fraction = max(visible_length(latex[start + 6:numerator_end]), visible_length(latex[numerator_end + 2:denominator_end]))
    return visible_length(latex[:start]) + fraction + visible_length(latex[denominator_end + 1:])


def closing_brace(text: str, opening: int) -> int:
    """The index of the brace that closes the group opened at ``opening``; -1 if none does."""
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1


@dataclass(frozen=True)
class Equation:
    parts: tuple[str, ...]  # members joined by "=", left-hand side first, each on one line
    rows: tuple[str, ...]  # the same as aligned rows: "lhs &= a", "&= b", "&\\quad + c"
    multiline: bool


def tagged(equation: Equation, tag: str | None) -> Equation:
    """``equation`` numbered as a textbook numbers a named rule: (BP1) at the right, by \\tag, which
    amsmath takes in \\[ \\] and MathJax in $$ (not inside aligned, so a one-line equation only)."""
    if tag is None:
        return equation
    if equation.multiline:
        raise ValueError(f"a tagged equation is one line: {tag}")
    mark = f" \\tag{{{tag}}}"
    return replace(equation, parts=(*equation.parts[:-1], equation.parts[-1] + mark),
                   rows=(*equation.rows[:-1], equation.rows[-1] + mark))


class SolutionPrinter(LatexPrinter):
    """Prints derive.py's expressions in one notation at one precision."""

    def __init__(self, labels: Labels, precision: int = DEFAULT_PRECISION):
        super().__init__({"order": "none", "mul_symbol": "dot"})
        self.labels = labels
        self.precision = precision

    def number(self, value: float) -> str:
        return format_number(value, self.precision)

    def equation(self, members: list, aligned: bool = False) -> Equation:
        """``lhs = m1 = m2 = ...`` from expressions (or numbers already printed); equal neighbours once.
        ``aligned`` sets every member on a row of its own (the matrix form's wide members)."""
        lines = [[m] if isinstance(m, str) else self._member_lines(m) for m in members]
        lines = [line for i, line in enumerate(lines) if i == 0 or line != lines[i - 1]]
        parts = tuple(" ".join(line) for line in lines)
        width = sum(map(visible_length, parts))
        multiline = aligned and len(parts) > 2 or any(len(line) > 1 for line in lines) or (
            len(parts) > 2 and width > LINE_LIMIT)
        rows = [f"{lines[0][0]} &= {lines[1][0]}"] if len(lines) > 1 else [lines[0][0]]
        rows += [f"&\\quad {row}" for row in lines[1][1:]] if len(lines) > 1 else []
        for previous, line in zip(lines[1:], lines[2:]):
            if len(previous) == len(line) == 1 and len(rows) > 1 and _NUMBER.fullmatch(line[0]) and (
                    visible_length(rows[-1]) + visible_length(line[0]) < ROW_LIMIT):
                rows[-1] += f" = {line[0]}"  # a result beside its numbers, as the blog: "= 0.74 · 0.19 = 0.14"
                continue
            rows += [f"&= {line[0]}"] + [f"&\\quad {row}" for row in line[1:]]
        return Equation(parts, tuple(rows), multiline)

    def _member_lines(self, expr) -> list[str]:
        """A member on one line, or a long sum broken into rows of whole terms (continuations signed);
        a wide product of matrices, one factor per row."""
        text = self.doprint(expr)
        if visible_length(text) > PRODUCT_LIMIT and isinstance(expr, (MatMul, HadamardProduct)):
            return self._factor_rows(expr)
        if visible_length(text) <= ROW_LIMIT or not expr.is_Add:  # (a product that fits: one row)
            return [text]
        rows: list[str] = []
        for term in map(self.doprint, expr.args):
            joined = term if term.startswith("-") else f"+ {term}"
            if rows and visible_length(rows[-1]) + visible_length(joined) < ROW_LIMIT:
                rows[-1] += " " + joined
            else:
                rows.append(joined if rows else term)
        return rows

    def _number_factor(self, value: float) -> str:
        """A number inside an expression: bracketed when negative or scientific, so it reads as one factor."""
        text = self.number(value)
        return f"\\left({text}\\right)" if text.startswith("-") or "\\times" in text else text

    def _print_Float(self, expr):
        return self._number_factor(float(expr))

    def _print_Function(self, expr, exp=None):
        """tanh(-0.34), not tanh((-0.34)): the function's own brackets hold a lone number."""
        if len(expr.args) == 1 and isinstance(expr.args[0], ShownNumber):
            bare = Symbol("SYMBACKPROPARGUMENT")
            text = super()._print_Function(expr.func(bare, evaluate=False), exp)
            return text.replace("SYMBACKPROPARGUMENT", self.number(expr.args[0].value))
        return super()._print_Function(expr, exp)

    def _print_Add(self, expr, order=None):
        """(-0.0403 + 0.0218), not ((-0.0403) + 0.0218): a sum's first term needs no brackets."""
        text = super()._print_Add(expr, order)
        first = self._as_ordered_terms(expr, order=order)[0]
        if isinstance(first, ShownNumber):
            bracketed = self._print(first)
            if bracketed.startswith("\\left(") and text.startswith(bracketed):
                text = self.number(first.value) + text[len(bracketed):]
        return text

    def _print_QuantitySymbol(self, expr):
        return self.labels(expr.quantity)

    def _print_ShownNumber(self, expr):
        return self._number_factor(expr.value)

    def _print_GenericSymbol(self, expr):
        return self.labels.generic(expr.kind, expr.updated) + (f"_{{{expr.index}}}" if expr.index else "")

    def _print_Dots(self, expr):
        return "\\cdots"

    def _print_Derivative(self, expr):
        (variable, _count), = expr.variable_count
        return f"\\frac{{\\partial {self._print(expr.expr)}}}{{\\partial {self._print(variable)}}}"

    def _print_Mul(self, expr):
        """Factors in the order written; a leading -1 becomes a minus sign, x^{-1} a fraction.

        derive.py writes net-input terms weight first; a notation that writes a*w swaps them here.
        """
        factors = list(expr.args)
        if len(factors) == 2 and not self.labels.weight_first and _is_weight(factors[0]):
            factors.reverse()
        sign = ""
        if len(factors) > 1 and factors[0] == -1:
            sign, factors = "- ", factors[1:]
        denominators = [f.base for f in factors if f.is_Pow and f.exp == -1]
        numerators = [f for f in factors if not (f.is_Pow and f.exp == -1)]
        if numerators == [1]:
            numerators = []
        # a fraction's bar groups a lone numerator: (1 - t)/(1 - o) needs no brackets
        text = self._print(numerators[0]) if denominators and len(numerators) == 1 else self._print_product(numerators)
        if denominators:
            below = self._print(denominators[0]) if len(denominators) == 1 else self._print_product(denominators)
            text = f"\\frac{{{text or '1'}}}{{{below}}}"
        return sign + text

    def _print_product(self, factors) -> str:
        return " \\cdot ".join(self._factor(f) for f in factors)

    def _factor(self, factor) -> str:
        """A fraction (derivative or rational) needs no brackets as a factor; a sum does."""
        if factor.is_Derivative or (factor.is_Rational and factor > 0):
            return self._print(factor)
        return self.parenthesize(factor, PRECEDENCE["Mul"], strict=False)

    def _print_Pow(self, expr):
        """``x^{2 - 1}`` stays as written instead of being simplified; ``x^{-1}`` is a fraction."""
        if expr.exp == -1:
            return f"\\frac{{1}}{{{self._print(expr.base)}}}"
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
        if ("^" in base or base.endswith("]")) and not base.startswith("\\left("):
            base = f"\\left({base}\\right)"  # (w^{2}_{11})^{1-1}, (a_{10}[1])^{2}: the power apart from an index
        return f"{base}^{{{self._exponent(expr.exp)}}}"

    def _print_SoftmaxShare(self, expr):
        """e^{net_k} over the sum of e^{net_m}, numbers in exponents without brackets."""
        numerator, *nets = (f"e^{{{self._exponent(a)}}}" for a in expr.args)
        return f"\\frac{{{numerator}}}{{{' + '.join(nets)}}}"

    def _exponent(self, arg) -> str:
        return self.number(arg.value) if isinstance(arg, ShownNumber) else self._print(arg)

    def _print_ExpBase(self, expr, exp=None):
        """e^{-0.3775}: an exponent needs no brackets around a negative number."""
        text = f"e^{{{self._exponent(expr.args[0])}}}"
        return f"{{{text}}}^{{{exp}}}" if exp else text

    def _print_log(self, expr):
        return f"\\ln\\left({self._print(expr.args[0])}\\right)"

    def _print_Sum(self, expr):
        """A sum over one index (1 to n: a layer's neurons), as textbooks write it, counted as the notation
        counts its neurons; SymPy's unevaluated 1 * f shown as f."""
        function = expr.function
        if function.is_Mul and function.args[0] == 1:
            function = function.func(*function.args[1:], evaluate=False) if len(function.args) > 2 else function.args[1]
        (index, low, high), = expr.limits
        shift = 1 - self.labels.notation.first  # a sum over a layer's neurons from 0 to n − 1 where they count from 0
        top = self._print(high) + (f" - {shift}" if shift else "")
        return f"\\sum_{{{self._print(index)}={int(low) - shift}}}^{{{top}}} {self._print(function)}"

    # -- the matrix form -------------------------------------------------------------------------
    def _print_QuantityMatrix(self, expr):
        return self.labels.matrix(expr.quantity)

    def matrix(self, rows) -> str:
        """Numbers (floats) or expressions as a bmatrix."""
        def entry(v) -> str:  # a lone number needs no brackets in a matrix
            if isinstance(v, (float, ShownNumber)):
                return self.number(v if isinstance(v, float) else v.value)
            return self._print(v)

        body = " \\\\ ".join(" & ".join(map(entry, row)) for row in rows)
        return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"

    def _print_ImmutableDenseMatrix(self, expr):
        return self.matrix(expr.tolist())

    def _print_BlockMatrix(self, expr):
        """A row of labelled columns (each sample's own ∇ₐE): more than two as the first, ⋯, the last,
        so the row stays as narrow as the numbers beside it."""
        rows = [[self._print(block) for block in row] for row in expr.blocks.tolist()]
        rows = [[row[0], "\\cdots", row[-1]] if len(row) > 2 else row for row in rows]
        return "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(row) for row in rows) + " \\end{bmatrix}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        # a bmatrix, or a plain label (a_{l-1}); a superscript, fraction (a Jacobian) or sample mark
        # is bracketed, so the T reads as the whole matrix's
        bare = isinstance(expr.arg, MatrixBase) or not any(mark in inner for mark in ("^", "\\frac", "["))
        return f"{inner}^{{T}}" if bare else f"\\left({inner}\\right)^{{T}}"

    def _print_MatMul(self, expr):
        """Factors side by side, a leading -1 as a minus sign, a scalar factor first."""
        factors, sign = list(expr.args), ""
        if factors and factors[0] == -1:
            sign, factors = "- ", factors[1:]
        return sign + " ".join(self._print(f) if not f.is_MatAdd else f"\\left({self._print(f)}\\right)"
                               for f in factors)

    def _print_MatAdd(self, expr):
        text = ""
        for term in expr.args:
            printed = self._print(term)
            text += printed if not text else (f" {printed}" if printed.startswith("- ") else f" + {printed}")
        return text

    def _factor_rows(self, product) -> list[str]:
        """A wide product of matrices, a factor per row: scalars stay with the first matrix, and a
        vector of ones (the sum over samples or over a shared bias's neurons) with the matrix it sums.
        A continuation row starts with its operator (· or ⊙): two matrices stacked with none between
        them would read as one stacked matrix."""
        if isinstance(product, HadamardProduct):
            first, *rest = map(self._hadamard_factor, product.args)
            return [first, *(f"\\odot {factor}" for factor in rest)]
        factors, rows, seen_matrix = list(product.args), [], False
        sign = "- " if factors[0] == -1 else ""
        for factor in factors[1:] if sign else factors:
            text = self._print(factor)
            if seen_matrix and factor.is_Matrix and not _ones(factor):
                rows.append(f"\\cdot {text}")
            else:
                rows[-1:] = [f"{rows[-1]} {text}"] if rows else [sign + text]
            seen_matrix = seen_matrix or factor.is_Matrix
        return rows

    def _hadamard_factor(self, factor) -> str:
        printed = self._print(factor)
        return f"\\left({printed}\\right)" if factor.is_MatMul or factor.is_MatAdd else printed

    def _print_HadamardProduct(self, expr):
        return " \\odot ".join(map(self._hadamard_factor, expr.args))

    def _print_Exp1(self, expr):
        return "e"

    def _print_Piecewise(self, expr):
        """Cases as a textbook writes them ("if", "otherwise"), with no spacing macros such as ``\\:``."""
        rows = []
        for value, condition in expr.args:
            when = "\\text{otherwise}" if condition == True else f"\\text{{if }} {self._print(condition)}"  # noqa: E712
            rows.append(f"{self._print(value)} & {when}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"


LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "\u2212": "-", "\u00d7": r"$\times$", "\u00b7": r"$\cdot$", "\u2202": r"$\partial$", "\u2211": r"$\sum$",
    "\u2192": r"$\to$", "\u2264": r"$\leq$", "\u2265": r"$\geq$", "\u2248": r"$\approx$",
    "\u2013": "--", "\u2014": "---", "\u2026": r"\dots{}", "\u2018": "`", "\u2019": "'", "\u201c": "``",
    "\u201d": "''",
}
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def escape_latex(text: str) -> str:
    """User text (a title) as literal LaTeX text that pdflatex can typeset: specials escaped, never
    interpreted; Greek letters and common math signs as math; other characters beyond Latin-1 as '?'."""
    return "".join(_latex_character(c) for c in str(text))


def _latex_character(c: str) -> str:
    if c in LATEX_SPECIALS:
        return LATEX_SPECIALS[c]
    if ord(c) < 256:
        return c
    name = unicodedata.name(c, "")
    if name.startswith("GREEK SMALL LETTER ") and " " not in name[19:]:
        return f"$\\{name[19:].lower().replace('lamda', 'lambda')}$"
    capital = name[21:].capitalize().replace("Lamda", "Lambda") if name.startswith("GREEK CAPITAL LETTER ") else ""
    return f"$\\{capital}$" if capital in _GREEK_CAPITALS else "?"


def markdown_math(latex: str) -> str:
    """LaTeX math that survives a Markdown pass: row breaks as TeX's ``\\cr`` instead of ``\\\\``.

    GitHub's Markdown reads a backslash before punctuation as an escape, even inside ``$$`` blocks,
    so ``\\\\`` would reach MathJax as ``\\``; ``\\cr`` means the same to MathJax and KaTeX.
    """
    return latex.replace("\\\\", "\\cr")
