"""`mdcheck SPEC.md ...`: check every configuration of each spec and report.

Exit codes: 0 every outcome as expected; 1 an unexpected outcome; 2 an UNKNOWN result
(solver gave up or timeout) and nothing unexpected; 3 a spec or usage error;
4 an internal error (for example a counterexample that does not replay).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from typing import Sequence, TextIO

from checker import ir
from checker.cli.checking import cannot_enumerate, check_spec, settle
from checker.cli.completion import run_completion
from checker.cli.engine_runs import engine_runs_in_order, run_engine
from checker.cli.layout_check import run_layout_check
from checker.cli.options import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SPEC_ERROR,
    EXIT_UNEXPECTED,
    EXIT_UNKNOWN,
    EXIT_VACUOUS,
    Options,
    UsageError,
    argument_parser,
    parse_command_line,
)
from checker.cli.output import list_specs, unwritable_outputs, write_report_files
from checker.cli.preparing import Prepared, combine, guarded, prepare, print_diagnostics, unknown_property_names
from checker.engines.concrete import explicit
from checker.frontend.diagnostics import SourceTexts, SpecError
from checker.reports import json_report
from checker.reports.outcome import ConfigOutcome, SpecOutcome
from checker.reports.progress import Progress, shows_progress
from checker.reports.screen import verdict_lines

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_SPEC_ERROR", "EXIT_UNEXPECTED", "EXIT_UNKNOWN", "EXIT_VACUOUS",
           "main", "run", "read_options", "prepare_spec", "check_model"]


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
    if argv and argv[0] == "layout-check":
        return run_layout_check(argv[1:], out, err)
    if argv and argv[0] == "completion":
        return run_completion(argv[1:], out, err)
    try:
        options = parse_command_line(argv)
    except UsageError as error:
        print(f"mdcheck: error[MDC501]: {error}", file=err)
        if error.hint:
            print(f"  = hint: {error.hint}", file=err)
        print(argument_parser(error.simulating).format_usage().rstrip(), file=err)
        print("(mdcheck --help lists every option and the exit codes; mdcheck simulate --help and mdcheck "
              "layout-check --help, theirs)", file=err)
        return EXIT_SPEC_ERROR
    except SpecError as error:
        print_diagnostics(error.diagnostics, SourceTexts(), err)
        return EXIT_SPEC_ERROR
    if options.list_only:
        return list_specs(options, out, err)
    unwritable = unwritable_outputs(options)
    if unwritable:  # found before a long run, not after it
        for message in unwritable:
            print(f"mdcheck: error[MDC001]: {message}", file=err)
        if options.format == "json":
            out.write(json_report.document([], EXIT_SPEC_ERROR, options.timing))
        return EXIT_SPEC_ERROR
    progress = Progress(err, enabled=shows_progress(err))
    prepared = [guarded(lambda: prepare(spec, options), spec) for spec in options.specs]
    unknown = unknown_property_names(options.properties, prepared)
    if unknown and not any(isinstance(spec, SpecOutcome) for spec in prepared):
        print_diagnostics(unknown, SourceTexts(), err)
        if options.format == "json":
            out.write(json_report.document([], EXIT_SPEC_ERROR, options.timing))
        return EXIT_SPEC_ERROR
    for spec in prepared:
        if isinstance(spec, Prepared) and spec.unselected:
            print(f"mdcheck: {spec.path}: not checked: {', '.join(spec.unselected)} (none of the properties "
                  "--property names is theirs)", file=err)
    outcomes: list[SpecOutcome] = []
    with engine_runs_in_order(prepared, options, progress) as runs_of:
        for index, spec in enumerate(prepared):
            if isinstance(spec, Prepared):
                print_diagnostics(spec.warnings, spec.texts, err)
            outcome = spec if isinstance(spec, SpecOutcome) else \
                guarded(lambda: check_spec(spec, runs_of(index), options, out, err), spec.path)
            assert isinstance(outcome, SpecOutcome)
            print_diagnostics(outcome.diagnostics, outcome.texts, err)
            if outcome.internal_error:
                print(outcome.internal_error, file=err)
            outcomes.append(outcome)
    progress.clear()
    code = combine([o.exit_code for o in outcomes])
    try:
        write_report_files(outcomes, options)
    except OSError as error:
        print(f"mdcheck: error[MDC001]: cannot write {error.filename}: {error.strerror}", file=err)
        code = combine([code, EXIT_SPEC_ERROR])
    if options.format == "text" and any(o.configs for o in outcomes):
        for line in verdict_lines(outcomes, code):
            print(line, file=out)
    if options.format == "json":  # last, so that its exit_code is the process's
        out.write(json_report.document(outcomes, code, options.timing))
    return code


# ---- for the pytest plugin: the same pipeline, one configuration at a time ----

def read_options(argv: list[str]) -> Options:
    """Options from mdcheck's own flags (the spec paths are given separately)."""
    return parse_command_line(["-"] + argv)


def prepare_spec(path: str, options: Options) -> Prepared | SpecOutcome:
    """The spec read and lowered (one model per configuration), or its diagnostics."""
    return guarded(lambda: prepare(path, options), path)


def check_model(model: ir.Model, options: Options) -> ConfigOutcome:
    """One configuration's engines, with every counterexample replayed; SpecError when the
    explicit engine cannot enumerate the model's state (MDC404). --timeout limits each
    configuration here, not the whole run."""
    if options.timeout:  # the time limit counts from here, for each configuration
        options = replace(options, deadline=time.monotonic() + options.timeout)
    try:
        model_run = run_engine(model, options)
    except explicit.CannotEnumerate as error:
        raise SpecError([cannot_enumerate(error)]) from None
    return settle(model, model_run, options)
