"""Output besides the text of a run: --list, and the report files (JUnit, SARIF, ITF), checked before any work."""
from __future__ import annotations

import os
from typing import TextIO

from checker import ir
from checker.cli.engine_runs import checked_depth
from checker.cli.options import EXIT_OK, Options
from checker.cli.preparing import combine, guarded, prepare, print_diagnostics
from checker.reports import itf_report, json_report, junit_report, sarif_report
from checker.reports.outcome import SpecOutcome
from checker.reports.render import where


def list_specs(options: Options, out: TextIO, err: TextIO) -> int:
    """--list: each spec's configurations, the depth each would be checked to, and its
    properties; nothing is checked."""
    listed: list[tuple[SpecOutcome, tuple[ir.Model, ...]]] = []
    for path in options.specs:
        prepared = guarded(lambda: prepare(path, options), path)
        if isinstance(prepared, SpecOutcome):
            print_diagnostics(prepared.diagnostics, prepared.texts, err)
            if prepared.internal_error:
                print(prepared.internal_error, file=err)
            listed.append((prepared, ()))
        else:
            print_diagnostics(prepared.warnings, prepared.texts, err)
            listed.append((SpecOutcome(prepared.path, exit_code=EXIT_OK, warnings=prepared.warnings),
                           prepared.models))
    code = combine([outcome.exit_code for outcome, _ in listed])
    def depth_of(model: ir.Model) -> int:
        return checked_depth(model, options)

    if options.format == "json":
        out.write(json_report.listing(listed, depth_of, code))
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
            for name in model.unchecked:
                print(f"    {'invariant':<9}  {name:<{width}}  disabled: not checked", file=out)
    return code


def unwritable_outputs(options: Options) -> list[str]:
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


def write_report_files(outcomes: list[SpecOutcome], options: Options) -> None:
    """The report files asked for: JUnit, SARIF and ITF."""
    if options.junit:
        write_file(options.junit, junit_report.document(outcomes, options.timing))
    if options.sarif:
        write_file(options.sarif, sarif_report.document(outcomes, options.strict))
    if options.itf:
        os.makedirs(options.itf, exist_ok=True)
        for name, text in itf_report.traces(outcomes):
            write_file(os.path.join(options.itf, name), text)


def write_file(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
