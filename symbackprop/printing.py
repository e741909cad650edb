"""All LaTeX is produced here: one SymPy printer subclass, configured by a notation's labels.

Expressions from derive.py are unevaluated and already in the order the seeds write them, so the
printer keeps argument order (``order='none'``) and prints every symbol by looking up what it stands
for. Numbers are printed to ``precision`` decimal places with trailing zeros dropped, as Mazur's
tutorial does (0.593269992, 0.74136507); numbers too small for that switch to scientific form.
"""

from __future__ import annotations

from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .defaults import DEFAULT_PRECISION
from .notation import Labels
from .quantities import quantity_of



def format_number(value: float, precision: int = DEFAULT_PRECISION) -> str:
    """``value`` as LaTeX: fixed decimals, or ``m \\times 10^{e}`` when fixed would hide its digits."""
    if value != 0 and abs(value) < 10.0 ** (3 - precision):
        mantissa, exponent = f"{value:.{max(2, precision - 4)}e}".split("e")
        return f"{_strip(mantissa)} \\times 10^{{{int(exponent)}}}"
    text = _strip(f"{value:.{precision}f}")
    return "0" if text == "-0" else text


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


class SolutionPrinter(LatexPrinter):
    """Prints derive.py's expressions in one notation at one precision."""

    def __init__(self, labels: Labels, precision: int = DEFAULT_PRECISION):
        super().__init__({"order": "none", "mul_symbol": "dot"})
        self.labels = labels
        self.precision = precision

    def number(self, value: float) -> str:
        return format_number(value, self.precision)

    def _print_Symbol(self, expr, style="plain"):
        kind, bar, rest = expr.name.partition("|")
        if not bar:  # a plain SymPy symbol, such as a summation index
            return super()._print_Symbol(expr, style)
        if kind == "num":
            text = self.number(float(rest))
            return f"\\left({text}\\right)" if text.startswith("-") else text
        if kind == "dots":
            return "\\cdots"
        if kind == "generic":
            name, _, index = rest.partition("|")
            return self.labels.generic(name) + (f"_{{{index}}}" if index else "")
        return self.labels(quantity_of(expr))

    def _print_Derivative(self, expr):
        (variable, _count), = expr.variable_count
        return f"\\frac{{\\partial {self._print(expr.expr)}}}{{\\partial {self._print(variable)}}}"

    def _print_Mul(self, expr):
        """Factors in the order written; a leading -1 becomes a minus sign, x^{-1} a fraction."""
        factors = list(expr.args)
        sign = ""
        if len(factors) > 1 and factors[0] == -1:
            sign, factors = "- ", factors[1:]
        denominators = [f.base for f in factors if f.is_Pow and f.exp == -1]
        numerators = [f for f in factors if not (f.is_Pow and f.exp == -1)]
        if numerators == [1]:
            numerators = []
        text = self._print_product(numerators)
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
        if "^" in base and not base.startswith("\\left("):
            base = f"{{{base}}}"  # w^{2}_{11} to a power: a double superscript unless grouped
        return f"{base}^{{{self._print(expr.exp)}}}"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Piecewise(self, expr):
        """Cases as a textbook writes them ("if", "otherwise"), with no spacing macros such as ``\\:``."""
        rows = []
        for value, condition in expr.args:
            when = "\\text{otherwise}" if condition == True else f"\\text{{if }} {self._print(condition)}"  # noqa: E712
            rows.append(f"{self._print(value)} & {when}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"
