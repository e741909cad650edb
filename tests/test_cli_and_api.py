"""Conventional command-line behaviour, and the Python API it wraps."""

import subprocess
import sys

import pytest

import symbackprop
from symbackprop.cli import main


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "symbackprop solve mazur" in out and "--symbolic" in out and "exit status" in out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"symbackprop {symbackprop.__version__}"


def test_examples_lists_the_built_ins(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for name in ("mazur", "course", "deep", "xor"):
        assert name in out
    assert "2-3-2-1" in out


def test_solve_prints_only_the_paths_it_wrote(tmp_path, capsys):
    assert main(["solve", "course", "-f", "md,json", "-o", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    written = ["course.md", "course-network.svg", "course-paths-1.svg", "course-error.svg", "course.json"]
    assert captured.out.split() == [str(tmp_path / name) for name in written]  # a Markdown's figures beside it
    assert captured.err == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)


def test_solve_overrides_notation_and_iterations(tmp_path):
    assert main(["solve", "mazur", "--notation", "nielsen", "--iterations", "5", "-f", "md", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "mazur.md").read_text()
    assert "w^{2}_{11}" in text and "after 5 iterations" in text


def test_spec_files_in_every_syntax_give_the_same_solution(tmp_path):
    yaml_text = "inputs: [0.1]\ntargets: [0.25]\nlearning_rate: 0.4\nlayers:\n  - activation: sigmoid\n" \
                "    weights: [[0.15]]\n    bias: 0.4\n"
    toml_text = "inputs = [0.1]\ntargets = [0.25]\nlearning_rate = 0.4\n[[layers]]\nactivation = \"sigmoid\"\n" \
                "weights = [[0.15]]\nbias = 0.4\n"
    json_text = '{"inputs": [0.1], "targets": [0.25], "learning_rate": 0.4, "layers": [{"activation": "sigmoid",' \
                ' "weights": [[0.15]], "bias": 0.4}]}'
    errors = set()
    for suffix, text in ((".yaml", yaml_text), (".toml", toml_text), (".json", json_text)):
        path = tmp_path / f"chain{suffix}"
        path.write_text(text)
        solution = symbackprop.solve(path)
        assert solution.spec.name == "chain"
        errors.add(solution.derivation.error.value)
    assert len(errors) == 1


def test_python_m_runs_the_cli(tmp_path):
    result = subprocess.run([sys.executable, "-m", "symbackprop", "solve", "course", "-o", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split() == [str(tmp_path / name) for name in (
        "course.md", "course-network.svg", "course-paths-1.svg", "course-error.svg", "course.tex")]


def test_import_does_not_load_sympy():
    code = "import sys, symbackprop; print('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_api_accepts_specs_and_overrides(solve_example):
    spec = solve_example("mazur").spec
    again = symbackprop.solve(spec, iterations=2)
    assert again.spec.iterations == 2 and again.spec.layers == spec.layers
    assert symbackprop.solve(spec).spec is spec


def test_write_rejects_an_unknown_format(solve_example, tmp_path):
    with pytest.raises(symbackprop.SpecError, match="format: expected some of md, tex, json, pdf"):
        symbackprop.write(solve_example("course"), ["docx"], tmp_path)
