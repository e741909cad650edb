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


ONLINE = {"name": "online", "mode": "online", "learning_rate": 0.5,
          "samples": [{"inputs": [a, b], "targets": [a ^ b]} for a in (0, 1) for b in (0, 1)],
          "layers": [{"activation": "sigmoid", "weights": [[0.5, -0.4], [0.3, 0.2]], "bias": [0.1, -0.1]},
                     {"activation": "sigmoid", "weights": [[0.7, -0.6]], "bias": 0.2}]}


def test_online_mode_refuses_to_work_a_sample_it_does_not_update_from(tmp_path, capsys):
    """Online mode works out the first update, on sample 1 alone; --sample 4 printed an empty
    backward pass under "sample 4" and a table of sample 1's products labelled sample 4's."""
    solution = symbackprop.solve(ONLINE)
    with pytest.raises(symbackprop.SpecError, match=r"^sample: expected 1, the sample whose update is worked out"):
        symbackprop.render(solution, "md", sample=4)
    spec = tmp_path / "online.json"
    spec.write_text(__import__("json").dumps(ONLINE))
    from symbackprop.cli import main

    assert main(["solve", str(spec), "--sample", "2", "-o", str(tmp_path / "out")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1 and not (tmp_path / "out").exists()
    compact = symbackprop.render(solution, "md", detail="compact", sample=1)
    assert "sample 1 are shown" in compact and "the gradient sums the samples' terms" not in compact
    assert "sample 3's term" in symbackprop.render(symbackprop.solve("xor", iterations=1), "md", sample=3)


def _course():
    return symbackprop.solve("course", iterations=1)


MISUSES = {  # a call given the wrong type of thing, and the field its one-line error names
    "solve(123)": (lambda: symbackprop.solve(123), "spec"),
    "solve(None)": (lambda: symbackprop.solve(None), "spec"),
    "solve(b'mazur')": (lambda: symbackprop.solve(b"mazur"), "spec"),
    "carry_digits=3.0": (lambda: symbackprop.solve("course", carry_digits=3.0), "digits"),
    "progress=5": (lambda: symbackprop.solve("course", progress=5), "progress"),
    "render('course')": (lambda: symbackprop.render("course"), "solution"),
    "render(fmt=['md'])": (lambda: symbackprop.render(_course(), ["md"]), "format"),
    "form=['x']": (lambda: symbackprop.render(_course(), form=["x"]), "form"),
    "symbolic='no'": (lambda: symbackprop.render(_course(), symbolic="no"), "symbolic"),
    "template_dir=5": (lambda: symbackprop.render(_course(), template_dir=5), "template-dir"),
    "write(5 formats)": (lambda: symbackprop.write(_course(), 5, "unused"), "format"),
    "write([5])": (lambda: symbackprop.write(_course(), [5], "unused"), "format"),
    "write(out_dir=None)": (lambda: symbackprop.write(_course(), ["md"], None), "output"),
    "write('course')": (lambda: symbackprop.write("course", ["md"], "unused"), "solution"),
    "write(force='x')": (lambda: symbackprop.write(_course(), ["md"], "unused", force="x"), "force"),
}


@pytest.mark.parametrize("call", MISUSES)
def test_api_misuse_is_bad_input_naming_its_field(call, tmp_path, monkeypatch):
    """Each raised TypeError, KeyError or AttributeError (or, for "no", silently meant yes)."""
    monkeypatch.chdir(tmp_path)  # where a write() that failed to refuse would have written
    function, field = MISUSES[call]
    with pytest.raises(symbackprop.SymbackpropError, match=rf"^{field}: "):
        function()


def test_a_solution_pickles_and_deep_copies_to_an_equal_one():
    """A notebook deep-copies, a process pool pickles; both failed on the compiled functions and
    rule tables' lambdas. The copy is solved again from its spec and carry_digits."""
    import copy
    import pickle

    original = symbackprop.solve("xor", iterations=3, notation="mazur", carry_digits=3)
    for clone in (pickle.loads(pickle.dumps(original)), copy.deepcopy(original)):
        assert clone is not original and clone.spec == original.spec and clone.carried.digits == 3
        for fmt in ("json", "md"):
            assert symbackprop.render(clone, fmt) == symbackprop.render(original, fmt)


def test_a_process_pool_returns_solutions():
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        solution = pool.submit(symbackprop.solve, "course", iterations=2).result(timeout=120)
    assert symbackprop.render(solution, "json") == symbackprop.render(symbackprop.solve("course", iterations=2), "json")


def test_present_does_not_import_solution_py():
    """solution.py imports present/rendering.py (a Solution displays itself in a notebook), so no
    module of present/ may import solution.py, directly or through another module, at any depth
    or inside a function: the two imported each other."""
    import ast
    from pathlib import Path

    package = Path(symbackprop.__file__).parent
    modules = {".".join(p.relative_to(package.parent).with_suffix("").parts): p for p in package.rglob("*.py")}

    def run_time(node):  # every node but those under "if TYPE_CHECKING:", which never run
        for child in ast.iter_child_nodes(node):
            if not (isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING"):
                yield child
                yield from run_time(child)

    def imported(name: str) -> set[str]:
        found, here = set(), name.split(".")[:-1]
        for node in run_time(ast.parse(modules[name].read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
                found |= {m for m in (base, *(f"{base}.{a.name}" for a in node.names)) if m in modules}
        return found - {name}

    seen, todo = set(), [m for m in modules if m.startswith("symbackprop.present.")]
    while todo:
        name = todo.pop()
        seen.add(name)
        todo += [m for m in imported(name) if m not in seen]
    assert "symbackprop.solution" not in seen
    assert "symbackprop.present.rendering" in imported("symbackprop.solution")


HOSTILE_TEMPLATES = {  # each asked for gigabytes, or for hours
    "repeat": "{{ 'a' * 100000000 }}",
    "power": "{{ 2 ** 100000000 }}",
    "filter width": "{{ 'a' | center(1000000000) }}",
    "method width": "{{ 'a'.center(1000000000) }}",
    "brace width": "{{ '{:>{w}}'.format(1, w=1000000000) }}",
    "percent width": "{{ '%1000000000d' % 1 }}",
    "doubling": "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "replace": "{% set s = 'a' * 1000000 %}{{ s | replace('a', s) }}",
    "join": "{{ range(100000) | map('string') | join('x' * 1000000) }}",
    "long document": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
    "endless loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "exponential macro": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
}


@pytest.mark.parametrize("name", HOSTILE_TEMPLATES)
def test_a_user_template_asking_for_too_much_fails_in_one_line(tmp_path, name):
    (tmp_path / "solution.md.j2").write_text(HOSTILE_TEMPLATES[name])
    with pytest.raises(symbackprop.TemplateError, match=r"^template solution\.md\.j2: it asks for [^\n]+$"):
        symbackprop.render(_course(), "md", template_dir=tmp_path)


def test_a_hostile_template_costs_megabytes_not_hundreds(tmp_path):
    """{{ 'a' * 100000000 }} took 454 MB (Jinja folded the constant while compiling it)."""
    import tracemalloc

    solution = _course()
    (tmp_path / "solution.md.j2").write_text(HOSTILE_TEMPLATES["repeat"])
    tracemalloc.start()
    try:
        with pytest.raises(symbackprop.TemplateError):
            symbackprop.render(solution, "md", template_dir=tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_the_command_line_stops_a_template_that_never_ends(tmp_path):
    import sys

    (tmp_path / "solution.md.j2").write_text(HOSTILE_TEMPLATES["endless loops"])
    result = subprocess.run([sys.executable, "-m", "symbackprop", "solve", "course", "-f", "md", "-o",
                             str(tmp_path / "out"), "--template-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "it asks for more than" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_template_within_the_bounds_keeps_filters_formats_and_big_numbers(tmp_path):
    (tmp_path / "solution.md.j2").write_text(
        "{{ 999999999999 | filesizeformat }} {{ '%.3f' | format(3.14159) }} {{ '{:>8}'.format('ok') }} "
        "{{ 'a,b'.split(',') | join('-') }} {{ 12345678901234567890 * 3 }} {{ 2 ** 100 }} {{ '-' * 20 }}")
    text = symbackprop.render(_course(), "md", template_dir=tmp_path)
    assert text.splitlines()[2] == ("1000.0 GB 3.142       ok a-b 37037036703703703670 "
                                    "1267650600228229401496703205376 " + "-" * 20)


def test_the_bounded_environment_renders_through_jinjas_own_render_too():
    """Exercise sheets render with Template.render, which joins with Environment.concat: the
    sandbox's join of ``~`` once took that name, and every such document came out empty."""
    from symbackprop.present.rendering import _environment

    template = _environment("md", None).from_string("a{{ 1 }}b{{ 'x' ~ 2 }}{% for i in [3, 4] %}{{ i }}{% endfor %}")
    assert template.render() == "a1bx234"
