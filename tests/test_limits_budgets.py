"""Resource budgets (issue 17): `--rlimit` bounds every query of BMC and of the coverage
pass, the path query included; `--proof-rlimit` grows by a share for each case of a split
step, so the default proves small models however many split cases their proof has.
"""
from __future__ import annotations

import io
import json
import re
import textwrap
import time
from pathlib import Path

import pytest
import z3

from checker.cli import run as cli_run
from checker.engines.symbolic.unrolling import Queries

# (2^31 - 1)(2^31 - 19): two primes, a 62-bit product Z3 takes tens of seconds (tens of
# millions of resource units) to factor. The only action needs its factors, so the path
# query of depth 1 ("is there a run of one step?") is that factoring; the property query
# is easy (n never changes).
P, Q = 2147483647, 2147483629
SEMIPRIME = f"""
    const N = {P * Q}
    var found: bool
    var n: 0..3
    init {{ found = false; n = 0 }}
    action factor(p: u32, q: u32) {{
        require p > 1 && q > 1 && u64(p) * u64(q) == N
        found = true
    }}
    invariant n_zero: n == 0
"""


def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["--no-timing", "-v", "--summary-table", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def properties(out: str) -> dict[str, dict]:
    doc = json.loads(out)
    return {p["name"]: p for c in doc["specs"][0]["configurations"] for p in c["properties"]}


def summary(out: str) -> dict[str, str]:
    """property -> outcome, from the text summary table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("config ") and "outcome" in line)
    rows = {}
    for line in lines[start + 2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != 7:
            break
        rows[cells[1]] = cells[4]
    assert rows, out
    return rows


# ---------------------------------------------------------------------------
# 1. --rlimit bounds the path query too

def test_path_query_stops_within_the_budget():
    ctx = z3.Context()
    queries = Queries(ctx, time.monotonic() + 10, 100_000)  # the deadline: a regression fails in 10 s
    p, q = z3.BitVecs("p q", 64, ctx=ctx)
    queries.add(z3.ULT(p, 1 << 32), z3.ULT(q, 1 << 32), z3.UGT(p, 1), z3.UGT(q, 1),
                p * q == z3.BitVecVal(P * Q, 64, ctx))
    started = time.monotonic()
    result, _, reason = queries.check_feasible()
    assert (result, reason) == (z3.unknown, "resource limit")
    assert time.monotonic() - started < 10
    assert queries.rlimit_left <= 0  # what it used is charged
    assert queries.check(z3.BoolVal(True, ctx))[::2] == (z3.unknown, "resource limit")  # nothing left


def test_hard_path_query_under_rlimit_is_unknown_not_holds(tmp_path):
    write_spec(tmp_path, SEMIPRIME)
    started = time.monotonic()
    # --timeout only so that a regression fails in bounded time
    code, out, err = cli(str(tmp_path / "spec.md"), "--engine", "bmc", "--depth", "2", "--rlimit", "100000",
                         "--timeout", "60", "--format", "json")
    assert time.monotonic() - started < 20
    p = properties(out)["n_zero"]
    assert (p["outcome"], p["reason"]) == ("UNKNOWN", "resource limit"), p
    assert code == 2


def test_hard_path_query_under_rlimit_is_not_proved_either(tmp_path):
    # the default engine: an unknown path query leaves nothing to prove (BMC did not hold)
    write_spec(tmp_path, SEMIPRIME)
    code, out, err = cli(str(tmp_path / "spec.md"), "--depth", "2", "--rlimit", "100000", "--timeout", "60")
    assert summary(out) == {"n_zero": "UNKNOWN"}, out
    assert "'n_zero' is UNKNOWN: resource limit" in out
    assert "PROVED" not in out and "HOLDS" not in out
    assert code == 2


def test_coverage_cut_off_by_rlimit_reports_nothing_uncovered(tmp_path):
    # whether `factor` is ever enabled is the factoring again: an unknown answer, so no
    # "never enabled" warning (which --strict would make an error)
    write_spec(tmp_path, SEMIPRIME)
    code, out, err = cli(str(tmp_path / "spec.md"), "--depth", "2", "--rlimit", "100000", "--timeout", "60",
                         "--strict", "--format", "json")
    doc = json.loads(out)
    assert all(c["warnings"] == [] for c in doc["specs"][0]["configurations"]), doc
    assert "never enabled" not in out + err
    assert code == 2  # unknown, not vacuous (5)


# ---------------------------------------------------------------------------
# 6. --proof-rlimit grows with the number of split cases

# 20 u64 words and two small counters: over 1300 bits, so the proof's last step is split
# into one query per action and argument tuple (induction.SPLIT_ABOVE_BITS); not_seven
# needs k = 3 (x stays even; see tests/test_proofs.py's EVEN).
TINY_WIDE = """
    type Idx = 0..19
    var words: [Idx] u64
    var x: 4..12
    var b: bool
    init {
        for i in Idx { words[i] = 0 }
        x = 4
        b = false
    }
    action step() { require x <= 10; x += 2 }
    action toggle() { b = !b }
    invariant not_seven: x != 7
    invariant words_zero: forall i in Idx: words[i] == 0
"""


def test_tiny_wide_model_is_proved_with_the_default_budget(tmp_path):
    write_spec(tmp_path, TINY_WIDE)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    assert set(summary(out).values()) == {"PROVED (k-induction, k=1)", "PROVED (k-induction, k=3)"}, out
    assert "stopped early" not in out


# The case: 1,296 bits (20 u64 words, two u8 counters) and a thousand argument tuples
# of `set`, so one split proof pass is a thousand queries of about 29,000 units each (29M in
# all). The 20M budget alone ran out ("k-induction stopped early: resource limit"); with
# 50,000 more for each case (70M) all three are proved.
MANY_CASES = """
    var words: [0..19] u64
    var x: u8
    var y: u8
    init {
        x = 0
        y = 0
        for i in 0..19 { words[i] = 0 }
    }
    action set(i: 0..19, v: 0..49) { words[i] = u64(v) }
    action shift() { x = y; y = 0 }
    invariant x_zero: x == 0
    invariant y_zero: y == 0
    invariant words_bounded: forall i in 0..19: words[i] < 50
"""


@pytest.mark.slow
def test_a_thousand_split_cases_are_proved_with_the_default_budget(tmp_path):
    write_spec(tmp_path, MANY_CASES)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    assert set(summary(out).values()) == {"PROVED (k-induction, k=1)"}, out
    assert "stopped early" not in out


def test_proof_budget_note_says_how_to_raise_it(tmp_path):
    write_spec(tmp_path, """
        var x: 0..9
        init { x = 0 }
        action inc() { require x < 9; x += 1 }
        invariant small: x <= 9
    """)
    code, out, err = cli(str(tmp_path / "spec.md"), "--proof-rlimit", "1")
    assert ("default: k-induction stopped early: resource limit (--proof-rlimit): its budget of 1 units, plus "
            "50_000 for each split case, ran out; raise --proof-rlimit or use 0 for no limit") in out, out
