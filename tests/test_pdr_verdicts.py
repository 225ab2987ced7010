"""IC3/PDR (`--engine pdr`) verdicts, issue 17: a model with no action to run, and a
property that breaks only beyond the BMC depth, which must not keep PDR from proving the
others.

Each system is small and its answer worked out by hand beside the assertions; the verdicts
of `--engine pdr` are compared with those of `--engine auto` (BMC, then k-induction).
"""
from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pytest
from test_proofs import summary  # tests/ is on sys.path under pytest's default import mode

from checker.cli import run as cli_run
from checker.engines.symbolic import pdr
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower


def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(path: Path, config: str = "default"):
    return lower(collect_declarations(load_spec(str(path))), config, {})


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["--no-timing", "-v", "--summary-table", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def outcome_word(row: dict[str, str]) -> str:
    """PROVED / HOLDS / VIOLATED / UNKNOWN, without the engine that said it."""
    return row["outcome"].split(" ")[0]


# ---------------------------------------------------------------------------
# 4. no action to run: nothing but the initial states is reachable

# x starts at 3 and nothing changes it: small (x <= 5) holds in the only reachable state,
# big (x >= 4) is false there (depth 0).
NO_ACTIONS_TRUE = """
    var x: 0..10
    init { x = 3 }
    invariant small: x <= 5
"""
NO_ACTIONS_FALSE = NO_ACTIONS_TRUE + "invariant big: x >= 4\n"

# With inc enabled x counts 0..10 and not_five breaks at depth 5. The config `frozen`
# disables inc: no action is left, x stays 0, and every property holds (not_zero is false
# at depth 0 in every configuration).
ALL_DISABLED = """
    var x: 0..10
    init { x = 0 }
    action inc() { require x < 10; x += 1 }
    invariant not_five: x != 5
    invariant in_range: x <= 10
    config frozen {
        disable inc
    }
"""
ALL_DISABLED_FALSE = ALL_DISABLED + "invariant not_zero: x != 0\n"


@pytest.mark.parametrize("depth", ["0", "3"])
@pytest.mark.parametrize("body, config, expected", [
    (NO_ACTIONS_TRUE, "default", {"small": "PROVED"}),
    (NO_ACTIONS_FALSE, "default", {"small": "PROVED", "big": "VIOLATED"}),
    (ALL_DISABLED, "frozen", {"not_five": "PROVED", "in_range": "PROVED"}),
    (ALL_DISABLED_FALSE, "frozen", {"not_five": "PROVED", "in_range": "PROVED", "not_zero": "VIOLATED"}),
], ids=["no-actions", "no-actions-violated", "all-disabled", "all-disabled-violated"])
def test_pdr_with_no_action_agrees_with_auto(tmp_path, depth, body, config, expected):
    path = str(write_spec(tmp_path, body))
    code, out, err = cli(path, "--engine", "pdr", "--depth", depth, "--config", config)
    auto_code, auto_out, auto_err = cli(path, "--engine", "auto", "--depth", depth, "--config", config)
    assert code in (0, 1), out + err  # not 4, an internal error
    rows, auto_rows = summary(out), summary(auto_out)
    assert {name: outcome_word(row) for name, row in rows.items()} == expected, out
    assert {name: outcome_word(row) for name, row in auto_rows.items()} == expected, auto_out
    assert code == auto_code == (1 if "VIOLATED" in expected.values() else 0)
    for name, verdict in expected.items():
        assert rows[name]["depth"] == auto_rows[name]["depth"]
        if verdict == "PROVED" and depth == "0":
            # BMC at depth 0 proves nothing by exhaustion: PDR is the one that proves it
            assert re.fullmatch(r"PROVED \(pdr, \d+ frames\)", rows[name]["outcome"]), rows[name]


def test_pdr_module_with_no_action(tmp_path):
    model = lower_spec(write_spec(tmp_path, ALL_DISABLED), "frozen")
    assert list(model.actions) == []
    run = pdr.prove(model, ("not_five", "in_range"), pdr.PdrOptions())
    assert set(run.proved) == {"not_five", "in_range"} and run.unknown is None
    assert run.reachable == ()


# ---------------------------------------------------------------------------
# 5. one property reachable beyond the depth does not block the proof of the others

# x counts 0..10 (inc) and y follows it; reset sets both to 0. not_five (x != 5) breaks
# first at depth 5, beyond --depth 2; y_le_x (y <= x) is inductive, and so are the range
# checks of the two increments (y <= x < 10 before inc). The assert "not_seven" in inc
# fails first in step 8 (x == 7 before it).
LATE_AND_TRUE = """
    var x: 0..10
    var y: 0..10
    init { x = 0; y = 0 }
    action inc() {
        require x < 10
        assert x != 7, "not_seven"
        x += 1
        y += 1
    }
    action reset() { x = 0; y = 0 }
    invariant not_five: x != 5
    invariant y_le_x: y <= x
"""

DEEPER_NOTE = "default: '{}': a violation exists deeper than depth 2: run with a larger --depth to see it"


def test_pdr_proves_the_true_property_beside_a_late_violation(tmp_path):
    path = str(write_spec(tmp_path, LATE_AND_TRUE))
    code, out, err = cli(path, "--engine", "pdr", "--depth", "2")
    auto_code, auto_out, _ = cli(path, "--engine", "auto", "--depth", "2")
    rows = summary(out)
    assert re.fullmatch(r"PROVED \(pdr, \d+ frames\)", rows["y_le_x"]["outcome"]), out
    assert rows["y_le_x"]["depth"] == "all"
    for late in ("not_five", "not_seven"):
        assert rows[late]["outcome"] == "HOLDS" and rows[late]["depth"] == "2", out
        assert DEEPER_NOTE.format(late) in out.splitlines(), out
    # every other property (the implicit range checks) is proved too
    for name, row in rows.items():
        if name not in ("not_five", "not_seven"):
            assert row["outcome"].startswith("PROVED (pdr"), (name, out)
    assert "DEEPER" not in out and "y_le_x': a violation" not in out
    assert code == auto_code == 0, out + err
    auto_rows = summary(auto_out)
    assert auto_rows["not_five"]["outcome"] == "HOLDS" and auto_rows["y_le_x"]["outcome"].startswith("PROVED")


def test_pdr_late_violations_are_found_at_their_depth(tmp_path):
    # deep enough, BMC finds both: the same exit code as the auto engine, no deeper-note
    path = str(write_spec(tmp_path, LATE_AND_TRUE))
    code, out, _ = cli(path, "--engine", "pdr", "--depth", "8")
    auto_code, _, _ = cli(path, "--engine", "auto", "--depth", "8")
    rows = summary(out)
    assert rows["not_five"]["outcome"] == "VIOLATED" and rows["not_five"]["depth"] == "5"
    assert rows["not_seven"]["outcome"] == "VIOLATED" and rows["not_seven"]["depth"] == "8"
    assert rows["y_le_x"]["outcome"].startswith("PROVED (pdr")
    assert "a violation exists deeper" not in out
    assert code == auto_code == 1


def test_pdr_module_names_the_reachable_properties(tmp_path):
    model = lower_spec(write_spec(tmp_path, LATE_AND_TRUE))
    names = tuple(p.name for p in model.properties)
    run = pdr.prove(model, names, pdr.PdrOptions())
    assert set(run.reachable) == {"not_five", "not_seven"}
    assert set(run.proved) == set(names) - {"not_five", "not_seven"}
    assert run.unknown is None and run.invariant


def test_pdr_unknown_proves_nothing(tmp_path):
    # a budget too small for any answer: nothing proved, nothing called reachable
    model = lower_spec(write_spec(tmp_path, LATE_AND_TRUE))
    names = tuple(p.name for p in model.properties)
    run = pdr.prove(model, names, pdr.PdrOptions(rlimit=1))
    assert run.proved == () and run.reachable == () and run.unknown == "resource limit"


def test_pdr_without_the_derivation_asks_one_candidate_at_a_time(tmp_path, monkeypatch):
    # if the reachable candidate cannot be read from Spacer's derivation, single queries
    # find it: the same verdicts, with more queries
    model = lower_spec(write_spec(tmp_path, LATE_AND_TRUE))
    names = tuple(p.name for p in model.properties)
    decoded = pdr.prove(model, names, pdr.PdrOptions())
    # all at once (sat), then two sat answers each naming its candidate, then unsat
    assert decoded.queries == 4
    monkeypatch.setattr(pdr, "_derived_index", lambda *args: None)
    asked = pdr.prove(model, names, pdr.PdrOptions())
    assert (set(asked.proved), set(asked.reachable)) == (set(decoded.proved), set(decoded.reachable))
    assert asked.queries > decoded.queries


def test_pdr_budget_is_shared_by_its_queries(tmp_path):
    # a budget enough for the first (sat) query but not for all of them: whatever is not
    # settled keeps its BMC verdict, and the run says it stopped at the resource limit
    model = lower_spec(write_spec(tmp_path, LATE_AND_TRUE))
    names = tuple(p.name for p in model.properties)
    run = pdr.prove(model, names, pdr.PdrOptions(rlimit=200_000))
    assert run.unknown == "resource limit" and run.proved == ()
    assert len(run.reachable) <= 1
