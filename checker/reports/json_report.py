"""`--format json`: one document per run, every spec, configuration and property, with the
spec location of each and the replayed trace of each counterexample.

The schema is `checker/reports/schemas/mdcheck-results.schema.json`; `FORMAT` changes only when a field
changes meaning or goes away. Times are null unless --timing is given, so that the same
inputs give the same bytes.
"""
from __future__ import annotations

import json
from importlib import metadata
from typing import Callable, Mapping

from checker import ir
from checker.engines.concrete.interp import flatten
from checker.engines.concrete.replay import Evidence
from checker.engines.verdict import (
    CounterexampleToInduction,
    FoundInRun,
    HoldsToDepth,
    NotFound,
    PropertyResult,
    Proved,
    Trace,
    Unknown,
    Violated,
)
from checker.frontend.diagnostics import CODES, Diagnostic
from checker.frontend.source import Span
from checker.reports.outcome import ConfigOutcome, SpecOutcome, engine_of, status
from checker.reports.render import outcome_text

FORMAT = "mdcheck-results/1"
RESULTS = {0: "ok", 1: "unexpected", 2: "unknown", 3: "spec-error", 4: "internal-error", 5: "vacuous"}


def tool_version() -> str:
    try:
        return metadata.version("mdcheck")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def document(outcomes: list[SpecOutcome], exit_code: int, timing: bool) -> str:
    doc = {
        "format": FORMAT,
        "tool": {"name": "mdcheck", "version": tool_version()},
        "exit_code": exit_code,
        "result": RESULTS.get(exit_code, "internal-error"),
        "specs": [_spec(o, timing) for o in outcomes],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


LIST_FORMAT = "mdcheck-list/1"


def listing(specs: list[tuple[SpecOutcome, tuple[ir.Model, ...]]], depth_of: Callable[[ir.Model], int],
            exit_code: int) -> str:
    """`--list --format json`: each spec's configurations (with the depth a check would use)
    and properties; nothing checked. Schema: checker/reports/schemas/mdcheck-list.schema.json."""
    doc = {
        "format": LIST_FORMAT,
        "tool": {"name": "mdcheck", "version": tool_version()},
        "exit_code": exit_code,
        "result": RESULTS.get(exit_code, "internal-error"),
        "specs": [{
            "path": outcome.path,
            "exit_code": outcome.exit_code,
            "diagnostics": [diagnostic(d) for d in outcome.diagnostics],
            "internal_error": outcome.internal_error or None,
            **({"warnings": [diagnostic(d) for d in outcome.warnings]} if outcome.warnings else {}),
            "configurations": [{
                "name": model.config,
                "depth": depth_of(model),
                "actions": [a.name for a in model.actions],
                "constants": {name: value for name, value in model.constants},
                "properties": [{"name": p.name, "kind": p.kind, "expected": p.expect, "location": location(p.span)}
                               for p in model.properties],
                "unchecked_invariants": list(model.unchecked),
            } for model in models],
        } for outcome, models in specs],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def location(span: Span | None) -> dict | None:
    if span is None:
        return None
    return {"file": span.path, "line": span.line, "column": span.col, "end_line": span.end_line,
            "end_column": span.end_col}


def diagnostic(d: Diagnostic) -> dict:
    return {"code": d.code, "title": CODES[d.code], "severity": d.severity, "message": d.message,
            "location": location(d.span), "hint": d.hint,
            "notes": [{"message": m, "location": location(s)} for m, s in d.notes]}


def _spec(outcome: SpecOutcome, timing: bool) -> dict:
    return {
        "path": outcome.path,
        "exit_code": outcome.exit_code,
        "diagnostics": [diagnostic(d) for d in outcome.diagnostics],
        "internal_error": outcome.internal_error or None,
        "configurations": [_config(c, timing) for c in outcome.configs],
        **({"warnings": [diagnostic(d) for d in outcome.warnings]} if outcome.warnings else {}),
    }


def _config(config: ConfigOutcome, timing: bool) -> dict:
    model = config.model
    return {
        "name": config.name,
        "depth": config.depth,
        "search": config.shown,
        "constants": {name: value for name, value in model.constants},
        "properties": [_property(r, config, timing) for r in config.results],
        "not_checked": [{"name": name, "reason": reason} for name, reason in model.not_checked],
        "unchecked_invariants": list(model.unchecked),
        "counterexamples_to_induction": [_cti(model, c.cti, c.evidence) for c in config.ctis],
        "warnings": [{"kind": goal.kind, "name": goal.name, "depth": depth,
                      "message": f"{goal.describe()} within depth {depth}", "location": location(goal.span)}
                     for goal, depth in config.uncovered],
        "notes": list(config.notes) + list(config.details),
        "internal_errors": list(config.internal_errors),
    }


def _property(result: PropertyResult, config: ConfigOutcome, timing: bool) -> dict:
    verdict = result.verdict
    depth: int | None = None
    step: int | None = None
    reason = None
    match verdict:
        case FoundInRun(depth=s):  # a step of a random run, not a depth
            step = s
        case Violated(depth=d) | HoldsToDepth(depth=d):
            depth = d
        case Unknown(reason=why, depth=d):
            depth, reason = (d if d >= 0 else None), why
    evidence = config.evidence.get(result.prop.name)
    return {
        "name": result.prop.name,
        "kind": result.prop.kind,
        "expected": result.prop.expect,
        "outcome": result.outcome,
        "status": status(result),
        "engine": engine_of(result, config),
        "depth": depth,
        "step": step,
        "found_in_run": verdict.run if isinstance(verdict, FoundInRun) else None,
        "k": verdict.k if isinstance(verdict, Proved) else None,
        "frames": verdict.frames if isinstance(verdict, Proved) else None,
        "runs": verdict.runs if isinstance(verdict, NotFound) else None,
        "reason": reason,
        "summary": outcome_text(result),
        "seconds": round(result.seconds, 3) if timing else None,
        "location": location(result.prop.span),
        "trace": trace(config.model, verdict.trace, evidence, shortest=not isinstance(verdict, FoundInRun))
        if isinstance(verdict, Violated) and evidence is not None else None,
    }


def _cti(model: ir.Model, cti: CounterexampleToInduction, evidence: Evidence) -> dict:
    return {"k": cti.k, "broken": list(cti.broken), "assumed": list(cti.assumed),
            "trace": trace(model, cti.trace, evidence)}


def value(v: object, t: ir.Type) -> bool | int | str:
    """A scalar cell: booleans, ranges and signed bit-vectors (iN) as JSON, enums by name,
    words (uN) as hex strings (a 64-bit word does not fit a JSON number every reader keeps
    exact; an i64 is a number all the same, as `dump_page()` prints a counter)."""
    if isinstance(t, ir.BoolType):
        return bool(v)
    if isinstance(t, ir.EnumType):
        return t.members[v]  # type: ignore[index]
    if isinstance(t, ir.BitsType):
        return t.number(v) if t.signed else f"{v:#x}"  # type: ignore[arg-type]
    return int(v)  # type: ignore[call-overload]


def cells(model: ir.Model, state: Mapping[str, object]) -> dict[str, bool | int | str]:
    out: dict[str, bool | int | str] = {}
    for name, t in model.state:
        for path, v, vt in flatten(state[name], t, name):
            out[path] = value(v, vt)
    return out


def trace(model: ir.Model, run: Trace, evidence: Evidence, shortest: bool = True) -> dict:
    """A replayed run; its `depth` is null unless it is a shortest one (not for simulation)."""
    actions = {a.name: a for a in model.actions}
    steps = []
    for number, step in enumerate(run.steps, start=1):
        action = actions[step.action]
        types = dict(action.params)
        steps.append({
            "step": number,
            "action": step.action,
            "args": {n: value(v, types[n]) for n, v in step.args},
            "location": location(action.span),
            "state": cells(model, step.state) if step.state is not None else None,
        })
    return {
        "depth": run.depth if shortest else None,
        "failed_in_step": run.failed_in_step,
        "initial_state": cells(model, run.initial),
        "steps": steps,
        "failure": {"property": evidence.prop.name, "kind": evidence.prop.kind,
                    "location": location(evidence.span)},
    }
