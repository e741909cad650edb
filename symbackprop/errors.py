"""The project's own exception types.

The CLI maps each class to one line on stderr and its ``exit_status``; the Python API lets them
propagate so that callers can catch :class:`SymbackpropError` as a whole.
"""


class SymbackpropError(Exception):
    """Base class: a failure the user can act on, reported without a traceback."""

    exit_status = 1


class SpecError(SymbackpropError):
    """The spec (or a command-line value) is not a valid network description.

    The message starts with the offending field, e.g. ``layers[1].weights: ...``.
    """

    exit_status = 2


class DivergenceError(SpecError):
    """Training overflowed: the spec asks for a learning rate (or inputs) that diverge."""


class OutputError(SymbackpropError):
    """A document could not be written (a folder in the way, no permission, a full disk)."""

    exit_status = 2


class TemplateError(SymbackpropError):
    """A user template is missing, malformed, or asks for a variable the document does not have."""

    exit_status = 2


class ToolMissingError(SymbackpropError):
    """An external program (pdflatex/latexmk) is needed but not installed."""

    exit_status = 2


class LatexError(SymbackpropError):
    """pdflatex ran but did not produce a PDF; the message names the log line."""

    exit_status = 1


class VerificationError(SymbackpropError):
    """Two independent computations of the same number disagree: a bug in symbackprop.

    Raised instead of printing a number we cannot vouch for.
    """

    exit_status = 3
