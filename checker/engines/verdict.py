"""What an engine says about a property, and the traces it returns. No solver here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

from checker import ir


@dataclass(frozen=True)
class Step:
    action: str
    args: tuple[tuple[str, object], ...]
    state: Mapping[str, object] | None  # the state after the step; None when the step failed


@dataclass(frozen=True)
class Trace:
    """A run from an initial state; the last step or the last state breaks the property.

    `havoc` holds the values the state had before `init` ran (what init left free).
    """
    havoc: Mapping[str, object]
    initial: Mapping[str, object]
    steps: tuple[Step, ...]
    failed_in_step: bool  # True: the last step's action hit an assert / check

    @property
    def depth(self) -> int:
        return len(self.steps)

    def final_state(self) -> Mapping[str, object]:
        for step in reversed(self.steps):
            if step.state is not None:
                return step.state
        return self.initial


@dataclass(frozen=True)
class Violated:
    depth: int
    trace: Trace


@dataclass(frozen=True)
class FoundInRun(Violated):
    """Random simulation broke it at step `depth` (= `step`) of random run `run` (1-based).

    A random run is not a shortest execution: this step is not a depth in the sense of BMC
    and explicit search, and no output calls it one."""
    run: int = 0

    @property
    def step(self) -> int:
        return self.depth


@dataclass(frozen=True)
class HoldsToDepth:
    depth: int


@dataclass(frozen=True)
class Proved:
    engine: str
    detail: str
    k: int | None = None        # k-induction: the k the proof needed
    frames: int | None = None   # IC3/PDR: frames when the invariant closed


@dataclass(frozen=True)
class Unknown:
    reason: str
    depth: int  # deepest depth fully checked


@dataclass(frozen=True)
class NotFound:
    """Random simulation broke it in none of `runs` runs of up to `steps` steps: no proof of anything."""
    runs: int
    steps: int


@dataclass(frozen=True)
class CounterexampleToInduction:
    """A run of k steps from a state where the assumed properties hold (possibly unreachable)
    whose last step, or the state after it, breaks `broken`."""
    k: int
    broken: tuple[str, ...]
    assumed: tuple[str, ...]
    trace: Trace


Verdict = Union[Violated, HoldsToDepth, Proved, Unknown, NotFound]


@dataclass(frozen=True)
class PropertyResult:
    config: str
    prop: ir.Property
    verdict: Verdict
    seconds: float

    @property
    def as_expected(self) -> bool:
        if self.prop.expect == "violated":
            return isinstance(self.verdict, Violated)
        return isinstance(self.verdict, (HoldsToDepth, Proved, NotFound))

    @property
    def outcome(self) -> str:
        match self.verdict:
            case Violated():
                return "VIOLATED"
            case HoldsToDepth():
                return "HOLDS"
            case Proved():
                return "PROVED"
            case Unknown():
                return "UNKNOWN"
            case NotFound():
                return "NOT FOUND"
        raise AssertionError(self.verdict)
