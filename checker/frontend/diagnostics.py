"""Diagnostics as values: a stable code, a span into the `.md` file, a message, a hint.

Every error mdcheck reports to a user is built here, from the registry below, so that
codes stay stable and message wording lives in one place.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from checker.frontend.source import Span

# code -> one-line title; the README lists these. Codes never change meaning.
CODES: Mapping[str, str] = {
    "MDC001": "file not found or unreadable",
    "MDC002": "file is not UTF-8 text",
    "MDC003": "no mdcheck blocks in the spec",
    "MDC101": "unexpected token",
    "MDC102": "unexpected character",
    "MDC103": "unexpected end of block",
    "MDC201": "unknown name",
    "MDC202": "duplicate definition",
    "MDC203": "import not found",
    "MDC204": "import cycle",
    "MDC205": "unknown configuration",
    "MDC206": "unknown property in expectation",
    "MDC207": "variant not chosen or unknown",
    "MDC208": "recursive call",
    "MDC209": "an invariant cannot be disabled (retired: a configuration may now disable an invariant)",
    "MDC210": "a configuration extends an unknown configuration",
    "MDC211": "a configuration extends itself (a cycle of extends)",
    "MDC212": "enable of a name the configuration does not disable",
    "MDC301": "type mismatch",
    "MDC302": "wrong number of arguments",
    "MDC303": "not assignable",
    "MDC304": "not a finite type",
    "MDC305": "invalid type",
    "MDC306": "not a constant expression",
    "MDC307": "layout field outside its layout",
    "MDC308": "static assertion failed",
    "MDC309": "misplaced C name (ctype, cname, absent, padding)",
    "MDC310": "signed and unsigned bit-vectors mixed",
    "MDC401": "bad constant value",
    "MDC402": "bound too large",
    "MDC403": "empty range",
    "MDC404": "too large for the explicit engine",
    "MDC501": "bad command-line usage",
    "MDC502": "unknown property (--property)",
    "MDC601": "not BTF (layout-check --btf)",
    "MDC602": "no DWARF debug information (layout-check --dwarf)",
    "MDC603": "C type not in the compiler's types",
    "MDC604": "not a layout snapshot",
    "MDC605": "nothing names a C type (layout-check)",
    "MDC606": "the DWARF reader needs pyelftools",
    "MDC701": "comparison always true or always false by the types (warning)",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[tuple[str, Span | None], ...] = ()
    severity: str = "error"
    subject: str = field(default="", compare=False)  # the unknown name an MDC201 is about, when a model could declare it

    def __post_init__(self) -> None:
        assert self.code in CODES, f"unregistered diagnostic code {self.code}"


class SpecError(Exception):
    """Raised by a pipeline stage that cannot go on; carries the diagnostics."""

    def __init__(self, diagnostics: Sequence[Diagnostic], texts: "SourceTexts | None" = None):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = tuple(diagnostics)
        self.texts = texts  # the files read so far, when the stage that failed knows them


def fail(code: str, message: str, span: Span | None = None, hint: str | None = None,
         notes: tuple[tuple[str, Span | None], ...] = ()) -> SpecError:
    return SpecError([Diagnostic(code, message, span, hint, notes)])


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


# the kinds of unknown name a model on the search path could declare (hint: import NAME)
IMPORTABLE_KINDS = frozenset({"constant", "type", "proc", "fn", "name", "layout", "layout or view",
                              "action or proc", "action, proc or fn"})


# ---- message builders: the checker calls these, never formats error text inline ----

def unknown_property_option(name: str, known: Sequence[str]) -> SpecError:
    """--property NAME where no configuration checked has a property NAME."""
    return SpecError([Diagnostic("MDC502", f"--property {name}: no configuration checked has a property '{name}'",
                                 hint=did_you_mean(name, known) or "mdcheck --list SPEC.md lists them")])


def unknown_name(kind: str, name: str, span: Span | None, candidates: Iterable[str]) -> SpecError:
    suggestion = did_you_mean(name, candidates)
    message = f"unknown {kind} '{name}'" + (f"; {suggestion}" if suggestion else "")
    subject = name if kind in IMPORTABLE_KINDS else ""
    return SpecError([Diagnostic("MDC201", message, span, subject=subject)])


def duplicate(kind: str, name: str, span: Span | None, first: Span | None) -> SpecError:
    return fail("MDC202", f"{kind} '{name}' is defined twice", span,
                notes=(("first defined here", first),))


def type_mismatch(message: str, span: Span | None, hint: str | None = None) -> SpecError:
    return fail("MDC301", message, span, hint)


@dataclass(frozen=True)
class SourceTexts:
    """The text of every file a diagnostic may point into, for drawing carets."""
    lines_by_path: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def line(self, path: str, number: int) -> str | None:
        lines = self.lines_by_path.get(path)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


def render(diagnostic: Diagnostic, texts: SourceTexts) -> str:
    out = []
    span = diagnostic.span
    where = f"{span.path}:{span.line}:{span.col}: " if span else "mdcheck: "
    out.append(f"{where}{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}")
    if span:
        out.extend(_caret_lines(span, texts))
    for note, note_span in diagnostic.notes:
        if note_span:
            out.append(f"{note_span.path}:{note_span.line}:{note_span.col}: note: {note}")
            out.extend(_caret_lines(note_span, texts))
        else:
            out.append(f"  = note: {note}")
    if diagnostic.hint:
        out.append(f"  = hint: {diagnostic.hint}")
    return "\n".join(out)


def _caret_lines(span: Span, texts: SourceTexts) -> list[str]:
    text = texts.line(span.path, span.line)
    if text is None:
        return []
    gutter = f"{span.line:>5} | "
    start = len(text[:span.col - 1].expandtabs(4))
    end = len(text[:span.end_col - 1].expandtabs(4)) if span.end_line == span.line else start + 1
    shown = text.expandtabs(4)
    width = max(1, min(end - start, len(shown) - start))
    return [gutter + shown, " " * (len(gutter) + start) + "^" * width]
