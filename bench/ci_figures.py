"""Figures for the CI gate (issue 6). Prints; asserts nothing.

    python bench/ci_figures.py [--spec specs/ptdesc.md] [--jobs 1 2 4]

For each --jobs value: the wall time of `mdcheck SPEC` (each run a fresh process, with
every report asked for: JSON on stdout, JUnit, SARIF and ITF), whether its stdout and
report files are byte-identical to the one-process run, and the speed-up over it.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(spec: str, jobs: int, folder: Path) -> tuple[float, int, dict[str, bytes]]:
    folder.mkdir()
    argv = [sys.executable, "-m", "checker.cli", spec, "--jobs", str(jobs), "--format", "json",
            "--junit", str(folder / "j.xml"), "--sarif", str(folder / "s.sarif"), "--itf", str(folder / "itf")]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=REPO, capture_output=True)
    elapsed = time.monotonic() - started
    outputs = {"stdout": done.stdout, "stderr": done.stderr}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            outputs[str(path.relative_to(folder))] = path.read_bytes()
    return elapsed, done.returncode, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="specs/ptdesc.md")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.spec}; every report written (JSON, JUnit, SARIF, ITF)")
    with tempfile.TemporaryDirectory() as tmp:
        baseline: tuple[float, dict[str, bytes]] | None = None
        for jobs in args.jobs:
            elapsed, code, outputs = run(args.spec, jobs, Path(tmp) / f"jobs{jobs}")
            if baseline is None:
                baseline = (elapsed, outputs)
                same, speedup = "(reference)", ""
            else:
                same = "identical" if outputs == baseline[1] else "DIFFERENT"
                speedup = f"  speed-up {baseline[0] / elapsed:.2f}x"
            print(f"--jobs {jobs:<3} {elapsed:7.1f} s  exit {code}  {len(outputs) - 2} files  {same}{speedup}",
                  flush=True)


if __name__ == "__main__":
    main()
