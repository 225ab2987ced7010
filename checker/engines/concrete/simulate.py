"""Random simulation: long random executions, for depths BMC and exhaustive search cannot reach.

Each run starts from an initial state (one of those `init` can produce, picked at random)
and takes up to `steps` steps. At each step every action is tried with every argument
tuple (a random sample of them for actions with very many), every assert or check that
fails on the way is reported as found at this step of this run (`FoundInRun`: a step of a
random run, never called a depth, as a shorter execution may break it too), and one of the enabled moves is taken
at random. Invariants are checked in every state visited. Runs are reproducible: run `r`
of seed `S` draws from its own generator seeded with (S, r).

A property not broken by any run is NOT FOUND: random runs prove nothing.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from checker import ir
from checker.engines.concrete.compiled import Compiler
from checker.engines.concrete.explicit import argument_tuples
from checker.engines.concrete.havoc import TooManyInitialStates, initial_states
from checker.engines.concrete.interp import Blocked, Violation, run_init
from checker.engines.verdict import FoundInRun, NotFound, Step, Trace, Unknown, Verdict, Violated

MAX_TRIED = 4096  # argument tuples of one action tried at every step; more are sampled
SAMPLED_ARGUMENTS = 256
INIT_ENUMERATION_LIMIT = 4096
RANDOM_INIT_ATTEMPTS = 10_000


@dataclass(frozen=True)
class SimulateOptions:
    steps: int
    runs: int
    seed: int
    deadline: float | None = None


@dataclass
class SimulationRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    found_in: dict[str, int] = field(default_factory=dict)  # property -> run number (1-based)
    runs: int = 0
    steps: int = 0
    deadlocked: int = 0       # runs that ended early because no action was enabled
    distinct_states: int = 0
    elapsed: float = 0.0


class NoInitialState(Exception):
    """No random initial values satisfied init's requirements."""


def simulate(model: ir.Model, options: SimulateOptions) -> SimulationRun:
    started = time.monotonic()
    names = tuple(name for name, _ in model.state)
    compiler = Compiler()
    moves = [(action, compiler.action(action), _argument_source(action)) for action in model.actions]
    invariants = [(inv, compiler.invariant(inv)) for inv in model.invariants]
    open_props = {p.name for p in model.properties}
    run = SimulationRun({}, {})
    seen: set[tuple] = set()
    initials = _listed_initial_states(model)

    def settle(name: str, verdict: Verdict, run_number: int) -> None:
        if name in open_props:
            open_props.discard(name)
            if isinstance(verdict, Violated):  # where in a random run: not a depth
                verdict = FoundInRun(verdict.depth, verdict.trace, run_number)
            run.verdicts[name] = verdict
            run.seconds[name] = time.monotonic() - started
            run.found_in[name] = run_number

    def check_state(state: dict, trace: Trace, run_number: int) -> None:
        memo: dict = {}
        for inv, holds_in in invariants:
            try:
                if not holds_in(state, memo):
                    settle(inv.name, Violated(trace.depth, trace), run_number)
            except Violation as v:
                settle(v.prop, Violated(trace.depth, trace), run_number)

    timed_out = False
    for number in range(1, options.runs + 1):
        if not open_props:
            break
        if options.deadline is not None and time.monotonic() >= options.deadline:
            timed_out = True
            break
        rng = random.Random(f"{options.seed}/{number}")
        havoc, state, failure = _initial(model, initials, rng)
        if failure is not None:
            settle(failure.prop, Violated(0, Trace(havoc, havoc, (), True)), number)
            run.runs += 1
            continue
        initial = dict(state)
        steps: list[Step] = []
        seen.add(tuple(state[n] for n in names))
        check_state(state, Trace(havoc, initial, (), False), number)
        for depth in range(1, options.steps + 1):
            if options.deadline is not None and time.monotonic() >= options.deadline:
                timed_out = True
                break
            enabled: list[tuple[str, tuple, dict]] = []
            for action, run_action, arguments in moves:
                for args in arguments(rng):
                    try:
                        after = run_action(state, args)
                    except Blocked:
                        continue
                    except Violation as v:
                        failed = Step(action.name, tuple(args.items()), None)
                        settle(v.prop, Violated(depth, Trace(havoc, initial, tuple(steps) + (failed,), True)),
                               number)
                        continue
                    enabled.append((action.name, tuple(args.items()), after))
            if not enabled:
                run.deadlocked += 1
                break
            name, args, state = enabled[rng.randrange(len(enabled))]
            steps.append(Step(name, args, state))
            run.steps += 1
            seen.add(tuple(state[n] for n in names))
            check_state(state, Trace(havoc, initial, tuple(steps), False), number)
        run.runs += 1
        if timed_out:
            break
    for name in list(open_props):
        if timed_out:
            settle(name, Unknown(f"timeout after {run.runs} runs, none broke it", -1), 0)
        else:
            settle(name, NotFound(run.runs, options.steps), 0)
    run.found_in = {k: v for k, v in run.found_in.items() if v}
    run.distinct_states = len(seen)
    run.elapsed = time.monotonic() - started
    return run


def _argument_source(action: ir.ActionDef):
    """A function rng -> the argument dicts to try this step: all, or a random sample."""
    size = 1
    for _, t in action.params:
        size *= (t.mask + 1) if isinstance(t, ir.BitsType) else ir.domain_size(t)
    if size <= MAX_TRIED:
        every = [dict(args) for args in argument_tuples(action)]
        return lambda rng: every

    def sample(rng: random.Random) -> list[dict]:
        return [{name: _random_value(t, rng) for name, t in action.params} for _ in range(SAMPLED_ARGUMENTS)]
    return sample


def _listed_initial_states(model: ir.Model) -> list | None:
    try:
        return list(initial_states(model, INIT_ENUMERATION_LIMIT))
    except TooManyInitialStates:
        return None  # too many to list: draw random values instead


def _initial(model: ir.Model, listed: list | None, rng: random.Random) -> tuple[dict, dict, Violation | None]:
    if listed is not None:
        if not listed:
            raise NoInitialState("init's requirements hold for no initial values")
        chosen = listed[rng.randrange(len(listed))]
        return chosen.havoc, chosen.state, chosen.failure
    for _ in range(RANDOM_INIT_ATTEMPTS):
        havoc = {name: _random_value(t, rng) for name, t in model.state}
        try:
            return havoc, run_init(model, havoc), None
        except Blocked:
            continue
        except Violation as failure:
            return havoc, {}, failure
    raise NoInitialState(f"init's requirements held for none of {RANDOM_INIT_ATTEMPTS} random initial states")


def _random_value(t: ir.Type, rng: random.Random) -> object:
    match t:
        case ir.BoolType():
            return rng.random() < 0.5
        case ir.IntType(lo=lo, hi=hi):
            return rng.randint(lo, hi)
        case ir.EnumType(members=members):
            return rng.randrange(len(members))
        case ir.BitsType(width=w):
            return rng.getrandbits(w)
        case ir.RecordType(fields=fields):
            return tuple(_random_value(ft, rng) for _, ft in fields)
        case ir.ArrayType(index=index, elem=elem):
            return tuple(_random_value(elem, rng) for _ in range(ir.domain_size(index)))
        case ir.LayoutType(words=words):
            return tuple(rng.getrandbits(ir.WORD_BITS) for _ in range(words))
    raise AssertionError(t)

