"""Proof figures for k-induction and IC3/PDR (issue 5). Prints; asserts nothing.

    python bench/proof_figures.py [--budget SECONDS] [--pages 4 8 16 32] [--pdr] [--jobs N] [--spec SPEC ...]

For each spec and configuration below, and each page count: the time k-induction (k = 1,
no resource limit) takes to settle every property, how many it proves, and the first
property it could not (with a counterexample to induction). Each run is its own
`mdcheck` process under a wall-clock budget; a run that does not finish prints as such.
With `--jobs N`, each run shares its k-induction cases out over N processes.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the tag-level model (the kind of model issue 5's mypyvy figures were measured on), the
# word-exact buddy allocator alone, and the word-exact ptdesc spec
CASES = [("specs/ptdesc_tags.md", "fixed"), ("specs/buddy_alloc.md", "alloc_free"), ("specs/ptdesc.md", "fixed")]
_ROW = re.compile(r"^(\S+)\s+(.+?)\s+(invariant|lemma|assert|check)\s+(holds|violated)\s+(.+?)\s{2,}(\S+)\s+(\S+)")


def prove(spec: str, config: str, pages: int, budget: float, engine: str,
          jobs: int = 1) -> tuple[str, float, int, int, str]:
    argv = [sys.executable, "-m", "checker.cli", spec, "--config", config, "--engine", engine, "--depth", "0",
            "--max-k", "1", "--proof-rlimit", "0", "--no-timing", "-D", f"NPAGES={pages}",
            "--timeout", str(budget), "--jobs", str(jobs)]
    started = time.monotonic()
    try:
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=budget + 60)
    except subprocess.TimeoutExpired:
        return "did not finish", time.monotonic() - started, 0, 0, ""
    elapsed = time.monotonic() - started
    rows = [m for m in (_ROW.match(line) for line in done.stdout.splitlines()) if m]
    proved = [m for m in rows if m.group(5).startswith("PROVED")]
    not_proved = [m.group(2).strip() for m in rows if not m.group(5).startswith("PROVED")]
    status = {0: "ok", 1: "unexpected", 2: "unknown", 3: "spec error"}.get(done.returncode, f"exit {done.returncode}")
    if "stopped early: timeout" in done.stdout:  # what it did not prove keeps its BMC verdict: exit 0
        status = f"stopped at the {budget:.0f} s budget"
    if done.returncode == 3:
        not_proved = [done.stderr.strip().splitlines()[0] if done.stderr.strip() else ""]
    return status, elapsed, len(proved), len(rows), ", ".join(not_proved[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per run (default 300)")
    parser.add_argument("--pages", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--pdr", action="store_true", help="also run IC3/PDR (--engine pdr)")
    parser.add_argument("--jobs", type=int, default=1, help="processes per k-induction run (default 1)")
    parser.add_argument("--spec", nargs="+", choices=[spec for spec, _ in CASES], default=[spec for spec, _ in CASES],
                        help="only these specs (default: all three)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, --jobs {args.jobs}; budget {args.budget:.0f} s per run; "
          "times include Python start-up, "
          "parsing, BMC at depth 0 (the base case) and the coverage pass")
    print(f"{'spec':<22} {'config':<11} {'engine':<6} {'pages':>5} {'time':>8}  {'proved':>9}  result / not proved")
    for spec, config in (case for case in CASES if case[0] in args.spec):
        for pages in args.pages:
            for engine in ("auto", "pdr") if args.pdr else ("auto",):
                status, elapsed, proved, total, missing = prove(spec, config, pages, args.budget, engine, args.jobs)
                label = "k-ind" if engine == "auto" else "pdr"
                print(f"{spec:<22} {config:<11} {label:<6} {pages:>5} {elapsed:>7.1f}s  {proved:>4}/{total:<4}  "
                      f"{status}{': ' + missing if missing else ''}", flush=True)


if __name__ == "__main__":
    main()
