"""models/struct_page.md and models/memory.md: the word-exact struct page and its views."""
from __future__ import annotations

import io
import re
from pathlib import Path

from checker.cli import run
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

MODELS = Path(__file__).resolve().parent.parent / "models"


def _spec(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "spec.md"
    path.write_text(f'# test\n\n```mdcheck\nimport "{MODELS / "memory.md"}"\n{body}\n```\n')
    return path


def _check(path: Path, depth: int):
    model = lower(collect_declarations(load_spec(str(path))), "default", {})
    return model, bmc.check(model, bmc.BmcOptions(depth)).verdicts


def test_the_kernels_table_match_checks_hold(tmp_path):
    model, _ = _check(_spec(tmp_path, "init { }"), 0)
    page = model.state_type("pages").elem
    by_name = {(f.view, f.name): f for f in page.fields}
    # KERNEL_FACTS: memdesc is word 2, __folio_index word 4, _refcount the high half of word 6
    assert (by_name[("page", "memdesc")].word, by_name[("page", "memdesc")].bit) == (2, 0)
    assert by_name[("page", "__folio_index")].word == 4
    assert (by_name[("page", "_refcount")].word, by_name[("page", "_refcount")].bit) == (6, 32)
    assert by_name[("rcu_head", "func")].word == 2 and by_name[("ptdesc", "pt_list_next")].word == 1


def test_a_broken_table_match_is_reported_at_its_line(tmp_path):
    text = (MODELS / "struct_page.md").read_text()
    broken = text.replace("    word 4: pt_index: u64\n    word 5: ptl: u32",
                          "    word 5: pt_index: u64\n    word 4: ptl: u32", 1)
    assert broken != text
    (tmp_path / "struct_page.md").write_text(broken)
    spec = tmp_path / "spec.md"
    spec.write_text('```mdcheck\nimport "struct_page.md"\n```\n')
    out, err = io.StringIO(), io.StringIO()
    assert run([str(spec), "--no-timing"], out, err) == 3
    line = next(i for i, l in enumerate(broken.splitlines(), 1) if "TABLE_MATCH(__folio_index, pt_index)" in l)
    assert f"struct_page.md:{line}:1: error[MDC308]: static assertion failed: " \
           "TABLE_MATCH(__folio_index, pt_index)" in err.getvalue()
    assert "the left side is 32 and the right side is 40" in err.getvalue()
    assert out.getvalue() == ""


def test_rcu_head_func_overwrites_the_memdesc(tmp_path):
    # pte_free_defer's call_rcu writes rcu_head.func: word 2, which is the memdesc.
    body = """
symbol pte_free_now = 0xffffffff81a82b37
init { for p in Pfn { pages[p].memdesc = memdesc_create(0xffff888100a00000, MEMDESC_TYPE_PAGE_TABLE) } }
action defer(p: Pfn) { pages[p].rcu_head.func = pte_free_now }
invariant tagged: forall p in Pfn: memdesc_type(pages[p].memdesc) == MEMDESC_TYPE_PAGE_TABLE
"""
    path = _spec(tmp_path, body)
    model, verdicts = _check(path, 2)
    v = verdicts["tagged"]
    assert isinstance(v, Violated) and v.depth == 1
    p = dict(v.trace.steps[0].args)["p"]
    assert v.trace.steps[0].state["pages"][p][2] == 0xFFFFFFFF81A82B37
    replay(model, v.trace, model.property("tagged"))
    out, err = io.StringIO(), io.StringIO()
    run([str(path), "--no-timing", "--depth", "1"], out, err)
    text = out.getvalue()
    assert f"pages[{p}].rcu_head.func (word 2) : 0xffff888100a0000f -> 0xffffffff81a82b37 <pte_free_now>" in text
    pfn = 0x124CC0 + p
    assert re.search(rf"page: refcount:-?\d+ mapcount:-?\d+ mapping:[0-9a-f]{{16}} index:0x[0-9a-f]+ pfn:{pfn:#x}",
                     text)
    assert re.search(r"raw: [0-9a-f]{16} [0-9a-f]{16} ffffffff81a82b37 [0-9a-f]{16}", text)
    assert "page dumped because: tagged" in text


def test_views_alias_the_same_words(tmp_path):
    body = """
action get(p: Pfn) { require pages[p]._refcount < 3  pages[p].ptdesc.__page_refcount += 1 }
action link(p: Pfn, v: u64) { pages[p].lru.next = v }
init { for p in Pfn { pages[p]._refcount = 0  pages[p].compound_head = 0 } }
invariant refcount_alias: forall p in Pfn: pages[p]._refcount == pages[p].ptdesc.__page_refcount
invariant head_alias: forall p in Pfn: pages[p].compound_head == pages[p].buddy_list.next
invariant page_type_untouched: forall p in Pfn: pages[p].page_type == pages[p]._mapcount
"""
    _, verdicts = _check(_spec(tmp_path, body), 2)
    assert all(isinstance(v, HoldsToDepth) for v in verdicts.values()), verdicts


def test_page_lru_addresses_round_trip(tmp_path):
    body = """
action probe(p: Pfn) {
    assert page_of_lru_addr(page_lru_addr(p)) == p, "round trip"
    assert is_page_lru_addr(page_lru_addr(p)), "is an lru address"
    assert !is_page_lru_addr(page_lru_addr(p) + 8), "lru.prev is not an lru address"
}
"""
    _, verdicts = _check(_spec(tmp_path, body), 1)
    assert all(isinstance(v, HoldsToDepth) for v in verdicts.values()), verdicts
