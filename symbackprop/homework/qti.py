"""Canvas export: an IMS QTI 1.2 content package (NAME-qti.zip) that Canvas classic quizzes import.

One quiz (assessment) per variant: the exercise as a text item (HTML, maths in \\( \\), the network
picture as a file of the package), then a numerical question per asked quantity, answered within
a range: the exact value plus or minus the tolerance a Moodle gap has (tolerances.py). Canvas
compares one number per question, so a Cloze question's gaps become questions of their own.
Numbers are plain decimals with a point (Canvas reads "5E+1" as text); identifiers are
symbackprop's own names, never user text. The zip is deterministic: fixed dates, fixed order.
"""

from __future__ import annotations

import html
import io
import zipfile

from .tolerances import answers, plain

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _field(label: str, entry) -> str:
    return f"<qtimetadatafield><fieldlabel>{label}</fieldlabel><fieldentry>{entry}</fieldentry></qtimetadatafield>"


def _item(ident: str, title: str, kind: str, text: str, body: str = "") -> str:
    points = 0 if kind == "text_only_question" else 1
    return (f'<item ident="{ident}" title="{html.escape(title)}">\n<itemmetadata><qtimetadata>'
            f'{_field("question_type", kind)}{_field("points_possible", f"{points}.0")}</qtimetadata></itemmetadata>\n'
            f'<presentation><material><mattext texttype="text/html">{html.escape(text)}</mattext></material>'
            f'{body}</presentation>\n</item>\n')


def numerical(ident: str, label: str, digits: int, low: str, high: str) -> str:
    """A numerical question: a decimal box, full marks within [low, high]."""
    text = f"<p>\\({label}\\) = ? Give it with {digits} decimals, with a point as the decimal separator.</p>"
    box = ('<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
           '<response_label ident="answer1"/></render_fib></response_str>')
    item = _item(ident, label, "numerical_question", text, box)
    scoring = ('<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>'
               '</outcomes><respcondition continue="No"><conditionvar>'
               f'<vargte respident="response1">{low}</vargte><varlte respident="response1">{high}</varlte>'
               '</conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>\n')
    return item.replace("</item>\n", scoring + "</item>\n")


def assessment(variant, ident: str, picture: str) -> str:
    """One variant's quiz: its exercise, then a numerical question per asked quantity."""
    sheet = variant.sheet
    text = sheet.render_html(picture, [""] * len(sheet.asked), variant.seed)
    items = [_item(f"{ident}_text", f"{sheet.name}: the exercise", "text_only_question", text)]
    precise = sheet.digits + 6
    for n, (r, tol) in enumerate(answers(sheet), start=1):
        low, high = plain(r.value - tol, precise), plain(r.value + tol, precise)
        items.append(numerical(f"{ident}_q{n}", r.label, sheet.digits, low, high))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop xmlns="{QTI}">\n'
            f'<assessment ident="{ident}" title="{html.escape(sheet.view["title"])}">\n<section ident="root_section">\n'
            + "".join(items) + "</section>\n</assessment>\n</questestinterop>\n")


def meta(variant, ident: str) -> str:
    """Canvas's own description of the quiz (assessment_meta.xml)."""
    points = len(variant.sheet.asked)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz identifier="{ident}" xmlns="{CANVAS}">\n'
            f'<title>{html.escape(variant.sheet.view["title"])}</title>\n<quiz_type>assignment</quiz_type>\n'
            f'<points_possible>{points}.0</points_possible>\n<shuffle_answers>false</shuffle_answers>\n'
            f'<allowed_attempts>1</allowed_attempts>\n<show_correct_answers>true</show_correct_answers>\n</quiz>\n')


def package(made, mark: str) -> bytes:
    """The zip: imsmanifest.xml, then per variant its quiz, Canvas's meta file and its picture."""
    files, resources = {}, []
    for v in made.variants:
        ident = f"symbackprop_{v.name}".replace(".", "_")
        picture = f"{ident}/{v.sheet.view['figure_name']}"
        files[f"{ident}/{ident}.xml"] = assessment(v, ident, f"$IMS-CC-FILEBASE$/{picture}")
        files[f"{ident}/assessment_meta.xml"] = meta(v, ident)
        files[picture] = v.sheet.picture()
        resources.append(
            f'<resource identifier="{ident}" type="imsqti_xmlv1p2"><file href="{ident}/{ident}.xml"/>'
            f'<dependency identifierref="{ident}_meta"/></resource>\n'
            f'<resource identifier="{ident}_meta" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" '
            f'href="{ident}/assessment_meta.xml"><file href="{ident}/assessment_meta.xml"/></resource>\n'
            f'<resource identifier="{ident}_picture" type="webcontent" href="{picture}"><file href="{picture}"/></resource>\n')
    manifest = (f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- {mark} -->\n'
                f'<manifest identifier="symbackprop_{made.template.replace(".", "_")}" xmlns="{MANIFEST}">\n'
                f'<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>\n'
                f'<organizations/>\n<resources>\n{"".join(resources)}</resources>\n</manifest>\n')
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("imsmanifest.xml", _ZIP_DATE), manifest.encode("utf-8"), zipfile.ZIP_STORED)
        for name, text in files.items():  # the manifest first and stored: its mark is in the zip's first bytes
            archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return stream.getvalue()
