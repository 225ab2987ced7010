"""Replay a counterexample in the concrete interpreter before anyone sees it.

A trace from the symbolic engine must run step by step here: every action enabled, every
state exactly as the solver claimed, and the property broken at the end. If not, the
encoder and the interpreter disagree, which is a bug in mdcheck, never a finding.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from checker import ir
from checker.engines.concrete.interp import (
    Blocked,
    Call,
    FailedInstance,
    FieldWrite,
    Violation,
    explain_invariant,
    invariant_holds,
    run_action,
    run_init,
)
from checker.engines.verdict import Trace
from checker.frontend.source import Span


class ReplayError(Exception):
    pass


@dataclass(frozen=True)
class Evidence:
    """What the interpreter saw break at the end of a replayed trace."""
    prop: ir.Property
    span: Span | None                # the assert / check / invariant that failed
    instance: FailedInstance | None  # for invariants: which instance, what it read
    detail: tuple = ()               # for asserts and checks: messages and (cell, value, type) reads
    writes: tuple[tuple[FieldWrite, ...], ...] = ()  # per step: layout fields written, as named
    init_writes: tuple[FieldWrite, ...] = ()  # the layout fields init wrote, as named
    touched: frozenset[str] = frozenset()     # the cells the steps read
    failure_state: dict | None = None         # the state at the failing assert or check, mid-step
    calls: tuple[Call, ...] = ()              # the procs and fns the failing statement sits in


def replay(model: ir.Model, trace: Trace, prop: ir.Property) -> Evidence:
    init_writes: list[FieldWrite] = []
    try:
        state = run_init(model, trace.havoc, init_writes)
    except Blocked:
        raise ReplayError("init's requirements do not hold for the solver's initial values") from None
    except Violation as v:
        if trace.depth == 0 and trace.failed_in_step and v.prop == prop.name:
            return Evidence(prop, v.span, None, v.detail, failure_state=v.state, calls=v.calls)
        raise ReplayError(f"init fails '{v.prop}' on replay") from None
    if dict(state) != dict(trace.initial):
        raise ReplayError("init gives a different initial state on replay")
    return replace(_replay_steps(model, state, trace, prop), init_writes=tuple(init_writes))


def replay_from_state(model: ir.Model, trace: Trace, prop: ir.Property,
                      assumed: tuple[str, ...]) -> Evidence:
    """Replay a counterexample to induction: a run from `trace.initial`, which need not be
    reachable, along which every property in `assumed` holds in every state but the last,
    and whose last step or state breaks `prop`."""
    states = [trace.initial] + [s.state for s in trace.steps[:-1]]
    for number, state in enumerate(states):
        for name in assumed:
            if _state_breaks(model, dict(state or {}), name):
                raise ReplayError(f"state {number} of the counterexample to induction breaks '{name}', "
                                  "which induction assumed there")
    return _replay_steps(model, dict(trace.initial), trace, prop)


def _state_breaks(model: ir.Model, state: dict, name: str) -> bool:
    """`name` is broken in `state` as the engines see it: an invariant evaluates to false,
    or an implicit check inside one fails (which breaks the check, not the invariant)."""
    for inv in model.invariants:
        try:
            if inv.name == name and not invariant_holds(inv, state):
                return True
        except Violation as v:
            if v.prop == name:
                return True
    return False


def _replay_steps(model: ir.Model, state: dict, trace: Trace, prop: ir.Property) -> Evidence:
    actions = {a.name: a for a in model.actions}
    step_writes: list[tuple[FieldWrite, ...]] = []
    touched: set[str] = set()
    for number, step in enumerate(trace.steps, start=1):
        action = actions.get(step.action)
        if action is None:
            raise ReplayError(f"step {number}: no action '{step.action}'")
        args = dict(step.args)
        for name, t in action.params:
            if not _in_type(args.get(name), t):
                raise ReplayError(f"step {number}: argument {name}={args.get(name)!r} is not a {t}")
        last = number == len(trace.steps)
        try:
            writes: list[FieldWrite] = []
            state = run_action(action, state, args, writes, touched)
            step_writes.append(tuple(writes))
        except Blocked:
            raise ReplayError(f"step {number}: {step.action} is not enabled on replay") from None
        except Violation as v:
            if last and trace.failed_in_step and v.prop == prop.name:
                return Evidence(prop, v.span, None, v.detail, tuple(step_writes) + (tuple(writes),),
                                touched=frozenset(touched), failure_state=v.state,
                                calls=((action.name, action.span),) + v.calls)
            raise ReplayError(f"step {number}: {step.action} fails '{v.prop}' on replay") from None
        if last and trace.failed_in_step:
            raise ReplayError(f"step {number}: {step.action} does not fail '{prop.name}' on replay")
        if dict(state) != dict(step.state or {}):
            raise ReplayError(f"step {number}: {step.action} gives a different state on replay")
    if trace.failed_in_step:
        raise ReplayError("the trace ends without the failing step")
    return replace(_broken_in_state(model, state, prop), writes=tuple(step_writes), touched=frozenset(touched))


def _broken_in_state(model: ir.Model, state: dict, prop: ir.Property) -> Evidence:
    for inv in model.invariants:
        try:
            holds = invariant_holds(inv, state)
        except Violation as v:
            if v.prop == prop.name:
                return Evidence(prop, v.span, None, v.detail)
            if inv.name == prop.name:
                raise ReplayError(f"invariant '{inv.name}' fails check '{v.prop}' on replay") from None
            continue
        if inv.name == prop.name:
            if holds:
                raise ReplayError(f"invariant '{inv.name}' holds in the final state on replay")
            return Evidence(prop, inv.span, explain_invariant(inv, state))
    raise ReplayError(f"'{prop.name}' is not broken in the final state on replay")


def _in_type(value: object, t: ir.Type) -> bool:
    match t:
        case ir.BoolType():
            return isinstance(value, bool)
        case ir.IntType(lo=lo, hi=hi):
            return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        case ir.BitsType():
            return isinstance(value, int) and 0 <= value <= t.mask
        case ir.EnumType(members=members):
            return isinstance(value, int) and 0 <= value < len(members)
    return value is not None

