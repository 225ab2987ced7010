"""Speed figures for the core checker (issue 2). Prints; asserts nothing.

    python bench/bmc_figures.py [--budget SECONDS] [--max-depth K]

1. Time to find the patch-6 tail-page violation (as_posted, wall clock, fresh process).
2. Wall time of the README's command `mdcheck specs/ptdesc.md` (fresh process).
3. BMC time per depth for the fixed configuration at 8 pages, up to depth 10 or the budget.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from checker import bmc  # noqa: E402
from checker.frontend.loader import load_spec  # noqa: E402
from checker.typecheck import collect_declarations, lower  # noqa: E402

SPEC = os.path.join(REPO, "specs", "ptdesc_tags.md")  # the tag-level spec: patch 6, per-depth growth
README_SPEC = os.path.join(REPO, "specs", "ptdesc.md")


def timed_cli(*args: str) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "checker.cli", *args], cwd=REPO,
                          capture_output=True, text=True)
    return time.monotonic() - started, done.returncode, done.stdout


def per_depth(config: str, max_depth: int, budget: float, overrides: dict,
              spec: str = SPEC) -> list[tuple[int, float]]:
    decls = collect_declarations(load_spec(spec))
    model = lower(decls, config, overrides)
    started = time.monotonic()
    marks: list[tuple[int, float]] = []
    bmc.check(model, bmc.BmcOptions(max_depth, started + budget),
              on_depth=lambda k: marks.append((k, time.monotonic() - started)))
    return marks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--max-depth", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")

    seconds, code, out = timed_cli(SPEC, "--config", "as_posted", "--depth", "1", "--no-timing")
    found = "tail_pages_tagged" in out and "VIOLATED at depth 1" in out
    print(f"patch-6 tail-page violation (as_posted, depth 1, whole process): {seconds:.2f} s "
          f"[{'found' if found else 'NOT FOUND'}; exit {code}]")

    seconds, code, _ = timed_cli(SPEC)
    print(f"default run `mdcheck specs/ptdesc_tags.md` (both configs, depth 6): {seconds:.2f} s [exit {code}]")
    seconds, code, _ = timed_cli(README_SPEC)
    print(f"default run `mdcheck specs/ptdesc.md` (nine configs, their own depths): {seconds:.2f} s [exit {code}]")

    print_per_depth("fixed", 8, args.max_depth, args.budget)


def print_per_depth(config: str, pages: int, max_depth: int, budget: float, spec: str = SPEC) -> None:
    marks = per_depth(config, max_depth, budget, {"NPAGES": pages}, spec)
    print(f"{config} configuration, NPAGES={pages}: cumulative BMC time per depth (budget {budget:.0f} s)")
    previous = 0.0
    for depth, at in marks:
        print(f"  depth {depth:2d}: {at:8.2f} s  (+{at - previous:.2f} s)")
        previous = at
    if not marks or marks[-1][0] < max_depth:
        print(f"  depth {marks[-1][0] + 1 if marks else 0} not finished within the budget")


if __name__ == "__main__":
    main()
