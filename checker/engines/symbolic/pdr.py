"""IC3/PDR through Z3's Spacer engine: the model as constrained Horn clauses.

    Inv(init(h))                        for every havoc h that init accepts
    Inv(s) and good(s, a) -> Inv(a(s))  for every state s and action choice a
    Inv(s) and broken(s)  -> Err        per property: an assert or check failing in a
                                        step from s, or an invariant false in s
Err unreachable (unsat) proves every candidate at once, and Spacer's solution for Inv is an
inductive invariant. Err reachable says some candidate breaks; which one, and the shortest
trace, is BMC's job.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import z3

from checker import ir
from checker.engines.symbolic.encoder import Encoder
from checker.engines.symbolic.unrolling import enabled, encode_step, next_state, state_failures, step_failures


@dataclass(frozen=True)
class PdrOptions:
    deadline: float | None = None
    rlimit: int | None = None  # Z3 resource units for Spacer


@dataclass
class PdrRun:
    proved: tuple[str, ...] = ()
    frames: int = 0
    invariant: str | None = None
    reachable_error: bool = False  # some candidate breaks (BMC finds which, and how)
    unknown: str | None = None
    seconds: float = 0.0


def prove(model: ir.Model, candidates: tuple[str, ...], options: PdrOptions) -> PdrRun:
    started = time.monotonic()
    run = PdrRun()
    if not candidates:
        return run
    ctx = z3.Context()
    encoder = Encoder(model, ctx)
    domain: list[z3.BoolRef] = []
    state = encoder.fresh_state("s.", domain)
    cells = [c for name, _ in model.state for c in encoder.leaves(state[name])]
    inv = z3.Function("Inv", *[c.sort() for c in cells], z3.BoolSort(ctx))
    err = z3.Function("Err", z3.BoolSort(ctx))

    havoc_domain: list[z3.BoolRef] = []
    havoc = encoder.fresh_state("h.", havoc_domain)
    init = encoder.run(model.init, havoc, {})
    init_cells = [c for name, _ in model.state for c in encoder.leaves(init.state[name])]
    havoc_cells = [c for name, _ in model.state for c in encoder.leaves(havoc[name])]

    step, results, constraints = encode_step(encoder, model, state, 1, lambda: False)
    after = next_state(encoder, model, step, results)
    after_cells = [c for name, _ in model.state for c in encoder.leaves(after[name])]
    choice = ([step.act] if step.act is not None else []) + [
        c for params in step.params for value in params.values() for c in encoder.leaves(value)]

    wanted = set(candidates)
    bad = [c for n, c in state_failures(encoder, model, state).items() if n in wanted]
    bad += [c for n, c in step_failures(encoder, step, results).items() if n in wanted]

    fp = z3.Fixedpoint(ctx=ctx)
    fp.set(engine="spacer")
    if options.rlimit is not None:
        fp.set("rlimit", options.rlimit)
    fp.register_relation(inv, err)
    fp.add_rule(_forall(havoc_cells, z3.Implies(encoder.conj(havoc_domain + [init.alive]), inv(*init_cells))))
    fp.add_rule(_forall(cells + choice, z3.Implies(
        encoder.conj([inv(*cells)] + domain + constraints + [enabled(encoder, step, results)]), inv(*after_cells))))
    fp.add_rule(_forall(cells + choice, z3.Implies(
        encoder.conj([inv(*cells)] + domain + constraints + [encoder.disj(bad)]), err())))

    result, reason = _query(fp, err(), ctx, options.deadline)
    run.seconds = time.monotonic() - started
    if result == z3.unsat:
        run.proved = tuple(candidates)
        run.frames = fp.get_num_levels(inv)
        run.invariant = _invariant_text(fp, inv, model)
    elif result == z3.sat:
        run.reachable_error = True
    else:
        run.unknown = reason
    return run


def _forall(variables: list, body: z3.BoolRef) -> z3.BoolRef:
    return z3.ForAll(variables, body) if variables else body


def _query(fp: z3.Fixedpoint, goal: z3.BoolRef, ctx: z3.Context, deadline: float | None) -> tuple[object, str]:
    remaining = None if deadline is None else deadline - time.monotonic()
    if remaining is not None and remaining <= 0:
        return z3.unknown, "timeout"
    timer = threading.Timer(remaining, ctx.interrupt) if remaining is not None else None
    try:
        if timer:
            timer.start()
        try:
            result = fp.query(goal)
        except z3.Z3Exception as error:  # an interrupted or limited Spacer raises instead of answering unknown
            if deadline is not None and time.monotonic() >= deadline:
                return z3.unknown, "timeout"
            message = error.value.decode(errors="replace") if isinstance(error.value, bytes) else str(error.value)
            return z3.unknown, "resource limit" if "resource limit" in message else message
        if result == z3.unknown:
            reason = fp.reason_unknown()
            if deadline is not None and time.monotonic() >= deadline:
                reason = "timeout"
            elif "resource limit" in reason:
                reason = "resource limit"
            return result, reason
        return result, ""
    finally:
        if timer:
            timer.cancel()


def _invariant_text(fp: z3.Fixedpoint, inv: z3.FuncDeclRef, model: ir.Model) -> str:
    """Spacer's solution for Inv, with the state cells named as the spec names them."""
    names = [_cell_names(name, t) for name, t in model.state]
    flat = [n for group in names for n in group]
    solution = fp.get_cover_delta(-1, inv)
    variables = [z3.Var(i, inv.domain(i)) for i in range(inv.arity())]
    named = [z3.Const(n, inv.domain(i)) for i, n in enumerate(flat)]
    return str(z3.simplify(z3.substitute(solution, *zip(variables, named))))


def _cell_names(name: str, t: ir.Type) -> list[str]:
    if isinstance(t, ir.LayoutType):
        return [f"{name}.word{i}" for i in range(t.words)]
    if isinstance(t, ir.RecordType):
        return [n for fname, ft in t.fields for n in _cell_names(f"{name}.{fname}", ft)]
    if isinstance(t, ir.ArrayType):
        return [n for i in ir.domain_values(t.index) for n in _cell_names(f"{name}[{_index_text(i, t.index)}]", t.elem)]
    return [name]


def _index_text(value: object, t: ir.FiniteType) -> str:
    if isinstance(t, ir.EnumType):
        return t.members[value]  # type: ignore[index]
    return str(value).lower() if isinstance(value, bool) else str(value)
