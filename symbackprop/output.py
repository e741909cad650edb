"""Write rendered documents: all of them in memory first, then each by temporary file and rename.

A failure while rendering or compiling leaves the output folder untouched, and a reader never sees a
half-written file. PDF is compiled from the LaTeX document by ``pdflatex`` in a scratch folder,
with shell escape disabled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import LatexError, SpecError, ToolMissingError
from .printing import DEFAULT_PRECISION
from .rendering import FORMATS, Documents, RenderOptions
from .solution import Solution

OUTPUT_FORMATS = (*FORMATS, "pdf")
LATEX_TIMEOUT = 180  # seconds; a worked solution of the largest allowed network compiles in well under that
INSTALL_HINT = ("install a LaTeX distribution (Debian/Ubuntu: apt-get install texlive-latex-base "
                "texlive-latex-recommended; macOS: MacTeX; Windows: MiKTeX), or use -f tex")


def write(solution: Solution, formats=("md", "tex"), out_dir: str | Path = "output", *,
          precision: int = DEFAULT_PRECISION, symbolic: bool = False,
          template_dir: str | Path | None = None) -> list[Path]:
    """Render ``formats`` of ``solution`` and write them to ``out_dir``; returns the paths written."""
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown:
        raise SpecError(f"format: expected some of {', '.join(OUTPUT_FORMATS)}, found {unknown[0]!r}")
    renderer = Documents(solution, RenderOptions(precision, symbolic, Path(template_dir) if template_dir else None))
    documents: dict[str, bytes] = {}
    for fmt in dict.fromkeys(formats):
        if fmt == "pdf":
            documents[f"{solution.spec.name}.pdf"] = compile_pdf(renderer.render("tex"), solution.spec.name)
        else:
            documents[f"{solution.spec.name}{FORMATS[fmt].suffix}"] = renderer.render(fmt).encode("utf-8")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(f"output: cannot create folder {folder}: {exc.strerror}") from None
    return [_write_atomically(folder / name, data) for name, data in documents.items()]


def _write_atomically(path: Path, data: bytes) -> Path:
    """Write beside ``path`` under a fresh name (mode from the umask, like any new file), then rename."""
    temporary = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def compile_pdf(tex: str, name: str) -> bytes:
    """Run pdflatex (no shell escape, non-interactive) on ``tex`` in a scratch folder; return the PDF."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise ToolMissingError(f"pdf: pdflatex was not found; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="symbackprop-") as scratch:
        source = Path(scratch) / f"{name}.tex"
        source.write_text(tex, encoding="utf-8")
        command = [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", source.name]
        try:
            subprocess.run(command, cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=LATEX_TIMEOUT, check=False)
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
