"""Write rendered documents: all of them in memory first, then as temporary files, then renamed.

A failure (or Ctrl-C) while rendering, compiling or writing leaves the output folder as it was, and
a reader never sees a half-written file. Nothing of the user's is replaced: never the spec the
solution was read from, and no existing file that symbackprop did not write (each format carries a
mark, rendering.MARKS) unless ``force`` says so. PDF is compiled from the LaTeX document by
``pdflatex`` in a scratch folder, with shell escape disabled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from ..model.defaults import DEFAULT_PRECISION
from ..errors import LatexError, OutputError, SpecError, ToolMissingError
from .rendering import FORMATS, MARKS, SYMBOLIC_SUFFIX, Documents, flag, render_options, solution_of

if TYPE_CHECKING:  # solution.py imports rendering to display itself in a notebook: no circle
    from ..solution import Solution

OUTPUT_FORMATS = (*FORMATS, "pdf")
MAX_PDF_BYTES = 64_000_000  # a PDF's mark is in its info dictionary, near the end
LATEX_TIMEOUT = 180  # seconds; a worked solution of the largest allowed network compiles in well under that
INSTALL_HINT = ("install a LaTeX distribution (Debian/Ubuntu: apt-get install texlive-latex-base "
                "texlive-latex-recommended; macOS: MacTeX; Windows: MiKTeX), or use -f tex")


def write(solution: Solution, formats=("md", "tex"), out_dir: str | Path = "output", *,
          precision: int = DEFAULT_PRECISION, symbolic: bool = False,
          template_dir: str | Path | None = None, force: bool = False, form: str = "chain",
          detail: str = "auto", sample: int | None = None) -> list[Path]:
    """Render ``formats`` (a list, or a comma-separated text) of ``solution`` into ``out_dir``.

    Returns the paths written. Every document is rendered first, then written beside its final
    name, then renamed; if anything fails, no file of this call is left behind, old or half-written.
    ``force`` replaces existing files that symbackprop did not write; the spec itself never is.
    """
    solution = solution_of(solution)
    if not isinstance(out_dir, (str, os.PathLike)):
        raise OutputError(f"output: expected a folder's path, found {out_dir!r}")
    flag("force", force)
    documents = solution_documents(solution, formats, precision=precision, symbolic=symbolic,
                                   template_dir=template_dir, form=form, detail=detail, sample=sample)
    folder = Path(out_dir)
    inputs = {solution.spec.source: "the spec being solved"} if solution.spec.source else {}
    refuse_replacing([folder / name for name in documents], inputs, force)
    return write_files(folder, documents)


def solution_documents(solution: Solution, formats=("md", "tex"), *, precision: int = DEFAULT_PRECISION,
                       symbolic: bool = False, template_dir: str | Path | None = None, form: str = "chain",
                       detail: str = "auto", sample: int | None = None) -> dict[str, bytes]:
    """File name -> content of every document write() writes, rendered in memory (homework keys
    are written with the rest of a set of variants, all or nothing)."""
    given = formats.split(",") if isinstance(formats, str) else formats
    formats = list(given) if isinstance(given, Iterable) else [given]
    unknown = [f if isinstance(f, str) else repr(f) for f in formats if not isinstance(f, str) or f not in OUTPUT_FORMATS]
    if unknown or not formats:
        raise SpecError(f"format: expected some of {', '.join(OUTPUT_FORMATS)}, found {', '.join(unknown) or 'none'}")
    renderer = Documents(solution, render_options(precision, symbolic, template_dir, form, detail, sample,
                                                  solution.derivation.update_samples))
    stem = renderer.stem  # NAME-symbolic for lecture notes, which never replace the worked solution
    documents: dict[str, bytes] = {}
    for fmt in dict.fromkeys(formats):
        if fmt == "pdf":
            documents[f"{stem}.pdf"] = compile_pdf(renderer.render("tex"))
        elif fmt == "json":  # the same in every form
            documents[f"{solution.spec.name}{SYMBOLIC_SUFFIX if symbolic else ''}.json"] = renderer.render(fmt).encode("utf-8")
        else:
            text = renderer.render(fmt)
            documents[f"{stem}{FORMATS[fmt].suffix}"] = text.encode("utf-8")
            if fmt == "md":  # the figures it shows, beside it
                documents.update({name: svg.encode("utf-8") for name, svg in renderer.figures().items()
                                  if f"]({name})" in text})
    return documents


def refuse_replacing(paths: Iterable[Path], inputs: Mapping[str, str], force: bool, *, field: str = "output",
                     instead: str = "another output folder (-o)", ours: Callable[[Path], bool] | None = None) -> None:
    """OutputError if writing ``paths`` would replace an input (``inputs``: its path -> what it is),
    whatever ``force`` says, or, without ``force``, an existing file that ``ours`` (default: the mark
    of rendering.MARKS) does not recognise as one symbackprop wrote. A folder in the way is left
    to write_files to report."""
    for path in paths:
        if (not path.exists() and not path.is_symlink()) or path.is_dir():
            continue
        what = next((what for other, what in inputs.items() if same_file(path, other)), None)
        if what is not None:
            raise OutputError(f"{field}: {path} is {what}; choose {instead}")
        if not force and not (ours or _ours)(path):
            raise OutputError(f"{field}: {path} exists and was not written by symbackprop; choose {instead}, "
                              f"or replace it with --force")


def same_file(path: str | Path, other: str | Path) -> bool:
    """Are they one file (a link, a hard link, another spelling of the path)? False if either is missing."""
    try:
        return os.path.samefile(path, other)
    except (OSError, ValueError):
        return False


def _ours(path: Path) -> bool:
    """Is it a regular file that carries the mark symbackprop puts in every document it writes?"""
    if path.is_symlink() or not path.is_file():
        return False
    mark, where = MARKS[path.suffix]
    try:
        with open(path, "rb") as stream:
            content = stream.read(4096) if where == "head" else stream.read(MAX_PDF_BYTES)
    except OSError:
        return False
    return mark in content


def write_files(folder: Path, documents: dict[str, bytes]) -> list[Path]:
    """All temporary files first, the renames last: a failure leaves the folder as it was.

    Temporary names are short and fixed in form, so no document name can make them too long.
    """
    temporaries: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for data in documents.values():
            temporary = folder / f".symbackprop-{os.urandom(6).hex()}.tmp"
            temporaries.append(temporary)
            with open(temporary, "xb") as stream:  # a new file, with the mode the umask gives
                stream.write(data)
        paths = [folder / name for name in documents]
        blocked = next((p for p in paths if p.is_dir()), None)
        if blocked:  # the one way a rename of a written file can fail; checked before any rename
            raise IsADirectoryError(21, "a folder of that name is in the way", str(blocked))
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
        return paths
    except OSError as exc:
        where = exc.filename or folder
        raise OutputError(f"output: cannot write {where}: {exc.strerror or exc}") from None
    finally:  # after a failure or an interrupt; after success the temporaries are renamed already
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def compile_pdf(tex: str, files: dict[str, bytes] | None = None, reproducible: bool = False) -> bytes:
    """Run pdflatex (no shell escape, non-interactive) on ``tex`` in a scratch folder; return the PDF.

    The source gets a fixed name there, so no user-chosen name can look like a pdflatex option;
    ``files`` are put beside it (the PDFs a bound set of exercises includes). ``reproducible``: the
    same bytes every time (pdfTeX's dates and ID from SOURCE_DATE_EPOCH = 0, not the clock).
    """
    fixed = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"} if reproducible else {}
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise ToolMissingError(f"pdf: pdflatex was not found; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="symbackprop-") as scratch:
        source = Path(scratch) / "solution.tex"
        source.write_text(tex, encoding="utf-8")
        for name, data in (files or {}).items():
            (Path(scratch) / name).write_bytes(data)
        command = [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", source.name]
        try:
            subprocess.run(command, cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=LATEX_TIMEOUT, check=False, env={**os.environ, **fixed})
        except subprocess.TimeoutExpired:
            raise LatexError(f"pdf: pdflatex did not finish within {LATEX_TIMEOUT} s") from None
        pdf = source.with_suffix(".pdf")
        if not pdf.exists():
            raise LatexError(f"pdf: pdflatex failed: {_first_error(source.with_suffix('.log'))}")
        return pdf.read_bytes()


def _first_error(log: Path) -> str:
    if not log.exists():
        return "no log was written"
    lines = log.read_text("utf-8", errors="replace").splitlines()
    return next((line[2:] for line in lines if line.startswith("! ")), "see the LaTeX log")
