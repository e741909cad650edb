"""Defaults shared by the command line and the library, in a module light enough for ``--help``."""

DEFAULT_PRECISION = 9  # decimal places shown, as Mazur's tutorial prints them
PRECISION_RANGE = range(1, 16)
