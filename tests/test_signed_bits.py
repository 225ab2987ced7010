"""Signed bit-vectors `iN` (issue 21): C's s8..s64 as the kernel builds them (wrapping,
two's complement), in every reading of the IR: the Z3 encoder (BMC), the compiled closures
(the explicit engine) and the reference interpreter (replay of every trace), which must
agree; then a signed layout field (`_mapcount: i32`), the traces, JSON and ITF that print
it, layout-check against a C `atomic_t`, and the ABC engine."""
from __future__ import annotations

import io
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from checker import ir
from checker.cli import run
from checker.engines.concrete import explicit, interp
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Proved, Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent


def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(tmp_path: Path, body: str):
    return lower(collect_declarations(load_spec(str(write_spec(tmp_path, body)))), "default", {})


def both_engines(model, depth: int) -> dict[str, tuple[str, int | None]]:
    """Each property's answer, the same from BMC and the explicit engine; every trace replays."""
    by_bmc = bmc.check(model, bmc.BmcOptions(depth)).verdicts
    by_explicit = explicit.check(model, explicit.ExplicitOptions(max_depth=depth)).verdicts
    answers = {}
    for prop in model.properties:
        seen = []
        for verdicts in (by_bmc, by_explicit):
            v = verdicts[prop.name]
            if isinstance(v, Violated):
                replay(model, v.trace, prop)  # the interpreter, the third reading
                seen.append(("violated", v.depth))
            else:
                assert isinstance(v, (HoldsToDepth, Proved)), (prop.name, v)
                seen.append(("holds", None))
        assert seen[0] == seen[1], f"{prop.name}: bmc {seen[0]}, explicit {seen[1]}"
        answers[prop.name] = seen[0]
    return answers


def run_cli(tmp_path: Path, body: str, *args: str) -> tuple[int, str, str]:
    path = write_spec(tmp_path, body)
    out, err = io.StringIO(), io.StringIO()
    code = run([str(path), *args], out, err)
    return code, out.getvalue(), err.getvalue()


# ---- the values the brief names, on constants and on state ----

# init sets the state from literals; asserts in an action, so each reading computes them
FACTS = """
    var big: i8
    var na: i8
    var two: i8
    var m8: i8
    var r: i32
    init {
        big = 127
        na = -7
        two = 2
        m8 = -8
        r = -1
    }
    action probe() {
        assert big + 1 == -128, "wraps"
        assert big + 1 < big, "wrapped_is_less"
        assert na / two == -3 && na % two == -1, "truncates"
        assert -7 / two == -3 && 7 / -two == -3 && na / -two == 3, "signs"
        assert 7 % -two == 1 && na % -two == -1, "remainder_sign"
        assert m8 >> 1 == -4 && m8 >> 3 == -1 && m8 >> 8 == -1 && m8 >> 200 == -1, "arithmetic_shift"
        assert i8(0x7f) >> 1 == 63 && m8 << 1 == -16 && m8 << 4 == -128 && m8 << 5 == 0, "shifts"
        assert -(big + 1) == big + 1 && ~m8 == 7 && (big + 1) - 1 == 127 && m8 * m8 == 64 && big * 2 == -2, "wrapping"
        assert (big + 1) / -1 == big + 1 && (big + 1) % -1 == 0 && m8 / -1 == 8, "int_min_over_minus_one_wraps"
        assert int(r) == -1 && u32(r) == 0xffffffff && u64(r) == 0xffffffffffffffff, "to_unsigned"
        assert i64(r) == -1 && int(i64(r)) == -1 && u64(u32(r)) == 0xffffffff, "widening"
        assert i8(r) == -1 && i32(u32(r)) == r && i32(0xffffffff) == -1 && i32(0x80000000) < 0, "narrowing"
        assert i8(200) == -56 && int(i8(200)) == -56 && i8(-56) == i8(u8(200)), "from_integers"
        assert r < 0 && r <= -1 && !(r > 0) && r >= -2147483648 && r != 0x7fffffff, "signed_compare"
    }
    invariant state_facts: int(na) == -7 && na < two && m8 < na && int(r) + 1 == 0
"""


def test_signed_values_in_every_reading(tmp_path):
    model = lower_spec(tmp_path, FACTS)
    answers = both_engines(model, 2)
    assert answers == {p.name: ("holds", None) for p in model.properties}, answers


# ---- laws on solver-chosen operands: every i4 pair, by the explicit engine too ----

LAWS = """
    var last: i4
    init { last = 0 }
    action law(a: i4, b: i4) {
        assert (a < b) == (int(a) < int(b)) && (a >= b) == (int(a) >= int(b)), "order"
        if b != 0 {
            assert (a / b) * b + a % b == a, "c_identity"
            assert (a == -8 && b == -1) || int(a / b) == int(a) / int(b), "div_is_c_div"
            assert int(a % b) == int(a) % int(b), "mod_is_c_mod"
        }
        assert int(a + b) == (int(a) + int(b) + 24) % 16 - 8, "add_wraps"
        assert int(a >> 1) == (int(a) < 0 && int(a) % 2 != 0 ? int(a) / 2 - 1 : int(a) / 2), "shr_floors"
        assert int(i8(a)) == int(a) && int(u8(a)) == (int(a) < 0 ? int(a) + 256 : int(a)), "widen"
        assert i4(int(a)) == a && i4(u8(a)) == a && i4(u4(a)) == a, "round_trip"
        last = a
    }
    action breaks(which: 0..2, a: i4, b: i4) {
        if which == 0 { assert a + 1 > a, "no_wrap" }
        if which == 1 { assert (a < b) == (u4(a) < u4(b)), "unsigned_order" }
        if which == 2 { assert b == 0 || a / b * b == a, "exact_division" }
    }
"""


def test_signed_laws_for_every_operand(tmp_path):
    # law: every assert holds for all 256 pairs (a, b); div_by_zero is guarded.
    # breaks, each at depth 1: no_wrap fails only for a = 7; unsigned_order when the signs
    # differ; exact_division when b does not divide a.
    model = lower_spec(tmp_path, LAWS)
    answers = both_engines(model, 1)
    for name in ("order", "c_identity", "div_is_c_div", "mod_is_c_mod", "add_wraps", "shr_floors",
                 "widen", "round_trip"):
        assert answers[name] == ("holds", None), name
    for name in ("no_wrap", "unsigned_order", "exact_division"):
        assert answers[name] == ("violated", 1), name
    v = bmc.check(model, bmc.BmcOptions(1)).verdicts["no_wrap"]
    assert isinstance(v, Violated) and dict(v.trace.steps[0].args)["a"] == 0x7  # bits of 7


def test_division_by_zero_is_a_check_on_signed_too(tmp_path):
    model = lower_spec(tmp_path, """
        var x: i8
        var y: i8
        init {
            x = -5
            y = 1
        }
        action dec() { y -= 1 }
        invariant q: x / y <= 5 && x % y <= 0
    """)
    assert both_engines(model, 2)["div_by_zero"] == ("violated", 1)


# ---- a signed layout field ----

MAPCOUNT = """
    layout page[2] {
        word 0: flags: u64
        word 1: _mapcount: i32
        word 1 bit 32: _refcount: i32
    }
    view raw of page {
        word 1: low: u32
    }
    type Pfn = 0..1
    var pages: [Pfn] page
    init {
        for p in Pfn {
            pages[p].flags = 0
            pages[p]._mapcount = -1          // page_mapcount() = _mapcount + 1 = 0
            pages[p]._refcount = 1
        }
    }
    fn page_mapcount(p: Pfn): -2147483647..2147483648 = int(pages[p]._mapcount) + 1
    action map(p: Pfn) { pages[p]._mapcount += 1 }
    action unmap(p: Pfn) { pages[p]._mapcount -= 1 }
    invariant mapcount_not_negative: forall p in Pfn: page_mapcount(p) >= 0
    invariant same_bits: forall p in Pfn: pages[p].raw.low == u32(pages[p]._mapcount)
    invariant refcount_positive: forall p in Pfn: pages[p]._refcount > 0
"""


def test_a_signed_field_reads_back_what_was_written(tmp_path):
    model = lower_spec(tmp_path, MAPCOUNT)
    layout = model.state_type("pages").elem  # type: ignore[union-attr]
    assert layout.field("page", "_mapcount").type == ir.BitsType(32, signed=True)
    answers = both_engines(model, 2)
    # unmap once: _mapcount -2, page_mapcount() -1; the raw view sees the same bits
    assert answers == {"mapcount_not_negative": ("violated", 1), "same_bits": ("holds", None),
                       "refcount_positive": ("holds", None)}
    v = bmc.check(model, bmc.BmcOptions(1)).verdicts["mapcount_not_negative"]
    words = v.trace.initial["pages"][0]
    assert words[1] == 0x1_ffffffff  # _refcount 1 over _mapcount -1: the u32 word is 0xffffffff
    cells = dict((name, (value, t)) for name, value, t in interp.flatten(v.trace.initial["pages"], model.state_type("pages"), "pages"))
    value, t = cells["pages[0]._mapcount"]
    assert (value, t.number(value), interp.format_value(value, t)) == (0xffffffff, -1, "-1")


def test_the_trace_json_and_itf_print_signed_values(tmp_path):
    itf_dir = tmp_path / "itf"
    code, out, err = run_cli(tmp_path, MAPCOUNT, "--depth", "2", "--itf", str(itf_dir))
    assert code == 1, out + err
    assert "pages[*]._mapcount = -1" in out, out
    assert "_mapcount : -1 -> -2" in out, out
    assert "mapcount:-1" in out, out  # dump_page(): page_mapcount() of _mapcount -2
    assert "raw: 0000000000000000 00000001fffffffe" in out, out
    code, out, err = run_cli(tmp_path, MAPCOUNT, "--depth", "2", "--format", "json")
    document = json.loads(out)
    trace = next(r for c in document["specs"][0]["configurations"] for r in c["properties"]
                 if r["name"] == "mapcount_not_negative")["trace"]
    assert trace["initial_state"]["pages[0]._mapcount"] == -1
    assert trace["initial_state"]["pages[0].flags"] == "0x0"
    (itf,) = itf_dir.glob("*.itf.json")
    states = json.loads(itf.read_text())["states"]
    page0 = states[0]["pages"]["#map"][0][1]
    assert page0["_mapcount"] == {"#bigint": "-1"} and page0["_refcount"] == {"#bigint": "1"}


def test_proof_engines_on_a_signed_counter(tmp_path):
    body = """
        var c: i8
        init { c = -1 }
        action up() {
            require c < 10
            c += 1
        }
        action down() {
            require c > -5
            c -= 1
        }
        invariant bounded: c >= -5 && c <= 10
    """
    for engine in ("pdr", "auto"):
        code, out, err = run_cli(tmp_path, body, "--engine", engine)
        assert code == 0 and "PROVED" in out, (engine, out + err)


@pytest.mark.skipif(shutil.which("berkeley-abc") is None, reason="Berkeley ABC is not installed")
def test_abc_engine_on_a_signed_layout_field(tmp_path):
    code, out, err = run_cli(tmp_path, MAPCOUNT, "--engine", "abc", "--depth", "3")
    assert code == 1, out + err
    assert "mapcount_not_negative VIOLATED at depth 1" in out, out


def test_layout_check_accepts_a_signed_field_for_atomic_t(tmp_path):
    # struct page's _mapcount and _refcount are atomic_t (int): as i32 they still match
    text = (REPO / "models" / "struct_page.md").read_text()
    for name in ("_refcount", "_mapcount"):
        assert f"{name}: u32" in text
        text = text.replace(f"{name}: u32", f"{name}: i32", 1)
    (tmp_path / "struct_page.md").write_text(text)
    (tmp_path / "memory.md").write_text((REPO / "models" / "memory.md").read_text())
    snapshot = REPO / "tests" / "data" / "layouts" / "btf-6.18.44-x86_64.json"
    out, err = io.StringIO(), io.StringIO()
    code = run(["layout-check", str(tmp_path / "struct_page.md"), "--snapshot", str(snapshot)], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    rows = {line.split()[0]: line for line in out.getvalue().splitlines() if line.startswith("  ")}
    assert "MISMATCH" not in out.getvalue()
    assert "page._mapcount" in rows and "page._refcount" in rows
