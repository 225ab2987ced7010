"""ABC's proof, re-checked by Z3 on mdcheck's own word-level terms before anyone sees PROVED.

A certificate is a set of clauses over latch bits (by the circuit's latch names): PDR's
invariant on the network it ran on, plus one clause pair for each latch ABC merged into
another (or into a constant) before that; and, after signal correspondence, pairs of
internal nodes (functions of the state's and the step's input bits) proved equal, which the
invariant then holds equal in every state, whatever the inputs (`recheck` says how). It
proves the properties when, over Z3 terms
built by the encoder (not by the bit-blaster, so a bug in the export cannot make a proof):
1. the reset state (nothing initialized, every cell 0) meets it;
2. init, from any values in their types that meet its requires, makes a state that meets it;
3. a good step from a state that meets it makes a state that meets it;
4. in a state that meets it, no frame breaks a property (the circuit's output, as Z3 terms).

Obligation 3 is split into cases, one per action and argument tuple (a query checks that
they cover every step in its types), each asking only about the clauses over cells its
step may change; the cases share an incremental solver holding the invariant before the
step (`recheck` says why each of these is sound).
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import z3

from checker import ir
from checker.engines.aiger.answers import Clause
from checker.engines.aiger.equivalences import Equivalences
from checker.engines.aiger.export import INITIALIZED, Circuit, Output, leaves
from checker.engines.symbolic.deadline import clear_interrupt, interrupt_at, seconds_left
from checker.engines.symbolic.encoder import SymValue

SHOWN_CLAUSES = 12  # of PDR's own clauses, in --show-invariant


class Stop:
    """Stops a re-check from another thread: it answers "stopped" (not a rejection). The Z3
    contexts it is solving in are interrupted, again until they let go (an interrupt that
    comes before a check has begun would be lost)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._solving: list[z3.Context] = []
        self.requested = False

    def request(self) -> None:
        with self._lock:
            self.requested = True
        threading.Thread(target=self._interrupt_until_idle, daemon=True).start()

    def _interrupt_until_idle(self) -> None:
        while True:
            with self._lock:
                if not self._solving:
                    return
                for ctx in self._solving:
                    ctx.interrupt()
            time.sleep(0.05)

    def enter(self, ctx: z3.Context) -> bool:
        """Whether a check in `ctx` may begin (then `leave` it when it ends)."""
        with self._lock:
            if self.requested:
                return False
            self._solving.append(ctx)
            return True

    def leave(self, ctx: z3.Context) -> None:
        with self._lock:
            self._solving.remove(ctx)
            interrupted = self.requested
        if interrupted:
            clear_interrupt(ctx)


@dataclass(frozen=True)
class Recheck:
    holds: bool
    reason: str = ""     # why not: the obligation that failed, or "timeout"
    seconds: float = 0.0
    obligation_seconds: tuple[float, ...] = ()


def _bit_reader(circuit: Circuit, state: dict[str, SymValue], initialized: z3.BoolRef):
    """latch bit name -> Z3 Bool over `state`."""
    leaf_of: dict[str, z3.ExprRef] = {}
    for name, _ in circuit.model.state:
        template, value = circuit.state[name], state[name]
        for t_leaf, leaf in zip(leaves(template), leaves(value)):
            leaf_of[str(t_leaf)] = leaf
    bits: dict[str, z3.BoolRef] = {INITIALIZED: initialized}
    one = {}
    for cell in circuit.latch_cells:
        leaf = leaf_of[cell.name]
        if cell.is_bool:
            bits[cell.name] = leaf
            continue
        for i in range(cell.width):
            ctx = circuit.encoder.ctx
            width_one = one.setdefault(0, z3.BitVecVal(1, 1, ctx))
            bits[f"{cell.name}[{i}]"] = z3.Extract(i, i, leaf) == width_one
    return bits


def invariant(circuit: Circuit, clauses: list[Clause], state: dict[str, SymValue],
              initialized: z3.BoolRef) -> z3.BoolRef:
    encoder = circuit.encoder
    bits = _bit_reader(circuit, state, initialized)
    return encoder.conj([encoder.disj([bits[name] if value else z3.Not(bits[name]) for name, value in clause])
                         for clause in clauses])


def holds_at_reset(clauses: list[Clause]) -> bool:
    return all(any(value is False for _, value in clause) for clause in clauses)


MAX_STEP_CASES = 4096  # (action, arguments) cases above which the step is one case per action
# the clauses one query of a case asks about: a case asking about more is several queries
# (on the tag-level spec at 16 pages, 500 a query: 5.7 s; all at once: 9.8 s; 100: 7.7 s)
CLAUSES_PER_QUERY = 500
# that a step keeps the pairs is asked in queries about this many pairs each, at most
# (specs/ptdesc.md boot_late, 4,332 pairs, 2 threads: one query 66 s; 2: 34 s; 4: 27 s; 8: 35 s)
PAIRS_PER_QUERY = 1100


def recheck(circuit: Circuit, clauses: list[Clause], outputs: list[Output], deadline: float | None,
            workers: int = 1, equivalences: Equivalences | None = None, stop: Stop | None = None) -> Recheck:
    """The four obligations above; with `workers` > 1 the queries run in that many threads,
    each in a Z3 context of its own (Z3 releases the GIL while it solves).

    The step's obligation is split into cases: one per action and argument tuple when there
    are at most MAX_STEP_CASES of them (with constant arguments Z3 folds most of the step
    away), else one per action; a further query checks that the cases cover every step in
    its types. A case asks only about the clauses over cells its step may change: a clause
    over cells whose terms after the step are those before (once the arguments and the
    invariant's merged bits are put in) holds after the step because it held before. The
    cases share one incremental solver per thread, which takes the invariant before the
    step once and each case in a push/pop scope.

    `equivalences` (pairs of nodes over state and input bits) join the invariant as
    "every pair is equal in the state, whatever the inputs": the hypotheses take them with
    the frame's own inputs (in a case, tied to its arguments) and with fresh ones; that a
    good step keeps them, over fresh inputs, is asked on the whole step, in queries about
    PAIRS_PER_QUERY pairs at most (as clauses in the cases, or one query per action, they made
    the re-check two to three times slower).

    `stop`, requested from another thread, ends the re-check with the reason "stopped"."""
    started = time.monotonic()
    if not holds_at_reset(clauses):
        return Recheck(False, "the invariant does not hold in the reset state", time.monotonic() - started)
    encoder, terms, ctx = circuit.encoder, circuit.terms, circuit.encoder.ctx
    initialized = z3.Bool(INITIALIZED, ctx)
    true = encoder.true
    bits = _bit_reader(circuit, circuit.state, initialized)
    negative = {name: _not(bit) for name, bit in bits.items()}
    clause_terms = [_or(ctx, [bits[name] if value else negative[name] for name, value in clause]) for clause in clauses]
    cells = _clause_cells(circuit, clauses)
    leaves_now = _state_leaves(circuit, circuit.state)
    try:
        pairs = _pairs(circuit, equivalences, bits, leaves_now)
    except KeyError as unknown:
        return Recheck(False, f"an equivalence reads {unknown}, which is no bit of the circuit",
                       time.monotonic() - started)
    before = _and(ctx, clause_terms or [true])
    whole = _and(ctx, [before, *pairs.fresh])  # ... and the pairs, over any inputs
    with_inputs = _and(ctx, pairs.now or [true])  # ... over the frame's own inputs

    def moved_to(state: dict[str, SymValue]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """The substitution that puts `state`, initialized, for the state."""
        made = [(leaf, made) for leaf, made in zip(leaves_now, _state_leaves(circuit, state)) if not leaf.eq(made)]
        return made + [(initialized, true)]

    # the invariant fixes these cells in the state before, or ties them to others: Z3 gets
    # them so, which spares it bit-blasting the step on them (the invariant stays whole)
    known = _merged_state(circuit, clauses)
    queries: list[tuple[str, z3.BoolRef]] = [
        ("init makes a state outside the invariant",
         _substituted(encoder.conj([whole, z3.Not(initialized), terms.havoc_in_type, terms.init_alive, pairs.at_reset,
                                    z3.Not(_substituted(whole, moved_to(terms.after_init)))]), known)),
        ("the invariant allows a frame that breaks " + ", ".join(sorted({o.prop for o in outputs})),
         _substituted(encoder.conj([before, with_inputs,
                                    encoder.disj([terms.output(encoder, o, initialized) for o in outputs])]), known))]
    if equivalences is not None and equivalences.zero:
        queries.append(("an equivalence fails in the reset state", z3.Not(pairs.at_reset)))
    if pairs.fresh:  # the pairs after a step, apart from the clauses' cases (per action: slower)
        after_step = moved_to(terms.after_step)
        for part in even_parts(pairs.fresh, PAIRS_PER_QUERY):
            broken = _or(ctx, [_not(pair) for pair in part])
            queries.append(("a step breaks an equivalence", _substituted(encoder.conj(
                [whole, with_inputs, initialized, terms.step_good, _substituted(broken, after_step)]),
                known + [(initialized, true)])))
    cases, cover = _step_cases(circuit)
    if cover is not None:
        queries.append(("the step's cases miss a step in its types", encoder.conj([terms.step_in_type, z3.Not(cover)])))
    known_step = known + [(initialized, true)]
    shared = _StepCases(circuit, cells, clause_terms, leaves_now, known_step, bool(pairs.now))
    step_cases = [query for chosen in cases for query in shared.queries(chosen)]
    # the largest cases (most clauses asked about) first, each to the thread with the least
    # so far; a thread then takes its cases in the order made (the small ones first: what
    # the solver learns from them helps with the large ones, which take twice as long first)
    load = [0] * max(1, workers)
    picked: list[list[int]] = [[] for _ in load]
    for k in sorted(range(len(step_cases)), key=lambda k: -step_cases[k][0]):
        lightest = load.index(min(load))
        load[lightest] += step_cases[k][0]
        picked[lightest].append(k)
    chunks = [[step_cases[k][1] for k in sorted(chunk)] for chunk in picked]
    step_before = _substituted(encoder.conj([before, with_inputs, initialized]), known_step)
    prepared: list[tuple[str, z3.BoolRef, list[z3.BoolRef] | None]] = [(what, query, None) for what, query in queries]
    threads = max(1, workers)
    prepared += [("a step leaves the invariant", step_before, chunk) for chunk in chunks]
    if workers > 1:
        prepared = [_translated(what, query, scoped) for what, query, scoped in prepared]
    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(lambda item: _solve(item[1], item[2], deadline, stop), prepared))
    for (what, _, _), (result, reason, _) in zip(prepared, answers):
        if result == z3.unknown:
            return Recheck(False, reason, time.monotonic() - started)
        if result == z3.sat:
            return Recheck(False, what, time.monotonic() - started)
    return Recheck(True, "", time.monotonic() - started, tuple(seconds for _, _, seconds in answers))


def even_parts(items: list, most: int) -> list[list]:
    """`items` in order, cut into as few parts of at most `most` as can be, of sizes that
    differ by one at most."""
    if not items:
        return []
    count = -(-len(items) // most)
    size, larger = divmod(len(items), count)
    parts, start = [], 0
    for k in range(count):
        end = start + size + (k < larger)
        parts.append(items[start:end])
        start = end
    return parts


@dataclass(frozen=True)
class _Pairs:
    now: list[z3.BoolRef]          # each pair, over the state and the frame's inputs
    fresh: list[z3.BoolRef]        # ... over the state and fresh inputs
    at_reset: z3.BoolRef           # every pair, in the reset state, over fresh inputs


def _pairs(circuit: Circuit, equivalences: Equivalences | None, latch_bits: dict[str, z3.BoolRef],
           leaves_now: list[z3.ExprRef]) -> _Pairs:
    """The equivalences as Z3 terms over the state (nothing initialized and every cell 0,
    for the reset state), the frame's inputs or fresh ones."""
    ctx = circuit.encoder.ctx
    if equivalences is None or not equivalences.zero:
        return _Pairs([], [], circuit.encoder.true)
    input_leaves = _input_leaves(circuit)
    input_bits = _bit_reader_of(circuit.input_cells, {str(leaf): leaf for leaf in input_leaves}, ctx)
    node: dict[int, z3.BoolRef] = {0: z3.BoolVal(False, ctx)}

    def literal(lit: int) -> z3.BoolRef:
        return _not(node[lit >> 1]) if lit & 1 else node[lit >> 1]
    for variable, (is_latch, name) in enumerate(equivalences.leaves, start=1):
        node[variable] = (latch_bits if is_latch else input_bits)[name]
    for variable, left, right in equivalences.ands:
        node[variable] = _and(ctx, [literal(left), literal(right)])
    now = [_not(literal(lit)) for lit in equivalences.zero]
    fresh = [(leaf, z3.Const(f"{leaf}!fresh", leaf.sort())) for leaf in input_leaves]
    reset = [(leaf, _zero(leaf)) for leaf in leaves_now] + [(z3.Bool(INITIALIZED, ctx), circuit.encoder.false)]
    at_reset = _substituted(_and(ctx, now), reset + fresh)
    pack = z3.Function("mdcheck.pairs", *[z3.BoolSort(ctx)] * len(now), z3.BoolSort(ctx))
    return _Pairs(now, _arguments(_substituted(pack(*now), fresh)), at_reset)


def _zero(leaf: z3.ExprRef) -> z3.ExprRef:
    return z3.BoolVal(False, leaf.ctx) if z3.is_bool(leaf) else z3.BitVecVal(0, leaf.size(), leaf.ctx)


def _input_leaves(circuit: Circuit) -> list[z3.ExprRef]:
    """The circuit's inputs as the encoder's constants: init's starting values, the action
    selector, the actions' parameters (export.py's order)."""
    out: list[z3.ExprRef] = []
    for name, _ in circuit.model.state:
        out.extend(leaves(circuit.havoc[name]))
    if circuit.step.act is not None:
        out.append(circuit.step.act)
    for params in circuit.step.params:
        for value in params.values():
            out.extend(leaves(value))
    return out


def _bit_reader_of(cells, leaf_of: dict[str, z3.ExprRef], ctx: z3.Context) -> dict[str, z3.BoolRef]:
    """bit name -> Z3 Bool, for these cells (each named as its leaf)."""
    one = z3.BitVecVal(1, 1, ctx)
    bits: dict[str, z3.BoolRef] = {}
    for cell in cells:
        leaf = leaf_of[cell.name]
        if cell.is_bool:
            bits[cell.name] = leaf
        else:
            for i in range(cell.width):
                bits[f"{cell.name}[{i}]"] = z3.Extract(i, i, leaf) == one
    return bits


def _translated(what: str, query: z3.BoolRef, scoped: list[z3.BoolRef] | None
                ) -> tuple[str, z3.BoolRef, list[z3.BoolRef] | None]:
    target = z3.Context()
    return what, query.translate(target), None if scoped is None else [case.translate(target) for case in scoped]


class _StepCases:
    """What every case of the step shares: the cells after the step and its being good, as
    the arguments of one application (one substitution and one simplification per case do
    them all), the cells' terms before it, and the clauses about each cell."""

    def __init__(self, circuit: Circuit, cells: list[set[str]], clause_terms: list[z3.BoolRef],
                 leaves_now: list[z3.ExprRef], known_step: list[tuple[z3.ExprRef, z3.ExprRef]],
                 tie_inputs: bool):
        ctx = circuit.encoder.ctx
        self.circuit, self.leaves_now, self.known_step = circuit, leaves_now, known_step
        self.tie_inputs = tie_inputs  # the hypotheses read the step's inputs: each case fixes them
        self.initialized, self.true = z3.Bool(INITIALIZED, ctx), circuit.encoder.true
        after_leaves = _state_leaves(circuit, circuit.terms.after_step)
        pack = z3.Function("mdcheck.cells", *[leaf.sort() for leaf in after_leaves], z3.BoolSort(ctx),
                           z3.BoolSort(ctx))
        self.now = _arguments(z3.simplify(_substituted(pack(*leaves_now, self.true), known_step)))[:-1]
        self.packed = pack(*after_leaves, circuit.terms.step_good)
        self.by_cell: dict[str, list[int]] = {}
        for k, read in enumerate(cells):
            for cell in read:
                self.by_cell.setdefault(cell, []).append(k)
        self.negated = [_not(term) for term in clause_terms]

    def queries(self, chosen: list[tuple[z3.ExprRef, z3.ExprRef]]) -> list[tuple[int, z3.BoolRef]]:
        """The case that `chosen` fixes the action (and arguments) of, as what must be unsat
        with the invariant before the step (merged cells put in): the step is good and
        breaks a clause about a cell it changes; none when it changes none or is never good.
        Each query asks about at most CLAUSES_PER_QUERY clauses, and comes with their number."""
        ctx = self.circuit.encoder.ctx
        *after, good = _arguments(z3.simplify(_substituted(self.packed, self.known_step + chosen)))
        if z3.is_false(good):
            return []
        changed = [k for k, (a, b) in enumerate(zip(after, self.now)) if not a.eq(b)]
        picked = sorted({k for c in changed for k in self.by_cell.get(self.circuit.latch_cells[c].name, ())})
        if not picked:
            return []
        pairs = [(leaf, a) for leaf, a in zip(self.leaves_now, after) if not leaf.eq(a)]
        pairs.append((self.initialized, self.true))
        out = []
        ties = [variable == constant for variable, constant in chosen] if self.tie_inputs else []
        for start in range(0, len(picked), CLAUSES_PER_QUERY):
            chunk = picked[start:start + CLAUSES_PER_QUERY]
            goal = _substituted(_or(ctx, [self.negated[k] for k in chunk]), pairs)
            out.append((len(chunk), _and(ctx, [good, goal, *ties])))
        return out


def _substituted(term: z3.ExprRef, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]) -> z3.ExprRef:
    """z3.substitute through Z3's C API: z3.substitute's checks of each pair in Python cost
    more than the substitution, for the hundreds of pairs and cases of a re-check."""
    if not pairs:
        return term
    sources, targets = (z3.Ast * len(pairs))(), (z3.Ast * len(pairs))()
    for k, (source, target) in enumerate(pairs):
        sources[k], targets[k] = source.as_ast(), target.as_ast()
    ctx = term.ctx
    return z3.z3._to_expr_ref(z3.z3core.Z3_substitute(ctx.ref(), term.as_ast(), len(pairs), sources, targets), ctx)


def _or(ctx: z3.Context, terms: list[z3.BoolRef]) -> z3.BoolRef:
    return _nary(ctx, terms, False, z3.z3core.Z3_mk_or)


def _and(ctx: z3.Context, terms: list[z3.BoolRef]) -> z3.BoolRef:
    return _nary(ctx, terms, True, z3.z3core.Z3_mk_and)


def _nary(ctx: z3.Context, terms: list[z3.BoolRef], empty: bool, make) -> z3.BoolRef:
    """An n-ary `or` / `and` through Z3's C API; none of the terms is `empty`'s value
    (false / true), not Z3's nullary application."""
    if not terms:
        return z3.BoolVal(empty, ctx)
    if len(terms) == 1:
        return terms[0]
    array = (z3.Ast * len(terms))()
    for k, term in enumerate(terms):
        array[k] = term.as_ast()
    return z3.BoolRef(make(ctx.ref(), len(terms), array), ctx)


def _not(term: z3.BoolRef) -> z3.BoolRef:
    return z3.BoolRef(z3.z3core.Z3_mk_not(term.ctx.ref(), term.as_ast()), term.ctx)


def _arguments(application: z3.ExprRef) -> list[z3.ExprRef]:
    """The application's arguments, through Z3's C API (z3's `arg` checks each in Python)."""
    ctx = application.ctx
    c = ctx.ref()
    app = z3.z3core.Z3_to_app(c, application.as_ast())
    return [z3.ExprRef(z3.z3core.Z3_get_app_arg(c, app, k), ctx)  # not _to_expr_ref: its sort dispatch costs
            for k in range(z3.z3core.Z3_get_app_num_args(c, app))]


def _state_leaves(circuit: Circuit, state: dict[str, SymValue]) -> list[z3.ExprRef]:
    """The state's leaves in the order of circuit.latch_cells."""
    out: list[z3.ExprRef] = []
    for name, _ in circuit.model.state:
        out.extend(leaves(state[name]))
    return out


def _clause_cells(circuit: Circuit, clauses: list[Clause]) -> list[set[str]]:
    """Per clause, the state cells of its bits (`initialized` is none of them)."""
    cell_of = {bit: cell.name for cell in circuit.latch_cells for bit in cell.bit_names()}
    return [{cell_of[name] for name, _ in clause if name in cell_of} for clause in clauses]


def _step_cases(circuit: Circuit) -> tuple[list[list[tuple[z3.ExprRef, z3.ExprRef]]], z3.BoolRef | None]:
    """The step's cases, each as the substitution that fixes its action (and arguments), and
    the disjunction of the cases' conditions (None when the cases are the actions, which
    the selector's type covers)."""
    model, step, encoder = circuit.model, circuit.step, circuit.encoder
    ctx = encoder.ctx
    act = step.act
    if act is None and not model.actions:
        return [[]], None
    domains = [_argument_domains(action) for action in model.actions]
    counts = [None if d is None else math.prod(_size(v) for v in d) for d in domains]
    if any(n is None for n in counts) or sum(n or 0 for n in counts) > MAX_STEP_CASES:
        return ([[]] if act is None else [[(act, z3.BitVecVal(k, act.size(), ctx))]
                                          for k in range(len(model.actions))]), None
    tuples = [itertools.product(*d) for d in domains]  # type: ignore[misc]
    cases = []
    conditions = []
    for k, (action, values_list) in enumerate(zip(model.actions, tuples)):
        fixed = [] if act is None else [(act, z3.BitVecVal(k, act.size(), ctx))]
        for values in values_list or []:
            pairs = list(fixed)
            for (name, t), value in zip(action.params, values):
                pairs += list(zip(leaves(step.params[k][name]), leaves(encoder.literal(value, t))))
            cases.append(pairs)
            conditions.append(encoder.conj([variable == constant for variable, constant in pairs]))
    return cases, encoder.disj(conditions)


def _size(values: range | tuple) -> int:
    return max(0, values.stop - values.start) if isinstance(values, range) else len(values)  # len() fails above 2**63


def _argument_domains(action) -> list[range | tuple] | None:
    """The values of each of the action's parameters; None when a type is not a scalar.
    (The tuples are counted before they are made: a u64 parameter has 2**64 values.)"""
    domains: list[range | tuple] = []
    for _, t in action.params:
        if isinstance(t, ir.BitsType):
            domains.append(range(1 << t.width))
        elif isinstance(t, (ir.BoolType, ir.IntType, ir.EnumType)):
            domains.append(ir.domain_values(t))
        else:
            return None
    return domains


def _solve(query: z3.BoolRef, scoped: list[z3.BoolRef] | None, deadline: float | None, stop: Stop | None = None
           ) -> tuple[z3.CheckSatResult, str, float]:
    """sat, unsat or unknown of `query`; with `scoped` queries, of `query` and each of them
    in turn (sat or unknown at the first that is; unsat when there are none), on one
    incremental solver."""
    began = time.monotonic()
    solver = z3.SolverFor("QF_BV", ctx=query.ctx)
    solver.add(query)
    result = _check(solver, query.ctx, deadline, stop) if scoped is None else z3.unsat
    for case in scoped or []:
        solver.push()
        solver.add(case)
        result = _check(solver, query.ctx, deadline, stop)
        solver.pop()
        if result != z3.unsat:
            break
    reason = ""
    if result == z3.unknown:
        if stop is not None and stop.requested:
            reason = "stopped"
        elif deadline and time.monotonic() >= deadline:
            reason = "timeout"
        else:
            reason = f"Z3 gave up ({solver.reason_unknown()})"
    return result, reason, round(time.monotonic() - began, 2)


def _merged_state(circuit: Circuit, clauses: list[Clause]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    """(state cell, the cell with every bit the invariant fixes or ties to another replaced by
    that constant or that bit): the state before, under the invariant, with the merged bits
    eliminated. Z3 then folds the step on them instead of bit-blasting it whole."""
    constant: dict[str, bool] = {}
    for clause in clauses:
        if len(clause) == 1:
            constant[clause[0][0]] = clause[0][1]
    every = set(clauses)
    equal_to: dict[str, str] = {}
    for clause in clauses:
        if len(clause) == 2:
            (a, va), (b, vb) = clause
            if not va and vb and ((a, True), (b, False)) in every:  # a => b and b => a
                equal_to.setdefault(a, b)
    ctx = circuit.encoder.ctx
    where: dict[str, tuple[z3.ExprRef, int | None]] = {}  # bit -> (its cell's constant, position)
    for cell in circuit.latch_cells:
        variable = z3.Bool(cell.name, ctx) if cell.is_bool else z3.BitVec(cell.name, cell.width, ctx)
        for i, bit in enumerate(cell.bit_names()):
            where[bit] = (variable, None if cell.is_bool else i)

    def as_bit(bit: str, seen: frozenset = frozenset()) -> z3.BitVecRef | None:
        if bit in constant:
            return z3.BitVecVal(int(constant[bit]), 1, ctx)
        if bit in equal_to and bit not in seen and equal_to[bit] in where:
            resolved = as_bit(equal_to[bit], seen | {bit})
            if resolved is not None:
                return resolved
        if bit in seen:
            return None
        variable, position = where[bit]
        if position is None:
            return z3.If(variable, z3.BitVecVal(1, 1, ctx), z3.BitVecVal(0, 1, ctx))
        return z3.Extract(position, position, variable)

    out = []
    for cell in circuit.latch_cells:
        bits = cell.bit_names()
        if not any(b in constant or b in equal_to for b in bits):
            continue
        parts = [as_bit(b) for b in bits]
        if any(p is None for p in parts):
            continue
        if cell.is_bool:
            out.append((z3.Bool(cell.name, ctx), parts[0] == z3.BitVecVal(1, 1, ctx)))
        else:
            value = parts[0] if len(parts) == 1 else z3.Concat(*reversed(parts))
            out.append((z3.BitVec(cell.name, cell.width, ctx), z3.simplify(value)))
    return out


def _check(solver: z3.Solver, ctx: z3.Context, deadline: float | None, stop: Stop | None = None
           ) -> z3.CheckSatResult:
    remaining = seconds_left(deadline)
    if remaining is not None and remaining <= 0:
        return z3.unknown
    if stop is not None and not stop.enter(ctx):
        return z3.unknown
    try:
        with interrupt_at(ctx, deadline):
            return solver.check()
    finally:
        if stop is not None:
            stop.leave(ctx)


def describe(circuit: Circuit, clauses: list[Clause], equivalences: int = 0) -> str:
    """The invariant for people: which bits are constant or equal, and PDR's first clauses."""
    constant = [c for c in clauses if len(c) == 1]
    every = set(clauses)
    pairs = {frozenset(name for name, _ in c) for c in clauses
             if len(c) == 2 and tuple((name, not value) for name, value in c) in every}
    others = [c for c in clauses if len(c) > 1 and frozenset(name for name, _ in c) not in pairs]
    cells = sorted({name.rsplit("[", 1)[0] for (name, _), in constant})
    text = (f"{len(clauses)} clauses over the latch bits: {len(constant)} bits constant (in {len(cells)} cells), "
            f"{len(pairs)} pairs of bits equal, {len(others)} further clauses")
    if equivalences:
        text += f"; and {equivalences} pairs of internal nodes equal (ABC's signal correspondence)"
    shown = [" | ".join(("" if value else "!") + name for name, value in c) for c in others[:SHOWN_CLAUSES]]
    if shown:
        text += "; the first of those: " + "; ".join(shown)
    return text

