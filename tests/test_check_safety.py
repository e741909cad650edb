"""check for a teacher who must not lose anything, and for a reader a hostile sheet must not fool
(issue 16): the gradebook never replaces an input or a file symbackprop did not write; a class run
with any mix of broken sheets writes one row per sheet; terminal, CSV, Markdown and JSON reports
carry hostile file names, labels and values as inert text; the API refuses misuse with SpecError; a
Grader and a CheckResult survive pickle and deepcopy."""

import copy
import csv
import io
import json
import os
import pickle
import unicodedata

import pytest
import yaml

import symbackprop
from conftest import ROOT, solved
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.grading.checking import Grader
from symbackprop.grading.classroom import COLUMNS, grade_class
from symbackprop.grading.reports import REPORTS

MAZUR = ROOT / "symbackprop" / "examples" / "mazur.yaml"
GOOD = "w5+: '0.3589'\nw6+: '0.4087'\n"
#: Sets the terminal's title, clears the screen, prints a green "ALL CORRECT", reverses the text after it
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[32mALL CORRECT\x1b[0m\u202e\x9b31m"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def mazur():
    return Grader(solved("mazur"))


def write(folder, name, text):
    path = folder / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


def spec_json(folder):
    path = folder / "spec.json"
    path.write_text(json.dumps(yaml.safe_load(MAZUR.read_text())))
    return path


# --- nothing of a teacher's is overwritten or lost -------------------------------------------------

@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_gradebook_never_replaces_the_spec(tmp_path, capsys, force):
    spec = spec_json(tmp_path)
    original = spec.read_bytes()
    write(tmp_path, "a.yaml", GOOD)
    assert main(["check", str(spec), str(tmp_path / "a.yaml"), "--gradebook", str(spec), *force]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbackprop: error: gradebook:") and "spec" in err and err.count("\n") == 1
    assert spec.read_bytes() == original
    link = tmp_path / "link.json"  # a link to the spec is the spec
    link.symlink_to(spec)
    assert main(["check", str(spec), str(tmp_path / "a.yaml"), "--gradebook", str(link), *force]) == 2
    assert spec.read_bytes() == original and link.is_symlink()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_gradebook_never_replaces_a_sheet_it_grades(tmp_path, capsys, force):
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, "a.yaml", GOOD)
    sheet = write(folder, "b.csv", "w5+,0.3589\n")
    assert main(["check", "mazur", str(folder), "--gradebook", str(sheet), *force]) == 2
    err = capsys.readouterr().err
    assert "gradebook:" in err and "answer sheet" in err and sheet.read_text() == "w5+,0.3589\n"
    sheet_json = write(folder, "c.json", '{"w5+": "0.3589"}')
    assert main(["check", "mazur", str(folder / "a.yaml"), str(sheet_json), "--gradebook", str(sheet_json), *force]) == 2
    assert sheet_json.read_text() == '{"w5+": "0.3589"}'


@pytest.mark.parametrize("name, content", [
    ("grades.csv", "student,grade\nann,A\n"),
    ("roster.json", '[{"sheet": "a.yaml", "student": "Ann"}]'),  # begins like a gradebook, is not one
    ("empty.csv", ""),
])
def test_the_gradebook_replaces_a_file_symbackprop_did_not_write_only_with_force(tmp_path, capsys, name, content):
    write(tmp_path, "a.yaml", GOOD)
    target = write(tmp_path, name, content)
    assert main(["check", "mazur", str(tmp_path / "a.yaml"), "--gradebook", str(target)]) == 2
    err = capsys.readouterr().err
    assert "was not written by symbackprop" in err and "--force" in err and target.read_text() == content
    assert main(["check", "mazur", str(tmp_path / "a.yaml"), "--gradebook", str(target), "--force"]) == 0
    assert len(read_gradebook(target)) == 1
    assert main(["check", "mazur", str(tmp_path / "a.yaml"), "--gradebook", str(target)]) == 0  # now ours


def test_a_class_folder_keeps_its_sheets_and_its_gradebook(tmp_path, capsys):
    """An earlier gradebook in the folder is no sheet; every sheet is graded, none is dropped."""
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, "a.yaml", GOOD)
    write(folder, "b.csv", "w5+,0.3589\n")
    for gradebook in ("grades.csv", "grades.json"):
        assert main(["check", "mazur", str(folder), "--gradebook", str(folder / gradebook)]) == 0
        assert [os.path.basename(r["sheet"]) for r in read_gradebook(folder / gradebook)] == ["a.yaml", "b.csv"]
    capsys.readouterr()


def test_a_folder_in_the_gradebooks_place_is_refused_before_grading(tmp_path, capsys, monkeypatch):
    write(tmp_path, "a.yaml", GOOD)
    (tmp_path / "grades.csv").mkdir()
    monkeypatch.setattr(Grader, "check", lambda *args, **kwargs: pytest.fail("graded before the refusal"))
    assert main(["check", "mazur", str(tmp_path / "a.yaml"), "--gradebook", str(tmp_path / "grades.csv")]) == 2
    assert "is a folder" in capsys.readouterr().err


def read_gradebook(path):
    if path.suffix == ".json":
        return json.loads(path.read_text())
    return list(csv.DictReader(io.StringIO(path.read_text())))


BROKEN = {  # name -> content (bytes or text), each a sheet a class run must survive
    "bad-yaml.yaml": "w5+: [unclosed\n",
    "binary.yaml": bytes(range(256)) * 4,
    "binary.json": b"\x00\x01\xff\xfe" * 100,
    "delta-list.yaml": "delta: [gradient]\nw5+: '0.3589'\n",
    "delta-mapping.yaml": "delta: {a: 1}\nw5+: '0.3589'\n",
    "aliases-list.yaml": "aliases: [y1]\nw5+: '0.3589'\n",
    "alias-unknown.yaml": "aliases: {y1: out_o9}\ny1: '0.3589'\n",
    "list.json": "[1, 2]",
    "bad.toml": "w5+ = = 1",
    "nul.csv": "w5+,0.3589\x00\n",
    "empty.md": "",
}


def broken_class(folder):
    folder.mkdir()
    write(folder, "a-good.yaml", GOOD)
    for name, content in BROKEN.items():
        write(folder, name, content)
    with open(folder / "huge.yaml", "wb") as stream:
        stream.truncate(3_000_000)
    (folder / "unreadable.yaml").symlink_to(folder / "missing.yaml")  # a link to nothing cannot be read
    (folder / "folder.yaml").mkdir()
    os.mkfifo(folder / "fifo.yaml")
    (folder / "spec-link.yaml").symlink_to(MAZUR)
    write(folder, os.fsdecode(b"bad-\xff-name.yaml"), GOOD)  # a name that is not UTF-8
    return sorted(p.name for p in folder.iterdir())


def test_a_class_of_broken_sheets_writes_a_complete_gradebook(tmp_path, capsys):
    names = broken_class(tmp_path / "class")
    for gradebook in ("grades.csv", "grades.json"):
        status = main(["check", str(MAZUR), str(tmp_path / "class"), "--gradebook", str(tmp_path / gradebook)])
        out, err = capsys.readouterr()
        assert status == 2 and err == ""
        rows = read_gradebook(tmp_path / gradebook)
        shown = names if gradebook.endswith(".json") else list(map(printable_name, names))  # JSON: exact
        assert sorted(os.path.basename(r["sheet"]) for r in rows) == sorted(shown)
        assert tuple(rows[0]) == COLUMNS
        for r in rows:
            good = os.path.basename(r["sheet"]) in ("a-good.yaml", shown[names.index(os.fsdecode(b"bad-\xff-name.yaml"))])
            assert bool(r["error"]) != good, r
            assert "internal error" not in r["error"] and "Traceback" not in r["error"]
        assert out.startswith(f"{len(names)} sheets: 2 without mistakes, 0 with wrong answers, "
                              f"{len(names) - 2} unreadable.")
    errors = {os.path.basename(r["sheet"]): r["error"] for r in rows}
    assert "delta: expected gradient or target-minus-output" in errors["delta-list.yaml"]
    assert "delta: expected gradient or target-minus-output" in errors["delta-mapping.yaml"]
    assert "not a regular file" in errors["folder.yaml"] and "not a regular file" in errors["fifo.yaml"]
    assert "spec" in errors["spec-link.yaml"]
    assert "3,000,000 bytes" in errors["huge.yaml"]


def printable_name(name):
    """A file name as the gradebook writes it: a byte that is not UTF-8 as a visible escape."""
    return name.replace("\udcff", "\\udcff")


def test_a_bug_on_one_sheet_is_that_sheets_row(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    for n in range(5):
        write(folder, f"s{n}.yaml", GOOD)
    check = Grader.check

    def buggy(self, answers, *args, **kwargs):
        if str(answers).endswith("s2.yaml"):
            raise ZeroDivisionError("a bug")
        return check(self, answers, *args, **kwargs)

    monkeypatch.setattr(Grader, "check", buggy)
    assert main(["check", "mazur", str(folder), "--gradebook", str(tmp_path / "g.csv")]) == 3
    rows = read_gradebook(tmp_path / "g.csv")
    assert len(rows) == 5 and [bool(r["error"]) for r in rows] == [False, False, True, False, False]
    assert "internal error" in rows[2]["error"] and "ZeroDivisionError" in rows[2]["error"]
    assert "internal error" in capsys.readouterr().out


# --- reports that cannot be turned against the reader ----------------------------------------------

def hostile_class(folder):
    """File names that begin like formulas or carry escape sequences, and sheets with hostile labels
    and hostile values quoted back in their errors."""
    folder.mkdir()
    formula = "=HYPERLINK(\"evil.example\",\"x\")"
    write(folder, f"{formula}.yaml", GOOD)
    for start in ("+", "-", "@", "\t", "\r", " ="):
        write(folder, f"{start}SUM(1).yaml", GOOD)
    write(folder, f"{HOSTILE}.yaml", "w5+: '0.4411'\n")
    write(folder, "label.yaml", yaml.safe_dump({HOSTILE: "0.5", "<img src=x onerror=alert(1)>": "0.5",
                                                "w5+": "0.3589"}))
    write(folder, "value.yaml", "w5+: '<img src=x onerror=alert(1)>'\n")
    write(folder, "formula.yaml", f"w5+: '{formula}'\n")
    write(folder, "escape.yaml", f"w5+: \"{HOSTILE.encode('unicode_escape').decode()}\"\n")
    write(folder, "front.md", f"---\ndelta: '{HOSTILE}'\n---\n$$ w_5^+ = 0.3589 $$\n")


def unsafe_characters(text):
    """Control, format (bidi, zero width) and separator characters, and lone surrogates, but the newline."""
    return {c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")}


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_class_reports_are_inert(tmp_path, capsys, monkeypatch, fmt):
    hostile_class(tmp_path / "class")
    monkeypatch.chdir(tmp_path / "class")  # sheet names as given: "=HYPERLINK(...).yaml"
    assert main(["check", "mazur", ".", "--format", fmt, "--gradebook", str(tmp_path / "g.csv")]) == 2
    out, err = capsys.readouterr()
    assert err == "" and not unsafe_characters(out)
    if fmt == "md":
        assert "<" not in out and "&lt;img src=x onerror=alert" in out
    if fmt == "json":
        rows = json.loads(out)
        assert {r["sheet"] for r in rows} == set(os.listdir("."))  # exact, as JSON escapes them
    if fmt == "text":
        assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out


def test_gradebook_cells_never_begin_a_formula(tmp_path, capsys, monkeypatch):
    hostile_class(tmp_path / "class")
    monkeypatch.chdir(tmp_path / "class")
    assert main(["check", "mazur", ".", "--gradebook", str(tmp_path / "g.csv")]) == 2
    capsys.readouterr()
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")
    assert not unsafe_characters(text.replace("\r", ""))  # csv's own line ends aside
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert len(cells) == len(COLUMNS) * (1 + len(os.listdir(".")))  # g.csv is outside the folder
    for cell in cells:
        assert not cell.startswith(FORMULA_START) and not cell.lstrip().startswith(FORMULA_START), cell
    sheets = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert "'=HYPERLINK(\"evil.example\",\"x\").yaml" in sheets and "'-SUM(1).yaml" in sheets


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_one_sheets_report_is_inert(tmp_path, capsys, mazur, fmt):
    sheet = write(tmp_path, "label.yaml", yaml.safe_dump({HOSTILE: "0.5", "<b>bold</b>": "0.5",
                                                          f"w5+{HOSTILE}": "0.3589", "w5+": "0.4411"}))
    assert main(["check", "mazur", str(sheet), "--format", fmt]) == 1
    out, err = capsys.readouterr()
    assert err == "" and not unsafe_characters(out)
    if fmt == "md":
        assert "<" not in out
    if fmt == "json":
        assert {i["label"] for i in json.loads(out)["items"]} >= {HOSTILE, "<b>bold</b>"}
    assert not unsafe_characters(REPORTS[fmt](mazur.check(sheet)))


def test_an_error_line_is_inert(tmp_path, capsys):
    sheet = write(tmp_path, f"{HOSTILE}.yaml", "w5+: [1]\n")
    assert main(["check", "mazur", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbackprop: error: ") and err.endswith("\n") and not unsafe_characters(err)
    assert "\\x1b[2J" in err
    with pytest.raises(SystemExit) as usage:  # a usage mistake quotes the command line
        main(["solve", "mazur", f"{HOSTILE}.yaml"])
    err = capsys.readouterr().err
    assert usage.value.code == 2 and "\\x1b[2J" in err and not unsafe_characters(err)


def test_a_documents_title_carries_no_html(tmp_path):
    spec = yaml.safe_load(MAZUR.read_text())
    spec["title"] = "<img src=x onerror=alert(1)> & <script>alert(2)</script>"
    markdown = symbackprop.render(symbackprop.solve(spec), "md")
    assert "<img" not in markdown and "<script" not in markdown and "&lt;img src=x onerror=alert" in markdown
    assert "&gt; & &lt;script&gt;" in markdown


# --- the API refuses misuse with SpecError; a Grader and a CheckResult survive pickle and deepcopy --

@pytest.mark.parametrize("options", [
    {"delta": "x"}, {"delta": ["gradient"]}, {"delta": 1}, {"tolerance": 5}, {"tolerance": None},
    {"tolerance": ["digits"]}, {"aliases": "y1=out_o1"}, {"aliases": ["y1"]}, {"aliases": {"y1": 1}},
    {"aliases": {"y1": "out_o9"}},
])
def test_bad_options_are_spec_errors(mazur, options):
    field = next(iter(options))
    with pytest.raises(SpecError, match=f"^{field}: "):
        mazur.check({"w5+": "0.3589"}, **options)
    with pytest.raises(SpecError, match=f"^{field}: "):
        symbackprop.check("mazur", {"w5+": "0.3589"}, **options)


@pytest.mark.parametrize("answers", [5, None, b"w5+: 1", ["w5+", "0.3589"], {"delta": ["x"], "w5+": "0.3"},
                                     {"delta": {"a": 1}, "w5+": "0.3"}, {"aliases": {"a": [1]}, "w5+": "0.3"},
                                     "a\0b.yaml"])
def test_bad_answers_are_spec_errors(mazur, answers):
    with pytest.raises(SpecError):
        mazur.check(answers)


@pytest.mark.parametrize("spec", [5, None, b"mazur", ["mazur"]])
def test_a_bad_spec_argument_is_a_spec_error(spec):
    with pytest.raises(SpecError, match="^spec: expected"):
        symbackprop.check(spec, {"w5+": "0.3589"})


@pytest.mark.parametrize("solution", ["mazur", None, {"w5+": "0.3"}])
def test_a_grader_needs_a_solution(solution):
    with pytest.raises(SpecError, match="^Grader: expected a Solution"):
        Grader(solution)


def test_a_bad_score_rule_is_a_spec_error(mazur, tmp_path):
    with pytest.raises(SpecError, match="^score: "):
        grade_class(mazur, [write(tmp_path, "a.yaml", GOOD)], score="lenient")


def test_a_grader_and_a_result_survive_pickle_and_deepcopy(mazur):
    answers = {"w5+": "0.4411", "out_o1": "0.7514", "dE/dw5": "0.0822", "y": "1"}
    result = mazur.check(answers)
    for clone in (lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy):
        grader = clone(mazur)
        assert isinstance(grader, Grader) and REPORTS["json"](grader.check(answers)) == REPORTS["json"](result)
        copied = clone(result)
        assert repr(copied) == repr(result)
        assert all(REPORTS[f](copied) == REPORTS[f](result) for f in REPORTS)
