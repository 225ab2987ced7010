"""The ptdesc slab cache, boot order and call_rcu models, checked on small specs.

Each spec lives in tmp_path and imports the models by absolute path. The expected verdicts
and depths are worked out by hand in the comment above each assertion; every violation is
replayed in the concrete interpreter (checker.engines.concrete.replay.replay).

Shared hand facts:
- `kmem_cache_alloc_ptdesc(t)` requires t to be the lowest free slot, so the first
  allocation is always slot 0, the second slot 1, and so on while nothing is freed.
- boot.md takes exactly four actions (mem_init, kmem_cache_init, ptcache_init,
  vmalloc_init), each enabled once and in that order; `booted` is true from the fourth on.
- slot t lives at 0xffff888100a00000 + 64 * t; its memdesc is that address | 15.
"""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from checker.cli import run as cli_run
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Proved, Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

MODELS = Path(__file__).resolve().parent.parent / "models"

PTDESC_BASE = 0xFFFF888100A00000
POISON_FREE = 0x6B6B6B6B6B6B6B6B
POISONED_OBJECT = (POISON_FREE,) * 5 + (0xA56B6B6B6B6B6B6B,)  # 0x6b bytes, last byte 0xa5
PTE_FREE_NOW = 0xFFFFFFFF81A82B30
LIST_POISON2 = 0xDEAD000000000122
VMEMMAP_PAGE0 = 0xFFFFEA0000000000 + 0x124CC0 * 64

# word indexes of the layouts, as in models/struct_page.md
PAGE_RCU_NEXT, PAGE_MEMDESC = 1, 2            # rcu_head.next / .func alias words 1-2
PT_PAGE, PT_RCU_NEXT, PT_RCU_FUNC = 1, 2, 3   # ptdesc_obj words

PAGES_INIT = """
    for p in Pfn {
        pages[p].flags = PAGE_FLAGS_ZONE
        pages[p].compound_head = LIST_POISON1
        pages[p].memdesc = LIST_POISON2
        pages[p].mapping = 0
        pages[p].__folio_index = 0
        pages[p].private = 0
        pages[p].page_type = PAGE_TYPE_NONE
        pages[p]._refcount = 0
        pages[p].memcg_data = 0
    }
"""

# a page table: ptdesc slot t for page p, as patch 7's pagetable_alloc fills it in
PAGETABLE_ALLOC_AT = """
fn page_in_use(p: Pfn): bool =
    exists t in PtId: ptdesc_allocated[t] && ptdescs[t].pt_page == page_struct_addr(p)

proc pagetable_alloc_at(t: PtId, p: Pfn) {
    require !page_in_use(p)
    kmem_cache_alloc_ptdesc(t)
    pages[p].memdesc = ptdesc_memdesc(t)
    pages[p].page_type = PAGE_TYPE_TABLE
    ptdescs[t].pt_flags = pages[p].flags
    ptdescs[t].pt_page = page_struct_addr(p)
}
"""


# ---------------------------------------------------------------------------
# helpers

def write_spec(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    body = textwrap.dedent(body).strip().replace("@MODELS@", str(MODELS))
    path.write_text(f"# {name}\n\n```mdcheck\n{body}\n```\n")
    return path


def model_of(path: Path, config: str, overrides: dict | None = None):
    return lower(collect_declarations(load_spec(str(path))), config, overrides or {})


def check(model, depth: int) -> dict:
    verdicts = bmc.check(model, bmc.BmcOptions(depth)).verdicts
    for prop in model.properties:
        v = verdicts[prop.name]
        if isinstance(v, Violated):
            assert v.depth == v.trace.depth, prop.name
            replay(model, v.trace, prop)  # raises ReplayError if it does not replay
    return verdicts


def violated_at(verdicts: dict, name: str, depth: int) -> Violated:
    v = verdicts[name]
    assert isinstance(v, Violated) and v.depth == depth, f"{name}: expected violated at {depth}, got {v}"
    return v


def holds(verdicts: dict, depth: int, *, except_: tuple[str, ...] = ()) -> None:
    bad = {n: v for n, v in verdicts.items() if n not in except_ and v != HoldsToDepth(depth)}
    assert not bad, bad


def proved(verdicts: dict, *, except_: tuple[str, ...] = (), stops_by: int) -> None:
    for name, v in verdicts.items():
        if name in except_:
            continue
        assert isinstance(v, Proved) and v.engine == "bmc", f"{name}: {v}"
        assert f"stops by depth {stops_by};" in v.detail, v.detail


def actions(v: Violated) -> list[tuple[str, dict]]:
    return [(s.action, dict(s.args)) for s in v.trace.steps]


def run_cli(argv: list) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["-v", "--summary-table", *(str(a) for a in argv)], out, err)
    assert "internal error" not in err.getvalue(), err.getvalue()
    return code, out.getvalue()


# ---------------------------------------------------------------------------
# slab_ptdesc.md

SLAB = """
    import "@MODELS@/slab_ptdesc.md"

    const CACHE_AT_INIT = true

    config lifecycle {
        NPAGES = 2
        disable free_twice
        disable decode_past_end
        expect slot1_implies_slot0 violated
        expect not_full violated
    }
    config double_free {
        NPAGES = 2
        disable free
        disable decode_past_end
        expect "kmem_cache_free_ptdesc: object is allocated" violated
        expect not_full violated
    }
    config bad_address {
        NPAGES = 2
        disable free
        disable free_twice
        expect range_PtId violated
        expect not_full violated
    }

    init {
    @PAGES@
        if CACHE_AT_INIT {
            ptcache_init()
        }
    }

    action alloc(t: PtId, p: Pfn) {
        kmem_cache_alloc_ptdesc(t)
        ptdescs[t].pt_flags = pages[p].flags
        ptdescs[t].pt_page = page_struct_addr(p)
        pages[p].memdesc = ptdesc_memdesc(t)
    }

    action free(t: PtId) {
        require ptdesc_allocated[t]
        kmem_cache_free_ptdesc(t)
    }

    action free_twice(t: PtId) {
        require ptdesc_allocated[t]
        kmem_cache_free_ptdesc(t)
        kmem_cache_free_ptdesc(t)
    }

    action decode_past_end() {
        // one slot past the cache: the decoder's PtId conversion must catch it
        let t = ptdesc_of_addr(ptdesc_addr(NPTDESC - 1) + PTDESC_STRIDE)
        ptdescs[t].ptl = 0
    }

    invariant slot1_implies_slot0: ptdesc_allocated[1] => ptdesc_allocated[0]
    invariant not_full: ptdesc_lowest_free() < NPTDESC
    invariant free_slots_poisoned:
        forall t in PtId: !ptdesc_allocated[t] =>
            ptdescs[t].pt_flags == POISON_FREE && ptdescs[t].pt_page == POISON_FREE &&
            ptdescs[t].pt_list_next == POISON_FREE && ptdescs[t].pt_list_prev == POISON_FREE &&
            ptdescs[t].pt_index == POISON_FREE && ptdescs[t].ptl == POISON_FREE_32 &&
            ptdescs[t]._ptl_pad == POISON_FREE_END_32
    invariant allocated_slots_point_at_pages:
        forall t in PtId: ptdesc_allocated[t] => is_page_struct_addr(ptdescs[t].pt_page)
    invariant address_helpers:
        (forall t in PtId: is_ptdesc_addr(ptdesc_addr(t)) && ptdesc_of_addr(ptdesc_addr(t)) == t &&
                           ptdesc_of_addr(ptdesc_memdesc(t) - MEMDESC_TYPE_PAGE_TABLE) == t) &&
        !is_ptdesc_addr(ptdesc_addr(0) + 16) && !is_ptdesc_addr(PTDESC_BASE - PTDESC_STRIDE) &&
        !is_ptdesc_addr(ptdesc_addr(NPTDESC - 1) + PTDESC_STRIDE) &&
        (forall p in Pfn: is_page_struct_addr(page_struct_addr(p)) &&
                          page_of_struct_addr(page_struct_addr(p)) == p)
""".replace("@PAGES@", PAGES_INIT)


@pytest.fixture(scope="module")
def slab_spec(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("slab"), "slab.md", SLAB)


def test_slab_lowest_free_slot_and_the_first_hole(slab_spec):
    # Slot 1 is taken only while slot 0 is allocated (lowest free), so the only way to
    # allocated[1] && !allocated[0] is alloc(0), alloc(1), free(0): depth 3, no shorter.
    # not_full: three slots, three allocations with no free in between: depth 3.
    # Nothing writes a free slot's words but poisoning, and alloc writes pt_page: holds.
    model = model_of(slab_spec, "lifecycle")
    verdicts = check(model, 4)
    v = violated_at(verdicts, "slot1_implies_slot0", 3)
    assert [(a, args["t"]) for a, args in actions(v)] == [("alloc", 0), ("alloc", 1), ("free", 0)]
    final = v.trace.final_state()
    assert final["ptdesc_allocated"] == (False, True, False)
    assert final["ptdescs"][0] == POISONED_OBJECT, "kmem_cache_free poisons the object"
    full = violated_at(verdicts, "not_full", 3)
    assert [(a, args["t"]) for a, args in actions(full)] == [("alloc", 0), ("alloc", 1), ("alloc", 2)]
    holds(verdicts, 4, except_=("slot1_implies_slot0", "not_full"))


def test_slab_size_follows_nptdesc(slab_spec):
    # -D NPTDESC=2: two allocations fill the cache (depth 2); the symbols follow the constant.
    model = model_of(slab_spec, "lifecycle", {"NPTDESC": 2})
    assert {s.name: s.value for s in model.symbols if s.name.startswith("ptdesc_at")} == \
        {"ptdesc_at[0]": PTDESC_BASE, "ptdesc_at[1]": PTDESC_BASE + 64}
    verdicts = check(model, 2)
    violated_at(verdicts, "not_full", 2)


def test_slab_without_ptcache_bugs_on_the_first_allocation(slab_spec):
    # CACHE_AT_INIT=false: ptcache_ready stays false, and the first alloc (slot 0, the only
    # lowest free slot) reaches BUG_ON(!ptcache): depth 1. free needs an allocated slot and
    # no allocation succeeds, so no execution gets past depth 0: everything else is proved.
    model = model_of(slab_spec, "lifecycle", {"CACHE_AT_INIT": False})
    verdicts = check(model, 3)
    v = violated_at(verdicts, "pagetable_alloc: ptcache exists", 1)
    assert actions(v)[0][0] == "alloc" and actions(v)[0][1]["t"] == 0
    assert v.trace.failed_in_step
    proved(verdicts, except_=("pagetable_alloc: ptcache exists",), stops_by=0)


def test_slab_double_free_and_out_of_range_address(slab_spec):
    # free_twice needs an allocated slot: alloc (1), free_twice (2) frees it twice.
    verdicts = check(model_of(slab_spec, "double_free"), 2)
    v = violated_at(verdicts, "kmem_cache_free_ptdesc: object is allocated", 2)
    assert [a for a, _ in actions(v)] == ["alloc", "free_twice"]
    # decode_past_end is enabled from the start and always decodes slot NPTDESC: depth 1.
    verdicts = check(model_of(slab_spec, "bad_address"), 1)
    v = violated_at(verdicts, "range_PtId", 1)
    assert [a for a, _ in actions(v)] == ["decode_past_end"]


@pytest.mark.slow
def test_slab_cli_trace_names_slots_and_poison(slab_spec):
    # Expected outcomes only (exit 0); the trace prints slot addresses and the poison by name.
    code, out = run_cli([slab_spec, "--config", "lifecycle", "--depth", "3", "--no-timing", "--full-state"])
    assert code == 0, out
    assert "0xffff888100a0000f <ptdesc_at[0]+0xf>" in out
    assert "0xffff888100a0004f <ptdesc_at[1]+0xf>" in out
    assert "ptdescs[*].pt_page      = 0x6b6b6b6b6b6b6b6b <POISON_FREE>" in out
    assert "step 3: free(t=0)" in out


# ---------------------------------------------------------------------------
# boot.md

BOOT = """
    import "@MODELS@/boot.md"

    const BOOT_PAGE = 1

    config no_patch5 {
        NPAGES = 2
        use preallocate_vmalloc_pages = in_mem_init
        use boot_pagetable_alloc = ptdesc_only
        use user_pagetable_alloc = guarded
        expect "pagetable_alloc: ptcache exists" violated
    }
    config patch5 {
        NPAGES = 2
        use preallocate_vmalloc_pages = in_vmalloc_init
        use boot_pagetable_alloc = ptdesc_only
        use user_pagetable_alloc = guarded
        expect not_booted violated
        expect fewer_than_two violated
    }
    config patch5_unguarded {
        NPAGES = 2
        use preallocate_vmalloc_pages = in_vmalloc_init
        use boot_pagetable_alloc = ptdesc_only
        use user_pagetable_alloc = unguarded
        expect "pagetable_alloc: ptcache exists" violated
        expect not_booted violated
        expect fewer_than_two violated
    }
    config patch5_with_page {
        NPAGES = 2
        use preallocate_vmalloc_pages = in_vmalloc_init
        use boot_pagetable_alloc = with_page
        use user_pagetable_alloc = guarded
        expect not_booted violated
        expect fewer_than_two violated
    }

    init {
    @PAGES@
    }
    @PAGETABLE_ALLOC_AT@

    // a spec's own allocator, plugged into preallocate_vmalloc_pages()
    proc boot_pagetable_alloc[with_page]() {
        let first = ptdesc_lowest_free()
        require first < NPTDESC
        for t in PtId {
            if t == first {
                pagetable_alloc_at(t, BOOT_PAGE)
            }
        }
    }

    action user_pagetable_alloc[guarded](t: PtId) {
        require booted
        kmem_cache_alloc_ptdesc(t)
    }

    action user_pagetable_alloc[unguarded](t: PtId) {
        kmem_cache_alloc_ptdesc(t)
    }

    invariant not_booted: !booted
    invariant fewer_than_two: (count t in PtId: ptdesc_allocated[t]) < 2
    invariant cache_before_objects: (exists t in PtId: ptdesc_allocated[t]) => ptcache_ready
    invariant slab_before_ptcache: ptcache_ready => slab_ready
    invariant boot_table_is_slot0: booted => ptdesc_allocated[0]
""".replace("@PAGES@", PAGES_INIT).replace("@PAGETABLE_ALLOC_AT@", PAGETABLE_ALLOC_AT)

BOOT_STEPS = ["boot_mem_init", "boot_kmem_cache_init", "boot_ptcache_init", "boot_vmalloc_init"]


@pytest.fixture(scope="module")
def boot_spec(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("boot"), "boot.md", BOOT)


def test_boot_without_patch5_bugs_in_mem_init(boot_spec):
    # At depth 1 only boot_mem_init is enabled (the user action waits for booted), and it
    # calls preallocate_vmalloc_pages -> boot_pagetable_alloc -> kmem_cache_alloc_ptdesc(0)
    # with ptcache still NULL: the BUG at depth 1. It fails on every execution, so none gets
    # past depth 0 and every other property is proved.
    verdicts = check(model_of(boot_spec, "no_patch5"), 6)
    v = violated_at(verdicts, "pagetable_alloc: ptcache exists", 1)
    assert [a for a, _ in actions(v)] == ["boot_mem_init"]
    assert v.trace.failed_in_step
    proved(verdicts, except_=("pagetable_alloc: ptcache exists",), stops_by=0)


def test_boot_with_patch5_boots_and_holds_past_boot(boot_spec):
    # Boot is four steps; the preallocation in vmalloc_init takes slot 0 after ptcache_init,
    # so no BUG. not_booted first fails after the fourth step; a second ptdesc needs boot
    # (4) and one user allocation (5). Depth 6 is two steps past boot.
    verdicts = check(model_of(boot_spec, "patch5"), 6)
    v = violated_at(verdicts, "not_booted", 4)
    assert [a for a, _ in actions(v)] == BOOT_STEPS
    final = v.trace.final_state()
    assert final["ptdesc_allocated"] == (True, False, False) and final["ptcache_ready"]
    two = violated_at(verdicts, "fewer_than_two", 5)
    assert actions(two)[-1] == ("user_pagetable_alloc", {"t": 1})
    holds(verdicts, 6, except_=("not_booted", "fewer_than_two"))


def test_boot_normal_action_without_require_booted_reports_a_spurious_bug(boot_spec):
    # The unguarded user action can run at step 1, before ptcache_init: the same BUG at
    # depth 1 although patch 5 is applied. This is why normal actions require booted.
    verdicts = check(model_of(boot_spec, "patch5_unguarded"), 5)
    v = violated_at(verdicts, "pagetable_alloc: ptcache exists", 1)
    assert [a for a, _ in actions(v)] == ["user_pagetable_alloc"]
    violated_at(verdicts, "not_booted", 4)
    # after ptcache_init (step 3) the user action succeeds at step 4, vmalloc_init's
    # preallocation at step 5 takes the next slot: two ptdescs at depth 5, as with the guard
    violated_at(verdicts, "fewer_than_two", 5)


def test_boot_spec_plugs_in_its_own_pagetable_alloc(boot_spec):
    # with_page tags BOOT_PAGE with slot 0's memdesc inside boot_vmalloc_init (step 4).
    verdicts = check(model_of(boot_spec, "patch5_with_page"), 5)
    v = violated_at(verdicts, "not_booted", 4)
    steps = v.trace.steps
    assert steps[2].state["pages"][1][PAGE_MEMDESC] == LIST_POISON2, "untouched before vmalloc_init"
    assert steps[3].state["pages"][1][PAGE_MEMDESC] == PTDESC_BASE | 15
    assert steps[3].state["ptdescs"][0][PT_PAGE] == VMEMMAP_PAGE0 + 64
    holds(verdicts, 5, except_=("not_booted", "fewer_than_two"))


def test_boot_cli_shows_the_bug_at_mem_init(boot_spec):
    code, out = run_cli([boot_spec, "--config", "no_patch5", "--depth", "3", "--no-timing"])
    assert code == 0, out
    assert "assert 'pagetable_alloc: ptcache exists' VIOLATED at depth 1 (expected)" in out
    assert "step 1: boot_mem_init()" in out
    assert "    ptcache_ready = false" in out


# ---------------------------------------------------------------------------
# rcu.md: the syzbot "kernel BUG in pte_free_now"

RCU = """
    import "@MODELS@/rcu.md"

    config in_page {
        NPAGES = 4
        use pte_free_defer = in_page
        use pagetable_dtor_free = ptdesc_only
        disable ptdesc_list_write
        disable unmap_again
        expect tables_tagged violated
        expect "page_ptdesc: memdesc is a page table" violated
    }
    config in_ptdesc {
        NPAGES = 4
        use pte_free_defer = in_ptdesc
        use pagetable_dtor_free = counted
        disable ptdesc_list_write
        disable unmap_again
        expect none_freed violated
    }
    config clobber_ptdesc {
        NPAGES = 4
        use pte_free_defer = in_ptdesc
        use pagetable_dtor_free = counted
        disable unmap_again
        expect none_freed violated
        expect rcu_heads_intact violated
        expect "rcu_do_batch: rcu_head.func is the queued callback" violated
    }
    config defer_twice {
        NPAGES = 4
        use pte_free_defer = in_ptdesc
        use pagetable_dtor_free = counted
        disable ptdesc_list_write
        expect none_freed violated
        expect "call_rcu: rcu_head is not already queued" violated
    }

    var table_mapped: [PtId] bool    // ghost: the table is still in a page table
    var table_freed: bool            // ghost: some table went all the way through RCU

    init {
    @PAGES@
        for t in PtId {
            table_mapped[t] = false
        }
        table_freed = false
        ptcache_init()
    }
    @PAGETABLE_ALLOC_AT@

    proc pagetable_dtor_free[counted](t: PtId) {
        let p = ptdesc_page(t)
        pages[p].page_type = PAGE_TYPE_NONE
        kmem_cache_free_ptdesc(t)
        table_freed = true
    }

    action pagetable_alloc(t: PtId, p: Pfn) {
        pagetable_alloc_at(t, p)
        table_mapped[t] = true
    }

    action unmap_table(t: PtId) {
        require table_mapped[t]
        table_mapped[t] = false
        pte_free_defer(ptdesc_page(t))
    }

    action unmap_again(t: PtId) {
        // a second pte_free_defer() of a table already handed to RCU
        require ptdesc_allocated[t] && !table_mapped[t]
        pte_free_defer(ptdesc_page(t))
    }

    action ptdesc_list_write(t: PtId) {
        // list_del() through pt_list on a ptdesc, whatever its state
        require ptdesc_allocated[t]
        ptdescs[t].pt_list_next = LIST_POISON1
        ptdescs[t].pt_list_prev = LIST_POISON2
    }

    invariant tables_tagged:
        forall t in PtId: ptdesc_allocated[t] => pages[ptdesc_page(t)].memdesc == ptdesc_memdesc(t)
    invariant none_freed: !table_freed
""".replace("@PAGES@", PAGES_INIT).replace("@PAGETABLE_ALLOC_AT@", PAGETABLE_ALLOC_AT)


@pytest.fixture(scope="module")
def rcu_spec(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("rcu"), "rcu.md", RCU)


def test_rcu_in_page_reproduces_the_syzbot_bug(rcu_spec):
    # pagetable_alloc (1) tags page p with slot 0's memdesc; unmap_table (2) calls
    # call_rcu(&page->rcu_head, pte_free_now), whose func lands on word 2: the memdesc is
    # gone right there (tables_tagged at depth 2). rcu_callback (3) reads func back intact,
    # runs pte_free_now -> pte_free -> page_ptdesc, which finds <pte_free_now>: BUG at 3.
    # No callback can complete (each one BUGs), so nothing is ever freed.
    model = model_of(rcu_spec, "in_page")
    verdicts = check(model, 4)
    tagged = violated_at(verdicts, "tables_tagged", 2)
    assert [a for a, _ in actions(tagged)] == ["pagetable_alloc", "unmap_table"]
    bug = violated_at(verdicts, "page_ptdesc: memdesc is a page table", 3)
    assert [a for a, _ in actions(bug)] == ["pagetable_alloc", "unmap_table", "rcu_callback"]
    assert bug.trace.failed_in_step
    p = actions(bug)[0][1]["p"]
    queued = bug.trace.steps[1].state
    assert queued["pages"][p][PAGE_MEMDESC] == PTE_FREE_NOW
    assert queued["pages"][p][PAGE_RCU_NEXT] == 0
    assert queued["rcu_queue"][0] == (True, VMEMMAP_PAGE0 + 64 * p + 8, PTE_FREE_NOW)
    holds(verdicts, 4, except_=("tables_tagged", "page_ptdesc: memdesc is a page table"))


@pytest.mark.slow
def test_rcu_in_page_cli_trace_shows_func_over_the_memdesc(rcu_spec):
    code, out = run_cli([rcu_spec, "--config", "in_page", "--depth", "3", "--no-timing"])
    assert code == 0, out
    bug = out[out.index("assert 'page_ptdesc: memdesc is a page table' VIOLATED at depth 3"):]
    assert "].rcu_head.func (word 2) : 0xffff888100a0000f <ptdesc_at[0]+0xf> -> " \
           "0xffffffff81a82b30 <pte_free_now>" in bug
    assert "step 3: rcu_callback(slot=0)" in bug
    assert "assert 'page_ptdesc: memdesc is a page table' fails" in bug
    assert "memdesc ffffffff81a82b30 index 0" in bug  # dump_page of the victim


def test_rcu_in_ptdesc_has_no_bug_and_frees_through_rcu(rcu_spec):
    # page_ptdesc finds slot t when queueing; call_rcu writes words 2-3 of the ptdesc and
    # not the page. The callback (3) finds the page through pt_page, page_ptdesc passes,
    # the plugged-in pagetable_dtor_free frees the slot: none_freed at depth 3, nothing else.
    model = model_of(rcu_spec, "in_ptdesc")
    verdicts = check(model, 5)
    v = violated_at(verdicts, "none_freed", 3)
    assert [a for a, _ in actions(v)] == ["pagetable_alloc", "unmap_table", "rcu_callback"]
    t, p = actions(v)[0][1]["t"], actions(v)[0][1]["p"]
    queued = v.trace.steps[1].state
    assert queued["pages"][p][PAGE_MEMDESC] == PTDESC_BASE + 64 * t + 15, "the page is not written"
    assert queued["ptdescs"][t][PT_RCU_FUNC] == PTE_FREE_NOW
    assert queued["ptdescs"][t][PT_RCU_NEXT] == 0
    assert queued["rcu_queue"][0] == (True, PTDESC_BASE + 64 * t + 16, PTE_FREE_NOW)
    done = v.trace.final_state()
    assert done["ptdesc_allocated"][t] is False and done["ptdescs"][t] == POISONED_OBJECT
    holds(verdicts, 5, except_=("none_freed",))


def test_rcu_overwriting_a_queued_rcu_head(rcu_spec):
    # A pt_list write on a ptdesc whose pt_rcu_head is queued: alloc (1), unmap (2), write
    # (3) breaks rcu_heads_intact at depth 3; the callback (4) then reads LIST_POISON2 as
    # its function: the rcu_do_batch assert at depth 4.
    verdicts = check(model_of(rcu_spec, "clobber_ptdesc"), 4)
    v = violated_at(verdicts, "rcu_heads_intact", 3)
    assert [a for a, _ in actions(v)] == ["pagetable_alloc", "unmap_table", "ptdesc_list_write"]
    crash = violated_at(verdicts, "rcu_do_batch: rcu_head.func is the queued callback", 4)
    assert [a for a, _ in actions(crash)][-1] == "rcu_callback"
    # queueing the same table twice: alloc (1), unmap (2), unmap_again (3)
    verdicts = check(model_of(rcu_spec, "defer_twice"), 3)
    v = violated_at(verdicts, "call_rcu: rcu_head is not already queued", 3)
    assert [a for a, _ in actions(v)] == ["pagetable_alloc", "unmap_table", "unmap_again"]


# ---------------------------------------------------------------------------
# all three together: boot, then the syzbot scenario

BIG = """
    import "@MODELS@/boot.md"
    import "@MODELS@/rcu.md"

    const BOOT_PAGE = 0

    config no_patch5 {
        NPAGES = 4
        use preallocate_vmalloc_pages = in_mem_init
        use boot_pagetable_alloc = with_page
        use pte_free_defer = in_page
        use pagetable_dtor_free = ptdesc_only
        expect "pagetable_alloc: ptcache exists" violated
    }
    config patch5_in_page {
        NPAGES = 4
        use preallocate_vmalloc_pages = in_vmalloc_init
        use boot_pagetable_alloc = with_page
        use pte_free_defer = in_page
        use pagetable_dtor_free = ptdesc_only
        expect tables_tagged violated
        expect "page_ptdesc: memdesc is a page table" violated
    }
    config patch5_in_ptdesc {
        NPAGES = 4
        use preallocate_vmalloc_pages = in_vmalloc_init
        use boot_pagetable_alloc = with_page
        use pte_free_defer = in_ptdesc
        use pagetable_dtor_free = ptdesc_only
    }

    var table_mapped: [PtId] bool    // ghost: a user page table still in a page table

    init {
    @PAGES@
        for t in PtId {
            table_mapped[t] = false
        }
    }
    @PAGETABLE_ALLOC_AT@

    proc boot_pagetable_alloc[with_page]() {
        let first = ptdesc_lowest_free()
        require first < NPTDESC
        for t in PtId {
            if t == first {
                pagetable_alloc_at(t, BOOT_PAGE)
            }
        }
    }

    action pagetable_alloc(t: PtId, p: Pfn) {
        require booted
        pagetable_alloc_at(t, p)
        table_mapped[t] = true
    }

    action unmap_table(t: PtId) {
        require booted
        require table_mapped[t]
        table_mapped[t] = false
        pte_free_defer(ptdesc_page(t))
    }

    invariant tables_tagged:
        forall t in PtId: ptdesc_allocated[t] => pages[ptdesc_page(t)].memdesc == ptdesc_memdesc(t)
""".replace("@PAGES@", PAGES_INIT).replace("@PAGETABLE_ALLOC_AT@", PAGETABLE_ALLOC_AT)


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("big"), "big.md", BIG)


def test_big_no_patch5_stops_at_mem_init(big_spec):
    verdicts = check(model_of(big_spec, "no_patch5"), 8)
    violated_at(verdicts, "pagetable_alloc: ptcache exists", 1)
    proved(verdicts, except_=("pagetable_alloc: ptcache exists",), stops_by=0)


@pytest.mark.slow
def test_big_patch5_in_page_boots_then_hits_the_syzbot_bug(big_spec):
    # Boot (4, slot 0 on BOOT_PAGE), pagetable_alloc (5, slot 1), unmap_table (6: memdesc
    # overwritten, tables_tagged), rcu_callback (7: BUG). The longest execution without a
    # crash: boot, two allocations (slots 1, 2), two unmaps = 8 steps; then only callbacks
    # are enabled and each BUGs, so at depth 10 everything else is proved "by depth 8".
    verdicts = check(model_of(big_spec, "patch5_in_page"), 10)
    tagged = violated_at(verdicts, "tables_tagged", 6)
    assert [a for a, _ in actions(tagged)] == BOOT_STEPS + ["pagetable_alloc", "unmap_table"]
    bug = violated_at(verdicts, "page_ptdesc: memdesc is a page table", 7)
    assert [a for a, _ in actions(bug)] == BOOT_STEPS + ["pagetable_alloc", "unmap_table", "rcu_callback"]
    assert actions(bug)[4][1]["t"] == 1
    proved(verdicts, except_=("tables_tagged", "page_ptdesc: memdesc is a page table"), stops_by=8)


@pytest.mark.slow
def test_big_patch5_in_ptdesc_holds_past_a_full_rcu_cycle(big_spec):
    # The in_page BUG needs 7 steps; depth 8 leaves room for a callback and one more step.
    verdicts = check(model_of(big_spec, "patch5_in_ptdesc"), 8)
    holds(verdicts, 8)
