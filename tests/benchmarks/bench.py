"""symbackprop benchmark: the three ratios of issue #2, measured in one run.

    python tests/benchmarks/bench.py [--runs 5]

(a) ``symbackprop solve mazur -f md,tex,json`` wall time over ``python -c "import sympy, jinja2, yaml"``
(b) the Mazur solve with 10,000 iterations over the same with 1
(c) worked-solution time (solve + Markdown + LaTeX + JSON) per parameter for random 4-4-4-4,
    8-8-8-8 and 16-16-16-16 sigmoid networks
(d) the same per parameter for a random 16-16-16-10 tanh network with a softmax output and
    cross-entropy, over the 16-16-16-16 sigmoid network's
(e) ``symbackprop check mazur FOLDER --gradebook grades.csv`` on 300 generated Mazur sheets (a mix
    of correct, rounded, truncated and wrong ones, tests/students.py) over one
    ``symbackprop solve mazur -f json``; and its time per sheet
(f) ``symbackprop variants tests/homework/mazur-template.yaml -n 100 -f md,tex,json,moodle`` (every weight
    drawn, screened) over one ``symbackprop solve mazur -f md,tex,json`` (issue 17)

Wall times are medians of ``--runs`` runs of fresh processes (for a and b) or of in-process solves
(for c). Exit status 1 if a target is missed. Not part of the test run: timings belong here.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time

TARGETS = {"a": 1.5, "b": 1.3, "c_16": 15.0, "c_scaling": 1.5, "d_softmax": 1.5, "e_class": 20.0, "e_sheet": 0.1,
           "f_variants": 60.0}
VARIANTS = 100
CLASS_SIZE = 300


#: As a user's machine runs it: with Python's bytecode cache (an installed package has its .pyc files;
#: a checkout writes them on the first run, which wall() makes before it measures).
USER_ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(command: list[str], runs: int, statuses: tuple[int, ...] = (0,)) -> float:
    times = []
    subprocess.run(command, stdout=subprocess.DEVNULL, env=USER_ENVIRONMENT)  # the first run writes the caches
    for _ in range(runs):
        start = time.perf_counter()
        status = subprocess.run(command, stdout=subprocess.DEVNULL, env=USER_ENVIRONMENT).returncode
        if status not in statuses:
            raise SystemExit(f"{' '.join(command)}: exit status {status}")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def random_network(width: int, seed: int = 1, softmax_outputs: int | None = None) -> dict:
    """A sigmoid width-width-width-width network; with ``softmax_outputs``, tanh hidden layers and a
    softmax output layer of that many classes under cross-entropy."""
    rng = random.Random(seed)
    widths = [width] * 4 if softmax_outputs is None else [width] * 3 + [softmax_outputs]
    hidden = "sigmoid" if softmax_outputs is None else "tanh"
    layers = [{"activation": hidden if l < 3 else ("sigmoid" if softmax_outputs is None else "softmax"),
               "weights": [[rng.uniform(-0.5, 0.5) for _ in range(below)] for _ in range(size)],
               "bias": [rng.uniform(-0.5, 0.5) for _ in range(size)]}
              for l, (below, size) in enumerate(zip(widths, widths[1:]), start=1)]
    if softmax_outputs is None:
        targets, loss = [rng.uniform(0, 1) for _ in range(width)], "half_sse"
    else:
        targets = [0.0] * softmax_outputs
        targets[rng.randrange(softmax_outputs)] = 1.0
        loss = "cross_entropy"
    return {"name": f"random{width}", "inputs": [rng.uniform(0, 1) for _ in range(width)],
            "targets": targets, "layers": layers, "learning_rate": 0.5, "loss": loss}


def worked_solution_time(width: int, runs: int, softmax_outputs: int | None = None) -> tuple[float, int]:
    import symbackprop

    times, parameters = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            solution = symbackprop.solve(random_network(width, softmax_outputs=softmax_outputs))
            symbackprop.write(solution, ["md", "tex", "json"], folder)
            times.append(time.perf_counter() - start)
        parameters = solution.spec.parameter_count
    return statistics.median(times), parameters


def write_class(folder: pathlib.Path, size: int = CLASS_SIZE, seed: int = 1) -> None:
    """``size`` Mazur sheets: a third without mistakes, the rest with one planted; 2 to 9 decimals,
    exact, rounded or cut off; YAML or Markdown, full or compact."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import yaml
    from students import CAUSES, STYLES, Student, labels_of

    from symbackprop.grading.catalogue import catalogue
    from symbackprop.solution import solve

    labels = labels_of(catalogue(solve("mazur", iterations=1)))
    spec = yaml.safe_load((pathlib.Path(__file__).resolve().parents[2] / "symbackprop/examples/mazur.yaml").read_text())
    pick = random.Random(seed)
    for n in range(size):
        mistake = None if n % 3 == 0 else pick.choice(sorted(CAUSES))
        sheet = Student(spec, labels, pick.randint(2, 9), pick.choice(STYLES), mistake, pick.random() < 0.5).work()
        if n % 2:
            (folder / f"student{n:03d}.md").write_text("".join(f"$$ {k} = {v} $$\n\n" for k, v in sheet.items()))
        else:
            (folder / f"student{n:03d}.yaml").write_text(yaml.safe_dump(sheet, allow_unicode=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median; default 5)")
    runs = parser.parse_args().runs
    python = sys.executable
    with tempfile.TemporaryDirectory() as out:
        solve = [python, "-m", "symbackprop", "solve", "mazur", "-f", "md,tex,json", "-o", out]
        imports = wall([python, "-c", "import sympy, jinja2, yaml"], runs)
        full = wall(solve, runs)
        single = wall(solve + ["--iterations", "1"], runs)
    print(f"import sympy, jinja2, yaml        {imports:7.3f} s")
    print(f"solve mazur (10,000 iterations)   {full:7.3f} s")
    print(f"solve mazur (1 iteration)         {single:7.3f} s")
    ratios = {"a": full / imports, "b": full / single}
    per_parameter = {}
    for width in (4, 8, 16):
        seconds, parameters = worked_solution_time(width, max(1, runs // 2) if width == 16 else runs)
        per_parameter[width] = seconds / parameters
        print(f"{width}-{width}-{width}-{width} ({parameters:3d} parameters)  {seconds:7.3f} s   "
              f"{1000 * per_parameter[width]:6.2f} ms per parameter")
        if width == 16:
            ratios["c_16"] = seconds
    ratios["c_scaling"] = per_parameter[16] / per_parameter[8]
    seconds, parameters = worked_solution_time(16, max(1, runs // 2), softmax_outputs=10)
    print(f"16-16-16-10 softmax ({parameters:3d} parameters) {seconds:7.3f} s   "
          f"{1000 * seconds / parameters:6.2f} ms per parameter")
    ratios["d_softmax"] = seconds / parameters / per_parameter[16]
    with tempfile.TemporaryDirectory() as scratch:
        folder = pathlib.Path(scratch) / "class"
        folder.mkdir()
        write_class(folder)
        json_solve = wall([python, "-m", "symbackprop", "solve", "mazur", "-f", "json", "-o", scratch], runs)
        grading = wall([python, "-m", "symbackprop", "check", "mazur", str(folder), "--gradebook",
                        str(pathlib.Path(scratch) / "grades.csv")], max(1, runs // 2), statuses=(0, 1))
    print(f"solve mazur -f json               {json_solve:7.3f} s")
    print(f"check {CLASS_SIZE} sheets                  {grading:7.3f} s   {1000 * grading / CLASS_SIZE:6.2f} ms per sheet")
    ratios["e_class"], ratios["e_sheet"] = grading / json_solve, grading / CLASS_SIZE
    template = pathlib.Path(__file__).resolve().parents[1] / "homework" / "mazur-template.yaml"
    with tempfile.TemporaryDirectory() as scratch:
        drawing = wall([python, "-m", "symbackprop", "variants", str(template), "-n", str(VARIANTS), "--seed", "1",
                        "-f", "md,tex,json,moodle", "-o", scratch, "--force"], max(1, runs // 2))
    print(f"variants -n {VARIANTS} -f md,tex,json,moodle {drawing:7.3f} s   {1000 * drawing / VARIANTS:6.0f} ms per variant")
    ratios["f_variants"] = drawing / full
    labels = {"a": "(a) solve / imports", "b": "(b) 10,000 / 1 iteration", "c_16": "(c) 16-16-16-16 seconds",
              "c_scaling": "(c) per parameter 16^4 / 8^4", "d_softmax": "(d) per parameter softmax / sigmoid",
              "e_class": f"(e) check {CLASS_SIZE} / solve json", "e_sheet": "(e) seconds per sheet",
              "f_variants": f"(f) variants -n {VARIANTS} / solve"}
    missed = 0
    for key, value in ratios.items():
        ok = value <= TARGETS[key]
        missed += not ok
        print(f"{labels[key]:<32} {value:6.2f}  (target <= {TARGETS[key]})  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
