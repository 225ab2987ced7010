"""`--sarif FILE`: SARIF 2.1.0, which code-scanning views (GitHub, GitLab, IDEs) show as
annotations on the files themselves. Each unexpected outcome is one result, located at its
property's line in the `.md` spec; a counterexample comes with a code flow through the spec
lines of the actions it takes, ending at the assert or invariant that breaks. Coverage
warnings and UNKNOWN results are warnings; spec errors are errors at their line.
Nothing machine-specific goes in (no absolute paths, no times): the same inputs give the
same bytes.
"""
from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import PurePath

from checker.engines.concrete.interp import format_value
from checker.engines.verdict import FoundInRun, HoldsToDepth, PropertyResult, Violated
from checker.frontend.diagnostics import CODES, Diagnostic
from checker.frontend.source import Span
from checker.reports.json_report import tool_version
from checker.reports.outcome import ConfigOutcome, SpecOutcome, expects_no_violation, status
from checker.reports.render import outcome_text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

RULES = {
    "unexpected-violation": ("error", "A property nobody expected to break is violated",
                             "An execution breaks an invariant or an assert that the configuration expects to "
                             "hold: a shortest one, except from random simulation, which reports the random "
                             "run it found. The code flow is the execution, action by action."),
    "violation-not-reproduced": ("error", "An expected violation no longer happens",
                                 "The configuration says `expect NAME violated`, but no execution within the "
                                 "depth breaks it (or it is proved): the bug it records no longer reproduces."),
    "undecided": ("warning", "A property was not decided",
                  "The solver gave up, a limit (--timeout, --rlimit) was reached, or random simulation did "
                  "not find an expected violation. Nothing is claimed about the property."),
    "vacuous": ("note", "Part of the spec is never exercised",
                "An action is never enabled, an assert never reached, or an invariant's premise never true "
                "within the depth: what depends on it holds vacuously. A note, or an error with --strict."),
    "not-proved": ("warning", "A property holds only to a depth",
                   "The configuration expects everything to hold and the proof engine ran, but this property "
                   "was only checked to the depth: the proof ran out of budget or met a counterexample to "
                   "induction. It is no finding, and no proof either."),
    "internal-error": ("error", "mdcheck hit a bug", "A counterexample did not replay, or the checker failed."),
}


def document(outcomes: list[SpecOutcome], strict: bool = False) -> str:
    rules = dict(RULES)
    if any(c.model.unchecked for o in outcomes for c in o.configs):
        rules["not-checked"] = ("note", "An invariant is disabled in a configuration",
                                "The configuration says `disable NAME` for an invariant: it neither checks nor "
                                "assumes it, so its verdict says nothing about that invariant.")
    for outcome in outcomes:
        for d in outcome.diagnostics:
            rules.setdefault(d.code, ("error", CODES[d.code], f"{d.code}: {CODES[d.code]} (a spec error)"))
        for d in outcome.warnings:
            rules.setdefault(d.code, ("warning", CODES[d.code], f"{d.code}: {CODES[d.code]} (a lint)"))
    rule_ids = list(rules)
    results: list[dict] = []
    for outcome in outcomes:
        results.extend(_diagnostic(d, rule_ids, outcome.path) for d in outcome.diagnostics + outcome.warnings)
        if outcome.internal_error:
            results.append(_result("internal-error", rule_ids, outcome.internal_error, None, path=outcome.path))
        for config in outcome.configs:
            results.extend(_config_results(outcome.path, config, rule_ids, strict))
    run = {
        "tool": {"driver": {
            "name": "mdcheck",
            "version": tool_version(),
            "informationUri": "https://pypi.org/project/mdcheck/",
            "rules": [{"id": rule, "shortDescription": {"text": short}, "fullDescription": {"text": full},
                       "defaultConfiguration": {"level": level}} for rule, (level, short, full) in rules.items()],
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def uri_of(path: str) -> str:
    """A URI reference for a file path: relative paths stay relative (to the run's directory),
    with spaces, '#', '%' and the like percent-encoded."""
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    return urllib.parse.quote(path.replace("\\", "/"), safe="/")


def _physical(span: Span) -> dict:
    return {"artifactLocation": {"uri": uri_of(span.path)},
            "region": {"startLine": span.line, "startColumn": span.col, "endLine": span.end_line,
                       "endColumn": max(span.end_col, 1)}}


def _result(rule: str, rule_ids: list[str], message: str, span: Span | None, level: str | None = None,
            path: str | None = None) -> dict:
    """One result, at `span`, else at the file `path` as a whole (code-scanning views drop a
    result with no location)."""
    result: dict = {"ruleId": rule, "ruleIndex": rule_ids.index(rule), "level": level or RULES.get(rule, ("error",))[0],
                    "message": {"text": message}}
    if span is not None:
        result["locations"] = [{"physicalLocation": _physical(span)}]
    elif path is not None:
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri_of(path)}}}]
    return result


def _diagnostic(d: Diagnostic, rule_ids: list[str], path: str) -> dict:
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return _result(d.code, rule_ids, text, d.span, "warning" if d.severity == "warning" else "error", path)


def _config_results(path: str, config: ConfigOutcome, rule_ids: list[str], strict: bool) -> list[dict]:
    out = []
    proof_asked = (bool(config.proof_stopped or config.ctis) or config.shown.endswith("ABC")) and \
        expects_no_violation(config)
    for result in config.results:
        state = status(result)
        if state == "ok" and proof_asked and isinstance(result.verdict, HoldsToDepth):
            prop = result.prop
            sarif = _result("not-proved", rule_ids, f"{config.name}: {prop.kind} '{prop.name}' "
                            f"{outcome_text(result)}, not proved", prop.span)
            sarif["partialFingerprints"] = {"mdcheckProperty/v1": f"{path}:{config.name}:{prop.name}"}
            out.append(sarif)
            continue
        if state == "ok":
            continue
        prop = result.prop
        text = f"{config.name}: {prop.kind} '{prop.name}' {outcome_text(result)} (expected: {prop.expect})"
        if state == "unexpected":
            rule = "unexpected-violation" if isinstance(result.verdict, Violated) else "violation-not-reproduced"
        else:
            rule = "undecided"
        sarif = _result(rule, rule_ids, text, prop.span)
        sarif["partialFingerprints"] = {"mdcheckProperty/v1": f"{path}:{config.name}:{prop.name}"}
        sarif["properties"] = {"configuration": config.name, "property": prop.name, "kind": prop.kind,
                               "outcome": result.outcome}
        if isinstance(result.verdict, Violated) and prop.name in config.evidence:
            sarif["codeFlows"] = [_code_flow(config, result)]
        out.append(sarif)
    for goal, depth in config.uncovered:
        sarif = _result("vacuous", rule_ids, f"{config.name}: {goal.describe()} within depth {depth}", goal.span,
                        "error" if strict else None)
        sarif["partialFingerprints"] = {"mdcheckProperty/v1": f"{path}:{config.name}:{goal.kind}:{goal.name}"}
        out.append(sarif)
    for name in config.model.unchecked:
        sarif = _result("not-checked", rule_ids, f"{config.name}: invariant '{name}' is disabled: not checked, "
                        "not assumed", None, "note", path)
        sarif["partialFingerprints"] = {"mdcheckProperty/v1": f"{path}:{config.name}:{name}"}
        out.append(sarif)
    for message in config.internal_errors:
        out.append(_result("internal-error", rule_ids, message, None, path=path))
    return out


def _code_flow(config: ConfigOutcome, result: PropertyResult) -> dict:
    verdict = result.verdict
    assert isinstance(verdict, Violated)
    evidence = config.evidence[result.prop.name]
    actions = {a.name: a for a in config.model.actions}
    locations = []
    for number, step in enumerate(verdict.trace.steps, start=1):
        action = actions[step.action]
        types = dict(action.params)
        args = ", ".join(f"{n}={format_value(v, types[n])}" for n, v in step.args)
        text = f"step {number}: {step.action}({args})"
        if step.state is None:
            text += ": fails here"
        location: dict = {"message": {"text": text}}
        if action.span is not None:
            location["physicalLocation"] = _physical(action.span)
        locations.append({"location": location, "nestingLevel": 0, "executionOrder": number})
    end = {"message": {"text": f"{result.prop.kind} '{result.prop.name}' breaks here"}}
    if evidence.span is not None:
        end["physicalLocation"] = _physical(evidence.span)
    locations.append({"location": end, "nestingLevel": 0, "executionOrder": len(locations) + 1})
    if isinstance(verdict, FoundInRun):  # random simulation: a run, not a shortest one
        flow = f"a random run of {verdict.step} actions (run {verdict.run}; not necessarily the shortest)"
    else:
        flow = f"a shortest execution of {verdict.depth} actions"
    return {"message": {"text": flow},
            "threadFlows": [{"locations": locations}]}
