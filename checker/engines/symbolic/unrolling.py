"""The transition relation as Z3 terms, shared by the solver engines (BMC, k-induction, PDR).

A step is: one action chosen by a selector, its parameters free (within their types), the
action run symbolically on the state before, and the state after equal to the chosen
action's result when the step is good (the action enabled and every assert and check met).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import z3

from checker import ir
from checker.engines.symbolic.deadline import interrupt_at, seconds_left
from checker.engines.symbolic.encoder import Encoder, ExecState, SymValue, decode
from checker.engines.verdict import Step as TraceStep


class OutOfTime(Exception):
    """The deadline passed while a query was still being encoded."""


@dataclass
class Step:
    selector: list[z3.BoolRef]          # action i chosen at this step
    params: list[dict[str, SymValue]]   # per action
    state: dict[str, SymValue]          # the state after this step
    act: z3.BitVecRef | None


class Queries:
    """A list of constraints and QF_BV queries on it under a wall-clock deadline.

    Property queries are mostly unsat and are solved by a fresh bit-blasting solver each
    time: measured on specs/ptdesc_tags.md, about 1.5x faster at depth 6 than Z3's incremental
    core. The feasibility query (is there any path this long?) is nearly always sat and
    cheap, so it goes to one incremental solver that keeps what it learns.
    """

    def __init__(self, ctx: z3.Context, deadline: float | None, rlimit: int | None = None):
        self.ctx = ctx
        self.deadline = deadline
        self.rlimit_left = rlimit  # Z3 resource units the queries may still use: a limit that is deterministic
        self._rlimit_seen = 0      # the context's resource count after the last query
        self.constraints: list[z3.BoolRef] = []
        self.path_solver = z3.SolverFor("QF_BV", ctx=ctx)
        self.last_core: set[str] = set()

    def add(self, *constraints: z3.BoolRef) -> None:
        self.constraints.extend(constraints)
        self.path_solver.add(*constraints)

    def check(self, query: z3.BoolRef, assumptions: dict[str, z3.BoolRef] | None = None, alone: bool = False
              ) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        """sat/unsat/unknown of constraints + query (of the query alone, if `alone`); with
        `assumptions` (name -> tracked constraint), an unsat answer's core is left in
        `self.last_core`."""
        solver = z3.SolverFor("QF_BV", ctx=self.ctx)
        if not self._budget(solver):
            return z3.unknown, None, "resource limit"
        if not alone:
            solver.add(*self.constraints)
        solver.add(query)
        literals = []
        for name, constraint in (assumptions or {}).items():
            literal = z3.Bool(f"assume!{name}", self.ctx)
            solver.add(z3.Implies(literal, constraint))
            literals.append(literal)
        result = self._charged(solver, self._run(solver, literals))
        self.last_core = ({str(c)[len("assume!"):] for c in solver.unsat_core()}
                          if result[0] == z3.unsat and literals else set())
        return result

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def check_feasible(self) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        """Is there a path through the constraints? On the incremental solver, within the
        same budget as every other query."""
        if not self._budget(self.path_solver):
            return z3.unknown, None, "resource limit"
        return self._charged(self.path_solver, self._run(self.path_solver))

    def _budget(self, solver: z3.Solver) -> bool:
        """Give `solver` what is left of the budget for its next check; False when nothing is.
        (A solver's "rlimit" counts from the context's resource count when check() starts, so
        it is set again before each check, the incremental path solver's included.)"""
        if self.rlimit_left is None:
            return True
        if self.rlimit_left <= 0:
            return False
        solver.set("rlimit", self.rlimit_left)
        return True

    def _charged(self, solver: z3.Solver, result: tuple[z3.CheckSatResult, z3.ModelRef | None, str]
                 ) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        """Charge the budget with what the check just run on `solver` used (the growth of the
        context's resource count); an unknown answer that spent the budget says so."""
        if self.rlimit_left is None:
            return result
        statistics = solver.statistics()
        count = int(statistics.get_key_value("rlimit count")) if "rlimit count" in statistics.keys() \
            else self._rlimit_seen
        self.rlimit_left -= count - self._rlimit_seen
        self._rlimit_seen = count
        if result[0] == z3.unknown and (self.rlimit_left <= 0 or "resource" in result[2]):
            return result[0], result[1], "resource limit"
        return result

    def _run(self, solver: z3.Solver, assumptions: list | None = None
             ) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        remaining = seconds_left(self.deadline)
        if remaining is not None and remaining <= 0:
            return z3.unknown, None, "timeout"
        with interrupt_at(self.ctx, self.deadline):
            result = solver.check(*(assumptions or []))
        model = solver.model() if result == z3.sat else None
        reason = ""
        if result == z3.unknown:
            reason = solver.reason_unknown()
            if reason in ("canceled", "interrupted from keyboard") or self.out_of_time():
                reason = "timeout"
        return result, model, reason


def encode_step(encoder: Encoder, model: ir.Model, before: dict[str, SymValue], k: int,
                out_of_time: Callable[[], bool], prefix: str = "") -> tuple[Step, list[ExecState], list[z3.BoolRef]]:
    """Step k from `before`: every action run on it; the selector, parameter domains, state after."""
    ctx = encoder.ctx
    n = len(model.actions)
    constraints: list[z3.BoolRef] = []
    act = None
    selectors: list[z3.BoolRef] = []
    if n == 1:
        selectors = [encoder.true]
    elif n > 1:
        width = max(1, (n - 1).bit_length())
        act = z3.BitVec(f"{prefix}act{k}", width, ctx)
        if n < (1 << width):
            constraints.append(z3.ULT(act, z3.BitVecVal(n, width, ctx)))
        selectors = [act == z3.BitVecVal(i, width, ctx) for i in range(n)]
    params = []
    results = []
    for action in model.actions:
        if out_of_time():
            raise OutOfTime()
        p = {name: encoder.fresh(t, f"{prefix}s{k}.{action.name}.{name}", constraints) for name, t in action.params}
        params.append(p)
        results.append(encoder.run(action.body, before, p))
    after = encoder.fresh_state(f"{prefix}s{k}.", [])
    return Step(selectors, params, after, act), results, constraints


def next_state(encoder: Encoder, model: ir.Model, step: Step, results: list[ExecState]) -> dict[str, SymValue]:
    """The state after the step as terms over the state before (the chosen action's result)."""
    out = {}
    for name, _ in model.state:
        value = results[-1].state[name]
        for sel, r in zip(reversed(step.selector[:-1]), reversed(results[:-1])):
            value = encoder.merge(sel, r.state[name], value)
        out[name] = value
    return out


def enabled(encoder: Encoder, step: Step, results: list[ExecState]) -> z3.BoolRef:
    """The step is good: the chosen action is enabled and meets every assert and check."""
    return encoder.disj([encoder.conj([sel, r.alive]) for sel, r in zip(step.selector, results)])


def transition(encoder: Encoder, model: ir.Model, step: Step, results: list[ExecState]) -> z3.BoolRef:
    if not results:
        return encoder.false
    # the order in which terms are made steers Z3's models: golden traces depend on it
    good = enabled(encoder, step, results)
    equalities = []
    for name, _ in model.state:
        value = results[-1].state[name]
        for sel, r in zip(reversed(step.selector[:-1]), reversed(results[:-1])):
            value = encoder.merge(sel, r.state[name], value)
        equalities.append(encoder.equal(step.state[name], value))
    return encoder.conj([good] + equalities)


def failures_by_prop(results: list[ExecState]) -> dict[str, list[z3.BoolRef]]:
    out: dict[str, list[z3.BoolRef]] = {}
    for r in results:
        for f in r.failures:
            out.setdefault(f.prop, []).append(f.cond)
    return out


def step_failures(encoder: Encoder, step: Step, results: list[ExecState]) -> dict[str, z3.BoolRef]:
    """Per property: the condition under which the step's chosen action fails it."""
    failures: dict[str, list[z3.BoolRef]] = {}
    for selector, result in zip(step.selector, results):
        for f in result.failures:
            failures.setdefault(f.prop, []).append(encoder.conj([selector, f.cond]))
    return {name: encoder.disj(conds) for name, conds in failures.items()}


def state_failures(encoder: Encoder, model: ir.Model, state: dict[str, SymValue],
                   out_of_time: Callable[[], bool] = lambda: False,
                   invariants: tuple[ir.Invariant, ...] | None = None) -> dict[str, z3.BoolRef]:
    """Per property: the condition under which it is broken in `state` (an invariant false,
    or an implicit check inside one failing)."""
    failures: dict[str, list[z3.BoolRef]] = {}
    for inv in model.invariants if invariants is None else invariants:
        if out_of_time():
            raise OutOfTime()
        violated, check_failures = encoder.state_predicate(inv.body, state)
        failures.setdefault(inv.name, []).append(violated)
        for f in check_failures:
            failures.setdefault(f.prop, []).append(f.cond)
    return {name: encoder.disj(conds) for name, conds in failures.items()}


def decode_state(m: z3.ModelRef, model: ir.Model, state: dict[str, SymValue]) -> dict[str, object]:
    return {n: decode(m, state[n], t) for n, t in model.state}


def decode_steps(m: z3.ModelRef, model: ir.Model, steps: list[Step], states: list[dict[str, object]],
                 failed_in_step: bool) -> tuple[TraceStep, ...]:
    """The actions, arguments and states after of `steps` under a model; `states[k]` is the
    decoded state after step k (states[0] the one before the first)."""
    out = []
    for k, step in enumerate(steps, start=1):
        chosen = next(i for i, sel in enumerate(step.selector) if z3.is_true(m.eval(sel, model_completion=True)))
        action = model.actions[chosen]
        args = tuple((p, decode(m, step.params[chosen][p], t)) for p, t in action.params)
        post = None if (failed_in_step and k == len(steps)) else states[k]
        out.append(TraceStep(action.name, args, post))
    return tuple(out)
