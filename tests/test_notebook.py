"""Jupyter: a real notebook executed by nbconvert shows a Solution as its worked solution and a
CheckResult as its report (rich Markdown output), each with a one-line plain repr."""

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor

CELLS = [
    'import symbackprop\nsolution = symbackprop.solve("mazur", iterations=3)\nsolution',
    'symbackprop.check("mazur", {"w5+": "0.3589", "w6+": "0.4087", "dE/dw7": "0.0226"})',
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    ExecutePreprocessor(timeout=120, kernel_name="python3").preprocess(
        notebook, {"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}})
    return [cell.outputs[0]["data"] for cell in notebook.cells]


def test_a_solution_displays_as_its_worked_solution(outputs):
    data = outputs[0]
    assert data["text/plain"] == "<Solution mazur: 2-2-2, half_sse, 3 iterations, error 0.298371109 -> 0.275943289>"
    markdown = data["text/markdown"]
    assert "## 3. Forward pass" in markdown and "w_{5}^{+}" in markdown and "0.35891648" in markdown
    assert markdown.count("](data:image/svg+xml;base64,") == 3  # the network, the paths, the error curve


def test_a_check_displays_as_its_report(outputs):
    data = outputs[1]
    assert data["text/plain"].startswith("<CheckResult 2 correct, 0 rounding, 0 consequential, 1 wrong")
    markdown = data["text/markdown"]
    assert markdown.startswith("# Check of an answer sheet") and "| wrong | $\\frac{\\partial E_{total}}{\\partial w_{7}}$" in markdown
