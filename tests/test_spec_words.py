"""specs/ptdesc.md: each crash of the RFC thread reproduced on word-exact pages.

Each configuration is checked to the depth of its crash; the expected violation must be
found there, at exactly that depth, replay, and show the values the real oops showed.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from checker.cli import run
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "ptdesc.md"
POISON2 = 0xDEAD000000000122
PTE_FREE_NOW = 0xFFFFFFFF81A82B30

# configuration -> (property expected violated, its shortest depth), worked out from the model:
CRASHES = {
    "patch6_loop": ("tail_pages_tagged", 1),                            # pagetable_alloc(order >= 1)
    "boot_early": ("pagetable_alloc: ptcache exists", 1),               # boot_mem_init
    "cpa_collapse": ("page_ptdesc: memdesc is a page table", 2),        # cpa_split, cpa_collapse
    "cpa_free_frozen": ("refcount_not_negative", 2),                    # cpa_split, cpa_collapse
    "syzbot_pte_free_now": ("page_ptdesc: memdesc is a page table", 3),  # alloc, defer, rcu_callback
    "thp_overlay": ("page_ptdesc: memdesc is a page table", 3),         # alloc, deposit, withdraw
}


@pytest.fixture(scope="module")
def decls():
    return collect_declarations(load_spec(str(SPEC)))


@pytest.mark.slow
@pytest.mark.parametrize("config", sorted(CRASHES))
def test_crash_reproduced_at_its_shortest_depth(decls, config):
    prop, depth = CRASHES[config]
    model = lower(decls, config, {})
    verdicts = bmc.check(model, bmc.BmcOptions(depth)).verdicts
    verdict = verdicts[prop]
    assert isinstance(verdict, Violated) and verdict.depth == depth, (config, verdict)
    evidence = replay(model, verdict.trace, model.property(prop))
    unexpected = [n for n, v in verdicts.items() if isinstance(v, Violated) and model.property(n).expect != "violated"]
    assert unexpected == [], unexpected
    if prop == "page_ptdesc: memdesc is a page table":
        (read,) = [d for d in evidence.detail if isinstance(d, tuple) and d[0].endswith(".memdesc")]
        memdesc = read[1]
        assert memdesc & 0xF != 15
        if config == "cpa_collapse":
            assert memdesc == POISON2, "CPA's table was taken off a free list: LIST_POISON2"
        if config == "syzbot_pte_free_now":
            assert memdesc == PTE_FREE_NOW, "call_rcu() wrote rcu_head.func over the memdesc"


@pytest.mark.slow
def test_cpa_collapse_trace_reads_like_the_oops():
    out, err = io.StringIO(), io.StringIO()
    code = run([str(SPEC), "--config", "cpa_collapse", "--depth", "2", "--no-timing", "-v"], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    text = out.getvalue()
    assert "memdesc dead000000000122 index 0" in text
    assert "raw: 8000000000000000 dead000000000100 dead000000000122 0000000000000000" in text
    assert "page dumped because: page_ptdesc: memdesc is a page table" in text


@pytest.mark.slow
def test_syzbot_trace_names_rcu_head_func():
    out, err = io.StringIO(), io.StringIO()
    run([str(SPEC), "--config", "syzbot_pte_free_now", "--depth", "3", "--no-timing", "-v"], out, err)
    assert "rcu_head.func (word 2)" in out.getvalue()
    assert "<pte_free_now>" in out.getvalue()


@pytest.mark.slow
def test_cpa_free_frozen_leaks_nr_pagetable_and_the_ptdesc(decls):
    # CPA's split (fixed) takes a frozen pagetable_alloc() table; collapse (as posted) frees it
    # with __free_page(): the refcount wraps to -1, and with no pagetable_free() NR_PAGETABLE
    # keeps counting the table and its ptdesc stays allocated. All three at depth 2.
    model = lower(decls, "cpa_free_frozen", {})
    verdicts = bmc.check(model, bmc.BmcOptions(2)).verdicts
    for prop in ("nr_pagetable_balanced", "refcount_not_negative", "ptdesc_freed_with_table"):
        verdict = verdicts[prop]
        assert isinstance(verdict, Violated) and verdict.depth == 2, (prop, verdict)
        assert [s.action for s in verdict.trace.steps] == ["cpa_split", "cpa_collapse"]
        replay(model, verdict.trace, model.property(prop))
