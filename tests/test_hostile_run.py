"""What a hostile run of issue 16 found: wide matrices, --sample in online mode, API misuse, pickling,
a template that asks for gigabytes, the import circle."""

import subprocess

import pytest

import symbackprop


def _net(inputs: int, widths: list[int], samples: int = 1) -> dict:
    """A sigmoid network with small distinct weights (values are not what these tests are about)."""
    layers, below = [], inputs
    for n, width in enumerate(widths):
        layers.append({"activation": "sigmoid", "bias": 0.1,
                       "weights": [[round(0.01 * ((j + 3 * k + n) % 7) - 0.03, 2) for k in range(below)]
                                   for j in range(width)]})
        below = width
    data = [{"inputs": [round(0.1 * ((s + i) % 9), 1) for i in range(inputs)], "targets": [0.5] * widths[-1]}
            for s in range(samples)]
    return {"name": "wide", "samples": data, "learning_rate": 0.5, "layers": layers}


@pytest.mark.latex
@pytest.mark.parametrize("inputs, widths, samples", [(11, [1], 1), (2, [1], 12), (32, [1], 1)])
def test_matrix_form_compiles_beyond_ten_columns(tmp_path, inputs, widths, samples):
    """amsmath's bmatrix stops at 10 columns unless told more: 11 inputs, 12 samples (a column
    each), a 32-wide layer all compiled to "Extra alignment tab" errors."""
    source = tmp_path / "wide.tex"
    source.write_text(symbackprop.render(symbackprop.solve(_net(inputs, widths, samples)), "tex", form="both"))
    result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                             source.name], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-800:]
