"""`--itf DIR`: each counterexample as an ITF trace, the Informal Trace Format of Apalache
and Quint (ADR-015), so their trace viewers and test generators read it.

Values: integers (ranges and words alike; iN signed) as {"#bigint": "..."}, booleans as JSON
booleans, enum members as strings, records as objects, arrays as {"#map": [[index, value],
...]}, and a layout value (a `struct page`) as a record of its fields, with `wordN` for
each word they do not cover whole (bits only a view names). Each state also carries
`mbt::actionTaken` (the action that led to it, "init" for the first) and
`mbt::nondetPicks` (its arguments by name), as Quint's model-based-testing traces do;
unlike Quint, an argument is its value itself, not wrapped in `Some`, as every argument of
the action taken is always picked. A trace whose last action fails an assert ends with that
action as its last transition, to the state at the failing statement, marked
`"#meta": {"failing": true}` so that a trace viewer ends at the crash; `#meta.violation`
names the action and the assert. When `init`
itself fails there is no state: `states` is empty and `failed_in_action` names init.
"""
from __future__ import annotations

import json
import re
from typing import Iterator, Mapping

from checker import ir
from checker.engines.concrete.interp import field_bits, layout_cells
from checker.engines.verdict import FoundInRun, Trace, Violated
from checker.reports.json_report import location, tool_version
from checker.reports.outcome import SpecOutcome

ACTION_TAKEN = "mbt::actionTaken"
NONDET_PICKS = "mbt::nondetPicks"
ADR = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def value(v: object, t: ir.Type) -> object:
    if isinstance(t, ir.BoolType):
        return bool(v)
    if isinstance(t, ir.EnumType):
        return t.members[v]  # type: ignore[index]
    if isinstance(t, ir.BitsType):
        return {"#bigint": str(t.number(v))}  # type: ignore[arg-type]
    if isinstance(t, ir.IntType):
        return {"#bigint": str(int(v))}  # type: ignore[call-overload]
    if isinstance(t, ir.RecordType):
        return {name: value(x, ft) for (name, ft), x in zip(t.fields, v)}  # type: ignore[call-overload]
    if isinstance(t, ir.ArrayType):
        return {"#map": [[value(i, t.index), value(x, t.elem)]
                         for i, x in zip(ir.domain_values(t.index), v)]}  # type: ignore[call-overload]
    if isinstance(t, ir.LayoutType):
        words: tuple[int, ...] = v  # type: ignore[assignment]
        out: dict[str, object] = {}
        for label, cell in layout_cells(t):
            out[label] = {"#bigint": str(words[cell] if isinstance(cell, int) else cell.type.number(field_bits(words, cell)))}
        return out
    raise AssertionError(t)


def state(model: ir.Model, values: Mapping[str, object], index: int, action: str, picks: dict) -> dict:
    out: dict[str, object] = {"#meta": {"index": index}, ACTION_TAKEN: action, NONDET_PICKS: picks}
    for name, t in model.state:
        out[name] = value(values[name], t)
    return out


def trace(model: ir.Model, run: Trace, meta: dict, failure_state: Mapping[str, object] | None = None) -> dict:
    """An ITF document: the states of the run; a failing last action leads to `failure_state`."""
    actions = {a.name: a for a in model.actions}
    if run.depth == 0 and run.failed_in_step:  # init itself failed: the run has no state at all
        meta["violation"]["failed_in_action"] = {"action": "init", "args": {},
                                                 "location": meta["violation"]["location"]}
        return {"#meta": meta, "vars": [ACTION_TAKEN, NONDET_PICKS] + [n for n, _ in model.state], "states": []}
    states = [state(model, run.initial, 0, "init", {})]
    for number, step in enumerate(run.steps, start=1):
        params = dict(actions[step.action].params)
        picks = {n: value(v, params[n]) for n, v in step.args}
        if step.state is None:
            meta["violation"]["failed_in_action"] = {"action": step.action, "args": picks,
                                                     "location": location(actions[step.action].span)}
            if failure_state is not None:
                failing = state(model, failure_state, number, step.action, picks)
                failing["#meta"]["failing"] = True
                states.append(failing)
            break
        states.append(state(model, step.state, number, step.action, picks))
    return {"#meta": meta, "vars": [ACTION_TAKEN, NONDET_PICKS] + [n for n, _ in model.state], "states": states}


def traces(outcomes: list[SpecOutcome]) -> Iterator[tuple[str, str]]:
    """(file name, ITF text) for every replayed counterexample, expected or not."""
    used: set[str] = set()
    for outcome in outcomes:
        stem = re.sub(r"\.md$", "", outcome.path.replace("\\", "/").split("/")[-1])
        for config in outcome.configs:
            for result in config.results:
                evidence = config.evidence.get(result.prop.name)
                if not isinstance(result.verdict, Violated) or evidence is None:
                    continue
                verdict = result.verdict
                if isinstance(verdict, FoundInRun):  # a step of a random run, not a depth
                    found, depth, step = (f"found at step {verdict.step} of random run {verdict.run}", None,
                                          verdict.step)
                else:
                    found, depth, step = f"at depth {verdict.depth}", verdict.depth, None
                meta = {
                    "format": "ITF",
                    "format-description": ADR,
                    "source": outcome.path,
                    "description": f"mdcheck {tool_version()}: {result.prop.kind} '{result.prop.name}' violated "
                                   f"{found} in configuration '{config.name}'",
                    "configuration": config.name,
                    "constants": {n: (v if isinstance(v, bool) else {"#bigint": str(v)})
                                  for n, v in config.model.constants},
                    "violation": {"property": result.prop.name, "kind": result.prop.kind,
                                  "expected": result.prop.expect == "violated",
                                  "depth": depth, "step": step, "location": location(evidence.span)},
                }
                doc = trace(config.model, result.verdict.trace, meta, evidence.failure_state)
                name = _file_name(stem, config.name, result.prop.name, used)
                yield name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _file_name(stem: str, config: str, prop: str, used: set[str]) -> str:
    base = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part).strip("_") for part in (stem, config, prop))
    name, n = f"{base}.itf.json", 1
    while name in used:
        n += 1
        name = f"{base}-{n}.itf.json"
    used.add(name)
    return name
