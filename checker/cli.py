"""`mdcheck SPEC.md ...`: check every configuration of each spec and report.

Exit codes: 0 every outcome as expected; 1 an unexpected outcome; 2 an UNKNOWN result
(solver gave up or timeout) and nothing unexpected; 3 a spec or usage error;
4 an internal error (for example a counterexample that does not replay).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Sequence, TextIO

from . import bmc, coverage, explicit, proving, simulate
from .diagnostics import Diagnostic, SourceTexts, SpecError, fail, render
from . import ir
from .loader import load_spec
from .render import cti_summary, render_cti, render_notes, render_summary, render_trace, where
from .replay import ReplayError, replay, replay_from_state
from .typecheck import collect_declarations, configuration_names, lower
from .verdict import NotFound, PropertyResult, Unknown, Violated

EXIT_OK, EXIT_UNEXPECTED, EXIT_UNKNOWN, EXIT_SPEC_ERROR, EXIT_INTERNAL, EXIT_VACUOUS = 0, 1, 2, 3, 4, 5
DEFAULT_DEPTH = 6
DEFAULT_MAX_K = 3
DEFAULT_PROOF_RLIMIT = 5_000_000
MAX_K = 50
MAX_DEPTH = 1000
MAX_TIMEOUT = 1e7  # seconds (about four months); Python's timers cannot wait much longer
MAX_SIMULATION_STEPS = 1_000_000
MAX_RUNS = 1_000_000


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2; ours is 3
        raise _UsageError(message)


def _parser(simulating: bool = False) -> argparse.ArgumentParser:
    if simulating:
        p = _Parser(prog="mdcheck simulate",
                    description="Run long random executions of each configuration and report the first "
                                "violation of each property found, with its trace.")
    else:
        p = _Parser(prog="mdcheck", description="Check memdesc invariants written as literate Markdown specs. "
                                                "`mdcheck simulate --help` for random simulation.")
    p.add_argument("specs", nargs="+", metavar="SPEC.md", help="spec files to check")
    p.add_argument("--config", metavar="NAME", help="check only this configuration (default: all)")
    if simulating:
        p.add_argument("--steps", type=int, default=100, metavar="N", help="steps per run (default: 100)")
        p.add_argument("--runs", type=int, default=100, metavar="R", help="runs per configuration (default: 100)")
        p.add_argument("--seed", type=int, default=0, metavar="S",
                       help="random seed; the same seed gives the same runs (default: 0)")
    else:
        p.add_argument("--depth", type=int, default=None, metavar="K",
                       help=f"bounded model checking depth, in actions (default: the configuration's "
                            f"own `depth`, else {DEFAULT_DEPTH})")
        p.add_argument("--engine", choices=("auto", "pdr", "bmc", "explicit"), default="auto",
                       help="auto (default): prove each property by k-induction, check the rest with BMC to "
                            "--depth; pdr: prove with IC3/PDR (Z3's Spacer), then BMC; bmc: bounded model "
                            "checking only; explicit: breadth-first search over concrete states, no solver, "
                            "until no new state is found (or to --depth)")
        p.add_argument("--max-k", type=int, default=DEFAULT_MAX_K, metavar="K",
                       help=f"largest k tried by k-induction (default {DEFAULT_MAX_K}; k > 1 needs BMC to depth k - 1)")
        p.add_argument("--proof-rlimit", type=int, default=DEFAULT_PROOF_RLIMIT, metavar="N",
                       help=f"Z3 resource units the proof engine may use per configuration (default "
                            f"{DEFAULT_PROOF_RLIMIT:_}, a few seconds here); a deterministic limit: the same "
                            "spec proves the same properties on any machine; 0: no limit")
        p.add_argument("--show-cti", action="store_true",
                       help="print each counterexample to induction in full, like a trace (by default one line "
                            "per property not proved)")
        p.add_argument("--show-invariant", action="store_true",
                       help="print the inductive invariant of each proof")
        p.add_argument("--strict", action="store_true",
                       help=f"fail (exit {EXIT_VACUOUS}) when an action is never enabled, an assert never "
                            "reached or an invariant's premise never true within the depth")
        p.add_argument("--max-states", type=int, default=explicit.ExplicitOptions.max_states, metavar="N",
                       help="explicit engine: give up (UNKNOWN) after this many distinct states")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit for the whole run")
    p.add_argument("--raw-words", action="store_true",
                   help="also print the raw 64-bit words of every layout value a step changes")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant, e.g. -D NPAGES=16 (wins over configurations)")
    timing = p.add_mutually_exclusive_group()
    timing.add_argument("--timing", dest="timing", action="store_true", default=None,
                        help="show the time column in the summary (default: only on a terminal)")
    timing.add_argument("--no-timing", dest="timing", action="store_false",
                        help="leave times out of the summary")
    return p


@dataclass(frozen=True)
class _Options:
    specs: tuple[str, ...]
    config: str | None
    depth: int | None  # None: each configuration's own depth, else DEFAULT_DEPTH
    deadline: float | None
    overrides: dict[str, int | bool]
    timing: bool
    raw_words: bool = False
    engine: str = "bmc"  # or "explicit", or "simulate"
    max_states: int = explicit.ExplicitOptions.max_states
    simulation: simulate.SimulateOptions | None = None
    max_k: int = DEFAULT_MAX_K
    proof_rlimit: int = DEFAULT_PROOF_RLIMIT
    show_invariant: bool = False
    strict: bool = False
    show_cti: bool = False


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(list(sys.argv[1:] if argv is None else argv), sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        print("mdcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mdcheck spec.md | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    try:
        options = _read_options(argv)
    except _UsageError as error:
        print(f"mdcheck: error[MDC501]: {error}", file=err)
        print("usage: mdcheck SPEC.md [--config NAME] [--depth K] [--engine auto|pdr|bmc|explicit] [--timeout S] "
              "[--max-k K] [--proof-rlimit N] [--show-invariant] [--strict] [-D NAME=VALUE]", file=err)
        print("       mdcheck simulate SPEC.md [--config NAME] [--steps N] [--runs R] [--seed S] [--timeout S]",
              file=err)
        return EXIT_SPEC_ERROR
    except SpecError as error:
        _print_diagnostics(error.diagnostics, SourceTexts(), err)
        return EXIT_SPEC_ERROR
    codes = []
    for spec in options.specs:
        try:
            codes.append(_check_spec(spec, options, out, err))
        except RecursionError:
            print(render(Diagnostic("MDC402", f"{spec} nests expressions, statements or calls too deeply "
                                    "for mdcheck to process"), SourceTexts()), file=err)
            codes.append(EXIT_SPEC_ERROR)
        except BrokenPipeError:
            raise
        except Exception as error:  # a bug in mdcheck: say so plainly, exit 4
            if os.environ.get("MDCHECK_DEBUG"):
                raise
            print(f"mdcheck: internal error while checking {spec}: {type(error).__name__}: {error}", file=err)
            print("mdcheck: this is a bug in mdcheck; set MDCHECK_DEBUG=1 for the Python traceback", file=err)
            codes.append(EXIT_INTERNAL)
    return _combine(codes)


def _combine(codes: list[int]) -> int:
    for code in (EXIT_INTERNAL, EXIT_SPEC_ERROR, EXIT_UNEXPECTED, EXIT_UNKNOWN, EXIT_VACUOUS):
        if code in codes:
            return code
    return EXIT_OK


def _read_options(argv: list[str]) -> _Options:
    simulating = bool(argv) and argv[0] == "simulate"
    args = _parser(simulating).parse_args(argv[1:] if simulating else argv)
    if simulating:
        for flag, value, most in (("--steps", args.steps, MAX_SIMULATION_STEPS), ("--runs", args.runs, MAX_RUNS)):
            if not 1 <= value <= most:
                raise _UsageError(f"{flag} must be between 1 and {most}, not {value}")
        args.depth, args.engine, args.max_states = None, "simulate", explicit.ExplicitOptions.max_states
        args.max_k, args.show_invariant, args.strict = DEFAULT_MAX_K, False, False
        args.proof_rlimit, args.show_cti = DEFAULT_PROOF_RLIMIT, False
    if args.depth is not None and not 0 <= args.depth <= MAX_DEPTH:
        raise _UsageError(f"--depth must be between 0 and {MAX_DEPTH}, not {args.depth}")
    if not 1 <= args.max_k <= MAX_K:
        raise _UsageError(f"--max-k must be between 1 and {MAX_K}, not {args.max_k}")
    if args.proof_rlimit < 0:
        raise _UsageError(f"--proof-rlimit must be a number of resource units (0: no limit), not {args.proof_rlimit}")
    if args.max_states <= 0:
        raise _UsageError(f"--max-states must be a positive number, not {args.max_states}")
    if args.timeout is not None and not 0 < args.timeout <= MAX_TIMEOUT:
        raise _UsageError(f"--timeout must be a number of seconds between 0 and {MAX_TIMEOUT:.0f}, "
                          f"not {args.timeout}")
    overrides: dict[str, int | bool] = {}
    for define in args.defines:
        name, sep, text = define.partition("=")
        if not sep or not name.isidentifier():
            raise fail("MDC401", f"-D {define}: expected NAME=VALUE, e.g. -D NPAGES=16")
        overrides[name] = _parse_value(name, text.strip())
    deadline = time.monotonic() + args.timeout if args.timeout else None
    timing = args.timing if args.timing is not None else _stdout_is_terminal()
    simulation = simulate.SimulateOptions(args.steps, args.runs, args.seed, deadline) if simulating else None
    return _Options(tuple(args.specs), args.config, args.depth, deadline, overrides, timing,
                    getattr(args, "raw_words", False), args.engine, args.max_states, simulation,
                    args.max_k, args.proof_rlimit, args.show_invariant, args.strict, args.show_cti)


def _stdout_is_terminal() -> bool:
    return _is_terminal(sys.stdout)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _parse_value(name: str, text: str) -> int | bool:
    if text in ("true", "false"):
        return text == "true"
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        raise fail("MDC401", f"-D {name}={text}: not an integer or boolean") from None
    if abs(value) >= 1 << 64:
        raise fail("MDC402", f"-D {name}={text}: constants must fit in 64 bits")
    return value


def _print_diagnostics(diagnostics: Sequence[Diagnostic], texts: SourceTexts, err: TextIO) -> None:
    for d in diagnostics:
        print(render(d, texts), file=err)


def _check_spec(path: str, options: _Options, out: TextIO, err: TextIO) -> int:
    texts = SourceTexts()
    try:
        spec = load_spec(path)
        texts = spec.texts
        decls = collect_declarations(spec)
        names = configuration_names(decls)
        if options.config is not None:
            if options.config not in names:
                from .diagnostics import unknown_name
                error = unknown_name("configuration", options.config, None, names)
                raise SpecError([Diagnostic("MDC205", error.diagnostics[0].message)])
            names = (options.config,)
        models = [lower(decls, name, options.overrides) for name in names]
    except SpecError as error:
        _print_diagnostics(error.diagnostics, error.texts or texts, err)
        return EXIT_SPEC_ERROR

    results: list[PropertyResult] = []
    runs: list[_ModelRun] = []
    internal_error = False
    for model in models:
        try:
            model_run = _run_engine(model, options, err)
        except explicit.CannotEnumerate as error:
            print(render(Diagnostic("MDC404", str(error), error.span,  # type: ignore[arg-type]
                                    hint="use --engine bmc, or narrow the type"), texts), file=err)
            return EXIT_SPEC_ERROR
        runs.append(model_run)
        for prop in model.properties:
            result = PropertyResult(model.config, prop, model_run.verdicts[prop.name], model_run.seconds[prop.name])
            results.append(result)
            if isinstance(result.verdict, Violated):
                try:
                    evidence = replay(model, result.verdict.trace, prop)
                except ReplayError as error:
                    print(f"mdcheck: internal error: the counterexample for '{prop.name}' in configuration "
                          f"'{model.config}' does not replay: {error}", file=err)
                    internal_error = True
                    continue
                print(render_trace(model, result, evidence, options.raw_words), file=out)
                print(file=out)
        internal_error |= not _print_ctis(model, model_run, options, out, err)
    depths = [r.shown for r in runs]
    shown = f"{depths[0]}" if len(set(depths)) == 1 else ", ".join(
        f"{m.config} {d}" for m, d in zip(models, depths))
    print(f"{spec.path}: {len(models)} configuration{'s' if len(models) != 1 else ''}, {shown}", file=out)
    print(render_summary(results, options.timing), file=out)
    for model_run in runs:
        for note in model_run.notes:
            print(note, file=out)
    for r in results:
        note = render_notes(r)
        if note:
            print(note, file=out)
    vacuous = False
    for model, model_run in zip(models, runs):
        for goal, depth in model_run.uncovered:
            vacuous = True
            print(f"{model.config}: warning: {goal.describe()} within depth {depth} [{where(goal.span)}]", file=out)
    if internal_error:
        return EXIT_INTERNAL
    if any(not r.as_expected and not isinstance(r.verdict, (Unknown, NotFound)) for r in results):
        return EXIT_UNEXPECTED
    if any(not r.as_expected for r in results):  # UNKNOWN, or a violation simulation did not find
        return EXIT_UNKNOWN
    if vacuous and options.strict:
        return EXIT_VACUOUS
    return EXIT_OK


@dataclass
class _ModelRun:
    """What the engines said about one configuration."""
    verdicts: dict
    seconds: dict
    shown: str                      # the depth (or search) shown in the header
    notes: list[str] = field(default_factory=list)
    ctis: dict = field(default_factory=dict)
    uncovered: list[tuple[coverage.Goal, int]] = field(default_factory=list)


def _print_ctis(model: ir.Model, model_run: _ModelRun, options: _Options, out: TextIO, err: TextIO) -> bool:
    """Each counterexample to induction once, replayed first; False if one does not replay."""
    shown: set[int] = set()
    properties = {p.name: p for p in model.properties}
    for name, cti in model_run.ctis.items():
        if id(cti) in shown:
            continue
        shown.add(id(cti))
        prop = properties[name]
        try:
            evidence = replay_from_state(model, cti.trace, prop, cti.assumed)
        except ReplayError as error:
            print(f"mdcheck: internal error: the counterexample to induction for '{name}' in configuration "
                  f"'{model.config}' does not replay: {error}", file=err)
            return False
        if options.show_cti:
            print(render_cti(model, cti, prop, evidence, options.raw_words), file=out)
            print(file=out)
        else:
            model_run.notes.append(cti_summary(model, cti, prop))
    return True


def _run_engine(model: ir.Model, options: _Options, err: TextIO) -> _ModelRun:
    """What the chosen engines say about each property of one configuration."""
    if options.simulation is not None:
        sim = options.simulation
        shown = f"simulation, {sim.runs} runs of up to {sim.steps} steps, seed {sim.seed}"
        try:
            result = simulate.simulate(model, sim)
        except simulate.NoInitialState as error:
            reason = str(error)
            return _ModelRun({p.name: Unknown(reason, -1) for p in model.properties},
                             {p.name: 0.0 for p in model.properties}, shown, [f"{model.config}: {reason}"])
        note = (f"{model.config}: {result.runs} runs, {result.steps} steps, {result.distinct_states} distinct "
                f"states; {result.deadlocked} runs stopped early with no action enabled")
        if options.timing:
            note += f"; {result.elapsed:.2f} s"
        for name, number in sorted(result.found_in.items(), key=lambda item: item[1]):
            note += (f"\n{model.config}: '{name}' found in run {number}; to see that run again: "
                     f"--seed {sim.seed} --runs {number} --steps {sim.steps}")
        return _ModelRun(result.verdicts, result.seconds, shown, [note])
    if options.engine == "explicit":
        started = time.monotonic()

        def progress(level: int, states: int) -> None:  # on a terminal only: logs stay deterministic
            print(f"mdcheck: {model.config}: explicit search, level {level} done: {states} states, "
                  f"{time.monotonic() - started:.1f} s", file=err, flush=True)
        run = explicit.check(model, explicit.ExplicitOptions(options.depth, options.max_states, options.deadline),
                             progress if _is_terminal(err) else None)
        extent = "every reachable state" if run.complete else f"to depth {run.depth}"
        shown = "explicit, " + ("until no new state" if options.depth is None else f"depth {options.depth}")
        rate = run.states / run.elapsed if run.elapsed > 0 else 0.0
        note = (f"{model.config}: explicit search checked {extent}: {run.states} states, "
                f"{run.transitions} transitions, deepest level {run.depth}")
        if options.timing:
            note += f", {run.elapsed:.2f} s, {rate:.0f} states/s"
        return _ModelRun(run.verdicts, run.seconds, shown, [note])
    depth = options.depth if options.depth is not None else (
        model.depth if model.depth is not None else DEFAULT_DEPTH)
    if options.engine == "bmc":
        bmc_run = bmc.check(model, bmc.BmcOptions(depth, options.deadline))
        model_run = _ModelRun(bmc_run.verdicts, bmc_run.seconds, f"depth {depth}")
    else:
        proof = proving.check(model, proving.ProveOptions(depth, options.max_k, options.deadline,
                                                          options.proof_rlimit or None, options.engine == "pdr"))
        model_run = _ModelRun(proof.verdicts, proof.seconds, f"depth {depth}", ctis=proof.ctis)
        for lemma in proof.unneeded_lemmas:
            span = next(inv.span for inv in model.invariants if inv.name == lemma)
            model_run.notes.append(f"{model.config}: lemma '{lemma}' is proved but no proof needed it "
                                   f"[{where(span)}]")
        if options.show_invariant and proof.invariant:
            model_run.notes.append(f"{model.config}: inductive invariant: {proof.invariant}")
        if proof.stopped:
            engine = "IC3/PDR" if options.engine == "pdr" else "k-induction"
            limit = " (--proof-rlimit)" if proof.stopped == "resource limit" else ""
            model_run.notes.append(f"{model.config}: {engine} stopped early: {proof.stopped}{limit}; the "
                                   "properties it did not prove keep their BMC result")
        if options.timing:
            model_run.notes.append(f"{model.config}: proof engine {proof.proof_seconds:.2f} s")
    goals = coverage.goals(model)
    met = bmc.cover(model, goals, bmc.BmcOptions(depth, options.deadline))
    model_run.uncovered = [(g, depth) for g in goals if g.key in met and met[g.key] is None]
    return model_run


if __name__ == "__main__":
    sys.exit(main())
