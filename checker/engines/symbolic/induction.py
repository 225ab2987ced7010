"""k-induction: a property holds at every depth if, assumed in k consecutive states of any
run (reachable or not), it cannot break in the step after them.

The step case for k: states s_0 .. s_k, free (any values of their types); steps 1 .. k-1
good; the candidates (and every property proved before) hold in s_0 .. s_{k-1}, which are
pairwise distinct (simple path, k >= 2). The query asks whether step k can fail an assert or
check of a candidate, or, when it is good, leave a candidate invariant false in s_k.
Unsat: the candidates are k-inductive together. Sat: the model is a counterexample to
induction (CTI); the candidates it breaks are dropped and the rest are asked again
(Houdini), so what is proved at a given k is the largest jointly inductive subset.

The base case, that the candidates hold in every state reachable within k-1 steps and no
assert fails in those steps, is BMC's job: the caller passes the depth BMC has checked.

Consequences. Before the step queries of a large state, the costliest state properties
(invariants, and checks inside them) are each tried as a consequence of the others in one
state, from the costliest down. One that follows is left out of the step queries, as
hypothesis and as goal (its assert or check failures in the step stay goals): the queries
are equivalent, since what it says is implied by what they still assume and ask, and much
smaller (the free-list walks of `models/buddy.md` follow from the lemmas on list places).
Each one is implied by properties still kept when it was tried, never by one derived
earlier, so the proved set is an inductive core and the consequences of it. If Houdini drops
a kept property, the consequences are worked out again from what is left.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import z3

from checker import ir
from checker.engines.symbolic.encoder import Encoder, SymValue
from checker.engines.symbolic.unrolling import (
    OutOfTime,
    Queries,
    Step,
    decode_state,
    decode_steps,
    encode_step,
    state_failures,
    step_failures,
    transition,
)
from checker.engines.verdict import CounterexampleToInduction, Trace
from checker.engines.verdict import Step as TraceStep


@dataclass(frozen=True)
class InductionOptions:
    max_k: int
    deadline: float | None = None
    first_k: int = 1
    simple_path: bool = True
    rlimit: int | None = None  # Z3 resource units for the proof, plus CASE_RLIMIT per split case (deterministic)
    workers: int = 1  # processes for the split cases (used only without an rlimit: a budget is not shared)


@dataclass
class InductionRun:
    proved: dict[str, int] = field(default_factory=dict)  # property -> the k it was proved at
    ctis: dict[str, CounterexampleToInduction] = field(default_factory=dict)  # the last, per property not proved
    needed_lemmas: set[str] = field(default_factory=set)  # lemmas the proofs of the other properties used
    derived: set[str] = field(default_factory=set)  # proved as consequences of the inductive ones, in one state
    unknown: str | None = None  # why the search stopped early, if it did
    seconds: dict[str, float] = field(default_factory=dict)
    k_seconds: list[float] = field(default_factory=list)  # cumulative time at the end of each k


def prove(model: ir.Model, candidates: tuple[str, ...], options: InductionOptions,
          progress: Callable[[str], None] | None = None, proved_before: tuple[str, ...] = ()) -> InductionRun:
    """Try to prove `candidates` (properties BMC found unbroken up to depth >= max_k - 1)
    by k-induction, k = 1 .. max_k."""
    started = time.monotonic()
    run = InductionRun()
    kinds = {p.name: p.kind for p in model.properties}
    lemmas = {inv.name for inv in model.invariants if inv.lemma}
    proved = list(proved_before)
    open_names = [n for n in candidates if n in kinds]
    budget = options.rlimit
    for k in range(options.first_k, options.max_k + 1):
        if not open_names:
            break
        try:
            newly, core, ctis, reason, budget, derived = _prove_at(model, k, open_names, tuple(proved), options,
                                                                   budget, progress)
        except OutOfTime:
            run.unknown = "timeout"
            break
        run.derived |= derived & set(newly)
        run.ctis.update(ctis)
        for name in newly:
            run.proved[name] = k
            run.seconds[name] = time.monotonic() - started
            run.ctis.pop(name, None)
        run.needed_lemmas |= core & lemmas
        proved.extend(newly)
        open_names = [n for n in open_names if n not in newly]
        run.k_seconds.append(time.monotonic() - started)
        if reason:
            run.unknown = reason
            break
    return run


MAX_SPLIT_CASES = 1024  # above this many (action, arguments) cases, the last step stays one symbolic query
SPLIT_ABOVE_BITS = 1024  # smaller states are proved in one query, which also tells which lemmas were used
CASE_RLIMIT = 50_000  # resource units added to the proof's budget for each case of a split step
TRY_CONSEQUENCES = True  # in split proofs, try each invariant as a consequence of the others


class _Case:
    """One way to take the last step: an action with its arguments fixed, or any action.
    Encoded on first use: a proof that stops early (budget, deadline) encodes no more."""

    def __init__(self, build: Callable[[], tuple[dict[str, z3.BoolRef], Callable[[z3.ModelRef, bool], TraceStep]]]):
        self._build = build
        self._built: tuple | None = None

    def _get(self) -> tuple:
        if self._built is None:
            self._built = self._build()
        return self._built

    @property
    def goals(self) -> dict[str, z3.BoolRef]:  # property -> the last step breaks it
        return self._get()[0]

    def last_step(self, m: z3.ModelRef, failed_in_step: bool) -> TraceStep:
        return self._get()[1](m, failed_in_step)


def _prove_at(model: ir.Model, k: int, candidates: list[str], proved: tuple[str, ...], options: InductionOptions,
              budget: int | None, progress: Callable[[str], None] | None
              ) -> tuple[list[str], set[str], dict[str, CounterexampleToInduction], str, int | None, set[str]]:
    """(proved at this k, the lemmas the proof used, CTIs of the dropped ones, why the solver
    stopped if it did, the resource budget left, the state properties proved as consequences).

    The last step is split by action and arguments when there are few enough cases: each
    query then has the action's indices as constants, which Z3 simplifies away (measured on
    specs/buddy_alloc.md at 8 pages: one query over every action did not finish in 25 min;
    the 32 split ones took 1-26 s each)."""
    unrolled = _Unrolled(model, k, candidates, proved, options, budget, SPLIT_ABOVE_BITS)
    queries, cases = unrolled.queries, unrolled.cases
    if queries.rlimit_left is not None and unrolled.split:
        queries.rlimit_left += CASE_RLIMIT * len(cases)  # the budget scales with the work: a share per case
    live = list(candidates)
    ctis: dict[str, CounterexampleToInduction] = {}
    core: set[str] = set()
    consequences = unrolled.consequences()

    def derive(names: list[str]) -> set[str]:
        if consequences is None:
            return set()
        if progress:
            progress(f"k-induction, k={k}, {len(names)} properties open, consequences")
        return consequences.derive(names)

    derived = derive(live)
    if unrolled.split:
        live, ctis, derived, reason = _houdini_in_passes(unrolled, candidates, proved, options, live, derived,
                                                         derive, progress)
        if reason:
            return [], set(), ctis, reason, queries.rlimit_left, set()
        return live, set(unrolled.lemmas), ctis, "", queries.rlimit_left, derived  # every lemma counts as used
    dropped = True
    while dropped and live:  # Houdini: until a whole pass drops nothing
        dropped = False
        if progress:
            progress(f"k-induction, k={k}, {len(live)} properties open")
        for case in cases:
            while live:
                if queries.rlimit_left is not None and queries.rlimit_left <= 0:
                    return [], set(), ctis, "resource limit", queries.rlimit_left, set()
                answer = unrolled.ask(case, live, derived)
                if isinstance(answer, set):
                    core |= answer
                    break
                if isinstance(answer, str):
                    return [], set(), ctis, answer, queries.rlimit_left, set()
                for name in answer.broken:
                    ctis[name] = answer
                live = [n for n in live if n not in answer.broken]
                dropped = True
    return live, core & unrolled.lemmas, ctis, "", queries.rlimit_left, derived


class _Unrolled:
    """The step case for k, encoded: states s_0 .. s_k, the hypotheses on s_0 .. s_{k-1}, and
    the last step, split into cases or whole."""

    def __init__(self, model: ir.Model, k: int, candidates: list[str], proved: tuple[str, ...],
                 options: InductionOptions, budget: int | None, split_above_bits: int):
        self.model, self.k, self.proved = model, k, list(proved)
        self.lemmas = {inv.name for inv in model.invariants if inv.lemma}
        ctx = z3.Context()
        self.encoder = encoder = Encoder(model, ctx)
        self.queries = queries = Queries(ctx, options.deadline, budget)
        self.domain: list[z3.BoolRef] = []
        self.states: list[dict[str, SymValue]] = [encoder.fresh_state("s0.", self.domain)]
        queries.add(*self.domain)
        self.steps: list[Step] = []
        for i in range(1, k):
            step, results, constraints = encode_step(encoder, model, self.states[-1], i, queries.out_of_time)
            queries.add(*constraints)
            queries.add(transition(encoder, model, step, results))
            self.steps.append(step)
            self.states.append(step.state)
        # per state before the last: property -> the condition under which it is broken there
        self.broken_in = [state_failures(encoder, model, s, queries.out_of_time) for s in self.states]
        if options.simple_path and k >= 2:
            for i in range(k):
                for j in range(i + 1, k):
                    queries.add(z3.Not(encoder.equal(tuple(self.states[i].values()),
                                                     tuple(self.states[j].values()))))
        self.hypotheses = {name: encoder.conj([z3.Not(b[name]) for b in self.broken_in if name in b])
                           for name in list(candidates) + list(proved)}
        wanted = list(candidates)  # a list: the order of terms made must not depend on string hashing
        self.split = (_split_last_step(encoder, model, self.states[-1], k, wanted, queries)
                      if _state_bits(encoder, self.states[0]) > split_above_bits else [])
        self.cases = self.split or [_whole_last_step(encoder, model, self.states[-1], k, wanted, queries)]

    def consequences(self) -> "_Consequences | None":
        """Consequences are tried in split proofs only: a single query tracks its hypotheses
        for the lemmas' unsat core, which a property left out would hide."""
        if not self.split or not TRY_CONSEQUENCES:
            return None
        if self.k == 1:  # s0 is free but for its domain: the state properties are already encoded over it
            return _Consequences(self.encoder, self.model, self.queries, self.broken_in[0], self.domain, self.proved)
        free_domain: list[z3.BoolRef] = []  # a state of its own, free of the unrolled steps' constraints
        free = self.encoder.fresh_state("derive.", free_domain)
        broken_free = state_failures(self.encoder, self.model, free, self.queries.out_of_time)
        return _Consequences(self.encoder, self.model, self.queries, broken_free, free_domain, self.proved)

    def ask(self, case: _Case, live: list[str], derived: set[str]) -> "set[str] | str | CounterexampleToInduction":
        """One query: can this case's step break a live property? Unsat: the lemmas it used
        (all assumed ones, when split); unknown: why; sat: the counterexample to induction."""
        encoder = self.encoder
        goals = {name: case.goals.get("!failed " + name if name in derived else name, encoder.false)
                 for name in live}
        hypothesis = {name: self.hypotheses[name] for name in live + self.proved if name not in derived}
        after = [case.goals[_AFTER]] if _AFTER in case.goals else []
        if not self.split:  # tracked, for the lemmas' unsat core
            result, m, reason = self.queries.check(encoder.conj(after + [encoder.disj(list(goals.values()))]),
                                                   hypothesis)
        else:  # plain constraints: tracking them turns off preprocessing Z3 needs here
            result, m, reason = self.queries.check(encoder.conj(list(hypothesis.values()) + after +
                                                                [encoder.disj(list(goals.values()))]))
        if result == z3.unsat:
            if self.split:
                return set(hypothesis)  # not known: every lemma counts as used
            return _lemmas_used(self.model, self.queries, goals, hypothesis, set(self.queries.last_core), after)
        if result == z3.unknown:
            return reason or "solver gave up"
        assert m is not None
        hit = [n for n, g in goals.items() if z3.is_true(m.eval(g, model_completion=True))]
        assert hit, "a model of the disjunction satisfies one of its parts"
        failed = [n for n in hit if z3.is_true(m.eval(case.goals.get("!failed " + n, encoder.false),
                                                      model_completion=True))]
        decoded = [decode_state(m, self.model, s) for s in self.states]
        prefix = decode_steps(m, self.model, self.steps, decoded + [{}], False)
        trace = Trace(decoded[0], decoded[0], prefix + (case.last_step(m, bool(failed)),), bool(failed))
        return CounterexampleToInduction(self.k, tuple(failed or hit), tuple(live + self.proved), trace)


def _houdini_in_passes(unrolled: "_Unrolled", candidates: list[str], proved: tuple[str, ...],
                       options: InductionOptions, live: list[str], derived: set[str],
                       derive: Callable[[list[str]], set[str]], progress: Callable[[str], None] | None
                       ) -> tuple[list[str], dict[str, CounterexampleToInduction], set[str], str]:
    """Houdini over split cases, pass by pass: every case of a pass is asked about the same
    live properties, and what the pass drops is dropped at its end, so the answers do not
    depend on the order the cases are asked in, nor on how many processes ask them
    (`options.workers`, when there is no resource budget: a budget is not shared). The CTI
    kept for a property is the first case's. The passes end when one drops nothing.
    (live, CTIs, consequences, why it stopped if it did)."""
    k, cases = unrolled.k, len(unrolled.cases)
    ctis: dict[str, CounterexampleToInduction] = {}
    workers = min(options.workers, cases) if options.rlimit is None else 1
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None
    try:
        while live:
            if pool is not None:
                if progress:
                    progress(f"k-induction, k={k}, {len(live)} properties open, {cases} cases on {workers} processes")
                shares = [list(range(w, cases, workers)) for w in range(workers)]
                answers: dict[int, str | list[CounterexampleToInduction]] = {}
                for share, found in zip(shares, pool.map(_ask_in_worker, [unrolled.model] * workers,
                                                         [k] * workers, [candidates] * workers,
                                                         [proved] * workers, [options] * workers,
                                                         [live] * workers, [derived] * workers, shares)):
                    answers.update(zip(share, found))
            else:
                def on_case(number: int, open_now: int = len(live)) -> None:
                    if progress:
                        progress(f"k-induction, k={k}, {open_now} properties open, case {number + 1} of {cases}")
                answers = dict(zip(range(cases), _ask_cases(unrolled, list(range(cases)), live, derived, on_case)))
            dropped: list[str] = []
            for number in range(cases):  # in case order: the first case's CTI is kept
                answer = answers[number]
                if isinstance(answer, str):
                    return live, ctis, set(), answer
                for cti in answer:
                    for name in cti.broken:
                        if name not in dropped:
                            dropped.append(name)
                            ctis[name] = cti
            if not dropped:
                break
            kept_dropped = any(n not in derived for n in dropped)
            live = [n for n in live if n not in dropped]
            if kept_dropped and derived:
                derived = derive(live)  # what followed may have followed from a dropped property
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return live, ctis, derived, ""


def _ask_cases(unrolled: "_Unrolled", numbers: list[int], live: list[str], derived: set[str],
               on_case: Callable[[int], None] | None = None) -> list[str | list[CounterexampleToInduction]]:
    """Each case in `numbers` asked about `live`, and again after each CTI until it is unsat,
    or until a CTI drops a property the consequences may follow from (the next pass works
    them out again). Per case: its CTIs; or why the solver stopped, after which no case is
    asked."""
    out: list[str | list[CounterexampleToInduction]] = []
    for number in numbers:
        if on_case:
            on_case(number)
        open_here = list(live)
        found: list[CounterexampleToInduction] = []
        while open_here:
            if unrolled.queries.rlimit_left is not None and unrolled.queries.rlimit_left <= 0:
                out.append("resource limit")
                return out
            answer = unrolled.ask(unrolled.cases[number], open_here, derived)
            if isinstance(answer, set):
                break
            if isinstance(answer, str):
                out.append(answer)
                return out
            found.append(answer)
            open_here = [n for n in open_here if n not in answer.broken]
            if any(n not in derived for n in answer.broken):
                break
        out.append(found)
    return out


def _ask_in_worker(model: ir.Model, k: int, candidates: list[str], proved: tuple[str, ...],
                   options: InductionOptions, live: list[str], derived: set[str], numbers: list[int]
                   ) -> list[str | list[CounterexampleToInduction]]:
    """`_ask_cases` in a worker process, on the step case encoded again there (the same
    terms: encoding is deterministic)."""
    return _ask_cases(_Unrolled(model, k, candidates, proved, options, None, 0), numbers, live, derived)


class _Consequences:
    """Which invariants (and checks inside state properties) follow, in one state, from the
    others: tried from the costliest down, each against the properties still kept (never
    against one already derived), so everything derived follows from what is kept at the end.
    Lemmas are never tried: they are what the others are meant to follow from."""

    def __init__(self, encoder: Encoder, model: ir.Model, queries: Queries, broken: dict[str, z3.BoolRef],
                 domain: list[z3.BoolRef], proved: list[str]):
        self._encoder = encoder
        self._queries = queries
        self._domain = domain  # what the state's types say, and nothing else
        self._broken = broken  # property -> broken in the state
        self._proved = [n for n in proved if n in self._broken]
        self._lemmas = {inv.name for inv in model.invariants if inv.lemma}
        self._costs = {name: _term_cost(b) for name, b in self._broken.items()}

    def derive(self, live: list[str]) -> set[str]:
        kept = [n for n in live if n in self._broken] + self._proved
        tried = sorted((n for n in live if n in self._broken and n not in self._lemmas),
                       key=lambda n: -self._costs[n])
        derived: set[str] = set()
        for name in tried:
            if self._queries.out_of_time():
                raise OutOfTime()
            assumed = [z3.Not(self._broken[n]) for n in kept if n != name]
            result, _, _ = self._queries.check(self._encoder.conj(self._domain + assumed + [self._broken[name]]),
                                               alone=True)
            if result == z3.unsat:
                derived.add(name)
                kept.remove(name)
        return derived


def _term_cost(term: z3.ExprRef) -> int:
    """The size of a term as bit-blasting sees it: its distinct subterms, each weighed by its width."""
    seen: set[int] = set()
    stack = [term]
    cost = 0
    while stack:
        t = stack.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        stack.extend(t.children())
        cost += t.sort().size() if z3.is_bv(t) else 1
    return cost


_AFTER = "!after"  # a case's goal key for the constraint that defines the state after its step


def _case_goals(encoder: Encoder, model: ir.Model, failures: dict[str, z3.BoolRef], good: z3.BoolRef,
                broken_after: dict[str, z3.BoolRef], wanted: list[str]) -> dict[str, z3.BoolRef]:
    """Per wanted property: the last step fails it, or is good and leaves it broken; and,
    under "!failed NAME", the first part alone."""
    goals: dict[str, z3.BoolRef] = {}
    for name in wanted:
        failed = failures.get(name, encoder.false)
        goals[name] = encoder.disj([failed, encoder.conj([good, broken_after.get(name, encoder.false)])])
        goals["!failed " + name] = failed
    return goals


def _whole_last_step(encoder: Encoder, model: ir.Model, before: dict[str, SymValue], k: int, wanted: list[str],
                     queries: Queries) -> _Case:
    step, results, constraints = encode_step(encoder, model, before, k, queries.out_of_time)
    queries.add(*constraints)
    good = transition(encoder, model, step, results)
    goals = _case_goals(encoder, model, step_failures(encoder, step, results), good,
                        state_failures(encoder, model, step.state, queries.out_of_time), wanted)

    def last_step(m: z3.ModelRef, failed_in_step: bool) -> TraceStep:
        return decode_steps(m, model, [step], [{}, decode_state(m, model, step.state)], failed_in_step)[0]
    return _Case(lambda: (goals, last_step))


def _state_bits(encoder: Encoder, state: dict[str, SymValue]) -> int:
    return sum(1 if z3.is_bool(c) else c.size() for v in state.values() for c in encoder.leaves(v))


def _values_count(t: ir.Type) -> int:
    return 1 << t.width if isinstance(t, ir.BitsType) else ir.domain_size(t)


def _values(t: ir.Type) -> range | tuple:
    return range(1 << t.width) if isinstance(t, ir.BitsType) else tuple(ir.domain_values(t))  # type: ignore[arg-type]


def _split_last_step(encoder: Encoder, model: ir.Model, before: dict[str, SymValue], k: int, wanted: list[str],
                     queries: Queries) -> list[_Case]:
    """One case per action and argument tuple; [] when there are too many."""
    sizes = [math.prod(_values_count(t) for _, t in a.params) for a in model.actions]
    if sum(sizes) > MAX_SPLIT_CASES:
        return []
    per_action = [list(itertools.product(*(_values(t) for _, t in a.params))) for a in model.actions]
    # The state after the last step is one set of variables, equal to the case's result: the
    # invariants are encoded over it once, not once per case (half the time of a proof at
    # 4 pages went to encoding them again), and Z3 substitutes the equalities away.
    after = encoder.fresh_state(f"s{k}.", [])
    broken_after: list[dict[str, z3.BoolRef]] = []

    def build(action: ir.ActionDef, values: tuple) -> tuple:
        if queries.out_of_time():
            raise OutOfTime()
        if not broken_after:
            broken_after.append(state_failures(encoder, model, after, queries.out_of_time))
        params = {name: encoder.literal(v, t) for (name, t), v in zip(action.params, values)}
        result = encoder.run(action.body, before, params)
        failures: dict[str, list[z3.BoolRef]] = {}
        for f in result.failures:
            failures.setdefault(f.prop, []).append(f.cond)
        goals = _case_goals(encoder, model, {n: encoder.disj(c) for n, c in failures.items()}, result.alive,
                            broken_after[0], wanted)
        goals[_AFTER] = encoder.equal(tuple(after.values()), tuple(result.state[n] for n in after))
        args = tuple((name, v) for (name, _), v in zip(action.params, values))

        def last_step(m: z3.ModelRef, failed_in_step: bool) -> TraceStep:
            return TraceStep(action.name, args, None if failed_in_step else decode_state(m, model, result.state))
        return goals, last_step

    return [_Case(lambda action=action, values=values: build(action, values))
            for action, arg_tuples in zip(model.actions, per_action) for values in arg_tuples]


def _lemmas_used(model: ir.Model, queries: Queries, goals: dict[str, z3.BoolRef],
                 tracked: dict[str, z3.BoolRef], whole_core: set[str], after: list[z3.BoolRef]) -> set[str]:
    """The lemmas the proof of the other properties depends on, directly or through other
    lemmas. Unsat cores are not minimal, so this may keep a lemma that is not needed, never
    the other way round."""
    lemmas = {inv.name for inv in model.invariants if inv.lemma}
    if not lemmas & whole_core:
        return set()
    frontier = [n for n in goals if n not in lemmas]
    needed: set[str] = set()
    while frontier:
        result, _, _ = queries.check(z3.And(after + [z3.Or([goals[n] for n in frontier])]), tracked)
        core = set(queries.last_core) if result == z3.unsat else set(tracked)
        new = (core & lemmas) - needed
        needed |= new
        frontier = [n for n in new if n in goals]
        if any(n not in goals for n in new):  # a lemma proved at a smaller k: what it needed is not known here
            return lemmas
    return needed


def unneeded_lemmas(model: ir.Model, run: InductionRun) -> tuple[str, ...]:
    """Lemmas proved, whose hypothesis no proof of another property used."""
    return tuple(inv.name for inv in model.invariants
                 if inv.lemma and inv.name in run.proved and inv.name not in run.needed_lemmas)
