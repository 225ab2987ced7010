"""Bounded model checking, incremental and depth by depth, so each violation is a shortest one.

At depth k the solver holds: the initial state, and k-1 good steps (an action enabled,
every assert and check met). Two kinds of query are asked per property still open:
- action-level: can step k's action fail an assert or check of this property?
- state-level (after step k is added as a good step): is the property false in state k?
A property's depth is the number of actions in its counterexample.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import z3

from checker import ir
from checker.engines.symbolic import coverage
from checker.engines.symbolic.encoder import Encoder, SymValue
from checker.engines.symbolic.unrolling import (
    OutOfTime,
    Queries,
    decode_state,
    decode_steps,
    encode_step,
    failures_by_prop,
    state_failures,
    step_failures,
    transition,
)
from checker.engines.symbolic.unrolling import Step as _Step
from checker.engines.verdict import HoldsToDepth, Proved, Trace, Unknown, Verdict, Violated


@dataclass(frozen=True)
class BmcOptions:
    max_depth: int
    deadline: float | None = None  # time.monotonic() value after which the run stops
    rlimit: int | None = None      # Z3 resource units for the whole search: a deterministic limit


@dataclass
class BmcRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    depth_seconds: list[float] = field(default_factory=list)  # cumulative time at the end of each depth


def check(model: ir.Model, options: BmcOptions,
          on_depth: Callable[[int], None] | None = None) -> BmcRun:
    started = time.monotonic()
    ctx = z3.Context()
    encoder = Encoder(model, ctx)
    solver = Queries(ctx, options.deadline, options.rlimit)
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
        decoded = [decode_state(m, model, s) for s in states[:depth + 1]]
        trace_steps = decode_steps(m, model, steps[:depth], decoded, failed_in_step)
        pre = decode_state(m, model, havoc)
        if depth == 0 and failed_in_step:  # init itself failed: no initial state; show what it started from
            return Trace(pre, pre, (), True)
        return Trace(pre, decoded[0], trace_steps, failed_in_step)

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
        conditions = state_failures(encoder, model, state, solver.out_of_time)
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
        action_level(failures_by_prop([init]), 0)
        solver.add(init.alive)
        state_level(s0, 0)
        run.depth_seconds.append(time.monotonic() - started)
        if on_depth:
            on_depth(0)

        for k in range(1, options.max_depth + 1):
            if not open_props:
                break
            unknown_before = sum(isinstance(v, Unknown) for v in verdicts.values())
            step, results, constraints = encode_step(encoder, model, states[-1], k, solver.out_of_time)
            solver.add(*constraints)
            steps.append(step)
            states.append(step.state)
            ask(step_failures(encoder, step, results), k, True)
            solver.add(transition(encoder, model, step, results))
            if open_props:
                feasible, _, reason = solver.check_feasible()
                if feasible == z3.unsat:
                    return k - 1
                if feasible == z3.unknown:
                    # not known whether any run is this long: no property is decided at
                    # this depth, nor (as HOLDS or PROVED) at any deeper one
                    for name in list(open_props):
                        settle(name, Unknown(reason or "solver gave up", k - 1))
                    return None
            state_level(step.state, k)
            if sum(isinstance(v, Unknown) for v in verdicts.values()) > unknown_before:
                continue  # this depth was not fully checked
            run.depth_seconds.append(time.monotonic() - started)
            if on_depth:
                on_depth(k)
        return None

    try:
        exhausted_at = unroll()
    except OutOfTime:  # the deadline passed while a depth was being encoded
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


def cover(model: ir.Model, goals: tuple[coverage.Goal, ...], options: BmcOptions,
          on_depth: Callable[[int], None] | None = None) -> dict[tuple, int | None]:
    """For each goal (by key), the least depth at which some run meets it; None when no run
    up to options.max_depth does. Stops early, leaving goals out, at the deadline or when
    the resource limit is spent."""
    ctx = z3.Context()
    encoder = Encoder(model, ctx)
    solver = Queries(ctx, options.deadline, options.rlimit)
    open_goals = {g.key: g for g in goals}
    found: dict[tuple, int | None] = {}

    def ask(conditions: dict[tuple, list[z3.BoolRef]], depth: int) -> None:
        pending = {key: encoder.disj(c) for key, c in conditions.items() if key in open_goals}
        pending = {key: c for key, c in pending.items() if not z3.is_false(c)}
        while pending:
            result, m, _ = solver.check(encoder.disj(list(pending.values())))
            if result == z3.unsat:
                return
            if result == z3.unknown:  # nothing is claimed about goals not settled
                raise OutOfTime()
            assert m is not None
            hit = [key for key, c in pending.items() if z3.is_true(m.eval(c, model_completion=True))]
            for key in hit:
                found[key] = depth
                open_goals.pop(key)
                del pending[key]

    def premises_in(state: dict[str, SymValue]) -> dict[tuple, list[z3.BoolRef]]:
        out: dict[tuple, list[z3.BoolRef]] = {}
        for g in open_goals.values():
            if g.kind == "premise" and g.premise is not None:
                true_here, _ = encoder.state_predicate(coverage.negation(g.premise), state)
                out.setdefault(g.key, []).append(true_here)
        return out

    def reached(step: _Step, results: list) -> dict[tuple, list[z3.BoolRef]]:
        out: dict[tuple, list[z3.BoolRef]] = {}
        for action, selector, result in zip(model.actions, step.selector, results):
            # enabled: its requires hold; a step that then fails an assert counts (it BUGs, but it runs)
            enabled = coverage.Goal("action", action.name, action.span).key
            ran = encoder.disj([result.alive] + [f.cond for f in result.failures])
            out.setdefault(enabled, []).append(encoder.conj([selector, ran]))
            for r in result.reached:
                key = coverage.Goal("assert", r.prop, r.span).key  # type: ignore[arg-type]
                out.setdefault(key, []).append(encoder.conj([selector, r.cond]))
        return out

    try:
        domain: list[z3.BoolRef] = []
        havoc = encoder.fresh_state("pre.", domain)
        init = encoder.run(model.init, havoc, {})
        solver.add(*domain, init.alive)
        state = init.state
        ask(premises_in(state), 0)
        for k in range(1, options.max_depth + 1):
            if not open_goals:
                break
            if on_depth:
                on_depth(k)
            step, results, constraints = encode_step(encoder, model, state, k, solver.out_of_time)
            solver.add(*constraints)
            ask(reached(step, results), k)
            solver.add(transition(encoder, model, step, results))
            state = step.state
            ask(premises_in(state), k)
            if solver.out_of_time():
                return found
    except OutOfTime:
        return found
    for key in open_goals:
        found[key] = None
    return found
