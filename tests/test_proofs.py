"""Proofs for every depth: k-induction (the default `--engine auto`), IC3/PDR (`--engine pdr`),
lemmas, counterexamples to induction (CTIs), coverage / vacuity warnings and `--strict`.

Each system is small and its answer is worked out by hand next to the assertions: which k
the induction needs (with the simple-path constraint), which lemma makes a property
inductive, at which depth a false lemma breaks, which action / assert / premise no run
reaches. The CLI runs in-process (checker.cli.run) unless a test needs a fresh process.

Soundness is the point of most of these: a property violated beyond the BMC depth must
never come out PROVED, a CTI that the interpreter does not reproduce is an internal error
(exit 4, never printed), and whatever `auto` or `pdr` proves, exhaustive explicit search
must not break.
"""
from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wall import HANG_SECONDS

from checker.cli import run as cli_run
from checker.engines.concrete import explicit
from checker.engines.concrete.replay import ReplayError, replay, replay_from_state
from checker.engines.symbolic import induction, proving
from checker.engines.verdict import HoldsToDepth, Proved, Step, Violated
from checker.frontend.diagnostics import SpecError
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# helpers

def write_spec(tmp_path: Path, body: str, name: str = "spec.md") -> Path:
    path = tmp_path / name
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def lower_spec(tmp_path: Path, body: str, config: str = "default", name: str = "spec.md"):
    path = write_spec(tmp_path, body, name)
    return lower(collect_declarations(load_spec(str(path))), config, {})


def cli(*argv: str, show_cti: bool = True) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(["--no-timing", "-v", "--summary-table", *(["--show-cti"] if show_cti else []), *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def summary(out: str) -> dict[str, dict[str, str]]:
    """The summary table as {property: {kind, expected, outcome, depth, result}}."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("config ") and "outcome" in line)
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != 7:
            break
        config, prop, kind, expected, outcome, depth, result = cells
        rows[prop] = dict(config=config, kind=kind, expected=expected, outcome=outcome, depth=depth, result=result)
    assert rows, out
    return rows


def ctis_in(out: str) -> list[tuple[str, str, int]]:
    """(kind, property, k) of every counterexample to induction printed."""
    return [(m[0], m[1], int(m[2])) for m in
            re.findall(r"^--- \w+: (\w+) '([^']+)' NOT PROVED: counterexample to induction \(k=(\d+)\) ---$",
                       out, re.M)]


def warnings_in(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": warning: " in line]


# ---------------------------------------------------------------------------
# the systems

# x and y step together from 0 up to 5 and can be reset: reachable are exactly x == y in
# 0..5. `y <= 5` is not k-inductive for any k: from x = 0, y = 5 - k + 1 (an unreachable
# state) k steps lead to y = 6 along a simple path. With the lemma x == y it is
# 1-inductive (step requires x < 5, so y = x < 5 before and y <= 5 after), and so is the
# lemma (both change by one, reset makes both 0). range_y (y += 1 leaving 0..10) falls
# with y_small: without the lemma, y = 10 is a CTI; with it, y < 5 before the step.
PAIR = """
    var x: 0..10
    var y: 0..10
    init { x = 0; y = 0 }
    action reset() { x = 0; y = 0 }
    action step() {
        require x < 5
        x += 1
        y += 1
    }
    invariant y_small: y <= 5
"""
PAIR_LEMMA = PAIR + "lemma same: x == y\n"

# x goes 4, 6, 8, 10, 12 (step by 2 while x <= 10), b toggles freely. x != 7 holds
# (x stays even) and needs k = 3 with simple paths:
#   k=1: (x=5) -step-> 7.
#   k=2: (5,F) -toggle-> (5,T) -step-> 7: two distinct states before.
#   k=3: three distinct states with x != 7 followed by x = 7 would need the third to have
#        x = 5 and the first two x = 5 or x = 3; x = 3 is outside 4..12 and x = 5 has only
#        two states (b false / true). No such path: proved at k=3.
# Without the simple-path constraint, (5,F),(5,T),(5,F),... would be a CTI for every k.
# range_x: x + 2 with x <= 10 stays within 4..12: 1-inductive.
EVEN = """
    var x: 4..12
    var b: bool
    init { x = 4; b = false }
    action step() { require x <= 10; x += 2 }
    action toggle() { b = !b }
    invariant not_seven: x != 7
"""

# x counts 0, 1, 2, ... up to 10 and stops. x != 5 first breaks after five incs (depth 5).
# From any depth d < 5, the CTI of k = d + 1 is the real run's last d + 1 states shifted
# down (x = 4 - d .. 4, then 5), and at k = d + 2 no path exists (x would start below 0):
# so an engine that tried one k more than BMC's depth supports would "prove" it.
LATE = """
    var x: 0..10
    init { x = 0 }
    action inc() { require x < 10; x += 1 }
    invariant not_five: x != 5
"""


# ---------------------------------------------------------------------------
# 1. k-induction: k=1, and a property that needs a lemma

def test_one_inductive_property_is_proved_at_k1(tmp_path):
    # x toggles between 0 and 1 (as a 0..3 variable): x <= 1 is 1-inductive.
    write_spec(tmp_path, """
        var x: 0..3
        init { x = 0 }
        action flip() { x = x == 0 ? 1 : 0 }
        invariant small: x <= 1
    """)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    rows = summary(out)
    assert rows["small"]["outcome"] == "PROVED (k-induction, k=1)"
    assert rows["small"]["depth"] == "all"
    assert ctis_in(out) == []
    # --engine bmc: the old behaviour, no proof
    code, out, err = cli(str(tmp_path / "spec.md"), "--engine", "bmc")
    assert code == 0
    assert summary(out)["small"]["outcome"] == "HOLDS" and summary(out)["small"]["depth"] == "6"
    assert "PROVED" not in out and "counterexample to induction" not in out


def test_without_lemma_a_cti_is_printed_and_the_property_only_holds(tmp_path):
    write_spec(tmp_path, PAIR)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err  # HOLDS is as expected
    rows = summary(out)
    assert rows["y_small"]["outcome"] == "HOLDS" and rows["y_small"]["depth"] == "6"
    assert rows["range_y"]["outcome"] == "HOLDS"
    assert rows["range_x"]["outcome"] == "PROVED (k-induction, k=1)"  # x < 5 before x += 1
    # the last k tried is min(--max-k 3, depth + 1) = 3
    assert ("invariant", "y_small", 3) in ctis_in(out)
    assert ("check", "range_y", 3) in ctis_in(out)
    block = out.split("--- default: invariant 'y_small' NOT PROVED")[1].split("\n\n")[0]
    assert "possibly unreachable" in block
    assert "invariant 'y_small' is false" in block
    assert "hint: if no run from init reaches step 0's state, a lemma" in block
    # the CTI starts where x != y (otherwise it would be reachable and BMC would have it)
    start = dict(re.findall(r"^    ([xy]) = (\d+)$", block.split("step 1:")[0], re.M))
    assert start["x"] != start["y"]


def test_with_lemma_both_are_proved(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    rows = summary(out)
    assert rows["y_small"]["outcome"] == "PROVED (k-induction, k=1)"
    assert rows["same"]["outcome"] == "PROVED (k-induction, k=1)"
    assert rows["same"]["kind"] == "lemma"
    assert rows["range_y"]["outcome"] == "PROVED (k-induction, k=1)"
    assert all(r["depth"] == "all" for r in rows.values())
    assert ctis_in(out) == []
    assert "no proof needed it" not in out  # 4: the lemma is needed


def test_show_invariant_for_k_induction(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--show-invariant")
    assert code == 0
    line = next(line for line in out.splitlines() if "inductive invariant:" in line)
    assert "y_small" in line and "same" in line


# ---------------------------------------------------------------------------
# 2. k > 1: simple paths

def test_property_needing_k3_with_simple_paths(tmp_path):
    write_spec(tmp_path, EVEN)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    rows = summary(out)
    assert rows["not_seven"]["outcome"] == "PROVED (k-induction, k=3)"
    assert rows["range_x"]["outcome"] == "PROVED (k-induction, k=1)"
    assert ctis_in(out) == []


@pytest.mark.parametrize("max_k", [1, 2])
def test_max_k_below_the_needed_k_leaves_holds_with_a_cti(tmp_path, max_k):
    write_spec(tmp_path, EVEN)
    code, out, err = cli(str(tmp_path / "spec.md"), "--max-k", str(max_k))
    assert code == 0, out + err
    rows = summary(out)
    assert rows["not_seven"]["outcome"] == "HOLDS" and rows["not_seven"]["depth"] == "6"
    assert ctis_in(out) == [("invariant", "not_seven", max_k)]
    block = out.split("NOT PROVED")[1].split("\n\n")[0]
    assert "    x = 5" in block  # the unreachable odd start
    assert block.count("\nstep ") == max_k + 1  # step 0, then k steps


def test_depth_limits_k(tmp_path):
    # k-induction tries k <= depth + 1 (BMC is its base case): --depth 1 allows k = 2 only
    write_spec(tmp_path, EVEN)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--depth", "1", "--max-k", "10")
    assert code == 0
    assert summary(out)["not_seven"]["outcome"] == "HOLDS"
    assert ctis_in(out) == [("invariant", "not_seven", 2)]
    code, out, _ = cli(str(tmp_path / "spec.md"), "--depth", "2", "--max-k", "10")
    assert summary(out)["not_seven"]["outcome"] == "PROVED (k-induction, k=3)"


def test_induction_module_directly(tmp_path):
    # The engine's own answer: k per property, the CTI's k, and that the CTI replays.
    model = lower_spec(tmp_path, EVEN)
    run = induction.prove(model, ("not_seven", "range_x"), induction.InductionOptions(max_k=2))
    assert run.proved == {"range_x": 1}
    cti = run.ctis["not_seven"]
    assert cti.k == 2 and cti.broken == ("not_seven",) and "not_seven" in cti.assumed
    prop = next(p for p in model.properties if p.name == "not_seven")
    replay_from_state(model, cti.trace, prop, cti.assumed)
    run = induction.prove(model, ("not_seven", "range_x"), induction.InductionOptions(max_k=3))
    assert run.proved == {"range_x": 1, "not_seven": 3} and not run.ctis
    # without simple paths, toggling b forever is a CTI at every k
    run = induction.prove(model, ("not_seven",), induction.InductionOptions(max_k=4, simple_path=False))
    assert "not_seven" not in run.proved and run.ctis["not_seven"].k == 4


# ---------------------------------------------------------------------------
# 3. and 4. false lemmas, unneeded lemmas

def test_false_lemma_is_violated_with_a_trace(tmp_path):
    # x_small: x <= 3 breaks after four steps (x = y = 4).
    write_spec(tmp_path, PAIR_LEMMA + "lemma x_small: x <= 3\n")
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 1, out + err
    rows = summary(out)
    assert rows["x_small"]["outcome"] == "VIOLATED" and rows["x_small"]["depth"] == "4"
    assert rows["x_small"]["kind"] == "lemma" and rows["x_small"]["result"] == "UNEXPECTED"
    assert "--- default: lemma 'x_small' VIOLATED at depth 4 (UNEXPECTED) ---" in out
    assert "lemma 'x_small' is false" in out
    assert out.count("step 4: step()") == 1
    assert "x_small" not in " ".join(line for line in out.splitlines() if "PROVED" in line)
    # the true properties are still proved
    assert rows["y_small"]["outcome"].startswith("PROVED (k-induction")


def test_false_lemma_beyond_the_depth_is_not_proved(tmp_path):
    # With --depth 2 BMC cannot see x = 4; induction must not take the lemma as true,
    # and the real properties' proofs must not lean on it.
    write_spec(tmp_path, PAIR_LEMMA + "lemma x_small: x <= 3\n")
    code, out, err = cli(str(tmp_path / "spec.md"), "--depth", "2")
    assert code == 0, out + err
    rows = summary(out)
    assert rows["x_small"]["outcome"] == "HOLDS" and rows["x_small"]["depth"] == "2"
    assert [c for c in ctis_in(out) if c[1] == "x_small"] == [("lemma", "x_small", 3)]  # x = 1, 2, 3 -> 4
    assert rows["y_small"]["outcome"] == "PROVED (k-induction, k=1)"
    assert rows["same"]["outcome"] == "PROVED (k-induction, k=1)"


def test_unneeded_lemma_gets_a_note_needed_one_does_not(tmp_path):
    # `y >= 0 || x >= 0` holds by the types and no proof uses it; `same` is what proves y_small.
    path = write_spec(tmp_path, PAIR_LEMMA + "lemma spare: y >= 0 || x >= 0\n")
    code, out, err = cli(str(path))
    assert code == 0, out + err
    rows = summary(out)
    assert rows["spare"]["outcome"] == "PROVED (k-induction, k=1)"
    notes = [line for line in out.splitlines() if "no proof needed it" in line]
    assert len(notes) == 1
    assert re.fullmatch(r"default: lemma 'spare' is proved but no proof needed it \[.*spec\.md:\d+\]", notes[0])
    line = int(notes[0].rsplit(":", 1)[1].rstrip("]"))
    assert "lemma spare" in path.read_text().splitlines()[line - 1]
    assert "lemma 'same' is proved but" not in out


def test_lemma_alone_is_unneeded(tmp_path):
    # A lemma next to properties that need nothing (the toggle of the first test) is noted.
    write_spec(tmp_path, """
        var x: 0..3
        init { x = 0 }
        action flip() { x = x == 0 ? 1 : 0 }
        invariant small: x <= 1
        lemma helper: x != 3
    """)
    code, out, _ = cli(str(tmp_path / "spec.md"))
    assert code == 0
    assert "lemma 'helper' is proved but no proof needed it" in out


# ---------------------------------------------------------------------------
# 5. IC3/PDR

def test_pdr_proves_without_a_lemma_and_shows_its_invariant(tmp_path):
    # PDR finds the strengthening (x == y, or an equivalent) itself.
    write_spec(tmp_path, PAIR)
    code, out, err = cli(str(tmp_path / "spec.md"), "--engine", "pdr", "--show-invariant")
    assert code == 0, out + err
    rows = summary(out)
    for name in ("y_small", "range_x", "range_y"):
        assert re.fullmatch(r"PROVED \(pdr, \d+ frames\)", rows[name]["outcome"]), rows[name]
        assert rows[name]["depth"] == "all"
    assert ctis_in(out) == []
    inv = [line for line in out.splitlines() if line.startswith("default: inductive invariant: ")]
    assert len(inv) == 1 and len(inv[0]) > len("default: inductive invariant: ")
    assert "y" in inv[0]
    # without --show-invariant, no invariant
    code, out, _ = cli(str(tmp_path / "spec.md"), "--engine", "pdr")
    assert code == 0 and "inductive invariant" not in out


def test_pdr_keeps_shortest_violations(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA + "lemma x_small: x <= 3\n")
    code, out, err = cli(str(tmp_path / "spec.md"), "--engine", "pdr")
    assert code == 1, out + err
    rows = summary(out)
    assert rows["x_small"]["outcome"] == "VIOLATED" and rows["x_small"]["depth"] == "4"
    assert "--- default: lemma 'x_small' VIOLATED at depth 4 (UNEXPECTED) ---" in out
    assert rows["y_small"]["outcome"].startswith("PROVED (pdr")


def test_pdr_proves_the_others_when_a_candidate_breaks_beyond_the_depth(tmp_path):
    # x_small breaks at depth 4, beyond --depth 2: the error is reachable, so PDR must not
    # prove it, and says that a violation exists deeper; the others it proves (issue 17).
    write_spec(tmp_path, PAIR_LEMMA + "lemma x_small: x <= 3\n")
    code, out, _ = cli(str(tmp_path / "spec.md"), "--engine", "pdr", "--depth", "2")
    assert code == 0
    rows = summary(out)
    assert rows["x_small"]["outcome"] == "HOLDS" and rows["x_small"]["depth"] == "2"
    assert ("default: 'x_small': a violation exists deeper than depth 2: run with a larger --depth to see it"
            in out.splitlines())
    for name in ("y_small", "same", "range_x", "range_y"):
        assert rows[name]["outcome"].startswith("PROVED (pdr"), (name, out)


def test_pdr_on_late_violation(tmp_path):
    # not_five breaks at depth 5; BMC to 3 does not see it, and PDR must not prove it
    write_spec(tmp_path, LATE)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--engine", "pdr", "--depth", "3")
    assert code == 0
    assert summary(out)["not_five"]["outcome"] == "HOLDS"


# ---------------------------------------------------------------------------
# 6. soundness

@pytest.mark.parametrize("depth", [0, 1, 2, 3, 4])
def test_violation_beyond_the_depth_is_never_proved(tmp_path, depth):
    write_spec(tmp_path, LATE)
    code, out, err = cli(str(tmp_path / "spec.md"), "--depth", str(depth), "--max-k", "50")
    assert code == 0, out + err
    row = summary(out)["not_five"]
    assert row["outcome"] == "HOLDS" and row["depth"] == str(depth)
    # the CTI at the last k tried (depth + 1) is the real run shifted: x = 4 - depth at the start
    assert ctis_in(out) == [("invariant", "not_five", depth + 1)]
    block = out.split("NOT PROVED")[1].split("\n\n")[0]
    assert f"    x = {4 - depth}\n" in block


def test_violation_at_the_depth_is_found(tmp_path):
    write_spec(tmp_path, LATE)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--depth", "5")
    assert code == 1
    row = summary(out)["not_five"]
    assert row["outcome"] == "VIOLATED" and row["depth"] == "5"


# Hand-written systems whose every proof must survive exhaustive explicit search. Each is
# checked with a small BMC depth, so that the proof engines, not BMC, have the last word.
CROSS_CHECK = {
    "pair": PAIR,
    "pair_lemma": PAIR_LEMMA,
    "even": EVEN,
    "late": LATE,
    "false_lemma": PAIR_LEMMA + "lemma x_small: x <= 3\n",
    # a ring of 4 slots with one token; the token moves right; an assert guards the move
    "token_ring": """
        type Slot = 0..3
        var tok: [Slot] bool
        var pos: Slot
        init { for i in Slot { tok[i] = i == 0 } pos = 0 }
        action pass() {
            assert tok[pos], "token where pos says"
            tok[pos] = false
            pos = Slot((pos + 1) % 4)
            tok[pos] = true
        }
        invariant one_token: (count i in Slot: tok[i]) == 1
        invariant at_pos: forall i in Slot: tok[i] => i == pos
    """,
    # a free initial value: x starts in 0..2 and doubles while in 1..7: 0 stays, 1 -> 2 -> 4
    # -> 8, 2 -> 4 -> 8; 3 and 6 are never reached (6 would need 3), x never exceeds 8
    "doubling": """
        var x: 0..16
        init { require x <= 2 }
        action dbl() { require x < 8 && x > 0; x = x * 2 }
        invariant never_three: x != 3
        invariant never_six: x != 6
        invariant bounded: x <= 8
    """,
    # an assert that fails only after a long detour through b
    "detour": """
        var n: 0..7
        var b: bool
        init { n = 0; b = false }
        action up() { require n < 7; n += 1 }
        action flag() { require n == 6; b = true }
        action check() { assert !b || n == 6, "flag only at six" }
    """,
}


@pytest.mark.parametrize("name", sorted(CROSS_CHECK))
@pytest.mark.parametrize("engine", ["auto", "pdr"])
def test_proofs_agree_with_exhaustive_search(tmp_path, name, engine):
    model = lower_spec(tmp_path, CROSS_CHECK[name])
    exhaustive = explicit.check(model, explicit.ExplicitOptions(None, 100_000))
    assert exhaustive.complete
    proved_any = False
    for depth in (0, 1, 2):
        run = proving.check(model, proving.ProveOptions(depth, 5, None, 5_000_000, engine == "pdr"))
        for prop in model.properties:
            verdict, truth = run.verdicts[prop.name], exhaustive.verdicts[prop.name]
            if isinstance(verdict, Proved):
                proved_any = True
                assert not isinstance(truth, Violated), (
                    f"{name}, depth {depth}: {prop.name} {verdict} but explicit search breaks it at "
                    f"depth {truth.depth}")
            if isinstance(verdict, Violated):
                assert isinstance(truth, Violated) and truth.depth == verdict.depth, (prop.name, verdict, truth)
                replay(model, verdict.trace, prop)
            if isinstance(truth, Violated) and truth.depth <= depth:
                assert isinstance(verdict, Violated), (prop.name, depth, verdict)
        for prop_name, cti in run.ctis.items():
            prop = next(p for p in model.properties if p.name == prop_name)
            replay_from_state(model, cti.trace, prop, cti.assumed)
    # PDR proves all candidates or none: with a violation beyond the depth it proves nothing
    if name not in ("late", "false_lemma", "detour") or engine == "auto" and name != "late":
        assert proved_any, f"{name}: nothing proved at any depth; the check would be vacuous"


def _generated_cases():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_differential import spec_and_depth  # the differential tests' generator
    return spec_and_depth


@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@pytest.mark.slow
@given(_generated_cases()(), st.integers(0, 2), st.booleans())
def test_generated_specs_proofs_are_sound(case, depth, use_pdr):
    """Whatever auto / pdr proves from a BMC depth of 0..2, exhaustive search must not break;
    every CTI must replay."""
    import tempfile
    body, _ = case
    with tempfile.TemporaryDirectory(prefix="mdcheck-proofs-") as tmp:
        try:
            model = lower_spec(Path(tmp), body)
        except SpecError:
            return
    try:
        truth = explicit.check(model, explicit.ExplicitOptions(None, 50_000))
    except explicit.CannotEnumerate:
        return
    if not truth.complete:
        return
    run = proving.check(model, proving.ProveOptions(depth, 3, None, 5_000_000, use_pdr))
    props = {p.name: p for p in model.properties}
    for name, verdict in run.verdicts.items():
        if isinstance(verdict, Proved) and verdict.engine != "bmc":
            assert not isinstance(truth.verdicts[name], Violated), (name, verdict, truth.verdicts[name], body)
        if isinstance(verdict, Violated):
            assert isinstance(truth.verdicts[name], Violated) and truth.verdicts[name].depth == verdict.depth
    for name, cti in run.ctis.items():
        replay_from_state(model, cti.trace, props[name], cti.assumed)


# ---------------------------------------------------------------------------
# 7. CTIs are replayed before they are printed

def _tampering(monkeypatch, tamper):
    """induction.prove, but its only CTI is y_small's, passed through `tamper`."""
    real = induction.prove

    def prove(*args, **kwargs):
        run = real(*args, **kwargs)
        assert "y_small" in run.ctis, "the spec must give a CTI for the tampering to bite"
        run.ctis = {"y_small": tamper(run.ctis["y_small"])}
        return run

    monkeypatch.setattr(induction, "prove", prove)


def _start_breaks_assumption(cti):
    # y = 9 breaks y_small (y <= 5), which the CTI claims to assume in its first state
    initial = dict(cti.trace.initial, y=9)
    return dataclasses.replace(cti, trace=dataclasses.replace(cti.trace, initial=initial, havoc=initial))


def _wrong_step(cti):
    steps = list(cti.trace.steps)
    first = steps[0]
    assert first.state is not None
    steps[0] = Step(first.action, first.args, dict(first.state, x=(first.state["x"] + 3) % 11))
    return dataclasses.replace(cti, trace=dataclasses.replace(cti.trace, steps=tuple(steps)))


def _not_broken_at_the_end(cti):
    # drop the last step: the run ends in a state where every assumed property holds
    return dataclasses.replace(cti, trace=dataclasses.replace(cti.trace, steps=cti.trace.steps[:-1],
                                                              failed_in_step=False))


def _wrong_action(cti):
    steps = list(cti.trace.steps)
    steps[-1] = dataclasses.replace(steps[-1], action="no_such_action")
    return dataclasses.replace(cti, trace=dataclasses.replace(cti.trace, steps=tuple(steps)))


@pytest.mark.parametrize("tamper, message", [
    (_start_breaks_assumption, "which induction assumed there"),
    (_wrong_step, "gives a different state on replay"),
    (_not_broken_at_the_end, "does not replay"),
    (_wrong_action, "no action 'no_such_action'"),
])
def test_tampered_cti_is_an_internal_error_and_not_printed(tmp_path, monkeypatch, tamper, message):
    write_spec(tmp_path, PAIR)
    _tampering(monkeypatch, tamper)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 4, out + err
    assert "counterexample to induction" not in out
    assert "NOT PROVED" not in out
    assert "internal error: the counterexample to induction for" in err
    assert "does not replay" in err and message in err


def test_untampered_cti_passes_through_the_wrapper(tmp_path, monkeypatch):
    # the monkeypatching itself is harmless: the identity leaves exit 0 and the CTI printed
    write_spec(tmp_path, PAIR)
    _tampering(monkeypatch, lambda cti: cti)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    assert ("invariant", "y_small", 3) in ctis_in(out)


def test_replay_from_state_rejects_a_broken_assumption(tmp_path):
    model = lower_spec(tmp_path, PAIR)
    run = induction.prove(model, ("y_small", "range_x", "range_y"), induction.InductionOptions(max_k=1))
    cti = run.ctis["y_small"]
    prop = next(p for p in model.properties if p.name == "y_small")
    replay_from_state(model, cti.trace, prop, cti.assumed)
    with pytest.raises(ReplayError, match="state 0 .* breaks 'y_small'"):
        replay_from_state(model, _start_breaks_assumption(cti).trace, prop, cti.assumed)


# ---------------------------------------------------------------------------
# 8. coverage and --strict

CLEAN = """
    var x: 0..3
    init { x = 0 }
    action tick() { x = (x + 1) % 4 }
    action check() { if x == 2 { assert x > 0, "two is positive" } }
    invariant when_three: forall i in 0..1: x == 3 + i => x > 2
"""


def test_no_warnings_on_a_spec_that_reaches_everything(tmp_path):
    write_spec(tmp_path, CLEAN)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    assert warnings_in(out) == []
    code, out, err = cli(str(tmp_path / "spec.md"), "--strict")
    assert code == 0, out + err


def test_action_never_enabled(tmp_path):
    path = write_spec(tmp_path, CLEAN + """
        action never() { require x > 2 && x < 3; x = 0 }
    """)
    code, out, _ = cli(str(path))
    assert code == 0
    (w,) = warnings_in(out)
    assert re.fullmatch(r"default: warning: action 'never' is never enabled within depth 6 \[.*spec\.md:\d+\]", w)
    line = int(w.rsplit(":", 1)[1].rstrip("]"))
    assert "action never()" in path.read_text().splitlines()[line - 1]
    code, _, _ = cli(str(path), "--strict")
    assert code == 5


def test_warning_depth_follows_the_depth(tmp_path):
    # `late` and the assert are first reached by the third step (two ticks, then x == 2),
    # the premise x == 3 first holds after three ticks: every goal is met within depth 3,
    # none within depth 2.
    write_spec(tmp_path, CLEAN + """
        action late() { require x == 2; x = 0 }
    """)
    _, out, _ = cli(str(tmp_path / "spec.md"), "--depth", "2")
    assert [w.split(" [")[0] for w in warnings_in(out)] == [
        "default: warning: action 'late' is never enabled within depth 2",
        "default: warning: assert 'two is positive' is never reached within depth 2",
        "default: warning: the premise of invariant 'when_three' is never true within depth 2"]
    _, out, _ = cli(str(tmp_path / "spec.md"), "--depth", "3")
    assert warnings_in(out) == []


def test_assert_behind_impossible_branch(tmp_path):
    write_spec(tmp_path, CLEAN + """
        action guarded() {
            if x > 3 { assert x == 9, "unreachable assert" }
            assert x <= 3, "reached assert"
        }
    """)
    code, out, _ = cli(str(tmp_path / "spec.md"))
    assert code == 0
    assert [w.split(" [")[0] for w in warnings_in(out)] == [
        "default: warning: assert 'unreachable assert' is never reached within depth 6"]


def test_invariant_premise_never_true(tmp_path):
    # flags are never set: the premise flags[i] holds in no reachable state (and the
    # invariant is proved, vacuously)
    write_spec(tmp_path, """
        type Idx = 0..2
        var x: 0..3
        var flags: [Idx] bool
        init { x = 0; for i in Idx { flags[i] = false } }
        action tick() { x = (x + 1) % 4 }
        invariant flagged_means_three: forall i in Idx: flags[i] => x == 3
        invariant three_or_less: forall i in Idx: i == x => x < 4
    """)
    code, out, _ = cli(str(tmp_path / "spec.md"))
    assert code == 0
    assert [w.split(" [")[0] for w in warnings_in(out)] == [
        "default: warning: the premise of invariant 'flagged_means_three' is never true within depth 6"]
    assert summary(out)["flagged_means_three"]["outcome"].startswith("PROVED")
    code, _, _ = cli(str(tmp_path / "spec.md"), "--strict")
    assert code == 5


def test_warnings_come_after_the_summary_and_with_every_solver_engine(tmp_path):
    write_spec(tmp_path, CLEAN + """
        action never() { require x > 2 && x < 3; x = 0 }
    """)
    for engine in ("auto", "bmc", "pdr"):
        code, out, _ = cli(str(tmp_path / "spec.md"), "--engine", engine, "--strict")
        assert code == 5, engine
        lines = out.splitlines()
        warning_at = next(i for i, line in enumerate(lines) if ": warning: " in line)
        table_end = max(i for i, line in enumerate(lines) if line.startswith("default  "))
        assert warning_at > table_end


def test_strict_with_an_unexpected_violation_exits_1(tmp_path):
    write_spec(tmp_path, CLEAN + """
        action never() { require x > 2 && x < 3; x = 0 }
        invariant below_three: x < 3
    """)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--strict")
    assert code == 1
    assert summary(out)["below_three"]["outcome"] == "VIOLATED"
    assert len(warnings_in(out)) == 1


def test_strict_with_an_expected_violation_and_no_warning_exits_0(tmp_path):
    write_spec(tmp_path, CLEAN + """
        invariant below_three: x < 3
        config c { expect below_three violated }
    """)
    code, out, err = cli(str(tmp_path / "spec.md"), "--strict")
    assert code == 0, out + err


def test_action_whose_assert_always_fails_is_enabled(tmp_path):
    # boom has no require: it is enabled in every state, and BMC's trace takes it at step 1.
    # Its assert always fails (x <= 3 < 4): the crash is expected. Nothing here is vacuous.
    write_spec(tmp_path, CLEAN + """
        action boom() { assert x >= 4, "boom" }
        config c { expect boom violated }
    """)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--strict")
    assert "step 1: boom()" in out
    assert "action 'boom' is never enabled" not in out
    assert code == 0


# ---------------------------------------------------------------------------
# 9. usage errors

@pytest.mark.parametrize("argv", [["--max-k", "0"], ["--max-k", "51"], ["--proof-rlimit", "-1"]])
def test_bad_proof_options_are_usage_errors(tmp_path, argv):
    write_spec(tmp_path, PAIR)
    code, out, err = cli(str(tmp_path / "spec.md"), *argv)
    assert code == 3
    assert "error[MDC501]" in err and argv[0] in err
    assert out == ""


def test_small_proof_rlimit_stops_induction_and_says_so(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA)
    code, out, err = cli(str(tmp_path / "spec.md"), "--proof-rlimit", "1")
    assert code == 0, out + err
    rows = summary(out)
    assert rows["y_small"]["outcome"] == "HOLDS"  # keeps its BMC verdict
    assert "default: k-induction stopped early: resource limit (--proof-rlimit)" in out


def test_small_proof_rlimit_stops_pdr_and_says_so(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA)
    code, out, err = cli(str(tmp_path / "spec.md"), "--engine", "pdr", "--proof-rlimit", "1")
    assert code == 0, out + err
    assert summary(out)["y_small"]["outcome"] == "HOLDS"
    assert "b'" not in out
    assert "default: IC3/PDR stopped early: resource limit (--proof-rlimit)" in out


# ---------------------------------------------------------------------------
# 10. determinism

def _cli_subprocess(args: list[str], hash_seed: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "checker.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_SECONDS)


@pytest.mark.slow
@pytest.mark.parametrize("rlimit", ["3000", "20000000"])
def test_proof_output_is_deterministic(tmp_path, monkeypatch, rlimit):
    # EVEN with a budget that runs out part way through the k's (3000 here; the exact
    # cut-off depends on the Z3 version, the sameness must not) and with the default one;
    # PAIR adds CTIs to the output. In one process and across hash seeds.
    write_spec(tmp_path, EVEN, "even.md")
    write_spec(tmp_path, PAIR, "pair.md")
    monkeypatch.chdir(tmp_path)
    argv = ["--no-timing", "-v", "--summary-table", "--show-cti", "--proof-rlimit", rlimit, "even.md", "pair.md"]
    first = cli(*argv, show_cti=False)
    second = cli(*argv, show_cti=False)
    assert first == second
    assert first[0] == 0 and "counterexample to induction" in first[1]
    runs = [_cli_subprocess(argv, seed, tmp_path) for seed in ("1", "2")]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert runs[0].stdout == runs[1].stdout == first[1]


def test_without_show_cti_each_counterexample_to_induction_is_one_line(tmp_path):
    spec = write_spec(tmp_path, EVEN, "even.md")
    code, out, _ = cli(str(spec), "--depth", "1", show_cti=False)
    assert code == 0
    assert "NOT PROVED" not in out and "step 0:" not in out
    lines = [line for line in out.splitlines() if "counterexample to induction" in line]
    assert lines and all(line.endswith("--show-cti prints it") for line in lines), out
    assert any("'not_seven'" in line and "(k=2)" in line and "toggle() -> step()" in line for line in lines), out


# ---------------------------------------------------------------------------
# The split last step (one query per action and argument tuple), used for large states.
# Houdini finds the largest jointly inductive set, which is unique, so splitting must
# prove exactly what the single query proves, at the same k, and no more than is true.

# Case `mark` proves `x_not_three` only with `y_not_two` assumed; case `bump`, asked later,
# drops `y_not_two` (y = 1 -> 2, unreachable). `mark` must then be asked again, and
# `x_not_three` (true, but not 1-inductive alone) is not proved at k = 1.
RE_ASK = """
    var x: 0..3
    var y: 0..3
    init { x = 0; y = 0 }
    action mark() { if y == 2 { x = 3 } }
    action bump() { require y == 1; y = 2 }
    invariant x_not_three: x != 3
    invariant y_not_two: y != 2
"""


@pytest.mark.parametrize("name", sorted(CROSS_CHECK) + ["re_ask"])
def test_split_queries_prove_what_the_single_query_proves(tmp_path, monkeypatch, name):
    model = lower_spec(tmp_path, RE_ASK if name == "re_ask" else CROSS_CHECK[name])
    exhaustive = explicit.check(model, explicit.ExplicitOptions(None, 100_000))
    for depth in (0, 1, 2):
        monkeypatch.setattr(induction, "SPLIT_ABOVE_BITS", 1 << 30)  # never split
        single = proving.check(model, proving.ProveOptions(depth, 5, None, None))
        monkeypatch.setattr(induction, "SPLIT_ABOVE_BITS", 0)  # always split
        split = proving.check(model, proving.ProveOptions(depth, 5, None, None))
        assert split.verdicts == single.verdicts, (name, depth)
        monkeypatch.setattr(induction, "TRY_CONSEQUENCES", False)
        underived = proving.check(model, proving.ProveOptions(depth, 5, None, None))
        monkeypatch.setattr(induction, "TRY_CONSEQUENCES", True)
        assert underived.verdicts == single.verdicts, (name, depth)
        for prop in model.properties:
            if isinstance(split.verdicts[prop.name], Proved):
                assert not isinstance(exhaustive.verdicts[prop.name], Violated), (name, prop.name)
        assert set(split.ctis) == set(single.ctis), (name, depth)
        for prop_name, cti in split.ctis.items():
            prop = next(p for p in model.properties if p.name == prop_name)
            replay_from_state(model, cti.trace, prop, cti.assumed)


# ---------------------------------------------------------------------------
# Consequences: in a large (split) state, the costliest state properties are tried as
# consequences of the others in one state and, if they follow, left out of the step queries

# 17 words of 64 bits: over SPLIT_ABOVE_BITS, so the last step is split and consequences are
# tried. `pairs_even` (17 x 17 sums) is most of the encoding and follows from `all_even`
# (17 parities) in any single state.
WORDS = """
    type Idx = 0..16
    var words: [Idx] u64
    var x: 0..31
    init {
        for i in Idx { words[i] = 0 }
        x = 0
    }
    action set(i: Idx) { words[i] = words[i] | 2 }
    action step() { require x < 20; x = x + 1 }
    lemma all_even: forall i in Idx: words[i] % 2 == 0
"""
PAIRS_EVEN = "invariant pairs_even: forall i in Idx, j in Idx: (words[i] + words[j]) % 2 == 0\n"


def test_costly_consequence_is_derived_and_proved(tmp_path):
    model = lower_spec(tmp_path, WORDS + PAIRS_EVEN)
    run = induction.prove(model, ("all_even", "pairs_even", "range_x"), induction.InductionOptions(max_k=1))
    assert run.derived == {"pairs_even"}
    assert run.proved == {"all_even": 1, "pairs_even": 1, "range_x": 1}
    code, out, _ = cli(str(write_spec(tmp_path, WORDS + PAIRS_EVEN)), "--show-invariant", "--depth", "1")
    assert code == 0 and {r["outcome"] for r in summary(out).values()} == {"PROVED (k-induction, k=1)"}, out
    assert "the conjunction of all_even, range_x; which implies, in every state, pairs_even" in out, out


@pytest.mark.slow
def test_consequence_of_a_dropped_lemma_is_not_proved(tmp_path):
    # `pairs_even_not_nine` follows from `all_even` and `x_not_nine`, but `x_not_nine` is
    # false at depth 9 (so it has a CTI at every k: x = 8 -> 9). Once Houdini drops it, what
    # followed from it must be asked again: `pairs_even_not_nine` is not proved either.
    body = WORDS + """
        lemma x_not_nine: x != 9
        invariant pairs_even_not_nine: x != 9 && forall i in Idx, j in Idx: (words[i] + words[j]) % 2 == 0
    """
    model = lower_spec(tmp_path, body)
    candidates = ("all_even", "x_not_nine", "pairs_even_not_nine", "range_x")
    for max_k in (1, 2, 3):
        run = induction.prove(model, candidates, induction.InductionOptions(max_k=max_k))
        assert set(run.proved) == {"all_even", "range_x"}, (max_k, run.proved)
        assert {"x_not_nine", "pairs_even_not_nine"} <= set(run.ctis)
    result = proving.check(model, proving.ProveOptions(2, 3, None, None))
    assert isinstance(result.verdicts["pairs_even_not_nine"], HoldsToDepth)
    deeper = proving.check(model, proving.ProveOptions(9, 3, None, None))
    assert isinstance(deeper.verdicts["pairs_even_not_nine"], Violated)


def test_consequences_are_tried_only_in_split_proofs(tmp_path, monkeypatch):
    # Unsplit (small-state) proofs track hypotheses for the lemmas' unsat core; leaving a
    # property out there would hide which lemmas it needed.
    model = lower_spec(tmp_path, WORDS + PAIRS_EVEN)
    monkeypatch.setattr(induction, "SPLIT_ABOVE_BITS", 1 << 30)
    run = induction.prove(model, ("all_even", "pairs_even", "range_x"), induction.InductionOptions(max_k=1))
    assert run.derived == set() and set(run.proved) == {"all_even", "pairs_even", "range_x"}


@pytest.mark.parametrize("extra", [PAIRS_EVEN, """
    lemma x_not_nine: x != 9
    invariant pairs_even_not_nine: x != 9 && forall i in Idx, j in Idx: (words[i] + words[j]) % 2 == 0
"""], ids=["proved", "dropped"])
@pytest.mark.slow
def test_split_cases_in_worker_processes_give_the_same_answers(tmp_path, extra):
    # --jobs with one configuration: Houdini's passes share the 18 cases out over processes.
    # Same verdicts, same CTIs (the first case's for each property), and every CTI replays.
    model = lower_spec(tmp_path, WORDS + extra)
    runs = [proving.check(model, proving.ProveOptions(2, 3, None, None, workers=n)) for n in (1, 2)]
    assert runs[0].verdicts == runs[1].verdicts
    assert runs[0].ctis.keys() == runs[1].ctis.keys()
    for name, cti in runs[1].ctis.items():
        assert cti.broken == runs[0].ctis[name].broken and cti.k == runs[0].ctis[name].k
        replay_from_state(model, cti.trace, model.property(name), cti.assumed)
    # The CLI's --jobs with one configuration: the same summary as one process; a CTI's values
    # may differ from one process's (a Z3 model depends on the terms its context holds), but
    # not from run to run.
    spec = str(write_spec(tmp_path, WORDS + extra))
    serial, parallel, again = (cli(spec, "--depth", "2", "--proof-rlimit", "0", "--jobs", n) for n in "122")
    assert serial[0] == parallel[0] and summary(serial[1]) == summary(parallel[1])
    assert ctis_in(serial[1]) == ctis_in(parallel[1])
    assert parallel == again


# ---------------------------------------------------------------------------
# `disable LEMMA`: a configuration that breaks a lemma on purpose neither checks nor assumes it

# y_small is inductive only with the lemma `same` (see PAIR): without it, y_small holds
# to the depth and no more.
DISABLE = PAIR_LEMMA + """
    config good {
        depth 6
    }
    config broken {
        depth 6
        disable same
    }
"""


def test_disabled_lemma_is_neither_checked_nor_assumed(tmp_path):
    write_spec(tmp_path, DISABLE)
    code, out, err = cli(str(tmp_path / "spec.md"), "--config", "broken")
    assert code == 0, out + err
    rows = summary(out)
    assert "same" not in rows                       # not checked
    assert rows["y_small"]["outcome"] == "HOLDS"    # and not assumed: induction needs it
    assert ("invariant", "y_small", 3) in ctis_in(out)
    code, out, err = cli(str(tmp_path / "spec.md"), "--config", "good")
    assert code == 0, out + err
    assert summary(out)["y_small"]["outcome"] == "PROVED (k-induction, k=1)"
    assert summary(out)["same"]["outcome"] == "PROVED (k-induction, k=1)"


def test_a_lemma_a_configuration_breaks_is_violated_unless_disabled(tmp_path):
    body = PAIR_LEMMA + """
        action skew() { require x < 5; x += 1 }
        config skewed {
            depth 3
        }
        config skewed_disabled {
            depth 3
            disable same
        }
    """
    write_spec(tmp_path, body)
    code, out, _ = cli(str(tmp_path / "spec.md"), "--config", "skewed")
    assert code == 1
    assert summary(out)["same"]["outcome"] == "VIOLATED" and summary(out)["same"]["depth"] == "1"
    code, out, err = cli(str(tmp_path / "spec.md"), "--config", "skewed_disabled")
    assert code == 0, out + err
    assert "same" not in summary(out)


def test_a_disabled_invariant_is_left_out_and_the_line_says_so(tmp_path):
    # MDC209 (disabling an invariant) is retired: the configuration neither checks nor assumes it
    write_spec(tmp_path, PAIR + """
        config c {
            disable y_small
        }
    """)
    code, out, err = cli(str(tmp_path / "spec.md"))
    assert code == 0, out + err
    assert "y_small" not in summary(out) or summary(out)["y_small"]["outcome"] == "NOT CHECKED (disabled)"
    assert "(1 invariant not checked: y_small)" in out


def test_disabling_an_unknown_name_suggests_a_lemma(tmp_path):
    write_spec(tmp_path, PAIR_LEMMA + """
        config c {
            disable sme
        }
    """)
    code, _, err = cli(str(tmp_path / "spec.md"))
    assert code == 3
    assert "error[MDC201]: unknown action, invariant or lemma 'sme'; did you mean 'same'?" in err


# ---------------------------------------------------------------------------
# specs/ptdesc.md: the fixed configuration is proved with the lemmas written in the spec

@pytest.mark.slow
def test_ptdesc_fixed_is_proved_for_every_depth():
    """Every invariant, lemma, assert and implicit check of `fixed`, PROVED by 1-induction
    at 4 pages (one MAX_ORDER block) with the spec's 3 ptdesc and 2 RCU slots. About a
    minute on two cores. The free lists' walks are proved as consequences of the lemmas on
    list places, and the page-table invariants of the lemmas on ghost handles, outside the
    induction step. That the lemmas are true (not only inductive
    together) is checked by every BMC and explicit run of `fixed`, where they are
    properties like the invariants."""
    spec = str(REPO / "specs" / "ptdesc.md")
    small = ["--config", "fixed", "-D", "NPAGES=4", "--depth", "0", "--max-k", "1", "--proof-rlimit", "0",
             "--show-invariant"]
    code, out, err = cli(spec, *small, show_cti=False)
    assert code == 0, out + err
    rows = summary(out)
    assert len(rows) >= 51
    implied = re.search(r"which implies, in every state, (.*)$", out, re.M)
    assert implied and {"free_lists_well_formed", "free_list_pages_are_buddy", "free_blocks_on_their_list",
                        "tail_pages_tagged", "pagetable_pages_frozen", "nr_pagetable_balanced"} <= \
        set(implied.group(1).split(", ")), out
    assert {r["outcome"] for r in rows.values()} == {"PROVED (k-induction, k=1)"}, \
        {n: r["outcome"] for n, r in rows.items() if r["outcome"] != "PROVED (k-induction, k=1)"}
    lemmas = {n for n, r in rows.items() if r["kind"] == "lemma"}
    assert {"live_tables_have_handles", "live_tables_are_blocks", "table_pages_tagged_and_frozen",
            "nr_pagetable_counts_tables", "page_flags_are_zone", "allocated_blocks_have_owners",
            "deferred_tables_are_live", "cpa_tables_are_live", "deposited_table_is_live",
            "pending_callbacks_are_tables", "one_callback_per_table", "running_system_has_caches"} <= lemmas


# ---------------------------------------------------------------------------
# specs/ptdesc_tags.md: the tag-level model, proved with its four lemmas

TAGS_LEMMAS = ("page_flags_clean", "only_callers_hold_references", "caller_blocks_whole", "live_tables_are_blocks")


@pytest.mark.slow
def test_ptdesc_tags_fixed_is_proved_by_the_default_run():
    """`mdcheck specs/ptdesc_tags.md` as a user runs it (8 pages, BMC to depth 6, the default
    proof budget): every property of `fixed` PROVED, the lemmas included."""
    code, out, err = cli(str(REPO / "specs" / "ptdesc_tags.md"), "--config", "fixed", show_cti=False)
    assert code == 0, out + err
    rows = summary(out)
    assert {n for n, r in rows.items() if r["kind"] == "lemma"} == set(TAGS_LEMMAS)
    assert {"tail_pages_tagged", "nr_pagetable_balanced", "page_table_type_exact", "ptdesc_freed_with_table",
            "page_ptdesc finds the page's own ptdesc", "bounds_pages"} <= set(rows)
    assert {n: r["outcome"] for n, r in rows.items()} == {n: "PROVED (k-induction, k=1)" for n in rows}
    assert "stopped early" not in out


@pytest.mark.slow
@pytest.mark.parametrize("lemma", TAGS_LEMMAS)
def test_ptdesc_tags_needs_each_lemma(tmp_path, lemma):
    """Without any one of the four lemmas, 1-induction at 8 pages finds a counterexample to
    induction and leaves a property of `fixed` unproved (it still HOLDS to the depth)."""
    spec = (REPO / "specs" / "ptdesc_tags.md").read_text()
    path = REPO / "specs" / f"_without_{lemma}.md"  # beside the original, so `import page_alloc` resolves
    path.write_text(spec.replace("config fixed {", f"config fixed {{\n    disable {lemma}", 1))
    try:
        code, out, err = cli(str(path), "--config", "fixed", "--depth", "1", "--max-k", "1", "--proof-rlimit", "0",
                             show_cti=False)
    finally:
        path.unlink()
    assert code == 0, out + err
    rows = summary(out)
    assert lemma not in rows
    not_proved = {n for n, r in rows.items() if r["outcome"] == "HOLDS"}
    assert not_proved, out
    assert re.search(r"^fixed: not proved: .*a counterexample to induction \(k=1\) through ", out, re.M), out


@pytest.mark.slow
def test_ptdesc_tags_fixed_is_also_proved_by_pdr():
    """The second proof engine agrees: IC3/PDR proves every property of `fixed`, the four
    lemmas included, at 4 pages (about 15 s; 13 frames and 2 minutes without the lemmas)."""
    code, out, err = cli(str(REPO / "specs" / "ptdesc_tags.md"), "--config", "fixed", "--engine", "pdr",
                         "-D", "NPAGES=4", "--depth", "0", "--proof-rlimit", "0", show_cti=False)
    assert code == 0, out + err
    rows = summary(out)
    assert set(TAGS_LEMMAS) <= set(rows)
    assert all(re.fullmatch(r"PROVED \(pdr, \d+ frames\)", r["outcome"]) for r in rows.values()), out
