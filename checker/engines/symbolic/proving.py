"""The default strategy: check each property with BMC to the configuration's depth (shortest
counterexamples), then try to prove what still holds for every depth:

- k-induction, k = 1 .. min(max_k, depth + 1): BMC's depth is the base case of those k;
- or, with `--engine pdr`, IC3/PDR (Spacer), which needs no base case; what it finds
  reachable (broken beyond BMC's depth) keeps "holds to depth" and is listed in `deeper`.

The proof engines run within a budget of Z3 resource units (deterministic, unlike time); a
property they do not prove keeps its BMC verdict. No z3 here: the engines own the solver.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from checker import ir
from checker.engines.symbolic import bmc, induction, pdr
from checker.engines.verdict import CounterexampleToInduction, HoldsToDepth, Proved, Verdict


@dataclass(frozen=True)
class ProveOptions:
    depth: int                 # BMC depth
    max_k: int                 # largest k tried by k-induction
    deadline: float | None
    rlimit: int | None = None  # Z3 resource units for the proof engines
    use_pdr: bool = False
    bmc_rlimit: int | None = None  # Z3 resource units for BMC
    workers: int = 1           # processes for k-induction's split cases (without a proof rlimit)


@dataclass
class ProveRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    ctis: dict[str, CounterexampleToInduction] = field(default_factory=dict)
    unneeded_lemmas: tuple[str, ...] = ()
    invariant: str | None = None   # an inductive invariant, when the engine gives one
    stopped: str | None = None     # why the proof engine stopped before trying every candidate
    deeper: tuple[str, ...] = ()   # holding to BMC's depth, but the proof engine knows a violation exists deeper
    proof_seconds: float = 0.0     # time in the proof engine


def check(model: ir.Model, options: ProveOptions, progress: Callable[[str], None] | None = None) -> ProveRun:
    """`progress`, if given, hears what the engines are doing (for a status line)."""
    started = time.monotonic()
    on_depth = (lambda d: progress(f"BMC depth {d} of {options.depth} done")) if progress else None
    bounded = bmc.check(model, bmc.BmcOptions(options.depth, options.deadline, options.bmc_rlimit), on_depth)
    verdicts: dict[str, Verdict] = dict(bounded.verdicts)
    seconds = dict(bounded.seconds)
    run = ProveRun(verdicts, seconds)
    candidates = tuple(p.name for p in model.properties if isinstance(verdicts[p.name], HoldsToDepth))
    if not candidates:
        return run
    proving_from = time.monotonic()
    if options.use_pdr:
        if progress:
            progress("IC3/PDR")
        result = pdr.prove(model, candidates, pdr.PdrOptions(options.deadline, options.rlimit))
        for name in result.proved:
            verdicts[name] = Proved("pdr", f"{result.frames} frames", frames=result.frames)
            seconds[name] = time.monotonic() - started
        run.invariant = result.invariant
        run.stopped = result.unknown
        run.deeper = result.reachable
    else:
        max_k = min(options.max_k, options.depth + 1)
        ind = induction.prove(model, candidates, induction.InductionOptions(max_k, options.deadline,
                                                                            rlimit=options.rlimit,
                                                                            workers=options.workers), progress)
        for name, k in ind.proved.items():
            verdicts[name] = Proved("k-induction", f"k={k}", k=k)
            seconds[name] = proving_from - started + ind.seconds[name]
        run.ctis = {n: c for n, c in ind.ctis.items() if n not in ind.proved}
        run.unneeded_lemmas = induction.unneeded_lemmas(model, ind)
        run.stopped = ind.unknown
        if ind.proved:
            inductive = [p.name for p in model.properties if p.name in ind.proved and p.name not in ind.derived]
            implied = [p.name for p in model.properties if p.name in ind.derived]
            run.invariant = "the conjunction of " + ", ".join(inductive) + (
                "; which implies, in every state, " + ", ".join(implied) if implied else "")
    run.proof_seconds = time.monotonic() - proving_from
    return run

