"""`--property NAME` (issue 21): only the named properties (and the lemmas) are checked and
reported, while the model's executions stay its own: an assert left out still ends every
execution that fails it, in every engine."""
from __future__ import annotations

import io
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from checker.cli import run

SPEC = textwrap.dedent('''\
    # Counter

    ```mdcheck
    type Count = 0..7
    var x: Count
    var y: Count
    init { x = 0  y = 0 }
    action inc() {
        assert x < 3, "x stays below 3"
        x = x + 1
    }
    action bump_y() {
        require y < 7
        y = y + 1
    }
    invariant x_at_most_3: x <= 3
    invariant y_small: y <= 1
    lemma y_in_range: y <= 7
    ```

    ```mdcheck
    config counter {
        depth 5
        expect "x stays below 3" violated
        expect y_small violated
    }
    config frozen_y {
        depth 5
        disable bump_y
        disable inc
    }
    ```
    ''')


def _run(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    spec = tmp_path / "counter.md"
    spec.write_text(SPEC)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", *argv, str(spec)], out, err)
    return code, out.getvalue(), err.getvalue()


def _json(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    code, out, _ = _run(tmp_path, "--format", "json", *argv)
    return code, json.loads(out)


ENGINES = ["auto", "bmc", "explicit"] + (["abc"] if shutil.which("berkeley-abc") or shutil.which("abc") else [])


@pytest.mark.parametrize("engine", ENGINES)
def test_an_assert_left_out_still_ends_the_executions_it_fails(tmp_path: Path, engine: str) -> None:
    # Without the assert, inc would take x to 4 at depth 4 and break x_at_most_3.
    code, doc = _json(tmp_path, "--engine", engine, "--config", "counter", "--property", "x_at_most_3")
    assert code == 0
    [config] = doc["specs"][0]["configurations"]
    reported = {p["name"]: p for p in config["properties"]}
    assert set(reported) == {"x_at_most_3", "y_in_range"}  # the lemma is checked too
    assert reported["x_at_most_3"]["outcome"] in ("PROVED", "HOLDS")
    assert {"name": "x stays below 3", "reason": "--property"} in config["not_checked"]
    assert {"name": "y_small", "reason": "--property"} in config["not_checked"]


def test_without_the_assert_the_selected_invariant_would_break(tmp_path: Path) -> None:
    """The control for the test above: that test could not fail if x_at_most_3 held anyway."""
    spec = tmp_path / "counter.md"
    spec.write_text(SPEC.replace('    assert x < 3, "x stays below 3"\n', "")
                    .replace('    expect "x stays below 3" violated\n', ""))
    assert "x stays below 3" not in spec.read_text()
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", "--format", "json", "--engine", "bmc", "--config", "counter",
                "--property", "x_at_most_3", str(spec)], out, err)
    assert code == 1, err.getvalue()
    [config] = json.loads(out.getvalue())["specs"][0]["configurations"]
    [x_at_most_3] = [p for p in config["properties"] if p["name"] == "x_at_most_3"]
    assert x_at_most_3["outcome"] == "VIOLATED" and x_at_most_3["depth"] == 4


def test_the_full_run_does_break_what_the_selection_leaves_out(tmp_path: Path) -> None:
    code, doc = _json(tmp_path, "--config", "counter")
    assert code == 0
    [config] = doc["specs"][0]["configurations"]
    outcomes = {p["name"]: p["outcome"] for p in config["properties"]}
    assert outcomes["x stays below 3"] == "VIOLATED" and outcomes["y_small"] == "VIOLATED"
    assert config["not_checked"] == []


def test_a_selected_property_keeps_its_verdict_and_its_expectation(tmp_path: Path) -> None:
    code, doc = _json(tmp_path, "--config", "counter", "--property", "y_small")
    assert code == 0
    [config] = doc["specs"][0]["configurations"]
    [y_small] = [p for p in config["properties"] if p["name"] == "y_small"]
    assert y_small["outcome"] == "VIOLATED" and y_small["depth"] == 2


def test_the_configuration_line_says_what_was_not_checked(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "--config", "counter", "--property", "x_at_most_3")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("  counter")]
    assert line.endswith("PROVED (all depths); not checked: 4 properties (--property)")  # with 2 implicit checks


def test_a_configuration_without_the_property_is_left_out_and_said_so(tmp_path: Path) -> None:
    spec = SPEC.replace("    disable inc\n", "    disable inc\n    disable y_in_range\n")
    (tmp_path / "counter.md").write_text(spec)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", "--property", "y_in_range", str(tmp_path / "counter.md")], out, err)
    assert code == 0
    assert "not checked: frozen_y (none of the properties --property names is theirs)" in err.getvalue()
    assert "  counter" in out.getvalue() and "frozen_y" not in out.getvalue()


def test_an_unknown_name_is_a_coded_error_with_a_suggestion(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "--property", "y_smal")
    assert code == 3
    assert "error[MDC502]: --property y_smal: no configuration checked has a property 'y_smal'" in err
    assert "did you mean 'y_small'?" in err


def test_the_selection_holds_in_worker_processes(tmp_path: Path) -> None:
    code, doc = _json(tmp_path, "--jobs", "2", "--property", "x_at_most_3")
    assert code == 0
    names = {c["name"]: {p["name"] for p in c["properties"]} for c in doc["specs"][0]["configurations"]}
    assert names == {"counter": {"x_at_most_3", "y_in_range"}, "frozen_y": {"x_at_most_3", "y_in_range"}}
