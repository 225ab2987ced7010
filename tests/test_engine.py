"""Engine tests: small systems whose verdicts and shortest depths are worked out by hand.

Every test writes a spec to tmp_path, lowers one configuration and runs the bounded model
checker (or the CLI). The expected answer of each system is derived in a comment next to
the assertions; a failure here means the engine disagrees with that hand calculation.

Conventions (from checker/bmc.py): depth = number of actions in the counterexample; an
assert or implicit check failing inside the k-th action is a violation at depth k; an
invariant false in the state after k actions is a violation at depth k; a property that
cannot be violated because every execution stops by depth j is Proved("bmc", ...).

Every Violated verdict any test obtains is replayed in the concrete interpreter
(checker.engines.concrete.replay.replay), which must accept it.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from wall import HANG_SECONDS, TIMEOUT_SLACK

from checker.cli import run as cli_run
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Proved, Unknown, Violated
from checker.frontend.loader import load_spec
from checker.ir import c_div
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# helpers

def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(tmp_path: Path, body: str, config: str = "default", overrides: dict | None = None,
               name: str = "spec.md"):
    path = write_spec(tmp_path, body, name)
    decls = collect_declarations(load_spec(str(path)))
    return lower(decls, config, overrides or {})


def check_model(model, depth: int, deadline: float | None = None) -> dict:
    """bmc.check on a lowered model; every violation's trace must replay."""
    result = bmc.check(model, bmc.BmcOptions(depth, deadline))
    assert set(result.verdicts) == {p.name for p in model.properties}
    for prop in model.properties:
        verdict = result.verdicts[prop.name]
        if isinstance(verdict, Violated):
            assert verdict.depth == verdict.trace.depth, prop.name
            replay(model, verdict.trace, prop)  # raises ReplayError if the trace does not replay
    return result.verdicts


def check_spec(tmp_path: Path, body: str, depth: int, config: str = "default",
               overrides: dict | None = None) -> tuple[object, dict]:
    model = lower_spec(tmp_path, body, config, overrides)
    return model, check_model(model, depth)


def violated_at(verdicts: dict, name: str, depth: int) -> Violated:
    v = verdicts[name]
    assert isinstance(v, Violated), f"{name}: expected a violation at depth {depth}, got {v}"
    assert v.depth == depth, f"{name}: expected depth {depth}, got {v.depth}"
    return v


def holds_to(verdicts: dict, name: str, depth: int) -> None:
    v = verdicts[name]
    assert v == HoldsToDepth(depth), f"{name}: expected HOLDS to depth {depth}, got {v}"


def proved_by_bmc(verdicts: dict, name: str) -> None:
    v = verdicts[name]
    assert isinstance(v, Proved) and v.engine == "bmc", f"{name}: expected Proved(bmc), got {v}"


def final_state(v: Violated) -> dict:
    return dict(v.trace.final_state())


def actions_of(v: Violated) -> list[str]:
    return [s.action for s in v.trace.steps]


def args_of(v: Violated, step: int) -> dict:
    return dict(v.trace.steps[step].args)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["-v", "--summary-table", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------
# counters

COUNTER = """
    const N = 10
    const K = 3
    var x: 0..N
    init { x = 0 }
    action inc() {
        require x < N
        x = x + 1
    }
    invariant small: x < K
"""


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_counter_violated_at_depth_k(tmp_path, k):
    # Only action: inc, x goes 0, 1, 2, ... one per step, so after j actions x == j.
    # x < K first fails when j == K: violated at depth exactly K; the trace is K incs
    # ending in x == K. With --depth K-1 the invariant holds to depth K-1.
    # range_x: x + 1 <= N is guarded by require x < N, so it never fails.
    model, verdicts = check_spec(tmp_path, COUNTER, depth=k + 2, overrides={"K": k})
    v = violated_at(verdicts, "small", k)
    assert actions_of(v) == ["inc"] * k
    assert dict(v.trace.initial) == {"x": 0}
    assert final_state(v) == {"x": k}
    assert [s.state["x"] for s in v.trace.steps] == list(range(1, k + 1))
    assert v.trace.failed_in_step is False
    holds_to(verdicts, "range_x", k + 2)
    if k >= 1:
        verdicts = check_model(model, k - 1)
        holds_to(verdicts, "small", k - 1)


def test_counter_runs_out_of_actions_is_proved(tmp_path):
    # N = 4, K = 6: x stops at 4 after 4 incs (require x < N), so x < 6 always. At depth 5
    # no action is enabled: every execution stops by depth 4 => Proved by bmc.
    _, verdicts = check_spec(tmp_path, COUNTER, depth=8, overrides={"N": 4, "K": 6})
    proved_by_bmc(verdicts, "small")
    proved_by_bmc(verdicts, "range_x")
    assert "depth 4" in verdicts["small"].detail


def test_two_increments_shortest_path_to_seven(tmp_path):
    # inc2 adds 2, inc3 adds 3. Reachable values by depth:
    #   depth 1: {2, 3}; depth 2: {4, 5, 6}; depth 3: {6, 7, 8, 9} (7 = 2+2+3 in some order).
    # So x != 7 is first violated at depth 3, and the steps' increments sum to 7 (two inc2,
    # one inc3). With --depth 2 it holds to depth 2.
    spec = """
        var x: 0..30
        init { x = 0 }
        action inc2() {
            require x <= 28
            x = x + 2
        }
        action inc3() {
            require x <= 27
            x = x + 3
        }
        invariant not_seven: x != 7
    """
    model, verdicts = check_spec(tmp_path, spec, depth=5)
    v = violated_at(verdicts, "not_seven", 3)
    step = {"inc2": 2, "inc3": 3}
    assert sum(step[a] for a in actions_of(v)) == 7
    assert sorted(actions_of(v)) == ["inc2", "inc2", "inc3"]
    # the intermediate states are the running sums
    running = 0
    for s in v.trace.steps:
        running += step[s.action]
        assert s.state == {"x": running}
    assert final_state(v) == {"x": 7}
    holds_to(verdicts, "range_x", 5)
    holds_to(check_model(model, 2), "not_seven", 2)


def test_nondeterministic_parameter(tmp_path):
    # set(v) may pick any v in 0..7; x != 5 breaks after one action, with v = 5.
    spec = """
        var x: 0..7
        init { x = 0 }
        action set(v: 0..7) { x = v }
        invariant not_five: x != 5
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    v = violated_at(verdicts, "not_five", 1)
    assert actions_of(v) == ["set"]
    assert args_of(v, 0) == {"v": 5}
    assert final_state(v) == {"x": 5}


# ---------------------------------------------------------------------------
# bit-vectors

# Every identity appears twice: an assert that must hold ("ok_*", all in probe(), which has
# no require and so is always enabled: they hold to the full depth) and a negation that
# must fail ("bad_*"). An action stops at its first failing assert, so each bad_* sits in
# its own branch of probe_bad(which): bad number i is violated at depth 1 with which == i.
BITS_STATE = """
    var ff: u8
    var hi: u8
    var lo7f: u8
    var n300: 0..400
    var m1: -5..5
    var w: u32
    var sh: 0..40
    init {
        sh = 9
        ff = 0xff
        hi = 0x80
        lo7f = 0x7f
        n300 = 300
        m1 = -1
        w = 0xf0f0_0000
    }
"""

BITS_OK = [
    # wraparound: 0xff + 1 == 0 in u8; and back
    "ff + 1 == 0",
    "(ff + 1) - 1 == ff",
    "ff * 2 == 0xfe",
    "-hi == hi",
    # shifts by the width or more give 0
    "(ff << 8) == 0",
    "(ff >> 8) == 0",
    "(ff << 200) == 0",
    "(ff << 4) == 0xf0",
    "(hi >> 7) == 1",
    "(w >> 32) == 0",
    "(w >> 28) == 0xf",
    # shift amounts held in an integer variable (sh == 9): >= 8 for u8, < 32 for u32
    "(ff << sh) == 0",
    "(ff >> sh) == 0",
    "(w << sh) == 0xe000_0000",
    "(w >> sh) == 0x78_7800",
    # ~ & | ^
    "~ff == 0",
    "~hi == 0x7f",
    "(ff & 0x3c) == 0x3c",
    "(hi & lo7f) == 0",
    "(hi | lo7f) == 0xff",
    "(ff ^ 0x0f) == 0xf0",
    # unsigned comparison: 0x80 > 0x7f (as signed bytes it would be -128 < 127)
    "hi > lo7f",
    "ff > hi",
    "!(hi < lo7f)",
    # int(u8) is the unsigned value, and int arithmetic does not wrap
    "int(ff) == 255",
    "int(ff) + 1 == 256",
    "int(hi) - int(lo7f) == 1",
    # u8(int) truncates: 300 -> 44 and -1 -> 0xff, for constants and for variables
    "u8(300) == 44",
    "u8(-1) == 0xff",
    "u8(n300) == 44",
    "u8(m1) == 0xff",
    # u8 -> u32 zero-extends, u32 -> u8 keeps the low byte
    "u32(hi) == 0x80",
    "u8(w >> 24) == 0xf0",
]

BITS_BAD = [
    "ff + 1 != 0",
    "(ff << 8) != 0",
    "(ff >> 8) != 0",
    "~hi != 0x7f",
    "(ff ^ 0x0f) != 0xf0",
    "hi < lo7f",
    "int(ff) == -1",
    "u8(n300) != 44",
    "u8(m1) != 0xff",
    "int(u8(m1)) == -1",
    "(ff >> sh) == 0x7f",
]


def _bits_spec() -> str:
    ok = "\n".join(f'        assert {c}, "ok_{i}"' for i, c in enumerate(BITS_OK))
    bad = "\n".join(f'        if which == {i} {{ assert {c}, "bad_{i}" }}' for i, c in enumerate(BITS_BAD))
    return (textwrap.dedent(BITS_STATE)
            + "action probe() {\n" + ok + "\n}\n"
            + f"action probe_bad(which: 0..{len(BITS_BAD) - 1}) {{\n" + bad + "\n}\n")


def test_bitvector_arithmetic(tmp_path):
    model, verdicts = check_spec(tmp_path, _bits_spec(), depth=2)
    assert {p.name for p in model.properties} == \
        {f"ok_{i}" for i in range(len(BITS_OK))} | {f"bad_{i}" for i in range(len(BITS_BAD))}
    for i, cond in enumerate(BITS_OK):
        assert verdicts[f"ok_{i}"] == HoldsToDepth(2), f"{cond}: {verdicts[f'ok_{i}']}"
    for i, cond in enumerate(BITS_BAD):
        v = verdicts[f"bad_{i}"]
        assert isinstance(v, Violated) and v.depth == 1, f"{cond}: {v}"
        assert v.trace.failed_in_step and actions_of(v) == ["probe_bad"] and args_of(v, 0) == {"which": i}


def test_bitvector_symbolic_operands(tmp_path):
    # The same laws with solver-chosen operands (action parameters), so nothing folds.
    # law() holds for every a, b, s (it is always enabled, so: HOLDS to depth 2):
    # - (a << s) == 0 and (a >> s) == 0 whenever s >= 8;
    # - a + 1 == 0 exactly when a == 0xff; | and & order; xor involution; ~ laws.
    # breaks(which, a, b) has one failing assert per branch, each violated at depth 1:
    # - 0: a + 1 != 0 fails only for a = 0xff;
    # - 1: "a > b => a < 0x80 || b >= 0x80" (unsigned > agreeing with signed >) fails only
    #      when a >= 0x80 > b;
    # - 2: int(a) - int(b) == int(a - b) fails exactly when a < b (u8 subtraction wraps).
    spec = """
        var last: u8
        init { last = 0 }
        action law(a: u8, b: u8, s: u8) {
            if s >= 8 {
                assert (a << s) == 0 && (a >> s) == 0, "big_shift_zero"
            }
            assert (a + 1 == 0) == (a == 0xff), "wrap_iff"
            assert (a | b) >= a && (a & b) <= a, "or_and_order"
            assert (a ^ b) ^ b == a, "xor_involution"
            assert ~~a == a && (a & ~a) == 0 && (a | ~a) == 0xff, "not_laws"
            assert int(a - b) == (a >= b ? int(a) - int(b) : int(a) - int(b) + 256), "sub_mod_256"
            last = a
        }
        action breaks(which: 0..2, a: u8, b: u8) {
            if which == 0 { assert a + 1 != 0, "wraps" }
            if which == 1 { assert a > b => (a < 0x80 || b >= 0x80), "signed_order" }
            if which == 2 { assert int(a) - int(b) == int(a - b), "sub_no_wrap" }
        }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    for name in ("big_shift_zero", "wrap_iff", "or_and_order", "xor_involution", "not_laws", "sub_mod_256"):
        holds_to(verdicts, name, 2)
    v = violated_at(verdicts, "wraps", 1)
    assert args_of(v, 0)["which"] == 0 and args_of(v, 0)["a"] == 0xff
    v = violated_at(verdicts, "signed_order", 1)
    a, b = args_of(v, 0)["a"], args_of(v, 0)["b"]
    assert args_of(v, 0)["which"] == 1 and a >= 0x80 > b
    v = violated_at(verdicts, "sub_no_wrap", 1)
    a, b = args_of(v, 0)["a"], args_of(v, 0)["b"]
    assert args_of(v, 0)["which"] == 2 and a < b


# ---------------------------------------------------------------------------
# integer division and modulo: truncation toward zero, as in C

def c_rem(a: int, b: int) -> int:
    return a - b * c_div(a, b)


def test_division_truncates_toward_zero(tmp_path):
    # C semantics: -7 / 2 == -3, -7 % 2 == -1, 7 / -2 == -3, 7 % -2 == 1, -7 / -2 == 3,
    # -7 % -2 == -1 (floor division would give -4 and 1 for the first pair).
    # exact(): every assert holds, on constants (folded), on state (na = -7, two = 2) and
    # the C identity (a / b) * b + a % b == a for solver-chosen a, b != 0.
    # wrong(which, a, b): each branch has an assert that must fail at depth 1:
    #   0: na / two == -4 (floor) is false                -> violated
    #   1: na % two == 1 (floor) is false                 -> violated
    #   2: a / b != -3 fails for a, b with trunc(a/b) == -3, e.g. a = -7, b = 2
    #   3: a % b >= 0 fails for negative a not divisible by b, e.g. a = -7, b = 2
    # The divisors b range over -3..3 but `require b != 0` comes first, so div_by_zero
    # (declared by a / b with b possibly 0) holds.
    spec = """
        const Q = -7 / 2
        const R = -7 % 2
        var na: -8..8
        var two: -2..2
        init {
            na = -7
            two = 2
        }
        action exact(a: -8..8, b: -3..3) {
            require b != 0
            assert Q == -3 && R == -1, "const_fold"
            assert -7 / 2 == -3 && -7 % 2 == -1 && 7 / -2 == -3 && 7 % -2 == 1, "lit_fold"
            assert -7 / -2 == 3 && -7 % -2 == -1, "lit_fold_negneg"
            assert na / two == -3 && na % two == -1, "state_div"
            assert (-na) / two == 3 && (-na) % two == 1, "state_div_pos"
            assert na / (-two) == 3 && na % (-two) == -1, "state_div_negneg"
            assert (a / b) * b + a % b == a, "c_identity"
            assert (a >= 0) == (a % b >= 0) || a % b == 0, "rem_sign_follows_dividend"
        }
        action wrong(which: 0..3, a: -8..8, b: -3..3) {
            require b != 0
            if which == 0 { assert na / two == -4, "floor_div" }
            if which == 1 { assert na % two == 1, "floor_mod" }
            if which == 2 { assert a / b != -3, "div_minus3" }
            if which == 3 { assert a % b >= 0, "mod_nonneg" }
        }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    for name in ("const_fold", "lit_fold", "lit_fold_negneg", "state_div", "state_div_pos",
                 "state_div_negneg", "c_identity", "rem_sign_follows_dividend", "div_by_zero"):
        holds_to(verdicts, name, 2)
    for which, name in enumerate(("floor_div", "floor_mod", "div_minus3", "mod_nonneg")):
        v = violated_at(verdicts, name, 1)
        assert actions_of(v) == ["wrong"] and args_of(v, 0)["which"] == which
    args = args_of(verdicts["div_minus3"], 0)
    assert c_div(args["a"], args["b"]) == -3 and args["b"] != 0
    args = args_of(verdicts["mod_nonneg"], 0)
    assert c_rem(args["a"], args["b"]) < 0 and args["a"] < 0


# ---------------------------------------------------------------------------
# arrays, enums, records

ARRAYS = """
    type Idx = 2..5
    enum Color { RED, GREEN, BLUE }
    record Slot {
        used: bool
        val: u8
    }
    var arr: [Idx] 0..1
    var prev: [Idx] 0..1
    var last: Idx
    var written: bool
    var byc: [Color] 0..9
    var slots: [Idx] Slot
    init {
        for j in Idx {
            arr[j] = 0
            slots[j].used = false
            slots[j].val = 0
        }
        prev = arr
        last = 2
        written = false
        for c in Color { byc[c] = 0 }
    }
    // a write through a symbolic index: must change arr[i] and nothing else
    action toggle(i: Idx) {
        prev = arr
        last = i
        written = true
        arr[i] = 1 - arr[i]
    }
    action paint(c: Color) {
        require byc[c] < 9
        byc[c] += 1
    }
    action fill(i: Idx, v: u8) {
        require !slots[i].used
        slots[i].used = true
        slots[i].val = v
    }
    invariant exactly_one_changed:
        written => forall j in Idx: (arr[j] != prev[j]) == (j == last)
    invariant change_count: (count j in Idx: arr[j] != prev[j]) == (written ? 1 : 0)
    invariant four_unchanged: arr[4] == prev[4]
    invariant blue_small: byc[BLUE] < 2
    invariant colors_small: (sum c in Color: byc[c]) < 3
    invariant unused_slots_zero: forall j in Idx: !slots[j].used => slots[j].val == 0
    invariant slot3_not_42: slots[3].val != 0x42
"""


def test_arrays_enums_records(tmp_path):
    # exactly_one_changed / change_count: toggle flips arr[i] (0 <-> 1) after saving the
    #   old array in prev, so exactly the element `last` differs. paint/fill leave arr and
    #   prev alone, so the last toggle's difference stays. Both hold.
    # four_unchanged: toggle(i=4) makes arr[4] != prev[4] after one action: depth 1.
    # blue_small: byc[BLUE] goes 0 -> 1 -> 2 with two paint(BLUE): depth 2, both args BLUE
    #   (enum values are member indices: BLUE == 2).
    # colors_small: the sum over colours grows by one per paint: 3 paints, depth 3.
    # unused_slots_zero: fill writes val only together with used: holds.
    # slot3_not_42: fill(i=3, v=0x42): depth 1.
    _, verdicts = check_spec(tmp_path, ARRAYS, depth=3)
    holds_to(verdicts, "exactly_one_changed", 3)
    holds_to(verdicts, "change_count", 3)
    holds_to(verdicts, "unused_slots_zero", 3)
    v = violated_at(verdicts, "four_unchanged", 1)
    assert actions_of(v) == ["toggle"] and args_of(v, 0) == {"i": 4}
    # positions: Idx = 2..5, so arr[4] is the third element
    assert final_state(v)["arr"] == (0, 0, 1, 0) and final_state(v)["prev"] == (0, 0, 0, 0)
    v = violated_at(verdicts, "blue_small", 2)
    assert actions_of(v) == ["paint", "paint"]
    assert [args_of(v, k) for k in range(2)] == [{"c": 2}, {"c": 2}]
    assert final_state(v)["byc"] == (0, 0, 2)
    v = violated_at(verdicts, "colors_small", 3)
    assert actions_of(v) == ["paint"] * 3 and sum(final_state(v)["byc"]) == 3
    v = violated_at(verdicts, "slot3_not_42", 1)
    assert actions_of(v) == ["fill"] and args_of(v, 0) == {"i": 3, "v": 0x42}
    assert final_state(v)["slots"][1] == (True, 0x42)


def test_negative_ranges_and_many_actions(tmp_path):
    # Negative ranges as values, parameters and array indices; an enum of 5 members walked
    # by 4 actions (a 3-bit action selector with 6 actions in all).
    #   not_m2: set(v = -2): depth 1.
    #   arr_m2: arr[-2] (the first element) set to 3 by put(-2, 3): depth 1.
    #   sum_arr: arr starts [-2, -1, 0, 1] (sum -2); -12 needs all four at -3, and no element
    #     starts at -3: four puts, depth 4.
    #   e_not_f: A -> B -> C -> D -> F takes a1..a4 in order: depth 4.
    #   arr_in_range: holds.
    spec = """
        type Idx = -2..1
        enum E { A, B, C, D, F }
        var x: -5..5
        var arr: [Idx] -3..3
        var e: E
        init {
            x = 0
            e = A
            for i in Idx { arr[i] = i }
        }
        action set(v: -3..3) { x = v }
        action put(i: Idx, v: -3..3) { arr[i] = v }
        action a1() { e = B }
        action a2() { require e == B; e = C }
        action a3() { require e == C; e = D }
        action a4() { require e == D; e = F }
        invariant not_m2: x != -2
        invariant arr_m2: arr[-2] != 3
        invariant sum_arr: (sum i in Idx: arr[i]) != -12
        invariant e_not_f: e != F
        invariant arr_in_range: forall i in Idx: arr[i] >= -3 && arr[i] <= 3
    """
    model, verdicts = check_spec(tmp_path, spec, depth=4)
    v = violated_at(verdicts, "not_m2", 1)
    assert args_of(v, 0) == {"v": -2} and final_state(v)["x"] == -2
    v = violated_at(verdicts, "arr_m2", 1)
    assert args_of(v, 0) == {"i": -2, "v": 3} and final_state(v)["arr"] == (3, -1, 0, 1)
    v = violated_at(verdicts, "sum_arr", 4)
    assert final_state(v)["arr"] == (-3, -3, -3, -3)
    assert sorted(args_of(v, k)["i"] for k in range(4)) == [-2, -1, 0, 1]
    v = violated_at(verdicts, "e_not_f", 4)
    assert actions_of(v) == ["a1", "a2", "a3", "a4"] and final_state(v)["e"] == 4
    holds_to(verdicts, "arr_in_range", 4)
    holds_to(check_model(model, 3), "sum_arr", 3)


def test_symbolic_index_write_touches_one_element(tmp_path):
    # a[i] = 1 with i chosen by the solver, from all zeros: afterwards exactly one element
    # is 1 and it is a[i]. Stated as asserts inside the action (checked right after the
    # write) and as invariants; all hold. Writing a second time with j != i gives two ones:
    # count == 2 is reachable at depth 2, never at depth 1.
    spec = """
        type Idx = 0..4
        var a: [Idx] 0..1
        var ghost_i: Idx
        init {
            for k in Idx { a[k] = 0 }
            ghost_i = 0
        }
        action write(i: Idx) {
            let before = count k in Idx: a[k] == 1
            let was = a[i]
            a[i] = 1
            ghost_i = i
            assert a[i] == 1, "written"
            assert (count k in Idx: a[k] == 1) == before + (was == 0 ? 1 : 0), "one_more"
        }
        invariant last_write_kept: a[ghost_i] == 1 || (count k in Idx: a[k] == 1) == 0
        invariant at_most_one: (count k in Idx: a[k] == 1) <= 1
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    holds_to(verdicts, "written", 3)
    holds_to(verdicts, "one_more", 3)
    holds_to(verdicts, "last_write_kept", 3)
    v = violated_at(verdicts, "at_most_one", 2)
    first, second = args_of(v, 0)["i"], args_of(v, 1)["i"]
    assert first != second
    assert final_state(v)["a"] == tuple(1 if k in (first, second) else 0 for k in range(5))


def test_nested_arrays_bool_index_and_record_copy(tmp_path):
    # m[i][j] = 1 with symbolic i, j writes one cell of the 3x3 grid: the count of ones
    #   grows by at most one per put (assert one_cell, holds), and a 2nd distinct cell
    #   needs a 2nd put: "one_one" (count <= 1) is violated at depth 2.
    # side[b] is indexed by bool: flip(b) sets side[b] = true. side[false] && side[true]
    #   needs flip(false) and flip(true): depth 2.
    # copy(i, j) copies the record r[j] into r[i] (whole-record assignment). set_tag only
    #   writes r[0] and r[1], so r[2].tag == 7 needs set_tag(i, 7) then copy(2, i):
    #   "r2_untouched" violated at depth 2.
    spec = """
        type Idx = 0..2
        record R {
            tag: 0..7
            on: bool
        }
        var m: [Idx] [Idx] 0..1
        var side: [bool] bool
        var r: [Idx] R
        init {
            for i in Idx {
                for j in Idx { m[i][j] = 0 }
                r[i].tag = 0
                r[i].on = false
            }
            for b in bool { side[b] = false }
        }
        action put(i: Idx, j: Idx) {
            let before = count a in Idx, b in Idx: m[a][b] == 1
            m[i][j] = 1
            assert m[i][j] == 1, "put_written"
            assert (count a in Idx, b in Idx: m[a][b] == 1) <= before + 1, "one_cell"
        }
        action flip(b: bool) { side[b] = true }
        action set_tag(i: 0..1, t: 0..7) {
            r[i].tag = t
            r[i].on = true
        }
        action copy(i: Idx, j: Idx) { r[i] = r[j] }
        invariant one_one: (count a in Idx, b in Idx: m[a][b] == 1) <= 1
        invariant one_side: !(side[false] && side[true])
        invariant any_side_bool: (forall b in bool: !side[b]) || (exists b in bool: side[b])
        invariant r2_untouched: r[2].tag != 7
        invariant on_if_tagged: forall i in Idx: r[i].tag != 0 => r[i].on
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    for name in ("put_written", "one_cell", "any_side_bool", "on_if_tagged"):
        holds_to(verdicts, name, 3)
    v = violated_at(verdicts, "one_one", 2)
    cells = {(args_of(v, k)["i"], args_of(v, k)["j"]) for k in range(2)}
    assert len(cells) == 2
    assert final_state(v)["m"] == tuple(tuple(1 if (i, j) in cells else 0 for j in range(3)) for i in range(3))
    v = violated_at(verdicts, "one_side", 2)
    assert sorted(args_of(v, k)["b"] for k in range(2)) == [False, True]
    assert final_state(v)["side"] == (True, True)
    v = violated_at(verdicts, "r2_untouched", 2)
    assert final_state(v)["r"][2] == (7, True)
    assert actions_of(v) == ["set_tag", "copy"]
    assert args_of(v, 0)["t"] == 7 and args_of(v, 1) == {"i": 2, "j": args_of(v, 0)["i"]}


def test_mutable_locals_loops_and_procs(tmp_path):
    # tally() counts the ones of a with a mutable local in a for loop and compares with
    # count (holds). bump_all(d) calls a proc per element under an if (only the zeros get
    # d); the proc's own require (d > 0) blocks d == 0 whenever some element is 0; nothing
    # can fail. Starting from a = [0, 1, 0, 1]:
    #   - after bump_all(d): every element is 1 or d (if d > 0): sum is 2 + 2d.
    #   - "sum_small": sum < 8 first fails with bump_all(3) (2 + 6 = 8): depth 1, d = 3.
    spec = """
        type Idx = 0..3
        var a: [Idx] 0..3
        init {
            for k in Idx { a[k] = k % 2 }
        }
        proc set_if_zero(k: Idx, d: 0..3) {
            require d > 0
            if a[k] == 0 { a[k] = d }
        }
        action tally() {
            let n: 0..4 = 0
            for k in Idx {
                if a[k] == 1 { n = n + 1 }
            }
            assert n == (count k in Idx: a[k] == 1), "tally_matches_count"
        }
        action bump_all(d: 0..3) {
            for k in Idx {
                if a[k] == 0 { set_if_zero(k, d) }
            }
        }
        invariant sum_small: (sum k in Idx: a[k]) < 8
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    holds_to(verdicts, "tally_matches_count", 2)
    v = violated_at(verdicts, "sum_small", 1)
    assert actions_of(v) == ["bump_all"] and args_of(v, 0) == {"d": 3}
    assert final_state(v)["a"] == (3, 1, 3, 1)


# ---------------------------------------------------------------------------
# implicit checks

def test_out_of_bounds_index(tmp_path):
    # i climbs 0 -> 3 with step() (guarded by require i < 3, so range_i holds). peek()
    # reads a[i + 1]: out of bounds exactly when i == 3, reached after 3 steps, so the
    # 4th action (peek) fails: bounds_a violated at depth 4; holds to depth 3.
    spec = """
        type Idx = 0..3
        var a: [Idx] 0..1
        var i: Idx
        var seen: 0..1
        init {
            for k in Idx { a[k] = 0 }
            i = 0
            seen = 0
        }
        action step() {
            require i < 3
            i = i + 1
        }
        action peek() {
            seen = a[i + 1]
        }
    """
    model, verdicts = check_spec(tmp_path, spec, depth=5)
    assert model.property("bounds_a").kind == "check"
    v = violated_at(verdicts, "bounds_a", 4)
    assert actions_of(v) == ["step", "step", "step", "peek"]
    assert v.trace.failed_in_step and v.trace.steps[-1].state is None
    assert v.trace.steps[2].state["i"] == 3
    holds_to(verdicts, "range_i", 5)
    holds_to(check_model(model, 3), "bounds_a", 3)


def test_out_of_bounds_write_with_symbolic_index(tmp_path):
    # a[j - 2] = 1 with j in 0..5 chosen freely: j - 2 is out of 0..3 for j in {0, 1}:
    # violated at depth 1, with j < 2.
    spec = """
        type Idx = 0..3
        var a: [Idx] 0..1
        init { for k in Idx { a[k] = 0 } }
        action w(j: 0..5) { a[j - 2] = 1 }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    v = violated_at(verdicts, "bounds_a", 1)
    assert args_of(v, 0)["j"] < 2


def test_range_check_on_assignment(tmp_path):
    # x: 0..5, add(d) with d in 0..2. After j actions x <= 2j; x + d > 5 first possible at
    # the 3rd action (x = 4 after two adds of 2, then + 2 = 6): range_x violated at depth 3,
    # in the step (the assignment fails, no post state). Holds to depth 2.
    spec = """
        var x: 0..5
        init { x = 0 }
        action add(d: 0..2) { x = x + d }
    """
    model, verdicts = check_spec(tmp_path, spec, depth=4)
    v = violated_at(verdicts, "range_x", 3)
    assert v.trace.failed_in_step
    ds = [args_of(v, k)["d"] for k in range(3)]
    assert sum(ds) > 5 and sum(ds[:2]) <= 5
    holds_to(check_model(model, 2), "range_x", 2)


def test_range_check_on_conversion_to_named_range(tmp_path):
    # Small(v) with v in 0..9 and Small = 0..6: fails for v >= 7 at depth 1 (range_Small).
    spec = """
        type Small = 0..6
        var s: Small
        init { s = 0 }
        action conv(v: 0..9) { s = Small(v) }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    v = violated_at(verdicts, "range_Small", 1)
    assert args_of(v, 0)["v"] >= 7


def test_division_by_zero(tmp_path):
    # y counts down 3 -> 0 (dec requires y > 0). quot() computes 6 / y: division by zero
    # once y == 0, i.e. after 3 decs, in the 4th action: div_by_zero at depth 4.
    # quot_safe() guards with `y != 0 && ...` and `y == 0 ? 0 : 6 % y`; it never fails,
    # and is in a model of its own (below) where div_by_zero holds.
    spec = """
        var y: 0..3
        var q: -10..10
        init {
            y = 3
            q = 0
        }
        action dec() {
            require y > 0
            y = y - 1
        }
        action quot() {
            q = 6 / y
        }
    """
    model, verdicts = check_spec(tmp_path, spec, depth=5)
    v = violated_at(verdicts, "div_by_zero", 4)
    assert actions_of(v) == ["dec", "dec", "dec", "quot"]
    holds_to(check_model(model, 3), "div_by_zero", 3)

    guarded = spec.replace("q = 6 / y", "if y != 0 && 6 / y > 2 { q = 1 }\n q = y == 0 ? 0 : 6 % y")
    model, verdicts = check_spec(tmp_path, guarded, depth=5)
    holds_to(verdicts, "div_by_zero", 5)


def test_short_circuit_guards_prevent_checks(tmp_path):
    # Every read of a[i + 1] below sits behind a guard that is false exactly when i == 3:
    # `&&`, `||`, `=>`, `?:`, an if, and a require before the read. i does reach 3 (depth 3)
    # and every action stays enabled, so without short-circuit evaluation bounds_a would be
    # violated at depth 4. With it, bounds_a holds (to depth 5); the invariant reading
    # a[i + 1] behind `=>` holds too.
    spec = """
        type Idx = 0..3
        var a: [Idx] 0..1
        var i: Idx
        var seen: 0..1
        init {
            for k in Idx { a[k] = 0 }
            i = 0
            seen = 0
        }
        action step() {
            require i < 3
            i = i + 1
        }
        action back() {
            require i > 0
            i = i - 1
        }
        action reads() {
            if i < 3 && a[i + 1] == 0 { seen = 1 }
            if i >= 3 || a[i + 1] == 1 { seen = 0 }
            seen = i < 3 ? a[i + 1] : 0
            if i < 3 { seen = a[i + 1] }
        }
        action guarded_by_require() {
            require i < 3
            seen = a[i + 1]
        }
        invariant guarded_read: i < 3 => a[i + 1] == 0
        invariant i_not_3: i != 3
    """
    model, verdicts = check_spec(tmp_path, spec, depth=5)
    assert model.property("bounds_a").kind == "check"
    holds_to(verdicts, "bounds_a", 5)
    holds_to(verdicts, "guarded_read", 5)
    violated_at(verdicts, "i_not_3", 3)  # i does get to 3


def test_out_of_bounds_in_invariant(tmp_path):
    # The invariant reads a[i + 1] unguarded; i == 3 after 3 steps, and the check fails in
    # that state: bounds_a violated at depth 3 (state-level, no failing step). The
    # invariant itself is not reported violated: in that state its value is undefined,
    # and everywhere else a[i + 1] == 0 holds.
    spec = """
        type Idx = 0..3
        var a: [Idx] 0..1
        var i: Idx
        init {
            for k in Idx { a[k] = 0 }
            i = 0
        }
        action step() {
            require i < 3
            i = i + 1
        }
        invariant next_zero: a[i + 1] == 0
    """
    _, verdicts = check_spec(tmp_path, spec, depth=4)
    v = violated_at(verdicts, "bounds_a", 3)
    assert not v.trace.failed_in_step and final_state(v)["i"] == 3
    assert not isinstance(verdicts["next_zero"], Violated)


# ---------------------------------------------------------------------------
# asserts

def test_assert_after_failing_require_is_not_reported(tmp_path):
    # x climbs 0 -> 2 (inc requires x < 2) and then only `stay` is enabled.
    # blocked(): require x == 5 is never true, so "after_require" (assert false) never
    #   fires: HOLDS to depth 4.
    # late(): require x == 2 then assert x != 2: fails once x == 2 (after 2 incs), in the
    #   3rd action: "late" violated at depth 3.
    spec = """
        var x: 0..5
        init { x = 0 }
        action inc() {
            require x < 2
            x = x + 1
        }
        action stay() { x = x }
        action blocked() {
            require x == 5
            assert false, "after_require"
        }
        action late() {
            require x == 2
            assert x != 2, "late"
        }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=4)
    holds_to(verdicts, "after_require", 4)
    v = violated_at(verdicts, "late", 3)
    assert actions_of(v) == ["inc", "inc", "late"]


def test_assert_before_failing_require_is_reported(tmp_path):
    # early(): assert x != 1 comes before require x == 3, which fails when x == 1. The
    # assert is evaluated first, so it fails: "before_require" violated at depth 2 (one
    # inc, then early). The blocked require does not hide a failure that happened before.
    spec = """
        var x: 0..3
        init { x = 0 }
        action inc() {
            require x < 3
            x = x + 1
        }
        action early() {
            assert x != 1, "before_require"
            require x == 3
        }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    v = violated_at(verdicts, "before_require", 2)
    assert actions_of(v) == ["inc", "early"]


def test_assert_in_if_branch(tmp_path):
    # x climbs 0 -> 3. br(): if x >= 2 { assert x != 3 } else { assert x != 2 }.
    # then_branch fails when x == 3 (3 incs, then br): depth 4.
    # else_branch is only evaluated with x < 2, so x != 2 there: it holds. (Ignoring the
    # branch it would fail at depth 3, with x == 2.)
    spec = """
        var x: 0..3
        init { x = 0 }
        action inc() {
            require x < 3
            x = x + 1
        }
        action br() {
            if x >= 2 {
                assert x != 3, "then_branch"
            } else {
                assert x != 2, "else_branch"
            }
        }
    """
    model, verdicts = check_spec(tmp_path, spec, depth=5)
    v = violated_at(verdicts, "then_branch", 4)
    assert actions_of(v) == ["inc", "inc", "inc", "br"]
    holds_to(verdicts, "else_branch", 5)
    holds_to(check_model(model, 3), "then_branch", 3)


FN_ASSERT = """
    var x: 0..8
    var y: 0..4
    init {
        x = 0
        y = 0
    }
    fn half(v: 0..8): 0..4 {
        assert v % 2 == 0, "half_even"
        let h = v / 2
        return h
    }
    action inc() {
        require x < 8
        x = x + 1
    }
"""


def test_assert_in_fn_used_in_action(tmp_path):
    # take(): y = half(x). x == 1 after one inc; the 2nd action take() fails half_even:
    # depth 2. (take() at depth 1 sees x == 0, which is even.)
    spec = FN_ASSERT + """
    action take() { y = half(x) }
    """
    model, verdicts = check_spec(tmp_path, spec, depth=3)
    assert model.property("half_even").kind == "assert"
    v = violated_at(verdicts, "half_even", 2)
    assert actions_of(v) == ["inc", "take"] and v.trace.failed_in_step
    holds_to(verdicts, "range_x", 3)


def test_assert_in_fn_used_in_invariant(tmp_path):
    # invariant small_half: half(x) <= 4 (true whenever defined). half's assert fails in
    # the state x == 1, after one inc: half_even violated at depth 1, state-level. The
    # invariant itself is never false: HOLDS to depth 3.
    spec = FN_ASSERT + """
    invariant small_half: half(x) <= 4
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    v = violated_at(verdicts, "half_even", 1)
    assert not v.trace.failed_in_step and final_state(v)["x"] == 1
    holds_to(verdicts, "small_half", 3)


def test_implicit_check_in_init(tmp_path):
    # init sets x = y + 5 with y free below 6 and x: 0..9: out of range for y == 5 only,
    # inside init: range_x violated at depth 0 with y == 5 in the havoc state.
    spec = """
        var x: 0..9
        var y: 0..7
        init {
            require y < 6
            x = y + 5
        }
        action noop() { x = x }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    v = violated_at(verdicts, "range_x", 0)
    assert v.trace.failed_in_step and v.trace.havoc["y"] == 5


def test_implicit_checks_on_call_arguments_and_results(tmp_path):
    # put(v) passes v - 1 to proc store(w: 0..3): out of range for v == 0 (range_store_w)
    #   and for v == 5 (5 - 1 = 4 > 3); the solver may pick either: depth 1.
    # dbl(v) returns 2 * v as 0..6 (fn result, range_dbl): fails for v >= 4: depth 1.
    spec = """
        var x: 0..3
        var y: 0..6
        init {
            x = 0
            y = 0
        }
        proc store(w: 0..3) { x = w }
        fn dbl(v: 0..5): 0..6 = 2 * v
        action put(v: 0..5) { store(v - 1) }
        action twice(v: 0..5) { y = dbl(v) }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    v = violated_at(verdicts, "range_store_w", 1)
    assert actions_of(v) == ["put"] and args_of(v, 0)["v"] in (0, 5)
    v = violated_at(verdicts, "range_dbl", 1)
    assert actions_of(v) == ["twice"] and args_of(v, 0)["v"] >= 4


# ---------------------------------------------------------------------------
# quantifiers

QUANT_STATE = """
    type Idx = 0..4
    var a: [Idx] 0..9
    init { for i in Idx { a[i] = i } }
"""


def test_quantifier_values_in_initial_state(tmp_path):
    # a = [0, 1, 2, 3, 4], no actions.
    #   sum a[i] = 10; count a[i] > 2 = 2 (3 and 4); exists a[i] == 4; no a[i] == 7;
    #   count over pairs a[i] < a[j] = C(5, 2) = 10 (all values distinct);
    #   sum over pairs of a[i] = 5 * 10 = 50; count of i with a[i] == i = 5;
    #   sum of (a[i] odd ? a[i] : 0) = 1 + 3 = 4; exists i, j: a[i] + a[j] == 8 (4 + 4).
    # The "ok_*" invariants are true in the only state; with no action, every execution
    # stops at depth 0, so they are Proved by bmc. The "bad_*" ones are false at depth 0.
    spec = QUANT_STATE + """
    invariant ok_sum: (sum i in Idx: a[i]) == 10
    invariant ok_count: (count i in Idx: a[i] > 2) == 2
    invariant ok_exists: exists i in Idx: a[i] == 4
    invariant ok_not_exists: !(exists i in Idx: a[i] == 7)
    invariant ok_count_pairs: (count i in Idx, j in Idx: a[i] < a[j]) == 10
    invariant ok_sum_pairs: (sum i in Idx, j in Idx: a[i]) == 50
    invariant ok_count_fixed: (count i in Idx: a[i] == i) == 5
    invariant ok_sum_odd: (sum i in Idx: (a[i] % 2 == 1 ? a[i] : 0)) == 4
    invariant ok_exists_pair: exists i in Idx, j in Idx: a[i] + a[j] == 8
    invariant bad_sum: (sum i in Idx: a[i]) != 10
    invariant bad_count: (count i in Idx: a[i] > 2) == 3
    invariant bad_exists: exists i in Idx: a[i] == 7
    invariant bad_count_pairs: (count i in Idx, j in Idx: a[i] <= a[j]) == 10
    """
    model, verdicts = check_spec(tmp_path, spec, depth=3)
    for p in model.properties:
        if p.name.startswith("ok_"):
            proved_by_bmc(verdicts, p.name)
        else:
            v = violated_at(verdicts, p.name, 0)
            assert v.trace.steps == () and dict(v.trace.initial) == {"a": (0, 1, 2, 3, 4)}


def test_quantifier_values_along_executions(tmp_path):
    # From a = [0, 1, 2, 3, 4], bump(i) adds 1 to one element (require a[i] < 9).
    #   sum_below_13: the sum is 10 + depth, so sum < 13 first fails at depth 3.
    #   exists_zero: a[0] == 0 is the only zero; bump(0) removes it: depth 1, i = 0.
    #   no_seven: the largest element is 4, +1 per step: a[4] == 7 at depth 3 (three
    #     bump(4)); a[3] would need 4 steps.
    #   count_ge5_below_2: count a[i] >= 5 is 0; reaching 2 needs a[4] +1 and a[3] +2:
    #     depth 3.
    #   sum_count_agree: sum of a[i] >= 1 indicators equals count a[i] >= 1: holds.
    spec = QUANT_STATE + """
    action bump(i: Idx) {
        require a[i] < 9
        a[i] = a[i] + 1
    }
    invariant sum_below_13: (sum i in Idx: a[i]) < 13
    invariant exists_zero: exists i in Idx: a[i] == 0
    invariant no_seven: !(exists i in Idx: a[i] == 7)
    invariant count_ge5_below_2: (count i in Idx: a[i] >= 5) < 2
    invariant sum_count_agree: (sum i in Idx: (a[i] >= 1 ? 1 : 0)) == (count i in Idx: a[i] >= 1)
    """
    model, verdicts = check_spec(tmp_path, spec, depth=4)
    v = violated_at(verdicts, "sum_below_13", 3)
    assert sum(final_state(v)["a"]) == 13
    v = violated_at(verdicts, "exists_zero", 1)
    assert args_of(v, 0) == {"i": 0} and final_state(v)["a"] == (1, 1, 2, 3, 4)
    v = violated_at(verdicts, "no_seven", 3)
    assert [args_of(v, k) for k in range(3)] == [{"i": 4}] * 3
    v = violated_at(verdicts, "count_ge5_below_2", 3)
    assert sorted(args_of(v, k)["i"] for k in range(3)) == [3, 3, 4]
    assert final_state(v)["a"] == (0, 1, 2, 5, 5)
    holds_to(verdicts, "sum_count_agree", 4)
    verdicts = check_model(model, 2)
    for name in ("sum_below_13", "no_seven", "count_ge5_below_2"):
        holds_to(verdicts, name, 2)


# ---------------------------------------------------------------------------
# deadlock and init

DEADLOCK = """
    var x: 0..3
    init { x = 0 }
    action once() {
        require x == 0
        x = x + 1
        assert x == 1, "once_sets_one"
    }
    invariant at_most_one: x <= 1
    invariant never_two: x != 2
"""


def test_deadlock_proves_every_property(tmp_path):
    # once() is enabled only in the initial state (x == 0) and sets x = 1; afterwards no
    # action is enabled, so every execution stops by depth 1. x <= 1, x != 2, the assert
    # and range_x (x + 1 is guarded by x == 0) can never fail: every property is Proved by
    # bmc, with depth 1 as the depth where executions stop.
    model, verdicts = check_spec(tmp_path, DEADLOCK, depth=6)
    assert {p.name for p in model.properties} == {"at_most_one", "never_two", "once_sets_one", "range_x"}
    for name in verdicts:
        proved_by_bmc(verdicts, name)
        assert "depth 1" in verdicts[name].detail


def test_deadlock_with_a_violation(tmp_path):
    # The same system with x == 0 as an invariant: broken after once(), at depth 1; the
    # other properties are still Proved.
    _, verdicts = check_spec(tmp_path, DEADLOCK + "invariant still_zero: x == 0\n", depth=6)
    v = violated_at(verdicts, "still_zero", 1)
    assert actions_of(v) == ["once"]
    for name in ("at_most_one", "never_two", "once_sets_one", "range_x"):
        proved_by_bmc(verdicts, name)


def test_deadlock_without_actions(tmp_path):
    # no action at all: every execution stops at depth 0.
    spec = """
        var x: 0..3
        init { x = 2 }
        invariant two: x == 2
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    proved_by_bmc(verdicts, "two")


def test_init_leaves_variable_constrained_by_require(tmp_path):
    # init leaves y free but requires y < 3: initial states y in {0, 1, 2}.
    # y < 2 fails at depth 0 in the initial state y == 2 (the havoc value before init is
    # also 2, as init does not write y). y < 3 holds; with no action it is Proved.
    spec = """
        var x: 0..1
        var y: 0..7
        init {
            x = 0
            require y < 3
        }
        invariant y_below_2: y < 2
        invariant y_below_3: y < 3
    """
    _, verdicts = check_spec(tmp_path, spec, depth=3)
    v = violated_at(verdicts, "y_below_2", 0)
    assert dict(v.trace.initial) == {"x": 0, "y": 2}
    assert v.trace.havoc["y"] == 2
    proved_by_bmc(verdicts, "y_below_3")


def test_init_require_with_actions(tmp_path):
    # y free in 0..2 initially; grow() adds 1 while y < 5. y != 4 fails first from y = 2 after
    # two grows: depth 2, initial y == 2. (From 0 or 1 it would take 4 or 3.)
    spec = """
        var y: 0..7
        init { require y < 3 }
        action grow() {
            require y < 5
            y = y + 1
        }
        invariant not_four: y != 4
    """
    _, verdicts = check_spec(tmp_path, spec, depth=4)
    v = violated_at(verdicts, "not_four", 2)
    assert v.trace.initial["y"] == 2


def test_assert_in_init_is_depth_zero(tmp_path):
    # init picks y freely (require y < 4) then asserts y != 3: fails inside init, depth 0.
    spec = """
        var y: 0..7
        init {
            require y < 4
            assert y != 3, "init_assert"
        }
        action noop() { y = y }
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    v = violated_at(verdicts, "init_assert", 0)
    assert v.trace.failed_in_step and v.trace.havoc["y"] == 3


# ---------------------------------------------------------------------------
# configurations

CONFIGS = """
    const K = 3
    var x: 0..40
    init { x = 0 }
    proc bump[one]() { x = x + 1 }
    proc bump[two]() { x = x + 2 }
    action go() {
        require x < 30
        bump()
    }
    action jump[to5]() {
        require x == 0
        x = 5
    }
    action jump[to6]() {
        require x == 0
        x = 6
    }
    invariant below_k: x < K
    invariant not_three: x != 3
    invariant not_five: x != 5
    config ones {
        use bump = one
        disable jump
    }
    config twos {
        use bump = two
        disable jump
    }
    config jumpy5 {
        use bump = two
        use jump = to5
    }
    config jumpy6 {
        use jump = to6
        use bump = two
    }
    config bigk {
        use bump = one
        disable jump
        K = 5
    }
"""


def test_config_variants_disable_and_constants(tmp_path):
    # ones  (+1, no jump): x = depth. below_k (x < 3) and not_three: depth 3; not_five: 5.
    # twos  (+2, no jump): x = 2 * depth. below_k fails at x = 4: depth 2; x is never 3 or
    #       5: both hold.
    # jumpy5 (+2, jump to 5 from 0): below_k and not_five fail at depth 1 via jump; x is
    #       even or odd >= 5, never 3: not_three holds.
    # jumpy6 (+2, jump to 6): x always even: not_three and not_five hold; below_k: depth 1
    #       (jump gives 6 >= 3).
    # bigk  (+1, K = 5 in the config): below_k at depth 5.
    # bigk with -D K=2 (overrides win over the config): below_k at depth 2.
    depth = 6
    model = lower_spec(tmp_path, CONFIGS, "ones")
    assert [a.name for a in model.actions] == ["go"]
    verdicts = check_model(model, depth)
    v = violated_at(verdicts, "below_k", 3)
    assert actions_of(v) == ["go"] * 3
    violated_at(verdicts, "not_three", 3)
    violated_at(verdicts, "not_five", 5)

    verdicts = check_model(lower_spec(tmp_path, CONFIGS, "twos"), depth)
    v = violated_at(verdicts, "below_k", 2)
    assert final_state(v) == {"x": 4}
    holds_to(verdicts, "not_three", depth)
    holds_to(verdicts, "not_five", depth)

    model = lower_spec(tmp_path, CONFIGS, "jumpy5")
    assert sorted((a.name, a.variant) for a in model.actions) == [("go", None), ("jump", "to5")]
    verdicts = check_model(model, depth)
    v = violated_at(verdicts, "below_k", 1)
    assert actions_of(v) == ["jump"]
    v = violated_at(verdicts, "not_five", 1)
    assert actions_of(v) == ["jump"]
    holds_to(verdicts, "not_three", depth)

    verdicts = check_model(lower_spec(tmp_path, CONFIGS, "jumpy6"), depth)
    v = violated_at(verdicts, "below_k", 1)
    assert final_state(v) == {"x": 6}
    holds_to(verdicts, "not_three", depth)
    holds_to(verdicts, "not_five", depth)

    model = lower_spec(tmp_path, CONFIGS, "bigk")
    assert dict(model.constants)["K"] == 5
    violated_at(check_model(model, depth), "below_k", 5)
    model = lower_spec(tmp_path, CONFIGS, "bigk", overrides={"K": 2})
    assert dict(model.constants)["K"] == 2
    violated_at(check_model(model, depth), "below_k", 2)


EXPECT_SPEC = """
    const K = 3
    var x: 0..10
    init { x = 0 }
    action inc() {
        require x < 10
        x = x + 1
    }
    invariant below_k: x < K
    config expected {
        expect below_k violated
    }
"""


def test_cli_exit_codes_follow_expectations(tmp_path):
    path = str(write_spec(tmp_path, EXPECT_SPEC))
    # below_k is expected violated and is violated at depth 3 (<= 5): exit 0.
    code, out, err = run_cli(["--no-timing", "--depth", "5", path])
    assert code == 0, out + err
    assert "VIOLATED at depth 3" in out and "UNEXPECTED" not in out
    # -D K=9: x reaches at most 5 by depth 5, so below_k holds: the expected violation no
    # longer reproduces: exit 1.
    code, out, err = run_cli(["--no-timing", "--depth", "5", "-D", "K=9", path])
    assert code == 1, out + err
    assert re.search(r"below_k\s+invariant\s+violated\s+HOLDS\s+5\s+UNEXPECTED", out), out
    assert "no longer reproduces" in out
    # the same with --depth 2 and K = 3: not reproduced within depth 2: exit 1.
    code, out, err = run_cli(["--no-timing", "--depth", "2", path])
    assert code == 1, out + err
    # a violation nobody expected: exit 1.
    surprise = str(write_spec(tmp_path, EXPECT_SPEC.replace("expect below_k violated", "expect below_k holds"),
                              "surprise.md"))
    code, out, err = run_cli(["--no-timing", "--depth", "5", surprise])
    assert code == 1, out + err
    assert "UNEXPECTED" in out and "VIOLATED at depth 3" in out
    # ... and the same with no expectation at all (holds is the default).
    plain = str(write_spec(tmp_path, EXPECT_SPEC.split("config expected")[0], "plain.md"))
    code, out, err = run_cli(["--no-timing", "--depth", "5", plain])
    assert code == 1 and "UNEXPECTED" in out, out + err
    code, out, err = run_cli(["--no-timing", "--depth", "2", plain])
    assert code == 0 and re.search(r"below_k\s+invariant\s+holds\s+HOLDS\s+2\s+ok", out), out + err
    # a spec error (unknown constant in -D): exit 3.
    code, out, err = run_cli(["--no-timing", "-D", "NOPE=1", path])
    assert code == 3, out + err


def test_cli_config_expectations_per_configuration(tmp_path):
    # twos: below_k violated at depth 2 (expected), not_three holds (expected holds).
    # ones: not_three expected to hold but violated at depth 3: exit 1.
    spec = CONFIGS.replace("use bump = two\n        disable jump", "use bump = two\n        disable jump\n"
                           "        expect below_k violated\n        expect not_three holds")
    path = str(write_spec(tmp_path, spec))
    code, out, err = run_cli(["--no-timing", "--depth", "4", "--config", "twos", path])
    assert code == 0, out + err
    code, out, err = run_cli(["--no-timing", "--depth", "4", "--config", "ones", path])
    assert code == 1, out + err


# ---------------------------------------------------------------------------
# determinism and timeouts

def _cli_subprocess(args: list[str], hash_seed: str, cwd: Path, timeout: float = HANG_SECONDS) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.run([sys.executable, "-m", "checker.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_cli_output_is_deterministic(tmp_path, monkeypatch):
    # Same spec, same options, --no-timing: byte-identical stdout, in one process and across
    # processes with different string-hash seeds. (Run from tmp_path: paths in the output
    # are shown relative to the working directory.)
    write_spec(tmp_path, ARRAYS + EXPECT_SPEC.split("config expected")[0])
    monkeypatch.chdir(tmp_path)
    argv = ["--no-timing", "-v", "--summary-table", "--depth", "3", "spec.md"]
    first = run_cli(argv)
    second = run_cli(argv)
    assert first[0] == 1  # the violations are unexpected (no config expects them)
    assert first[1].count("VIOLATED at depth") >= 5
    assert first == second
    runs = [_cli_subprocess(argv, seed, tmp_path) for seed in ("1", "2")]
    for r in runs:
        assert r.returncode == 1, r.stderr
    assert runs[0].stdout == runs[1].stdout == first[1]


@pytest.mark.slow
def test_cli_output_is_deterministic_on_ptdesc():
    # The real spec, whose as_posted configuration has counterexamples within depth 2:
    # stdout (traces included) must not change between processes with different
    # string-hash seeds.
    argv = ["--no-timing", "-v", "--engine", "bmc", "--depth", "2", "--config", "as_posted", "specs/ptdesc_tags.md"]
    runs = [_cli_subprocess(argv, seed, REPO) for seed in ("0", "12345")]
    for r in runs:
        assert r.returncode in (0, 1), r.stdout + r.stderr
        assert "VIOLATED at depth" in r.stdout
    assert runs[0].returncode == runs[1].returncode
    assert runs[0].stdout == runs[1].stdout


HARD = """
    type Idx = 0..7
    var h: [Idx] u64
    init { for i in Idx { h[i] = 1 } }
    action mix(i: Idx, j: Idx, v: u64) {
        require (v & 1) == 1
        h[i] = h[i] * h[j] * v
    }
    // both hold: a product of odd numbers is odd, and an odd square is 1 mod 8
    invariant all_odd: forall i in Idx: (h[i] & 1) == 1
    invariant no_square_two: forall i in Idx: h[i] * h[i] != 2
"""


def test_timeout_reports_unknown_never_holds(tmp_path):
    # 64-bit multiplier chains over 8 cells with three free parameters per step: each
    # depth costs more than the last (about 1 s by depth 2, 8 s by depth 4 on the machine
    # this was written on), so depth 40 cannot finish in 1 s. With --timeout 1 the run must
    # stop soon after the deadline, exit 2, and report UNKNOWN (not HOLDS) for both, in
    # both configurations (the second starts after the deadline has passed).
    path = str(write_spec(tmp_path, HARD + "config first {}\nconfig second {}\n"))
    started = time.monotonic()
    code, out, err = run_cli(["--no-timing", "--timeout", "1", "--depth", "40", path])
    elapsed = time.monotonic() - started
    assert code == 2, out + err
    assert elapsed < 1 + TIMEOUT_SLACK, f"--timeout 1 took {elapsed:.1f}s"
    for config in ("first", "second"):
        for name in ("all_odd", "no_square_two"):
            row = next(line for line in out.splitlines() if line.split()[:2] == [config, name])
            assert "UNKNOWN" in row and "HOLDS" not in row, row
            assert f"{config}: '{name}' is UNKNOWN" in out


def test_deadline_in_bmc_gives_unknown(tmp_path):
    # The engine alone with a deadline already 1 s away: every property Unknown("timeout"),
    # none HoldsToDepth(40).
    model = lower_spec(tmp_path, HARD)
    started = time.monotonic()
    verdicts = check_model(model, 40, deadline=time.monotonic() + 1)
    assert time.monotonic() - started < 1 + TIMEOUT_SLACK
    for name in ("all_odd", "no_square_two"):
        v = verdicts[name]
        assert isinstance(v, Unknown) and v.reason == "timeout", v
        assert v.depth < 40


def test_int_of_a_bit_vector_assigned_to_a_range(tmp_path):
    # Found by the differential tests: `t = int(x)` with x: u1 lost its conversion, and BMC
    # read the 1-bit value 1 as a signed -1 (y_not_2 "held"), or crashed on the widths.
    # x = 1, so t = 1 and y = t + 1 = 2 after one go(); a = int(x) = 1 after one copy().
    spec = """
        var x: u1
        var y: 0..3
        var a: 0..1
        init {
            x = 1
            y = 0
            a = 0
        }
        action go() {
            let t: 0..1 = 0
            t = int(x)
            y = t + 1
        }
        action copy() { a = int(x) }
        invariant y_not_2: y != 2
        invariant a_zero: a == 0
    """
    _, verdicts = check_spec(tmp_path, spec, depth=2)
    violated_at(verdicts, "y_not_2", 1)
    violated_at(verdicts, "a_zero", 1)


# ---------------------------------------------------------------------------
# the encoder folds constants, so a split proof case's step stays small

def test_a_condition_on_constants_takes_one_branch(tmp_path):
    """With the argument fixed (as in a split proof case), `i < k + 1` compares two constants:
    the encoder runs one branch, and each cell is a plain value, not an If over both."""
    import z3

    from checker.engines.symbolic.encoder import Encoder
    model = lower_spec(tmp_path, """
        type Idx = 0..3
        var a: [Idx] 0..9
        init { for i in Idx { a[i] = 0 } }
        action fill(k: Idx) {
            for i in Idx {
                if i < k + 1 { a[i] = 5 } else { a[i] = 7 }
            }
        }
        invariant small: forall i in Idx: a[i] <= 9
    """)
    encoder = Encoder(model, z3.Context())
    before = encoder.fresh_state("s0.", [])
    (fill,) = model.actions
    after = encoder.run(fill.body, before, {"k": encoder.literal(1, fill.params[0][1])}).state["a"]
    assert all(z3.is_bv_value(cell) for cell in after), after
    assert [cell.as_long() for cell in after] == [5, 5, 7, 7]


def test_negation_and_conversion_of_constants_are_constants(tmp_path):
    """`!(i < k)` and `u64(i) + 1` with `i`, `k` fixed fold to values too."""
    import z3

    from checker.engines.symbolic.encoder import Encoder
    model = lower_spec(tmp_path, """
        type Idx = 0..3
        var a: [Idx] u64
        init { for i in Idx { a[i] = 0 } }
        action fill(k: Idx) {
            for i in Idx {
                if !(i < k) { a[i] = u64(i) + 1 }
            }
        }
        invariant small: forall i in Idx: a[i] <= 4
    """)
    encoder = Encoder(model, z3.Context())
    before = encoder.fresh_state("s0.", [])
    (fill,) = model.actions
    after = encoder.run(fill.body, before, {"k": encoder.literal(2, fill.params[0][1])}).state["a"]
    assert all(x.eq(y) for x, y in zip(after[:2], before["a"][:2]))
    assert all(z3.is_bv_value(cell) for cell in after[2:]), after
    assert [cell.as_long() for cell in after[2:]] == [3, 4]
