"""`--junit FILE`: JUnit XML, the test report every CI system reads. One test suite per
spec and configuration, one test case per property:

- as expected (holds, proved, or the expected violation found): passed; an expected
  violation's trace is in the case's system-out;
- unexpected (a violation nobody expected, or an expected one that no longer happens):
  a failure, with the trace;
- UNKNOWN, or a violation random simulation did not find: an error (nothing was decided).

A spec that does not load is one suite with one erroring case, "spec", holding the
diagnostics. Times are written only with --timing, so that the same inputs give the same
bytes.
"""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET

from checker.frontend.diagnostics import render as render_diagnostic
from checker.reports.outcome import ConfigOutcome, SpecOutcome, status
from checker.reports.render import outcome_text, render_notes, render_trace, where


def document(outcomes: list[SpecOutcome], timing: bool) -> str:
    root = ET.Element("testsuites", name="mdcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for outcome in outcomes:
        if outcome.diagnostics or outcome.internal_error:
            suite = _suite(root, outcome.path, 1, 0, 1)
            case = ET.SubElement(suite, "testcase", name="spec", classname=_classname(outcome.path))
            text = "\n".join(render_diagnostic(d, outcome.texts) for d in outcome.diagnostics)
            message = outcome.diagnostics[0].message if outcome.diagnostics else "internal error"
            error = ET.SubElement(case, "error", message=message,
                                  type=outcome.diagnostics[0].code if outcome.diagnostics else "internal-error")
            error.text = text or outcome.internal_error
            _count(totals, 1, 0, 1)
        for config in outcome.configs:
            _config_suite(root, outcome.path, config, timing, totals)
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _classname(path: str) -> str:
    """`specs/ptdesc.md` -> `specs.ptdesc`, as JUnit viewers group classes by dots;
    `./x.md` -> `x`, `../x.md` -> `__.x`."""
    normal = posixpath.normpath(path.replace("\\", "/")).removesuffix(".md")
    return ".".join("__" if part == ".." else part for part in normal.split("/") if part not in ("", "."))


def _suite(root: ET.Element, name: str, tests: int, failures: int, errors: int) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name, tests=str(tests), failures=str(failures),
                         errors=str(errors), skipped="0")


def _count(totals: dict[str, int], tests: int, failures: int, errors: int) -> None:
    totals["tests"] += tests
    totals["failures"] += failures
    totals["errors"] += errors


def _config_suite(root: ET.Element, path: str, config: ConfigOutcome, timing: bool, totals: dict[str, int]) -> None:
    statuses = [status(r) for r in config.results]
    failures = statuses.count("unexpected")
    errors = statuses.count("unknown") + statuses.count("inconclusive")
    unchecked = config.model.unchecked
    suite = _suite(root, f"{path}:{config.name}", len(config.results) + len(unchecked), failures, errors)
    suite.set("skipped", str(len(unchecked)))
    if timing:
        suite.set("time", f"{max((r.seconds for r in config.results), default=0.0):.3f}")
    _count(totals, len(config.results) + len(unchecked), failures, errors)
    classname = f"{_classname(path)}.{config.name}"
    for name in unchecked:
        case = ET.SubElement(suite, "testcase", name=f"invariant {name}", classname=classname, file=path)
        ET.SubElement(case, "skipped", message=f"configuration '{config.name}' disables invariant '{name}': "
                      "not checked, not assumed")
    for result, state in zip(config.results, statuses):
        prop = result.prop
        case = ET.SubElement(suite, "testcase", name=f"{prop.kind} {prop.name}", classname=classname,
                             file=prop.span.path if prop.span else path)
        if prop.span:
            case.set("line", str(prop.span.line))
        if timing:
            case.set("time", f"{result.seconds:.3f}")
        evidence = config.evidence.get(prop.name)
        trace = render_trace(config.model, result, evidence) if evidence is not None else ""
        summary = f"{outcome_text(result)} (expected: {prop.expect}) [{where(prop.span)}]"
        if state == "unexpected":
            failure = ET.SubElement(case, "failure", message=summary, type="unexpected")
            failure.text = "\n".join(t for t in (render_notes(result), trace) if t) or summary
        elif state != "ok":
            error = ET.SubElement(case, "error", message=summary, type=state)
            error.text = render_notes(result) or summary
        else:
            out = ET.SubElement(case, "system-out")
            out.text = summary + ("\n" + trace if trace else "")
