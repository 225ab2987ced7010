"""Figures for the bit-level engine (issue 18), side by side with Z3's engines. Prints; asserts nothing.

    python bench/abc_figures.py [--budget SECONDS] [--tag-pages 8 16 32 64] [--word-pages 4 8] [--skip-z3]

1. Every seed crash configuration of specs/ptdesc.md (word-exact, its configured size):
   ABC's bmc2 to the configuration's depth, the counterexamples, each trace replayed; and
   Z3's BMC to the same depth.
2. specs/ptdesc_tags.md `fixed` with every lemma removed, at each page count: ABC's proof
   (scorr -l, scorr -f, pdr, Z3's re-check of the invariant), the circuit's size before and
   after the reduction, the node pairs signal correspondence proved ("pairs"); beside it k-induction (k = 1, with the spec's lemmas: without them it cannot)
   and Spacer (no lemmas).
3. specs/ptdesc.md `fixed` (word-exact), lemmas removed: ABC's proof at each page count.
4. The other configurations of specs/ptdesc.md, whole (lemmas kept, as `mdcheck` runs them):
   `--engine abc --jobs 2` beside k-induction in its default proof budget; "won by": the
   proof flow whose proof Z3's re-check accepted first.

Each engine run gets --budget seconds of wall clock (default 300). Times are wall seconds
on this machine; "engine" is the time in ABC's processes.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from checker import ir  # noqa: E402
from checker.cli.options import DEFAULT_PROOF_RLIMIT  # noqa: E402
from checker.engines.aiger.engine import AbcOptions, check  # noqa: E402
from checker.engines.concrete.replay import ReplayError, replay  # noqa: E402
from checker.engines.symbolic import bmc, proving  # noqa: E402
from checker.engines.verdict import Proved, Violated  # noqa: E402
from checker.frontend.loader import load_spec  # noqa: E402
from checker.typecheck import collect_declarations, lower  # noqa: E402

CRASHES = ["patch6_loop", "cpa_collapse", "syzbot_pte_free_now", "thp_overlay", "cpa_free_frozen"]


def model_of(spec: str, config: str, pages: int | None = None) -> ir.Model:
    overrides = {} if pages is None else {"NPAGES": pages}
    return lower(collect_declarations(load_spec(os.path.join(REPO, spec))), config, overrides)


def without_lemmas(model: ir.Model) -> ir.Model:
    return replace(model, invariants=tuple(i for i in model.invariants if not i.lemma),
                   properties=tuple(p for p in model.properties if p.kind != "lemma"))


def deadline(budget: float) -> float:
    return time.monotonic() + budget


def crashes(budget: float, skip_z3: bool) -> None:
    print("1. seed crash configurations (specs/ptdesc.md, word-exact), BMC only")
    print("   refute: bmc2 (bmc3 where it finds nothing) on each output of the expected violations, at once, each run writing its counterexample; "
          "cex: counterexamples of the other properties; rest: bmc3 on the other properties to the depth; "
          "Z3 BMC: every property to the depth")
    print(f"{'config':22} {'depth':>5} {'latches':>7} {'ANDs':>8} {'export':>7} {'refute':>6} {'cex':>6} {'rest':>6} "
          f"{'violations (depth)':30} {'replayed':8} {'Z3 BMC':>7}")
    for config in CRASHES:
        model = model_of("specs/ptdesc.md", config)
        depth = model.depth if model.depth is not None else 6
        run = check(model, AbcOptions(depth, deadline(budget), jobs=2, prove=False))
        found = {n: v for n, v in run.verdicts.items() if isinstance(v, Violated)}
        replayed = "yes"
        for name, verdict in found.items():
            try:
                replay(model, verdict.trace, model.property(name))
            except ReplayError as error:
                replayed = f"NO: {error}"
        z3_seconds = "-"
        if not skip_z3:
            started = time.monotonic()
            z3_run = bmc.check(model, bmc.BmcOptions(depth, deadline(budget)))
            z3_seconds = f"{time.monotonic() - started:.2f}"
            agree = {n: v.depth for n, v in z3_run.verdicts.items() if isinstance(v, Violated)} == \
                {n: v.depth for n, v in found.items()}
            z3_seconds += "" if agree else " (differs!)"
        f = run.figures
        shown = ", ".join(f"{n} ({v.depth})" for n, v in found.items())
        print(f"{config:22} {depth:>5} {f['latches']:>7} {f['ands']:>8} {f['export_seconds']:>7.2f} "
              f"{f.get('refute_seconds', 0):>6.2f} {f.get('cex_seconds', 0):>6.2f} {f.get('bmc_seconds', 0):>6.2f} "
              f"{shown:30} {replayed:8} {z3_seconds:>7}")


def proof_row(label: str, model: ir.Model, budget: float) -> None:
    started = time.monotonic()
    run = check(model, AbcOptions(0, deadline(budget), jobs=2))  # depth 0: BMC is then nothing to speak of
    total = time.monotonic() - started
    proved = sum(isinstance(v, Proved) for v in run.verdicts.values())
    f = run.figures
    print(f"{label:28} {proved:>3}/{len(run.verdicts):<3} {f.get('latches', 0):>7} {f.get('ands', 0):>8} "
          f"{f.get('reduced_latches', '-'):>7} {f.get('reduced_ands', '-'):>8} {f.get('equivalences', '-'):>6} "
          f"{f.get('export_seconds', 0):>7.2f} "
          f"{f.get('abc_proof_seconds', '-'):>7} {f.get('recheck_seconds', '-'):>7} {total:>7.2f}"
          + ("" if not run.notes else "  " + "; ".join(run.notes)[:160]))


def z3_row(label: str, model: ir.Model, budget: float, use_pdr: bool) -> None:
    started = time.monotonic()
    run = proving.check(model, proving.ProveOptions(0, 1, deadline(budget), None, use_pdr))
    total = time.monotonic() - started
    proved = sum(isinstance(v, Proved) for v in run.verdicts.values())
    print(f"{label:28} {proved:>3}/{len(run.verdicts):<3} {'':>7} {'':>8} {'':>7} {'':>8} {'':>6} {'':>7} {'':>7} {'':>7} "
          f"{total:>7.2f}" + (f"  stopped: {run.stopped}" if run.stopped else ""))


def header(title: str) -> None:
    print()
    print(title)
    print(f"{'run':28} {'proved':>7} {'latches':>7} {'ANDs':>8} {'after scorr':>16} {'pairs':>6} {'export':>7} "
          f"{'ABC':>7} {'re-check':>7} {'total':>7}")


def tag_level(pages: list[int], spacer_pages: list[int], budget: float, skip_z3: bool) -> None:
    header("2. specs/ptdesc_tags.md `fixed`, every lemma removed (k-induction keeps the spec's lemmas)")
    for n in pages:
        model = model_of("specs/ptdesc_tags.md", "fixed", n)
        proof_row(f"ABC, {n} pages", without_lemmas(model), budget)
        if not skip_z3:
            z3_row(f"k-induction + lemmas, {n}", model, budget, False)
            if n in spacer_pages:
                z3_row(f"Spacer, {n} pages", without_lemmas(model), budget, True)


def word_exact(pages: list[int], budget: float) -> None:
    header("3. specs/ptdesc.md `fixed` (word-exact), every lemma removed")
    for n in pages:
        proof_row(f"ABC, {n} pages", without_lemmas(model_of("specs/ptdesc.md", "fixed", n)), budget)


def whole_configurations(budget: float, skip_z3: bool) -> None:
    """Each crash configuration as `--engine abc --jobs 2` checks it (its violations, a proof of
    the rest, BMC of what is left), beside what `--engine auto` does without coverage:
    k-induction within the default proof budget, then BMC."""
    print()
    print("4. specs/ptdesc.md configurations, whole: ABC (--jobs 2) against k-induction in its default budget")
    print(f"{'config':22} {'violated':>8} {'proved':>7} {'bounded':>7} {'ABC total':>9} {'proof':>7} {'re-check':>8} "
          f"{'won by':>12} {'k-ind proved':>12} {'k-ind total':>11}")
    for config in CRASHES + ["thp_separate", "boot_early", "boot_late"]:
        model = model_of("specs/ptdesc.md", config)
        depth = model.depth if model.depth is not None else 6
        started = time.monotonic()
        run = check(model, AbcOptions(depth, deadline(budget), jobs=2))
        total = time.monotonic() - started
        counts = [sum(isinstance(v, kind) for v in run.verdicts.values()) for kind in (Violated, Proved)]
        bounded = len(run.verdicts) - sum(counts)
        f = run.figures
        z3_proved, z3_total = "-", "-"
        if not skip_z3:
            started = time.monotonic()
            z3_run = proving.check(model, proving.ProveOptions(depth, 3, deadline(budget), DEFAULT_PROOF_RLIMIT))
            z3_total = f"{time.monotonic() - started:.1f}"
            z3_proved = f"{sum(isinstance(v, Proved) for v in z3_run.verdicts.values())}/{len(z3_run.verdicts)}"
        print(f"{config:22} {counts[0]:>8} {counts[1]:>7} {bounded:>7} {total:>9.1f} "
              f"{f.get('proof_seconds', '-'):>7} {f.get('recheck_seconds', '-'):>8} {f.get('proof_engine', '-'):>12} "
              f"{z3_proved:>12} {z3_total:>11}"
              + ("" if not run.notes else "  " + "; ".join(run.notes)[:160]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=300.0, help="wall seconds per engine run (default 300)")
    parser.add_argument("--tag-pages", type=int, nargs="*", default=[8, 16, 32, 64])
    parser.add_argument("--spacer-pages", type=int, nargs="*", default=[8],
                        help="page counts Spacer runs at (default 8: it proves nothing at 8 or 16 in 300 s)")
    parser.add_argument("--word-pages", type=int, nargs="*", default=[4, 8])
    parser.add_argument("--skip-z3", action="store_true", help="leave out Z3's engines")
    parser.add_argument("--only", choices=("crashes", "tags", "words", "configs"), help="one part only")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.budget:.0f} s per engine run")
    if args.only in (None, "crashes"):
        crashes(args.budget, args.skip_z3)
    if args.only in (None, "tags"):
        tag_level(args.tag_pages, args.spacer_pages, args.budget, args.skip_z3)
    if args.only in (None, "words"):
        word_exact(args.word_pages, args.budget)
    if args.only in (None, "configs"):
        whole_configurations(args.budget, args.skip_z3)


if __name__ == "__main__":
    main()
