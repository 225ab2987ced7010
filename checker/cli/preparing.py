"""Read and lower a spec: one model per configuration to check, or what went wrong as a `SpecOutcome`."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Callable, Sequence, TextIO

from checker import ir
from checker.cli.options import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SPEC_ERROR,
    EXIT_UNEXPECTED,
    EXIT_UNKNOWN,
    EXIT_VACUOUS,
    Options,
)
from checker.frontend.diagnostic_lists import in_source_order, merged_repeats, shown_and_left_out
from checker.frontend.diagnostics import (
    Diagnostic,
    SourceTexts,
    SpecError,
    fail,
    render,
    unknown_name,
    unknown_property_option,
)
from checker.frontend.loader import load_spec
from checker.frontend.search_path import with_import_hints
from checker.reports.outcome import SpecOutcome
from checker.typecheck import Declarations, collect_declarations, configuration_names, lower_with_warnings


def guarded(work: Callable[[], Prepared | SpecOutcome], path: str) -> Prepared | SpecOutcome:
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


def combine(codes: list[int]) -> int:
    for code in (EXIT_INTERNAL, EXIT_SPEC_ERROR, EXIT_UNEXPECTED, EXIT_UNKNOWN, EXIT_VACUOUS):
        if code in codes:
            return code
    return EXIT_OK


def print_diagnostics(diagnostics: Sequence[Diagnostic], texts: SourceTexts, err: TextIO) -> None:
    shown, left_out = shown_and_left_out(diagnostics)
    for d in shown:
        print(render(d, texts), file=err)
    if left_out:
        print(left_out, file=err)


@dataclass(frozen=True)
class Prepared:
    """A spec read and lowered: one model per configuration to check."""
    path: str
    texts: SourceTexts
    models: tuple[ir.Model, ...]
    warnings: tuple[Diagnostic, ...] = ()  # lints (MDC701), each place once
    unselected: tuple[str, ...] = ()  # configurations left out because none of --property's names is theirs
    property_names: tuple[str, ...] = ()  # every property of the configurations lowered, for --property's check


def prepare(path: str, options: Options) -> Prepared | SpecOutcome:
    texts = SourceTexts()
    spec = None
    try:
        spec = load_spec(path, options.search)
        texts = spec.texts
        decls = collect_declarations(spec)
        names = configuration_names(decls)
        if not names:
            first = next(iter(decls.configs.values()))
            raise fail("MDC205", "every configuration of the spec is abstract: nothing would be checked", first.span,
                       hint="drop 'abstract' from one, or add a configuration that extends one")
        if options.config:
            for wanted in options.config:
                if wanted in decls.configs and decls.configs[wanted].abstract:
                    raise fail("MDC205", f"configuration '{wanted}' is abstract: it is only a base for others to "
                               "extend", hint="check a configuration that extends it, or drop 'abstract'")
                if wanted not in names:
                    error = unknown_name("configuration", wanted, None, names)
                    raise SpecError([Diagnostic("MDC205", error.diagnostics[0].message)])
            names = tuple(n for n in names if n in options.config)
        models, warnings = lower_each(decls, names, options, list(texts.lines_by_path))
        if warnings and options.warnings_as_errors:
            raise SpecError([as_error(w) for w in warnings])
    except SpecError as error:
        if spec is not None:
            error = with_import_hints(error, path, spec.files, options.search)
        return SpecOutcome(path, diagnostics=tuple(error.diagnostics), texts=error.texts or texts,
                           exit_code=EXIT_SPEC_ERROR)
    selected = tuple(select_properties(m, options.properties) for m in models)
    return Prepared(spec.path, texts, tuple(m for m in selected if m is not None), warnings,
                    tuple(m.config for m, s in zip(models, selected) if s is None),
                    tuple(dict.fromkeys(p.name for m in models for p in m.properties)))


def select_properties(model: ir.Model, wanted: tuple[str, ...]) -> ir.Model | None:
    """The model with only the properties `wanted` names, and its lemmas (proofs rest on
    them); None if it has none of them. The statements stay as they are, so an assert left
    out still ends every execution that fails it: the executions are the model's own."""
    if not wanted:
        return model
    kept = tuple(p for p in model.properties if p.name in wanted or p.kind == "lemma")
    if not any(p.name in wanted for p in kept):
        return None
    left_out = tuple((p.name, "--property") for p in model.properties if p not in kept)
    return replace(model, properties=kept, not_checked=model.not_checked + left_out)


def unknown_property_names(wanted: tuple[str, ...], specs: Sequence[Prepared | SpecOutcome]) -> list[Diagnostic]:
    """MDC502 for each name --property gives that no configuration of any spec read has as a property."""
    read = [spec for spec in specs if isinstance(spec, Prepared)]
    known = list(dict.fromkeys(name for spec in read for name in spec.property_names))
    return [unknown_property_option(name, known).diagnostics[0] for name in wanted if name not in known]


def as_error(warning: Diagnostic) -> Diagnostic:
    return replace(warning, severity="error",
                   notes=warning.notes + (("an error because of --warnings-as-errors", None),))


def lower_each(decls: Declarations, names: Sequence[str], options: Options,
               paths: Sequence[str]) -> tuple[tuple[ir.Model, ...], tuple[Diagnostic, ...]]:
    """A model per configuration and the lint warnings (each place once), or a `SpecError`
    with the errors of every configuration (each once, in source order)."""
    models, errors, warnings = [], [], []
    for name in names:
        try:
            model, found = lower_with_warnings(decls, name, options.overrides)
        except SpecError as error:
            errors.extend(error.diagnostics)
            continue
        models.append(model)
        warnings.extend(found)
    if errors:  # a name unknown at ten places is one error
        raise SpecError(merged_repeats(in_source_order(errors, paths), frozenset({"MDC201"})))
    return tuple(models), in_source_order(warnings, paths)
