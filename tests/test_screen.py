"""The lines read first (issue 19): a configuration's description, one line per configuration,
the verdict line; and the trace at the failing statement (state mid-step, call chain)."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

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
    _, out = _run(tmp_path, "--config", "buggy", "-v")
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


def test_a_proof_out_of_budget_names_no_budget_and_the_abc_engine(tmp_path: Path) -> None:
    _, out = _run(tmp_path, "--proof-rlimit", "1", "--config", "named")
    lines = out.splitlines()
    named = next(line for line in lines if line.startswith("  named "))
    assert "holds to depth 2 only: not proved (proof budget)" in named
    assert lines[-1] == ("mdcheck: not proved, checked to a depth only: named (proof budget); to prove: "
                         "--proof-rlimit 0 (no budget) or --engine abc --jobs 2 --timeout 600 (Berkeley ABC: no lemmas needed)")


def test_abcs_proof_stopped_by_the_timeout_says_so_and_how_to_go_further(tmp_path: Path, monkeypatch) -> None:
    from checker.engines.aiger import abc, engine
    try:
        abc.find_abc()
    except abc.AbcMissing:
        pytest.skip("Berkeley ABC is not installed")

    def proof_out_of_time(circuit, binary, workdir, options, run, candidates, started, tell):
        run.proof_stopped = "timeout"
    monkeypatch.setattr(engine, "_prove", proof_out_of_time)
    _, out = _run(tmp_path, "--engine", "abc", "--timeout", "600", "--config", "named")
    lines = out.splitlines()
    named = next(line for line in lines if line.startswith("  named "))
    assert "holds to depth 2 only: not proved (timeout)" in named
    assert lines[-1] == "mdcheck: not proved, checked to a depth only: named (timeout); to prove: a larger --timeout"


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


# ---------------------------------------------------------------------------
# the compact default view: traces of unexpected outcomes only, shared traces once,
# step 0 with the cells read, what was left out counted with its flag

COMPACT = textwrap.dedent('''\
    # Compact

    ```mdcheck
    layout page[2] {
        word 0: flags: u64
        word 1: compound_head: u64
    }
    view lru of page {
        word 1: next: u64
    }
    var pages: [0..3] page
    var taken: 0..7
    var spare: [0..3] u8
    init {
        for p in 0..3 {
            pages[p].flags = 0
            pages[p].lru.next = 0x100
            spare[p] = 9
        }
        taken = 0
    }
    action grab(p: 0..3) {
        require pages[p].flags == 0
        pages[p].flags = 1
        taken = taken + 1
    }
    invariant at_most_one: taken <= 1
    invariant one_flag: (sum p in 0..3: pages[p].flags == 1 ? 1 : 0) <= 1
    action never() { require taken > 7 }
    ```

    ```mdcheck
    config two "grab twice: two invariants broken by one trace" {
        depth 2
        expect at_most_one violated
        expect one_flag violated
    }
    config surprise "nothing expected" {
        depth 2
    }
    ```
    ''')


def _compact(tmp_path: Path, *argv: str) -> tuple[int, str]:
    spec = tmp_path / "compact.md"
    spec.write_text(COMPACT)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", "--engine", "bmc", *argv, str(spec)], out, err)
    assert err.getvalue() == ""
    return code, out.getvalue()


def test_default_prints_only_unexpected_traces_and_counts_the_rest(tmp_path: Path) -> None:
    code, out = _compact(tmp_path, "--config", "two")
    assert code == 0
    assert "--- " not in out and "step 0" not in out  # the expected violations' trace is left out
    lines = out.splitlines()
    assert lines[1].startswith("  two  grab twice: two invariants broken by one trace  VIOLATED at depth 2 as expected")
    assert lines[2] == "      -v shows: 1 trace of an expected violation; 1 coverage gap"
    assert lines[-1] == "mdcheck: 1 configuration, 1 as expected (exit 0)"
    assert "config " not in out and "warning:" not in out  # no table, no coverage lines


def test_verbose_prints_a_shared_trace_once_with_every_property(tmp_path: Path) -> None:
    code, out = _compact(tmp_path, "--config", "two", "-v")
    assert code == 0
    assert out.count("--- two:") == 1
    assert ("--- two: 2 properties VIOLATED at depth 2 by one trace (expected): invariant 'at_most_one', "
            "invariant 'one_flag' ---") in out
    assert "invariant 'at_most_one' is false" in out and "invariant 'one_flag' is false" in out
    assert "two: warning: action 'never' is never enabled within depth 2" in out
    assert "-v shows" not in out
    assert _compact(tmp_path, "--config", "two", "--traces", "all")[1].count("--- two:") == 1


def test_unexpected_trace_is_printed_by_default_with_a_compact_step_0(tmp_path: Path) -> None:
    code, out = _compact(tmp_path, "--config", "surprise")
    assert code == 1
    trace = out[out.index("--- surprise:"):out.index("step 1:")].splitlines()
    assert trace[0] == ("--- surprise: 2 properties VIOLATED at depth 2 by one trace (UNEXPECTED): "
                        "invariant 'at_most_one', invariant 'one_flag' ---")
    # the steps read flags and taken; the invariants read taken and flags: lru.next (word 1)
    # and spare are read by nothing, so they are left out and counted
    assert trace[2:] == ["    pages[*].flags = 0x0",
                         "    taken          = 0",
                         "    (2 more, read by no step and not by the property: --full-state shows them)"]
    assert "state after step" not in out


def test_full_state_shows_every_cell_named_as_init_wrote_it_and_each_state(tmp_path: Path) -> None:
    _, out = _compact(tmp_path, "--config", "surprise", "--full-state")
    trace = out[out.index("step 0: init"):out.index("step 1:")].splitlines()
    # word 1 is named through the view init wrote it with, not as compound_head
    assert trace[1:] == ["    pages[*].flags    = 0x0",
                         "    pages[*].lru.next = 0x100",
                         "    taken             = 0",
                         "    spare[*]          = 0x9"]
    after = out[out.index("  state after step 1:"):out.index("step 2:")].splitlines()
    assert "    pages[*].lru.next = 0x100" in after and "    taken             = 1" in after


def test_quiet_and_verbose_cannot_be_combined_and_quiet_as_expected_is_one_line(tmp_path: Path) -> None:
    code, out = _compact(tmp_path, "--config", "two", "--quiet")
    assert code == 0 and out == "mdcheck: 1 configuration, 1 as expected (exit 0)\n"
    out, err = io.StringIO(), io.StringIO()
    assert run(["-q", "-v", str(tmp_path / "compact.md")], out, err) == 3
    assert "MDC501" in err.getvalue() and "not allowed with argument --quiet" in err.getvalue()


def test_unknown_properties_are_one_line_by_default_and_listed_with_verbose(tmp_path: Path) -> None:
    _, out = _compact(tmp_path, "--config", "surprise", "--rlimit", "1")
    assert "UNKNOWN" in out and "is UNKNOWN:" not in out
    _, out = _compact(tmp_path, "--config", "surprise", "--rlimit", "1", "-v")
    assert "surprise: 'at_most_one' is UNKNOWN: resource limit" in out


# ---------------------------------------------------------------------------
# the command line as its peers behave (issue 21, first items)

def test_version_help_exit_codes_and_the_check_subcommand(tmp_path: Path, capsys) -> None:
    import pytest

    from checker.cli.options import argument_parser
    with pytest.raises(SystemExit) as stopped:
        argument_parser().parse_args(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out.startswith("mdcheck ")
    assert "exit codes: 0 every outcome as expected; 1 an unexpected outcome" in argument_parser().format_help()
    assert "exit codes:" in argument_parser(simulating=True).format_help()
    code, plain = _compact(tmp_path, "--config", "two")
    out, err = io.StringIO(), io.StringIO()
    named = run(["check", "--no-timing", "--engine", "bmc", "--config", "two", str(tmp_path / "compact.md")], out, err)
    assert (named, out.getvalue(), err.getvalue()) == (code, plain, "")


def test_an_option_of_the_other_command_gets_a_hint_and_its_own_usage(tmp_path: Path) -> None:
    spec = tmp_path / "compact.md"
    spec.write_text(COMPACT)
    out, err = io.StringIO(), io.StringIO()
    assert run(["simulate", "--depth", "5", str(spec)], out, err) == 3
    text = err.getvalue()
    assert "error[MDC501]" in text and "hint: --depth is an option of `mdcheck SPEC.md`" in text
    assert "usage: mdcheck simulate" in text and "usage: mdcheck [" not in text
    out, err = io.StringIO(), io.StringIO()
    assert run(["--steps", "5", str(spec)], out, err) == 3
    assert "hint: --steps is an option of `mdcheck simulate SPEC.md`" in err.getvalue()


def test_a_folder_stands_for_its_specs_and_config_repeats(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "b.md").write_text(COMPACT)
    (folder / "a.md").write_text(SPEC)
    (folder / "notes.txt").write_text("not a spec")
    out, err = io.StringIO(), io.StringIO()
    assert run(["--list", str(folder)], out, err) == 0, err.getvalue()
    listed = [line for line in out.getvalue().splitlines() if line.endswith(".md")]
    assert listed == [str(folder / "a.md"), str(folder / "b.md")]
    out, err = io.StringIO(), io.StringIO()
    run(["--no-timing", "--engine", "bmc", "--config", "two", "--config", "surprise", "--config", "two",
         str(folder / "b.md")], out, err)
    text = out.getvalue()
    block = text[text.index("b.md:\n"):text.index("mdcheck:")].splitlines()[1:]
    assert [line.split()[0] for line in block if not line.startswith("      ")] == ["two", "surprise"]
    out, err = io.StringIO(), io.StringIO()
    assert run(["--config", "nope", str(folder / "b.md")], out, err) == 3 and "MDC205" in err.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    out, err = io.StringIO(), io.StringIO()
    assert run([str(empty)], out, err) == 3 and "error[MDC001]" in err.getvalue()
