"""One test (at least) per diagnostic code a user can trigger, through the CLI.

Each test writes a tiny spec into a temporary working directory and runs
`checker.cli.run`. A spec error must exit 3, print `error[CODE]`, point at the right
`file:LINE:COL` (worked out by hand from the text written: the opening fence is line 1
unless said otherwise), draw the source line with a caret under the offending text, and
never show a Python traceback.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from wall import HANG_SECONDS

from checker.cli import run
from checker.frontend.diagnostics import CODES

REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# helpers

@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own directory, so paths in messages are just 'spec.md'."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MDCHECK_DEBUG", raising=False)


def check(text: str | bytes | None, *args: str, name: str = "spec.md",
          files: dict[str, str | bytes] | None = None) -> Result:
    """Write `text` to `name` (and `files`) in the working directory, then run the CLI on it.

    `--depth 0` keeps any run that unexpectedly gets past the front end away from the
    solver; a later `--depth` in `args` wins."""
    for path, content in {**(files or {}), **({name: text} if text is not None else {})}.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            Path(path).write_bytes(content)
        else:
            Path(path).write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run([name, "--depth", "0", *args], out, err)
    return Result(code, out.getvalue(), err.getvalue())


def expect_error(result: Result, code: str, at: str | None = None, under: str | None = None) -> str:
    """Assert a spec error `code`; with `at` ('file:LINE:COL'), that the diagnostic starts
    there and shows that line of the file with a caret at COL (and, with `under`, that the
    caret sits under that text). Returns the diagnostic's first line."""
    assert code in CODES
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert "internal error" not in result.err, result.err
    assert result.code == 3, f"exit code {result.code}, stderr:\n{result.err}"
    assert f"error[{code}]" in result.err, result.err
    lines = result.err.splitlines()
    if at is None:
        heads = [line for line in lines if f"error[{code}]" in line]
        return heads[0]
    head = f"{at}: error[{code}]: "
    found = [i for i, line in enumerate(lines) if line.startswith(head)]
    assert found, f"no diagnostic starting with {head!r}; stderr:\n{result.err}"
    i = found[0]
    path, line_no, col = at.rsplit(":", 2)
    line_no, col = int(line_no), int(col)
    gutter = f"{line_no:>5} | "
    source_line = Path(path).read_text(encoding="utf-8").splitlines()[line_no - 1]
    assert i + 2 < len(lines), result.err
    assert lines[i + 1] == gutter + source_line.expandtabs(4), result.err
    caret = lines[i + 2]
    assert caret.strip() and set(caret.strip()) == {"^"}, result.err
    assert caret.index("^") == len(gutter) + col - 1, result.err
    if under is not None:
        assert lines[i + 1][caret.index("^"):].startswith(under), result.err
    return lines[i]


def hints(result: Result) -> list[str]:
    return [line.strip()[len("= hint: "):] for line in result.err.splitlines()
            if line.strip().startswith("= hint: ")]


# ---------------------------------------------------------------------------
# MDC001-MDC003: reading the file

def test_mdc001_missing_file():
    result = check(None, name="missing.md")
    first = expect_error(result, "MDC001")
    assert first.startswith("mdcheck: error[MDC001]: ")
    assert "missing.md" in first


def test_mdc001_directory():
    os.mkdir("dir.md")
    first = expect_error(check(None, name="dir.md"), "MDC001")
    assert first.startswith("mdcheck: error[MDC001]: ") and "dir.md" in first


def test_mdc002_not_utf8():
    first = expect_error(check(b"```mdcheck\nvar x: bool\n```\ncaf\xe9\n"), "MDC002")
    assert "spec.md" in first


def test_mdc002_nul_bytes():
    first = expect_error(check(b"```mdcheck\nvar x: bool\x00\n```\n"), "MDC002")
    assert "spec.md" in first


def test_mdc002_in_an_imported_model_points_at_the_import():
    result = check(
        "```mdcheck\n"
        "import blob\n"        # 2
        "var x: bool\n"
        "```\n",
        files={"blob.md": b"```mdcheck\nvar y: bool\n```\n\xff\xfe\n"},
    )
    expect_error(result, "MDC002", "spec.md:2:1", under="import blob")


def test_mdc003_no_mdcheck_blocks():
    result = check("# Notes\n\n```c\nint x;\n```\n\nJust prose.\n")
    first = expect_error(result, "MDC003")
    assert first.startswith("mdcheck: error[MDC003]: ")
    assert hints(result), result.err


# ---------------------------------------------------------------------------
# MDC101-MDC103: syntax

@pytest.mark.parametrize("line, at", [
    ("invariant ok: x = 1", "spec.md:3:17"),                  # '=' at column 17
    ("action a() { require x = 1 }", "spec.md:3:24"),         # '=' at column 24
    ("action a() { if x = 1 { x = 2 } }", "spec.md:3:19"),    # '=' at column 19
])
def test_mdc101_assignment_in_a_condition(line, at):
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        f"{line}\n"    # 3
        "```\n"
    )
    first = expect_error(result, "MDC101", at, under="= 1")
    assert "'='" in first
    assert "use '==' to compare" in hints(result)


def test_mdc101_missing_comma():
    result = check(
        "```mdcheck\n"
        "enum Owner { BUDDY CALLER }\n"    # 2: CALLER at column 20
        "```\n"
    )
    first = expect_error(result, "MDC101", "spec.md:2:20", under="CALLER")
    assert "'CALLER'" in first


def test_mdc101_no_compare_hint_where_no_comparison_fits():
    # The name is missing; suggesting '==' here would send the reader the wrong way.
    result = check(
        "```mdcheck\n"
        "const = 3\n"    # 2: '=' at column 7
        "```\n"
    )
    expect_error(result, "MDC101", "spec.md:2:7", under="=")
    assert not any("==" in hint for hint in hints(result)), result.err


def test_mdc101_reported_for_every_broken_block():
    result = check(
        "```mdcheck\n"
        "var x: 0..3 3\n"    # 2: second '3' at column 13
        "```\n"
        "\n"
        "```mdcheck\n"
        "const A = )\n"      # 6: ')' at column 11
        "```\n"
    )
    expect_error(result, "MDC101", "spec.md:2:13", under="3")
    expect_error(result, "MDC101", "spec.md:6:11", under=")")


def test_mdc101_malformed_number_literal_is_a_spec_error():
    result = check(
        "```mdcheck\n"
        "const MASK = 0x_\n"    # 2: the literal starts at column 14
        "```\n"
    )
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert result.code == 3, result.err
    assert result.err.startswith("spec.md:2:14: error[MDC10"), result.err


def test_mdc102_unexpected_character():
    result = check(
        "```mdcheck\n"
        "const A = 3 $ 4\n"    # 2: '$' at column 13
        "```\n"
    )
    first = expect_error(result, "MDC102", "spec.md:2:13", under="$")
    assert "'$'" in first


def test_mdc102_non_ascii_in_a_name():
    result = check(
        "# Spec\n"             # 1
        "\n"                   # 2
        "```mdcheck\n"         # 3
        "var café: bool\n"     # 4: 'é' at column 8
        "```\n"
    )
    expect_error(result, "MDC102", "spec.md:4:8", under="é")


def test_mdc103_block_ends_inside_a_declaration():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "init {\n"
        "    x = 1\n"    # 4: the block ends after column 9
        "```\n"
    )
    expect_error(result, "MDC103", "spec.md:4:10")
    assert hints(result), result.err


def test_mdc103_a_declaration_cannot_span_two_blocks():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "init {\n"       # 3: the first block ends after column 6
        "```\n"
        "\n"
        "```mdcheck\n"
        "    x = 1\n"    # 7: a statement where a declaration must start
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC103", "spec.md:3:7")
    expect_error(result, "MDC101", "spec.md:7:5", under="x")


# ---------------------------------------------------------------------------
# MDC201: unknown names, with suggestions

def test_mdc201_unknown_name():
    result = check(
        "```mdcheck\n"
        "var nr_free: 0..8\n"
        "invariant ok: nr_fre <= 8\n"    # 3: nr_fre at column 15
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:3:15", under="nr_fre")
    assert "'nr_fre'" in first and "did you mean 'nr_free'?" in first


def test_mdc201_unknown_local_suggests_a_parameter():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action a(order: 0..3) {\n"
        "    require ordr == 1\n"    # 4: ordr at column 13
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:4:13", under="ordr")
    assert "did you mean 'order'?" in first


def test_mdc201_unknown_field():
    result = check(
        "```mdcheck\n"
        "record Page {\n"
        "    refcount: 0..3\n"
        "}\n"
        "var pg: Page\n"
        "invariant ok: pg.refcnt == 0\n"    # 6: the field access starts at column 15
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:6:15", under="pg.refcnt")
    assert "'refcnt'" in first and "did you mean 'refcount'?" in first


def test_mdc201_unknown_type():
    result = check(
        "```mdcheck\n"
        "type Pfn = 0..3\n"
        "var owner: [Pfm] bool\n"    # 3: Pfm at column 13
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:3:13", under="Pfm")
    assert "'Pfm'" in first and "did you mean 'Pfn'?" in first


def test_mdc201_unknown_fn():
    result = check(
        "```mdcheck\n"
        "fn is_free(p: 0..3): bool = p == 0\n"
        "invariant ok: is_fre(1)\n"    # 3: the call at column 15
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:3:15", under="is_fre(1)")
    assert "did you mean 'is_free'?" in first


def test_mdc201_unknown_proc():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "proc take_block() { x = 1 }\n"
        "action a() {\n"
        "    take_blok()\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:5:5", under="take_blok()")
    assert "did you mean 'take_block'?" in first


def test_mdc201_unknown_constant_from_command_line():
    result = check(
        "```mdcheck\n"
        "const NPAGES = 4\n"
        "var x: 0..NPAGES\n"
        "```\n",
        "-D", "NPAGE=8",
    )
    first = expect_error(result, "MDC201")
    assert first.startswith("mdcheck: error[MDC201]: ")
    assert "'NPAGE'" in first and "did you mean 'NPAGES'?" in first


def test_mdc201_unknown_constant_in_a_configuration():
    result = check(
        "```mdcheck\n"
        "const NPAGES = 4\n"
        "var x: 0..NPAGES\n"
        "config small {\n"
        "    NPAGE = 2\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:5:5", under="NPAGE = 2")
    assert "did you mean 'NPAGES'?" in first


def test_mdc201_unknown_action_in_disable():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action alloc_pages() { x = 1 }\n"
        "config c {\n"
        "    disable alloc_page\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:5:5", under="disable alloc_page")
    assert "did you mean 'alloc_pages'?" in first


def test_mdc201_unknown_target_in_use():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action step[a]() { x = 1 }\n"
        "action step[b]() { x = 2 }\n"
        "config c {\n"
        "    use stepp = a\n"    # 6: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:6:5", under="use stepp")
    assert "did you mean 'step'?" in first


# ---------------------------------------------------------------------------
# MDC202: duplicates

def test_mdc202_duplicate_variable():
    result = check(
        "```mdcheck\n"
        "var x: bool\n"    # 2
        "var x: 0..3\n"    # 3
        "```\n"
    )
    first = expect_error(result, "MDC202", "spec.md:3:1", under="var x: 0..3")
    assert "'x'" in first
    assert "spec.md:2:1: note: first defined here" in result.err


def test_mdc202_duplicate_across_blocks_and_kinds():
    result = check(
        "```mdcheck\n"
        "const A = 1\n"            # 2
        "```\n"
        "\n"
        "```mdcheck\n"
        "fn A(): bool = true\n"    # 6
        "```\n"
    )
    expect_error(result, "MDC202", "spec.md:6:1", under="fn A")
    assert "spec.md:2:1: note: first defined here" in result.err


def test_mdc202_duplicate_field():
    result = check(
        "```mdcheck\n"
        "record Page {\n"
        "    flags: u64\n"
        "    flags: u32\n"    # 4: column 5
        "}\n"
        "var pg: Page\n"
        "```\n"
    )
    first = expect_error(result, "MDC202", "spec.md:4:5", under="flags: u32")
    assert "'flags'" in first


def test_mdc202_duplicate_variant():
    result = check(
        "```mdcheck\n"
        "action a[v1]() {}\n"
        "action a[v1]() {}\n"    # 3
        "```\n"
    )
    expect_error(result, "MDC202", "spec.md:3:1", under="action a[v1]")


def test_mdc202_duplicate_configuration():
    result = check(
        "```mdcheck\n"
        "var x: bool\n"
        "config c {}\n"
        "config c {}\n"    # 4
        "```\n"
    )
    expect_error(result, "MDC202", "spec.md:4:1", under="config c")


def test_mdc202_local_declared_twice():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action a() {\n"
        "    let n = 1\n"
        "    let n = 2\n"    # 5: column 5
        "    x = n\n"
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC202", "spec.md:5:5", under="let n = 2")


def test_mdc202_built_in_type_name():
    result = check(
        "```mdcheck\n"
        "type u8 = 0..3\n"    # 2
        "```\n"
    )
    first = expect_error(result, "MDC202", "spec.md:2:1", under="type u8")
    assert "'u8'" in first


# ---------------------------------------------------------------------------
# MDC203-MDC208: imports, configurations, properties, variants, recursion

def test_mdc203_import_not_found():
    result = check(
        "```mdcheck\n"
        "import page_aloc\n"    # 2
        "var x: bool\n"
        "```\n"
    )
    first = expect_error(result, "MDC203", "spec.md:2:1", under="import page_aloc")
    assert "'page_aloc'" in first
    assert hints(result), result.err


def test_mdc204_two_models_import_each_other():
    result = check(
        "```mdcheck\n"
        "import b\n"
        "var x: bool\n"
        "```\n",
        name="a.md",
        files={"b.md": "```mdcheck\nimport a\n```\n"},
    )
    # the import that closes the cycle is line 2 of b.md
    first = expect_error(result, "MDC204", "b.md:2:1", under="import a")
    assert "a.md -> b.md -> a.md" in first


def test_mdc204_model_imports_itself():
    result = check(
        "```mdcheck\n"
        "import spec\n"    # 2
        "var x: bool\n"
        "```\n"
    )
    expect_error(result, "MDC204", "spec.md:2:1", under="import spec")


def test_errors_in_an_imported_model_point_into_it():
    result = check(
        "```mdcheck\n"
        "import pages\n"
        "var x: 0..3\n"
        "```\n",
        name="specs/spec.md",
        files={"models/pages.md": (
            "# Pages\n"                        # 1
            "\n"                               # 2
            "```mdcheck\n"                     # 3
            "var used: [0..3] bol\n"           # 4: bol at column 18
            "```\n"
        )},
    )
    first = expect_error(result, "MDC201", "models/pages.md:4:18", under="bol")
    assert "did you mean 'bool'?" in first


def test_mdc205_unknown_configuration():
    result = check(
        "```mdcheck\n"
        "var x: bool\n"
        "config fixed {}\n"
        "config as_posted {}\n"
        "```\n",
        "--config", "fixd",
    )
    first = expect_error(result, "MDC205")
    assert first.startswith("mdcheck: error[MDC205]: ")
    assert "'fixd'" in first and "did you mean 'fixed'?" in first


def test_mdc206_unknown_property_in_expect():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "invariant bounded: x <= 3\n"
        "config c {\n"
        "    expect bouned violated\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC206", "spec.md:5:5", under="expect bouned")
    assert "'bouned'" in first
    assert "did you mean 'bounded'?" in hints(result)


def test_mdc206_unknown_property_named_by_a_string():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action a() {\n"
        "    assert x < 3, \"x stays small\"\n"
        "}\n"
        "config c {\n"
        "    expect \"x stays smal\" holds\n"    # 7: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC206", "spec.md:7:5", under='expect "x stays smal"')
    assert "'x stays smal'" in first


VARIANTS = (
    "```mdcheck\n"
    "var x: 0..3\n"
    "action step[slow]() {\n"    # 3
    "    x = 1\n"
    "}\n"
    "action step[fast]() {\n"    # 6
    "    x = 2\n"
    "}\n"
)


def test_mdc207_variant_not_chosen_without_configuration():
    result = check(VARIANTS + "```\n")
    first = expect_error(result, "MDC207", "spec.md:3:1", under="action step[slow]")
    assert "'step'" in first and "fast, slow" in first
    assert any("use step" in hint for hint in hints(result)), result.err


def test_mdc207_variant_not_chosen_by_the_configuration():
    result = check(VARIANTS + "config c {}\n```\n")    # config at line 9
    first = expect_error(result, "MDC207", "spec.md:9:1", under="config c")
    assert "'c'" in first


def test_mdc207_unknown_variant():
    result = check(VARIANTS + "config c {\n    use step = fastt\n}\n```\n")    # use at line 10
    first = expect_error(result, "MDC207", "spec.md:10:5", under="use step = fastt")
    assert "'fastt'" in first and "fast, slow" in first
    assert "did you mean 'fast'?" in hints(result)


def test_mdc207_variant_of_an_action_without_variants():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action step() { x = 1 }\n"
        "config c {\n"
        "    use step = fast\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC207", "spec.md:5:5", under="use step")


def test_mdc208_fn_calls_itself():
    result = check(
        "```mdcheck\n"
        "fn depth(n: 0..3): 0..3 = depth(n)\n"    # 2: the inner call at column 27
        "invariant ok: depth(1) == 1\n"
        "```\n"
    )
    first = expect_error(result, "MDC208", "spec.md:2:27", under="depth(n)")
    assert "'depth'" in first


def test_mdc208_fns_call_each_other():
    result = check(
        "```mdcheck\n"
        "fn f(n: 0..3): bool = g(n)\n"
        "fn g(n: 0..3): bool = f(n)\n"    # 3: the call closing the cycle, column 23
        "invariant ok: f(0)\n"
        "```\n"
    )
    expect_error(result, "MDC208", "spec.md:3:23", under="f(n)")


def test_mdc208_proc_calls_itself():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "proc walk() {\n"
        "    x = 0\n"
        "    walk()\n"    # 5: column 5
        "}\n"
        "action a() {\n"
        "    walk()\n"
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC208", "spec.md:5:5", under="walk()")
    assert "'walk'" in first


def test_mdc208_type_refers_to_itself():
    result = check(
        "```mdcheck\n"
        "type Tree = [0..1] Tree\n"    # 2: the inner Tree at column 20
        "var t: Tree\n"
        "```\n"
    )
    expect_error(result, "MDC208", "spec.md:2:20", under="Tree")


def test_mdc207_fn_variant_not_chosen_by_the_configuration():
    result = check(
        "```mdcheck\n"
        "fn cap[low](): int = 1\n"
        "fn cap[high](): int = 3\n"
        "invariant ok: cap() <= 3\n"
        "config c {}\n"    # 5
        "```\n"
    )
    first = expect_error(result, "MDC207", "spec.md:5:1", under="config c")
    assert "fn 'cap' has variants (high, low)" in first
    assert any("use cap = <variant>" in hint for hint in hints(result)), result.err


def test_mdc207_unknown_fn_variant():
    result = check(
        "```mdcheck\n"
        "fn cap[low](): int = 1\n"
        "fn cap[high](): int = 3\n"
        "invariant ok: cap() <= 3\n"
        "config c {\n"
        "    use cap = hihg\n"    # 6
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC207", "spec.md:6:5", under="use cap = hihg")
    assert "'hihg'" in first and "high, low" in first
    assert "did you mean 'high'?" in hints(result)


# ---------------------------------------------------------------------------
# MDC209 is retired: a configuration may disable an invariant (tests/test_config_language.py)
# MDC210-MDC212: configurations that extend others

EXTENDS = (
    "```mdcheck\n"
    "var x: 0..3\n"
    "action step() { x = 1 }\n"
    "invariant small: x <= 3\n"
    "config base {\n"    # 5
    "    disable step\n"
    "}\n"
)


def test_mdc210_extends_an_unknown_configuration():
    result = check(EXTENDS + "config child extends bsae {}\n```\n")    # 8: 'bsae' at column 22
    first = expect_error(result, "MDC210", "spec.md:8:22", under="bsae")
    assert "'child' extends 'bsae'" in first
    assert "did you mean 'base'?" in hints(result)


def test_mdc211_configurations_extend_each_other():
    result = check(EXTENDS + "config a extends b {}\n"    # 8: 'b' at column 18
                   "config b extends a {}\n```\n")
    first = expect_error(result, "MDC211", "spec.md:8:18", under="b")
    assert "'a' extends 'b' extends 'a'" in first
    assert "note: 'b' extends 'a' here" in result.err


def test_mdc211_a_configuration_extends_itself():
    result = check(EXTENDS + "config a extends a {}\n```\n")
    first = expect_error(result, "MDC211", "spec.md:8:18", under="a")
    assert "'a' extends itself: 'a' extends 'a'" in first


def test_mdc212_enable_of_what_the_parent_does_not_disable():
    result = check(EXTENDS + "config child extends base {\n"
                   "    enable step\n"
                   "    enable small\n"    # 10
                   "}\n```\n")
    first = expect_error(result, "MDC212", "spec.md:10:5", under="enable small")
    assert "configuration 'child' enables 'small', which 'base' does not disable" in first


def test_mdc212_enable_in_a_configuration_that_extends_none():
    result = check(EXTENDS + "config lone {\n    enable step\n}\n```\n")    # 9
    first = expect_error(result, "MDC212", "spec.md:9:5", under="enable step")
    assert "it extends no configuration" in first


def test_mdc205_an_abstract_configuration_is_not_checked_alone():
    result = check(EXTENDS.replace("config base", "abstract config base") + "config child extends base {}\n```\n",
                   "--config", "base")
    first = expect_error(result, "MDC205")
    assert "'base' is abstract" in first


def test_mdc205_every_configuration_abstract_checks_nothing():
    result = check(EXTENDS.replace("config base", "abstract config base") + "```\n")
    first = expect_error(result, "MDC205", "spec.md:5:1", under="abstract config base {")
    assert "every configuration of the spec is abstract" in first


def test_mdc206_expecting_a_property_the_configuration_disables():
    result = check(EXTENDS + "config child extends base {\n"
                   "    disable small\n"    # 9
                   "    expect small violated\n"    # 10
                   "}\n```\n")
    first = expect_error(result, "MDC206", "spec.md:10:5", under="expect small violated")
    assert "which it disables" in first
    assert "enable small" in " ".join(hints(result))


# ---------------------------------------------------------------------------
# MDC301-MDC306: types

def test_mdc301_bit_vector_assigned_to_a_range():
    result = check(
        "```mdcheck\n"
        "var n: 0..3\n"
        "var w: u64\n"
        "init {\n"
        "    n = w\n"    # 5: w at column 9
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC301", "spec.md:5:9", under="w")
    assert "u64" in first
    assert any("int(" in hint for hint in hints(result)), result.err


def test_mdc301_mixing_integer_and_bit_vector():
    result = check(
        "```mdcheck\n"
        "var n: 0..3\n"
        "var w: u64\n"
        "invariant ok: n == w\n"    # 4: the comparison starts at column 15
        "```\n"
    )
    expect_error(result, "MDC301", "spec.md:4:15", under="n == w")
    assert any("bit-vector" in hint for hint in hints(result)), result.err


def test_mdc301_invariant_that_is_not_a_condition():
    result = check(
        "```mdcheck\n"
        "var n: 0..3\n"
        "invariant ok: n + 1\n"    # 3: column 15
        "```\n"
    )
    first = expect_error(result, "MDC301", "spec.md:3:15", under="n + 1")
    assert "bool" in first


def test_mdc301_literal_too_wide_for_the_bit_vector():
    result = check(
        "```mdcheck\n"
        "var b: u8\n"
        "init {\n"
        "    b = 256\n"    # 4: column 9
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC301", "spec.md:4:9", under="256")
    assert "u8" in first


def test_mdc301_bitwise_operator_on_integers():
    result = check(
        "```mdcheck\n"
        "var n: 0..3\n"
        "invariant ok: n & 1 == 1\n"    # 3: 'n & 1' at column 15
        "```\n"
    )
    expect_error(result, "MDC301", "spec.md:3:15", under="n & 1")


def test_mdc302_fn_with_too_many_arguments():
    result = check(
        "```mdcheck\n"
        "fn f(v: 0..3): 0..3 = v\n"
        "invariant ok: f(1, 2) == 1\n"    # 3: the call at column 15
        "```\n"
    )
    first = expect_error(result, "MDC302", "spec.md:3:15", under="f(1, 2)")
    assert "'f'" in first and "1" in first and "2" in first


def test_mdc302_proc_with_too_few_arguments():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "proc set(v: 0..3) {\n"
        "    x = v\n"
        "}\n"
        "action a() {\n"
        "    set()\n"    # 7: column 5
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC302", "spec.md:7:5", under="set()")


def test_mdc302_conversion_with_two_arguments():
    result = check(
        "```mdcheck\n"
        "var w: u8\n"
        "invariant ok: u8(1, 2) == w\n"    # 3: the conversion at column 15
        "```\n"
    )
    expect_error(result, "MDC302", "spec.md:3:15", under="u8(1, 2)")


def test_mdc303_assign_to_a_constant():
    result = check(
        "```mdcheck\n"
        "const N = 3\n"
        "var x: 0..3\n"
        "init {\n"
        "    N = 4\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC303", "spec.md:5:5", under="N")
    assert "'N'" in first


def test_mdc303_assign_to_a_parameter():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action a(i: 0..3) {\n"
        "    i = 1\n"    # 4: column 5
        "    x = i\n"
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC303", "spec.md:4:5", under="i")
    assert hints(result), result.err


def test_mdc303_state_written_in_a_fn():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "fn f(): bool {\n"
        "    x = 1\n"    # 4: column 5
        "    return true\n"
        "}\n"
        "invariant ok: f()\n"
        "```\n"
    )
    expect_error(result, "MDC303", "spec.md:4:5", under="x = 1")


def test_mdc303_proc_called_in_an_invariant():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "proc reset() {\n"
        "    x = 0\n"
        "}\n"
        "invariant ok: reset()\n"    # 6: the call at column 15
        "```\n"
    )
    first = expect_error(result, "MDC303", "spec.md:6:15", under="reset()")
    assert "'reset'" in first


def test_mdc303_fn_used_as_a_statement():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "fn double(v: 0..3): 0..6 = v * 2\n"
        "action a() {\n"
        "    double(x)\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC303", "spec.md:5:5", under="double(x)")
    assert "'double'" in first
    assert hints(result), result.err


def test_mdc303_action_called_as_a_statement():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "action a() { x = 1 }\n"
        "action b() {\n"
        "    a()\n"    # 5: column 5
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC303", "spec.md:5:5", under="a()")


def test_mdc304_quantifier_over_u64():
    result = check(
        "```mdcheck\n"
        "var x: u64\n"
        "invariant ok: forall v in u64: v != x || v == x\n"    # 3: u64 at column 27
        "```\n"
    )
    expect_error(result, "MDC304", "spec.md:3:27", under="u64")


def test_mdc304_array_indexed_by_u64():
    result = check(
        "```mdcheck\n"
        "var seen: [u64] bool\n"    # 2: u64 at column 12
        "```\n"
    )
    expect_error(result, "MDC304", "spec.md:2:12", under="u64")


def test_mdc304_loop_over_u8():
    result = check(
        "```mdcheck\n"
        "var x: u8\n"
        "init {\n"
        "    for i in u8 {\n"    # 4: u8 at column 14
        "        x = i\n"
        "    }\n"
        "}\n"
        "```\n"
    )
    expect_error(result, "MDC304", "spec.md:4:14", under="u8")


def test_mdc305_int_has_no_bounds():
    result = check(
        "```mdcheck\n"
        "var total: int\n"    # 2: int at column 12
        "```\n"
    )
    first = expect_error(result, "MDC305", "spec.md:2:12", under="int")
    assert "'int'" in first


@pytest.mark.parametrize("width", ["u65", "u0", "u128"])
def test_mdc305_bit_vector_width_out_of_range(width):
    result = check(
        "```mdcheck\n"
        f"var w: {width}\n"    # 2: the type at column 8
        "```\n"
    )
    first = expect_error(result, "MDC305", "spec.md:2:8", under=width)
    assert f"'{width}'" in first


@pytest.mark.parametrize("width", ["i65", "i0"])
def test_mdc305_signed_bit_vector_width_out_of_range(width):
    result = check(
        "```mdcheck\n"
        f"var w: {width}\n"    # 2: the type at column 8
        "```\n"
    )
    first = expect_error(result, "MDC305", "spec.md:2:8", under=width)
    assert f"'{width}'" in first and "i1 to i64" in first


def test_mdc201_kernel_spelling_s32_suggests_i32():
    result = check(
        "```mdcheck\n"
        "var mapcount: s32\n"    # 2: the type at column 15
        "```\n"
    )
    first = expect_error(result, "MDC201", "spec.md:2:15", under="s32")
    assert "did you mean 'i32'?" in first
    assert any("signed bit-vectors are spelt" in hint for hint in hints(result)), result.err


@pytest.mark.parametrize("line, column, under", [
    ("invariant ok: r < w", 15, "r < w"),            # a comparison: C would compare as unsigned
    ("invariant ok: r + w == r", 15, "r + w"),       # arithmetic
    ("action set() { r = w }", 20, "w"),             # an assignment
])
def test_mdc310_signed_and_unsigned_mixed(line, column, under):
    result = check(
        "```mdcheck\n"
        "var r: i32\n"
        "var w: u32\n"
        f"{line}\n"    # 4
        "```\n"
    )
    first = expect_error(result, "MDC310", f"spec.md:4:{column}", under=under)
    assert "i32" in first and "u32" in first
    assert any("i32(...)" in hint and "u32(...)" in hint for hint in hints(result)), result.err


def test_mdc301_literal_outside_the_signed_range():
    result = check(
        "```mdcheck\n"
        "var r: i32\n"
        "init {\n"
        "    r = 2147483648\n"    # 4: column 9
        "}\n"
        "```\n"
    )
    first = expect_error(result, "MDC301", "spec.md:4:9", under="2147483648")
    assert "i32" in first and "-2147483648..2147483647" in first
    assert any("i32(2147483648)" in hint for hint in hints(result)), result.err


def test_mdc305_int_as_a_fn_result():
    result = check(
        "```mdcheck\n"
        "fn f(): int = 1\n"    # 2: int at column 9
        "invariant ok: f() == 1\n"
        "```\n"
    )
    expect_error(result, "MDC305", "spec.md:2:9", under="int")


def test_mdc306_state_in_a_constant():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "const N = x + 1\n"    # 3: x at column 11
        "```\n"
    )
    first = expect_error(result, "MDC306", "spec.md:3:11", under="x")
    assert "'x'" in first


def test_mdc306_state_in_a_range_bound():
    result = check(
        "```mdcheck\n"
        "var x: 0..3\n"
        "var y: 0..x\n"    # 3: x at column 11
        "```\n"
    )
    expect_error(result, "MDC306", "spec.md:3:11", under="x")


def test_mdc306_call_in_a_constant():
    result = check(
        "```mdcheck\n"
        "fn f(v: 0..3): 0..3 = v\n"
        "const N = f(1)\n"    # 3: the call at column 11
        "var x: 0..N\n"
        "```\n"
    )
    expect_error(result, "MDC306", "spec.md:3:11", under="f(1)")


# ---------------------------------------------------------------------------
# MDC401-MDC403: constants and bounds

SIZED = (
    "```mdcheck\n"
    "const NPAGES = 8\n"
    "type Pfn = 0..NPAGES - 1\n"    # 3: the range at column 12
    "var used: [Pfn] bool\n"        # 4: Pfn at column 12
    "```\n"
)


@pytest.mark.parametrize("define", ["NPAGES=lots", "NPAGES", "NPAGES=", "8=8", "NPAGES=1.5"])
def test_mdc401_bad_define(define):
    first = expect_error(check(SIZED, "-D", define), "MDC401")
    assert first.startswith("mdcheck: error[MDC401]: ")


def test_mdc401_boolean_for_an_integer_constant():
    # The value on the command line is wrong, not the spec: blame -D.
    first = expect_error(check(SIZED, "-D", "NPAGES=true"), "MDC401")
    assert first.startswith("mdcheck: error[MDC401]: ") and "NPAGES" in first


def test_mdc402_define_makes_an_array_too_large():
    result = check(SIZED, "-D", "NPAGES=100000")
    first = expect_error(result, "MDC402", "spec.md:4:12", under="Pfn")
    assert "100000" in first


def test_mdc402_range_too_large_as_an_array_index():
    result = check(
        "```mdcheck\n"
        "var seen: [0..4999] bool\n"    # 2: the range at column 12
        "```\n"
    )
    first = expect_error(result, "MDC402", "spec.md:2:12", under="0..4999")
    assert "5000" in first


def test_mdc402_quantifier_over_too_many_values():
    result = check(
        "```mdcheck\n"
        "var x: bool\n"
        "invariant ok: forall i in 0..4999: i >= 0\n"    # 3: the range at column 27
        "```\n"
    )
    expect_error(result, "MDC402", "spec.md:3:27", under="0..4999")


def _doubling_calls(kind: str, levels: int) -> str:
    """`levels` fns (or procs) each calling the one before twice: 2**levels bodies inlined."""
    lines = ["```mdcheck", "var x: u64"]
    if kind == "fn":
        lines.append("fn f0(a: u64): u64 = a")
        lines += [f"fn f{i}(a: u64): u64 = f{i - 1}(a) + f{i - 1}(a + 1)" for i in range(1, levels + 1)]
        lines.append(f"invariant ok: f{levels}(x) == 0 || true")
    else:
        lines.append("proc p0() { x = x + 1 }")
        lines += [f"proc p{i}() {{ p{i - 1}()\n p{i - 1}() }}" for i in range(1, levels + 1)]
        lines.append(f"action go() {{ require x == 0\n p{levels}() }}")
        lines.append("invariant ok: true")
    return "\n".join(lines + ["```", ""])


@pytest.mark.parametrize("kind, line", [("fn", 23), ("proc", 42)])
def test_mdc402_calls_that_inline_to_too_many_bodies(kind, line):
    # Every call is inlined: forty doubling levels would be 2**40 bodies. The first level
    # over the limit (2**21 - 1 bodies) is the error, at its declaration.
    first = expect_error(check(_doubling_calls(kind, 40)), "MDC402", f"spec.md:{line}:1")
    assert f"{kind} '{kind[0]}20' expands to 2097151 {kind} bodies" in first


@pytest.mark.parametrize("kind", ["fn", "proc"])
def test_calls_that_inline_to_fewer_bodies_than_the_limit_check(kind):
    result = check(_doubling_calls(kind, 12), "--depth", "1", "--engine", "bmc")
    assert result.code == 0, result.err


def test_mdc402_define_wider_than_64_bits():
    first = expect_error(check(SIZED, "-D", "NPAGES=0x1_0000_0000_0000_0000"), "MDC402")
    assert first.startswith("mdcheck: error[MDC402]: ")


def test_mdc402_state_too_large():
    result = check(
        "```mdcheck\n"
        "var grid: [0..4000] [0..4000] bool\n"
        "```\n"
    )
    expect_error(result, "MDC402")


def test_mdc403_empty_range():
    result = check(
        "```mdcheck\n"
        "var x: 3..1\n"    # 2: the range at column 8
        "```\n"
    )
    first = expect_error(result, "MDC403", "spec.md:2:8", under="3..1")
    assert "3..1" in first


def test_mdc403_define_empties_a_range():
    result = check(SIZED, "-D", "NPAGES=0")
    first = expect_error(result, "MDC403", "spec.md:3:12", under="0..NPAGES - 1")
    assert "0..-1" in first


def test_mdc402_expression_nested_too_deeply():
    chain = " + ".join(["1"] * 3000)
    result = check("```mdcheck\nconst A = " + chain + "\nvar x: 0..3\n```\n")
    first = expect_error(result, "MDC402")
    assert "spec.md" in first


# ---------------------------------------------------------------------------
# MDC501: command line

@pytest.mark.parametrize("args", [
    ["--depth", "-1"],
    ["--depth", "1001"],
    ["--depth", "six"],
    ["--timeout", "0"],
    ["--timeout", "-5"],
    ["--frobnicate"],
])
def test_mdc501_bad_usage(args):
    result = check("```mdcheck\nvar x: bool\n```\n", *args)
    first = expect_error(result, "MDC501")
    assert first.startswith("mdcheck: error[MDC501]: ")
    assert "usage: mdcheck" in result.err


def test_mdc501_no_spec_given():
    out, err = io.StringIO(), io.StringIO()
    code = run([], out, err)
    assert code == 3
    assert err.getvalue().startswith("mdcheck: error[MDC501]: ")
    assert "Traceback" not in err.getvalue()


# ---------------------------------------------------------------------------
# rendering

def test_caret_under_the_token_on_a_tab_indented_line():
    result = check(
        "```mdcheck\n"
        "var nr_free: 0..8\n"
        "invariant ok:\n"
        "\tnr_fre <= 8\n"    # 4
        "```\n"
    )
    expect_error(result, "MDC201")
    lines = result.err.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("    4 | "))
    caret = lines[i + 1]
    assert lines[i][caret.index("^"):].startswith("nr_fre"), result.err


def test_console_script_module_reports_a_spec_error(tmp_path):
    (tmp_path / "broken.md").write_text("```mdcheck\nvar x: 0..3\ninvariant ok: x = 1\n```\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("MDCHECK_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "checker.cli", "broken.md", "--depth", "0"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HANG_SECONDS)
    assert proc.returncode == 3, proc.stderr
    assert "broken.md:3:17: error[MDC101]" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
