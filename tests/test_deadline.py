"""The wall-clock deadline on Z3 checks: an interrupt that lands after a check has returned
(its timer fired in the moment before it was cancelled, as happens on a busy machine) must
not leave the context canceled. It did once: on CI, `--timeout 10` ended a run with
"internal error: Z3Exception: b'canceled'", raised by the model evaluation that followed a
sat answer.
"""
from __future__ import annotations

import threading
import time

import pytest
import z3

from checker.engines.aiger.certificate import Stop
from checker.engines.symbolic.deadline import interrupt_at
from checker.engines.symbolic.unrolling import Queries

LATE = 0.3   # seconds after the check's answer the timer fires


def squares(ctx: z3.Context) -> tuple[z3.BitVecRef, z3.BoolRef]:
    x = z3.BitVec("x", 16, ctx)
    return x, x * x == 49


class SlowToReturn(z3.Solver):
    """A solver whose check() returns its answer late, as a descheduled thread would."""

    def check(self, *assumptions):
        answer = super().check(*assumptions)
        time.sleep(3 * LATE)
        return answer


def test_an_interrupt_after_the_check_leaves_the_context_canceled_inside_the_block_only():
    ctx = z3.Context()
    x, constraint = squares(ctx)
    solver = z3.Solver(ctx=ctx)
    solver.add(constraint)
    with interrupt_at(ctx, time.monotonic() + LATE):
        assert solver.check() == z3.sat
        model = solver.model()
        time.sleep(3 * LATE)
        with pytest.raises(z3.Z3Exception):  # what Z3 does with an interrupt no check consumed
            model.eval(x, model_completion=True)
    assert model.eval(x * x, model_completion=True).as_long() == 49


def test_a_query_whose_deadline_passes_as_it_returns_keeps_its_model():
    ctx = z3.Context()
    x, constraint = squares(ctx)
    queries = Queries(ctx, time.monotonic() + LATE)
    queries.path_solver = SlowToReturn(ctx=ctx)
    queries.add(constraint)
    result, model, _ = queries.check_feasible()
    assert result == z3.sat and queries.out_of_time()
    assert model.eval(x * x, model_completion=True).as_long() == 49


def test_a_check_stopped_as_it_ends_leaves_the_context_usable():
    ctx = z3.Context()
    x, constraint = squares(ctx)
    solver = z3.Solver(ctx=ctx)
    solver.add(constraint)
    interrupted = threading.Event()
    interrupt = ctx.interrupt

    def recorded_interrupt() -> None:
        interrupt()
        interrupted.set()

    ctx.interrupt = recorded_interrupt
    stop = Stop()
    assert stop.enter(ctx)
    assert solver.check() == z3.sat
    model = solver.model()
    stop.request()
    assert interrupted.wait(60)
    stop.leave(ctx)
    assert model.eval(x * x, model_completion=True).as_long() == 49
