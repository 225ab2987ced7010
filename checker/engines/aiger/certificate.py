"""ABC's proof, re-checked by Z3 on mdcheck's own word-level terms before anyone sees PROVED.

A certificate is a set of clauses over latch bits (by the circuit's latch names): PDR's
invariant on the network it ran on, plus one clause pair for each latch ABC merged into
another (or into a constant) before that. It proves the properties when, over Z3 terms
built by the encoder (not by the bit-blaster, so a bug in the export cannot make a proof):
1. the reset state (nothing initialized, every cell 0) meets it;
2. init, from any values in their types that meet its requires, makes a state that meets it;
3. a good step from a state that meets it makes a state that meets it;
4. in a state that meets it, no frame breaks a property (the circuit's output, as Z3 terms).
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import z3

from checker.engines.aiger.answers import Clause
from checker.engines.aiger.export import INITIALIZED, Circuit, Output, leaves
from checker.engines.symbolic.encoder import SymValue

SHOWN_CLAUSES = 12  # of PDR's own clauses, in --show-invariant


@dataclass(frozen=True)
class Recheck:
    holds: bool
    reason: str = ""     # why not: the obligation that failed, or "timeout"
    seconds: float = 0.0
    obligation_seconds: tuple[float, ...] = ()


def _bit_reader(circuit: Circuit, state: dict[str, SymValue], initialized: z3.BoolRef):
    """latch bit name -> Z3 Bool over `state`."""
    leaf_of: dict[str, z3.ExprRef] = {}
    for name, _ in circuit.model.state:
        template, value = circuit.state[name], state[name]
        for t_leaf, leaf in zip(leaves(template), leaves(value)):
            leaf_of[str(t_leaf)] = leaf
    bits: dict[str, z3.BoolRef] = {INITIALIZED: initialized}
    one = {}
    for cell in circuit.latch_cells:
        leaf = leaf_of[cell.name]
        if cell.is_bool:
            bits[cell.name] = leaf
            continue
        for i in range(cell.width):
            ctx = circuit.encoder.ctx
            width_one = one.setdefault(0, z3.BitVecVal(1, 1, ctx))
            bits[f"{cell.name}[{i}]"] = z3.Extract(i, i, leaf) == width_one
    return bits


def invariant(circuit: Circuit, clauses: list[Clause], state: dict[str, SymValue],
              initialized: z3.BoolRef) -> z3.BoolRef:
    encoder = circuit.encoder
    bits = _bit_reader(circuit, state, initialized)
    return encoder.conj([encoder.disj([bits[name] if value else z3.Not(bits[name]) for name, value in clause])
                         for clause in clauses])


def holds_at_reset(clauses: list[Clause]) -> bool:
    return all(any(value is False for _, value in clause) for clause in clauses)


def recheck(circuit: Circuit, clauses: list[Clause], outputs: list[Output], deadline: float | None,
            workers: int = 1) -> Recheck:
    """The four obligations above; with `workers` > 1 the queries run in that many threads,
    each in a Z3 context of its own (Z3 releases the GIL while it solves)."""
    started = time.monotonic()
    if not holds_at_reset(clauses):
        return Recheck(False, "the invariant does not hold in the reset state", time.monotonic() - started)
    encoder, terms, ctx = circuit.encoder, circuit.terms, circuit.encoder.ctx
    initialized = z3.Bool(INITIALIZED, ctx)
    before = invariant(circuit, clauses, circuit.state, initialized)
    true = encoder.true
    obligations = [
        ("init makes a state outside the invariant",
         encoder.conj([before, z3.Not(initialized), terms.havoc_in_type, terms.init_alive,
                       z3.Not(invariant(circuit, clauses, terms.after_init, true))])),
        ("a step leaves the invariant",
         encoder.conj([before, initialized, terms.step_good,
                       z3.Not(invariant(circuit, clauses, terms.after_step, true))])),
        ("the invariant allows a frame that breaks " + ", ".join(sorted({o.prop for o in outputs})),
         encoder.conj([before, encoder.disj([terms.output(encoder, o, initialized) for o in outputs])])),
    ]
    known = _merged_state(circuit, clauses)
    act = circuit.step.act
    # the step's obligation, one query per action: each then holds that action's terms only
    queries = [(what, query, []) for what, query in obligations[:1]]
    choices = range(len(circuit.model.actions)) if act is not None else [None]
    queries += [(obligations[1][0], obligations[1][1], [] if k is None else [(act, z3.BitVecVal(k, act.size(), ctx))])
                for k in choices]
    queries += [(what, query, []) for what, query in obligations[2:]]
    # the invariant fixes these cells in the state before, or ties them to others: Z3 gets
    # them so, which spares it bit-blasting the step on them (the invariant stays whole)
    prepared = [(what, z3.substitute(query, *(known + chosen)) if known + chosen else query)
                for what, query, chosen in queries]
    if workers > 1:
        prepared = [(what, query.translate(z3.Context())) for what, query in prepared]
    with ThreadPoolExecutor(max(1, workers)) as pool:
        answers = list(pool.map(lambda item: _solve(item[1], deadline), prepared))
    for (what, _), (result, reason, _) in zip(prepared, answers):
        if result == z3.unknown:
            return Recheck(False, reason, time.monotonic() - started)
        if result == z3.sat:
            return Recheck(False, what, time.monotonic() - started)
    return Recheck(True, "", time.monotonic() - started, tuple(seconds for _, _, seconds in answers))


def _solve(query: z3.BoolRef, deadline: float | None) -> tuple[z3.CheckSatResult, str, float]:
    began = time.monotonic()
    solver = z3.SolverFor("QF_BV", ctx=query.ctx)
    solver.add(query)
    result = _check(solver, query.ctx, deadline)
    reason = ""
    if result == z3.unknown:
        reason = "timeout" if deadline and time.monotonic() >= deadline else f"Z3 gave up ({solver.reason_unknown()})"
    return result, reason, round(time.monotonic() - began, 2)


def _merged_state(circuit: Circuit, clauses: list[Clause]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    """(state cell, the cell with every bit the invariant fixes or ties to another replaced by
    that constant or that bit): the state before, under the invariant, with the merged bits
    eliminated. Z3 then folds the step on them instead of bit-blasting it whole."""
    constant: dict[str, bool] = {}
    for clause in clauses:
        if len(clause) == 1:
            constant[clause[0][0]] = clause[0][1]
    every = set(clauses)
    equal_to: dict[str, str] = {}
    for clause in clauses:
        if len(clause) == 2:
            (a, va), (b, vb) = clause
            if not va and vb and ((a, True), (b, False)) in every:  # a => b and b => a
                equal_to.setdefault(a, b)
    ctx = circuit.encoder.ctx
    where: dict[str, tuple[z3.ExprRef, int | None]] = {}  # bit -> (its cell's constant, position)
    for cell in circuit.latch_cells:
        variable = z3.Bool(cell.name, ctx) if cell.is_bool else z3.BitVec(cell.name, cell.width, ctx)
        for i, bit in enumerate(cell.bit_names()):
            where[bit] = (variable, None if cell.is_bool else i)

    def as_bit(bit: str, seen: frozenset = frozenset()) -> z3.BitVecRef | None:
        if bit in constant:
            return z3.BitVecVal(int(constant[bit]), 1, ctx)
        if bit in equal_to and bit not in seen and equal_to[bit] in where:
            resolved = as_bit(equal_to[bit], seen | {bit})
            if resolved is not None:
                return resolved
        if bit in seen:
            return None
        variable, position = where[bit]
        if position is None:
            return z3.If(variable, z3.BitVecVal(1, 1, ctx), z3.BitVecVal(0, 1, ctx))
        return z3.Extract(position, position, variable)

    out = []
    for cell in circuit.latch_cells:
        bits = cell.bit_names()
        if not any(b in constant or b in equal_to for b in bits):
            continue
        parts = [as_bit(b) for b in bits]
        if any(p is None for p in parts):
            continue
        if cell.is_bool:
            out.append((z3.Bool(cell.name, ctx), parts[0] == z3.BitVecVal(1, 1, ctx)))
        else:
            value = parts[0] if len(parts) == 1 else z3.Concat(*reversed(parts))
            out.append((z3.BitVec(cell.name, cell.width, ctx), z3.simplify(value)))
    return out


def _check(solver: z3.Solver, ctx: z3.Context, deadline: float | None) -> z3.CheckSatResult:
    if deadline is None:
        return solver.check()
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return z3.unknown
    timer = threading.Timer(remaining, ctx.interrupt)
    timer.start()
    try:
        return solver.check()
    finally:
        timer.cancel()


def describe(circuit: Circuit, clauses: list[Clause]) -> str:
    """The invariant for people: which bits are constant or equal, and PDR's first clauses."""
    constant = [c for c in clauses if len(c) == 1]
    every = set(clauses)
    pairs = {frozenset(name for name, _ in c) for c in clauses
             if len(c) == 2 and tuple((name, not value) for name, value in c) in every}
    others = [c for c in clauses if len(c) > 1 and frozenset(name for name, _ in c) not in pairs]
    cells = sorted({name.rsplit("[", 1)[0] for (name, _), in constant})
    text = (f"{len(clauses)} clauses over the latch bits: {len(constant)} bits constant (in {len(cells)} cells), "
            f"{len(pairs)} pairs of bits equal, {len(others)} further clauses")
    shown = [" | ".join(("" if value else "!") + name for name, value in c) for c in others[:SHOWN_CLAUSES]]
    if shown:
        text += "; the first of those: " + "; ".join(shown)
    return text

