"""The bit-level engine (`--engine abc`): the circuit, ABC's answers and what mdcheck makes
of them.

- The bit-blaster gives every operator the value Z3 gives it, on every input (small widths).
- The AIGER writer's files read back as the same circuit.
- On generated specs (the generator of test_differential.py), ABC and the explicit engine,
  which visits every reachable state, agree on every property: the same shortest depth for
  each violation (every ABC trace replayed by the interpreter), and PROVED only where no
  reachable state or step breaks the property at any depth.
- The Z3 re-check rejects an invariant that is not inductive or does not imply the property.
- Without ABC, every property is UNKNOWN and the message says how to install it.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import z3
from hypothesis import assume, event, given, note, settings
from test_differential import lower_text, spec_and_depth  # tests/ is on sys.path under pytest's default import mode
from wall import HANG_SECONDS

from checker.engines.aiger import abc, answers, certificate
from checker.engines.aiger.aig import Aig, read_aiger_ascii_or_binary
from checker.engines.aiger.blast import Blaster
from checker.engines.aiger.engine import AbcOptions, check
from checker.engines.aiger.export import export
from checker.engines.concrete import explicit
from checker.engines.concrete.replay import replay
from checker.engines.verdict import HoldsToDepth, Proved, Unknown, Violated
from checker.frontend.diagnostics import SpecError

REPO = Path(__file__).resolve().parents[1]
HAVE_ABC = True
try:
    abc.find_abc()
except abc.AbcMissing:
    HAVE_ABC = False
needs_abc = pytest.mark.skipif(not HAVE_ABC and not os.environ.get("MDCHECK_REQUIRE_ABC"),
                               reason="Berkeley ABC is not installed (apt-get install berkeley-abc)")


# ---------------------------------------------------------------------------
# the bit-blaster and the AIG

def simulate(aig: Aig, literal: int, values: dict[int, bool]) -> bool:
    """The literal's value, the inputs' values given by variable."""
    stack = [literal >> 1]
    while stack:
        v = stack[-1]
        if v in values or v == 0:
            stack.pop()
            continue
        left, right = aig._left[v], aig._right[v]
        pending = [x >> 1 for x in (left, right) if (x >> 1) not in values and x >> 1 != 0]
        if pending:
            stack.extend(pending)
            continue
        values[v] = _value(left, values) and _value(right, values)
        stack.pop()
    return _value(literal, values)


def _value(literal: int, values: dict[int, bool]) -> bool:
    base = False if literal >> 1 == 0 else values[literal >> 1]
    return base ^ bool(literal & 1)


WIDTH = 4
OPERATIONS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "neg": lambda a, b: -a,
    "udiv": z3.UDiv, "urem": z3.URem, "sdiv": lambda a, b: a / b, "srem": z3.SRem,
    "shl": lambda a, b: a << b, "lshr": z3.LShR, "ashr": lambda a, b: a >> b,
    "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b, "not": lambda a, b: ~a,
    "ult": lambda a, b: z3.If(z3.ULT(a, b), a, b), "ule": lambda a, b: z3.If(z3.ULE(a, b), a, b),
    "ugt": lambda a, b: z3.If(z3.UGT(a, b), a, b), "uge": lambda a, b: z3.If(z3.UGE(a, b), a, b),
    "slt": lambda a, b: z3.If(a < b, a, b), "sle": lambda a, b: z3.If(a <= b, a, b),
    "sgt": lambda a, b: z3.If(a > b, a, b), "sge": lambda a, b: z3.If(a >= b, a, b),
    "concat/extract": lambda a, b: z3.Concat(z3.Extract(2, 1, a), z3.Extract(1, 0, b)),
    "sign_ext": lambda a, b: z3.Extract(3, 0, z3.SignExt(2, z3.Extract(1, 0, a))),
    "zero_ext": lambda a, b: z3.Extract(3, 0, z3.ZeroExt(2, z3.Extract(1, 0, b))),
    "eq/distinct/xor/implies": lambda a, b: z3.If(z3.Xor(a == b, z3.Implies(z3.Distinct(a, b), a > b)), a, b),
    "sum of three": lambda a, b: z3.Sum([a, b, a]),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_blaster_agrees_with_z3_on_every_input(name):
    ctx = z3.Context()
    x, y = z3.BitVec("x", WIDTH, ctx), z3.BitVec("y", WIDTH, ctx)
    term = OPERATIONS[name](x, y)
    aig = Aig()
    blaster = Blaster(aig, ctx)
    xs = [aig.add_input(f"x{i}") for i in range(WIDTH)]
    ys = [aig.add_input(f"y{i}") for i in range(WIDTH)]
    blaster.bind(x, xs)
    blaster.bind(y, ys)
    bits = blaster.bits(term)
    for a, b in itertools.product(range(1 << WIDTH), repeat=2):
        values = {lit >> 1: bool(a >> i & 1) for i, lit in enumerate(xs)}
        values.update({lit >> 1: bool(b >> i & 1) for i, lit in enumerate(ys)})
        got = sum(simulate(aig, lit, values) << i for i, lit in enumerate(bits))
        concrete = z3.substitute(term, (x, z3.BitVecVal(a, WIDTH, ctx)), (y, z3.BitVecVal(b, WIDTH, ctx)))
        assert got == z3.simplify(concrete).as_long(), f"{name}({a}, {b})"


def test_aiger_file_reads_back_as_the_same_circuit():
    model = lower_text(COUNTER)
    circuit = export(model)
    inputs, latches, outputs, ands = read_aiger_ascii_or_binary(circuit.aig.aiger())
    assert len(inputs) == len(circuit.aig.inputs) and len(latches) == len(circuit.aig.latches)
    assert len(outputs) == len(circuit.outputs)
    assert len(ands) == len(circuit.aig.cone(circuit.aig.outputs + circuit.aig.latch_next))
    for lhs, (r0, r1) in ands.items():
        assert 2 * lhs > r0 >= r1, "AIGER's binary form needs lhs > rhs0 >= rhs1"


COUNTER = """
var n: 0..7
var stuck: bool
init { n = 0; stuck = false }
action inc() { require !stuck; n = n + 1 }
action freeze() { stuck = true }
invariant small: n <= 5
config c {
    expect small violated
}
"""


# ---------------------------------------------------------------------------
# ABC against the explicit engine

def abc_and_explicit(model, depth: int, expect_violations: bool) -> tuple[dict, dict, tuple[str, ...]]:
    """With `expect_violations`, every property is expected violated: the engine then searches
    them first, one output at a time (its first phase); the verdicts must not change."""
    if expect_violations:
        model = replace(model, properties=tuple(replace(p, expect="violated") for p in model.properties))
    run = check(model, AbcOptions(depth, jobs=2))
    every = explicit.check(model, explicit.ExplicitOptions(max_depth=None)).verdicts
    return run.verdicts, every, run.deeper


def disagreements(model, depth: int, by_abc: dict, by_explicit: dict, deeper: tuple[str, ...]) -> list[str]:
    out = []
    for prop in model.properties:
        a, e = by_abc[prop.name], by_explicit[prop.name]
        if isinstance(a, Unknown):
            out.append(f"{prop.name}: ABC says {a!r}")
            continue
        if isinstance(a, Violated):
            replay(model, a.trace, prop)
            if not (isinstance(e, Violated) and e.depth == a.depth == a.trace.depth):
                out.append(f"{prop.name}: ABC {a.depth}, explicit {e!r}")
        elif isinstance(e, Violated) and e.depth <= depth:
            out.append(f"{prop.name}: ABC {a!r}, explicit violated at {e.depth}")
        elif isinstance(a, Proved) and isinstance(e, Violated):
            out.append(f"{prop.name}: ABC proved it, explicit violated at {e.depth}")
        elif isinstance(e, Violated) and prop.name not in deeper and isinstance(a, Proved):
            out.append(f"{prop.name}: violated at {e.depth} > {depth} and ABC proved it")
        elif isinstance(a, HoldsToDepth) and not isinstance(e, Violated) and prop.name in deeper:
            out.append(f"{prop.name}: ABC says a violation exists deeper, explicit finds none")
    return out


def check_generated_with_abc(body: str, depth: int) -> None:
    note(f"depth {depth}\n{body}")
    try:
        model = lower_text(body)
    except SpecError:
        assume(False)
        return
    try:
        expect_violations = sum(map(ord, body)) % 2 == 1
        event("every property expected violated" if expect_violations else "as generated")
        by_abc, by_explicit, deeper = abc_and_explicit(model, depth, expect_violations)
    except explicit.CannotEnumerate:
        assume(False)
        return
    event("violated within the depth" if any(isinstance(v, Violated) for v in by_abc.values()) else "none violated")
    event("something proved" if any(isinstance(v, Proved) for v in by_abc.values()) else "nothing proved")
    diff = disagreements(model, depth, by_abc, by_explicit, deeper)
    assert not diff, "ABC and the explicit engine disagree:\n" + "\n".join(diff)


@needs_abc
@settings(max_examples=25)
@given(spec_and_depth())
def test_abc_agrees_with_explicit_search(case):
    check_generated_with_abc(*case)


@needs_abc
@pytest.mark.slow
@settings(max_examples=30)
@given(spec_and_depth(focus="bits"))
def test_abc_agrees_with_explicit_search_on_bitvector_specs(case):
    check_generated_with_abc(*case)


@needs_abc
@pytest.mark.slow
@settings(max_examples=30)
@given(spec_and_depth(focus="signed"))
def test_abc_agrees_with_explicit_search_on_signed_bitvector_specs(case):
    check_generated_with_abc(*case)


@needs_abc
@pytest.mark.slow
@settings(max_examples=30)
@given(spec_and_depth(focus="arrays"))
def test_abc_agrees_with_explicit_search_on_array_and_record_specs(case):
    check_generated_with_abc(*case)


@needs_abc
def test_counter_shortest_violation_and_proof():
    model = lower_text(COUNTER)
    run = check(model, AbcOptions(8))
    verdict = run.verdicts["small"]
    assert isinstance(verdict, Violated) and verdict.depth == 6
    assert [s.action for s in verdict.trace.steps] == ["inc"] * 6
    replay(model, verdict.trace, model.property("small"))
    assert isinstance(run.verdicts["range_n"], Violated) and run.verdicts["range_n"].depth == 8


@needs_abc
@pytest.mark.parametrize("depth", [5, 6])
def test_expected_violation_found_by_bmc2_or_settled_by_bmc3(depth):
    """The expected violation is searched with bmc2 first. At depth 6 it finds the shortest
    trace; at depth 5 it finds nothing, which settles nothing, and bmc3 must say the frames
    are clean (HOLDS to 5), never UNKNOWN or a proof."""
    model = lower_text(COUNTER)
    run = check(model, AbcOptions(depth, prove=False))
    verdict = run.verdicts["small"]
    if depth == 6:
        assert isinstance(verdict, Violated) and verdict.depth == 6
        replay(model, verdict.trace, model.property("small"))
    else:
        assert isinstance(verdict, HoldsToDepth) and verdict.depth == 5


@needs_abc
def test_a_proof_under_a_deadline_leaves_time_for_bmc(monkeypatch):
    """Under --timeout the proof gets PROOF_SHARE of the time left, BMC the whole deadline:
    a proof ABC cannot find (the word-exact `fixed` at 8 pages) then still leaves its
    properties HOLDS to the depth, not UNKNOWN."""
    import checker.engines.aiger.engine as abc_engine
    given: list[float | None] = []

    def proof_that_finds_nothing(circuit, binary, workdir, options, run, candidates, started, tell):
        given.append(options.deadline)
        run.proof_stopped = "timeout"
    monkeypatch.setattr(abc_engine, "_prove", proof_that_finds_nothing)
    deadline = time.monotonic() + 600
    run = check(lower_text(GUARDED), AbcOptions(4, deadline))
    assert given and given[0] is not None and given[0] < deadline - 100
    assert all(isinstance(v, HoldsToDepth) and v.depth == 4 for v in run.verdicts.values()), run.verdicts
    assert run.proof_stopped == "timeout"
    given.clear()
    check(lower_text(GUARDED), AbcOptions(4))
    assert given == [None]


@needs_abc
def test_a_recheck_out_of_time_is_a_proof_stopped_by_the_timeout(monkeypatch):
    """ABC proved it, but the deadline stopped Z3's re-check: that is "timeout" (the hint: a
    larger --timeout), not a rejected invariant, and the properties keep their BMC result."""
    import checker.engines.aiger.engine as abc_engine
    monkeypatch.setattr(abc_engine.certificate, "recheck",
                        lambda *args, **kwargs: certificate.Recheck(False, "timeout"))
    run = check(lower_text(GUARDED), AbcOptions(4, time.monotonic() + 600, jobs=2))
    assert all(isinstance(v, HoldsToDepth) and v.depth == 4 for v in run.verdicts.values()), run.verdicts
    assert run.proof_stopped == "timeout"
    assert any("re-check of its invariant ran out of time" in note for note in run.notes), run.notes


# ---------------------------------------------------------------------------
# the re-check of ABC's invariant

GUARDED = COUNTER.replace("action inc() { require !stuck; n = n + 1 }",
                          "action inc() { require !stuck && n < 5; n = n + 1 }").replace(
    "expect small violated", "")


@needs_abc
def test_recheck_accepts_abcs_invariant_and_rejects_broken_ones():
    model = lower_text(GUARDED)
    run = check(model, AbcOptions(3))
    assert all(isinstance(v, Proved) for v in run.verdicts.values()), run.verdicts
    circuit = export(model)
    outputs = circuit.outputs
    # n (0..7: four bits, signed) <= 5 as clauses: n[3] is 0, and not (n[2] and n[1])
    good = [(("n[3]", False),), (("n[2]", False), ("n[1]", False))]
    assert certificate.recheck(circuit, good, outputs, None).holds
    too_weak: list = []
    assert not certificate.recheck(circuit, too_weak, outputs, None).holds
    not_inductive = [(("n[3]", False),), (("n[2]", False),)]  # n <= 3: inc leaves it
    result = certificate.recheck(circuit, not_inductive, outputs, None)
    assert not result.holds and result.reason == "a step leaves the invariant"
    false_at_reset = [(("n[0]", True),)]
    assert not certificate.recheck(circuit, false_at_reset, outputs, None).holds


SETTER = """
var a: 0..7
var b: 0..7
var c: bool
init { a = 0; b = 0; c = false }
action set_a(v: 0..3, w: bool) { require !w || v < 3; a = v }
action set_c() { c = true }
invariant a_small: a <= 3
config x {
}
"""


@needs_abc
@pytest.mark.parametrize("workers, clauses_per_query", [(1, 500), (2, 500), (1, 1)])
def test_recheck_split_by_arguments_rejects_what_one_case_breaks(workers, clauses_per_query, monkeypatch):
    """The step is checked per action and argument tuple: a clause broken by one tuple only
    (set_a(3, false)) is still found, and a clause over a cell no step changes (b) holds;
    also when each query asks about one clause."""
    monkeypatch.setattr(certificate, "CLAUSES_PER_QUERY", clauses_per_query)
    model = lower_text(SETTER)
    circuit = export(model)
    outputs = circuit.outputs
    b_zero = [((f"b[{i}]", False),) for i in range(3)]
    width = next(cell.width for cell in circuit.latch_cells if cell.name == "a")
    upper = [((f"a[{i}]", False),) for i in range(2, width)]  # a <= 3
    assert certificate.recheck(circuit, upper + b_zero, outputs, None, workers).holds
    below_3 = upper + [(("a[0]", False), ("a[1]", False))]  # a <= 2: set_a(3, false) leaves it
    result = certificate.recheck(circuit, below_3 + b_zero, outputs, None, workers)
    assert not result.holds and result.reason == "a step leaves the invariant"
    b_one = [(("b[0]", True),)]  # false at reset
    assert not certificate.recheck(circuit, upper + b_one, outputs, None, workers).holds
    c_never = upper + [(("c", False),)]  # set_c breaks it, with no arguments
    result = certificate.recheck(circuit, c_never, outputs, None, workers)
    assert not result.holds and result.reason == "a step leaves the invariant"


@needs_abc
def test_recheck_rejects_cases_that_miss_a_step(monkeypatch):
    """The cases must cover every step in its types: with one argument tuple left out, the
    re-check fails even though the invariant is fine."""
    model = lower_text(SETTER)
    circuit = export(model)
    width = next(cell.width for cell in circuit.latch_cells if cell.name == "a")
    upper = [((f"a[{i}]", False),) for i in range(2, width)]
    real = certificate._argument_domains
    monkeypatch.setattr(certificate, "_argument_domains",  # set_a(0, _) left out
                        lambda action: [d[1:] if i == 0 else d for i, d in enumerate(real(action) or [])])
    result = certificate.recheck(circuit, upper, circuit.outputs, None)
    assert not result.holds and result.reason == "the step's cases miss a step in its types"


@needs_abc
def test_recheck_of_a_step_with_a_u64_argument_is_one_case_per_action():
    """2**64 argument tuples are counted, not made: the step is then one case per action."""
    model = lower_text(SETTER.replace("action set_c() { c = true }", "action set_c(x: u64) { c = x == 7 }"))
    circuit = export(model)
    cases, cover = certificate._step_cases(circuit)
    assert len(cases) == len(model.actions) and cover is None
    width = next(cell.width for cell in circuit.latch_cells if cell.name == "a")
    upper = [((f"a[{i}]", False),) for i in range(2, width)]
    assert certificate.recheck(circuit, upper, circuit.outputs, None).holds
    result = certificate.recheck(circuit, upper + [(("c", False),)], circuit.outputs, None)
    assert not result.holds and result.reason == "a step leaves the invariant"


def test_invariant_files_are_read_as_blocked_cubes():
    pla = ".i 3\n.o 1\n.ilb a b[0] c\n.ob inv\n.p 2\n1-0 1\n-1- 1\n.e\n"
    assert answers.pla_invariant(pla) == [(("a", False), ("c", True)), (("b[0]", False),)]
    printed = ("Original flop x[1] is proved equivalent to constant.\n"
               "Original flop y is proved equivalent to flop x[0].\n")
    assert answers.merged_latches(printed) == [(("x[1]", False),), (("y", False), ("x[0]", True)),
                                               (("y", True), ("x[0]", False))]
    assert answers.merged_latches("Original flop y is proved equivalent to internal node 17.\n") is None


# ---------------------------------------------------------------------------
# without ABC

def test_missing_abc_makes_every_property_unknown_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("MDCHECK_ABC", str(tmp_path / "no-such-abc"))
    model = lower_text(COUNTER)
    run = check(model, AbcOptions(3))
    assert all(isinstance(v, Unknown) for v in run.verdicts.values())
    spec = tmp_path / "counter.md"
    spec.write_text("```mdcheck\n" + COUNTER + "```\n")
    env = dict(os.environ, MDCHECK_ABC=str(tmp_path / "no-such-abc"))
    done = subprocess.run([sys.executable, "-m", "checker.cli", str(spec), "--engine", "abc", "-v"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=HANG_SECONDS)
    assert done.returncode == 2, done.stdout + done.stderr  # UNKNOWN
    assert "MDCHECK_ABC names" in done.stdout and "no-such-abc" in done.stdout


def test_path_without_abc_names_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv("MDCHECK_ABC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(abc.AbcMissing, match="apt-get install berkeley-abc"):
        abc.find_abc()


# ---------------------------------------------------------------------------
# through the CLI: traces replayed there, JSON valid

@needs_abc
def test_cli_prints_abcs_trace_and_proof(tmp_path):
    spec = tmp_path / "counter.md"
    spec.write_text("```mdcheck\n" + COUNTER.replace("action freeze() { stuck = true }",
                                                     "action freeze() { stuck = true }\n"
                                                     "invariant frozen_small: stuck => n <= 7") + "```\n")
    argv = [sys.executable, "-m", "checker.cli", str(spec), "--engine", "abc", "--depth", "8", "--show-invariant", "-v",
            "--summary-table"]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=HANG_SECONDS)
    assert done.returncode == 1, done.stdout + done.stderr  # range_n breaks at depth 8: unexpected
    assert "invariant 'small' VIOLATED at depth 6 (expected)" in done.stdout
    assert "step 6: inc()" in done.stdout
    assert "PROVED (abc)" in done.stdout  # frozen_small
    assert "inductive invariant (ABC, re-checked by Z3)" in done.stdout
    as_json = subprocess.run(argv + ["--format", "json"], cwd=REPO, capture_output=True, text=True,
                             timeout=HANG_SECONDS)
    document = json.loads(as_json.stdout)
    schema = json.loads((REPO / "checker/reports/schemas/mdcheck-results.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    engines = {p["name"]: p["engine"] for c in document["specs"][0]["configurations"] for p in c["properties"]}
    assert engines["frozen_small"] == "abc" and engines["small"] == "abc"


def test_a_binary_that_answers_nothing_settles_nothing(monkeypatch):
    """A program that exits 0 and prints nothing (not ABC, or ABC broken) proves nothing and
    bounds nothing: every property is UNKNOWN, never HOLDS."""
    monkeypatch.setenv("MDCHECK_ABC", "true")
    run = check(lower_text(COUNTER), AbcOptions(3))
    assert all(isinstance(v, Unknown) for v in run.verdicts.values()), run.verdicts


# ---------------------------------------------------------------------------
# the race to a re-checked proof

def racers_proofs(monkeypatch, answers_of: dict[str, tuple[bool, float]]):
    """_Rechecks with a stand-in for Z3's re-check: proof `name` is accepted or rejected
    after the given seconds, unless it is stopped first. Returns the rechecks and the log."""
    import checker.engines.aiger.engine as abc_engine
    log: list[str] = []

    def recheck(circuit, clauses, outputs, deadline, threads, pairs, stop):
        name = clauses[0][0][0]
        holds, seconds = answers_of[name]
        log.append(f"start {name} on {threads}")
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if stop.requested:
                log.append(f"stopped {name}")
                return certificate.Recheck(False, "stopped")
            time.sleep(0.01)
        log.append(f"{'accepted' if holds else 'rejected'} {name}")
        return certificate.Recheck(holds, "" if holds else "the invariant allows a frame that breaks p")
    monkeypatch.setattr(abc_engine.certificate, "recheck", recheck)
    return abc_engine._Rechecks(None, [], None), log


def a_proof(name: str, pairs: int):
    import checker.engines.aiger.engine as abc_engine
    from checker.engines.aiger.equivalences import Equivalences
    answer = abc_engine.abc.Answer(abc_engine.abc.Script(name, ""), "", 1.0, "done")
    return abc_engine._Proof(answer, [((name, True),)], Equivalences((), (), tuple(range(2, 2 + 2 * pairs, 2))))


def accepted_of_two(rechecks, first, second):
    """The first proof offered while one racer still runs, the second 0.1 s later, when none
    does: the proof accepted, if one is."""
    try:
        rechecks.offer(first, 1)
        time.sleep(0.1)
        rechecks.offer(second, 2)
        return rechecks.outcome()
    finally:
        rechecks.close()


def test_a_proof_without_pairs_stops_the_recheck_of_one_with_pairs(monkeypatch):
    rechecks, log = racers_proofs(monkeypatch, {"signals": (True, 30.0), "latches": (True, 0.2)})
    accepted = accepted_of_two(rechecks, a_proof("signals", 4000), a_proof("latches", 0))
    assert accepted is not None and accepted[0].answer.script.name == "latches"
    assert log == ["start signals on 1", "stopped signals", "start latches on 2", "accepted latches"]
    assert rechecks.rejected == []


def test_a_stopped_recheck_is_tried_again_when_the_proof_that_stopped_it_fails(monkeypatch):
    rechecks, log = racers_proofs(monkeypatch, {"signals": (True, 3.0), "latches": (False, 0.1)})
    accepted = accepted_of_two(rechecks, a_proof("signals", 4000), a_proof("latches", 0))
    assert accepted is not None and accepted[0].answer.script.name == "signals"
    assert log == ["start signals on 1", "stopped signals", "start latches on 2", "rejected latches",
                   "start signals on 2", "accepted signals"]
    assert [proof.answer.script.name for proof, _ in rechecks.rejected] == ["latches"]


def test_proofs_alike_are_rechecked_in_the_order_they_come(monkeypatch):
    rechecks, log = racers_proofs(monkeypatch, {"first": (False, 0.3), "second": (True, 0.1)})
    accepted = accepted_of_two(rechecks, a_proof("first", 10), a_proof("second", 10))  # pairs too: it waits
    assert accepted is not None and accepted[0].answer.script.name == "second"
    assert log == ["start first on 1", "rejected first", "start second on 2", "accepted second"]


def test_a_race_settled_elsewhere_stops_the_scripts_still_running(tmp_path):
    """What `settled` says is asked while scripts run: here the race is settled once the
    quick script has answered (as when its proof is re-checked), and the slow one stops."""
    sleeper = tmp_path / "sleeper"
    sleeper.write_text('#!/bin/sh\nsleep "$2"\necho "slept $2"\n')
    sleeper.chmod(0o755)
    heard: list[str] = []

    def hear(answer: abc.Answer) -> bool:
        heard.append(answer.script.name)
        return False
    began = time.monotonic()
    slow, quick = abc.race(str(sleeper), [abc.Script("slow", str(2 * HANG_SECONDS)), abc.Script("quick", "0.1")], tmp_path, None,
                           hear, lambda: "quick" in heard)
    assert time.monotonic() - began < HANG_SECONDS
    assert (quick.status, quick.output.strip()) == ("done", "slept 0.1")
    assert slow.status == "stopped" and heard == ["quick"]


def test_a_stopped_recheck_answers_stopped_not_rejected():
    """certificate.Stop interrupts Z3 even when asked before the check begins (an interrupt
    Z3 is not yet solving under is lost: Stop repeats it while the check runs)."""
    import threading
    ctx = z3.Context()
    x, y = z3.BitVec("x", 128, ctx), z3.BitVec("y", 128, ctx)
    hard = z3.And(x * y == 0xC2D1E4F3A5B69788A7B6C5D4E3F2011, z3.UGT(x, 1), z3.UGT(y, 1),
                  z3.ULT(x, 2 ** 64), z3.ULT(y, 2 ** 64))
    stop = certificate.Stop()
    threading.Timer(0.2, stop.request).start()
    began = time.monotonic()
    result, reason, _ = certificate._solve(hard, None, None, stop)
    assert (result, reason) == (z3.unknown, "stopped")
    assert time.monotonic() - began < HANG_SECONDS
    again = certificate.Stop()
    again.request()
    assert certificate._solve(hard, None, None, again)[:2] == (z3.unknown, "stopped")
