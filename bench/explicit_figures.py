"""Speed figures for the explicit-state engine (issue 4). Prints; asserts nothing.

    python bench/explicit_figures.py [--budget SECONDS] [--pages 4 8] [--bmc-depth K]

1. Every configuration of specs/ptdesc.md explored until no new state: reachable
   states, transitions, time, states per second, peak memory (each in its own process,
   so the peak is that configuration's).
2. The `fixed` configuration at each page count: states and cumulative time per BFS
   level, until the search is complete or the budget runs out, next to BMC's cumulative
   time per depth for the same configuration.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bench.bmc_figures import print_per_depth  # noqa: E402

SPEC = os.path.join(REPO, "specs", "ptdesc.md")


def explore(config: str, overrides: dict[str, int], budget: float) -> dict:
    """Run the explicit engine in a child process; its per-level marks, counts and peak RSS."""
    code = f"""
import json, sys, time
from checker.engines.concrete import explicit
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower
model = lower(collect_declarations(load_spec({SPEC!r})), {config!r}, {overrides!r})
started = time.monotonic()
marks = []
def on_depth(depth, states):
    marks.append((depth, states, time.monotonic() - started))
    print(json.dumps({{"mark": marks[-1]}}), flush=True)
run = explicit.check(model, explicit.ExplicitOptions(None, 50_000_000, started + {budget}), on_depth)
print(json.dumps({{"states": run.states, "transitions": run.transitions, "complete": run.complete,
                  "seconds": run.elapsed, "peak_mib": run.peak_rss_kib / 1024, "marks": marks,
                  "violated": sorted(n for n, v in run.verdicts.items() if type(v).__name__ == "Violated")}}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines or "states" not in lines[-1]:
        raise SystemExit(f"explicit run of {config} failed:\n{done.stderr}")
    return lines[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=600.0, help="seconds per fixed-configuration search")
    parser.add_argument("--pages", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--bmc-depth", type=int, default=4)
    parser.add_argument("--skip-configs", action="store_true", help="only the fixed configuration")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    if not args.skip_configs:
        print("every configuration, explored until no new state (own process each):")
        from checker.frontend.loader import load_spec
        from checker.typecheck import collect_declarations, configuration_names
        for config in configuration_names(collect_declarations(load_spec(SPEC))):
            if config == "fixed":
                continue
            r = explore(config, {}, 600.0)
            rate = r["states"] / r["seconds"] if r["seconds"] else 0.0
            print(f"  {config:<20} {r['states']:>8} states {r['transitions']:>9} transitions "
                  f"{r['seconds']:8.2f} s {rate:8.0f} states/s  peak {r['peak_mib']:6.0f} MiB  "
                  f"{'complete' if r['complete'] else 'NOT complete'}; violated: {', '.join(r['violated']) or '-'}")
    for pages in args.pages:
        started = time.monotonic()
        r = explore("fixed", {"NPAGES": pages}, args.budget)
        print(f"fixed configuration, NPAGES={pages}: explicit search, states per BFS level "
              f"(budget {args.budget:.0f} s)")
        previous = 0
        for depth, states, at in r["marks"]:
            print(f"  level {depth:2d}: {states - previous:>9} new, {states:>9} in all, {at:8.2f} s, "
                  f"{states / at if at else 0:8.0f} states/s")
            previous = states
        status = "complete: every reachable state" if r["complete"] else "NOT complete within the budget"
        print(f"  {status}; {r['states']} states, {r['transitions']} transitions, {r['seconds']:.1f} s, "
              f"peak memory {r['peak_mib']:.0f} MiB (wall {time.monotonic() - started:.1f} s)")
        print_per_depth("fixed", pages, args.bmc_depth, min(args.budget, 300.0), SPEC)


if __name__ == "__main__":
    main()
