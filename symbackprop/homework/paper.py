"""A set of variants on paper: one PDF of every exercise (for an exam), one of every key.

Each variant's document is compiled on its own, then the PDFs are bound into one with pdfpages,
each page stamped with its variant's id in its top corner, so that a loose page can be matched to its
key. The bound PDF carries symbackprop's mark (its Creator), like every PDF it writes, and is the
same bytes every time (no date from the clock), as every file of a set of variants is.
"""

from __future__ import annotations

from ..present.output import compile_pdf

_BINDER = r"""\documentclass[11pt]{article}
\usepackage{pdfpages}
\ifdefined\pdfinfo\pdfinfo{/Creator (symbackprop)}\fi
\newcommand{\variantid}{}
% the id in the page's top right corner, 1 cm from its edges, above any document's text
\newcommand{\stamp}{\put(\LenToUnit{\paperwidth-1cm},\LenToUnit{\paperheight-1cm}){\makebox[0pt][r]{\small\bfseries\variantid}}}
\begin{document}
PARTS
\end{document}
"""


def bind(documents: list[tuple[str, str]]) -> bytes:
    """One PDF of LaTeX ``documents`` given as (variant id, LaTeX source), in order, each page
    stamped with its variant's id. Ids are symbackprop's own (v001), never user text."""
    files, parts = {}, []
    for i, (variant, tex) in enumerate(documents):
        name = f"part{i:04d}.pdf"
        files[name] = compile_pdf(tex, reproducible=True)
        parts.append(f"\\renewcommand{{\\variantid}}{{Variant {variant}}}\n"
                     f"\\includepdf[pages=-, picturecommand={{\\stamp}}]{{{name}}}")
    return compile_pdf(_BINDER.replace("PARTS", "\n".join(parts)), files, reproducible=True)
