"""Word-exact layouts, views, static_assert, symbols: small specs worked out by hand.

A layout value is its 64-bit words. Reading a field extracts its bits, writing one splices
them in, so a write through one view is visible through every field (of any view) that
overlaps those bits. The expected verdicts, depths, word values, offsets and sizes below
are derived by hand in the comments next to each assertion.

Conventions (as in test_engine.py): depth = number of actions in the counterexample; an
invariant false after k actions is violated at depth k; an assert failing inside the k-th
action is violated at depth k. Every Violated verdict is replayed by the concrete
interpreter (checker.engines.concrete.replay.replay) and, independently, re-executed here step by step with
checker.engines.concrete.interp to confirm that solver and interpreter agree on every word.

CLI tests run `checker.cli.run` in-process in a temporary directory; spec files there are
written literally, so `file:LINE:COL` positions are counted by hand from the text (the
line `# spec` is line 1, the opening fence line 2, the first model line 3).
"""
from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pytest

from checker.cli import run as cli_run
from checker.engines.concrete import interp
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

MASK64 = (1 << 64) - 1
POISON2 = 0xdead000000000122
PTE_FREE_NOW = 0xffffffff81a82b37
W3_INIT = 0x1122334455667788
W6_INIT = 0x0000000100000000 | 0xffffffff   # _refcount = 1 (bits 32..63), page_type = 0xffffffff


# ---------------------------------------------------------------------------
# the layout every spec here uses (8 words), and three views of it

LAYOUT = """
layout page[8] {
    word 0: flags: u64
    word 1: compound_head: u64
    word 1: lru_next: u64
    word 2: lru_prev: u64
    word 6: page_type: u32
    word 6 bit 32: _refcount: u32
}
view ptdesc of page {
    word 0: pt_flags: u64
    word 1: pt_list_next: u64
    word 2: pt_list_prev: u64
    word 3 bit 8: pt_frag: u8
}
view raw of page {
    word 0: w0: u64
    word 1: w1: u64
    word 2: w2: u64
    word 3: w3: u64
    word 4: w4: u64
    word 5: w5: u64
    word 6: w6: u64
    word 7: w7: u64
}
symbol LIST_POISON2 = 0xdead000000000122
type Pfn = 0..1
var pages: [Pfn] page
"""

# Every word is set, so the initial state is unique:
#   w0 = 0, w1 = 0, w2 = LIST_POISON2, w3 = 0x1122334455667788, w4 = w5 = w7 = 0,
#   w6 = _refcount 1 << 32 | page_type 0xffffffff = 0x00000001ffffffff.
INIT = """
init {
    for p in Pfn {
        pages[p].raw.w0 = 0
        pages[p].raw.w1 = 0
        pages[p].lru_prev = LIST_POISON2
        pages[p].raw.w3 = 0x1122334455667788
        pages[p].raw.w4 = 0
        pages[p].raw.w5 = 0
        pages[p].page_type = 0xffffffff
        pages[p]._refcount = 1
        pages[p].raw.w7 = 0
    }
}
"""

INITIAL_WORDS = (0, 0, POISON2, W3_INIT, 0, 0, W6_INIT, 0)


# ---------------------------------------------------------------------------
# helpers

def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# spec\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(tmp_path: Path, body: str, config: str = "default", overrides: dict | None = None):
    path = write_spec(tmp_path, body)
    return lower(collect_declarations(load_spec(str(path))), config, overrides or {})


def interp_states(model, trace) -> list[dict]:
    """The trace re-executed by the interpreter alone: the state after init and after each
    complete step. Each must equal the state the solver decoded."""
    state = interp.run_init(model, trace.havoc)
    assert dict(state) == dict(trace.initial), "interpreter and solver disagree on the initial state"
    states = [state]
    actions = {a.name: a for a in model.actions}
    for number, step in enumerate(trace.steps, start=1):
        if step.state is None:
            break
        state = interp.run_action(actions[step.action], state, dict(step.args))
        assert dict(state) == dict(step.state), f"interpreter and solver disagree after step {number}"
        states.append(state)
    return states


def check_model(model, depth: int) -> dict:
    """bmc.check; every violation must replay, and for invariants the interpreter must find
    the invariant true in every earlier state and false in the last one."""
    result = bmc.check(model, bmc.BmcOptions(depth))
    assert set(result.verdicts) == {p.name for p in model.properties}
    invariants = {i.name: i for i in model.invariants}
    for prop in model.properties:
        verdict = result.verdicts[prop.name]
        if not isinstance(verdict, Violated):
            continue
        assert verdict.depth == verdict.trace.depth, prop.name
        replay(model, verdict.trace, prop)  # raises ReplayError if it does not replay
        states = interp_states(model, verdict.trace)
        if prop.name in invariants and not verdict.trace.failed_in_step:
            inv = invariants[prop.name]
            assert [interp.invariant_holds(inv, s) for s in states] == [True] * verdict.depth + [False], prop.name
    return result.verdicts


def check_spec(tmp_path: Path, body: str, depth: int, **kw):
    model = lower_spec(tmp_path, body, **kw)
    return model, check_model(model, depth)


def violated_at(verdicts: dict, name: str, depth: int) -> Violated:
    v = verdicts[name]
    assert isinstance(v, Violated), f"{name}: expected a violation at depth {depth}, got {v}"
    assert v.depth == depth, f"{name}: expected depth {depth}, got {v.depth}"
    return v


def holds_to(verdicts: dict, name: str, depth: int) -> None:
    assert verdicts[name] == HoldsToDepth(depth), f"{name}: expected HOLDS to depth {depth}, got {verdicts[name]}"


def words(v: Violated, p: int) -> tuple[int, ...]:
    """The words of pages[p] in the last state of a violation."""
    return tuple(v.trace.final_state()["pages"][p])


def cli(tmp_path: Path, monkeypatch, text: str, *args: str, name: str = "spec.md") -> tuple[int, str, str]:
    """Write `text` literally to tmp_path/name and run the CLI there (cwd = tmp_path)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MDCHECK_DEBUG", raising=False)
    (tmp_path / name).write_text(text)
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["--no-timing", "-v", "--summary-table", *args, name], out, err)
    o, e = out.getvalue(), err.getvalue()
    assert "Traceback" not in o + e
    assert "internal error" not in e, e
    assert "does not replay" not in e, e
    return code, o, e


def spec_text(*model_lines: str) -> str:
    """`# spec`, the fence (line 2), then model_lines from line 3, then the closing fence."""
    return "# spec\n```mdcheck\n" + "\n".join(model_lines) + "\n```\n"


def expect_error(code: int, err: str, diag: str, at: str, path: Path, under: str | None = None) -> str:
    """A spec error `diag` reported first at `at` (file:LINE:COL), with the source line
    and a caret at COL; exit 3. Returns the diagnostic's first line."""
    assert code == 3, f"exit {code}; stderr:\n{err}"
    lines = err.splitlines()
    head = f"{at}: error[{diag}]: "
    assert lines and lines[0].startswith(head), f"expected {head!r} first; stderr:\n{err}"
    _, line_no, col = at.rsplit(":", 2)
    gutter = f"{int(line_no):>5} | "
    source = path.read_text().splitlines()[int(line_no) - 1]
    assert lines[1] == gutter + source, err
    assert lines[2].index("^") == len(gutter) + int(col) - 1, err
    if under is not None:
        assert lines[1][lines[2].index("^"):].startswith(under), err
    return lines[0]


def step_lines(out: str, number: int) -> list[str]:
    """The lines printed under `step N:` of the first trace in `out`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"step {number}:"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        body.append(line)
    return body


# ---------------------------------------------------------------------------
# aliasing through views, checked by the solver and by the interpreter

def test_lru_prev_and_ptdesc_pt_list_prev_are_the_same_bits(tmp_path):
    body = LAYOUT + INIT + """
        action set_prev(p: Pfn, v: u64) {
            pages[p].lru_prev = v
            assert pages[p].ptdesc.pt_list_prev == v && pages[p].raw.w2 == v, "prev_alias"
        }
        action set_pt_prev(p: Pfn, v: u64) {
            pages[p].ptdesc.pt_list_prev = v
            assert pages[p].lru_prev == v && pages[p].raw.w2 == v, "pt_prev_alias"
        }
        invariant same_bits: forall p in Pfn: pages[p].ptdesc.pt_list_prev == pages[p].lru_prev
        invariant prev_poisoned: forall p in Pfn: pages[p].ptdesc.pt_list_prev == LIST_POISON2
        invariant rest_untouched: forall p in Pfn:
            pages[p].raw.w0 == 0 && pages[p].raw.w1 == 0 && pages[p].raw.w3 == 0x1122334455667788
            && pages[p].raw.w4 == 0 && pages[p].raw.w5 == 0 && pages[p].raw.w6 == 0x00000001ffffffff
            && pages[p].raw.w7 == 0
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    # Both names read word 2, whichever name wrote it: the asserts and same_bits cannot fail.
    holds_to(verdicts, "prev_alias", 2)
    holds_to(verdicts, "pt_prev_alias", 2)
    holds_to(verdicts, "same_bits", 2)
    # Only word 2 is ever written.
    holds_to(verdicts, "rest_untouched", 2)
    # Init poisons every page (holds at depth 0); one write of any other value breaks it.
    v = violated_at(verdicts, "prev_poisoned", 1)
    step = v.trace.steps[0]
    args = dict(step.args)
    assert step.action in ("set_prev", "set_pt_prev")
    assert args["v"] != POISON2
    expected = list(INITIAL_WORDS)
    expected[2] = args["v"]
    assert words(v, args["p"]) == tuple(expected)
    assert words(v, 1 - args["p"]) == INITIAL_WORDS


def test_page_type_and_refcount_share_word_6_without_touching_each_other(tmp_path):
    body = LAYOUT + INIT + """
        action bump_type(p: Pfn) {
            let r = pages[p]._refcount
            pages[p].page_type += 1
            assert pages[p]._refcount == r, "type_leaves_refcount"
        }
        action set_ref(p: Pfn, v: u32) {
            let t = pages[p].page_type
            pages[p]._refcount = v
            assert pages[p].page_type == t, "refcount_leaves_type"
        }
        invariant type_wrapped: pages[0].raw.w6 != 0x0000000100000000
        invariant ref_set: pages[0].raw.w6 != 0xabcd1234ffffffff
        invariant carried: pages[0].raw.w6 != 0x0000000200000000
        invariant low_byte_of_ref: pages[1].raw.w6 != 0x00000001ffffff00
        invariant other_words: forall p in Pfn: pages[p].raw.w5 == 0 && pages[p].raw.w7 == 0
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    holds_to(verdicts, "type_leaves_refcount", 2)
    holds_to(verdicts, "refcount_leaves_type", 2)
    holds_to(verdicts, "other_words", 2)
    # w6 = 0x00000001_ffffffff. bump_type(0): page_type wraps to 0 and, being 32 bits wide,
    # carries nothing into _refcount: w6 = 0x00000001_00000000 after one action.
    v = violated_at(verdicts, "type_wrapped", 1)
    assert [s.action for s in v.trace.steps] == ["bump_type"] and dict(v.trace.steps[0].args) == {"p": 0}
    assert words(v, 0)[6] == 0x0000000100000000
    # set_ref(0, 0xabcd1234) writes bits 32..63 only: w6 = 0xabcd1234_ffffffff.
    v = violated_at(verdicts, "ref_set", 1)
    assert v.trace.steps[0].action == "set_ref"
    assert dict(v.trace.steps[0].args) == {"p": 0, "v": 0xabcd1234}
    # 0x00000002_00000000 (_refcount 2, page_type 0) needs set_ref(0, 2) and bump_type(0):
    # two actions. A wrap that carried into bit 32 would reach it with bump_type alone.
    v = violated_at(verdicts, "carried", 2)
    assert sorted(s.action for s in v.trace.steps) == ["bump_type", "set_ref"]
    assert words(v, 0)[6] == 0x0000000200000000
    # page_type 0xffffff00 needs 2^32 - 0xff bumps; set_ref touches only the high half:
    # unreachable within 2 actions.
    holds_to(verdicts, "low_byte_of_ref", 2)


def test_u8_at_word_3_bit_8_changes_exactly_bits_8_to_15(tmp_path):
    body = LAYOUT + INIT + """
        action set_frag(p: Pfn, v: u8) {
            pages[p].ptdesc.pt_frag = v
        }
        invariant w3_ff: pages[0].raw.w3 != 0x112233445566ff88
        invariant w3_low_byte: pages[0].raw.w3 != 0x11223344556677ff
        invariant w3_next_byte: pages[0].raw.w3 != 0x1122334455ff7788
        invariant w3_outside: forall p in Pfn: pages[p].raw.w3 & 0xffffffffffff00ff == 0x1122334455660088
        invariant frag_initial: pages[1].ptdesc.pt_frag == 0x77
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    # (0x1122334455667788 & ~0xff00) | 0xff << 8 = 0x112233445566ff88: set_frag(0, 0xff), depth 1.
    v = violated_at(verdicts, "w3_ff", 1)
    assert dict(v.trace.steps[0].args) == {"p": 0, "v": 0xff}
    expected = list(INITIAL_WORDS)
    expected[3] = 0x112233445566ff88
    assert words(v, 0) == tuple(expected)
    # Bits 0..7 and 16..23 are never written: a write at the wrong offset would reach these.
    holds_to(verdicts, "w3_low_byte", 2)
    holds_to(verdicts, "w3_next_byte", 2)
    holds_to(verdicts, "w3_outside", 2)
    # pt_frag reads bits 8..15 of 0x1122334455667788: 0x77. Any other v for page 1 breaks it.
    v = violated_at(verdicts, "frag_initial", 1)
    args = dict(v.trace.steps[0].args)
    assert args["p"] == 1 and args["v"] != 0x77
    assert words(v, 1)[3] == (W3_INIT & ~0xff00) | (args["v"] << 8)


def test_interpreter_splices_every_u8_value_like_the_hand_formula(tmp_path):
    model = lower_spec(tmp_path, LAYOUT + INIT + """
        action set_frag(p: Pfn, v: u8) { pages[p].ptdesc.pt_frag = v }
        action set_ref(p: Pfn, v: u32) { pages[p]._refcount = v }
        action set_type(p: Pfn, v: u32) { pages[p].page_type = v }
    """)
    # init writes every word, so any havoc gives the same state
    havoc = {"pages": ((0,) * 8, (MASK64,) * 8)}
    state = interp.run_init(model, havoc)
    assert state["pages"] == (INITIAL_WORDS, INITIAL_WORDS)
    actions = {a.name: a for a in model.actions}
    for v in range(256):
        after = interp.run_action(actions["set_frag"], state, {"p": 0, "v": v})
        assert after["pages"][0][3] == 0x1122334455660088 | (v << 8), hex(v)
        assert after["pages"][0][:3] + after["pages"][0][4:] == INITIAL_WORDS[:3] + INITIAL_WORDS[4:]
        assert after["pages"][1] == INITIAL_WORDS
    for v in (0, 1, 0x80000000, 0xffffffff, 0x12345678):
        after = interp.run_action(actions["set_ref"], state, {"p": 1, "v": v})
        assert after["pages"][1][6] == (v << 32) | 0xffffffff
        after = interp.run_action(actions["set_type"], state, {"p": 1, "v": v})
        assert after["pages"][1][6] == (1 << 32) | v


def test_solver_finds_exactly_the_word_value_the_interpreter_computes(tmp_path):
    # For each v the invariant "w3 != (hand value for v)" must be broken at depth 1 by
    # set_frag(0, v) and by nothing else; and "w3 != (value no u8 can produce)" must hold.
    for v in (0x00, 0x5a, 0xff):
        target = (W3_INIT & ~0xff00) | (v << 8)
        model, verdicts = check_spec(tmp_path, LAYOUT + INIT + f"""
            action set_frag(p: Pfn, x: u8) {{ pages[p].ptdesc.pt_frag = x }}
            invariant reach: pages[0].raw.w3 != {target:#x}
            invariant never: pages[0].raw.w3 != {target ^ 0x10000:#x}
        """, depth=1)
        got = violated_at(verdicts, "reach", 1)
        assert dict(got.trace.steps[0].args) == {"p": 0, "x": v}
        holds_to(verdicts, "never", 1)


def test_write_through_one_view_read_through_another_two_steps(tmp_path):
    body = LAYOUT + INIT + """
        action set_next(p: Pfn, v: u64) { pages[p].ptdesc.pt_list_next = v }
        action move(p: Pfn) { pages[p].lru_prev = pages[p].compound_head }
        invariant prev_not_x: pages[1].ptdesc.pt_list_prev != 0x1234
        invariant head_not_x: pages[1].compound_head != 0x1234
        invariant next_is_head: forall p in Pfn: pages[p].lru_next == pages[p].compound_head
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    # word 1 is compound_head, lru_next and ptdesc.pt_list_next at once.
    holds_to(verdicts, "next_is_head", 2)
    # set_next(1, 0x1234) makes compound_head 0x1234 in one action ...
    v = violated_at(verdicts, "head_not_x", 1)
    assert v.trace.steps[0].action == "set_next" and dict(v.trace.steps[0].args) == {"p": 1, "v": 0x1234}
    # ... and move(1) copies it into word 2: two actions, in that order.
    v = violated_at(verdicts, "prev_not_x", 2)
    assert [(s.action, dict(s.args)) for s in v.trace.steps] == [("set_next", {"p": 1, "v": 0x1234}),
                                                                  ("move", {"p": 1})]
    assert words(v, 1) == (0, 0x1234, 0x1234, W3_INIT, 0, 0, W6_INIT, 0)


def test_whole_layout_copy_and_comparison(tmp_path):
    body = LAYOUT + INIT + """
        action copy() { pages[1] = pages[0] }
        action tag() { pages[0].ptdesc.pt_frag = 0x01 }
        invariant equal: pages[0] == pages[1]
        invariant copied_frag: pages[1].ptdesc.pt_frag != 0x01
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    # Both pages start equal; tag() makes them differ in word 3 only.
    v = violated_at(verdicts, "equal", 1)
    assert v.trace.steps[0].action == "tag"
    # tag() then copy(): page 1 gets page 0's words, pt_frag included.
    v = violated_at(verdicts, "copied_frag", 2)
    assert [s.action for s in v.trace.steps] == ["tag", "copy"]
    assert words(v, 1)[3] == 0x1122334455660188


# ---------------------------------------------------------------------------
# static_assert, offsetof, sizeof

SIZES = """\
# spec
```mdcheck
const NW = 8
layout page[NW] {
    word 0: flags: u64
    word 1: compound_head: u64
    word 1: lru_next: u64
    word 2: lru_prev: u64
    word 6: page_type: u32
    word 6 bit 32: _refcount: u32
}
view ptdesc of page {
    word 0: pt_flags: u64
    word 1: pt_list_next: u64
    word 2: pt_list_prev: u64
    word 3 bit 8: pt_frag: u8
}
view small of page {
    word 0 bit 4: nib: u4
    word 0 bit 12: mid: u4
}
view tail of page {
    word 6 bit 32: r: u16
}
view empty of page {
}
var pages: [0..1] page
invariant always_false: pages[0].flags != pages[0].flags
"""
# line numbers: `const NW` is line 3; `var pages` line 27; the invariant line 28; the
# static_asserts appended below start at line 29.

PASSING = [
    # offsetof = word * 8 + bit / 8
    "offsetof(page.flags) == 0",
    "offsetof(page.compound_head) == 8",
    "offsetof(page.compound_head) == offsetof(ptdesc.pt_list_next)",
    "offsetof(page.lru_next) == offsetof(page.compound_head)",
    "offsetof(page.lru_prev) == 16 && offsetof(ptdesc.pt_list_prev) == 16",
    "offsetof(page.page_type) == 48",
    "offsetof(page._refcount) == 52",           # 6 * 8 + 32 / 8
    "offsetof(ptdesc.pt_frag) == 25",           # 3 * 8 + 8 / 8
    "offsetof(small.nib) == 0",                 # bit 4 is in byte 0
    "offsetof(small.mid) == 1",                 # bit 12 is in byte 1
    "offsetof(tail.r) == 52",
    # sizeof(layout) = words * 8; sizeof(view) = end of its last field, in bytes
    "sizeof(page) == 64",
    "sizeof(page) == NW * 8",
    "sizeof(ptdesc) == 26",                     # pt_frag ends at bit 16 of word 3: 24 + 2
    "sizeof(small) == 2",                       # mid ends at bit 16 of word 0
    "sizeof(tail) == 54",                       # r ends at bit 48 of word 6: 48 + 6
    "sizeof(empty) == 0",
    "sizeof(ptdesc) <= sizeof(page)",
    "offsetof(page._refcount) - offsetof(page.page_type) == 4",
]


def test_static_asserts_that_hold(tmp_path, monkeypatch):
    text = SIZES + "".join(f'static_assert {c}, "ok {i}"\n' for i, c in enumerate(PASSING)) + "```\n"
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0")
    # Everything passes the front end; the deliberately false invariant is then found at depth 0.
    assert err == ""
    assert code == 1
    assert "invariant 'always_false' VIOLATED at depth 0" in out


@pytest.mark.parametrize("cond, left, right", [
    ("offsetof(page._refcount) == 48", 52, 48),
    ("offsetof(page.flags) == offsetof(ptdesc.pt_list_prev)", 0, 16),
    ("sizeof(ptdesc) > sizeof(page)", 26, 64),
    ("sizeof(tail) == 56", 54, 56),
    ("offsetof(small.mid) != 1", 1, 1),
])
def test_static_assert_that_fails(tmp_path, monkeypatch, cond, left, right):
    text = SIZES + 'static_assert sizeof(page) == 64, "fine"\n' + f'static_assert {cond}, "TABLE_MATCH"\n' + "```\n"
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "3")
    # the failing one is the second appended line: line 30, column 1
    first = expect_error(code, err, "MDC308", "spec.md:30:1", tmp_path / "spec.md", under="static_assert")
    assert first.endswith("static assertion failed: TABLE_MATCH")
    assert f"= note: the left side is {left} and the right side is {right}" in err
    # reported before any solving: no trace, no summary, although always_false is false at depth 0
    assert out == ""
    assert err.count("error[") == 1


def test_static_assert_depends_on_overridden_constant(tmp_path, monkeypatch):
    text = SIZES + 'static_assert sizeof(page) == 64, "struct page is 64 bytes"\n```\n'
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0", "-D", "NW=7")
    expect_error(code, err, "MDC308", "spec.md:29:1", tmp_path / "spec.md")
    assert "= note: the left side is 56 and the right side is 64" in err   # 7 words * 8
    assert out == ""
    # with 4 words, page_type (word 6, line 9) no longer fits: that is found first
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0", "-D", "NW=4")
    first = expect_error(code, err, "MDC307", "spec.md:9:5", tmp_path / "spec.md", under="word 6")
    assert "(4 words of 64 bits)" in first
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0", "-D", "NW=8")
    assert code == 1 and err == ""


def test_static_assert_of_a_boolean_combination_notes_values_in_spec_spelling(tmp_path, monkeypatch):
    # sizeof(page) == 64 is true, sizeof(ptdesc) == 8 is false (it is 26). The language
    # spells booleans true/false (traces print `false -> true`), so the note should too.
    text = SIZES + 'static_assert sizeof(page) == 64 && sizeof(ptdesc) == 8, "both"\n```\n'
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0")
    expect_error(code, err, "MDC308", "spec.md:29:1", tmp_path / "spec.md")
    assert "= note: the left side is true and the right side is false" in err, err


def test_static_assert_unknown_names(tmp_path, monkeypatch):
    text = SIZES + 'static_assert offsetof(ptdesc.lru_prev) == 16, "x"\n```\n'
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0")
    # the offsetof(...) call starts at column 15 of line 29
    first = expect_error(code, err, "MDC201", "spec.md:29:15", tmp_path / "spec.md", under="offsetof(")
    assert "did you mean 'pt_list_prev'" in first
    text = SIZES + 'static_assert sizeof(pagex) == 64, "x"\n```\n'
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "0")
    first = expect_error(code, err, "MDC201", "spec.md:29:15", tmp_path / "spec.md", under="sizeof(")
    assert "did you mean 'page'" in first


# ---------------------------------------------------------------------------
# diagnostics of layouts and views

BASE = ("layout page[4] {",                  # 3
        "    word 0: flags: u64",            # 4
        "    word 2: lru_prev: u64",         # 5
        "}",                                 # 6
        "view ptdesc of page {",             # 7
        "    word 2: pt_list_prev: u64",     # 8
        "}",                                 # 9
        "var pages: [0..1] page")            # 10


@pytest.mark.parametrize("lines, at, under, words_", [
    # word 4 of a 4-word layout (words 0..3)
    (("layout page[4] {", "    word 0: flags: u64", "    word 4: extra: u64", "}", "var p: page"),
     "spec.md:5:5", "word 4", "word 4"),
    # bit 60 + 8 = 68 > 64
    (("layout page[4] {", "    word 1 bit 60: x: u8", "}", "var p: page"),
     "spec.md:4:5", "word 1 bit 60", "bits 60..67"),
    # a u64 at bit 32 runs to bit 95
    (("layout page[4] {", "  word 3 bit 32: x: u64", "}", "var p: page"),
     "spec.md:4:3", "word 3 bit 32", "bits 32..95"),
    # a view field outside the layout it views
    (BASE[:4] + ("view ptdesc of page {", "    word 0: a: u64", "      word 7: b: u64", "}", "var p: page"),
     "spec.md:9:7", "word 7", "word 7"),
])
def test_mdc307_field_outside_layout(tmp_path, monkeypatch, lines, at, under, words_):
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    first = expect_error(code, err, "MDC307", at, tmp_path / "spec.md", under=under)
    assert words_ in first and "outside layout 'page'" in first


def test_mdc307_exactly_at_the_edge_is_fine(tmp_path, monkeypatch):
    lines = ("layout page[4] {", "    word 3 bit 56: last: u8", "    word 0 bit 63: top: u1", "}",
             "var p: page", "init { p.last = 0xff }", "invariant i: p.last == 0xff")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "1")
    assert (code, err) == (0, "")


def test_mdc201_unknown_view_field_with_suggestion(tmp_path, monkeypatch):
    lines = BASE + ("init { pages[0].flags = 0 }",                             # 11
                    "invariant i: pages[0].ptdesc.pt_list_prv == 0")           # 12
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    first = expect_error(code, err, "MDC201", "spec.md:12:14", tmp_path / "spec.md", under="pages[0].ptdesc.pt_list_prv")
    assert "pt_list_prv" in first and "did you mean 'pt_list_prev'?" in first


def test_mdc201_own_field_is_not_a_view_field(tmp_path, monkeypatch):
    # lru_prev is page's name for word 2; ptdesc has no field of that name
    lines = BASE + ("action a() {",                                            # 11
                    "    pages[1].ptdesc.lru_prev = 0",                        # 12
                    "}")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    first = expect_error(code, err, "MDC201", "spec.md:12:5", tmp_path / "spec.md")
    assert "lru_prev" in first and "pt_list_prev" in first


def test_mdc303_assigning_a_whole_view(tmp_path, monkeypatch):
    lines = BASE + ("action a() {",                                            # 11
                    "    pages[0].ptdesc = pages[1].ptdesc",                   # 12
                    "}")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    first = expect_error(code, err, "MDC303", "spec.md:12:5", tmp_path / "spec.md", under="pages[0].ptdesc")
    assert "view" in first


@pytest.mark.parametrize("type_text", ["bool", "0..3", "R", "E"])
def test_mdc301_layout_field_must_be_a_bit_vector(tmp_path, monkeypatch, type_text):
    lines = BASE[:4] + ("view ptdesc of page {",                               # 7
                        f"    word 1: odd: {type_text}",                       # 8
                        "}", "var pages: [0..1] page", "record R { a: u8 }", "enum E { X, Y }")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    expect_error(code, err, "MDC301", "spec.md:8:18", tmp_path / "spec.md", under=type_text)


def test_mdc202_duplicate_field_within_one_view(tmp_path, monkeypatch):
    lines = BASE[:5] + ("    word 2: pt_list_prev: u64",                       # 8
                        "    word 3: pt_list_prev: u64",                       # 9
                        "}", "var pages: [0..1] page")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    first = expect_error(code, err, "MDC202", "spec.md:9:5", tmp_path / "spec.md")
    assert "pt_list_prev" in first
    assert "spec.md:8:5: note:" in err


def test_same_field_name_in_different_views_is_fine_and_distinct(tmp_path):
    # `x` is word 0 in view a and word 1 in view b; `flags` is also page's own word 0.
    body = """
        layout page[2] { word 0: flags: u64 }
        view a of page { word 0: x: u64 }
        view b of page { word 1: x: u64
                         word 0: flags: u64 }
        var pg: page
        init { pg.a.x = 1  pg.b.x = 2 }
        action swap() { let t = pg.a.x  pg.a.x = pg.b.x  pg.b.x = t }
        invariant a_is_flags: pg.a.x == pg.flags && pg.b.flags == pg.flags
        invariant b_never_1: pg.b.x != 1
    """
    model, verdicts = check_spec(tmp_path, body, depth=2)
    holds_to(verdicts, "a_is_flags", 2)
    v = violated_at(verdicts, "b_never_1", 1)
    assert v.trace.final_state()["pg"] == (2, 1)


@pytest.mark.parametrize("lines, at, word", [
    (("var word: u64",), "spec.md:3:5", "word"),
    (("var x: u8", "action a() {", "    let bit = 1", "    x = 1", "}"), "spec.md:5:9", "bit"),
    (("var x: u8", "action a(bit: u8) { x = bit }"), "spec.md:4:10", "bit"),
    (("record R { word: u64 }", "var x: R"), "spec.md:3:12", "word"),
])
def test_word_and_bit_are_reserved(tmp_path, monkeypatch, lines, at, word):
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "0")
    expect_error(code, err, "MDC101", at, tmp_path / "spec.md", under=word)
    assert f"= hint: '{word}' is a reserved word of the language; pick another name" in err


def test_names_that_merely_start_with_word_or_bit_are_fine(tmp_path, monkeypatch):
    lines = ("var words: u8", "var bits: u8", "var word0: u8", "var bitmap: u8",
             "init { words = 1  bits = 2  word0 = 3  bitmap = 4 }",
             "invariant i: words + bits + word0 + bitmap == 10")
    code, out, err = cli(tmp_path, monkeypatch, spec_text(*lines), "--depth", "1")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("use", [
    "invariant i: pages[0].ptdesc == pages[1].ptdesc",
    "action a() { let v = pages[0].ptdesc  pages[1].lru_prev = v.pt_list_prev }",
])
def test_a_view_is_not_a_value(tmp_path, monkeypatch, use):
    # A view names bits; it is no value of its own. Using it as one must be a spec error
    # (exit 3), never an internal error (exit 4).
    lines = BASE + ("init { pages[0].flags = 0 }", use)                        # 11, 12
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MDCHECK_DEBUG", raising=False)
    (tmp_path / "spec.md").write_text(spec_text(*lines))
    code = cli_run(["--no-timing", "--depth", "1", "spec.md"], out, err)
    assert "internal error" not in err.getvalue(), err.getvalue()
    assert code == 3, err.getvalue()
    assert err.getvalue().startswith("spec.md:12:"), err.getvalue()


# ---------------------------------------------------------------------------
# traces: symbols, and fields named by the view that wrote them

TRACE_SPEC = """\
# spec
```mdcheck
layout page[8] {
    word 0: flags: u64
    word 1: compound_head: u64
    word 1: lru_next: u64
    word 2: lru_prev: u64
    word 6: page_type: u32
    word 6 bit 32: _refcount: u32
}
view ptdesc of page {
    word 0: pt_flags: u64
    word 2: pt_list_prev: u64
    word 3 bit 8: pt_frag: u8
}
view raw of page {
    word 3: w3: u64
    word 4: w4: u64
    word 5: w5: u64
    word 7: w7: u64
}
symbol LIST_POISON2 = 0xdead000000000122
symbol pte_free_now = 0xffffffff81a82b37
symbol slot[i in 0..3] = 0xffff888100000000 + i * 64
var pages: [0..1] page
init {
    for p in 0..1 {
        pages[p].flags = 0
        pages[p].compound_head = 0
        pages[p].lru_prev = LIST_POISON2
        pages[p].raw.w3 = 0x1122334455667788
        pages[p].raw.w4 = 0
        pages[p].raw.w5 = 0
        pages[p].page_type = 0xffffffff
        pages[p]._refcount = 1
        pages[p].raw.w7 = 0
    }
}
"""
# `init {` is line 26 and its closing brace line 38; what is appended starts at line 39.


def trace_run(tmp_path, monkeypatch, tail: str, depth: int = 1, *flags: str) -> str:
    code, out, err = cli(tmp_path, monkeypatch, TRACE_SPEC + tail + "```\n", "--depth", str(depth), *flags)
    assert code == 1 and err == "", err
    return out


def test_step_0_shows_own_fields_first_declared_wins_and_raw_uncovered_words(tmp_path, monkeypatch):
    out = trace_run(tmp_path, monkeypatch, "invariant never: pages[0].flags != 0\n", 0, "--full-state")
    lines = out.splitlines()
    i = lines.index("step 0: init")
    shown = [re.match(r"    (\S+)\s+= (.*)$", line).groups() for line in lines[i + 1:i + 10]]
    # own fields in word/bit order, compound_head (declared first) hiding lru_next, then
    # the words no own field covers (3, 4, 5, 7), each named through the view init wrote it with
    assert shown == [
        ("pages[*].flags", "0x0"),
        ("pages[*].compound_head", "0x0"),
        ("pages[*].lru_prev", "0xdead000000000122 <LIST_POISON2>"),
        ("pages[*].page_type", "0xffffffff"),
        ("pages[*]._refcount", "0x1"),
        ("pages[*].raw.w3", "0x1122334455667788"),
        ("pages[*].raw.w4", "0x0"),
        ("pages[*].raw.w5", "0x0"),
        ("pages[*].raw.w7", "0x0"),
    ]
    assert lines[i + 10].startswith("invariant 'never' is false")


def test_write_through_view_is_named_by_the_view_with_symbols(tmp_path, monkeypatch):
    out = trace_run(tmp_path, monkeypatch,
                    "action pte_free(p: 0..1) { pages[p].ptdesc.pt_list_prev = pte_free_now }\n"   # 39
                    "invariant poisoned: pages[0].lru_prev == LIST_POISON2\n")                    # 40
    assert "--- default: invariant 'poisoned' VIOLATED at depth 1 (UNEXPECTED) ---" in out
    assert "step 1: pte_free(p=0)    [spec.md:39]" in out
    # one line changed: the field as the action named it, with its word; word 2's own
    # name (lru_prev) is not repeated
    assert step_lines(out, 1) == [
        "    pages[0].ptdesc.pt_list_prev (word 2) : 0xdead000000000122 <LIST_POISON2> "
        "-> 0xffffffff81a82b37 <pte_free_now>",
    ]
    assert "invariant 'poisoned' is false [spec.md:40]" in out
    assert "        pages[0].lru_prev = 0xffffffff81a82b37 <pte_free_now>" in out.splitlines()


def test_write_of_an_own_overlapping_field_hides_the_field_it_overlaps(tmp_path, monkeypatch):
    out = trace_run(tmp_path, monkeypatch,
                    "action link() { pages[1].lru_next = 0x5 }\n"
                    "invariant unlinked: pages[1].compound_head == 0\n")
    # lru_next is page's own field (no word shown); compound_head, the same bits, is omitted
    assert step_lines(out, 1) == ["    pages[1].lru_next : 0x0 -> 0x5"]


def test_symbols_with_offsets_and_out_of_range(tmp_path, monkeypatch):
    out = trace_run(tmp_path, monkeypatch,
                    "action tag(addr: u64) {\n"
                    "    require addr == 0xffff888100000080\n"
                    "    pages[0].flags = 0xffff88810000004f\n"          # slot[1] + 15
                    "    pages[0].compound_head = 0xffff8881000000ff\n"  # slot[3] + 63
                    "    pages[0].lru_prev = 0xffff888100000100\n"       # slot[3] + 64: none
                    "}\n"
                    "invariant untagged: pages[0].flags == 0\n")
    assert re.search(r"^step 1: tag\(addr=0xffff888100000080 <slot\[2\]>\)    \[spec\.md:39\]$", out, re.M), out
    lines = step_lines(out, 1)
    assert len(lines) == 3, lines
    assert re.fullmatch(r"    pages\[0\]\.flags\s+: 0x0 -> 0xffff88810000004f <slot\[1\]\+0xf>", lines[0])
    assert re.fullmatch(r"    pages\[0\]\.compound_head\s+: 0x0 -> 0xffff8881000000ff <slot\[3\]\+0x3f>", lines[1])
    assert re.fullmatch(r"    pages\[0\]\.lru_prev\s+: 0xdead000000000122 <LIST_POISON2> -> 0xffff888100000100",
                        lines[2])


def test_sub_word_view_write_splits_word_6_and_hides_both_own_halves(tmp_path, monkeypatch):
    # ptdesc has no field over word 6; use raw names to write bits 16..47 through a view
    text = TRACE_SPEC.replace("    word 7: w7: u64\n", "    word 7: w7: u64\n    word 6 bit 16: mid: u32\n")
    code, out, err = cli(tmp_path, monkeypatch, text + "action m() { pages[0].raw.mid = 0xabcd1234 }\n"
                         "invariant type_full: pages[0].page_type == 0xffffffff\n```\n", "--depth", "1")
    assert code == 1 and err == ""
    # w6 = 0x00000001_ffffffff; bits 16..47 = 0x0001ffff. After: w6 = 0x0000abcd_1234ffff,
    # i.e. page_type 0x1234ffff and _refcount 0xabcd, both covered by the write.
    assert step_lines(out, 1) == ["    pages[0].raw.mid (word 6) : 0x1ffff -> 0xabcd1234"]
    assert "        pages[0].page_type = 0x1234ffff" in out.splitlines()


def test_view_write_to_an_uncovered_word_omits_the_raw_word(tmp_path, monkeypatch):
    # Word 3 has no own field: step 0 shows it as pages[*].word3. A write of pt_frag is
    # shown by its view name; the own-view cell those bits lie in (word3) is not repeated.
    out = trace_run(tmp_path, monkeypatch,
                    "action frag() { pages[0].ptdesc.pt_frag = 0xff }\n"
                    "invariant w3: pages[0].raw.w3 == 0x1122334455667788\n")
    assert step_lines(out, 1) == ["    pages[0].ptdesc.pt_frag (word 3) : 0x77 -> 0xff"], step_lines(out, 1)


def test_view_write_inside_a_proc_is_named_by_the_view(tmp_path, monkeypatch):
    # The action writes ptdesc.pt_list_prev through a proc; the trace should still name it so.
    out = trace_run(tmp_path, monkeypatch,
                    "proc free_pt(p: 0..1) { pages[p].ptdesc.pt_list_prev = pte_free_now }\n"
                    "action pte_free() { free_pt(0) }\n"
                    "invariant poisoned: pages[0].lru_prev == LIST_POISON2\n")
    assert step_lines(out, 1) == [
        "    pages[0].ptdesc.pt_list_prev (word 2) : 0xdead000000000122 <LIST_POISON2> "
        "-> 0xffffffff81a82b37 <pte_free_now>",
    ], step_lines(out, 1)


def test_layout_in_a_record_indexed_by_an_enum(tmp_path, monkeypatch):
    text = spec_text(
        "layout page[2] { word 0: flags: u64 }",
        "view pt of page { word 1 bit 8: frag: u8 }",
        "enum Slot { A, B }",
        "record S { live: bool, pg: page }",
        "var slots: [Slot] S",
        "init { for s in Slot { slots[s].live = false  slots[s].pg.flags = 0  slots[s].pg.pt.frag = 0 } }",
        "action take(s: Slot) { slots[s].pg.pt.frag = 0x3  slots[s].live = true }",
        "invariant b_idle: !slots[B].live",
    )
    code, out, err = cli(tmp_path, monkeypatch, text, "--depth", "1")
    assert code == 1 and err == ""
    lines = step_lines(out, 1)
    assert re.fullmatch(r"    slots\[B\]\.pg\.pt\.frag \(word 1\)\s+: 0x0 -> 0x3", lines[0]), lines
    assert re.fullmatch(r"    slots\[B\]\.live\s+: false -> true", lines[1]), lines
