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


def recheck(circuit: Circuit, clauses: list[Clause], outputs: list[Output], deadline: float | None) -> Recheck:
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
    known = _constant_cells(circuit, clauses)
    spent: list[float] = []
    for what, query in obligations:
        solver = z3.SolverFor("QF_BV", ctx=ctx)
        # the invariant fixes these cells in the state before: Z3 gets them as values, which
        # spares it bit-blasting the step on them (the invariant's own clauses stay)
        solver.add(z3.substitute(query, *known) if known else query)
        began = time.monotonic()
        result = _check(solver, ctx, deadline)
        spent.append(round(time.monotonic() - began, 2))
        if result == z3.unknown:
            return Recheck(False, "timeout" if deadline and time.monotonic() >= deadline else
                           f"Z3 gave up ({solver.reason_unknown()})", time.monotonic() - started)
        if result == z3.sat:
            return Recheck(False, what, time.monotonic() - started)
    return Recheck(True, "", time.monotonic() - started, tuple(spent))


def _constant_cells(circuit: Circuit, clauses: list[Clause]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    """(state cell, value) for every cell whose bits the invariant's unit clauses all fix."""
    unit = {literal[0]: literal[1] for clause in clauses if len(clause) == 1 for literal in clause}
    ctx = circuit.encoder.ctx
    out = []
    for cell in circuit.latch_cells:
        bits = cell.bit_names()
        if not all(b in unit for b in bits):
            continue
        if cell.is_bool:
            out.append((z3.Bool(cell.name, ctx), z3.BoolVal(unit[cell.name], ctx)))
        else:
            value = sum(1 << i for i, b in enumerate(bits) if unit[b])
            out.append((z3.BitVec(cell.name, cell.width, ctx), z3.BitVecVal(value, cell.width, ctx)))
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

