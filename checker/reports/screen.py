"""The lines a kernel developer reads first: one per configuration (what it is about, what
came of it, how far the check got) and the run's verdict line.

Pure functions of the outcomes; no solver and no printing here.
"""
from __future__ import annotations

from checker.engines.verdict import HoldsToDepth, Proved, Violated
from checker.reports.outcome import ConfigOutcome, SpecOutcome, expects_no_violation, status
from checker.reports.render import outcome_text

_LISTED = 3  # properties named on a configuration's line before "and N more"
_HINTS = (("proof budget", "--proof-rlimit 0 (no budget) or --engine abc --jobs 2 --timeout 600 (Berkeley ABC: no lemmas needed)"),
          ("counterexamples to induction", "lemmas in the spec (--show-cti shows what they must rule out)"),
          ("bounded check only", "--engine auto (k-induction) or --engine abc"),
          ("timeout", "a larger --timeout"),
          ("ABC proved nothing it could re-check", "--engine auto (k-induction, with lemmas in the spec)"))


def config_result(config: ConfigOutcome) -> str:
    """`VIOLATED at depth 2 as expected`, `PROVED (all depths)`, `holds to depth 2 only: ...`;
    then the invariants the configuration disables, which its verdict does not cover."""
    text = _verdict(config)
    unchecked = config.model.unchecked
    if unchecked:
        counted = f"{len(unchecked)} invariant{'s' if len(unchecked) != 1 else ''} not checked"
        text += f" ({counted}: {', '.join(unchecked)})"
    return "; ".join([text] + _not_checked(config))


def _verdict(config: ConfigOutcome) -> str:
    results = config.results
    unexpected = [r for r in results if status(r) in ("unexpected", "inconclusive")]
    unknown = [r for r in results if status(r) == "unknown"]
    if unexpected:
        return "UNEXPECTED: " + _listed([f"{r.prop.name} {outcome_text(r)} (expected: {r.prop.expect})"
                                         for r in unexpected])
    if unknown:
        reasons = sorted({r.verdict.reason for r in unknown})  # type: ignore[attr-defined]
        return f"UNKNOWN: {len(unknown)} of {len(results)} properties ({'; '.join(reasons)})"
    violated = [r for r in results if isinstance(r.verdict, Violated)]
    rest = [r for r in results if not isinstance(r.verdict, Violated)]
    parts = []
    if violated:
        depths = {r.verdict.depth for r in violated}  # type: ignore[attr-defined]
        if len(violated) == 1 or len(depths) == 1:
            found = f"VIOLATED at depth {depths.pop()} as expected"
            names = [r.prop.name for r in violated]
        else:
            found = "VIOLATED as expected"
            names = [f"{r.prop.name} at depth {r.verdict.depth}" for r in violated]  # type: ignore[attr-defined]
        parts.append(f"{found}: {_listed(names)}")
    if rest:
        parts.append(_holding(config, rest, bool(violated)))
    return "; ".join(parts) if parts else "no properties"


def _not_checked(config: ConfigOutcome) -> list[str]:
    """`not checked: 12 properties (--property)`: what this run left out of the configuration, by reason."""
    reasons: dict[str, list[str]] = {}
    for name, reason in config.model.not_checked:
        reasons.setdefault(reason, []).append(name)
    return [f"not checked: {_listed(names) if len(names) <= _LISTED else f'{len(names)} properties'} ({reason})"
            for reason, names in reasons.items()]


def _holding(config: ConfigOutcome, rest: list, after_violations: bool) -> str:
    bounded = [r for r in rest if isinstance(r.verdict, HoldsToDepth)]
    proved = [r for r in rest if isinstance(r.verdict, Proved)]
    subject = "the rest" if after_violations else "every property"
    if len(proved) == len(rest):
        return f"{subject} PROVED (all depths)" if after_violations else "PROVED (all depths)"
    if not bounded:  # random simulation: nothing found, nothing proved
        return f"{subject}: no violation found ({config.shown}); nothing proved"
    depth = min(r.verdict.depth for r in bounded)
    if config.shown.startswith(("explicit", "simulation")):
        return f"{subject} {'hold' if after_violations else 'holds'} ({config.shown})"
    why = _why_unproved(config)
    counted = "" if len(bounded) == len(rest) else f"{len(bounded)} of {len(rest)} "
    text = (f"the rest hold to depth {depth} only" if after_violations else f"holds to depth {depth} only") + \
        f": {counted}not proved ({why})"
    if proved:
        text += f", {len(proved)} proved"
    never = [g.name for g, _ in config.uncovered if g.kind == "action"]
    if never:
        text += f"; {_listed(never)} never enabled"
    return text


def _why_unproved(config: ConfigOutcome) -> str:
    if config.proof_stopped:
        return "proof budget" if config.proof_stopped == "resource limit" else config.proof_stopped
    if config.ctis:
        return "counterexamples to induction"
    if config.shown.endswith("ABC"):
        return "ABC proved nothing it could re-check"
    return "bounded check only"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown + (f" and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


def config_lines(outcome: SpecOutcome) -> list[str]:
    """`name  description  result`, aligned, one per configuration of the spec."""
    if not outcome.configs:
        return []
    name_width = max(len(c.name) for c in outcome.configs)
    description_width = min(max(len(c.model.description) for c in outcome.configs), 60)
    lines = []
    for c in outcome.configs:
        description = c.model.description
        if len(description) > description_width:
            description = description[:description_width - 3] + "..."
        columns = [f"{c.name:<{name_width}}"] + ([f"{description:<{description_width}}"] if description_width else [])
        lines.append("  " + "  ".join(columns + [config_result(c)]))
    return lines


def _as_expected(config: ConfigOutcome) -> bool:
    return all(r.as_expected for r in config.results) and not config.internal_errors


def _unproved(config: ConfigOutcome) -> bool:
    """A configuration meant to hold (no violation expected) that was only checked to a depth."""
    return expects_no_violation(config) and any(isinstance(r.verdict, HoldsToDepth) for r in config.results)


def verdict_lines(outcomes: list[SpecOutcome], code: int) -> list[str]:
    """`mdcheck: 9 configurations, 8 as expected, 1 unexpected (exit 1)`, and how to prove
    what stayed unproved."""
    configs = [c for o in outcomes for c in o.configs]
    expected = sum(1 for c in configs if _as_expected(c))
    unexpected = len(configs) - expected
    errors = sum(1 for o in outcomes if o.diagnostics or o.internal_error)
    parts = [f"{len(configs)} configuration{'s' if len(configs) != 1 else ''}", f"{expected} as expected"]
    if unexpected:
        parts.append(f"{unexpected} not as expected")
    unchecked = sum(len(c.model.unchecked) for c in configs)
    if unchecked:
        parts.append(f"{unchecked} disabled invariant{'s' if unchecked != 1 else ''} not checked")
    if errors:
        parts.append(f"{errors} spec{'s' if errors != 1 else ''} with errors")
    lines = [f"mdcheck: {', '.join(parts)} (exit {code})"]
    unproved = [c for c in configs if _unproved(c)]
    if unproved:
        named = ", ".join(f"{c.name} ({_why_unproved(c)})" for c in unproved)
        reasons = {_why_unproved(c) for c in unproved}
        hints = [hint for reason, hint in _HINTS if reason in reasons] or ["--engine abc"]
        if any(reason == "--property" for c in unproved for _, reason in c.model.not_checked):
            hints.append("run without --property (a proof may rest on the properties it left out)")
        lines.append(f"mdcheck: not proved, checked to a depth only: {named}; to prove: {'; '.join(hints)}")
    return lines
