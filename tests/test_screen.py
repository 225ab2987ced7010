"""The lines read first (issue 19): a configuration's description, one line per configuration,
the verdict line; and the trace at the failing statement (state mid-step, call chain)."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

from checker.cli import run
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

SPEC = textwrap.dedent('''\
    # Screen

    The model.

    ```mdcheck
    type Small = 0..3
    var x: Small
    var y: u8
    init { x = 0 }
    proc bump(by: Small) {
        y = 7
        assert x + by <= 3, "bump: stays small"
        x = x + by
    }
    action inc(by: Small) {
        bump(by)
    }
    action clear() {
        y = 0
    }
    invariant small: x <= 3
    ```

    A counter that a buggy reset overflows. More prose that is not the first sentence.

    ```mdcheck
    config buggy {
        depth 2
        expect "bump: stays small" violated
    }
    config named "x never moves: every property holds" {
        depth 2
        disable inc
    }
    ```
    ''')


def _run(tmp_path: Path, *argv: str) -> tuple[int, str]:
    spec = tmp_path / "screen.md"
    spec.write_text(SPEC)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", *argv, str(spec)], out, err)
    return code, out.getvalue()


def test_description_from_string_or_prose_before_the_block(tmp_path: Path) -> None:
    spec = tmp_path / "screen.md"
    spec.write_text(SPEC)
    decls = collect_declarations(load_spec(str(spec)))
    assert lower(decls, "buggy", {}).description == "A counter that a buggy reset overflows"
    assert lower(decls, "named", {}).description == "x never moves: every property holds"


def test_one_line_per_configuration_and_the_verdict_line(tmp_path: Path) -> None:
    code, out = _run(tmp_path)
    lines = out.splitlines()
    assert code == 0
    buggy = next(line for line in lines if line.startswith("  buggy "))
    assert "A counter that a buggy reset overflows" in buggy
    assert "VIOLATED at depth 2 as expected: bump: stays small" in buggy
    named = next(line for line in lines if line.startswith("  named "))
    assert named.endswith("PROVED (all depths)")
    assert lines[-1] == "mdcheck: 2 configurations, 2 as expected (exit 0)"


def test_unexpected_outcome_counts_in_the_verdict_line(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "--config", "buggy", "-D", "x=0")  # -D of a variable is not a constant
    assert code == 3  # a usage/spec error: no verdict line without configurations
    assert "mdcheck: " not in out
    spec = tmp_path / "screen.md"
    spec.write_text(SPEC.replace('expect "bump: stays small" violated', ""))
    out_stream, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", "--config", "buggy", str(spec)], out_stream, err)
    lines = out_stream.getvalue().splitlines()
    assert code == 1
    assert any("UNEXPECTED: bump: stays small VIOLATED at depth 2 (expected: holds)" in line for line in lines)
    assert lines[-1] == "mdcheck: 1 configuration, 0 as expected, 1 not as expected (exit 1)"


def test_failing_assert_in_a_proc_shows_chain_and_state_at_the_statement(tmp_path: Path) -> None:
    _, out = _run(tmp_path, "--config", "buggy")
    trace = out[out.index("--- buggy"):]
    step = trace[trace.index("step 1: inc"):trace.index("assert 'bump: stays small' fails")]
    assert "y : 0x0 -> 0x7" in " ".join(step.split()).replace(" :", " :")  # the write before the assert
    assert "(fails before completing; see below)" in step
    chain = next(line for line in trace.splitlines() if line.strip().startswith("in: "))
    assert chain.strip().startswith("in: inc [")
    assert "-> bump [" in chain and chain.rstrip().endswith("]") and "-> assert [" in chain


def test_unproved_configuration_is_named_with_how_to_prove_it(tmp_path: Path) -> None:
    _, out = _run(tmp_path, "--engine", "bmc", "--config", "named")
    lines = out.splitlines()
    named = next(line for line in lines if line.startswith("  named "))
    assert "holds to depth 2 only" in named and "bounded check only" in named
    assert lines[-1].startswith("mdcheck: not proved, checked to a depth only: named (bounded check only)")
    assert "--engine auto" in lines[-1]


def test_sarif_levels_vacuous_is_a_note_and_unproved_a_warning(tmp_path: Path) -> None:
    import json
    golden = Path(__file__).resolve().parent / "golden" / "induction_cti.md"
    results = {}
    for strict in (False, True):
        sarif = tmp_path / f"out{strict}.sarif"
        argv = ["--no-timing", "--depth", "2", "--sarif", str(sarif), str(golden)] + (["--strict"] if strict else [])
        run(argv, io.StringIO(), io.StringIO())
        results[strict] = json.loads(sarif.read_text())["runs"][0]["results"]
    vacuous = [r for r in results[False] if r["ruleId"] == "vacuous"]
    assert vacuous and all(r["level"] == "note" for r in vacuous)
    assert all(r["level"] == "error" for r in results[True] if r["ruleId"] == "vacuous")
    unproved = [r for r in results[False] if r["ruleId"] == "not-proved"]
    assert len(unproved) == 1 and unproved[0]["level"] == "warning"
    assert "HOLDS to depth 2, not proved" in unproved[0]["message"]["text"]


def test_junit_cases_name_the_file_and_line_of_their_property(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET
    spec = tmp_path / "screen.md"
    spec.write_text(SPEC)
    junit = tmp_path / "out.xml"
    run(["--no-timing", "--junit", str(junit), str(spec)], io.StringIO(), io.StringIO())
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    small = cases["invariant small"]
    assert small.get("file") == str(spec)
    assert int(small.get("line")) == SPEC.splitlines().index("invariant small: x <= 3") + 1
    assert small.get("time") is None  # times only with --timing


def test_quiet_prints_only_unexpected_outcomes_and_the_verdict(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "--quiet")
    assert code == 0 and out.splitlines() == ["mdcheck: 2 configurations, 2 as expected (exit 0)"]
    spec = tmp_path / "screen.md"
    spec.write_text(SPEC.replace('expect "bump: stays small" violated', ""))
    stream = io.StringIO()
    code = run(["--no-timing", "--quiet", str(spec)], stream, io.StringIO())
    lines = stream.getvalue().splitlines()
    assert code == 1
    assert lines[0].startswith("--- buggy: assert 'bump: stays small' VIOLATED at depth 2 (UNEXPECTED)")
    assert [line for line in lines if line.startswith("  ")][-1].startswith("  buggy ")
    assert not any(line.startswith("  named ") for line in lines)
    assert not any(line.startswith("config ") for line in lines)  # no table
    assert lines[-1] == "mdcheck: 2 configurations, 1 as expected, 1 not as expected (exit 1)"
