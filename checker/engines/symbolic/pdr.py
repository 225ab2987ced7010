"""IC3/PDR through Z3's Spacer engine: the model as constrained Horn clauses.

    Inv(init(h))                        for every havoc h that init accepts
    Inv(s) and good(s, a) -> Inv(a(s))  for every state s and action choice a (no such
                                        clause when the model has no action)
    Inv(s) and broken(s)  -> Err        some candidate: an assert or check failing in a
                                        step from s, or an invariant false in s
Err unreachable (unsat) proves every candidate at once, and Spacer's solution for Inv is an
inductive invariant. If Err is reachable, one clause per candidate i is added,
    Inv(s) and broken_i(s) -> Err_of(i)
and the query becomes "Err_of(i) for some open i". Each sat answer comes with a derivation
of Err_of(i) for one i: that candidate breaks in a reachable state or step (BMC, which left
it holding, has checked too few steps to see it). It is dropped and the others asked again
(Houdini), so one false candidate does not keep the true ones from being proved. Unknown
stops: what is still open keeps its BMC verdict.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from checker import ir
from checker.engines.symbolic.deadline import interrupt_at, seconds_left
from checker.engines.symbolic.encoder import Encoder
from checker.engines.symbolic.unrolling import enabled, encode_step, next_state, state_failures, step_failures


@dataclass(frozen=True)
class PdrOptions:
    deadline: float | None = None
    rlimit: int | None = None  # Z3 resource units for Spacer, shared by every query


@dataclass
class PdrRun:
    proved: tuple[str, ...] = ()
    frames: int = 0
    invariant: str | None = None
    reachable: tuple[str, ...] = ()  # candidates Spacer showed broken in some reachable state or step
    unknown: str | None = None
    seconds: float = 0.0
    queries: int = 0


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

    # with no action (none declared, or every one disabled) no step exists: only the
    # initial states are reachable, and the properties are asked about those
    step, results, constraints = encode_step(encoder, model, state, 1, lambda: False)
    # terms are made in this order (the step's, then the failures') since Z3's work depends on it
    after = next_state(encoder, model, step, results) if model.actions else {}
    after_cells = [c for name, _ in model.state if after for c in encoder.leaves(after[name])]
    choice = ([step.act] if step.act is not None else []) + [
        c for params in step.params for value in params.values() for c in encoder.leaves(value)]

    wanted = set(candidates)
    state_broken = state_failures(encoder, model, state)
    step_broken = step_failures(encoder, step, results) if model.actions else {}
    bad = [c for n, c in state_broken.items() if n in wanted] + [c for n, c in step_broken.items() if n in wanted]

    fp = z3.Fixedpoint(ctx=ctx)
    fp.set(engine="spacer")
    fp.register_relation(inv, err)
    fp.add_rule(_forall(havoc_cells, z3.Implies(encoder.conj(havoc_domain + [init.alive]), inv(*init_cells))))
    if model.actions:
        fp.add_rule(_forall(cells + choice, z3.Implies(
            encoder.conj([inv(*cells)] + domain + constraints + [enabled(encoder, step, results)]),
            inv(*after_cells))))
    # first every candidate at once, through one error clause: the common case (all true)
    # costs one query, the same as with no per-candidate clauses (those made Spacer's
    # proof of specs/ptdesc_tags.md about 40% more work)
    fp.add_rule(_forall(cells + choice, z3.Implies(
        encoder.conj([inv(*cells)] + domain + constraints + [encoder.disj(bad)]), err())))
    budget = _Budget(fp, options.rlimit)
    result, reason = budget.query(err(), ctx, options.deadline)
    run.queries += 1
    live = list(range(len(candidates)))
    reachable: list[int] = []
    if result == z3.unsat:
        run.proved = tuple(candidates)
        run.frames = fp.get_num_levels(inv)
        run.invariant = _invariant_text(fp, inv, model)
        live = []
    elif result != z3.sat:
        run.unknown = reason
        live = []
    else:
        # some candidate breaks: one error clause per candidate, Err_of(i), to tell which
        index_sort = z3.BitVecSort(max(1, (len(candidates) - 1).bit_length()), ctx)
        err_of = z3.Function("Err_of", index_sort, z3.BoolSort(ctx))
        fp.register_relation(err_of)
        broken: dict[str, list[z3.BoolRef]] = {}
        for failures in (state_broken, step_broken):
            for name, cond in failures.items():
                broken.setdefault(name, []).append(cond)
        for i, name in enumerate(candidates):
            if name in broken:  # a candidate with no failure condition has no clause: Err_of(i) is never derived
                fp.add_rule(_forall(cells + choice, z3.Implies(
                    encoder.conj([inv(*cells)] + domain + constraints + [encoder.disj(broken[name])]),
                    err_of(z3.BitVecVal(i, index_sort)))))
    while live:
        result, reason = budget.query(_some_error(err_of, index_sort, live), ctx, options.deadline)
        run.queries += 1
        if result == z3.unsat:
            run.proved = tuple(candidates[i] for i in live)
            run.frames = fp.get_num_levels(inv)
            run.invariant = _invariant_text(fp, inv, model)
            break
        if result != z3.sat:
            run.unknown = reason
            break
        found = _derived_index(fp.get_answer(), index_sort, live)
        if found is None:  # not read from the derivation: ask one candidate at a time
            found, reason = _first_reachable(budget, err_of, index_sort, live, ctx, options.deadline, run)
            if found is None:
                run.unknown = reason
                break
        reachable.append(found)
        live.remove(found)
    run.reachable = tuple(candidates[i] for i in sorted(reachable))
    run.seconds = time.monotonic() - started
    return run


def _some_error(err: z3.FuncDeclRef, index_sort: z3.BitVecSortRef, live: list[int]) -> z3.BoolRef:
    """Err(i) for some i of `live`."""
    i = z3.Const("err!index", index_sort)
    return z3.Exists([i], z3.And(err(i), z3.Or([i == z3.BitVecVal(k, index_sort) for k in live])))


def _derived_index(answer: z3.ExprRef, index_sort: z3.BitVecSortRef, live: list[int]) -> int | None:
    """The candidate whose Err fact Spacer's derivation (a sat answer) reaches: the one
    index of `live` that the facts of the error relation or of the query built from it
    carry (Spacer may inline Err into the query's own predicate); None if not exactly one."""
    seen: set[int] = set()
    found: set[int] = set()
    todo = [answer]
    while todo:
        term = todo.pop()
        if term.get_id() in seen:
            continue
        seen.add(term.get_id())
        if z3.is_app(term):
            decl = term.decl()
            name = decl.name()
            if (decl.arity() == 1 and (name == "Err_of" or name.startswith("query!"))
                    and decl.domain(0) == index_sort and z3.is_bv_value(term.arg(0))):
                found.add(term.arg(0).as_long())
            todo.extend(term.children())
    return found.pop() if len(found) == 1 and found <= set(live) else None


def _first_reachable(budget: "_Budget", err: z3.FuncDeclRef, index_sort: z3.BitVecSortRef, live: list[int],
                     ctx: z3.Context, deadline: float | None, run: PdrRun) -> tuple[int | None, str]:
    for k in live:
        result, reason = budget.query(err(z3.BitVecVal(k, index_sort)), ctx, deadline)
        run.queries += 1
        if result == z3.sat:
            return k, ""
        if result == z3.unknown:
            return None, reason
    return None, "Spacer found an error it then did not find again"


class _Budget:
    """Spacer's queries within one budget of Z3 resource units, like `Queries`' rlimit."""

    def __init__(self, fp: z3.Fixedpoint, rlimit: int | None):
        self.fp = fp
        self.left = rlimit
        self.seen = 0  # the context's resource count after the last query

    def query(self, goal: z3.BoolRef, ctx: z3.Context, deadline: float | None) -> tuple[object, str]:
        if self.left is not None:
            if self.left <= 0:
                return z3.unknown, "resource limit"
            self.fp.set("rlimit", self.left)
        result = _query(self.fp, goal, ctx, deadline)
        if self.left is not None:
            statistics = self.fp.statistics()
            if "rlimit count" in statistics.keys():
                count = int(statistics.get_key_value("rlimit count"))
                self.left -= max(0, count - self.seen)
                self.seen = count
        return result


def _forall(variables: list, body: z3.BoolRef) -> z3.BoolRef:
    return z3.ForAll(variables, body) if variables else body


def _query(fp: z3.Fixedpoint, goal: z3.BoolRef, ctx: z3.Context, deadline: float | None) -> tuple[object, str]:
    remaining = seconds_left(deadline)
    if remaining is not None and remaining <= 0:
        return z3.unknown, "timeout"
    with interrupt_at(ctx, deadline):
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
