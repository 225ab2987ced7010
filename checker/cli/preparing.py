"""Read and lower a spec: one model per configuration to check, or what went wrong as a `SpecOutcome`."""
from __future__ import annotations

import os
from dataclasses import dataclass
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
from checker.frontend.diagnostics import Diagnostic, SourceTexts, SpecError, fail, render, unknown_name
from checker.frontend.loader import load_spec
from checker.frontend.search_path import with_import_hints
from checker.reports.outcome import SpecOutcome
from checker.typecheck import collect_declarations, configuration_names, lower


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
    for d in diagnostics:
        print(render(d, texts), file=err)


@dataclass(frozen=True)
class Prepared:
    """A spec read and lowered: one model per configuration to check."""
    path: str
    texts: SourceTexts
    models: tuple[ir.Model, ...]


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
        models = tuple(lower(decls, name, options.overrides) for name in names)
    except SpecError as error:
        if spec is not None:
            error = with_import_hints(error, path, spec.files, options.search)
        return SpecOutcome(path, diagnostics=tuple(error.diagnostics), texts=error.texts or texts,
                           exit_code=EXIT_SPEC_ERROR)
    return Prepared(spec.path, texts, models)
