"""Replay: a counterexample that the reference interpreter does not reproduce is an
internal error (exit 4), reported loudly and never printed as a finding.

The traces here are real ones from each engine, then tampered with one way at a time.
"""
from __future__ import annotations

import dataclasses
import io
import textwrap

import pytest

from checker import cli
from checker.engines.concrete import explicit
from checker.engines.concrete.replay import ReplayError, replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import Step, Violated
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

SPEC = """
    var x: 0..7
    var y: 0..7
    init {
        x = 0
        y = 0
    }
    action set(v: 0..7) {
        require v > x
        x = v
    }
    action bump() {
        require y < 7
        assert y != 3, "y never three"
        y = y + 1
    }
    invariant x_not_five: x != 5
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text("```mdcheck\n" + textwrap.dedent(SPEC).strip() + "\n```\n")
    return lower(collect_declarations(load_spec(str(path))), "default", {})


def violation(model, name: str, engine: str) -> Violated:
    if engine == "bmc":
        run = bmc.check(model, bmc.BmcOptions(5))
    else:
        run = explicit.check(model, explicit.ExplicitOptions(5))
    verdict = run.verdicts[name]
    assert isinstance(verdict, Violated)
    return verdict


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_real_traces_replay(model, engine):
    # x_not_five: set(5) at depth 1. y never three: three bumps, the fourth fails: depth 4.
    v = violation(model, "x_not_five", engine)
    assert v.depth == 1
    replay(model, v.trace, model.property("x_not_five"))
    v = violation(model, "y never three", engine)
    assert v.depth == 4 and v.trace.failed_in_step
    replay(model, v.trace, model.property("y never three"))


def _tamper_step(trace, index, **changes):
    steps = list(trace.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)
    return dataclasses.replace(trace, steps=tuple(steps))


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_tampered_traces_do_not_replay(model, engine):
    prop = model.property("x_not_five")
    trace = violation(model, "x_not_five", engine).trace
    wrong = {
        "a different argument": _tamper_step(trace, 0, args=(("v", 4),)),
        "an argument outside its type": _tamper_step(trace, 0, args=(("v", 9),)),
        "a step that is not enabled": _tamper_step(trace, 0, args=(("v", 0),)),
        "a state the action does not give": _tamper_step(trace, 0, state={"x": 5, "y": 1}),
        "an unknown action": _tamper_step(trace, 0, action="reset"),
        "a different initial state": dataclasses.replace(trace, initial={"x": 1, "y": 0}),
        "the property not broken at the end": dataclasses.replace(
            trace, steps=trace.steps + (Step("set", (("v", 6),), {"x": 6, "y": 0}),)),
    }
    for what, tampered in wrong.items():
        with pytest.raises(ReplayError):
            replay(model, tampered, prop)
            pytest.fail(f"{what}: replayed")
    failing = violation(model, "y never three", engine).trace
    with pytest.raises(ReplayError):  # the last step claimed to fail, but runs fine
        replay(model, dataclasses.replace(failing, steps=failing.steps[:-1] + (
            Step("set", (("v", 1),), None),)), model.property("y never three"))


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_cli_reports_a_trace_that_does_not_replay_as_internal_error(tmp_path, monkeypatch, engine):
    # Make the engine lie: its counterexample for x_not_five claims set(4) gives x = 5.
    real = bmc.check if engine == "bmc" else explicit.check

    def lying(model, options, *args, **kwargs):
        run = real(model, options, *args, **kwargs)
        v = run.verdicts["x_not_five"]
        run.verdicts["x_not_five"] = Violated(v.depth, _tamper_step(v.trace, 0, args=(("v", 4),)))
        return run
    monkeypatch.setattr(bmc if engine == "bmc" else explicit, "check", lying)
    path = tmp_path / "spec.md"
    path.write_text("```mdcheck\n" + textwrap.dedent(SPEC).strip() + "\n```\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run([str(path), "--depth", "5", "--engine", engine, "--no-timing"], out, err)
    assert code == cli.EXIT_INTERNAL == 4
    assert "internal error" in err.getvalue() and "does not replay" in err.getvalue()
    assert "x_not_five" in err.getvalue()
    # the lie is not shown as a finding; the honest counterexample still is
    assert "--- default: invariant 'x_not_five'" not in out.getvalue()
    assert "--- default: assert 'y never three' VIOLATED at depth 4" in out.getvalue()
