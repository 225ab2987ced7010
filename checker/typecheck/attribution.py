"""Errors that a configuration's constants cause: each names the configuration (or the -D)
that set the value, with a caret at that line, not only the model line that rejects it."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping, Sequence

from checker.frontend import syntax as s
from checker.frontend.diagnostic_lists import in_source_order, with_other_places
from checker.frontend.diagnostics import Diagnostic, SpecError
from checker.frontend.source import Span

MAX_TRIED_ONE_BY_ONE = 8  # constants set by one configuration that are tried one at a time

Items = tuple[tuple[str, s.ConfigItem], ...]  # a configuration's items, each with the configuration that set it
Lower = Callable[[Items, Mapping[str, int | bool]], object]


def with_configuration_notes(errors: Sequence[Diagnostic], lower: Lower, config: Items,
                             config_name: str, overrides: Mapping[str, int | bool],
                             shown_value: Callable[[s.Expr], str]) -> tuple[Diagnostic, ...]:
    """`errors` of lowering configuration `config_name` (its items `config`, inherited ones
    included) with `overrides`; an error that goes away when the constants the configuration
    (or -D) sets are put back to their declared values gets a note per constant that causes it."""
    settings = _settings(config, overrides)
    if not settings:
        return tuple(errors)
    errors = in_source_order(errors)
    without_all = _places(lower, _without(config, settings), {})
    caused = [e for e in errors if (e.code, e.span) not in without_all]
    if not caused:
        return tuple(errors)
    blamed: dict[tuple[str, Span | None], list[str]] = {(e.code, e.span): [] for e in caused}
    if len(settings) == 1:
        for key in blamed:
            blamed[key].append(settings[0][0])
    else:
        for name, _, _, _ in settings[:MAX_TRIED_ONE_BY_ONE]:
            others = {n: v for n, v in overrides.items() if n != name}
            still = _places(lower, _without(config, [(name, None, None, None)]), others)
            for key in blamed:
                if key not in still:
                    blamed[key].append(name)
    out = []
    repeats: dict[tuple[str, str], list[Span | None]] = {}
    for e in errors:
        names = blamed.get((e.code, e.span))
        if names is None:
            out.append(e)
            continue
        same = repeats.setdefault((e.code, e.message), [])
        same.append(e.span)
        if len(same) > 1:  # the same value rejected again elsewhere: one error, the places in a note
            continue
        notes = []
        for name, origin, item, given in settings:
            if names and name not in names:
                continue
            if item is not None:
                inherited = f" (which '{config_name}' extends)" if origin != config_name else ""
                notes.append((f"configuration '{origin}'{inherited} sets {name} = {shown_value(item.value)}",
                              item.span))
            else:
                notes.append((f"-D {name}={str(given).lower()} on the command line sets {name}", None))
        out.append(replace(e, notes=e.notes + tuple(notes)))
    return tuple(with_other_places(e, repeats.get((e.code, e.message), [])) for e in out)


Setting = tuple[str, str | None, s.ConfigConst | None, int | bool | None]  # name, who set it, the item, a -D value


def _settings(config: Items, overrides: Mapping[str, int | bool]) -> list[Setting]:
    """The constants set for this lowering: by -D (which wins) and by the configuration (the
    last item for a name: a configuration's own replaces the one it inherits)."""
    found: list[Setting] = [(n, None, None, v) for n, v in overrides.items()]
    effective = {item.name: (origin, item) for origin, item in config
                 if isinstance(item, s.ConfigConst) and item.name not in overrides}
    found.extend((name, origin, item, None) for name, (origin, item) in effective.items())
    return found


def _without(config: Items, settings: list[Setting]) -> Items:
    dropped = {setting[0] for setting in settings}
    return tuple((origin, i) for origin, i in config if not (isinstance(i, s.ConfigConst) and i.name in dropped))


def _places(lower: Lower, config: Items, overrides: Mapping[str, int | bool]) -> set:
    try:
        lower(config, overrides)
    except SpecError as error:
        return {(e.code, e.span) for e in error.diagnostics}
    except RecursionError:
        return set()
    return set()
