"""Speed figures for the word-exact spec (issue 3). Prints; asserts nothing.

    python bench/words_figures.py [--budget SECONDS] [--max-depth K]

1. Each crash configuration of specs/ptdesc.md: wall time of a whole
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

from bench.bmc_figures import print_per_depth  # noqa: E402

SPEC = os.path.join(REPO, "specs", "ptdesc.md")
CRASHES = ["patch6_loop", "boot_early", "cpa_collapse", "cpa_free_frozen", "syzbot_pte_free_now",
           "thp_overlay"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--max-depth", type=int, default=6)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print("crash configurations (4 pages; when each crash was found, from the start of checking,"
          " and the whole process):")
    for config in CRASHES:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "checker.cli", SPEC, "--config", config, "--timing"],
                              cwd=REPO, capture_output=True, text=True)
        seconds = time.monotonic() - started
        # the summary's time column: when the checker settled each expected violation
        found = re.findall(rf"^{config}\s+(.+?)\s+\w+\s+violated\s+VIOLATED\s+(\d+)\s+ok\s+([0-9.]+)s$",
                           done.stdout, re.M)
        shown = ", ".join(f"{name} at depth {depth} after {at} s" for name, depth, at in found) or "NOTHING FOUND"
        print(f"  {config:<20} whole run {seconds:6.2f} s, exit {done.returncode}: {shown}")
    for pages in (8, 16):
        print_per_depth("fixed", pages, args.max_depth, args.budget, SPEC)


if __name__ == "__main__":
    main()
