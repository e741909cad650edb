import functools
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import symbackprop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=None)
def solved(name: str, **overrides):
    """Solve an example once per test session (solutions are immutable)."""
    return symbackprop.solve(name, **overrides)


@pytest.fixture
def solve_example():
    return solved


def pytest_collection_modifyitems(config, items):
    """LaTeX tests skip without pdflatex, unless SYMBACKPROP_REQUIRE_LATEX=1 (as in CI) makes that a failure."""
    if shutil.which("pdflatex") or os.environ.get("SYMBACKPROP_REQUIRE_LATEX") == "1":
        return
    skip = pytest.mark.skip(reason="pdflatex is not installed (set SYMBACKPROP_REQUIRE_LATEX=1 to fail instead)")
    for item in items:
        if "latex" in item.keywords:
            item.add_marker(skip)
