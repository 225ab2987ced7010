"""A wall-clock deadline on Z3 checks, by interrupting their context from a timer thread.

An interrupt that lands after the check has returned (the timer fired in the moment between
the check's end and the timer's cancel, which a busy machine makes longer) is not lost: it
leaves the context canceled, and the next model evaluation in it raises `Z3Exception(b'canceled')`
although the check it belongs to answered. `interrupt_at` clears that with an empty check
(Z3 resets a context's cancel flag when a check ends), so a sat answer's model stays usable.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import z3


def seconds_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def interrupt_at(ctx: z3.Context, deadline: float | None) -> Iterator[None]:
    """Interrupt what `ctx` solves inside the block once `deadline` (time.monotonic) passes;
    after the block, `ctx` is never left canceled."""
    remaining = seconds_left(deadline)
    if remaining is None:
        yield
        return
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        ctx.interrupt()

    timer = threading.Timer(max(0.0, remaining), interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        if fired.is_set():
            clear_interrupt(ctx)


def clear_interrupt(ctx: z3.Context) -> None:
    """Undo an interrupt of `ctx` that no check consumed."""
    z3.Solver(ctx=ctx).check()
