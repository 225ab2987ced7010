"""Command-line options: the parser with its limits and defaults, the exit codes, and `Options`, what the rest of a run reads."""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from checker.engines.concrete import explicit, simulate
from checker.frontend.diagnostics import fail
from checker.frontend.search_path import SearchPath, default_search_path

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


EXIT_CODES = (f"exit codes: {EXIT_OK} every outcome as expected; {EXIT_UNEXPECTED} an unexpected outcome (a violation "
              f"not expected, or an expected one not found); {EXIT_UNKNOWN} an UNKNOWN result (solver gave up, "
              f"timeout, budget) and nothing unexpected; {EXIT_SPEC_ERROR} a spec or usage error; {EXIT_INTERNAL} an "
              f"internal error (a counterexample that does not replay); {EXIT_VACUOUS} with --strict, a coverage gap")


class UsageError(Exception):
    """A bad command line; `hint` says what was probably meant."""

    def __init__(self, message: str, simulating: bool = False, hint: str = ""):
        super().__init__(message)
        self.simulating = simulating
        self.hint = hint


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version
    try:
        return installed_version("mdcheck")
    except PackageNotFoundError:
        return "unknown (not installed)"


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2; ours is 3
        raise UsageError(message)


def argument_parser(simulating: bool = False) -> argparse.ArgumentParser:
    if simulating:
        p = ArgumentParser(prog="mdcheck simulate", epilog=EXIT_CODES,
                    description="Run long random executions of each configuration and report the first "
                                "violation of each property found, with its trace.")
    else:
        p = ArgumentParser(prog="mdcheck", epilog=EXIT_CODES,
                           description="Check memdesc invariants written as literate Markdown specs "
                                       "(`mdcheck [check] SPEC.md ...`). `mdcheck simulate --help` for random "
                                       "simulation, `mdcheck layout-check --help` to compare a model's layouts "
                                       "with a kernel's BTF or DWARF, `mdcheck completion bash|zsh` for a shell "
                                       "completion script.")
    p.add_argument("--version", action="version", version=f"mdcheck {version()}")
    p.add_argument("specs", nargs="+", metavar="SPEC.md",
                   help="spec files to check; a folder stands for every .md file in it")
    p.add_argument("--config", metavar="NAME", action="append", default=[],
                   help="check only this configuration (repeatable; default: all)")
    p.add_argument("--property", metavar="NAME", action="append", default=[],
                   help="check only this property: an invariant, an assert's name or an implicit check "
                        "(repeatable; default: all). Lemmas are checked too, since proofs rest on them; an assert "
                        "left out still ends every execution that fails it")
    if simulating:
        p.add_argument("--steps", type=int, default=100, metavar="N", help="steps per run (default: 100)")
        p.add_argument("--runs", type=int, default=100, metavar="R", help="runs per configuration (default: 100)")
        p.add_argument("--seed", type=int, default=0, metavar="S",
                       help="random seed; the same seed gives the same runs (default: 0)")
    else:
        p.add_argument("--depth", type=int, default=None, metavar="K",
                       help=f"bounded model checking depth, in actions (default: the configuration's "
                            f"own `depth`, else {DEFAULT_DEPTH})")
        p.add_argument("--engine", choices=("auto", "pdr", "bmc", "explicit", "abc"), default="auto",
                       help="auto (default): prove each property by k-induction, check the rest with BMC to "
                            "--depth; pdr: prove with IC3/PDR (Z3's Spacer), then BMC; bmc: bounded model "
                            "checking only; explicit: breadth-first search over concrete states, no solver, "
                            "until no new state is found (or to --depth)")
        p.add_argument("--max-k", type=int, default=DEFAULT_MAX_K, metavar="K",
                       help=f"largest k tried by k-induction (default {DEFAULT_MAX_K}; k > 1 needs BMC to depth k - 1)")
        p.add_argument("--proof-rlimit", type=int, default=DEFAULT_PROOF_RLIMIT, metavar="N",
                       help=f"Z3 resource units the proof engine may use per configuration (default "
                            f"{DEFAULT_PROOF_RLIMIT:_}, about ten seconds here), plus 50_000 for each case of a "
                            "split step (an action and argument tuple, for states over 1024 bits): the budget "
                            "grows with the work; a deterministic limit: the same spec proves the same "
                            "properties on any machine; 0: no limit")
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
    p.add_argument("--warnings-as-errors", "-Werror", action="store_true",
                   help="treat the spec's lint warnings (MDC7xx: comparisons the types decide) as errors: "
                        f"the spec is not checked and mdcheck exits {EXIT_SPEC_ERROR}")
    p.add_argument("--list", dest="list_only", action="store_true",
                   help="list each spec's configurations and properties, and check nothing")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--quiet", "-q", action="store_true",
                       help="print only the unexpected outcomes (their traces and configuration lines) and the "
                            "verdict line")
    shown.add_argument("--verbose", "-v", action="store_true",
                       help="also print the traces of expected violations, every coverage gap, every "
                            "counterexample to induction in one line, and every note")
    p.add_argument("--traces", choices=("unexpected", "all"), default=None,
                   help="which counterexamples to print in full: unexpected (default) or all (as -v)")
    p.add_argument("--full-state", action="store_true",
                   help="in traces, print every cell of the initial state and the whole state after every "
                        "step (by default step 0 shows only the cells the steps and the property read)")
    p.add_argument("--summary-table", action="store_true",
                   help="also print the table of every configuration and property with its outcome")
    p.add_argument("--raw-words", action="store_true",
                   help="also print the raw 64-bit words of every layout value a step changes")
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="also look for imported models in DIR (repeatable; searched in order, after the importing "
                        "file's folder and before MDCHECK_PATH, the models/ folders above it and mdcheck's own models)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant, e.g. -D NPAGES=16 (wins over configurations)")
    timing = p.add_mutually_exclusive_group()
    timing.add_argument("--timing", dest="timing", action="store_true", default=None,
                        help="show the time column in the summary (default: only on a terminal)")
    timing.add_argument("--no-timing", dest="timing", action="store_false",
                        help="leave times out of the summary")
    return p


@dataclass(frozen=True)
class Options:
    specs: tuple[str, ...]
    config: tuple[str, ...]  # the configurations to check; () for all
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
    quiet: bool = False
    verbose: bool = False
    all_traces: bool = False  # print expected violations' traces too (--traces all, -v)
    full_state: bool = False
    summary_table: bool = False
    search: SearchPath = SearchPath()  # where `import NAME` looks (-I, MDCHECK_PATH, mdcheck's own models)
    properties: tuple[str, ...] = ()  # the properties to check (--property); () for all
    warnings_as_errors: bool = False  # a lint warning (MDC7xx) is a spec error: exit 3


def parse_command_line(argv: list[str]) -> Options:
    simulating = bool(argv) and argv[0] == "simulate"
    if argv[:1] == ["check"]:  # the explicit name of the default command
        argv = argv[1:]
    try:
        args = argument_parser(simulating).parse_args(argv[1:] if simulating else argv)
    except UsageError as error:
        raise UsageError(str(error), simulating, _other_commands_option(argv, simulating)) from None
    if simulating:
        for flag, value, most in (("--steps", args.steps, MAX_SIMULATION_STEPS), ("--runs", args.runs, MAX_RUNS)):
            if not 1 <= value <= most:
                raise UsageError(f"{flag} must be between 1 and {most}, not {value}")
        args.depth, args.engine, args.max_states = None, "simulate", explicit.ExplicitOptions.max_states
        args.max_k, args.show_invariant, args.strict = DEFAULT_MAX_K, False, False
        args.proof_rlimit, args.show_cti, args.rlimit = DEFAULT_PROOF_RLIMIT, False, 0
    if args.depth is not None and not 0 <= args.depth <= MAX_DEPTH:
        raise UsageError(f"--depth must be between 0 and {MAX_DEPTH}, not {args.depth}")
    if not 1 <= args.max_k <= MAX_K:
        raise UsageError(f"--max-k must be between 1 and {MAX_K}, not {args.max_k}")
    if args.proof_rlimit < 0:
        raise UsageError(f"--proof-rlimit must be a number of resource units (0: no limit), not {args.proof_rlimit}")
    if args.rlimit < 0:
        raise UsageError(f"--rlimit must be a number of resource units (0: no limit), not {args.rlimit}")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs must be between 1 and {MAX_JOBS}, not {args.jobs}")
    if args.max_states <= 0:
        raise UsageError(f"--max-states must be a positive number, not {args.max_states}")
    if args.timeout is not None and not 0 < args.timeout <= MAX_TIMEOUT:
        raise UsageError(f"--timeout must be a number of seconds between 0 and {MAX_TIMEOUT:.0f}, "
                          f"not {args.timeout}")
    for folder in args.include:
        if not os.path.isdir(folder):
            raise UsageError(f"-I {folder}: no such folder", simulating)
    overrides: dict[str, int | bool] = {}
    for define in args.defines:
        name, sep, text = define.partition("=")
        if not sep or not name.isidentifier():
            raise fail("MDC401", f"-D {define}: expected NAME=VALUE, e.g. -D NPAGES=16")
        overrides[name] = parse_define(name, text.strip())
    deadline = time.monotonic() + args.timeout if args.timeout else None
    timing = args.timing if args.timing is not None else stdout_is_terminal()
    simulation = simulate.SimulateOptions(args.steps, args.runs, args.seed, deadline) if simulating else None
    return Options(spec_files(args.specs), tuple(dict.fromkeys(args.config)), args.depth, deadline, overrides, timing,
                    getattr(args, "raw_words", False), args.engine, args.max_states, simulation,
                    args.max_k, args.proof_rlimit, args.show_invariant, args.strict, args.show_cti,
                    args.rlimit, args.format, args.junit, args.sarif, args.itf, args.jobs, args.list_only,
                    args.timeout, args.quiet, args.verbose,
                    args.traces == "all" or (args.traces is None and args.verbose), args.full_state,
                    args.summary_table, default_search_path(tuple(args.include)),
                    tuple(dict.fromkeys(args.property)), args.warnings_as_errors)


def spec_files(paths: list[str]) -> tuple[str, ...]:
    """The paths, with each folder replaced by the .md files in it, sorted (a folder with
    none stays, for the loader to report as not a spec file: MDC001)."""
    out: list[str] = []
    for path in paths:
        found = []
        if os.path.isdir(path):
            found = sorted(os.path.join(path, name) for name in os.listdir(path)
                           if name.endswith(".md") and os.path.isfile(os.path.join(path, name)))
        out.extend(found or [path])
    return tuple(out)


def _other_commands_option(argv: list[str], simulating: bool) -> str:
    """A hint when an option of `mdcheck` was given to `mdcheck simulate`, or the other way round."""
    mine = {o for a in argument_parser(simulating)._actions for o in a.option_strings}
    theirs = {o for a in argument_parser(not simulating)._actions for o in a.option_strings}
    for word in argv:
        flag = word.split("=", 1)[0]
        if flag in theirs and flag not in mine:
            if simulating:
                return f"{flag} is an option of `mdcheck SPEC.md`; random runs take --steps N, --runs R and --seed S"
            return f"{flag} is an option of `mdcheck simulate SPEC.md`"
    return ""


def stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def parse_define(name: str, text: str) -> int | bool:
    if text in ("true", "false"):
        return text == "true"
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        raise fail("MDC401", f"-D {name}={text}: not an integer or boolean") from None
    if abs(value) >= 1 << 64:
        raise fail("MDC402", f"-D {name}={text}: constants must fit in 64 bits")
    return value
