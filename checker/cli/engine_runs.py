"""The engines of each configuration: in this process, or with --jobs on a pool of spawned ones."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from checker import ir
from checker.cli.options import DEFAULT_DEPTH, Options
from checker.cli.preparing import Prepared, select_properties
from checker.engines.aiger import engine as abc_engine
from checker.engines.concrete import explicit, simulate
from checker.engines.symbolic import bmc, coverage, induction, proving
from checker.engines.verdict import Unknown
from checker.frontend.loader import load_spec
from checker.reports.outcome import SpecOutcome
from checker.reports.progress import Progress
from checker.reports.render import where
from checker.typecheck import collect_declarations, lower


@dataclass
class ModelRun:
    """What the engines said about one configuration."""
    verdicts: dict
    seconds: dict
    shown: str                      # the depth (or search) shown in the header
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # notes printed only with -v (and in JSON)
    depth: int | None = None        # BMC's depth, for the solver engines
    ctis: dict = field(default_factory=dict)
    uncovered: list[tuple[coverage.Goal, int]] = field(default_factory=list)
    proof_stopped: str = ""         # why the proof engine stopped before it was done, if it did


def run_engine(model: ir.Model, options: Options, progress: Callable[[str], None] | None = None,
                proof_workers: int = 1) -> ModelRun:
    """What the chosen engines say about each property of one configuration; `progress`
    hears what they are doing, for a status line."""
    if options.simulation is not None:
        sim = options.simulation
        shown = f"simulation, {sim.runs} runs of up to {sim.steps} steps, seed {sim.seed}"
        try:
            result = simulate.simulate(model, sim)
        except simulate.NoInitialState as error:
            reason = str(error)
            return ModelRun({p.name: Unknown(reason, -1) for p in model.properties},
                             {p.name: 0.0 for p in model.properties}, shown, [f"{model.config}: {reason}"])
        note = (f"{model.config}: {result.runs} runs, {result.steps} steps, {result.distinct_states} distinct "
                f"states; {result.deadlocked} runs stopped early with no action enabled")
        if options.timing:
            note += f"; {result.elapsed:.2f} s"
        for name, number in sorted(result.found_in.items(), key=lambda item: item[1]):
            step = result.verdicts[name].depth  # type: ignore[union-attr]
            note += (f"\n{model.config}: '{name}' found at step {step} of run {number}; to see that run again: "
                     f"--seed {sim.seed} --runs {number} --steps {sim.steps}")
        return ModelRun(result.verdicts, result.seconds, shown, [note])
    if options.engine == "explicit":
        def on_level(level: int, states: int) -> None:
            if progress:
                progress(f"explicit search, level {level} done: {states} states")
        run = explicit.check(model, explicit.ExplicitOptions(options.depth, options.max_states, options.deadline),
                             on_level if progress else None)
        extent = "every reachable state" if run.complete else f"to depth {run.depth}"
        shown = "explicit, " + ("until no new state" if options.depth is None else f"depth {options.depth}")
        rate = run.states / run.elapsed if run.elapsed > 0 else 0.0
        note = (f"{model.config}: explicit search checked {extent}: {run.states} states, "
                f"{run.transitions} transitions, deepest level {run.depth}")
        if options.timing:
            note += f", {run.elapsed:.2f} s, {rate:.0f} states/s"
        return ModelRun(run.verdicts, run.seconds, shown, [note])
    depth = checked_depth(model, options)
    rlimit = options.rlimit or None
    if options.engine == "abc":
        model_run = _abc_run(model, options, depth, progress)
    elif options.engine == "bmc":
        on_depth = (lambda d: progress(f"BMC depth {d} of {depth} done")) if progress else None
        bmc_run = bmc.check(model, bmc.BmcOptions(depth, options.deadline, rlimit), on_depth)
        model_run = ModelRun(bmc_run.verdicts, bmc_run.seconds, f"depth {depth}", depth=depth)
    else:
        proof = proving.check(model, proving.ProveOptions(depth, options.max_k, options.deadline,
                                                          options.proof_rlimit or None, options.engine == "pdr",
                                                          rlimit, proof_workers), progress)
        model_run = ModelRun(proof.verdicts, proof.seconds, f"depth {depth}", ctis=proof.ctis, depth=depth)
        for lemma in proof.unneeded_lemmas:
            span = next(inv.span for inv in model.invariants if inv.name == lemma)
            model_run.details.append(f"{model.config}: lemma '{lemma}' is proved but no proof needed it "
                                   f"[{where(span)}]")
        for name in proof.deeper:
            model_run.notes.append(f"{model.config}: '{name}': a violation exists deeper than depth {depth}: "
                                   "run with a larger --depth to see it")
        if options.show_invariant and proof.invariant:
            model_run.notes.append(f"{model.config}: inductive invariant: {proof.invariant}")
        if proof.stopped:
            engine = "IC3/PDR" if options.engine == "pdr" else "k-induction"
            limit = (f" (--proof-rlimit): its budget of {options.proof_rlimit:_} units, plus "
                     f"{induction.CASE_RLIMIT:_} for each split case, ran out; raise --proof-rlimit or use 0 for no "
                     "limit" if proof.stopped == "resource limit" else "")
            model_run.proof_stopped = proof.stopped  # the configuration's line says so
            model_run.details.append(f"{model.config}: {engine} stopped early: {proof.stopped}{limit}; the "
                                   "properties it did not prove keep their BMC result")
        if options.timing:
            model_run.notes.append(f"{model.config}: proof engine {proof.proof_seconds:.2f} s")
    goals = coverage.goals(model)
    on_cover = (lambda d: progress(f"coverage, depth {d} of {depth}")) if progress else None
    met = bmc.cover(model, goals, bmc.BmcOptions(depth, options.deadline, rlimit), on_cover)
    model_run.uncovered = [(g, depth) for g in goals if g.key in met and met[g.key] is None]
    return model_run


def _abc_run(model: ir.Model, options: Options, depth: int, progress: Callable[[str], None] | None) -> ModelRun:
    run = abc_engine.check(model, abc_engine.AbcOptions(depth, options.deadline, options.jobs), progress)
    model_run = ModelRun(run.verdicts, run.seconds, f"depth {depth}, ABC", list(run.notes), depth=depth,
                         proof_stopped=run.proof_stopped)
    for name in run.deeper:
        model_run.notes.append(f"{model.config}: '{name}': a violation exists deeper than depth {depth}: "
                               "run with a larger --depth to see it")
    if options.show_invariant and run.invariant:
        model_run.notes.append(f"{model.config}: inductive invariant (ABC, re-checked by Z3): {run.invariant}")
    if options.timing and run.figures:
        model_run.notes.append(f"{model.config}: ABC: " + ", ".join(f"{k} {v}" for k, v in run.figures.items()))
    return model_run


def run_in_worker(path: str, config: str, options: Options) -> ModelRun:
    """One configuration's engines, in a worker process of --jobs: the spec is read and
    lowered again there (models are not sent between processes; lowering is deterministic)."""
    model = lower(collect_declarations(load_spec(path, options.search)), config, options.overrides)
    selected = select_properties(model, options.properties)
    assert selected is not None, "a configuration with none of --property's names is not sent to a worker"
    return run_engine(selected, options)


@contextmanager
def engine_runs_in_order(prepared: list[Prepared | SpecOutcome], options: Options,
                 progress: Progress) -> Iterator[Callable[[int], Iterator[ModelRun]]]:
    """`runs_of(i)`: the engine runs of spec i's configurations, in order. With --jobs N > 1
    every configuration of every spec is queued at once on N processes; the caller still
    takes the runs in order, so the output is what one process prints."""
    def progress_of(config: str) -> Callable[[str], None]:
        return lambda text: progress.show(f"{config}: {text}")

    def serial(index: int) -> Iterator[ModelRun]:
        spec = prepared[index]
        assert isinstance(spec, Prepared)
        for model in spec.models:
            progress.restart()
            # one configuration at a time: --jobs goes to its proof's split cases instead
            model_run = run_engine(model, options, progress_of(model.config) if progress.enabled else None,
                                    options.jobs)
            progress.clear()
            yield model_run

    pairs = [(i, spec.path, m.config) for i, spec in enumerate(prepared) if isinstance(spec, Prepared)
             for m in spec.models]
    if options.jobs == 1 or len(pairs) < 2:
        yield serial
        return
    pool = ProcessPoolExecutor(min(options.jobs, len(pairs)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {(i, config): pool.submit(run_in_worker, path, config, options) for i, path, config in pairs}

        def parallel(index: int) -> Iterator[ModelRun]:
            spec = prepared[index]
            assert isinstance(spec, Prepared)
            for model in spec.models:
                future = futures[(index, model.config)]
                while not future.done():
                    done = sum(f.done() for f in futures.values())
                    progress.show(f"{done} of {len(futures)} configurations checked, {options.jobs} at a time")
                    wait([future], timeout=0.5)
                progress.clear()
                yield future.result()
        yield parallel
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def checked_depth(model: ir.Model, options: Options) -> int:
    """The BMC depth a configuration is checked to: --depth, else its own, else the default."""
    if options.depth is not None:
        return options.depth
    return model.depth if model.depth is not None else DEFAULT_DEPTH
