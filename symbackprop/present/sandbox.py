"""The Jinja environment templates run in: sandboxed, and bounded in size and work.

A user's template folder comes first in the search path, so a template may be anyone's. Jinja's
sandbox keeps it from Python's internals but not from asking for resources (its documentation says
so): ``{{ 'a' * 100000000 }}`` took 454 MB, and a loop in a loop may never end. Here whatever a
template could make large is measured before it is made, and its work is counted, so such a
template fails in one line (rendering.py names it; exit status 2):

- a text made by ``*``, ``+``, ``%``, ``~``, a filter or a string method, a list, and the document
  itself hold at most MAX_CHARS characters or items, a whole number at most MAX_BITS bits;
- a width (``center``, ``indent``, ``'%9d'``, ``'{:>9}'``) is at most MAX_WIDTH;
- rendering takes at most MAX_STEPS steps: a loop turn or a filter is one, a call CALL_STEPS, and
  measuring WORK_PER_STEP characters or items one. Lists cannot grow in place (the sandbox is the
  immutable one), and ``lipsum`` (paragraphs by the million) is not offered.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from functools import wraps

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Ten times the largest worked solution the spec's limits allow (1.2 MB, a 32-32-4 network in full).
MAX_CHARS = 10_000_000
MAX_BITS = 100_000  # a whole number of about 30,000 digits; Python prints at most 4,300 anyway
MAX_WIDTH = 10_000  # a field's width or precision, a filter's width: a page is a hundred characters wide
#: The default templates take at most about 200,000 (a 32-32-4 network worked in full, both forms).
MAX_STEPS = 1_000_000
WORK_PER_STEP = 100
CALL_STEPS = 10  # a call (a macro's, mostly) takes about as long as ten loop turns
#: Filters and string methods whose whole-number arguments are widths or counts of things made.
WIDTH_TAKERS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "truncate",
                          "batch", "slice"})
_PERCENT_WIDTHS = re.compile(r"%[#0 +\-]*(\*|\d*)(?:\.(\*|\d*))?")


class TooLarge(Exception):
    """A template asked for more than the bounds allow (rendering.py names the template)."""


def _too_large() -> TooLarge:
    return TooLarge(f"a value of more than {MAX_CHARS:,} characters or items")


def check_widths(widths) -> None:
    for width in widths:
        if width == "*" or (isinstance(width, int) and abs(width) > MAX_WIDTH) or (
                isinstance(width, str) and width.isdigit() and int(width) > MAX_WIDTH):
            raise TooLarge(f"a width or precision of more than {MAX_WIDTH:,} (or one given by an argument)")


def check_percent_format(text: str) -> None:
    """``'%9.3f' % x``, and the ``format`` filter that does it: widths and precisions within MAX_WIDTH."""
    check_widths(part for match in _PERCENT_WIDTHS.finditer(text) for part in match.groups() if part)


def check_brace_format(text: str) -> None:
    """``'{:>9}'.format(x)``: widths within MAX_WIDTH, none taken from an argument (``{:{w}}``)."""
    for _, _, spec, _ in string.Formatter().parse(text):
        check_widths(["*"] if spec and "{" in spec else re.findall(r"\d+", spec or ""))


def check_bits(value) -> None:
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise TooLarge(f"a whole number of more than {MAX_BITS:,} bits")


class _Generator(CodeGenerator):
    """Compiles ``~`` to a measured join, and every ``for`` loop's iterable to a counted one."""

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.joined((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def visit_For(self, node: nodes.For, frame) -> None:
        node.iter = nodes.Call(nodes.EnvironmentAttribute("counted"), [node.iter], [], None, None,
                               lineno=node.lineno)
        super().visit_For(node, frame)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _Generator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0
        self.finalize = self.written  # every value a template writes
        self.globals.pop("lipsum", None)
        self.filters = {name: self._bounded_filter(name, f) for name, f in self.filters.items()}

    def charge(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise TooLarge(f"more than {MAX_STEPS:,} steps (loop turns, calls, filters; a loop that does not end?)")

    def measured(self, value) -> int:
        """Characters of a text, or of a list's or tuple's items, each counting one at least, the
        lists themselves included; counted only up to just past MAX_CHARS, and charged as work."""
        total, todo = 0, [value]
        while todo and total <= MAX_CHARS:
            item = todo.pop()
            if isinstance(item, (list, tuple)):
                todo.extend(item)
            total += len(item) if isinstance(item, str) and item else 1
        self.charge(total // WORK_PER_STEP)
        return total

    def bounded(self, *values) -> list[int]:
        """Each value's measure, or TooLarge for one past MAX_CHARS or MAX_BITS."""
        sizes = []
        for value in values:
            check_bits(value)
            sizes.append(self.measured(value))
            if sizes[-1] > MAX_CHARS:
                raise _too_large()
        return sizes

    def written(self, value):
        self.bounded(value)
        return value

    def counted(self, iterable):
        for item in iterable:
            self.charge()
            yield item

    def joined(self, parts) -> str:
        if sum(self.bounded(*parts)) > MAX_CHARS:
            raise _too_large()
        return "".join(map(str, parts))

    def call_binop(self, context, operator, left, right):
        """``*``, ``**``, ``+`` and ``%``, their results measured before they are made."""
        self.charge()
        check_bits(left), check_bits(right)
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            check_bits(1 << min(right * left.bit_length(), MAX_BITS + 1))
        elif operator == "*" and isinstance(left, int) and isinstance(right, int):
            check_bits(1 << min(left.bit_length() + right.bit_length(), MAX_BITS + 1))
        elif operator == "*":
            self._made(*(v for v in (left, right) if not isinstance(v, int)),
                       times=max([v for v in (left, right) if isinstance(v, int)] or [1]))
        elif operator == "+" and sum(self.bounded(left, right)) > MAX_CHARS:
            raise _too_large()
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left)
            self._made(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        __self.charge(CALL_STEPS)
        args, kwargs = _materialized(args), dict(zip(kwargs, _materialized(kwargs.values())))
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):  # a string method: the string is an argument too
            __self._arguments(getattr(__obj, "__name__", ""), (owner, *args), kwargs)
        return __self.written(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_brace_format(value.__self__)
        return wrapped

    def _bounded_filter(self, name: str, function):
        @wraps(function)  # keeps Jinja's mark of a filter that takes the context or environment
        def bounded_filter(*args, **kwargs):
            self.charge()
            args, kwargs = _materialized(args), dict(zip(kwargs, _materialized(kwargs.values())))
            self._arguments(name, args, kwargs)
            if name == "format" and args:
                check_percent_format(str(args[0]))
            return self.written(function(*args, **kwargs))
        return bounded_filter

    def _arguments(self, name: str, args: tuple, kwargs: dict) -> None:
        """Before a filter or string method runs: its widths, and what its arguments can make."""
        arguments = (*args, *kwargs.values())
        if name in WIDTH_TAKERS:
            check_widths([a for a in arguments if isinstance(a, int) and not isinstance(a, bool)])
        self._made(*arguments)

    def _made(self, *values, times: int = 1) -> None:
        """What ``values`` can make within MAX_CHARS: the largest repeated ``times`` times and once per
        character or item of the others (a replace, a join, a repeat) at most."""
        sizes = sorted(self.bounded(*values))
        if sizes and sizes[-1] * max(times, 1) * (1 + sum(sizes[:-1])) > MAX_CHARS:
            raise _too_large()

    def render_bounded(self, template, context: dict) -> str:
        """The template's text, stopped as soon as it passes MAX_CHARS."""
        parts, total = [], 0
        for part in template.generate(context):
            total += len(part)
            if total > MAX_CHARS:
                raise TooLarge(f"a document of more than {MAX_CHARS:,} characters")
            parts.append(part)
        return "".join(parts)


def _materialized(values) -> tuple:
    """Iterators (what map, select and batch give) as lists, so that they can be measured."""
    return tuple(list(v) if isinstance(v, Iterator) else v for v in values)
