"""Issue 21: every independent error of a spec in one run, parser hints where Lark's guess is
wrong, errors a configuration's constant causes, and the lint warnings (MDC7xx)."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from test_reports import results_json, sarif_log

from checker.cli import run
from checker.frontend.diagnostic_lists import MAX_SHOWN_ERRORS


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MDCHECK_DEBUG", raising=False)


def check(text: str, *args: str, files: dict[str, str] | None = None) -> tuple[int, str, str]:
    for path, content in {**(files or {}), "spec.md": text}.items():
        Path(path).write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["spec.md", "--depth", "0", *args], out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def heads(err: str, severity: str = "error") -> list[str]:
    """file:line:col and code of each diagnostic printed, in order."""
    return re.findall(rf"^(\S+:\d+:\d+): {severity}\[(MDC\d+)\]", err, re.MULTILINE)


def spec(*lines: str) -> str:
    return "```mdcheck\n" + "\n".join(lines) + "\n```\n"


# ---- several errors per run ----

THREE_ERRORS = spec(
    "var x: 0..4",                 # 2
    "var y: u8",                   # 3
    "init { x = 0; y = 0 }",       # 4
    "action a() { x = true }",     # 5: MDC301
    "action b() { y = zzz }",      # 6: MDC201
    "fn f(v: u8): u8 = v + 1",     # 7
    "action c() { y = f(1, 2) }",  # 8: MDC302
    "invariant ok: x <= 4",
)


def test_three_independent_errors_in_three_declarations_are_all_reported_in_source_order():
    code, _, err = check(THREE_ERRORS)
    assert code == 3
    assert heads(err) == [("spec.md:5:18", "MDC301"), ("spec.md:6:18", "MDC201"), ("spec.md:8:18", "MDC302")]
    assert err.count("^") >= 3  # each with its caret


def test_a_constant_that_fails_to_fold_is_one_error_not_one_per_use():
    code, _, err = check(spec(
        "const BAD = 1 / 0",
        "const TWICE = BAD * 2",
        "var x: 0..BAD",
        "action a() { x = BAD }",
        "invariant ok: TWICE >= 0 && x >= 0",
        "static_assert BAD > 0, \"positive\"",
    ))
    assert code == 3
    assert heads(err) == [("spec.md:2:13", "MDC306")]
    assert "unknown" not in err


def test_a_failed_type_fn_or_proc_is_reported_once_however_often_it_is_used():
    code, _, err = check(spec(
        "type Idx = 0..nope",
        "var a: [Idx]u8",
        "var b: u8",
        "fn g(v: u8): u8 = v + true",
        "proc p() { a[0] = 1 }",
        "action one() { b = g(1) }",
        "action two() { b = g(2) }",
        "action three(i: Idx) { p() }",
        "invariant ok: a[0] == a[0] && b == g(0)",
    ))
    assert code == 3
    assert [c for _, c in heads(err)] == ["MDC201", "MDC301"]


def test_an_expectation_of_a_property_in_a_failed_action_is_no_further_error():
    code, _, err = check(spec(
        "var x: u8",
        "action a() { assert x == true, \"named\" }",
        "config c { expect named violated }",
    ))
    assert code == 3
    assert [c for _, c in heads(err)] == ["MDC301"]


def test_a_name_unknown_at_several_places_is_one_error_listing_the_others():
    code, _, err = check(spec(
        "var n: u8",
        "action a() { n = NPAGES }",
        "action b() { n = NPAGES + 1 }",
        "invariant ok: n != NPAGES",
    ))
    assert code == 3
    assert heads(err) == [("spec.md:3:18", "MDC201")]
    assert "note: the same error at 2 more places: spec.md:4, spec.md:5" in err


def test_the_errors_of_every_configuration_are_shown_each_once():
    code, _, err = check(spec(
        "const N = 4",
        "static_assert N <= 16, \"N fits\"",
        "var x: 0..N",
        "action a() { x = zzz }",
        "config c1 { N = 100 }",
        "config c2 { N = 200 }",
    ))
    assert code == 3
    assert [c for _, c in heads(err)] == ["MDC308", "MDC308", "MDC201"]  # the unknown name once, not per config


def test_at_most_twenty_errors_are_printed_and_json_carries_them_all():
    lines = ["var x: u8"] + [f"action a{i}() {{ x = unknown{i} }}" for i in range(MAX_SHOWN_ERRORS + 5)]
    code, _, err = check(spec(*lines))
    assert code == 3
    assert len(heads(err)) == MAX_SHOWN_ERRORS
    assert "mdcheck: 5 more errors not shown" in err
    code, out, _ = check(spec(*lines), "--format", "json")
    assert len(json.loads(out)["specs"][0]["diagnostics"]) == MAX_SHOWN_ERRORS + 5


def test_every_duplicate_definition_is_reported():
    code, _, err = check(spec("const N = 1", "const N = 2", "var x: u8", "var x: u8", "action a() {}",
                              "action a() {}"))
    assert code == 3
    assert [c for _, c in heads(err)] == ["MDC202", "MDC202", "MDC202"]


def test_every_missing_import_and_parse_errors_in_several_files_are_reported():
    code, _, err = check(spec("import nowhere", "import elsewhere", "var x: u8"))
    assert [c for _, c in heads(err)] == ["MDC203", "MDC203"]
    code, _, err = check(spec("import one", "import two", "var x: u8"),
                         files={"one.md": spec("const A = = 1"), "two.md": spec("var b: u8 u8")})
    assert code == 3
    assert {h[0].split(":")[0] for h in heads(err)} == {"one.md", "two.md"}


# ---- parser hints ----

def test_a_missing_closing_brace_names_the_declaration_it_leaves_open():
    code, _, err = check(spec(
        "var r: u8",
        "action a() {",
        "  if r > 0 {",
        "    r = 1",
        "  }",
        "",
        "action b() { r = 2 }",
    ))
    assert code == 3
    assert "spec.md:8:1: error[MDC101]: missing '}' to close the action 'a' opened at line 3" in err
    assert "spec.md:3:1: note: the action 'a' opened here" in err
    assert "reserved word" not in err


def test_a_block_that_ends_inside_a_declaration_names_it():
    code, _, err = check(spec("var r: u8", "config small {", "  depth 3"))
    assert code == 3
    assert "error[MDC103]: missing '}' to close the config 'small' opened at line 3" in err


@pytest.mark.parametrize("statement, written", [("r++", "r += 1"), ("++r", "r += 1"), ("r--;", "r -= 1"),
                                                ("a[0]++", "a[0] += 1")])
def test_increment_and_decrement_get_the_assignment_to_write(statement, written):
    code, _, err = check(spec("var r: u8", "var a: [0..1]u8", f"action a1() {{ {statement} }}"))
    assert code == 3
    assert f"hint: mdcheck has no {statement.strip(';').replace('r', '').replace('a[0]', '')}; " \
           f"write `{written}`" in err


# ---- errors a configuration's constant causes ----

CONFIGURED = spec(
    "const N = 4",
    "static_assert N <= 16, \"N fits\"",
    "var x: 0..N",
    "action a() { x = 0 }",
    "config small { N = 8 }",
    "config big {",
    "  N = 100",
    "}",
)


def test_an_error_a_configuration_causes_points_at_the_configuration_line_too():
    code, _, err = check(CONFIGURED)
    assert code == 3
    assert heads(err) == [("spec.md:3:1", "MDC308")]
    assert "spec.md:8:3: note: configuration 'big' sets N = 100\n    8 |   N = 100\n          ^^^^^^^" in err


def test_an_error_a_d_override_causes_names_the_override():
    code, _, err = check(CONFIGURED, "-D", "N=50", "--config", "small")
    assert code == 3
    assert "note: -D N=50 on the command line sets N" in err


def test_a_value_rejected_at_several_places_is_one_error_listing_the_others():
    code, _, err = check(spec(
        "const N = 4",
        "type Idx = 0..N - 1",
        "var a: [Idx]u8",
        "var b: [Idx]u8",
        "action step(i: Idx) { a[i] = 0 }",
        "config huge { N = 100000 }",
    ))
    assert code == 3
    assert len(heads(err)) == 1
    assert "note: configuration 'huge' sets N = 100000" in err
    assert "the same error at 2 more places" in err


def test_an_error_the_default_values_have_too_gets_no_configuration_note():
    code, _, err = check(spec("const N = 4", "var x: 0..N", "action a() { x = true }", "config c { N = 5 }"))
    assert code == 3
    assert "note" not in err


# ---- lints ----

LINTED = spec(
    "const N = 4",
    "var r: u32",                        # 3
    "var x: u8",
    "var n: 0..N",
    "init { r = 1; x = 0; n = 0 }",
    "action step(i: 0..N) {",
    "  require r >= 0",                  # 8
    "  require x > -1 || true",          # 9
    "  require N > 4 || true",
    "  require n >= 0",
    "  require forall j in 0..N: j <= N",
    "  for k in 0..N { require k < N + 1 }",
    "  x = x + 1",
    "}",
    "invariant fine: int(x) <= 300",     # 16
    "config one { N = 4 }",
    "config two { N = 5 }",
)


def test_comparisons_the_types_decide_are_warnings_that_change_nothing():
    code, out, err = check(LINTED)
    assert code == 0, err
    assert heads(err, "warning") == [("spec.md:8:11", "MDC701"), ("spec.md:9:11", "MDC701"),
                                     ("spec.md:16:17", "MDC701")]  # once each, though two configurations
    assert "`r >= 0` is always true: r is u32 (0..4294967295)" in err
    assert "did you mean `r > 0`?" in err
    assert "`x > -1` is always false: x is u8 (0..255) and -1 becomes 255 as a u8" in err
    assert err.index("warning[MDC701]") < len(err)  # before the results, which go to stdout
    assert "error[" not in err


def test_no_warning_for_constants_ranges_binders_or_the_checks_mdcheck_adds():
    code, _, err = check(spec(
        "const N = 4",
        "var n: 0..N",
        "var a: [0..N]u8",
        "action step(i: 0..N) {",
        "  require N >= 4 || n < N",
        "  require forall j in 0..N: j <= N && j >= 0",
        "  a[i] = a[i] + 1",
        "  n = i",
        "}",
    ))
    assert code in (0, 1)
    assert "warning" not in err


def test_a_signed_counter_compared_with_zero_or_minus_one_is_no_warning():
    """An iN holds negative numbers: `r >= 0` and `m > -1` depend on the value; only a bound of the
    type itself decides a comparison."""
    code, _, err = check(spec(
        "var r: i32",
        "var m: i8",
        "init { r = 1; m = -1 }",
        "action step() {",
        "  require r >= 0 && m > -1 || true",
        "  require m >= -128 || true",       # 7
        "  r = r - 1",
        "}",
    ))
    assert code in (0, 1), err
    assert heads(err, "warning") == [("spec.md:7:11", "MDC701")]
    assert "`m >= -128` is always true: m is i8 (-128..127)" in err


def test_warnings_are_printed_under_quiet_and_carried_in_json_and_sarif():
    _, _, err = check(LINTED, "-q")
    assert len(heads(err, "warning")) == 3
    code, out, _ = check(LINTED, "--format", "json", "--sarif", "out.sarif")
    assert code == 0
    warnings = results_json(out)["specs"][0]["warnings"]  # valid by the schema
    assert [(w["code"], w["severity"], w["location"]["line"]) for w in warnings] == \
        [("MDC701", "warning", 8), ("MDC701", "warning", 9), ("MDC701", "warning", 16)]
    sarif = sarif_log(Path("out.sarif"))
    levels = [(r["ruleId"], r["level"]) for r in sarif["runs"][0]["results"] if r["ruleId"] == "MDC701"]
    assert levels == [("MDC701", "warning")] * 3


@pytest.mark.parametrize("flag", ["--warnings-as-errors", "-Werror"])
def test_warnings_as_errors_exits_3_without_checking(flag):
    code, out, err = check(LINTED, flag)
    assert code == 3
    assert [c for _, c in heads(err)] == ["MDC701"] * 3
    assert "an error because of --warnings-as-errors" in err
    assert "configuration" not in out
