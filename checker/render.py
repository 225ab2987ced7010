"""Text a kernel developer reads: counterexample traces and the summary table.

Everything here is deterministic: no timestamps, no absolute paths, sorted where the
order is not the spec's own. Times appear only in the summary and only when asked for.
"""
from __future__ import annotations

import re
from typing import Mapping

from . import ir
from .interp import flatten, format_value
from .replay import Evidence
from .source import Span
from .verdict import HoldsToDepth, PropertyResult, Proved, Trace, Unknown, Violated

_INDEX = re.compile(r"\[[^\]]*\]")


def where(span: Span | None) -> str:
    return f"{span.path}:{span.line}" if span else "?"


def _cells(model: ir.Model, state: Mapping[str, object]) -> list[tuple[str, str]]:
    out = []
    for name, t in model.state:
        out.extend((path, format_value(v, vt)) for path, v, vt in flatten(state[name], t, name))
    return out


def _grouped(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Collapse `pages[0].x = v ... pages[7].x = v` into `pages[*].x = v`."""
    groups: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    for path, value in cells:
        key = _INDEX.sub("[*]", path)
        if key not in groups:
            order.append(key)
            groups[key] = []
        groups[key].append((path, value))
    out = []
    for key in order:
        members = groups[key]
        if len(members) > 1 and len({v for _, v in members}) == 1:
            out.append((key, members[0][1]))
        else:
            out.extend(members)
    return out


def render_trace(model: ir.Model, result: PropertyResult, evidence: Evidence) -> str:
    verdict = result.verdict
    assert isinstance(verdict, Violated)
    trace: Trace = verdict.trace
    prop = result.prop
    lines = [f"--- {result.config}: {prop.kind} '{prop.name}' VIOLATED at depth {verdict.depth} "
             f"({'expected' if prop.expect == 'violated' else 'UNEXPECTED'}) ---"]
    actions = {a.name: a for a in model.actions}
    lines.append("step 0: init")
    initial = _cells(model, trace.initial)
    width = max((len(p) for p, _ in _grouped(initial)), default=0)
    for path, value in _grouped(initial):
        lines.append(f"    {path:<{width}} = {value}")
    before = dict(initial)
    for number, step in enumerate(trace.steps, start=1):
        action = actions[step.action]
        arg_types = dict(action.params)
        args = ", ".join(f"{n}={format_value(v, arg_types[n])}" for n, v in step.args)
        lines.append(f"step {number}: {step.action}({args})    [{where(action.span)}]")
        if step.state is None:
            lines.append("    (fails before completing; see below)")
            continue
        after = _cells(model, step.state)
        changed = [(p, before[p], v) for p, v in after if before[p] != v]
        width = max((len(p) for p, _, _ in changed), default=0)
        for path, old, new in changed:
            lines.append(f"    {path:<{width}} : {old} -> {new}")
        if not changed:
            lines.append("    (no state changed)")
        before = dict(after)
    lines.extend(_failure_lines(prop, evidence))
    return "\n".join(lines)


def _failure_lines(prop: ir.Property, evidence: Evidence) -> list[str]:
    if prop.kind == "invariant":
        lines = [f"invariant '{prop.name}' is false [{where(evidence.span)}]"]
        instance = evidence.instance
        if instance is not None:
            if instance.bindings:
                lines.append("    instance: " + ", ".join(f"{n} = {v}" for n, v in instance.bindings))
            if instance.reads:
                width = max(len(p) for p, _ in instance.reads)
                lines.append("    it reads:")
                lines.extend(f"        {p:<{width}} = {v}" for p, v in instance.reads)
        return lines
    what = "assert" if prop.kind == "assert" else "implicit check"
    return [f"{what} '{prop.name}' fails [{where(evidence.span)}]"] + [f"    {d}" for d in evidence.detail]


def outcome_text(result: PropertyResult) -> str:
    match result.verdict:
        case Violated(depth=d):
            return f"VIOLATED at depth {d}"
        case HoldsToDepth(depth=d):
            return f"HOLDS to depth {d}"
        case Proved(engine=engine):
            return f"PROVED ({engine})"
        case Unknown(reason=reason, depth=d):
            return f"UNKNOWN ({reason}; clean to depth {d})" if d >= 0 else f"UNKNOWN ({reason})"
    raise AssertionError(result.verdict)


def render_summary(results: list[PropertyResult], timing: bool) -> str:
    header = ["config", "property", "kind", "expected", "outcome", "depth", "result"]
    if timing:
        header.append("time")
    rows = []
    for r in results:
        status = "ok" if r.as_expected else ("UNKNOWN" if isinstance(r.verdict, Unknown) else "UNEXPECTED")
        row = [r.config, r.prop.name, r.prop.kind, r.prop.expect, r.outcome, _depth_cell(r), status]
        if timing:
            row.append(f"{r.seconds:.2f}s")
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    return "\n".join(out)


def _depth_cell(result: PropertyResult) -> str:
    """VIOLATED: the counterexample's depth; HOLDS: the depth checked; UNKNOWN: the depth
    checked clean before the solver stopped; PROVED: every depth."""
    match result.verdict:
        case Violated(depth=d) | HoldsToDepth(depth=d):
            return str(d)
        case Unknown(depth=d):
            return f"{d} clean" if d >= 0 else "-"
        case Proved():
            return "all"
    raise AssertionError(result.verdict)


def render_notes(result: PropertyResult) -> str | None:
    """One line for a property whose outcome needs explaining beyond the table."""
    prop = result.prop
    if prop.expect == "violated" and isinstance(result.verdict, (HoldsToDepth, Proved)):
        return (f"{result.config}: '{prop.name}' was expected to be violated but "
                f"{outcome_text(result).lower()}; the bug no longer reproduces [{where(prop.span)}]")
    if isinstance(result.verdict, Unknown):
        return f"{result.config}: '{prop.name}' is UNKNOWN: {result.verdict.reason}; it is not reported as holding"
    return None
