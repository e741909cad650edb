"""The documents: JSON against the schema, snapshots of output/, real pdflatex, symbolic mode, templates."""

import json
import os
import re
import shutil
import subprocess
from importlib import resources

import jsonschema
import pytest
from xml.etree import ElementTree

import symbackprop
from symbackprop.present.rendering import Documents, render_options
from conftest import ROOT

EXAMPLES = symbackprop.example_names()
SCHEMA = json.loads((resources.files("symbackprop") / "solution.schema.json").read_text())


def test_shipped_schema_is_the_shared_contract():
    shared = ROOT.parent / "shared" / "solution.schema.json"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert json.loads(shared.read_text()) == SCHEMA


@pytest.mark.parametrize("name", EXAMPLES)
def test_json_is_valid_against_the_schema(solve_example, name):
    document = json.loads(symbackprop.render(solve_example(name), "json"))
    jsonschema.validate(document, SCHEMA)
    assert len(document["history"]) == solve_example(name).spec.iterations + 1
    assert document["verification"]["max_abs_difference"] < 1e-8


def test_json_numbers_are_never_rounded(solve_example):
    document = json.loads(symbackprop.render(solve_example("mazur"), "json", precision=2))
    w5 = next(p for p in document["parameters"] if p["label"] == "w_{5}")
    assert w5["updated"] == 0.35891647971788465
    assert document["samples"][0]["layers"][0]["neurons"][0] == {
        "index": 1, "label": "out_{h1}", "net": 0.3775, "out": 0.5932699921071872, "delta": 0.008771354689486935}


#: The documents output/ holds for each example: the per-weight form (NAME.*) and the matrix form.
FORMS = {"chain": "", "matrix": "-matrix"}
DOCUMENTS = [(name, form) for name in EXAMPLES for form in FORMS]


@pytest.mark.parametrize("name,form", DOCUMENTS)
@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_output_folder_is_in_sync_with_the_code(solve_example, name, form, fmt):
    """output/ holds the committed worked solutions; SYMBACKPROP_UPDATE_SNAPSHOTS=1 rewrites them."""
    path = ROOT / "output" / f"{name}{FORMS[form]}.{fmt}"
    rendered = symbackprop.render(solve_example(name), fmt, form=form)
    if os.environ.get("SYMBACKPROP_UPDATE_SNAPSHOTS") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered, f"{path} is out of date; see README (Development)"


@pytest.mark.parametrize("name", EXAMPLES)
def test_output_figures_are_in_sync_with_the_code(solve_example, name):
    """output/ holds each example's SVG figures beside its Markdown, which refers to them by name."""
    documents = Documents(solve_example(name), render_options(9, False, None))
    figures = documents.figures()
    markdown = (ROOT / "output" / f"{name}.md").read_text(encoding="utf-8")
    for file, svg in figures.items():
        path = ROOT / "output" / file
        if os.environ.get("SYMBACKPROP_UPDATE_SNAPSHOTS") == "1":
            path.write_text(svg, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == svg, f"{path} is out of date; see README (Development)"
        assert f"]({file})" in markdown
        ElementTree.fromstring(svg.split("-->", 1)[1])  # well-formed XML after the mark


@pytest.mark.latex
@pytest.mark.parametrize("name,form", DOCUMENTS)
def test_latex_compiles_with_pdflatex(tmp_path, name, form):
    assert shutil.which("pdflatex"), "pdflatex is required here (SYMBACKPROP_REQUIRE_LATEX=1)"
    source = tmp_path / f"{name}{FORMS[form]}.tex"
    source.write_text((ROOT / "output" / source.name).read_text())
    result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                             source.name], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    log = source.with_suffix(".log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    assert source.with_suffix(".pdf").stat().st_size > 10_000


@pytest.mark.latex
@pytest.mark.parametrize("notation", ["mazur", "nielsen", "course", "indexed"])
def test_pdf_in_every_notation_and_symbolic(tmp_path, notation):
    solution = symbackprop.solve("xor", notation=notation, iterations=2)
    paths = symbackprop.write(solution, ["pdf"], tmp_path, symbolic=notation == "indexed")
    name = "xor-symbolic.pdf" if notation == "indexed" else "xor.pdf"  # lecture notes never replace xor.pdf
    assert paths == [tmp_path / name] and paths[0].read_bytes().startswith(b"%PDF")


@pytest.mark.latex
@pytest.mark.parametrize("notation", ["mazur", "nielsen", "course", "indexed"])
def test_classification_pdfs_in_every_notation(tmp_path, notation):
    """softmax (both forms in one document) and bce (matrix form), with numbers and symbolic."""
    symbolic = notation in ("course", "indexed")
    softmax = symbackprop.solve("softmax", notation=notation, iterations=2)
    bce = symbackprop.solve("bce", notation=notation, iterations=2)
    paths = (symbackprop.write(softmax, ["pdf"], tmp_path, symbolic=symbolic, form="both")
             + symbackprop.write(bce, ["pdf"], tmp_path, symbolic=symbolic, form="matrix"))
    mode = "-symbolic" if symbolic else ""
    assert paths == [tmp_path / f"softmax{mode}.pdf", tmp_path / f"bce-matrix{mode}.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in paths)


def test_symbolic_mode_has_no_numbers(solve_example):
    document = symbackprop.render(solve_example("mazur"), "md", symbolic=True)
    derivation = document[: document.index("## Verification")]
    assert not re.search(r"\d\.\d", derivation)
    assert "These formulas were evaluated at the spec's values" in document
    assert r"w_{5}^{+} = w_{5} - \eta \cdot \frac{\partial E_{\mathrm{total}}}{\partial w_{5}}" in document
    assert "## 5." not in document


def test_precision_controls_the_digits_shown(solve_example):
    document = symbackprop.render(solve_example("mazur"), "md", precision=4)
    assert "= 0.3589\n" in document and "0.35891648" not in document


def test_user_text_is_escaped_in_latex():
    solution = symbackprop.solve({**json.loads((ROOT / "tests" / "mazur.json").read_text()),
                                  "title": r"50% of \input{/etc/passwd} & $x_1$ #1"})
    tex = symbackprop.render(solution, "tex")
    assert r"\title{50\% of \textbackslash{}input\{/etc/passwd\} \& \$x\_1\$ \#1}" in tex
    assert r"\input{" not in tex


def test_user_template_extends_a_default_block(tmp_path, solve_example):
    (tmp_path / "solution.md.j2").write_text(
        '{% extends "default/solution.md.j2" %}{% block intro %}Homework key, week 3.\n{% endblock %}')
    document = symbackprop.render(solve_example("mazur"), "md", template_dir=tmp_path)
    assert "Homework key, week 3." in document and "One backpropagation step" not in document
    assert "w_{5}^{+}" in document


def test_template_mistakes_fail_loudly_in_one_line(tmp_path, solve_example, capsys):
    from symbackprop.cli import main

    (tmp_path / "solution.md.j2").write_text("{{ no_such_variable }}")
    with pytest.raises(symbackprop.SymbackpropError, match="template solution.md.j2: 'no_such_variable' is undefined"):
        symbackprop.render(solve_example("mazur"), "md", template_dir=tmp_path)
    (tmp_path / "solution.md.j2").write_text("line one\n{% if %}")
    assert main(["solve", "course", "-f", "md", "-o", str(tmp_path / "out"), "--template-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("symbackprop: error: template solution.md.j2:2: ")
    assert main(["solve", "course", "--template-dir", str(tmp_path / "nope"), "-o", str(tmp_path / "out")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("notation", ["mazur", "nielsen", "course", "indexed"])
def test_markdown_math_survives_a_markdown_pass(notation):
    """Markdown reads a backslash before ASCII punctuation as an escape (GitHub does so even in $$ blocks)."""
    for name in ("deep", "xor"):
        for symbolic in (False, True):
            document = symbackprop.render(symbackprop.solve(name, notation=notation, iterations=1), "md",
                                          symbolic=symbolic)
            assert not re.findall(r"\\[!-/:-@\[-`{-~]", document)


@pytest.mark.latex
def test_unicode_titles_compile(tmp_path):
    data = {**json.loads((ROOT / "tests" / "mazur.json").read_text()), "iterations": 1,
            "title": "Rückpropagation: η = 0.5, ∂E/∂w — “Σ” 中"}
    paths = symbackprop.write(symbackprop.solve(data), ["pdf", "md"], tmp_path)
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert "# Rückpropagation: η = 0.5, ∂E/∂w — “Σ” 中" in paths[1].read_text()


@pytest.mark.latex
def test_wide_layers_stay_on_the_page(tmp_path):
    import random

    rng = random.Random(4)
    width = 12
    data = {"notation": "mazur", "inputs": [rng.uniform(0, 1) for _ in range(width)], "learning_rate": 0.5,
            "targets": [rng.uniform(0, 1) for _ in range(width)],
            "layers": [{"activation": "sigmoid", "weights": [[rng.uniform(-1, 1) for _ in range(width)]] * width,
                        "bias": [rng.uniform(-1, 1) for _ in range(width)]} for _ in range(2)]}
    tex = symbackprop.render(symbackprop.solve(data), "tex")
    (tmp_path / "wide.tex").write_text(tex)
    subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "wide.tex"], cwd=tmp_path,
                   capture_output=True, check=True)
    assert "Overfull \\hbox" not in (tmp_path / "wide.log").read_text(errors="replace")


def test_symbolic_notes_show_one_sample_of_several():
    solution = symbackprop.solve("xor", iterations=1)
    notes = symbackprop.render(solution, "md", symbolic=True)
    assert "those of sample 1 are shown" in notes and "### Sample 2" not in notes
    assert "### Sample 2" in symbackprop.render(solution, "md")


@pytest.mark.latex
def test_the_pictures_are_drawn_with_tikz(tmp_path):
    """CI installs TikZ and pgfplots: the PDF draws the network, the paths and the error curve."""
    assert subprocess.run(["kpsewhich", "pgfplots.sty"], capture_output=True).returncode == 0, \
        "pgfplots is required here (texlive-pictures)"
    source = tmp_path / "mazur.tex"
    source.write_text((ROOT / "output" / "mazur.tex").read_text())
    subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", source.name],
                   cwd=tmp_path, capture_output=True, check=True)
    log = source.with_suffix(".log").read_text(errors="replace")
    assert "pgfplots.sty" in log and "tikz.sty" in log
    text = subprocess.run(["pdftotext", str(source.with_suffix(".pdf")), "-"], capture_output=True, text=True).stdout
    assert "The network." in text and "sums over" in text and "iterations" in text


@pytest.mark.latex
@pytest.mark.parametrize("name", ["mazur", "xor"])
def test_no_page_opens_in_the_middle_of_a_derivation(tmp_path, name):
    """A derivation is kept whole: no page begins with a lone "= 0.018725609" (the Mazur PDF's page 8
    did), and a parameter's heading stands on its own line, not run into "Sample 1"."""
    pdf, = symbackprop.write(symbackprop.solve(name), ["pdf"], tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for number, page in enumerate(text.split("\f"), start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert not lines or not lines[0].lstrip().startswith("="), f"page {number} opens with {lines[0]!r}"
    assert not re.search(r"Parameter \S+ Sample", text)


@pytest.mark.latex
@pytest.mark.parametrize("name", EXAMPLES)
def test_every_notation_and_form_compiles_without_overfull_boxes(tmp_path, name):
    """Each built-in example in every notation and form, pictures included, compiles cleanly."""
    for notation in ("mazur", "nielsen", "course", "indexed"):
        solution = symbackprop.solve(name, notation=notation, iterations=2)
        for form in FORMS:
            source = tmp_path / f"{name}-{notation}-{form}.tex"
            source.write_text(symbackprop.render(solution, "tex", form=form))
            result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                                     source.name], cwd=tmp_path, capture_output=True, text=True)
            assert result.returncode == 0, (source.name, result.stdout[-1500:])
            assert "Overfull \\hbox" not in source.with_suffix(".log").read_text(errors="replace"), source.name
