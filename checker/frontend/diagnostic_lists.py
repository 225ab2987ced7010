"""Several diagnostics of one run: without repeats, in source order, and how many to print."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Sequence

from checker.frontend.diagnostics import Diagnostic
from checker.frontend.source import Span

MAX_SHOWN_ERRORS = 20  # printed per spec; the JSON and SARIF reports carry them all


def in_source_order(diagnostics: Iterable[Diagnostic], paths: Sequence[str] = ()) -> tuple[Diagnostic, ...]:
    """Each diagnostic once, those without a place first, then by file (in the order of
    `paths`, the others after them by name), line and column. The sort is stable: two at the
    same place keep the order they were found in."""
    unique = tuple(dict.fromkeys(diagnostics))
    rank = {path: i for i, path in enumerate(paths)}

    def key(d: Diagnostic) -> tuple:
        if d.span is None:
            return (0, 0, "", 0, 0)
        return (1, rank.get(d.span.path, len(rank)), d.span.path, d.span.line, d.span.col)

    return tuple(sorted(unique, key=key))


def merged_repeats(diagnostics: Sequence[Diagnostic], codes: frozenset[str]) -> tuple[Diagnostic, ...]:
    """Diagnostics with one of `codes` and the same message (the same unknown name, the same
    value rejected) as one: the first, with a note listing the other places."""
    places: dict[tuple[str, str], list[Span | None]] = {}
    out = []
    for d in diagnostics:
        if d.code not in codes:
            out.append(d)
            continue
        same = places.setdefault((d.code, d.message), [])
        same.append(d.span)
        if len(same) == 1:
            out.append(d)
    return tuple(with_other_places(d, places.get((d.code, d.message), [])) for d in out)


def with_other_places(d: Diagnostic, places: Sequence[Span | None]) -> Diagnostic:
    others = [f"{p.path}:{p.line}" for p in places[1:] if p is not None]
    if not others:
        return d
    shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    return replace(d, notes=d.notes + ((f"the same error at {len(others)} more place"
                                        f"{'s' if len(others) != 1 else ''}: {shown}", None),))


def shown_and_left_out(diagnostics: Sequence[Diagnostic],
                       limit: int = MAX_SHOWN_ERRORS) -> tuple[Sequence[Diagnostic], str | None]:
    """The diagnostics to print (at most `limit` errors, every warning) and the line that says
    how many errors were left out, if any."""
    shown: list[Diagnostic] = []
    errors = 0
    for d in diagnostics:
        if d.severity == "error":
            errors += 1
            if errors > limit:
                continue
        shown.append(d)
    left_out = errors - limit
    if left_out <= 0:
        return shown, None
    return shown, f"mdcheck: {left_out} more error{'s' if left_out != 1 else ''} not shown"
