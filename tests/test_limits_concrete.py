"""Limits and wording of the concrete engines and the pytest plugin (issue 17).

- the explicit engine looks at the clock by work done (action runs, runs of init), so
  `--timeout` stops it soon after the deadline whatever the number of argument tuples;
  these tests drive a fake clock by the work counted, so they do not depend on the
  machine's speed;
- `mdcheck simulate` says where in a random run it found a violation ("found at step N of
  random run R"), never a depth, in every output;
- the pytest plugin honours `--strict` in `--mdcheck-args` as the CLI does.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import jsonschema

from checker.cli import run as cli_run
from checker.engines.concrete import explicit, havoc
from checker.engines.concrete.compiled import Compiler
from checker.engines.verdict import Unknown
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "checker" / "reports" / "schemas" / "mdcheck-results.schema.json"


def write_spec(directory: Path, body: str, name: str = "spec.md") -> Path:
    path = directory / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(tmp_path: Path, body: str, config: str = "default"):
    path = write_spec(tmp_path, body)
    return lower(collect_declarations(load_spec(str(path))), config, {})


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = list(argv)
    full = ["-v", "--summary-table"]  # the table and every trace
    argv = argv[:1] + full + argv[1:] if argv[:1] == ["simulate"] else full + argv
    return cli_run(argv, out, err), out.getvalue(), err.getvalue()


# 2. --timeout in the explicit engine, by work done

WIDE = """
    var x: 0..3
    init { x = 0 }
    action pair(a: u8, b: u8) {
        require a != b || a == 0
        x = (x + 1) % 4
    }
    invariant small: x < 4
"""

# init leaves a and b free and is blocked for all but one of their 32768 combinations
BLOCKED_INIT = """
    var a: u8
    var b: 0..127
    var x: 0..3
    init {
        require int(a) + b == 382
        x = 0
    }
    action tick() { x = (x + 1) % 4 }
    invariant small: x < 4
"""

SECONDS_PER_RUN = 0.001  # the fake clock: every run of an action or of init takes a millisecond
DEADLINE = 1.0           # so the deadline passes after 1000 runs
MAX_OVERSHOOT = 1024     # runs after the deadline before the engine stops


def _fake_clock(monkeypatch) -> dict[str, int]:
    """Count runs of actions and of init, and make the explicit engine's clock advance by them."""
    work = {"actions": 0, "inits": 0}

    class Counting(Compiler):
        def action(self, action):
            compiled = super().action(action)

            def counted(state, args):
                work["actions"] += 1
                return compiled(state, args)
            return counted

    real_run_init = havoc.run_init

    def counted_init(model, state):
        work["inits"] += 1
        return real_run_init(model, state)

    monkeypatch.setattr(explicit, "Compiler", Counting)
    monkeypatch.setattr(havoc, "run_init", counted_init)
    monkeypatch.setattr(explicit, "time",
                        SimpleNamespace(monotonic=lambda: (work["actions"] + work["inits"]) * SECONDS_PER_RUN))
    return work


def test_explicit_timeout_is_looked_at_within_the_actions_of_one_state(tmp_path, monkeypatch):
    # 65,536 argument tuples in every state: the old engine looked at the clock every 64
    # frontier states, so it ran all 65,536 tuples of the first state (65 "seconds" here)
    # before noticing a deadline of 1 second.
    model = lower_spec(tmp_path, WIDE)
    work = _fake_clock(monkeypatch)
    run = explicit.check(model, explicit.ExplicitOptions(deadline=DEADLINE))
    passed_at = DEADLINE / SECONDS_PER_RUN
    assert passed_at <= work["actions"] <= passed_at + MAX_OVERSHOOT, work
    assert run.action_runs == work["actions"]
    for prop in model.properties:
        verdict = run.verdicts[prop.name]
        assert isinstance(verdict, Unknown) and verdict.reason == "timeout", (prop.name, verdict)


def test_explicit_timeout_is_looked_at_while_init_is_enumerated(tmp_path, monkeypatch):
    # 1 + 256 + 32768 runs of init, all but one blocked: the old engine looked at the clock
    # only when init yielded a state, after all of them.
    model = lower_spec(tmp_path, BLOCKED_INIT)
    work = _fake_clock(monkeypatch)
    run = explicit.check(model, explicit.ExplicitOptions(deadline=DEADLINE))
    passed_at = DEADLINE / SECONDS_PER_RUN
    assert passed_at <= work["inits"] <= passed_at + MAX_OVERSHOOT, work
    assert work["actions"] == 0
    assert all(isinstance(v, Unknown) and v.reason == "timeout" for v in run.verdicts.values()), run.verdicts


def test_explicit_without_deadline_still_proves(tmp_path):
    # the same init, no deadline: the one initial state and its 4 successors, PROVED
    model = lower_spec(tmp_path, BLOCKED_INIT)
    run = explicit.check(model, explicit.ExplicitOptions())
    assert run.complete and run.states == 4 and run.action_runs == 4
    assert {type(v).__name__ for v in run.verdicts.values()} == {"Proved"}


def test_explicit_timeout_on_the_cli_is_unknown_and_exits_2(tmp_path):
    # a real clock: an already short timeout; whatever the machine, never HOLDS or PROVED
    spec = write_spec(tmp_path, WIDE.replace("x: 0..3", "x: 0..200").replace("% 4", "% 201")
                      .replace("x < 4", "x < 201"))
    code, out, err = cli(str(spec), "--engine", "explicit", "--timeout", "0.2", "--no-timing")
    assert code == 2, out + err
    assert "'small' is UNKNOWN: timeout" in out and "PROVED" not in out and "HOLDS" not in out


# 3. simulation says "found at step N of random run R", never a depth

WALK = """
    var x: 0..200
    init { x = 0 }
    action inc() {
        require x < 200
        x = x + 1
    }
    action dec() {
        require x > 0
        x = x - 1
    }
    invariant below_five: x < 5
"""


def test_simulation_violation_is_found_at_a_step_not_a_depth(tmp_path):
    spec = write_spec(tmp_path, WALK)
    junit, sarif, itf = tmp_path / "r.xml", tmp_path / "r.sarif", tmp_path / "itf"
    argv = ["simulate", str(spec), "--steps", "400", "--runs", "3", "--seed", "1", "--no-timing"]
    code, out, err = cli(*argv, "--junit", str(junit), "--sarif", str(sarif), "--itf", str(itf))
    assert code == 1, out + err
    header = next(line for line in out.splitlines() if line.startswith("--- "))
    found = re.search(r"VIOLATED, found at step (\d+) of random run (\d+)", header)
    assert found, header
    step, run = int(found.group(1)), int(found.group(2))
    assert step >= 5  # BMC breaks it at depth 5; a random walk gets there later, or at 5
    assert "depth" not in header and "not necessarily the shortest" in header
    # the summary table has a column of its own, and no depth column
    table = out.splitlines()[out.splitlines().index(next(l for l in out.splitlines() if l.startswith("config ")))]
    assert "found at step" in table and "depth" not in table
    row = next(line for line in out.splitlines() if line.startswith("default ") and "below_five" in line)
    assert re.search(rf"VIOLATED\s+{step}\s+UNEXPECTED", row), row
    assert f"'below_five' found at step {step} of run {run}" in out
    assert not re.search(r"\bdepth \d", out), out
    assert "shortest execution" not in out
    # JSON: no depth, the step and the run
    code, text, _ = cli(*argv, "--format", "json")
    doc = json.loads(text)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    (prop,) = [p for p in doc["specs"][0]["configurations"][0]["properties"] if p["name"] == "below_five"]
    assert prop["depth"] is None and prop["step"] == step and prop["found_in_run"] == run
    assert prop["trace"]["depth"] is None and len(prop["trace"]["steps"]) == step
    assert "depth" not in prop["summary"] and "found at step" in prop["summary"]
    # JUnit, SARIF, ITF
    junit_text = junit.read_text()
    assert f"found at step {step} of random run {run}" in junit_text and "at depth" not in junit_text
    sarif_text = sarif.read_text()
    assert "a shortest execution" not in sarif_text and "at depth" not in sarif_text
    assert f"a random run of {step} actions" in sarif_text
    (itf_file,) = itf.iterdir()
    meta = json.loads(itf_file.read_text())["#meta"]
    assert "depth" not in meta["description"] and "found at step" in meta["description"]
    assert meta["violation"]["depth"] is None and meta["violation"]["step"] == step


def test_bmc_still_reports_depth(tmp_path):
    spec = write_spec(tmp_path, WALK)
    code, out, _ = cli(str(spec), "--engine", "bmc", "--depth", "6", "--no-timing")
    assert code == 1
    assert "invariant 'below_five' VIOLATED at depth 5 (UNEXPECTED)" in out
    code, text, _ = cli(str(spec), "--engine", "bmc", "--depth", "6", "--format", "json")
    (prop,) = [p for p in json.loads(text)["specs"][0]["configurations"][0]["properties"]
               if p["name"] == "below_five"]
    assert prop["depth"] == 5 and prop["step"] is None and prop["trace"]["depth"] == 5


# 7. the plugin honours --strict

NEVER = """
    var x: 0..3
    init { x = 0 }
    action tick() { x = (x + 1) % 4 }
    action never() {
        require x > 2 && x < 3
        x = 0
    }
    invariant small: x < 4
"""


def run_pytest(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *argv],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_plugin_strict_fails_on_an_action_never_enabled(tmp_path):
    write_spec(tmp_path, NEVER, "x.md")
    code, out, _ = cli(str(tmp_path / "x.md"), "--strict", "--no-timing")
    assert code == 5
    (warning,) = [line for line in out.splitlines() if ": warning: " in line]
    warning = warning.replace(str(tmp_path) + os.sep, "")
    proc = run_pytest(tmp_path, "x.md", "-v", "--mdcheck-args=--strict")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert re.search(r"\b1 failed\b", output), output
    assert "x.md::default::coverage (--strict) FAILED" in output, output
    assert warning in output, (warning, output)
    # the same spec without --strict: the properties pass and there is no coverage item
    proc = run_pytest(tmp_path, "x.md", "-v")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "coverage (--strict)" not in output


def test_plugin_strict_passes_when_every_goal_is_met(tmp_path):
    write_spec(tmp_path, NEVER.replace("x > 2 && x < 3", "x == 3"), "ok.md")
    proc = run_pytest(tmp_path, "ok.md", "-v", "--mdcheck-args=--strict")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "ok.md::default::coverage (--strict) PASSED" in output
