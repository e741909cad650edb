"""Documents a lecturer hands out unedited (issue 18): what a student reads must be right as text,
not only as numbers. Each test reads a document the way a student or a course site does."""

import re

import markdown_it

import symbackprop
from symbackprop.present.rendering import escape_markdown


def prose(markdown: str) -> str:
    """The document without its maths: $$ blocks, then $ spans (escaped dollars kept)."""
    text = re.sub(r"\$\$.*?\$\$", "", markdown, flags=re.S)
    return re.sub(r"(?<!\\)\$.*?(?<!\\)\$", "", text)


def test_prose_has_no_backslash_brackets_that_a_course_site_reads_as_maths():
    """pymdownx.arithmatex (MkDocs) reads \\( \\) and \\[ \\] as maths: Mazur's notes "(symbackprop
    reproduces ...)" became inline maths. Escaped text stays text for CommonMark and for arithmatex."""
    for name in ("mazur", "xor"):
        for form in ("chain", "matrix"):
            text = prose(symbackprop.render(symbackprop.solve(name, iterations=1), "md", form=form))
            assert not re.search(r"\\[()\[\]]", text), (name, form)
    assert "(symbackprop reproduces its 0.291027924" in symbackprop.render(symbackprop.solve("mazur"), "md")
    shown = markdown_it.MarkdownIt().render(escape_markdown("see [the blog](http://x) (2015) *now*"))
    assert shown == "<p>see [the blog](http://x) (2015) *now*</p>\n"
