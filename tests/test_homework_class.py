"""A class in which every student had a variant of their own (issue 17, item 7): every filled answers
template graded against its own variant in one run, planted mistakes found with their causes, nothing
else marked wrong; sheets of another set or with edited headers are rows with their error.

The students' numbers come from tests/students.py, which works each variant's update by hand in
decimal arithmetic, independently of the engine (only the labels come from it)."""

import csv
import io
import random
import shutil
from pathlib import Path

import pytest
import yaml

from symbackprop.cli import main
from symbackprop.grading.catalogue import catalogue
from symbackprop.solution import solve

from students import CAUSES, Student, labels_of

TEMPLATE = Path(__file__).parent / "homework" / "mazur-template.yaml"
PLANTED = ["sign", "no_slope", "no_rate", "added", "out_slope", "half_dropped"]


def _filled(answers_template: Path, spec: Path, digits: int, mistake: str | None) -> str:
    """The template with the asked labels filled by a student who works by hand; its header kept."""
    data = yaml.safe_load(answers_template.read_text())
    concrete = yaml.safe_load(spec.read_text())
    labels = labels_of(catalogue(solve(spec, iterations=1)))
    worked = Student(concrete, labels, digits, "round", mistake).work()
    head = answers_template.read_text().split("answers:")[0]
    filled = {label: worked.get(label, "") for label in data["answers"]}
    return head + yaml.safe_dump({"answers": filled}, allow_unicode=True)


@pytest.fixture(scope="module")
def a_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    assert main(["variants", str(TEMPLATE), "-n", "30", "--seed", "7", "-o", str(folder / "set")]) == 0
    sheets, planted = folder / "sheets", {}
    sheets.mkdir()
    pick = random.Random(3)
    for n in range(1, 31):
        variant = f"v{n:03d}"
        mistake = PLANTED[n % len(PLANTED)] if n % 3 == 0 else None
        answers = next((folder / "set").glob(f"*-{variant}-answers.yaml"))
        spec = next((folder / "set").glob(f"*-{variant}.yaml"))
        (sheets / f"student{n:02d}.yaml").write_text(_filled(answers, spec, pick.choice([4, 5, 6]), mistake))
        planted[f"student{n:02d}.yaml"] = (variant, mistake)
    return folder, planted


def test_thirty_variants_graded_each_against_its_own(a_class, capsys):
    folder, planted = a_class
    book = folder / "grades.csv"
    status = main(["check", str(folder / "set" / "variants.json"), str(folder / "sheets"), "--gradebook", str(book)])
    capsys.readouterr()
    assert status == 1  # some sheets have wrong answers
    rows = {Path(r["sheet"]).name: r for r in csv.DictReader(book.open())}
    assert len(rows) == 30
    for name, (variant, mistake) in planted.items():
        r = rows[name]
        assert r["variant"] == variant and r["error"] == ""
        if mistake is None:
            assert r["wrong"] == "0" and r["unknown"] == "0" and r["unanswered"] == "0", r
        else:
            assert r["wrong"] == "1" and r["diagnosis"] == CAUSES[mistake], (mistake, r)


def test_a_sheet_of_another_set_or_an_edited_header_is_its_row(a_class, tmp_path, capsys):
    folder, _ = a_class
    shutil.copy(folder / "sheets" / "student01.yaml", tmp_path / "good.yaml")
    text = (folder / "sheets" / "student01.yaml").read_text()
    (tmp_path / "foreign.yaml").write_text(text.replace('spec: "', 'spec: "other-'))
    (tmp_path / "unknown.yaml").write_text(text.replace('variant: "v001"', 'variant: "v999"'))
    (tmp_path / "plain.yaml").write_text('"net_{h1}": 0.3775\n')
    book = tmp_path / "grades.json"
    status = main(["check", str(folder / "set" / "variants.json"), str(tmp_path), "--gradebook", str(book)])
    capsys.readouterr()
    assert status == 2
    rows = {Path(r["sheet"]).name: r for r in yaml.safe_load(book.read_text())}
    assert rows["good.yaml"]["error"] == "" and rows["good.yaml"]["variant"] == "v001"
    assert "but variant v001 of variants.json is" in rows["foreign.yaml"]["error"]
    assert "variant 'v999' is not in variants.json" in rows["unknown.yaml"]["error"]
    assert "variant: missing" in rows["plain.yaml"]["error"]


def test_the_set_folder_itself_yields_only_its_answers_templates(a_class, capsys):
    """Pointed at the set's own folder, check grades the (empty) answers templates, not the specs,
    exercises, keys or index beside them."""
    folder, _ = a_class
    status = main(["check", str(folder / "set" / "variants.json"), str(folder / "set"), "--format", "json"])
    rows = yaml.safe_load(capsys.readouterr().out)
    assert status == 2 and len(rows) == 30
    assert all(r["sheet"].endswith("-answers.yaml") and "no answers found" in r["error"] for r in rows)


def test_an_answers_template_is_read_by_a_plain_check(tmp_path, capsys):
    """`exercise` writes NAME-answers.yaml; check SPEC reads it back (empty labels unanswered)."""
    assert main(["exercise", "mazur", "-o", str(tmp_path)]) == 0
    template = tmp_path / "mazur-answers.yaml"
    text = template.read_text().replace('"net_{h1}":', '"net_{h1}": 0.3775').replace('"out_{h1}":', '"out_{h1}": 0.5933')
    template.write_text(text)
    capsys.readouterr()
    assert main(["check", "mazur", str(template), "--format", "json"]) == 0
    report = yaml.safe_load(capsys.readouterr().out)
    assert {g["label"]: g["status"] for g in report["items"]} == {"net_{h1}": "correct", "out_{h1}": "correct"}
    assert report["summary"]["missing"] == len(yaml.safe_load(text)["answers"]) - 2


def _responses(folder: Path, extra_rows: list[list[str]] = ()) -> Path:
    """The class's attempts as Moodle's Responses download writes them (shared/homework-formats.md):
    a byte-order mark, the question's text naming the variant, the Cloze response as its parts."""
    header = ["Last name", "First name", "Email address", "Status", "Started", "Completed", "Duration",
              "Grade/10.00", "Question 1", "Response 1", "Right answer 1", "Some plugin's column"]
    lines = []
    for sheet in sorted((folder / "sheets").glob("*.yaml")):
        data = yaml.safe_load(sheet.read_text())
        template = next((folder / "set").glob(f"*-{data['variant']}-answers.yaml"))
        gaps = yaml.safe_load(template.read_text())["answers"]  # the Cloze question's gaps, in order
        parts = "; ".join(f"part {k}: {data['answers'][label]}" for k, label in enumerate(gaps, start=1))
        lines.append([sheet.stem, "Ann", f"{sheet.stem}@example.org", "Finished", "4 December 2026  5:25 PM",
                      "4 December 2026  5:45 PM", "20 mins", "7.50",
                      f"One backpropagation step (variant {data['variant']}) The network ... _____", parts, "", "x"])
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerows([header, *lines, *extra_rows])
    path = folder / "responses.csv"
    path.write_text("\ufeff" + stream.getvalue(), encoding="utf-8")
    return path


def test_a_moodle_responses_download_gives_the_same_verdicts(a_class, capsys):
    folder, planted = a_class
    responses = _responses(folder)
    status = main(["check", str(folder / "set" / "variants.json"), "--moodle-responses", str(responses),
                   "--format", "json"])
    rows = {r["sheet"].split()[1]: r for r in yaml.safe_load(capsys.readouterr().out)}
    assert status == 1 and len(rows) == 30
    for name, (variant, mistake) in planted.items():
        r = rows[Path(name).stem]
        assert r["variant"] == variant and r["moodle"] == "75.0" and r["error"] == ""
        assert (r["wrong"], r["diagnosis"], r["unanswered"]) == ((1, CAUSES[mistake], 0) if mistake else (0, "", 0))


def test_hostile_responses_are_rows_or_one_line(a_class, tmp_path, capsys):
    folder, _ = a_class
    index = str(folder / "set" / "variants.json")
    odd = [["Eve", "Empty", "", "Finished", "", "", "now", "0.00", "(variant v002) _____", "part 1: ; part 2: ", "", ""],
           ["Carl", "Comma", "", "Finished", "", "", "now", "0.00", "(variant v002) _____", "part 1: 0,3775", "", ""],
           ["Otto", "Other", "", "Finished", "", "", "now", "0.00", "(variant v777) _____", "part 1: 0.3775", "", ""]]
    responses = _responses(folder, odd)
    assert main(["check", index, "--moodle-responses", str(responses), "--format", "json"]) == 2
    rows = yaml.safe_load(capsys.readouterr().out)
    assert len(rows) == 33
    errors = [r["error"] for r in rows[30:]]
    assert "every part is empty" in errors[0] and "decimal comma" in errors[1] and "no variant" in errors[2]
    no_question = tmp_path / "plain.csv"
    no_question.write_text("Last name,Response 1\nX,part 1: 0.1\n")
    assert main(["check", index, "--moodle-responses", str(no_question)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'Question N' column" in err[0]
    before = responses.read_bytes()
    assert main(["check", index, "--moodle-responses", str(responses), "--gradebook", str(responses)]) == 2
    assert responses.read_bytes() == before and "symbackprop: error: gradebook:" in capsys.readouterr().err


def test_a_real_moodle_download_is_regraded(tmp_path, capsys):
    """tests/homework/moodle-5.0-responses.csv is the Responses download of a real Moodle 5.0 (the
    harness in shared/tools/moodle-harness) for the Moodle XML of `variants mazur-template.yaml -n 4
    --seed 11`: per variant one correct attempt, one with a planted mistake and the values after it
    worked from it, one with three gaps blank. Moodle upper-cases the question's bold title, variant
    id included (VARIANT V001)."""
    assert main(["variants", str(TEMPLATE), "-n", "4", "--seed", "11", "-f", "md,moodle", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    download = Path(__file__).parent / "homework" / "moodle-5.0-responses.csv"
    assert main(["check", str(tmp_path / "variants.json"), "--moodle-responses", str(download), "--format", "json"]) == 1
    rows = yaml.safe_load(capsys.readouterr().out)
    assert [r["variant"] for r in rows] == [f"v00{n}" for n in (1, 2, 3, 4) for _ in range(3)]
    planted = {1: CAUSES["sign"], 4: CAUSES["sign"], 7: CAUSES["transpose"], 10: CAUSES["updated_hidden"]}
    for n, r in enumerate(rows):
        assert r["error"] == ""
        if n % 3 == 0:  # all correct: Moodle's 10.00 of 10
            assert (r["wrong"], r["unanswered"], r["score"], r["moodle"]) == (0, 0, 100.0, "100.0")
        elif n % 3 == 1:
            assert r["diagnosis"] == planted[n] and r["wrong"] >= 1
        else:  # three blanks cost three points, as in Moodle
            assert (r["wrong"], r["unanswered"], r["moodle"]) == (0, 3, "87.0") and r["score"] == pytest.approx(87.0, abs=0.1)


def test_a_download_with_a_huge_cell_a_repeated_column_or_empty_attempts(a_class, tmp_path, capsys):
    folder, _ = a_class
    index = str(folder / "set" / "variants.json")
    text = _responses(folder).read_text(encoding="utf-8")
    header, first, *rest = text.split("\n")
    huge = tmp_path / "huge.csv"
    huge.write_text("\n".join([header, first.replace("part 1:", "part 1: " + "9" * 200_000, 1), *rest]), encoding="utf-8")
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("\n".join([header + ",Response 1", *(line + "," for line in [first, *rest] if line)]),
                        encoding="utf-8")
    for path in (huge, repeated):
        assert main(["check", index, "--moodle-responses", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0]
    empty = tmp_path / "empty.csv"
    blank = first.split(",")
    empty.write_text("\n".join([header, first, ",".join(blank[:9] + [""] + blank[10:])]), encoding="utf-8")
    assert main(["check", index, "--moodle-responses", str(empty), "--format", "json"]) == 2
    rows = yaml.safe_load(capsys.readouterr().out)
    assert len(rows) == 2 and "no answer" in rows[1]["error"]


def test_short_rows_of_a_download_are_rows(tmp_path, capsys):
    """A row cut before the grade column, or after the first cell: a row each, never a traceback."""
    assert main(["variants", str(TEMPLATE), "-n", "4", "--seed", "11", "-f", "md,moodle", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    rows = list(csv.reader((Path(__file__).parent / "homework" / "moodle-5.0-responses.csv").open(encoding="utf-8-sig")))
    short = tmp_path / "short.csv"
    with short.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([rows[0], rows[1][:5], rows[2][:1], *rows[3:]])
    assert main(["check", str(tmp_path / "variants.json"), "--moodle-responses", str(short), "--format", "json"]) == 2
    graded = yaml.safe_load(capsys.readouterr().out)
    assert len(graded) == 12 and "Question N" not in graded[0]["error"]
    assert graded[0]["error"] and graded[1]["error"] and not graded[2]["error"]
