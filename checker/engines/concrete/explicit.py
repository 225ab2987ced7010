"""Explicit-state model checking: breadth-first search over concrete states, no solver.

It shares the front end (parser, type checker, IR) with BMC but not the encoding: every
state is a tuple of plain values and every step a run of `interp.py`. Breadth-first order
makes each counterexample a shortest one, with the same notion of depth as BMC (the
number of actions; an assert or check failing in an action ends that execution; a state
that breaks an invariant is still explored on from).

When the search runs out of new states within the depth bound, every reachable state has
been checked and the properties never broken are PROVED for this configuration.
"""
from __future__ import annotations

import itertools
import resource
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from checker import ir
from checker.engines.concrete.compiled import Compiler
from checker.engines.concrete.havoc import TooManyInitialStates, initial_states
from checker.engines.concrete.interp import Blocked, Violation
from checker.engines.verdict import HoldsToDepth, Proved, Step, Trace, Unknown, Verdict, Violated

MAX_ARGUMENTS = 1 << 16  # argument tuples per action; more is a spec the engine cannot enumerate
MAX_INIT_RUNS = 1 << 16
# Runs (of an action, of init) and state checks between two looks at the clock. The clock is
# read by work done, not per state: a state can have 65,536 argument tuples to run.
CLOCK_EVERY = 64


@dataclass(frozen=True)
class ExplicitOptions:
    max_depth: int | None = None  # None: until no new state is found
    max_states: int = 2_000_000
    deadline: float | None = None


@dataclass
class ExplicitRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    states: int = 0              # distinct states found (reachable within the depth explored)
    transitions: int = 0         # enabled action runs, including those into known states
    action_runs: int = 0         # runs of an action, enabled or not (blocked, failing)
    depth: int = 0               # deepest level reached, all of whose states were checked
    complete: bool = False       # no state was left unexplored: the whole reachable space
    elapsed: float = 0.0
    peak_rss_kib: int = 0
    depth_states: list[int] = field(default_factory=list)  # states first found at each depth


class _OutOfTime(Exception):
    """The deadline passed (raised from inside the enumeration of initial states)."""


class CannotEnumerate(Exception):
    """The model has a domain too large to list (a wide parameter, a free initial cell)."""

    def __init__(self, message: str, span: object = None):
        super().__init__(message)
        self.span = span

    def __reduce__(self) -> tuple:  # from a worker process (--jobs), with its span
        return (CannotEnumerate, (str(self), self.span))


@dataclass(frozen=True)
class _Node:
    parent: int            # index of the parent node; -1 for an initial state
    action: str
    args: tuple[tuple[str, object], ...]


def argument_tuples(action: ir.ActionDef) -> list[tuple[tuple[str, object], ...]]:
    domains = []
    size = 1
    for name, t in action.params:
        count = t.mask + 1 if isinstance(t, ir.BitsType) else ir.domain_size(t)
        size *= count
        if size > MAX_ARGUMENTS:
            raise CannotEnumerate(f"action '{action.name}' has more than {MAX_ARGUMENTS} argument "
                                  f"combinations (parameter '{name}': {t}); the explicit engine "
                                  "lists them all in every state", action.span)
        values = range(count) if isinstance(t, ir.BitsType) else ir.domain_values(t)
        domains.append([(name, v) for v in values])
    return [tuple(combo) for combo in itertools.product(*domains)]


def check(model: ir.Model, options: ExplicitOptions,
          on_depth: Callable[[int, int], None] | None = None) -> ExplicitRun:
    started = time.monotonic()
    names = tuple(name for name, _ in model.state)
    compiler = Compiler()
    moves = [(action, compiler.action(action), [dict(args) for args in argument_tuples(action)])
             for action in model.actions]
    invariants = [(inv, compiler.invariant(inv)) for inv in model.invariants]
    open_props = {p.name for p in model.properties}
    run = ExplicitRun({}, {})
    inv_props = {inv.name: _props_checked_in(inv) for inv in model.invariants}

    keys: list[tuple] = []
    nodes: list[_Node] = []
    havocs: dict[int, dict[str, object]] = {}
    index: dict[tuple, int] = {}

    def settle(name: str, verdict: Verdict) -> None:
        if name in open_props:
            open_props.discard(name)
            run.verdicts[name] = verdict
            run.seconds[name] = time.monotonic() - started

    def trace_to(node: int, failed: tuple[str, tuple] | None) -> Trace:
        path = []
        while node >= 0:
            path.append(node)
            node = nodes[node].parent
        path.reverse()
        steps = [Step(nodes[n].action, nodes[n].args, dict(zip(names, keys[n]))) for n in path[1:]]
        if failed is not None:
            steps.append(Step(failed[0], failed[1], None))
        return Trace(havocs[path[0]], dict(zip(names, keys[path[0]])), tuple(steps), failed is not None)

    def check_state(node: int, depth: int) -> None:
        state = dict(zip(names, keys[node]))
        memo: dict = {}
        for inv, holds_in in invariants:
            if not (inv_props[inv.name] & open_props):
                continue
            try:
                holds = holds_in(state, memo)
            except Violation as v:
                settle(v.prop, Violated(depth, trace_to(node, None)))
                continue
            if not holds:
                settle(inv.name, Violated(depth, trace_to(node, None)))

    def add(key: tuple, node: _Node) -> int | None:
        if key in index:
            return None
        index[key] = len(keys)
        keys.append(key)
        nodes.append(node)
        return len(keys) - 1

    deadline = options.deadline
    work = 0  # runs of init: the clock is read every CLOCK_EVERY of them
    runs = 0  # runs of an action, enabled or not: the clock is read every CLOCK_EVERY of them

    def out_of_time() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def init_ran() -> None:
        nonlocal work
        work += 1
        if work % CLOCK_EVERY == 0 and out_of_time():
            raise _OutOfTime

    def give_up(reason: str, depth: int) -> ExplicitRun:
        run.action_runs = runs
        for name in list(open_props):
            settle(name, Unknown(reason, depth))
        return _finish(run, len(keys), started)

    # depth 0: the initial states
    frontier: list[int] = []
    if out_of_time():
        return give_up("timeout", -1)
    try:
        for initial in initial_states(model, MAX_INIT_RUNS, init_ran if deadline is not None else None):
            if initial.state is None:
                assert initial.failure is not None
                settle(initial.failure.prop, Violated(0, Trace(initial.havoc, initial.havoc, (), True)))
                continue
            node = add(tuple(initial.state[n] for n in names), _Node(-1, "", ()))
            if node is not None:
                havocs[node] = initial.havoc
                frontier.append(node)
    except TooManyInitialStates as error:
        raise CannotEnumerate(f"cannot list the initial states: {error}") from None
    except _OutOfTime:
        return give_up("timeout", -1)
    for count, node in enumerate(frontier, start=1):
        if count % CLOCK_EVERY == 0 and out_of_time():
            return give_up("timeout", -1)
        check_state(node, 0)
    run.depth_states.append(len(frontier))
    run.depth = 0
    if on_depth:
        on_depth(0, len(keys))

    depth = 0
    while frontier and open_props:
        if options.max_depth is not None and depth >= options.max_depth:
            break
        depth += 1
        next_frontier: list[int] = []
        for node in frontier:
            state = dict(zip(names, keys[node]))
            for action, run_action, arg_dicts in moves:
                for args in arg_dicts:
                    if runs % CLOCK_EVERY == 0 and out_of_time():
                        return give_up("timeout", depth - 1)
                    runs += 1
                    try:
                        after = run_action(state, args)
                    except Blocked:
                        continue
                    except Violation as v:
                        if v.prop in open_props:
                            settle(v.prop, Violated(depth, trace_to(node, (action.name, tuple(args.items())))))
                        continue
                    run.transitions += 1
                    new = add(tuple(after[n] for n in names), _Node(node, action.name, tuple(args.items())))
                    if new is not None:
                        next_frontier.append(new)
            if len(keys) > options.max_states:
                return give_up(f"state limit: more than {options.max_states} states", depth - 1)
        for count, node in enumerate(next_frontier, start=1):
            if count % CLOCK_EVERY == 0 and out_of_time():
                return give_up("timeout", depth - 1)
            check_state(node, depth)
        frontier = next_frontier
        if not frontier:
            break  # the level was empty: the deepest state is one level up
        run.depth_states.append(len(next_frontier))
        run.depth = depth
        if on_depth:
            on_depth(depth, len(keys))

    run.action_runs = runs
    run.complete = not frontier
    for name in list(open_props):
        if run.complete:
            settle(name, Proved("explicit", f"all {len(keys)} reachable states checked"))
        else:
            settle(name, HoldsToDepth(run.depth))
    return _finish(run, len(keys), started)


def _finish(run: ExplicitRun, states: int, started: float) -> ExplicitRun:
    run.states = states
    run.elapsed = time.monotonic() - started
    run.peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return run


def _props_checked_in(inv: ir.Invariant) -> set[str]:
    """The invariant's own name and every implicit check evaluating it can fail."""
    found = {inv.name}
    for node in _walk(inv.body, set()):
        if isinstance(node, ir.Check):
            found.add(node.prop)
    return found


def _walk(value: object, seen_fns: set[str]) -> Iterator[object]:
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _walk(v, seen_fns)
        return
    if not hasattr(value, "__dataclass_fields__"):
        return
    yield value
    if isinstance(value, ir.FnDef):
        if value.name in seen_fns:
            return
        seen_fns.add(value.name)
    for name in value.__dataclass_fields__:  # type: ignore[attr-defined]
        if name != "span":
            yield from _walk(getattr(value, name), seen_fns)
