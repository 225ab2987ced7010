"""The README's first command and its "Use in CI" examples, run as written.

The GitHub Actions workflow and the GitLab CI job are read from the README with a YAML
parser; their install command must be the README's first command's, their `mdcheck`
commands are run (in a scratch folder that sees the repository's specs and models), and
what they write must be what the CI systems read: JUnit XML that validates and counts
every property, SARIF 2.1.0 that validates, one ITF trace per expected violation. The
parallel CI command must print exactly what the README's first command prints.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema
import yaml
from wall import HANG_SECONDS

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "tests" / "data" / "schemas"
README = (REPO / "README.md").read_text()


def yaml_blocks() -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, re.S)]


def github_workflow() -> dict:
    return next(b for b in yaml_blocks() if "jobs" in b)


def gitlab_job() -> dict:
    return next(b["mdcheck"] for b in yaml_blocks() if "mdcheck" in b and "script" in b["mdcheck"])


def first_command() -> str:
    lines = README.splitlines()
    return lines[lines.index("```sh") + 1]


def workspace(tmp_path: Path) -> Path:
    """A folder where specs/ and models/ are the repository's, and output files land."""
    for name in ("specs", "models"):
        (tmp_path / name).symlink_to(REPO / name, target_is_directory=True)
    return tmp_path


def run_mdcheck(command: str, cwd: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == "mdcheck"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "checker.cli", *argv[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_SECONDS)


def test_both_examples_parse_and_agree():
    workflow = github_workflow()
    steps = workflow["jobs"]["mdcheck"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert set(uses) == {"actions/checkout", "actions/setup-python", "github/codeql-action/upload-sarif",
                         "actions/upload-artifact"}
    assert str(uses["actions/setup-python"]["with"]["python-version"]) == "3.11"
    job = gitlab_job()
    assert job["image"] == "python:3.11"
    # the same two commands, and the install is the README's first command's
    assert runs == job["script"]
    install, check = runs
    assert first_command().startswith(install + " && mdcheck ")
    args = shlex.split(check)
    junit, sarif, itf = (args[args.index(flag) + 1] for flag in ("--junit", "--sarif", "--itf"))
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == sarif
    assert set(uses["github/codeql-action/upload-sarif"].get("if", "").split()) == {"always()"}
    assert uses["actions/upload-artifact"]["with"]["path"].split() == [junit, itf]
    assert job["artifacts"]["reports"]["junit"] == junit
    assert job["artifacts"]["paths"] == [sarif, itf + "/"]
    assert job["artifacts"]["when"] == "always"
    assert workflow["jobs"]["mdcheck"]["permissions"]["security-events"] == "write"


@pytest.mark.slow
def test_ci_command_runs_the_first_command_with_reports(tmp_path):
    # The CI command is the README's first command plus --jobs and report flags only; that
    # those change nothing printed is tests/test_reports.py's to show (on small specs, in
    # seconds), so the full check of specs/ptdesc.md runs here once, not twice.
    check = github_workflow()["jobs"]["mdcheck"]["steps"]
    command = [s["run"] for s in check if "run" in s][1]
    first = shlex.split(first_command().split(" && ", 1)[1])
    extra = shlex.split(command)[len(first):]
    assert shlex.split(command)[:len(first)] == first
    assert {a for a in extra if a.startswith("-")} == {"--jobs", "--junit", "--sarif", "--itf"}

    folder = workspace(tmp_path)
    ci = run_mdcheck(command, folder)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert ci.stderr == ""
    # one screen: a line per configuration naming its crash, what -v would add, the verdict
    lines = ci.stdout.splitlines()
    assert len(lines) <= 60, ci.stdout
    assert lines[-2] == "mdcheck: 9 configurations, 9 as expected (exit 0)", ci.stdout
    assert lines[-1].startswith("mdcheck: not proved, checked to a depth only: "), ci.stdout
    for config, crash in (("patch6_loop", "alloc_pages_memdesc() loop"), ("cpa_collapse", "dead000000000122"),
                          ("syzbot_pte_free_now", "kernel BUG in pte_free_now"), ("thp_overlay", "THP deposit"),
                          ("cpa_free_frozen", "__free_page()"), ("boot_early", "before the ptdesc cache"),
                          ("fixed", "every fix")):
        assert re.search(rf"^  {config}\s+.*{re.escape(crash)}.*as expected", ci.stdout, re.M) or \
            config == "fixed" and re.search(rf"^  {config}\s+.*{re.escape(crash)}", ci.stdout, re.M), config
    assert "--- " not in ci.stdout  # every violation was expected: no trace printed
    listed = run_mdcheck(first_command().split(" && ", 1)[1] + " --list", folder)
    rows = re.findall(r"^    (invariant|lemma|assert|check)\s+.+?\s+expect (holds|violated)\s", listed.stdout, re.M)
    args = shlex.split(command)
    junit, sarif, itf = (tmp_path / args[args.index(flag) + 1] for flag in ("--junit", "--sarif", "--itf"))

    xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd")).validate(str(junit))
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and int(root.get("tests")) == len(rows) > 300
    assert root.get("failures") == root.get("errors") == "0"
    assert len(root.findall("testsuite")) == 9

    log = json.loads(sarif.read_text())
    jsonschema.Draft7Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(log)
    results = log["runs"][0]["results"]
    warnings = sum(int(n) for n in re.findall(r"(\d+) coverage gaps?\b", ci.stdout))
    vacuous = [r for r in results if r["ruleId"] == "vacuous"]
    assert len(vacuous) == warnings and all(r["level"] == "note" for r in vacuous)
    unproved = [r for r in results if r["ruleId"] != "vacuous"]  # bounded only where a proof was tried
    assert unproved and all(r["ruleId"] == "not-proved" and r["level"] == "warning" for r in unproved)
    assert {r["message"]["text"].split(":")[0] for r in unproved} <= {"thp_separate", "boot_late", "fixed"}

    expected_violations = sum(1 for _, expect in rows if expect == "violated")
    traces = sorted(itf.iterdir())
    assert len(traces) == expected_violations
    assert all(json.loads(t.read_text())["#meta"]["violation"]["expected"] for t in traces)
