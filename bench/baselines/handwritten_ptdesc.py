"""A hand-written z3py (QF_BV) bounded model checker of specs/ptdesc_tags.md, for comparison.

    python bench/baselines/handwritten_ptdesc.py [--npages N] [--max-depth K] [--budget SECONDS] [--as-posted]

This encodes the same model as specs/ptdesc_tags.md + models/page_alloc.md (configuration
`fixed`, or `as_posted` with --as-posted) directly with Z3 terms, without any of mdcheck's
code, and checks it with the same query strategy as checker/engines/symbolic/bmc.py:

- per depth k: an action-level query (can step k's action fail an assert or implicit
  check?), then step k is added as a good step, a feasibility check on an incremental
  solver (is there any path of length k?), then one disjunctive state-level query (is any
  open invariant, or a check inside one, false in s_k?);
- every property query is solved by a fresh SolverFor("QF_BV") holding all constraints;
  a sat answer settles the properties its model violates and the rest are asked again;
- properties shown unbreakable in s_k are asserted for s_k.

The property set is mdcheck's: the 7 invariants, the 3 asserts, and the 4 implicit checks
mdcheck derives from the spec (bounds_pages, range_nr_pagetable, range_PtId, range_Order),
each stated where it can fail.

Encoding choices (the ones an expert would make by hand):
- every array element and record field is its own constant per step; state s_k is a set
  of fresh constants equated to the next-state terms of step k;
- Pfn is an unsigned ceil(log2 NPAGES)-bit vector, Order a 2-bit value, PtId a 2-bit
  value, Owner a 2-bit enum, refcount a 3-bit signed vector, nr_pagetable a signed vector
  just wide enough for -(2*NPAGES)..2*NPAGES;
- a read with a symbolic index is an If-chain over the elements; a write to one symbolic
  index updates each element under `index == p`; block operations update each page p
  under `head <= p < head + 2^order` (computed at Pfn width + 2 bits, so it cannot wrap);
- page_ptdesc decodes the memdesc word with a logical shift (offset >> 6), and
  pagetable_free works on the slot t itself (on every path that gets there, the assert
  `found == t` has just held).
"""
from __future__ import annotations

import argparse
import sys
import threading
import time

import z3

# ---- constants of the spec ----
MAX_ORDER = 2
NPTDESC = 3
LIST_POISON2 = 0xdead000000000122
PAGE_FLAGS_ZONE = 0x8000000000000000
PG_HEAD_BIT = 1 << 6
PAGE_TYPE_NONE = 0xffffffff
PAGE_TYPE_TABLE = 0xf2000000
FREE_LIST_HEAD = 0xffff88813fffa0c8
MEMDESC_TYPE_PAGE_TABLE = 15
PTDESC_BASE = 0xffff888100a00000
BUDDY, CALLER, PAGETABLE = 0, 1, 2

ACTIONS = ("alloc_pages", "free_pages", "pagetable_alloc", "pte_free")
PARAMS = {"alloc_pages": ("order", "head"), "free_pages": ("head",),
          "pagetable_alloc": ("order", "head", "t"), "pte_free": ("t",)}

INVARIANTS = ("tail_pages_tagged", "nr_pagetable_balanced", "pagetable_pages_frozen",
              "no_page_in_two_tables", "table_pages_owned", "page_table_type_exact",
              "ptdesc_freed_with_table")
ASSERTS = ("pagetable_alloc: head page is tagged", "page_ptdesc: memdesc is a page table",
           "page_ptdesc finds the page's own ptdesc")
CHECKS = ("bounds_pages", "range_nr_pagetable", "range_PtId", "range_Order")
PROPERTIES = INVARIANTS + ASSERTS + CHECKS

PAGE_FIELDS = ("flags", "memdesc", "page_type", "refcount", "owner", "order")
PT_FIELDS = ("allocated", "live", "pt_flags", "pt_page")


def signed_bits(lo: int, hi: int) -> int:
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


class Model:
    """Z3 terms for states and steps of the ptdesc model."""

    def __init__(self, ctx: z3.Context, npages: int, as_posted: bool):
        self.ctx = ctx
        self.N = npages
        self.as_posted = as_posted
        self.W = max(1, (npages - 1).bit_length())     # Pfn width
        self.WW = self.W + 2                           # head + block size never wraps here
        self.NR_LO, self.NR_HI = -2 * npages, 2 * npages
        self.NRW = signed_bits(self.NR_LO, self.NR_HI)
        self.SUMW = max(self.NRW, signed_bits(0, NPTDESC << MAX_ORDER))
        self.T = z3.BoolVal(True, ctx)
        self.F = z3.BoolVal(False, ctx)

    # ---- small helpers ----
    def bv(self, v: int, w: int) -> z3.BitVecRef:
        return z3.BitVecVal(v % (1 << w), w, self.ctx)

    def u64(self, v: int) -> z3.BitVecRef:
        return self.bv(v, 64)

    def read(self, elems: list, idx: z3.BitVecRef):
        """elems[idx] for a symbolic idx: an If-chain, the last element as default."""
        w = idx.size()
        r = elems[-1]
        for p in range(len(elems) - 2, -1, -1):
            r = z3.If(idx == self.bv(p, w), elems[p], r)
        return r

    def write(self, elems: list, idx: z3.BitVecRef, value) -> list:
        w = idx.size()
        return [z3.If(idx == self.bv(p, w), value, e) for p, e in enumerate(elems)]

    def write_where(self, elems: list, where: list, value) -> list:
        return [z3.If(c, value, e) for c, e in zip(where, elems)]

    def block_size(self, order: z3.BitVecRef, w: int) -> z3.BitVecRef:
        """1 << order, at width w."""
        return z3.If(order == self.bv(0, 2), self.bv(1, w),
                     z3.If(order == self.bv(1, 2), self.bv(2, w), self.bv(4, w)))

    def block(self, head: z3.BitVecRef, order: z3.BitVecRef):
        """(head and end at width WW, in_block(p) for each page p)."""
        hw = z3.ZeroExt(self.WW - self.W, head)
        end = hw + self.block_size(order, self.WW)
        inb = [z3.And(z3.ULE(hw, self.bv(p, self.WW)), z3.ULT(self.bv(p, self.WW), end))
               for p in range(self.N)]
        return hw, end, inb

    def block_is_free(self, s: dict, head: z3.BitVecRef, order: z3.BitVecRef) -> z3.BoolRef:
        hw, end, inb = self.block(head, order)
        aligned = (hw & (self.block_size(order, self.WW) - self.bv(1, self.WW))) == self.bv(0, self.WW)
        fits = z3.ULE(end, self.bv(self.N, self.WW))
        free = [z3.Implies(inb[p], s["owner"][p] == self.bv(BUDDY, 2)) for p in range(self.N)]
        return z3.And([aligned, fits] + free)

    def ptdesc_memdesc(self, t: z3.BitVecRef) -> z3.BitVecRef:
        addr = self.u64(PTDESC_BASE) + (z3.ZeroExt(62, t) << 6)
        return addr | self.u64(MEMDESC_TYPE_PAGE_TABLE)

    # ---- states ----
    def fresh_state(self, prefix: str) -> dict:
        c = self.ctx
        s = {
            "flags": [z3.BitVec(f"{prefix}pages[{p}].flags", 64, c) for p in range(self.N)],
            "memdesc": [z3.BitVec(f"{prefix}pages[{p}].memdesc", 64, c) for p in range(self.N)],
            "page_type": [z3.BitVec(f"{prefix}pages[{p}].page_type", 32, c) for p in range(self.N)],
            "refcount": [z3.BitVec(f"{prefix}pages[{p}].refcount", 3, c) for p in range(self.N)],
            "owner": [z3.BitVec(f"{prefix}pages[{p}].owner", 2, c) for p in range(self.N)],
            "order": [z3.BitVec(f"{prefix}pages[{p}].order", 2, c) for p in range(self.N)],
            "allocated": [z3.Bool(f"{prefix}pt[{t}].allocated", c) for t in range(NPTDESC)],
            "live": [z3.Bool(f"{prefix}pt[{t}].live", c) for t in range(NPTDESC)],
            "pt_flags": [z3.BitVec(f"{prefix}pt[{t}].pt_flags", 64, c) for t in range(NPTDESC)],
            "pt_page": [z3.BitVec(f"{prefix}pt[{t}].pt_page", self.W, c) for t in range(NPTDESC)],
            "nr_pagetable": z3.BitVec(f"{prefix}nr_pagetable", self.NRW, c),
        }
        return s

    def init_state(self) -> dict:
        return {
            "flags": [self.u64(PAGE_FLAGS_ZONE)] * self.N,
            "memdesc": [self.u64(LIST_POISON2)] * self.N,
            "page_type": [self.bv(PAGE_TYPE_NONE, 32)] * self.N,
            "refcount": [self.bv(0, 3)] * self.N,
            "owner": [self.bv(BUDDY, 2)] * self.N,
            "order": [self.bv(0, 2)] * self.N,
            "allocated": [self.F] * NPTDESC,
            "live": [self.F] * NPTDESC,
            "pt_flags": [self.u64(0)] * NPTDESC,
            "pt_page": [self.bv(0, self.W)] * NPTDESC,
            "nr_pagetable": self.bv(0, self.NRW),
        }

    @staticmethod
    def leaves(s: dict) -> list:
        out = []
        for k in s:
            v = s[k]
            out.extend(v if isinstance(v, list) else [v])
        return out

    def equal(self, a: dict, b: dict) -> list:
        return [x == y for x, y in zip(self.leaves(a), self.leaves(b))]

    # ---- block procedures (state is copied, then updated) ----
    def buddy_take_block(self, s: dict, head, order, owner: int) -> None:
        _, _, inb = self.block(head, order)
        s["owner"] = self.write_where(s["owner"], inb, self.bv(owner, 2))
        s["memdesc"] = self.write(s["memdesc"], head, self.u64(LIST_POISON2))
        s["order"] = self.write(s["order"], head, order)
        old = self.read(s["flags"], head)
        new = z3.If(order != self.bv(0, 2), old | self.u64(PG_HEAD_BIT), old)
        s["flags"] = self.write(s["flags"], head, new)

    def buddy_free_block(self, s: dict, head, order, inb) -> None:
        s["owner"] = self.write_where(s["owner"], inb, self.bv(BUDDY, 2))
        s["memdesc"] = self.write(s["memdesc"], head, self.u64(FREE_LIST_HEAD))
        s["flags"] = self.write(s["flags"], head, self.u64(PAGE_FLAGS_ZONE))
        s["order"] = self.write(s["order"], head, self.bv(0, 2))

    # ---- actions: (alive, [(property, failure condition)], next state) ----
    def alloc_pages(self, s: dict, prm: dict):
        order, head = prm["order"], prm["head"]
        n = {k: (list(v) if isinstance(v, list) else v) for k, v in s.items()}
        alive = self.block_is_free(s, head, order)
        self.buddy_take_block(n, head, order, CALLER)
        n["refcount"] = self.write(n["refcount"], head, self.bv(1, 3))
        return alive, [], n

    def free_pages(self, s: dict, prm: dict):
        head = prm["head"]
        n = {k: (list(v) if isinstance(v, list) else v) for k, v in s.items()}
        fails = []
        alive = z3.And(self.read(s["owner"], head) == self.bv(CALLER, 2),
                       self.read(s["refcount"], head) == self.bv(1, 3))
        n["refcount"] = self.write(n["refcount"], head, self.bv(0, 3))
        order = self.read(s["order"], head)
        _, end, inb = self.block(head, order)
        ok = z3.ULE(end, self.bv(self.N, self.WW))           # pages[head + i] in bounds
        fails.append(("bounds_pages", z3.And(alive, z3.Not(ok))))
        alive = z3.And(alive, ok)
        self.buddy_free_block(n, head, order, inb)
        return alive, fails, n

    def pagetable_alloc(self, s: dict, prm: dict):
        order, head, t = prm["order"], prm["head"], prm["t"]
        n = {k: (list(v) if isinstance(v, list) else v) for k, v in s.items()}
        fails = []
        lowest = [z3.Implies(z3.ULT(self.bv(u, 2), t), s["allocated"][u]) for u in range(NPTDESC)]
        alive = z3.And([z3.Not(self.read(s["allocated"], t))] + lowest + [self.block_is_free(s, head, order)])
        n["allocated"] = self.write(n["allocated"], t, self.T)
        # alloc_pages_memdesc: the memdesc of a ptdesc is never 0, so it is always written
        md = self.ptdesc_memdesc(t)
        self.buddy_take_block(n, head, order, PAGETABLE)
        if self.as_posted:
            n["memdesc"] = self.write(n["memdesc"], head, md)
        else:
            _, _, inb = self.block(head, order)
            n["memdesc"] = self.write_where(n["memdesc"], inb, md)
        tagged = (self.read(n["memdesc"], head) & self.u64(0xf)) == self.u64(MEMDESC_TYPE_PAGE_TABLE)
        fails.append(("pagetable_alloc: head page is tagged", z3.And(alive, z3.Not(tagged))))
        alive = z3.And(alive, tagged)
        grown = z3.SignExt(1, n["nr_pagetable"]) + self.block_size(order, self.NRW + 1)
        ok = grown <= self.bv(self.NR_HI, self.NRW + 1)
        fails.append(("range_nr_pagetable", z3.And(alive, z3.Not(ok))))
        alive = z3.And(alive, ok)
        n["nr_pagetable"] = z3.Extract(self.NRW - 1, 0, grown)
        n["page_type"] = self.write(n["page_type"], head, self.bv(PAGE_TYPE_TABLE, 32))
        n["pt_flags"] = self.write(n["pt_flags"], t, self.read(n["flags"], head) | z3.ZeroExt(62, order))
        n["pt_page"] = self.write(n["pt_page"], t, head)
        n["live"] = self.write(n["live"], t, self.T)
        return alive, fails, n

    def pte_free(self, s: dict, prm: dict):
        t = prm["t"]
        n = {k: (list(v) if isinstance(v, list) else v) for k, v in s.items()}
        fails = []
        alive = self.read(s["live"], t)
        head = self.read(s["pt_page"], t)
        # page_ptdesc(head)
        md = self.read(s["memdesc"], head)
        is_pt = (md & self.u64(0xf)) == self.u64(MEMDESC_TYPE_PAGE_TABLE)
        fails.append(("page_ptdesc: memdesc is a page table", z3.And(alive, z3.Not(is_pt))))
        alive = z3.And(alive, is_pt)
        offset = md - self.u64(MEMDESC_TYPE_PAGE_TABLE) - self.u64(PTDESC_BASE)
        index = z3.LShR(offset, 6)
        in_range = z3.ULE(index, self.u64(NPTDESC - 1))
        fails.append(("range_PtId", z3.And(alive, z3.Not(in_range))))
        alive = z3.And(alive, in_range)
        found = z3.Extract(1, 0, index)
        fails.append(("page_ptdesc finds the page's own ptdesc", z3.And(alive, found != t)))
        alive = z3.And(alive, found == t)
        # pagetable_free(t)
        flags = self.read(s["pt_flags"], t)
        order_ok = z3.ULE(flags & self.u64(0xf), self.u64(MAX_ORDER))
        fails.append(("range_Order", z3.And(alive, z3.Not(order_ok))))
        alive = z3.And(alive, order_ok)
        order = z3.Extract(1, 0, flags)
        shrunk = z3.SignExt(1, s["nr_pagetable"]) - self.block_size(order, self.NRW + 1)
        ok = shrunk >= self.bv(self.NR_LO, self.NRW + 1)
        fails.append(("range_nr_pagetable", z3.And(alive, z3.Not(ok))))
        alive = z3.And(alive, ok)
        n["nr_pagetable"] = z3.Extract(self.NRW - 1, 0, shrunk)
        n["page_type"] = self.write(n["page_type"], head, self.bv(PAGE_TYPE_NONE, 32))
        _, end, inb = self.block(head, order)
        ok = z3.ULE(end, self.bv(self.N, self.WW))
        fails.append(("bounds_pages", z3.And(alive, z3.Not(ok))))
        alive = z3.And(alive, ok)
        self.buddy_free_block(n, head, order, inb)
        n["live"] = self.write(n["live"], t, self.F)
        if not self.as_posted:
            n["allocated"] = self.write(n["allocated"], t, self.F)
        return alive, fails, n

    # ---- invariants: {property: violation condition} in a state ----
    def violations(self, s: dict) -> dict:
        N = self.N
        live, ptpage, ptflags = s["live"], s["pt_page"], s["pt_flags"]
        order_ok = [z3.ULE(ptflags[t] & self.u64(0xf), self.u64(MAX_ORDER)) for t in range(NPTDESC)]
        orders = [z3.Extract(1, 0, ptflags[t]) for t in range(NPTDESC)]
        blocks = [self.block(ptpage[t], orders[t])[2] for t in range(NPTDESC)]
        mds = [self.ptdesc_memdesc(self.bv(t, 2)) for t in range(NPTDESC)]
        mds = [z3.simplify(m) for m in mds]
        # range_Order, from pt_order() inside the invariants (always under pt[t].live)
        bad_order = z3.Or([z3.And(live[t], z3.Not(order_ok[t])) for t in range(NPTDESC)])
        orders_fine = z3.Not(bad_order)
        inv = {}
        inv["tail_pages_tagged"] = z3.And(orders_fine, z3.Not(z3.And(
            [z3.Implies(z3.And(live[t], blocks[t][p]), s["memdesc"][p] == mds[t])
             for t in range(NPTDESC) for p in range(N)])))
        sizes = [z3.If(live[t], self.block_size(orders[t], self.SUMW), self.bv(0, self.SUMW))
                 for t in range(NPTDESC)]
        nr = z3.SignExt(self.SUMW - self.NRW, s["nr_pagetable"])
        inv["nr_pagetable_balanced"] = z3.And(orders_fine, nr != z3.Sum(sizes))
        inv["pagetable_pages_frozen"] = z3.And(orders_fine, z3.Not(z3.And(
            [z3.Implies(z3.And(live[t], blocks[t][p]), s["refcount"][p] == self.bv(0, 3))
             for t in range(NPTDESC) for p in range(N)])))
        # symmetric in t and u: the pairs t < u suffice
        inv["no_page_in_two_tables"] = z3.And(orders_fine, z3.Not(z3.And(
            [z3.Not(z3.And(live[t], live[u], blocks[t][p], blocks[u][p]))
             for t in range(NPTDESC) for u in range(t + 1, NPTDESC) for p in range(N)])))
        inv["table_pages_owned"] = z3.And(orders_fine, z3.Not(z3.And(
            [z3.Implies(z3.And(live[t], blocks[t][p]), s["owner"][p] == self.bv(PAGETABLE, 2))
             for t in range(NPTDESC) for p in range(N)])))
        inv["page_table_type_exact"] = z3.Not(z3.And(
            [(s["page_type"][p] == self.bv(PAGE_TYPE_TABLE, 32)) ==
             z3.Or([z3.And(live[t], ptpage[t] == self.bv(p, self.W)) for t in range(NPTDESC)])
             for p in range(N)]))
        inv["ptdesc_freed_with_table"] = z3.Not(z3.And(
            [s["allocated"][t] == live[t] for t in range(NPTDESC)]))
        inv["range_Order"] = bad_order
        return inv


class Solver:
    """All constraints so far; fresh QF_BV solvers for properties, one incremental for paths."""

    def __init__(self, ctx: z3.Context, deadline: float):
        self.ctx = ctx
        self.deadline = deadline
        self.constraints: list = []
        self.path_solver = z3.SolverFor("QF_BV", ctx=ctx)

    def add(self, *cs) -> None:
        self.constraints.extend(cs)
        self.path_solver.add(*cs)

    def check(self, query):
        s = z3.SolverFor("QF_BV", ctx=self.ctx)
        s.add(*self.constraints)
        s.add(query)
        return self._run(s)

    def check_feasible(self):
        return self._run(self.path_solver)

    def _run(self, s):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return z3.unknown, None
        timer = threading.Timer(remaining, self.ctx.interrupt)
        try:
            timer.start()
            r = s.check()
            return r, (s.model() if r == z3.sat else None)
        finally:
            timer.cancel()


def run(npages: int, max_depth: int, budget: float, as_posted: bool):
    started = time.monotonic()
    ctx = z3.Context()
    M = Model(ctx, npages, as_posted)
    solver = Solver(ctx, started + budget)
    open_props = set(PROPERTIES)
    verdicts: dict[str, str] = {}
    marks: list[tuple[int, float]] = []

    def ask(conditions: dict, depth: int, level: str) -> None:
        pending = {n: c for n, c in conditions.items() if n in open_props and not z3.is_false(c)}
        while pending:
            result, m = solver.check(z3.Or(list(pending.values())))
            if result == z3.unsat:
                return
            if result == z3.unknown:
                for name in pending:
                    verdicts[name] = f"UNKNOWN at depth {depth}"
                    open_props.discard(name)
                return
            hit = [n for n, c in pending.items() if z3.is_true(m.eval(c, model_completion=True))]
            assert hit
            for name in hit:
                verdicts[name] = f"VIOLATED at depth {depth}"
                open_props.discard(name)
                del pending[name]
                print(f"  !!! {name} VIOLATED at depth {depth} ({level}-level)", flush=True)

    def state_level(s: dict, depth: int) -> None:
        conditions = M.violations(s)
        ask(conditions, depth, "state")
        for name, cond in conditions.items():
            if name in open_props:
                solver.add(z3.Not(cond))

    # depth 0: init has no assert or check that can fail
    s0 = M.fresh_state("s0.")
    solver.add(*M.equal(s0, M.init_state()))
    state_level(s0, 0)
    marks.append((0, time.monotonic() - started))
    print_mark(marks)

    state = s0
    exhausted_at = None
    for k in range(1, max_depth + 1):
        if not open_props:
            break
        act = z3.BitVec(f"act{k}", 2, ctx)  # four actions: every value of act is one
        sel = [act == M.bv(i, 2) for i in range(len(ACTIONS))]
        # each action gets its own parameters, as in mdcheck; ranges go to the constraints
        domain = []
        prms = []
        for a in ACTIONS:
            p = {}
            for name in PARAMS[a]:
                if name == "order":
                    p[name] = z3.BitVec(f"s{k}.{a}.order", 2, ctx)
                    domain.append(z3.ULE(p[name], M.bv(MAX_ORDER, 2)))
                elif name == "t":
                    p[name] = z3.BitVec(f"s{k}.{a}.t", 2, ctx)
                    domain.append(z3.ULT(p[name], M.bv(NPTDESC, 2)))
                else:
                    p[name] = z3.BitVec(f"s{k}.{a}.head", M.W, ctx)
                    if npages < (1 << M.W):
                        domain.append(z3.ULT(p[name], M.bv(npages, M.W)))
            prms.append(p)
        solver.add(*domain)
        results = [getattr(M, a)(state, p) for a, p in zip(ACTIONS, prms)]
        # action-level query
        failures: dict[str, list] = {}
        for sl, (_, fails, _) in zip(sel, results):
            for prop, cond in fails:
                failures.setdefault(prop, []).append(z3.And(sl, cond))
        ask({n: z3.Or(cs) for n, cs in failures.items()}, k, "action")
        # the step as a good step
        nxt = M.fresh_state(f"s{k}.")
        enabled = z3.Or([z3.And(sl, alive) for sl, (alive, _, _) in zip(sel, results)])
        merged = results[-1][2]
        leaves = Model.leaves(merged)
        for sl, (_, _, st) in zip(reversed(sel[:-1]), reversed(results[:-1])):
            other = Model.leaves(st)
            leaves = [a if a.eq(b) else z3.If(sl, a, b) for a, b in zip(other, leaves)]
        solver.add(z3.And([enabled] + [x == v for x, v in zip(Model.leaves(nxt), leaves)]))
        if open_props:
            feasible, _ = solver.check_feasible()
            if feasible == z3.unsat:
                exhausted_at = k - 1
                break
        state_level(nxt, k)
        state = nxt
        marks.append((k, time.monotonic() - started))
        print_mark(marks)

    for name in PROPERTIES:
        if name not in verdicts:
            if exhausted_at is not None:
                verdicts[name] = f"PROVED (every execution stops by depth {exhausted_at})"
            elif name in open_props and marks[-1][0] < max_depth:
                verdicts[name] = f"HOLDS to depth {marks[-1][0]} (budget reached)"
            else:
                verdicts[name] = f"HOLDS to depth {max_depth}"
    return marks, verdicts


def print_mark(marks: list) -> None:
    depth, at = marks[-1]
    previous = marks[-2][1] if len(marks) > 1 else 0.0
    print(f"  depth {depth:2d}: {at:8.2f} s  (+{at - previous:.2f} s)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--npages", type=int, default=8)
    parser.add_argument("--max-depth", type=int, default=10)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--as-posted", action="store_true",
                        help="check the as_posted configuration instead of fixed")
    args = parser.parse_args()
    config = "as_posted" if args.as_posted else "fixed"
    print(f"hand-written z3 BMC, {config} configuration, NPAGES={args.npages}: "
          f"cumulative time per depth (budget {args.budget:.0f} s)")
    marks, verdicts = run(args.npages, args.max_depth, args.budget, args.as_posted)
    if marks[-1][0] < args.max_depth:
        print(f"  budget reached before depth {marks[-1][0] + 1}")
    width = max(map(len, PROPERTIES))
    for name in PROPERTIES:
        print(f"  {name:<{width}}  {verdicts[name]}")
    violated = {n for n, v in verdicts.items() if v.startswith("VIOLATED")}
    if config == "fixed":
        if violated:
            print("!!! ENCODING MISMATCH: the fixed configuration should violate nothing; violated: "
                  + ", ".join(sorted(violated)))
            return 1
        print("fixed: every property holds at every depth checked (as mdcheck reports)")
        return 0
    expected = {"tail_pages_tagged": "VIOLATED at depth 1", "ptdesc_freed_with_table": "VIOLATED at depth 2"}
    bad = [n for n, v in expected.items() if verdicts[n] != v] + sorted(violated - set(expected))
    if bad:
        print("!!! ENCODING MISMATCH with mdcheck's as_posted verdicts on: " + ", ".join(bad))
        return 1
    print("as_posted: tail_pages_tagged violated at depth 1, ptdesc_freed_with_table at depth 2 (as mdcheck)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
