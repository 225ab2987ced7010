"""Speed figures for the word-exact spec (issue 3). Prints; asserts nothing.

    python bench/words_figures.py [--budget SECONDS] [--max-depth K]

1. Each crash configuration of specs/ptdesc_words.md: wall time of a whole
   `mdcheck --config NAME` run at the configuration's own depth, and the depth found.
2. BMC time per depth of the `fixed` configuration at 8 and 16 pages.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from checker import bmc  # noqa: E402
from checker.loader import load_spec  # noqa: E402
from checker.typecheck import collect_declarations, lower  # noqa: E402

SPEC = os.path.join(REPO, "specs", "ptdesc_words.md")
CRASHES = ["patch6_loop", "boot_early", "cpa_collapse", "cpa_free_frozen", "syzbot_pte_free_now",
           "thp_overlay"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--max-depth", type=int, default=6)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print("crash configurations (whole process, the configuration's own depth, 4 pages):")
    for config in CRASHES:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "checker.cli", SPEC, "--config", config, "--no-timing"],
                              cwd=REPO, capture_output=True, text=True)
        seconds = time.monotonic() - started
        found = re.findall(r"--- \S+: \w+ '([^']+)' VIOLATED at depth (\d+) \(expected\)", done.stdout)
        shown = ", ".join(f"{name} at depth {depth}" for name, depth in found) or "NOTHING FOUND"
        print(f"  {config:<20} {seconds:6.2f} s  exit {done.returncode}  {shown}")
    decls = collect_declarations(load_spec(SPEC))
    for pages in (8, 16):
        model = lower(decls, "fixed", {"NPAGES": pages})
        started = time.monotonic()
        marks: list[tuple[int, float]] = []
        bmc.check(model, bmc.BmcOptions(args.max_depth, started + args.budget),
                  on_depth=lambda k: marks.append((k, time.monotonic() - started)))
        print(f"fixed configuration, NPAGES={pages}: cumulative BMC time per depth (budget {args.budget:.0f} s)")
        previous = 0.0
        for depth, at in marks:
            print(f"  depth {depth:2d}: {at:8.2f} s  (+{at - previous:.2f} s)")
            previous = at
        if not marks or marks[-1][0] < args.max_depth:
            print(f"  depth {marks[-1][0] + 1 if marks else 0} not finished within the budget")


if __name__ == "__main__":
    main()
