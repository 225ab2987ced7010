"""Bounded model checking, incremental and depth by depth, so each violation is a shortest one.

At depth k the solver holds: the initial state, and k-1 good steps (an action enabled,
every assert and check met). Two kinds of query are asked per property still open:
- action-level: can step k's action fail an assert or check of this property?
- state-level (after step k is added as a good step): is the property false in state k?
A property's depth is the number of actions in its counterexample.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import z3

from . import ir
from .encoder import Encoder, ExecState, SymValue, decode
from .verdict import HoldsToDepth, Proved, Step, Trace, Unknown, Verdict, Violated


@dataclass(frozen=True)
class BmcOptions:
    max_depth: int
    deadline: float | None = None  # time.monotonic() value after which the run stops


@dataclass
class BmcRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    depth_seconds: list[float] = field(default_factory=list)  # cumulative time at the end of each depth


class _OutOfTime(Exception):
    """The deadline passed while the next depth was still being encoded."""


@dataclass
class _Step:
    selector: list[z3.BoolRef]          # action i chosen at this step
    params: list[dict[str, SymValue]]   # per action
    state: dict[str, SymValue]          # the state after this step
    act: z3.BitVecRef | None


class _Solver:
    """The unrolled path so far, and QF_BV queries on it under a wall-clock deadline.

    Property queries are mostly unsat and are solved by a fresh bit-blasting solver each
    time: measured on specs/ptdesc_tags.md, about 1.5x faster at depth 6 than Z3's incremental
    core. The feasibility query (is there any path this long?) is nearly always sat and
    cheap, so it goes to one incremental solver that keeps what it learns.
    """

    def __init__(self, ctx: z3.Context, deadline: float | None):
        self.ctx = ctx
        self.deadline = deadline
        self.constraints: list[z3.BoolRef] = []
        self.path_solver = z3.SolverFor("QF_BV", ctx=ctx)

    def add(self, *constraints: z3.BoolRef) -> None:
        self.constraints.extend(constraints)
        self.path_solver.add(*constraints)

    def check(self, query: z3.BoolRef) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        solver = z3.SolverFor("QF_BV", ctx=self.ctx)
        solver.add(*self.constraints)
        solver.add(query)
        return self._run(solver)

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def check_feasible(self) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        return self._run(self.path_solver)

    def _run(self, solver: z3.Solver) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        remaining = None if self.deadline is None else self.deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return z3.unknown, None, "timeout"
        timer = threading.Timer(remaining, self.ctx.interrupt) if remaining is not None else None
        try:
            if timer:
                timer.start()
            result = solver.check()
            model = solver.model() if result == z3.sat else None
            reason = ""
            if result == z3.unknown:
                reason = solver.reason_unknown()
                if reason in ("canceled", "interrupted from keyboard") or (
                        self.deadline is not None and time.monotonic() >= self.deadline):
                    reason = "timeout"
            return result, model, reason
        finally:
            if timer:
                timer.cancel()


def check(model: ir.Model, options: BmcOptions,
          on_depth: Callable[[int], None] | None = None) -> BmcRun:
    started = time.monotonic()
    ctx = z3.Context()
    encoder = Encoder(model, ctx)
    solver = _Solver(ctx, options.deadline)
    open_props = {p.name: p for p in model.properties}
    verdicts: dict[str, Verdict] = {}
    seconds: dict[str, float] = {}
    run = BmcRun(verdicts, seconds)

    def settle(name: str, verdict: Verdict) -> None:
        verdicts[name] = verdict
        seconds[name] = time.monotonic() - started
        open_props.pop(name, None)

    domain: list[z3.BoolRef] = []
    havoc = encoder.fresh_state("pre.", domain)
    init = encoder.run(model.init, havoc, {})
    s0 = encoder.fresh_state("s0.", [])
    solver.add(*domain)
    solver.add(encoder.equal(tuple(s0.values()), tuple(init.state[n] for n in s0)))
    steps: list[_Step] = []
    states = [s0]

    def trace_from(m: z3.ModelRef, depth: int, failed_in_step: bool) -> Trace:
        decoded = [{n: decode(m, s[n], t) for n, t in model.state} for s in states[:depth + 1]]
        trace_steps = []
        for k in range(1, depth + 1):
            step = steps[k - 1]
            chosen = next(i for i, sel in enumerate(step.selector) if z3.is_true(m.eval(sel, model_completion=True)))
            action = model.actions[chosen]
            args = tuple((p, decode(m, step.params[chosen][p], t)) for p, t in action.params)
            post = None if (failed_in_step and k == depth) else decoded[k]
            trace_steps.append(Step(action.name, args, post))
        pre = {n: decode(m, havoc[n], t) for n, t in model.state}
        if depth == 0 and failed_in_step:  # init itself failed: no initial state; show what it started from
            return Trace(pre, pre, (), True)
        return Trace(pre, decoded[0], tuple(trace_steps), failed_in_step)

    def ask(conditions: dict[str, z3.BoolRef], depth: int, failed_in_step: bool) -> None:
        """Settle every property whose violation condition is satisfiable at this depth.

        One query asks whether any of them can be violated; each model found settles the
        properties it violates, and the rest are asked again, until the query is unsat.
        """
        pending = {n: c for n, c in conditions.items() if n in open_props and not z3.is_false(c)}
        while pending:
            result, m, reason = solver.check(encoder.disj(list(pending.values())))
            if result == z3.unsat:
                return
            if result == z3.unknown:
                for name in pending:
                    settle(name, Unknown(reason or "solver gave up", depth - 1))
                return
            assert m is not None
            trace = trace_from(m, depth, failed_in_step)
            hit = [n for n, c in pending.items() if z3.is_true(m.eval(c, model_completion=True))]
            assert hit, "a model of the disjunction satisfies one of its parts"
            for name in hit:
                settle(name, Violated(depth, trace))
                del pending[name]

    def action_level(failures: dict[str, list[z3.BoolRef]], depth: int) -> None:
        ask({name: encoder.disj(conds) for name, conds in failures.items()}, depth, True)

    def state_level(state: dict[str, SymValue], depth: int) -> None:
        failures: dict[str, list[z3.BoolRef]] = {}
        for inv in model.invariants:
            if solver.out_of_time():
                raise _OutOfTime()
            violated, check_failures = encoder.state_predicate(inv.body, state)
            failures.setdefault(inv.name, []).append(violated)
            for f in check_failures:
                failures.setdefault(f.prop, []).append(f.cond)
        conditions = {name: encoder.disj(conds) for name, conds in failures.items()}
        ask(conditions, depth, False)
        # A property just shown unbreakable at this depth holds in every reachable state
        # here, so stating it for this state removes no execution; it only helps the
        # solver at the depths to come.
        for name, cond in conditions.items():
            if name in open_props:
                solver.add(z3.Not(cond))

    def unroll() -> int | None:
        """Check depth by depth; the depth at which every execution stops, if it does."""
        # depth 0: init itself, then the initial state
        action_level(_failures_by_prop([init]), 0)
        solver.add(init.alive)
        state_level(s0, 0)
        run.depth_seconds.append(time.monotonic() - started)
        if on_depth:
            on_depth(0)

        for k in range(1, options.max_depth + 1):
            if not open_props:
                break
            unknown_before = sum(isinstance(v, Unknown) for v in verdicts.values())
            step, results, constraints = _encode_step(encoder, model, states[-1], k, solver.out_of_time)
            solver.add(*constraints)
            steps.append(step)
            states.append(step.state)
            failures: dict[str, list[z3.BoolRef]] = {}
            for selector, result in zip(step.selector, results):
                for f in result.failures:
                    failures.setdefault(f.prop, []).append(encoder.conj([selector, f.cond]))
            action_level(failures, k)
            solver.add(_transition(encoder, model, step, results))
            if open_props:
                feasible, _, _ = solver.check_feasible()
                if feasible == z3.unsat:
                    return k - 1
            state_level(step.state, k)
            if sum(isinstance(v, Unknown) for v in verdicts.values()) > unknown_before:
                continue  # this depth was not fully checked
            run.depth_seconds.append(time.monotonic() - started)
            if on_depth:
                on_depth(k)
        return None

    try:
        exhausted_at = unroll()
    except _OutOfTime:  # the deadline passed while a depth was being encoded
        for name in list(open_props):
            settle(name, Unknown("timeout", len(run.depth_seconds) - 1))
        return run

    for name in list(open_props):
        if exhausted_at is not None:
            settle(name, Proved("bmc", f"every execution stops by depth {exhausted_at}; "
                                       "all reachable states checked"))
        else:
            settle(name, HoldsToDepth(options.max_depth))
    return run


def _failures_by_prop(results: list[ExecState]) -> dict[str, list[z3.BoolRef]]:
    out: dict[str, list[z3.BoolRef]] = {}
    for r in results:
        for f in r.failures:
            out.setdefault(f.prop, []).append(f.cond)
    return out


def _encode_step(encoder: Encoder, model: ir.Model, before: dict[str, SymValue], k: int,
                 out_of_time: Callable[[], bool]) -> tuple[_Step, list[ExecState], list[z3.BoolRef]]:
    ctx = encoder.ctx
    n = len(model.actions)
    constraints: list[z3.BoolRef] = []
    act = None
    selectors: list[z3.BoolRef] = []
    if n == 1:
        selectors = [encoder.true]
    elif n > 1:
        width = max(1, (n - 1).bit_length())
        act = z3.BitVec(f"act{k}", width, ctx)
        if n < (1 << width):
            constraints.append(z3.ULT(act, z3.BitVecVal(n, width, ctx)))
        selectors = [act == z3.BitVecVal(i, width, ctx) for i in range(n)]
    params = []
    results = []
    for action in model.actions:
        if out_of_time():
            raise _OutOfTime()
        p = {name: encoder.fresh(t, f"s{k}.{action.name}.{name}", constraints) for name, t in action.params}
        params.append(p)
        results.append(encoder.run(action.body, before, p))
    after = encoder.fresh_state(f"s{k}.", [])
    return _Step(selectors, params, after, act), results, constraints


def _transition(encoder: Encoder, model: ir.Model, step: _Step, results: list[ExecState]) -> z3.BoolRef:
    if not results:
        return encoder.false
    enabled = encoder.disj([encoder.conj([sel, r.alive]) for sel, r in zip(step.selector, results)])
    equalities = []
    for name, _ in model.state:
        value = results[-1].state[name]
        for sel, r in zip(reversed(step.selector[:-1]), reversed(results[:-1])):
            value = encoder.merge(sel, r.state[name], value)
        equalities.append(encoder.equal(step.state[name], value))
    return encoder.conj([enabled] + equalities)
