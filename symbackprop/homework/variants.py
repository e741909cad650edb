"""Random variants of a template spec: drawn reproducibly, screened, and written with their sheets.

Variant i (from 1) takes its draws from the seed ``variant_seed(S, i, 0)``; a draw that breaks a
screening rule is counted under that rule and drawn again from ``variant_seed(S, i, 1)``, and so
on, at most MAX_ATTEMPTS times. The seed that gave the variant is recorded, so ``draw_spec(template,
seed)`` gives its spec again, and the same command writes the same bytes.

Per variant: its concrete spec (NAME-vNNN.yaml), its exercise and answers template, its key (the
worked solution of its spec); for the set, the index variants.json and variants.csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from ..errors import DivergenceError, SpecError
from ..model.draws import check_draws, first_draw, realise
from ..model.spec import spec_data
from ..present.output import refuse_replacing, solution_documents, write_files
from ..solution import solve
from .asking import DEFAULT_ASK, asked_records
from .exercise import DEFAULT_DIGITS, HEADERS, MARK, Exercise
from .screening import DIVERGES, RULES, Candidate, broken_rules, check_allowed

MAX_VARIANTS = 1000  # a class's worth many times over; each costs a solve (a fraction of a second)
MAX_ATTEMPTS = 25  # draws per variant before the template is declared too narrow for its rules
#: md and tex: each exercise and key; json: each key; the formats of BOUND (below): files of the whole set
VARIANT_FORMATS = ("md", "tex", "json", "pdf", "moodle", "qti")
INDEX = {"json": "variants.json", "csv": "variants.csv"}


@dataclass(frozen=True)
class Variant:
    id: str
    seed: int  # the seed its draws came from: draw_spec(template, seed) gives its spec again
    attempts: int
    rejected: dict[str, int]  # rule -> draws it rejected before this one passed
    drawn: dict[str, float]  # field -> the number drawn there
    data: dict  # its concrete spec, as spec fields
    sheet: Exercise

    @property
    def name(self) -> str:
        return self.sheet.name


@dataclass(frozen=True)
class VariantSet:
    template: str  # the template's name
    seed: int
    digits: int
    ask: str
    allowed: tuple[str, ...]
    variants: tuple[Variant, ...]

    def rejected(self) -> dict[str, int]:
        return {rule: sum(v.rejected.get(rule, 0) for v in self.variants) for rule in RULES}

    def documents(self, formats) -> dict[str, bytes]:
        """Every file of the set, by name: per variant its spec, exercise, key and answers template,
        then the two indexes."""
        formats = _formats(formats)
        documents: dict[str, bytes] = {}
        files = []
        for v in self.variants:
            spec_name = f"{v.name}.yaml"
            documents[spec_name] = spec_file(v).encode("utf-8")
            sheet = v.sheet.documents([f for f in formats if f in ("md", "tex")], spec_name)
            loose = [f for f in formats if f in ("md", "tex", "json")]  # the keys' PDFs are bound, not loose
            key = solution_documents(v.sheet.solution, loose) if loose else {}
            documents.update(sheet)
            documents.update(key)
            answers = next(name for name in sheet if name.endswith("-answers.yaml"))
            files.append({"spec": spec_name, "exercise": [n for n in sheet if "-exercise." in n],
                          "key": [n for n in key if not n.endswith(".svg")], "answers": answers})
        bound = {}
        for fmt in formats:
            bound.update(BOUND[fmt](self) if fmt in BOUND else {})
        documents.update(bound)
        documents[INDEX["json"]] = self.index_json(files, formats, list(bound)).encode("utf-8")
        documents[INDEX["csv"]] = self.index_csv(files).encode("utf-8")
        return documents

    def index_json(self, files: list[dict], formats: list[str], bound: list[str]) -> str:
        index = {
            "schema": "symbackprop-variants/1", "template": self.template, "seed": self.seed,
            "count": len(self.variants), "digits": self.digits, "ask": self.ask, "formats": formats, "set": bound,
            "allowed": list(self.allowed), "rules": {name: words for name, (words, _) in RULES.items()},
            "rejected": self.rejected(),
            "variants": [{"variant": v.id, "seed": v.seed, "attempts": v.attempts, "rejected": v.rejected,
                          "draws": v.drawn, **f} for v, f in zip(self.variants, files)],
        }
        return json.dumps(index, indent=2) + "\n"

    def index_csv(self, files: list[dict]) -> str:
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["variant", "seed", "spec", "exercise", "key", "answers", *(f"rejected_{r}" for r in RULES)])
        for v, f in zip(self.variants, files):
            writer.writerow([v.id, v.seed, f["spec"], ";".join(f["exercise"]), ";".join(f["key"]), f["answers"],
                             *(v.rejected.get(r, 0) for r in RULES)])
        return stream.getvalue()


def variant_seed(seed: int, index: int, attempt: int) -> int:
    """The seed of variant ``index``'s ``attempt``-th draw: a hash, so that neighbouring seeds and
    indexes give unrelated draws."""
    digest = hashlib.sha256(f"symbackprop-variants:{seed}:{index}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def draw_spec(template: dict, seed: int) -> tuple[dict, dict[str, float]]:
    """The concrete spec fields ``seed`` draws from ``template``, and what it drew (field -> number)."""
    return realise(template, random.Random(seed))


def variants(source, n: int, seed: int = 0, *, ask: str | list[str] = DEFAULT_ASK, digits: int = DEFAULT_DIGITS,
             allow=(), progress: Callable | None = None, **overrides) -> VariantSet:
    """``n`` screened variants of a template (a spec file with draws, or its fields as a mapping).

    Raises SpecError when the template is not one, when its draws are malformed, or when a variant
    finds no draw passing the rules within MAX_ATTEMPTS (naming the rule that rejected most).
    """
    template, name = _template(source, overrides)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIANTS:
        raise SpecError(f"n: expected a whole number of variants from 1 to {MAX_VARIANTS}, found {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"seed: expected a whole number of at least 0, found {seed!r}")
    allowed = check_allowed(allow)
    width = max(3, len(str(n)))
    made = []
    for i in range(1, n + 1):
        made.append(_variant(template, name, f"v{i:0{width}d}", i, seed, ask, digits, allowed))
        if progress:
            progress(i, n)
    named_ask = ask if isinstance(ask, str) else ",".join(ask)
    return VariantSet(name, seed, digits, named_ask, allowed, tuple(made))


def _template(source, overrides: dict) -> tuple[dict, str]:
    if isinstance(source, dict):
        data, name = dict(source), "network"
    else:
        data, name, _ = spec_data(source)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if first_draw(data) is None:
        raise SpecError(f"{source if not isinstance(source, dict) else 'spec'}: no draw in this spec, so every "
                        f"variant would be the same; write a number as {{uniform: [LO, HI], decimals: D}} or "
                        f"{{choice: [A, B, ...]}}")
    check_draws(data)
    return data, str(data.get("name") or name)


def _variant(template: dict, name: str, vid: str, index: int, seed: int, ask, digits: int,
             allowed: tuple[str, ...]) -> Variant:
    rejected: dict[str, int] = {}
    for attempt in range(MAX_ATTEMPTS):
        draw_seed = variant_seed(seed, index, attempt)
        data, drawn = draw_spec(template, draw_seed)
        title = data.get("title") or f"Exercise: {name}"
        data = {**data, "name": f"{name}-{vid}", "title": f"{title} (variant {vid})"}
        try:
            solution = solve(data)
        except DivergenceError:  # screened like the rules' cases, unless --allow diverges lets it through
            if DIVERGES in allowed:
                raise
            rejected[DIVERGES] = rejected.get(DIVERGES, 0) + 1
            continue
        asked = asked_records(solution, ask)
        broken = broken_rules(Candidate(solution, asked, digits), allowed)
        if not broken:
            sheet = Exercise(solution, tuple(asked), digits, ask if isinstance(ask, str) else ",".join(ask), vid,
                             "variants")
            return Variant(vid, draw_seed, attempt + 1, rejected, drawn, data, sheet)
        for rule in broken:
            rejected[rule] = rejected.get(rule, 0) + 1
    worst = max(RULES, key=lambda rule: rejected.get(rule, 0))  # on a tie, the first in the table
    raise SpecError(f"variants: no draw of {MAX_ATTEMPTS} for variant {vid} passed the screening; the rule "
                    f"{worst!r} rejected {rejected[worst]} ({RULES[worst][0]}); widen the template's ranges, or "
                    f"switch the rule off with --allow {worst}")


def spec_file(variant: Variant) -> str:
    """A variant's concrete spec as YAML, marked as written by symbackprop."""
    header = HEADERS["yaml"].format(mark=MARK.format(what="a variant's spec", command="variants"))
    return header + yaml.safe_dump(variant.data, sort_keys=False, allow_unicode=True, default_flow_style=None)


def write_variants(made: VariantSet, formats=("md", "tex"), out_dir: str | Path = "variants", *,
                   source: str | None = None, force: bool = False) -> list[Path]:
    """Write every file of the set into ``out_dir``, all or nothing; never over ``source`` (the
    template) nor, without ``force``, over a file symbackprop did not write."""
    folder = Path(out_dir)
    documents = made.documents(formats)
    refuse_replacing([folder / name for name in documents], {source: "the template spec"} if source else {}, force)
    return write_files(folder, documents)


def _formats(formats) -> list[str]:
    formats = formats.split(",") if isinstance(formats, str) else list(formats)
    bad = [f for f in formats if f not in VARIANT_FORMATS]
    if bad or not formats:
        raise SpecError(f"format: variants are written as some of {', '.join(VARIANT_FORMATS)}, found "
                        f"{', '.join(bad) or 'none'}")
    return list(dict.fromkeys(formats))





def _paper(made: VariantSet) -> dict[str, bytes]:
    """NAME-exercises.pdf and NAME-keys.pdf: every variant's sheet, and its key, in one PDF each."""
    from .paper import bind

    sheets = [(v.id, v.sheet.render("tex")) for v in made.variants]
    keys = [(v.id, solution_documents(v.sheet.solution, ["tex"])[f"{v.name}.tex"].decode("utf-8"))
            for v in made.variants]
    return {f"{made.template}-exercises.pdf": bind(sheets), f"{made.template}-keys.pdf": bind(keys)}


def _moodle(made: VariantSet) -> dict[str, bytes]:
    from .moodle import quiz

    mark = MARK.format(what="a Moodle quiz", command="variants")
    return {f"{made.template}-moodle.xml": quiz(made, mark).encode("utf-8")}


def _qti(made: VariantSet) -> dict[str, bytes]:
    from .qti import package

    return {f"{made.template}-qti.zip": package(made, MARK.format(what="a Canvas quiz package", command="variants"))}


#: the formats whose files hold the whole set, each with what makes them (imported only when asked)
BOUND: dict[str, Callable[[VariantSet], dict[str, bytes]]] = {"pdf": _paper, "moodle": _moodle, "qti": _qti}
