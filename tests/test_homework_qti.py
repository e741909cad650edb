"""Canvas export (issue 17, item 6): the QTI package read back from the zip with the standard
library, every question against a hand-computed step and the Moodle gap of the same variant, and
its numerical questions compared in structure with text2qti's output for the same kind of answer."""

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest
import yaml

import symbackprop
from cloze import gaps
from test_homework import TEMPLATE, hand_backprop

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
DECIMAL = re.compile(r"-?\d+\.\d+")


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qti")
    made = symbackprop.variants(TEMPLATE, 4, seed=17)
    symbackprop.write_variants(made, ["qti", "moodle"], folder)
    return folder, zipfile.ZipFile(folder / "mazur-homework-qti.zip"), made


def numerical_questions(archive, path):
    """(title, low, high) of every numerical question of one assessment file, and the item types."""
    root = ET.fromstring(archive.read(path))
    kinds, questions = [], []
    for item in root.iter(f"{{{NS['q']}}}item"):
        fields = {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
                  for f in item.iter(f"{{{NS['q']}}}qtimetadatafield")}
        kinds.append(fields["question_type"])
        if fields["question_type"] == "numerical_question":
            low = item.find(".//q:conditionvar/q:vargte", NS).text
            high = item.find(".//q:conditionvar/q:varlte", NS).text
            assert DECIMAL.fullmatch(low) and DECIMAL.fullmatch(high), (low, high)  # plain decimals
            questions.append((item.get("title"), float(low), float(high)))
    return kinds, questions


def test_the_manifest_names_every_file_of_the_package_and_each_exists(package):
    folder, archive, made = package
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{{{NS['m']}}}file")]
    assert sorted(hrefs) == sorted(n for n in archive.namelist() if n != "imsmanifest.xml")
    assert len([r for r in manifest.iter(f"{{{NS['m']}}}resource") if r.get("type") == "imsqti_xmlv1p2"]) == 4
    for name in archive.namelist():
        if name.endswith(".xml"):
            ET.fromstring(archive.read(name))  # well formed


def test_every_question_is_an_asked_label_within_the_moodle_gaps_tolerance_of_the_hand_value(package):
    folder, archive, made = package
    moodle = ET.parse(folder / "mazur-homework-moodle.xml").getroot().findall("question[@type='cloze']")
    for v, question in zip(made.variants, moodle):
        ident = f"symbackprop_{v.name}"
        kinds, questions = numerical_questions(archive, f"{ident}/{ident}.xml")
        hand = hand_backprop(yaml.safe_load((folder / f"{v.name}.yaml").read_text()))["asked"]
        assert kinds == ["text_only_question"] + ["numerical_question"] * len(hand)
        tolerances = [g["alternatives"][0]["tolerance"] for g in gaps(question.find("questiontext/text").text)]
        for (label, low, high), tol in zip(questions, tolerances):
            assert (low + high) / 2 == pytest.approx(hand[label], abs=1e-9)
            assert (high - low) / 2 == pytest.approx(tol, abs=1e-9)  # the same tolerance as in Moodle
            assert abs(hand[label]) >= 1e-3  # Canvas classic turns values under 1e-4 into 0
        text = archive.read(f"{ident}/{ident}.xml").decode()
        assert f"$IMS-CC-FILEBASE$/{ident}/{v.name}-network.svg" in text and v.id in text


def test_the_package_is_written_the_same_twice_and_carries_the_mark(package, tmp_path):
    folder, archive, made = package
    symbackprop.write_variants(made, ["qti"], tmp_path)
    again = (tmp_path / "mazur-homework-qti.zip").read_bytes()
    assert again == (folder / "mazur-homework-qti.zip").read_bytes()
    assert b"<!-- symbackprop:" in again[:4096]


def test_a_numerical_question_has_the_structure_text2qti_writes_for_a_range(package, tmp_path):
    pytest.importorskip("text2qti")
    folder, archive, made = package
    (tmp_path / "quiz.md").write_text("Quiz title: Range\n\n1.  Value?\n=   [0.25, 0.75]\n")
    subprocess.run(["text2qti", "quiz.md"], cwd=tmp_path, check=True, capture_output=True)
    theirs = zipfile.ZipFile(tmp_path / "quiz.zip")
    [their_path] = [n for n in theirs.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n]
    ident = f"symbackprop_{made.variants[0].name}"
    ours = ET.fromstring(archive.read(f"{ident}/{ident}.xml"))
    their_item = next(ET.fromstring(theirs.read(their_path)).iter(f"{{{NS['q']}}}item"))
    our_item = [i for i in ours.iter(f"{{{NS['q']}}}item")][1]

    def shape(item):
        condition = item.find(".//q:respcondition", NS)
        return ([c.tag for c in condition.find("q:conditionvar", NS)],
                [c.get("respident") for c in condition.find("q:conditionvar", NS)],
                condition.find("q:setvar", NS).attrib, condition.find("q:setvar", NS).text,
                item.find(".//q:render_fib", NS).get("fibtype"),
                item.find(".//q:response_str", NS).get("ident"))
    assert shape(our_item) == shape(their_item)
    _, [(_, low, high)] = numerical_questions(theirs, their_path)
    assert (low, high) == (0.25, 0.75)  # text2qti's range read back by the same reader
