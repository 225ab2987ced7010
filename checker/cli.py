"""`mdcheck SPEC.md ...`: check every configuration of each spec and report.

Exit codes: 0 every outcome as expected; 1 an unexpected outcome; 2 an UNKNOWN result
(solver gave up or timeout) and nothing unexpected; 3 a spec or usage error;
4 an internal error (for example a counterexample that does not replay).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Sequence, TextIO

from . import bmc, coverage, explicit, proving, report_itf, report_json, report_junit, report_sarif, simulate
from .diagnostics import Diagnostic, SourceTexts, SpecError, fail, render
from . import ir
from .loader import load_spec
from .outcome import ConfigOutcome, Cti, SpecOutcome, status
from .progress import Progress, shows_progress
from .render import cti_summary, render_cti, render_notes, render_summary, render_trace, where
from .replay import Evidence, ReplayError, replay, replay_from_state
from .typecheck import collect_declarations, configuration_names, lower
from .verdict import PropertyResult, Unknown, Violated

EXIT_OK, EXIT_UNEXPECTED, EXIT_UNKNOWN, EXIT_SPEC_ERROR, EXIT_INTERNAL, EXIT_VACUOUS = 0, 1, 2, 3, 4, 5
DEFAULT_DEPTH = 6
DEFAULT_MAX_K = 3
DEFAULT_PROOF_RLIMIT = 20_000_000  # ptdesc_tags.md's fixed needs about 11M at its 8 pages
MAX_K = 50
MAX_DEPTH = 1000
MAX_TIMEOUT = 1e7  # seconds (about four months); Python's timers cannot wait much longer
MAX_SIMULATION_STEPS = 1_000_000
MAX_RUNS = 1_000_000
MAX_JOBS = 256


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
                            f"{DEFAULT_PROOF_RLIMIT:_}, about ten seconds here); a deterministic limit: the same "
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
    if not simulating:
        p.add_argument("--rlimit", type=int, default=0, metavar="N",
                       help="Z3 resource units BMC and the coverage pass may each use per configuration: a "
                            "deterministic limit, unlike --timeout (default 0: no limit); what it leaves "
                            "undecided is UNKNOWN (resource limit)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default): traces and a summary for people; json: one JSON document on stdout "
                        "(schema: schemas/mdcheck-results.schema.json)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML: one test case per configuration and property")
    p.add_argument("--sarif", metavar="FILE",
                   help="also write SARIF 2.1.0: each unexpected outcome at its property's line, the trace as a "
                        "code flow through the actions' lines")
    p.add_argument("--itf", metavar="DIR", help="also write each counterexample as an ITF trace (Apalache/Quint) in DIR")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="check up to N configurations at once, in separate processes; the output is the same as "
                        "with one (default 1)")
    p.add_argument("--list", dest="list_only", action="store_true",
                   help="list each spec's configurations and properties, and check nothing")
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
    rlimit: int = 0          # BMC and coverage: Z3 resource units per configuration; 0: no limit
    format: str = "text"
    junit: str | None = None
    sarif: str | None = None
    itf: str | None = None
    jobs: int = 1
    list_only: bool = False
    timeout: float | None = None  # the seconds behind `deadline`


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
              "[--rlimit N] [--max-k K] [--proof-rlimit N] [--show-invariant] [--strict] [--jobs N] "
              "[--format text|json] [--junit FILE] [--sarif FILE] [--itf DIR] [--list] [-D NAME=VALUE]", file=err)
        print("       mdcheck simulate SPEC.md [--config NAME] [--steps N] [--runs R] [--seed S] [--timeout S]",
              file=err)
        return EXIT_SPEC_ERROR
    except SpecError as error:
        _print_diagnostics(error.diagnostics, SourceTexts(), err)
        return EXIT_SPEC_ERROR
    if options.list_only:
        return _list_specs(options, out, err)
    unwritable = _unwritable_outputs(options)
    if unwritable:  # found before a long run, not after it
        for message in unwritable:
            print(f"mdcheck: error[MDC001]: {message}", file=err)
        if options.format == "json":
            out.write(report_json.document([], EXIT_SPEC_ERROR, options.timing))
        return EXIT_SPEC_ERROR
    progress = Progress(err, enabled=shows_progress(err))
    prepared = [_guarded(lambda: _prepare(spec, options), spec) for spec in options.specs]
    outcomes: list[SpecOutcome] = []
    with _engine_runs(prepared, options, progress) as runs_of:
        for index, spec in enumerate(prepared):
            outcome = spec if isinstance(spec, SpecOutcome) else \
                _guarded(lambda: _check_spec(spec, runs_of(index), options, out, err), spec.path)
            assert isinstance(outcome, SpecOutcome)
            _print_diagnostics(outcome.diagnostics, outcome.texts, err)
            if outcome.internal_error:
                print(outcome.internal_error, file=err)
            outcomes.append(outcome)
    progress.clear()
    code = _combine([o.exit_code for o in outcomes])
    try:
        _write_report_files(outcomes, options)
    except OSError as error:
        print(f"mdcheck: error[MDC001]: cannot write {error.filename}: {error.strerror}", file=err)
        code = _combine([code, EXIT_SPEC_ERROR])
    if options.format == "json":  # last, so that its exit_code is the process's
        out.write(report_json.document(outcomes, code, options.timing))
    return code


def _guarded(work: Callable[[], _Prepared | SpecOutcome], path: str) -> _Prepared | SpecOutcome:
    """`work()`, or what went wrong with this spec as a SpecOutcome: nesting too deep for
    Python (MDC402), or a bug in mdcheck (exit 4, said plainly)."""
    try:
        return work()
    except RecursionError:
        diagnostic = Diagnostic("MDC402", f"{path} nests expressions, statements or calls too deeply "
                                "for mdcheck to process")
        return SpecOutcome(path, diagnostics=(diagnostic,), exit_code=EXIT_SPEC_ERROR)
    except BrokenPipeError:
        raise
    except Exception as error:
        if os.environ.get("MDCHECK_DEBUG"):
            raise
        message = (f"mdcheck: internal error while checking {path}: {type(error).__name__}: {error}\n"
                   "mdcheck: this is a bug in mdcheck; set MDCHECK_DEBUG=1 for the Python traceback")
        return SpecOutcome(path, internal_error=message, exit_code=EXIT_INTERNAL)


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
        args.proof_rlimit, args.show_cti, args.rlimit = DEFAULT_PROOF_RLIMIT, False, 0
    if args.depth is not None and not 0 <= args.depth <= MAX_DEPTH:
        raise _UsageError(f"--depth must be between 0 and {MAX_DEPTH}, not {args.depth}")
    if not 1 <= args.max_k <= MAX_K:
        raise _UsageError(f"--max-k must be between 1 and {MAX_K}, not {args.max_k}")
    if args.proof_rlimit < 0:
        raise _UsageError(f"--proof-rlimit must be a number of resource units (0: no limit), not {args.proof_rlimit}")
    if args.rlimit < 0:
        raise _UsageError(f"--rlimit must be a number of resource units (0: no limit), not {args.rlimit}")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise _UsageError(f"--jobs must be between 1 and {MAX_JOBS}, not {args.jobs}")
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
                    args.max_k, args.proof_rlimit, args.show_invariant, args.strict, args.show_cti,
                    args.rlimit, args.format, args.junit, args.sarif, args.itf, args.jobs, args.list_only,
                    args.timeout)


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


@dataclass(frozen=True)
class _Prepared:
    """A spec read and lowered: one model per configuration to check."""
    path: str
    texts: SourceTexts
    models: tuple[ir.Model, ...]


def _prepare(path: str, options: _Options) -> _Prepared | SpecOutcome:
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
        models = tuple(lower(decls, name, options.overrides) for name in names)
    except SpecError as error:
        return SpecOutcome(path, diagnostics=tuple(error.diagnostics), texts=error.texts or texts,
                           exit_code=EXIT_SPEC_ERROR)
    return _Prepared(spec.path, texts, models)


def _check_spec(prepared: _Prepared, runs: Iterator[_ModelRun], options: _Options, out: TextIO,
                err: TextIO) -> SpecOutcome:
    """Settle each configuration's run (replaying what it found) and print it as text, in order."""
    configs: list[ConfigOutcome] = []
    for model in prepared.models:
        try:
            model_run = next(runs)
        except explicit.CannotEnumerate as error:
            diagnostic = _cannot_enumerate(error)
            return SpecOutcome(prepared.path, diagnostics=(diagnostic,), texts=prepared.texts,
                               exit_code=EXIT_SPEC_ERROR)
        config = _settle(model, model_run, options)
        configs.append(config)
        for message in config.internal_errors:
            print(message, file=err)
        if options.format == "text":
            _print_findings(config, options, out)
    outcome = SpecOutcome(prepared.path, tuple(configs), texts=prepared.texts, exit_code=_spec_exit_code(configs, options))
    if options.format == "text":
        _print_summary(outcome, options, out)
    return outcome


def _cannot_enumerate(error: explicit.CannotEnumerate) -> Diagnostic:
    return Diagnostic("MDC404", str(error), error.span,  # type: ignore[arg-type]
                      hint="use --engine bmc, or narrow the type")


def _settle(model: ir.Model, model_run: _ModelRun, options: _Options) -> ConfigOutcome:
    """Results per property, with every counterexample and counterexample to induction replayed."""
    results: list[PropertyResult] = []
    evidence: dict[str, Evidence] = {}
    internal_errors: list[str] = []
    for prop in model.properties:
        result = PropertyResult(model.config, prop, model_run.verdicts[prop.name], model_run.seconds[prop.name])
        results.append(result)
        if isinstance(result.verdict, Violated):
            try:
                evidence[prop.name] = replay(model, result.verdict.trace, prop)
            except ReplayError as error:
                internal_errors.append(f"mdcheck: internal error: the counterexample for '{prop.name}' in "
                                       f"configuration '{model.config}' does not replay: {error}")
    ctis: list[Cti] = []
    notes = list(model_run.notes)
    shown: set[int] = set()
    properties = {p.name: p for p in model.properties}
    for name, cti in model_run.ctis.items():
        if id(cti) in shown:
            continue
        shown.add(id(cti))
        prop = properties[name]
        try:
            cti_evidence = replay_from_state(model, cti.trace, prop, cti.assumed)
        except ReplayError as error:
            internal_errors.append(f"mdcheck: internal error: the counterexample to induction for '{name}' in "
                                   f"configuration '{model.config}' does not replay: {error}")
            break
        ctis.append(Cti(prop, cti, cti_evidence))
        if not options.show_cti:
            notes.append(cti_summary(model, cti, prop))
    return ConfigOutcome(model, model_run.depth, model_run.shown, tuple(results), evidence, tuple(ctis),
                         tuple(notes), tuple(model_run.uncovered), tuple(internal_errors))


def _print_findings(config: ConfigOutcome, options: _Options, out: TextIO) -> None:
    """Each counterexample, then each counterexample to induction asked for, as text."""
    for result in config.results:
        if result.prop.name in config.evidence:
            print(render_trace(config.model, result, config.evidence[result.prop.name], options.raw_words),
                  file=out)
            print(file=out)
    if options.show_cti:
        for cti in config.ctis:
            print(render_cti(config.model, cti.cti, cti.prop, cti.evidence, options.raw_words), file=out)
            print(file=out)


def _print_summary(outcome: SpecOutcome, options: _Options, out: TextIO) -> None:
    configs = outcome.configs
    depths = [c.shown for c in configs]
    shown = f"{depths[0]}" if len(set(depths)) == 1 else ", ".join(f"{c.name} {c.shown}" for c in configs)
    print(f"{outcome.path}: {len(configs)} configuration{'s' if len(configs) != 1 else ''}, {shown}", file=out)
    results = [r for c in configs for r in c.results]
    print(render_summary(results, options.timing), file=out)
    for config in configs:
        for note in config.notes:
            print(note, file=out)
    for r in results:
        note = render_notes(r)
        if note:
            print(note, file=out)
    for config in configs:
        for goal, depth in config.uncovered:
            print(f"{config.name}: warning: {goal.describe()} within depth {depth} [{where(goal.span)}]", file=out)


def _spec_exit_code(configs: list[ConfigOutcome], options: _Options) -> int:
    results = [r for c in configs for r in c.results]
    if any(c.internal_errors for c in configs):
        return EXIT_INTERNAL
    if any(status(r) == "unexpected" for r in results):
        return EXIT_UNEXPECTED
    if any(not r.as_expected for r in results):  # UNKNOWN, or a violation simulation did not find
        return EXIT_UNKNOWN
    if options.strict and any(c.uncovered for c in configs):
        return EXIT_VACUOUS
    return EXIT_OK


@dataclass
class _ModelRun:
    """What the engines said about one configuration."""
    verdicts: dict
    seconds: dict
    shown: str                      # the depth (or search) shown in the header
    notes: list[str] = field(default_factory=list)
    depth: int | None = None        # BMC's depth, for the solver engines
    ctis: dict = field(default_factory=dict)
    uncovered: list[tuple[coverage.Goal, int]] = field(default_factory=list)


def _run_engine(model: ir.Model, options: _Options, progress: Callable[[str], None] | None = None,
                proof_workers: int = 1) -> _ModelRun:
    """What the chosen engines say about each property of one configuration; `progress`
    hears what they are doing, for a status line."""
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
        return _ModelRun(run.verdicts, run.seconds, shown, [note])
    depth = _depth(model, options)
    rlimit = options.rlimit or None
    if options.engine == "bmc":
        on_depth = (lambda d: progress(f"BMC depth {d} of {depth} done")) if progress else None
        bmc_run = bmc.check(model, bmc.BmcOptions(depth, options.deadline, rlimit), on_depth)
        model_run = _ModelRun(bmc_run.verdicts, bmc_run.seconds, f"depth {depth}", depth=depth)
    else:
        proof = proving.check(model, proving.ProveOptions(depth, options.max_k, options.deadline,
                                                          options.proof_rlimit or None, options.engine == "pdr",
                                                          rlimit, proof_workers), progress)
        model_run = _ModelRun(proof.verdicts, proof.seconds, f"depth {depth}", ctis=proof.ctis, depth=depth)
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
    on_cover = (lambda d: progress(f"coverage, depth {d} of {depth}")) if progress else None
    met = bmc.cover(model, goals, bmc.BmcOptions(depth, options.deadline, rlimit), on_cover)
    model_run.uncovered = [(g, depth) for g in goals if g.key in met and met[g.key] is None]
    return model_run


def _run_in_worker(path: str, config: str, options: _Options) -> _ModelRun:
    """One configuration's engines, in a worker process of --jobs: the spec is read and
    lowered again there (models are not sent between processes; lowering is deterministic)."""
    model = lower(collect_declarations(load_spec(path)), config, options.overrides)
    return _run_engine(model, options)


@contextmanager
def _engine_runs(prepared: list[_Prepared | SpecOutcome], options: _Options,
                 progress: Progress) -> Iterator[Callable[[int], Iterator[_ModelRun]]]:
    """`runs_of(i)`: the engine runs of spec i's configurations, in order. With --jobs N > 1
    every configuration of every spec is queued at once on N processes; the caller still
    takes the runs in order, so the output is what one process prints."""
    def progress_of(config: str) -> Callable[[str], None]:
        return lambda text: progress.show(f"{config}: {text}")

    def serial(index: int) -> Iterator[_ModelRun]:
        spec = prepared[index]
        assert isinstance(spec, _Prepared)
        for model in spec.models:
            progress.restart()
            # one configuration at a time: --jobs goes to its proof's split cases instead
            model_run = _run_engine(model, options, progress_of(model.config) if progress.enabled else None,
                                    options.jobs)
            progress.clear()
            yield model_run

    pairs = [(i, spec.path, m.config) for i, spec in enumerate(prepared) if isinstance(spec, _Prepared)
             for m in spec.models]
    if options.jobs == 1 or len(pairs) < 2:
        yield serial
        return
    pool = ProcessPoolExecutor(min(options.jobs, len(pairs)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {(i, config): pool.submit(_run_in_worker, path, config, options) for i, path, config in pairs}

        def parallel(index: int) -> Iterator[_ModelRun]:
            spec = prepared[index]
            assert isinstance(spec, _Prepared)
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


def _list_specs(options: _Options, out: TextIO, err: TextIO) -> int:
    """--list: each spec's configurations, the depth each would be checked to, and its
    properties; nothing is checked."""
    listed: list[tuple[SpecOutcome, tuple[ir.Model, ...]]] = []
    for path in options.specs:
        prepared = _guarded(lambda: _prepare(path, options), path)
        if isinstance(prepared, SpecOutcome):
            _print_diagnostics(prepared.diagnostics, prepared.texts, err)
            if prepared.internal_error:
                print(prepared.internal_error, file=err)
            listed.append((prepared, ()))
        else:
            listed.append((SpecOutcome(prepared.path, exit_code=EXIT_OK), prepared.models))
    code = _combine([outcome.exit_code for outcome, _ in listed])
    def depth_of(model: ir.Model) -> int:
        return _depth(model, options)

    if options.format == "json":
        out.write(report_json.listing(listed, depth_of, code))
        return code
    for outcome, models in listed:
        if not models:
            continue
        print(outcome.path, file=out)
        for model in models:
            print(f"  config {model.config} (depth {depth_of(model)}, {len(model.actions)} actions)", file=out)
            width = max((len(p.name) for p in model.properties), default=0)
            for prop in model.properties:
                print(f"    {prop.kind:<9}  {prop.name:<{width}}  expect {prop.expect:<8}  [{where(prop.span)}]"
                      .rstrip(), file=out)
    return code


def _depth(model: ir.Model, options: _Options) -> int:
    """The BMC depth a configuration is checked to: --depth, else its own, else the default."""
    if options.depth is not None:
        return options.depth
    return model.depth if model.depth is not None else DEFAULT_DEPTH


def _unwritable_outputs(options: _Options) -> list[str]:
    """Why each --junit, --sarif or --itf path cannot be written, checked before any work."""
    problems = []
    for flag, path in (("--junit", options.junit), ("--sarif", options.sarif)):
        if path is None:
            continue
        folder = os.path.dirname(path) or "."
        if os.path.isdir(path):
            problems.append(f"cannot write {path}: it is a directory ({flag})")
        elif not os.path.isdir(folder):
            problems.append(f"cannot write {path}: no directory {folder} ({flag})")
        elif not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
            problems.append(f"cannot write {path}: permission denied ({flag})")
    if options.itf is not None:
        existing = options.itf
        while existing and not os.path.exists(existing):
            existing = os.path.dirname(existing.rstrip(os.sep))
        existing = existing or "."
        if not os.path.isdir(existing):
            problems.append(f"cannot write {options.itf}: {existing} is not a directory (--itf)")
        elif not os.access(existing, os.W_OK):
            problems.append(f"cannot write {options.itf}: permission denied on {existing} (--itf)")
    return problems


def _write_report_files(outcomes: list[SpecOutcome], options: _Options) -> None:
    """The report files asked for: JUnit, SARIF and ITF."""
    if options.junit:
        _write_file(options.junit, report_junit.document(outcomes, options.timing))
    if options.sarif:
        _write_file(options.sarif, report_sarif.document(outcomes))
    if options.itf:
        os.makedirs(options.itf, exist_ok=True)
        for name, text in report_itf.traces(outcomes):
            _write_file(os.path.join(options.itf, name), text)


def _write_file(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# ---- for the pytest plugin: the same pipeline, one configuration at a time ----

def read_options(argv: list[str]) -> _Options:
    """Options from mdcheck's own flags (the spec paths are given separately)."""
    return _read_options(["-"] + argv)


def prepare_spec(path: str, options: _Options) -> _Prepared | SpecOutcome:
    """The spec read and lowered (one model per configuration), or its diagnostics."""
    return _guarded(lambda: _prepare(path, options), path)


def check_model(model: ir.Model, options: _Options) -> ConfigOutcome:
    """One configuration's engines, with every counterexample replayed; SpecError when the
    explicit engine cannot enumerate the model's state (MDC404). --timeout limits each
    configuration here, not the whole run."""
    if options.timeout:  # the time limit counts from here, for each configuration
        options = replace(options, deadline=time.monotonic() + options.timeout)
    try:
        model_run = _run_engine(model, options)
    except explicit.CannotEnumerate as error:
        raise SpecError([_cannot_enumerate(error)]) from None
    return _settle(model, model_run, options)


if __name__ == "__main__":
    sys.exit(main())
