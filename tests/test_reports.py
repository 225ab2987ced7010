"""The machine-readable outputs and the CI plumbing: `--format json` (against
checker/reports/schemas/mdcheck-results.schema.json), `--junit`, `--sarif`, `--itf`, `--list`, `--jobs`,
`--rlimit`, the progress line, usage errors and the pytest plugin.

Every spec here is a few lines, and what mdcheck must say about it is worked out by hand in
the comment above it: which trace is the only shortest one, the values of its states, the
lines of its actions and properties. Outputs are validated against the schemas in
tests/data/schemas (offline), and then read field by field: a valid document with the wrong
depth, line or value must fail.

The CLI runs in-process (checker.cli.run) unless a test needs a fresh process: byte-for-byte
comparisons between runs with different hash seeds, --jobs (spawned workers), exit codes
and stderr as a user sees them, and the pytest plugin.
"""
from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import referencing
import test_proofs  # tests/ is on sys.path under pytest's default import mode
import xmlschema
from wall import HANG_SECONDS, TIMEOUT_SLACK

from checker import cli as cli_module
from checker.cli import engine_runs
from checker.cli import run as cli_run
from checker.engines.symbolic import bmc, proving
from checker.reports.progress import Progress, shows_progress

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "tests" / "data" / "schemas"
RESULTS_SCHEMA = json.loads((REPO / "checker" / "reports" / "schemas" / "mdcheck-results.schema.json").read_text())
SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8-sig"))
ITF_SCHEMA = json.loads((SCHEMAS / "itf-schema.json").read_text())
JUNIT_XSD = xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))


# ---------------------------------------------------------------------------
# helpers

def write_spec(directory: Path, body: str, name: str = "spec.md") -> Path:
    """The model body inside a Markdown file: body line N is file line N + 3."""
    path = directory / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    """mdcheck in this process; paths are relative to the current folder (see `workdir`)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def mdcheck(cwd: Path, *argv: str, seed: str = "0") -> subprocess.CompletedProcess:
    """mdcheck in a fresh process; bytes out, as a CI job would see them."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED=seed)
    env.pop("CI", None)
    return subprocess.run([sys.executable, "-m", "checker.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, timeout=HANG_SECONDS)


def run_pytest(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    """pytest (with the mdcheck plugin from its entry point) in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_SECONDS)


def validate_json(doc: dict, schema: dict) -> None:
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    validator(schema).validate(doc)


def results_json(text: str) -> dict:
    doc = json.loads(text)
    validate_json(doc, RESULTS_SCHEMA)
    return doc


def junit_root(path: Path) -> ET.Element:
    JUNIT_XSD.validate(str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"  # the XSD would accept any of its elements as the root
    return root


def sarif_log(path: Path) -> dict:
    log = json.loads(path.read_text())
    validate_json(log, SARIF_SCHEMA)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    return log


def configs_of(doc: dict, spec: int = 0) -> dict[str, dict]:
    return {c["name"]: c for c in doc["specs"][spec]["configurations"]}


def props_of(config: dict) -> dict[str, dict]:
    return {p["name"]: p for p in config["properties"]}


def tree_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """Run in tmp_path, so that the spec paths mdcheck prints are the short relative ones."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------
# the specs

# x climbs by 1 or 2 (never past 6); w collects bit x after each step; phase turns HIGH at
# x >= 3. not_four (x != 4) breaks first at depth 2, and only by inc(2), inc(2): one step
# reaches at most 2, and 4 in two steps needs 2 + 2. The states: x=2, w=1<<2=0x4, LOW; then
# x=4, w=0x4|0x10=0x14, HIGH. range_x is 1-inductive (the require keeps x + by <= 6).
# `stuck` needs x == 6 with phase LOW, but x >= 3 makes phase HIGH: never enabled.
# Configurations: `surprise` expects not_four to hold (an unexpected violation),
# `expected` expects it, `stale` expects it at depth 1 where it cannot happen yet (the
# violation "no longer reproduces"). Lines: inc 14, stuck 20, range_x (x += by) 16, not_four 24.
MAIN = """
    enum Phase { LOW, HIGH }
    const LIMIT = 4
    var x: 0..6
    var w: u64
    var phase: Phase
    init {
        x = 0
        w = 0
        phase = LOW
    }
    action inc(by: 1..2) {
        require x + by <= 6
        x += by
        w = w | (u64(1) << u64(x))
        if x >= 3 { phase = HIGH }
    }
    action stuck() {
        require x == 6 && phase == LOW
        x = 0
    }
    invariant not_four: x != LIMIT
    config surprise {
    }
    config expected {
        expect not_four violated
    }
    config stale {
        depth 1
        expect not_four violated
    }
"""
INC_LINE, STUCK_LINE, RANGE_X_LINE, NOT_FOUR_LINE = 14, 20, 16, 24

# fire(k=1) fails its assert once armed; arm() (line 10) is the only way to arm, and fire
# with k=0 never fails: the only shortest violation is arm(), fire(k=1), at depth 2, and the
# failing step has no state after it. fire is line 15, its assert line 16 column 5.
FIRE = """
    var armed: bool
    var n: 0..3
    init {
        armed = false
        n = 0
    }
    action arm() {
        require !armed
        armed = true
        n = 2
    }
    action fire(k: 0..1) {
        assert !armed || k == 0, "fire: armed takes zero"
        n = k
    }
"""
ARM_LINE, FIRE_LINE, FIRE_ASSERT_LINE = 10, 15, 16

# Proved for every depth: x stays even, so x != 7 is 3-inductive with simple paths;
# range_x is 1-inductive (see tests/test_proofs.py).
EVEN = test_proofs.EVEN

# `y` is not declared: MDC201 at line 6 (body line 3), column 20.
BAD = """
    var x: 0..3
    init { x = 0 }
    action inc() { x = y + 1 }
"""

# Every kind of value an ITF trace carries: a layout with a word no field of its own
# covers (word 1, written through a view: shown as `word1`), an array of records with an
# enum and a byte, an array indexed by an enum, one indexed by bool, and a 64-bit word
# above 2^53. take() twice (two slots) breaks not_all at depth 2; the arguments are the
# solver's choice, so the ITF is compared with the JSON trace of the same run.
RICH = """
    enum Kind { FREE, TABLE }
    layout blk[2] {
        word 0: head: u64
    }
    view alt of blk {
        word 1: tail: u64
    }
    var b: blk
    record Slot {
        kind: Kind
        tag: u8
    }
    type Idx = 0..1
    var slots: [Idx] Slot
    var by_kind: [Kind] 0..2
    var seen: [bool] u8
    var w: u64
    init {
        for i in Idx {
            slots[i].kind = FREE
            slots[i].tag = 0
        }
        by_kind[FREE] = 2
        by_kind[TABLE] = 0
        seen[false] = 0x01
        seen[true] = 0x80
        w = 0xdead000000000122
        b.head = 1
        b.alt.tail = 0xdead000000000100
    }
    action take(i: Idx, t: u8) {
        require slots[i].kind == FREE
        require t == 0x5a || t == 0xa5
        slots[i].kind = TABLE
        slots[i].tag = t
        by_kind[FREE] -= 1
        by_kind[TABLE] += 1
        seen[i == 1] = seen[i == 1] | t
        w = w ^ u64(t)
        b.alt.tail = b.alt.tail + 1
    }
    invariant not_all: by_kind[TABLE] < 2
"""

# x counts up by one: x != 3 first breaks at depth 3 (inc, inc, inc); range_x holds.
LATE = """
    var x: 0..10
    init { x = 0 }
    action inc() { require x < 10; x += 1 }
    invariant not_three: x != 3
"""


def main_specs(directory: Path) -> None:
    write_spec(directory, MAIN, "main.md")
    write_spec(directory, FIRE, "fire.md")


# ---------------------------------------------------------------------------
# 1. --format json

def test_json_unexpected_expected_and_stale_violations(workdir):
    write_spec(workdir, MAIN, "main.md")
    code, out, err = cli("main.md", "--format", "json")
    doc = results_json(out)
    assert code == doc["exit_code"] == 1 and doc["result"] == "unexpected"
    assert doc["format"] == "mdcheck-results/1" and doc["tool"]["name"] == "mdcheck"
    assert out.startswith("{\n") and out.endswith("}\n")  # nothing but the JSON document
    spec = doc["specs"][0]
    assert (spec["path"], spec["exit_code"], spec["diagnostics"], spec["internal_error"]) == ("main.md", 1, [], None)
    configs = configs_of(doc)
    assert list(configs) == ["surprise", "expected", "stale"]
    assert [(c["depth"], c["search"]) for c in configs.values()] == [(6, "depth 6"), (6, "depth 6"), (1, "depth 1")]
    assert configs["surprise"]["constants"] == {"LIMIT": 4}

    surprise = props_of(configs["surprise"])
    assert list(surprise) == ["not_four", "range_x"]
    p = surprise["not_four"]
    assert (p["kind"], p["expected"], p["outcome"], p["status"], p["engine"], p["depth"]) == \
        ("invariant", "holds", "VIOLATED", "unexpected", "bmc", 2)
    assert (p["k"], p["frames"], p["runs"], p["reason"], p["seconds"]) == (None, None, None, None, None)
    assert p["summary"] == "VIOLATED at depth 2"
    assert p["location"] == {"file": "main.md", "line": NOT_FOUR_LINE, "column": 1, "end_line": NOT_FOUR_LINE,
                             "end_column": 1 + len("invariant not_four: x != LIMIT")}
    trace = p["trace"]
    assert (trace["depth"], trace["failed_in_step"]) == (2, False)
    assert trace["initial_state"] == {"x": 0, "w": "0x0", "phase": "LOW"}
    assert [(s["step"], s["action"], s["args"]) for s in trace["steps"]] == [(1, "inc", {"by": 2}),
                                                                             (2, "inc", {"by": 2})]
    assert [s["state"] for s in trace["steps"]] == [{"x": 2, "w": "0x4", "phase": "LOW"},
                                                    {"x": 4, "w": "0x14", "phase": "HIGH"}]
    assert {s["location"]["line"] for s in trace["steps"]} == {INC_LINE}
    assert trace["failure"]["property"] == "not_four" and trace["failure"]["kind"] == "invariant"
    assert trace["failure"]["location"]["line"] == NOT_FOUR_LINE

    r = surprise["range_x"]
    assert (r["kind"], r["outcome"], r["engine"], r["k"], r["depth"], r["trace"]) == \
        ("check", "PROVED", "k-induction", 1, None, None)
    assert r["location"]["line"] == RANGE_X_LINE

    expected = props_of(configs["expected"])["not_four"]
    assert (expected["expected"], expected["outcome"], expected["status"], expected["depth"]) == \
        ("violated", "VIOLATED", "ok", 2)
    assert [s["state"]["x"] for s in expected["trace"]["steps"]] == [2, 4]

    stale = props_of(configs["stale"])["not_four"]
    assert (stale["outcome"], stale["status"], stale["depth"], stale["trace"], stale["summary"]) == \
        ("HOLDS", "unexpected", 1, None, "HOLDS to depth 1")

    for name, depth in (("surprise", 6), ("expected", 6), ("stale", 1)):
        warning, = configs[name]["warnings"]
        assert (warning["kind"], warning["name"], warning["depth"]) == ("action", "stuck", depth)
        assert warning["location"]["line"] == STUCK_LINE
        assert warning["message"] == f"action 'stuck' is never enabled within depth {depth}"


def test_json_failing_assert_has_no_state_after_the_failing_step(workdir):
    write_spec(workdir, FIRE, "fire.md")
    code, out, _ = cli("fire.md", "--format", "json")
    doc = results_json(out)
    assert code == doc["exit_code"] == 1
    p, = configs_of(doc)["default"]["properties"]
    assert (p["name"], p["kind"], p["outcome"], p["depth"]) == ("fire: armed takes zero", "assert", "VIOLATED", 2)
    assert (p["location"]["line"], p["location"]["column"]) == (FIRE_ASSERT_LINE, 5)
    trace = p["trace"]
    assert trace["failed_in_step"] is True
    assert trace["initial_state"] == {"armed": False, "n": 0}
    assert [(s["action"], s["args"], s["state"]) for s in trace["steps"]] == [
        ("arm", {}, {"armed": True, "n": 2}), ("fire", {"k": 1}, None)]
    assert [s["location"]["line"] for s in trace["steps"]] == [ARM_LINE, FIRE_LINE]
    assert trace["failure"]["location"]["line"] == FIRE_ASSERT_LINE


def test_json_proved_by_k_induction(workdir):
    write_spec(workdir, EVEN, "even.md")
    code, out, _ = cli("even.md", "--format", "json")
    doc = results_json(out)
    assert code == doc["exit_code"] == 0 and doc["result"] == "ok"
    props = props_of(configs_of(doc)["default"])
    assert {n: (p["outcome"], p["engine"], p["k"], p["depth"], p["status"], p["summary"]) for n, p in props.items()} == {
        "not_seven": ("PROVED", "k-induction", 3, None, "ok", "PROVED (k-induction, k=3)"),
        "range_x": ("PROVED", "k-induction", 1, None, "ok", "PROVED (k-induction, k=1)"),
    }
    assert all(p["trace"] is None and p["seconds"] is None for p in props.values())


def test_json_spec_error(workdir):
    write_spec(workdir, BAD, "bad.md")
    code, out, err = cli("bad.md", "--format", "json")
    doc = results_json(out)
    assert code == doc["exit_code"] == 3 and doc["result"] == "spec-error"
    spec, = doc["specs"]
    assert spec["exit_code"] == 3 and spec["configurations"] == []
    d, = spec["diagnostics"]
    assert (d["code"], d["title"], d["severity"], d["message"]) == ("MDC201", "unknown name", "error",
                                                                    "unknown name 'y'")
    assert d["location"] == {"file": "bad.md", "line": 6, "column": 20, "end_line": 6, "end_column": 21}
    assert "error[MDC201]" in err  # people still see it on stderr


def test_json_unknown_under_rlimit_1(workdir):
    write_spec(workdir, MAIN, "main.md")
    code, out, _ = cli("main.md", "--format", "json", "--rlimit", "1")
    doc = results_json(out)
    assert code == doc["exit_code"] == 2 and doc["result"] == "unknown"
    props = [p for c in doc["specs"][0]["configurations"] for p in c["properties"]]
    assert len(props) == 6
    for p in props:  # the budget runs out on the first query: nothing is decided, let alone proved
        assert (p["outcome"], p["status"], p["reason"], p["trace"], p["k"]) == \
            ("UNKNOWN", "unknown", "resource limit", None, None), p
    assert all(c["warnings"] == [] for c in doc["specs"][0]["configurations"])  # coverage undecided too


def test_json_seconds_only_with_timing(workdir):
    write_spec(workdir, FIRE, "fire.md")
    _, out, _ = cli("fire.md", "--format", "json", "--timing")
    p, = configs_of(results_json(out))["default"]["properties"]
    assert isinstance(p["seconds"], (int, float)) and p["seconds"] >= 0


def test_json_strict_vacuous(workdir):
    write_spec(workdir, MAIN, "main.md")
    code, out, _ = cli("main.md", "--config", "expected", "--strict", "--format", "json")
    doc = results_json(out)
    assert code == doc["exit_code"] == 5 and doc["result"] == "vacuous"


@pytest.mark.slow
def test_json_exit_code_is_the_process_exit_code_in_a_subprocess(tmp_path):
    main_specs(tmp_path)
    for argv, expected in ((["main.md", "fire.md"], 1), (["fire.md", "--config", "nope"], 3)):
        proc = mdcheck(tmp_path, *argv, "--format", "json")
        doc = results_json(proc.stdout.decode())
        assert proc.returncode == doc["exit_code"] == expected


def test_json_exit_code_when_a_report_file_cannot_be_written(tmp_path):
    write_spec(tmp_path, FIRE, "fire.md")
    proc = mdcheck(tmp_path, "fire.md", "--format", "json", "--junit", "/nonexistent_dir/x.xml")
    assert proc.returncode == 3
    doc = json.loads(proc.stdout.decode())
    assert doc["exit_code"] == proc.returncode
    assert doc["specs"] == [] and "cannot write /nonexistent_dir/x.xml: no directory" in proc.stderr.decode()


def test_json_exit_code_when_a_report_file_fails_only_while_written(workdir, monkeypatch):
    # a path that looked writable before the run (a full disk, a race): the error still
    # reaches the exit code, and the JSON document, written last, says the same
    write_spec(workdir, FIRE, "fire.md")
    monkeypatch.setattr(cli_module, "unwritable_outputs", lambda options: [])
    code, out, err = cli("fire.md", "--format", "json", "--sarif", "missing/x.sarif")
    assert code == 3 and "error[MDC001]: cannot write missing/x.sarif" in err
    doc = results_json(out)
    assert doc["exit_code"] == 3 and doc["result"] == "spec-error"
    assert [s["exit_code"] for s in doc["specs"]] == [1]  # the spec's own outcome: its assert fails


# ---------------------------------------------------------------------------
# 2. the same inputs, the same bytes

def _all_outputs(tmp_path: Path, name: str, *argv: str, seed: str = "0") -> dict[str, bytes]:
    folder = tmp_path / name
    folder.mkdir()
    files = {}
    proc = mdcheck(tmp_path, "main.md", "fire.md", "--format", "json", "--junit", f"{name}/j.xml",
                   "--sarif", f"{name}/s.sarif", "--itf", f"{name}/itf", *argv, seed=seed)
    assert proc.returncode == 1, proc.stderr
    files["stdout.json"] = proc.stdout
    files["stderr"] = proc.stderr
    for f in ("j.xml", "s.sarif"):
        files[f] = (folder / f).read_bytes()
    for n, data in tree_bytes(folder / "itf").items():
        files["itf/" + n] = data
    return files


@pytest.mark.slow
def test_two_runs_with_different_hash_seeds_give_the_same_bytes(tmp_path):
    main_specs(tmp_path)
    first = _all_outputs(tmp_path, "a", seed="1")
    second = _all_outputs(tmp_path, "b", seed="2")
    assert sorted(k for k in first if k.startswith("itf/")) == [
        "itf/fire-default-fire_armed_takes_zero.itf.json", "itf/main-expected-not_four.itf.json",
        "itf/main-surprise-not_four.itf.json"]
    assert first == second


@pytest.mark.slow
def test_jobs_2_gives_what_jobs_1_gives(tmp_path):
    main_specs(tmp_path)  # four configurations: three in main.md (two violations), one in fire.md
    serial = _all_outputs(tmp_path, "serial", "--jobs", "1")
    parallel = _all_outputs(tmp_path, "parallel", "--jobs", "2")
    assert serial == parallel
    texts = [mdcheck(tmp_path, "main.md", "fire.md", "-v", "--summary-table", "--jobs", jobs) for jobs in ("1", "2")]
    assert texts[0].returncode == texts[1].returncode == 1
    assert texts[0].stdout == texts[1].stdout and texts[0].stderr == texts[1].stderr
    out = texts[0].stdout.decode()
    assert "main.md: 3 configurations, surprise depth 6, expected depth 6, stale depth 1" in out
    assert out.index("--- surprise:") < out.index("--- expected:") < out.index("--- default: assert")
    # and a deterministic --rlimit that leaves some things undecided is the same in workers
    limited = [mdcheck(tmp_path, "main.md", "fire.md", "--rlimit", "3000", "--jobs", jobs) for jobs in ("1", "2")]
    assert limited[0].stdout == limited[1].stdout and b"UNKNOWN" in limited[0].stdout


# ---------------------------------------------------------------------------
# 3. SARIF

def _check_rule_indexes(run: dict) -> list[str]:
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"], result
    return ids


def _region(result_or_location: dict) -> tuple[str, int]:
    physical = result_or_location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_sarif_results_and_code_flows(workdir):
    main_specs(workdir)
    code, _, _ = cli("main.md", "fire.md", "--sarif", "out.sarif")
    assert code == 1
    run = sarif_log(workdir / "out.sarif")["runs"][0]
    assert run["tool"]["driver"]["name"] == "mdcheck"
    _check_rule_indexes(run)
    results = run["results"]
    by_config = {}
    for r in results:
        by_config.setdefault((r.get("properties", {}).get("configuration"), r["ruleId"]), []).append(r)

    unexpected, = by_config[("surprise", "unexpected-violation")]
    assert unexpected["level"] == "error"
    assert [_region(loc) for loc in unexpected["locations"]] == [("main.md", NOT_FOUR_LINE)]
    assert unexpected["properties"]["property"] == "not_four"
    flow, = unexpected["codeFlows"]
    locations = [loc["location"] for loc in flow["threadFlows"][0]["locations"]]
    assert [(loc["message"]["text"], _region(loc)) for loc in locations] == [
        ("step 1: inc(by=2)", ("main.md", INC_LINE)),
        ("step 2: inc(by=2)", ("main.md", INC_LINE)),
        ("invariant 'not_four' breaks here", ("main.md", NOT_FOUR_LINE)),
    ]
    assert [loc["executionOrder"] for loc in flow["threadFlows"][0]["locations"]] == [1, 2, 3]

    fire, = by_config[("default", "unexpected-violation")]
    assert [_region(loc) for loc in fire["locations"]] == [("fire.md", FIRE_ASSERT_LINE)]
    locations = [loc["location"] for loc in fire["codeFlows"][0]["threadFlows"][0]["locations"]]
    assert [_region(loc)[1] for loc in locations] == [ARM_LINE, FIRE_LINE, FIRE_ASSERT_LINE]
    texts = [loc["message"]["text"] for loc in locations]
    assert texts[0] == "step 1: arm()" and texts[1].startswith("step 2: fire(k=1)")

    stale, = by_config[("stale", "violation-not-reproduced")]
    assert stale["level"] == "error" and [_region(loc) for loc in stale["locations"]] == [("main.md", NOT_FOUR_LINE)]
    assert "codeFlows" not in stale

    # the expected violation is no finding; the never-enabled action is one warning per configuration
    assert not [r for r in results if r.get("properties", {}).get("configuration") == "expected"]
    vacuous = [r for r in results if r["ruleId"] == "vacuous"]
    assert len(vacuous) == 3
    assert all(r["level"] == "note" and [_region(loc) for loc in r["locations"]] == [("main.md", STUCK_LINE)]
               for r in vacuous)
    assert sorted(r["message"]["text"] for r in vacuous) == [
        "expected: action 'stuck' is never enabled within depth 6",
        "stale: action 'stuck' is never enabled within depth 1",
        "surprise: action 'stuck' is never enabled within depth 6",
    ]
    assert len(results) == 6


def test_sarif_spec_errors_and_undecided(workdir):
    main_specs(workdir)
    write_spec(workdir, BAD, "bad.md")
    code, _, _ = cli("main.md", "bad.md", "missing.md", "--sarif", "errors.sarif")
    assert code == 3
    run = sarif_log(workdir / "errors.sarif")["runs"][0]
    ids = _check_rule_indexes(run)
    assert {"MDC201", "MDC001"} <= set(ids)
    mdc201, = [r for r in run["results"] if r["ruleId"] == "MDC201"]
    assert mdc201["level"] == "error" and mdc201["message"]["text"] == "unknown name 'y'"
    region = mdc201["locations"][0]["physicalLocation"]["region"]
    assert (mdc201["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], region["startLine"],
            region["startColumn"]) == ("bad.md", 6, 20)
    assert [r["ruleId"] for r in run["results"]].count("MDC001") == 1

    code, _, _ = cli("main.md", "--rlimit", "1", "--sarif", "unknown.sarif")
    assert code == 2
    run = sarif_log(workdir / "unknown.sarif")["runs"][0]
    _check_rule_indexes(run)
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("undecided", "warning")] * 6


def test_sarif_uri_is_a_uri_reference(workdir, monkeypatch):
    write_spec(workdir, FIRE, "my spec#1.md")
    cli("my spec#1.md", "--sarif", "out.sarif")
    run = sarif_log(workdir / "out.sarif")["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == urllib.parse.quote("my spec#1.md") == "my%20spec%231.md"

    (workdir / "elsewhere").mkdir()
    monkeypatch.chdir(workdir / "elsewhere")  # a spec outside the current folder: a file: URI
    cli(str(workdir / "my spec#1.md"), "--sarif", "abs.sarif")
    run = sarif_log(workdir / "elsewhere" / "abs.sarif")["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (workdir / "my spec#1.md").as_uri() and uri.startswith("file:///")


def test_sarif_result_without_a_line_is_located_at_its_spec(workdir):
    # code-scanning views drop results without a location: an unknown configuration names no line
    write_spec(workdir, FIRE, "fire.md")
    code, _, _ = cli("fire.md", "--config", "nope", "--sarif", "out.sarif")
    assert code == 3
    result, = sarif_log(workdir / "out.sarif")["runs"][0]["results"]
    assert result["ruleId"] == "MDC205"
    assert result["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "fire.md"}}}]


def test_junit_class_names_of_relative_paths(workdir):
    write_spec(workdir, FIRE, "fire.md")
    (workdir / "sub").mkdir()
    for spec, classname in (("./fire.md", "fire.default"), ("sub/../fire.md", "fire.default"),
                            ("../" + workdir.name + "/fire.md", "fire.default")):
        cli(spec, "--junit", "out.xml")
        case, = junit_root(workdir / "out.xml").iter("testcase")
        assert case.get("classname") == classname, spec
    # a spec that does not load keeps the path as given: no empty or '..' parts in its class name
    write_spec(workdir, BAD, "bad.md")
    for spec, classname in (("./bad.md", "bad"), ("sub/../bad.md", "bad"), ("../" + workdir.name + "/bad.md",
                                                                            f"__.{workdir.name}.bad")):
        assert cli(spec, "--junit", "out.xml")[0] == 3
        case, = junit_root(workdir / "out.xml").iter("testcase")
        assert (case.get("name"), case.get("classname")) == ("spec", classname), spec


# ---------------------------------------------------------------------------
# 4. JUnit

def test_junit_suites_cases_and_counts(workdir):
    main_specs(workdir)
    code, _, _ = cli("main.md", "fire.md", "--junit", "out.xml")
    assert code == 1
    root = junit_root(workdir / "out.xml")
    # 3 configurations x 2 properties + 1; failures: surprise's and stale's not_four, fire's assert
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "3", "0")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("main.md:surprise", "2", "1", "0"), ("main.md:expected", "2", "0", "0"),
        ("main.md:stale", "2", "1", "0"), ("fire.md:default", "1", "1", "0")]
    for suite in suites:  # the counts are the cases'
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
    cases = {(s.get("name"), c.get("name")): c for s in suites for c in s.findall("testcase")}
    assert list(cases)[:2] == [("main.md:surprise", "invariant not_four"), ("main.md:surprise", "check range_x")]

    failure = cases[("main.md:surprise", "invariant not_four")].find("failure")
    assert failure.get("message") == f"VIOLATED at depth 2 (expected: holds) [main.md:{NOT_FOUR_LINE}]"
    assert f"step 1: inc(by=2)    [main.md:{INC_LINE}]" in failure.text
    assert re.search(r"^    x +: 2 -> 4$", failure.text, re.M)
    fire = cases[("fire.md:default", "assert fire: armed takes zero")].find("failure")
    assert "step 2: fire(k=1)" in fire.text and "(fails before completing; see below)" in fire.text
    stale = cases[("main.md:stale", "invariant not_four")].find("failure")
    assert stale.get("message").startswith("HOLDS to depth 1 (expected: violated)")

    passed = cases[("main.md:expected", "invariant not_four")]
    assert passed.find("failure") is None and passed.find("error") is None
    assert "step 2: inc(by=2)" in passed.find("system-out").text
    assert all("time" not in e.attrib for e in root.iter())


def test_junit_timing_and_unknown(workdir):
    write_spec(workdir, MAIN, "main.md")
    cli("main.md", "--junit", "timed.xml", "--timing")
    root = junit_root(workdir / "timed.xml")
    for element in [*root.iter("testsuite"), *root.iter("testcase")]:
        assert float(element.get("time")) >= 0

    code, _, _ = cli("main.md", "--rlimit", "1", "--junit", "unknown.xml")
    assert code == 2
    root = junit_root(workdir / "unknown.xml")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "0", "6")
    for case in root.iter("testcase"):
        error = case.find("error")
        assert error is not None and error.get("type") == "unknown" and case.find("failure") is None
        assert "UNKNOWN (resource limit" in error.get("message")


def test_junit_spec_error(workdir):
    write_spec(workdir, BAD, "bad.md")
    code, _, _ = cli("bad.md", "--junit", "bad.xml")
    assert code == 3
    root = junit_root(workdir / "bad.xml")
    suite, = root.findall("testsuite")
    case, = suite.findall("testcase")
    assert (suite.get("name"), case.get("name"), suite.get("errors")) == ("bad.md", "spec", "1")
    error = case.find("error")
    assert error.get("type") == "MDC201" and "bad.md:6:20: error[MDC201]: unknown name 'y'" in error.text


# ---------------------------------------------------------------------------
# 5. ITF

class ItfMap:
    """An ITF #map: pairs whose keys may be any value (records too), looked up by equality."""

    def __init__(self, pairs: list[tuple[object, object]]):
        self.pairs = pairs

    def lookup(self, matches) -> object:
        found = [v for k, v in self.pairs if matches(k)]
        assert len(found) == 1, (found, self.pairs)
        return found[0]

    def __getitem__(self, key: object) -> object:
        return self.lookup(lambda k: k == key and type(k) is type(key))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ItfMap) and len(self.pairs) == len(other.pairs) and \
            all(other[k] == v for k, v in self.pairs)

    def __repr__(self) -> str:
        return f"ItfMap({self.pairs!r})"


class ItfSet:
    def __init__(self, items: list[object]):
        self.items = items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ItfSet) and len(self.items) == len(other.items) and \
            all(x in other.items for x in self.items)


def itf_value(v: object) -> object:
    """An ITF expression (ADR-015) as a Python value."""
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        assert abs(v) < 2 ** 53, "a larger integer must be a #bigint"
        return v
    if isinstance(v, list):
        return [itf_value(x) for x in v]
    assert isinstance(v, dict), v
    special = [k for k in v if k.startswith("#")]
    if not special:
        return {k: itf_value(x) for k, x in v.items()}
    assert len(v) == 1, v
    tag, body = next(iter(v.items()))
    if tag == "#bigint":
        assert re.fullmatch(r"-?[0-9]+", body), body
        return int(body)
    if tag == "#tup":
        return tuple(itf_value(x) for x in body)
    if tag == "#set":
        return ItfSet([itf_value(x) for x in body])
    if tag == "#map":
        assert all(len(pair) == 2 for pair in body)
        return ItfMap([(itf_value(k), itf_value(x)) for k, x in body])
    raise AssertionError(f"unknown ITF form {tag}")


def read_itf(path: Path) -> tuple[dict, list[dict]]:
    """An ITF file: validated against the schema, then what the schema cannot check."""
    doc = json.loads(path.read_text())
    validate_json(doc, ITF_SCHEMA)
    states = []
    for index, raw in enumerate(doc["states"]):
        assert raw["#meta"]["index"] == index
        assert set(raw) - {"#meta"} == set(doc["vars"]), (set(raw), doc["vars"])  # every var, nothing else
        states.append({k: itf_value(x) for k, x in raw.items() if k != "#meta"})
    return doc, states


def test_itf_reader():
    doc = {"a": {"#bigint": "-123456789012345678901"}, "b": {"#tup": [1, "s", True]},
           "c": {"#set": [{"#bigint": "2"}, {"#bigint": "1"}]},
           "d": {"#map": [[{"#bigint": "1"}, "one"], [{"r": False}, [1, 2]], ["k", {"x": {"#bigint": "0"}}]]},
           "e": [{"f": "g"}], "h": False}
    value = itf_value(doc)
    assert value["a"] == -123456789012345678901
    assert value["b"] == (1, "s", True)
    assert value["c"] == ItfSet([1, 2]) and value["c"] != ItfSet([1, 3])
    assert value["d"][1] == "one" and value["d"][{"r": False}] == [1, 2] and value["d"]["k"] == {"x": 0}
    assert value["e"] == [{"f": "g"}] and value["h"] is False
    with pytest.raises(AssertionError):
        itf_value({"#wat": 1})
    with pytest.raises(AssertionError):
        itf_value({"#bigint": "12x"})


_PATH = re.compile(r"([A-Za-z_]\w*)|\[([^\]]+)\]|\.([A-Za-z_]\w*)")


def _key_matches(key: object, text: str) -> bool:
    if isinstance(key, bool):
        return text == ("true" if key else "false")
    if isinstance(key, int):
        return int(text, 0) == key
    return key == text


def at_path(value: object, path: str) -> object:
    """The value at a JSON cell path (`pages[3].memdesc`, `by_kind[FREE]`) of an ITF state."""
    position = 0
    while position < len(path):
        m = _PATH.match(path, position)
        assert m, (path, position)
        name, index, field = m.groups()
        if index is not None:
            assert isinstance(value, ItfMap), (path, value)
            value = value.lookup(lambda k: _key_matches(k, index))
        else:
            assert isinstance(value, dict), (path, value)
            value = value[name or field]
        position = m.end()
    return value


def same_scalar(json_value: object, itf: object) -> bool:
    if isinstance(json_value, bool):
        return itf is json_value
    if isinstance(json_value, int):
        return type(itf) is int and itf == json_value
    if isinstance(json_value, str) and json_value.startswith("0x"):
        return type(itf) is int and itf == int(json_value, 16)
    return itf == json_value


def leaves(value: object) -> int:
    if isinstance(value, ItfMap):
        return sum(leaves(v) for _, v in value.pairs)
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values())
    return 1


def check_round_trip(trace: dict, itf_path: Path) -> tuple[dict, list[dict]]:
    """The ITF trace says what the JSON trace of the same run says, cell by cell."""
    doc, states = read_itf(itf_path)
    json_states = [trace["initial_state"]] + [s["state"] for s in trace["steps"] if s["state"] is not None]
    if doc["states"] and doc["states"][-1]["#meta"].get("failing"):  # the state at the failing assert: not in JSON
        assert trace["steps"][-1]["state"] is None
        states = states[:-1]
    assert len(states) == len(json_states)
    names = list(dict.fromkeys(re.match(r"\w+", path).group(0) for path in trace["initial_state"]))
    assert doc["vars"] == ["mbt::actionTaken", "mbt::nondetPicks"] + names
    for number, (state, cells) in enumerate(zip(states, json_states)):
        for path, value in cells.items():
            assert same_scalar(value, at_path(state, path)), (number, path, value, at_path(state, path))
        assert sum(leaves(state[n]) for n in names) == len(cells)  # and nothing more
        if number == 0:
            assert state["mbt::actionTaken"] == "init" and state["mbt::nondetPicks"] == {}
        else:
            step = trace["steps"][number - 1]
            assert state["mbt::actionTaken"] == step["action"]
            picks = state["mbt::nondetPicks"]
            assert set(picks) == set(step["args"])
            assert all(same_scalar(v, picks[n]) for n, v in step["args"].items())
    return doc, states


def test_itf_round_trips_the_json_traces(workdir):
    main_specs(workdir)
    write_spec(workdir, RICH, "rich.md")
    shutil_copy(REPO / "tests" / "golden" / "layout_views.md", workdir / "lv.md")
    code, out, _ = cli("main.md", "fire.md", "rich.md", "lv.md", "--depth", "2", "--engine", "bmc",
                       "--format", "json", "--itf", "traces")
    assert code == 1
    doc = results_json(out)
    expected_files = []
    for spec in doc["specs"]:
        stem = spec["path"].removesuffix(".md")
        for config in spec["configurations"]:
            for p in config["properties"]:
                if p["trace"] is None:
                    continue
                name = f"{stem}-{config['name']}-{re.sub(r'[^A-Za-z0-9_.]+', '_', p['name']).strip('_')}.itf.json"
                expected_files.append(name)
                itf, _ = check_round_trip(p["trace"], workdir / "traces" / name)
                violation = itf["#meta"]["violation"]
                assert (violation["property"], violation["kind"], violation["depth"]) == \
                    (p["name"], p["kind"], p["depth"])
                assert violation["expected"] is (p["expected"] == "violated")
                assert itf["#meta"]["configuration"] == config["name"] and itf["#meta"]["source"] == spec["path"]
    assert sorted(expected_files) == sorted(p.name for p in (workdir / "traces").iterdir())
    assert len(expected_files) == 7  # main x3 (stale's depth is 2 too here), fire, rich, lv x2

    # hand-checked values: 64-bit words exactly (above 2^53), enum- and bool-indexed arrays
    _, states = read_itf(workdir / "traces" / "rich-default-not_all.itf.json")
    assert states[0]["w"] == 0xdead000000000122
    assert states[0]["b"] == {"head": 1, "word1": 0xdead000000000100}  # word 1: only a view names it
    assert states[2]["b"]["word1"] == 0xdead000000000102
    assert states[0]["by_kind"] == ItfMap([("FREE", 2), ("TABLE", 0)])
    assert states[2]["by_kind"]["TABLE"] == 2
    assert states[0]["seen"] == ItfMap([(False, 0x01), (True, 0x80)])
    assert states[0]["slots"][0] == {"kind": "FREE", "tag": 0}
    _, states = read_itf(workdir / "traces" / "main-surprise-not_four.itf.json")
    assert [(s["mbt::actionTaken"], s["mbt::nondetPicks"], s["x"], s["w"], s["phase"]) for s in states] == [
        ("init", {}, 0, 0, "LOW"), ("inc", {"by": 2}, 2, 4, "LOW"), ("inc", {"by": 2}, 4, 0x14, "HIGH")]


def shutil_copy(source: Path, target: Path) -> None:
    target.write_bytes(source.read_bytes())


def test_itf_failing_action_is_the_last_transition_marked_failing(workdir):
    write_spec(workdir, FIRE, "fire.md")
    cli("fire.md", "--itf", "traces")
    doc, states = read_itf(workdir / "traces" / "fire-default-fire_armed_takes_zero.itf.json")
    assert [(s["mbt::actionTaken"], s["armed"], s["n"]) for s in states] == \
        [("init", False, 0), ("arm", True, 2), ("fire", True, 2)]  # fire stops at its assert, before n = k
    marks = [raw["#meta"].get("failing", False) for raw in doc["states"]]
    assert marks == [False, False, True]
    violation = doc["#meta"]["violation"]
    assert (violation["property"], violation["kind"], violation["depth"], violation["expected"]) == \
        ("fire: armed takes zero", "assert", 2, False)
    assert violation["location"]["line"] == FIRE_ASSERT_LINE
    failed = violation["failed_in_action"]
    assert failed["action"] == "fire" and itf_value(failed["args"]) == {"k": 1}
    assert failed["location"]["line"] == FIRE_LINE


def test_itf_layout_values_are_records_of_their_fields(workdir):
    # layout_views.md: descs[d] is a 4-word memdesc, flags 0xffff88810000004f, next 0, prev
    # LIST_POISON2, kind 0xf2000000 (word 3 bits 0-31), refcount 1 (word 3 bits 32-63).
    # poisoned breaks by pte_free(0): prev (through ptdesc.pt_list_prev) = pte_free_now and
    # refcount 0; unfragmented by fragment(1): pt_frag (word 3 bits 8-15) = 0xff, so kind
    # reads 0xf200ff00. View fields are other names of the same bits: not in the record.
    shutil_copy(REPO / "tests" / "golden" / "layout_views.md", workdir / "lv.md")
    code, out, _ = cli("lv.md", "--depth", "2", "--engine", "bmc", "--itf", "traces", "--format", "json")
    assert code == 0
    initial = {"flags": 0xffff88810000004f, "next": 0, "prev": 0xdead000000000122, "kind": 0xf2000000, "refcount": 1}
    _, states = read_itf(workdir / "traces" / "lv-posted-poisoned.itf.json")
    assert states[0]["descs"] == ItfMap([(0, initial), (1, initial)])
    assert [(s["mbt::actionTaken"], s["mbt::nondetPicks"]) for s in states] == [("init", {}), ("pte_free", {"d": 0})]
    assert states[1]["descs"] == ItfMap([(0, dict(initial, prev=0xffffffff81a82b37, refcount=0)), (1, initial)])
    _, states = read_itf(workdir / "traces" / "lv-posted-unfragmented.itf.json")
    assert [(s["mbt::actionTaken"], s["mbt::nondetPicks"]) for s in states] == [("init", {}), ("fragment", {"d": 1})]
    assert states[1]["descs"] == ItfMap([(0, initial), (1, dict(initial, kind=0xf200ff00))])


@pytest.mark.slow
def test_itf_round_trip_on_the_ptdesc_spec(workdir, monkeypatch):
    # One configuration of the real spec, BMC only (a few seconds): struct pages as records.
    monkeypatch.chdir(REPO)
    itf_dir = workdir / "traces"
    code, out, _ = cli("specs/ptdesc.md", "--config", "patch6_loop", "--engine", "bmc", "--format", "json",
                       "--itf", str(itf_dir))
    assert code == 0
    doc = results_json(out)
    traced = [p for p in doc["specs"][0]["configurations"][0]["properties"] if p["trace"] is not None]
    assert [(p["name"], p["status"], p["depth"]) for p in traced] == [("tail_pages_tagged", "ok", 1)]
    _, states = check_round_trip(traced[0]["trace"], itf_dir / "ptdesc-patch6_loop-tail_pages_tagged.itf.json")
    page = states[0]["pages"].pairs[0][1]
    assert {"flags", "memdesc", "_refcount"} <= set(page) and all(type(v) is int for v in page.values())


def test_itf_and_json_keep_bits_that_only_a_view_names(workdir):
    write_spec(workdir, """
        layout blk[2] {
            word 0: head: u64
            word 1: low: u32
        }
        view alt of blk {
            word 1 bit 32: high: u32
        }
        var b: blk
        init {
            b.head = 1
            b.low = 2
            b.alt.high = 3
        }
        action bump() {
            b.alt.high = b.alt.high + 1
        }
        invariant high_small: b.alt.high < 4
    """, "part.md")
    code, out, _ = cli("part.md", "--format", "json", "--itf", "traces")
    assert code == 1
    trace = props_of(configs_of(results_json(out))["default"])["high_small"]["trace"]
    _, states = read_itf(workdir / "traces" / "part-default-high_small.itf.json")
    assert len(states) == 2 and [s["action"] for s in trace["steps"]] == ["bump"]
    assert states[0]["b"] != states[1]["b"]  # high went 3 -> 4
    assert trace["initial_state"] != trace["steps"][0]["state"]


def test_itf_when_init_fails(workdir):
    write_spec(workdir, """
        var x: 0..3
        init {
            x = 1
            assert x == 2, "init: x is two"
        }
        action inc() { require x < 3; x += 1 }
    """, "initfail.md")
    code, _, _ = cli("initfail.md", "--itf", "traces")
    assert code == 1
    doc, states = read_itf(workdir / "traces" / "initfail-default-init_x_is_two.itf.json")
    assert doc["#meta"]["violation"]["depth"] == 0
    assert doc["#meta"]["violation"].get("failed_in_action", {}).get("action") == "init"
    assert all(s["mbt::actionTaken"] != "init" for s in states)


# ---------------------------------------------------------------------------
# 6. --list

def test_list_small_spec(workdir):
    write_spec(workdir, MAIN, "main.md")
    code, out, err = cli("main.md", "--list")
    assert (code, err) == (0, "")
    assert out == textwrap.dedent(f"""\
        main.md
          config surprise (depth 6, 2 actions)
            invariant  not_four  expect holds     [main.md:{NOT_FOUR_LINE}]
            check      range_x   expect holds     [main.md:{RANGE_X_LINE}]
          config expected (depth 6, 2 actions)
            invariant  not_four  expect violated  [main.md:{NOT_FOUR_LINE}]
            check      range_x   expect holds     [main.md:{RANGE_X_LINE}]
          config stale (depth 1, 2 actions)
            invariant  not_four  expect violated  [main.md:{NOT_FOUR_LINE}]
            check      range_x   expect holds     [main.md:{RANGE_X_LINE}]
        """)
    code, out, err = cli("main.md", "--list", "--config", "stale")
    assert code == 0 and out.count("  config ") == 1 and "config stale (depth 1" in out


def list_json(text: str) -> dict:
    """A --list --format json document, checked against its schema (which refers to the results schema)."""
    schema = json.loads((REPO / "checker" / "reports" / "schemas" / "mdcheck-list.schema.json").read_text())
    registry = referencing.Registry().with_resource(
        RESULTS_SCHEMA["$id"], referencing.Resource.from_contents(RESULTS_SCHEMA))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    doc = json.loads(text)
    validator(schema, registry=registry).validate(doc)
    return doc


def test_list_as_json_with_the_depth_a_check_would_use(workdir):
    write_spec(workdir, MAIN, "main.md")
    write_spec(workdir, "var x: 0..3\ninit { x = y }", "bad.md")
    code, out, err = cli("main.md", "--list", "--format", "json")
    assert (code, err) == (0, "")
    doc = list_json(out)
    assert doc["format"] == "mdcheck-list/1" and doc["result"] == "ok"
    configs = doc["specs"][0]["configurations"]
    assert [(c["name"], c["depth"]) for c in configs] == [("surprise", 6), ("expected", 6), ("stale", 1)]
    not_four = configs[1]["properties"][0]
    assert (not_four["name"], not_four["kind"], not_four["expected"]) == ("not_four", "invariant", "violated")
    assert (not_four["location"]["file"], not_four["location"]["line"]) == ("main.md", NOT_FOUR_LINE)
    assert configs[0]["actions"] == ["inc", "stuck"]

    code, out, _ = cli("main.md", "--list", "--depth", "9")  # --depth wins over a configuration's own
    assert re.findall(r"\(depth (\d+),", out) == ["9", "9", "9"]

    code, out, err = cli("main.md", "bad.md", "--list", "--format", "json")
    assert code == 3 and "error[MDC201]" in err
    doc = list_json(out)
    assert doc["exit_code"] == 3 and [s["exit_code"] for s in doc["specs"]] == [0, 3]
    assert doc["specs"][1]["configurations"] == [] and doc["specs"][1]["diagnostics"][0]["code"] == "MDC201"


def test_list_ptdesc_runs_no_solver(monkeypatch):
    monkeypatch.chdir(REPO)

    def no_solver(*args, **kwargs):
        raise AssertionError("--list must not check anything")
    for module, name in ((engine_runs, "run_engine"), (cli_module, "run_engine"), (bmc, "check"), (bmc, "cover"), (proving, "check")):
        monkeypatch.setattr(module, name, no_solver)
    started = time.monotonic()
    code, out, err = cli("specs/ptdesc.md", "--list")
    assert time.monotonic() - started < TIMEOUT_SLACK  # checking it takes minutes
    assert (code, err) == (0, "")
    configs = re.findall(r"^  config (\w+) \(depth (\d+), (\d+) actions\)$", out, re.M)
    assert [c for c, _, _ in configs] == ["patch6_loop", "cpa_collapse", "syzbot_pte_free_now", "thp_overlay",
                                          "thp_separate", "cpa_free_frozen", "boot_early", "boot_late", "fixed"]
    assert ("patch6_loop", "1", "2") in configs
    block = out.split("  config patch6_loop ", 1)[1].split("\n  config ", 1)[0]
    assert re.search(r"^    invariant  tail_pages_tagged +expect violated  \[specs/ptdesc\.md:\d+\]$", block, re.M)
    assert re.search(r"^    invariant  free_lists_well_formed +expect holds +\[models/buddy\.md:\d+\]$", block, re.M)
    cpa = out.split("  config cpa_collapse ", 1)[1].split("\n  config ", 1)[0]
    assert re.search(r"^    assert     page_ptdesc: memdesc is a page table +expect violated  "
                     r"\[models/slab_ptdesc\.md:\d+\]$", cpa, re.M)
    assert re.search(r"^    invariant  tail_pages_tagged +expect holds ", cpa, re.M)


# ---------------------------------------------------------------------------
# 7. the pytest plugin

def _list_count(cwd: Path, spec: str) -> int:
    proc = mdcheck(cwd, spec, "--list")
    assert proc.returncode == 0
    return len(re.findall(r"^    (invariant|lemma|assert|check) ", proc.stdout.decode(), re.M))


@pytest.mark.slow
def test_plugin_one_failing_item(tmp_path):
    write_spec(tmp_path, LATE, "x.md")  # not_three violated at depth 3 (line 7), range_x holds
    proc = run_pytest(tmp_path, "x.md")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert re.search(r"\b1 failed, 1 passed\b", output)
    assert "FAILED x.md::default::not_three" in output
    assert "default: invariant 'not_three' VIOLATED at depth 3 (expected: holds) [x.md:7]" in output
    assert "step 3: inc()    [x.md:6]" in output and "x : 2 -> 3" in output


@pytest.mark.slow
def test_plugin_all_as_expected(tmp_path):
    write_spec(tmp_path, EVEN + """
        invariant below_ten: x < 10
        config fine {
            expect below_ten violated
        }
        config no_toggle {
            disable toggle
            expect below_ten violated
        }
    """, "ok.md")
    count = _list_count(tmp_path, "ok.md")
    assert count == 6  # not_seven, below_ten, range_x in each configuration
    proc = run_pytest(tmp_path, "ok.md", "-v")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(rf"\b{count} passed\b", output) and "failed" not in output
    assert "ok.md::no_toggle::below_ten PASSED" in output


def test_plugin_bad_spec_is_a_collection_error(tmp_path):
    write_spec(tmp_path, BAD, "bad.md")
    proc = run_pytest(tmp_path, "bad.md")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output  # pytest: interrupted by collection errors
    assert "ERROR collecting bad.md" in output
    assert "bad.md:6:20: error[MDC201]: unknown name 'y'" in output
    assert "Traceback" not in output


def test_plugin_timeout_counts_for_each_configuration(workdir):
    # the plugin reads the flags at collection; a configuration checked later still gets its full --timeout
    write_spec(workdir, LATE, "x.md")
    options = cli_module.read_options(["--timeout", "600"])
    expired = dataclasses.replace(options, deadline=time.monotonic() - 1)
    prepared = cli_module.prepare_spec("x.md", expired)
    config = cli_module.check_model(prepared.models[0], expired)
    assert [r.outcome for r in config.results] == ["VIOLATED", "PROVED"]  # not_three, and x's range
    without_timeout = dataclasses.replace(expired, timeout=None)  # the deadline as given: already past
    config = cli_module.check_model(prepared.models[0], without_timeout)
    assert [r.outcome for r in config.results] == ["UNKNOWN", "UNKNOWN"]


@pytest.mark.slow
def test_plugin_honours_mdcheck_args(tmp_path):
    write_spec(tmp_path, LATE, "x.md")
    proc = run_pytest(tmp_path, "x.md", "--mdcheck-args=--engine bmc --depth 2")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output  # not_three needs depth 3: HOLDS to depth 2
    assert re.search(r"\b2 passed\b", output)
    proc = run_pytest(tmp_path, "x.md", "--mdcheck-args=--rlimit 1")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1 and re.search(r"\b2 failed\b", output), output  # UNKNOWN is never a pass
    assert "UNKNOWN (resource limit" in output
    proc = run_pytest(tmp_path, "x.md", "--mdcheck-args=--jobs 0")
    assert proc.returncode != 0 and "--jobs must be between 1 and 256, not 0" in proc.stdout + proc.stderr


def test_plugin_location_of_an_imported_property(tmp_path):
    (tmp_path / "models").mkdir()
    write_spec(tmp_path / "models", """
        var x: 0..6
        init { x = 0 }
        action inc() { require x < 6; x += 1 }
        invariant below_three: x < 3
    """, "m.md")
    write_spec(tmp_path, """
        import m
        var w: u8
        init { w = 0 }
    """, "spec.md")
    proc = run_pytest(tmp_path, "spec.md", "--junitxml=r.xml", "-o", "junit_family=xunit1")
    assert proc.returncode == 1, proc.stdout
    assert "[models/m.md:7]" in proc.stdout
    case, = [c for c in ET.parse(tmp_path / "r.xml").getroot().iter("testcase") if c.get("name") == "below_three"]
    assert case.get("file") == "models/m.md"


@pytest.mark.slow
def test_plugin_explicit_engine_cannot_enumerate(tmp_path):
    write_spec(tmp_path, """
        var x: 0..3
        var w: u64
        init { x = 0 }
        action inc() { require x < 3; x += 1 }
    """, "free.md")
    assert b"error[MDC404]" in mdcheck(tmp_path, "free.md", "--engine", "explicit").stderr
    proc = run_pytest(tmp_path, "free.md", "--mdcheck-args=--engine explicit")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "error[MDC404]" in output and "checker/engines/concrete/explicit.py" not in output


# ---------------------------------------------------------------------------
# 8. the progress line

class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shows_progress(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")  # the status line is cut at the terminal's width
    assert shows_progress(io.StringIO()) is False
    assert shows_progress(FakeTty()) is True
    monkeypatch.setenv("CI", "1")
    assert shows_progress(FakeTty()) is False
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "dumb")
    assert shows_progress(FakeTty()) is False

    stream = FakeTty()
    progress = Progress(stream, enabled=False)
    progress.show("nothing")
    progress.clear()
    assert stream.getvalue() == ""
    progress = Progress(stream, enabled=True)
    progress.show("BMC depth 1 of 2 done")
    assert stream.getvalue().startswith("\r\x1b[Kmdcheck: BMC depth 1 of 2 done, ")
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_on_a_terminal_leaves_stdout_alone(workdir, monkeypatch):
    write_spec(workdir, MAIN, "main.md")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "200")
    tty_out, tty_err = io.StringIO(), FakeTty()
    tty_code = cli_run(["main.md"], tty_out, tty_err)
    plain_out, plain_err = io.StringIO(), io.StringIO()
    plain_code = cli_run(["main.md"], plain_out, plain_err)
    assert tty_code == plain_code == 1
    assert tty_out.getvalue() == plain_out.getvalue()
    assert plain_err.getvalue() == ""
    err = tty_err.getvalue()
    assert "\r\x1b[Kmdcheck: surprise: BMC depth 2 of 6 done, " in err
    assert "\r\x1b[Kmdcheck: stale: BMC depth 1 of 1 done, " in err
    assert err.endswith("\r\x1b[K")  # erased at the end
    assert re.sub(r"\r\x1b\[K(mdcheck: [^\r]*)?", "", err) == ""  # nothing but the status line

    monkeypatch.setenv("CI", "true")
    ci_err = FakeTty()
    cli_run(["main.md"], io.StringIO(), ci_err)
    assert ci_err.getvalue() == ""


# ---------------------------------------------------------------------------
# 9. usage errors

@pytest.mark.parametrize("argv, message", [
    (["--jobs", "0"], "--jobs must be between 1 and 256, not 0"),
    (["--rlimit", "-1"], "--rlimit must be a number of resource units (0: no limit), not -1"),
    (["--format", "xml"], "invalid choice: 'xml'"),
])
def test_usage_errors(workdir, argv, message):
    write_spec(workdir, FIRE, "fire.md")
    code, out, err = cli("fire.md", *argv)
    assert code == 3 and out == ""
    assert err.startswith("mdcheck: error[MDC501]: ") and message in err


def test_report_file_that_cannot_be_written(tmp_path):
    write_spec(tmp_path, FIRE, "fire.md")
    (tmp_path / "afile").write_text("")
    for flag, target in (("--junit", "/nonexistent_dir/x.xml"), ("--sarif", "/nonexistent_dir/x.sarif"),
                         ("--itf", "afile")):
        proc = mdcheck(tmp_path, "fire.md", flag, target)
        err = proc.stderr.decode()
        assert proc.returncode == 3, err
        assert f"mdcheck: error[MDC001]: cannot write {target}: " in err
        assert "Traceback" not in err
