"""One spec's configurations settled (every trace replayed), printed as text, and the spec's exit code."""
from __future__ import annotations

from typing import Iterator, TextIO

from checker import ir
from checker.cli.engine_runs import ModelRun
from checker.cli.options import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SPEC_ERROR,
    EXIT_UNEXPECTED,
    EXIT_UNKNOWN,
    EXIT_VACUOUS,
    Options,
)
from checker.cli.preparing import Prepared
from checker.engines.concrete import explicit
from checker.engines.concrete.replay import Evidence, ReplayError, replay, replay_from_state
from checker.engines.verdict import PropertyResult, Unknown, Violated
from checker.frontend.diagnostics import Diagnostic
from checker.reports.outcome import ConfigOutcome, Cti, SpecOutcome, status
from checker.reports.render import (
    coverage_warning,
    cti_summary,
    render_cti,
    render_notes,
    render_shared_trace,
    render_summary,
)
from checker.reports.screen import config_lines


def check_spec(prepared: Prepared, runs: Iterator[ModelRun], options: Options, out: TextIO,
                err: TextIO) -> SpecOutcome:
    """Settle each configuration's run (replaying what it found) and print it as text, in order."""
    configs: list[ConfigOutcome] = []
    for model in prepared.models:
        try:
            model_run = next(runs)
        except explicit.CannotEnumerate as error:
            diagnostic = cannot_enumerate(error)
            return SpecOutcome(prepared.path, diagnostics=(diagnostic,), texts=prepared.texts,
                               exit_code=EXIT_SPEC_ERROR)
        config = settle(model, model_run, options)
        configs.append(config)
        for message in config.internal_errors:
            print(message, file=err)
        if options.format == "text":
            print_findings(config, options, out)
    outcome = SpecOutcome(prepared.path, tuple(configs), texts=prepared.texts, exit_code=spec_exit_code(configs, options),
                          warnings=prepared.warnings)
    if options.format == "text":
        print_summary(outcome, options, out)
    return outcome


def cannot_enumerate(error: explicit.CannotEnumerate) -> Diagnostic:
    return Diagnostic("MDC404", str(error), error.span,  # type: ignore[arg-type]
                      hint="use --engine bmc, or narrow the type")


def settle(model: ir.Model, model_run: ModelRun, options: Options) -> ConfigOutcome:
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
    details = list(model_run.details)
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
            details.append(cti_summary(model, cti, prop))
    return ConfigOutcome(model, model_run.depth, model_run.shown, tuple(results), evidence, tuple(ctis),
                         tuple(model_run.notes), tuple(details), tuple(model_run.uncovered), tuple(internal_errors),
                         model_run.proof_stopped)


def print_findings(config: ConfigOutcome, options: Options, out: TextIO) -> None:
    """The counterexamples of unexpected outcomes (with --traces all or -v, of every
    violation), each trace once with every property it breaks; then each counterexample to
    induction asked for."""
    shown = [r for r in config.results if r.prop.name in config.evidence
             and not (r.as_expected and (options.quiet or not options.all_traces))]
    for broken in shared_traces(shown):
        print(render_shared_trace(config.model, [(r, config.evidence[r.prop.name]) for r in broken],
                                  options.raw_words, options.full_state), file=out)
        print(file=out)
    if options.show_cti:
        for cti in config.ctis:
            print(render_cti(config.model, cti.cti, cti.prop, cti.evidence, options.raw_words), file=out)
            print(file=out)


def print_summary(outcome: SpecOutcome, options: Options, out: TextIO) -> None:
    """The configuration lines; before them, with --summary-table the table of every
    property, with -v every note and coverage gap, else the notes that need reading now."""
    configs = outcome.configs
    if options.quiet:
        lines = [line for c, line in zip(configs, config_lines(outcome)) if not all(r.as_expected for r in c.results)]
        if lines:
            print(f"{outcome.path}:", file=out)
            print("\n".join(lines), file=out)
        return
    if options.summary_table:
        depths = [c.shown for c in configs]
        shown = f"{depths[0]}" if len(set(depths)) == 1 else ", ".join(f"{c.name} {c.shown}" for c in configs)
        print(f"{outcome.path}: {len(configs)} configuration{'s' if len(configs) != 1 else ''}, {shown}", file=out)
        print(render_summary([r for c in configs for r in c.results], options.timing,
                             options.simulation is not None,
                             tuple((c.name, name) for c in configs for name in c.model.unchecked)), file=out)
    for config in configs:
        for note in config.notes + (config.details if options.verbose else ()):
            print(note, file=out)
        for r in config.results:
            note = render_notes(r)
            if note and (options.verbose or not isinstance(r.verdict, Unknown)):  # the line counts unknowns
                print(note, file=out)
        if options.verbose:
            for goal, depth in config.uncovered:
                print(coverage_warning(config.name, goal, depth), file=out)
    print(f"{outcome.path}:", file=out)
    left_out = {} if options.verbose else left_out_lines(outcome, options)
    for config, line in zip(configs, config_lines(outcome)):
        print(line, file=out)
        if left_out.get(config.name):
            print(f"      {left_out[config.name]}", file=out)


def left_out_lines(outcome: SpecOutcome, options: Options) -> dict[str, str]:
    """Per configuration, one line counting what the compact view leaves out, with the flag
    that shows it."""
    out = {}
    for config in outcome.configs:
        parts = []
        hidden = [r for r in config.results if r.as_expected and r.prop.name in config.evidence]
        if hidden and not options.all_traces:
            parts.append(_counted(len(shared_traces(hidden)), "trace of an expected violation",
                                  "traces of expected violations"))
        if config.ctis and not options.show_cti:
            broken = len({n for c in config.ctis for n in c.cti.broken})
            parts.append(_counted(broken, "property with a counterexample to induction",
                                  "properties with a counterexample to induction") + " (--show-cti: in full)")
        if config.uncovered:
            parts.append(_counted(len(config.uncovered), "coverage gap", "coverage gaps"))
        out[config.name] = "-v shows: " + "; ".join(parts) if parts else ""
    return out


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def shared_traces(results: list[PropertyResult]) -> list[list[PropertyResult]]:
    """The results grouped by counterexample: properties broken by the very same trace
    together, in the spec's order of their first property."""
    groups: list[list[PropertyResult]] = []
    for result in results:
        trace = result.verdict.trace  # type: ignore[union-attr]
        for group in groups:
            if group[0].verdict.trace == trace:  # type: ignore[union-attr]
                group.append(result)
                break
        else:
            groups.append([result])
    return groups


def spec_exit_code(configs: list[ConfigOutcome], options: Options) -> int:
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
