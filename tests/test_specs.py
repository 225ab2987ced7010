"""The shipped specs, models and README examples, checked as a user would run them."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from checker.cli import run
from checker.engines.concrete.replay import replay
from checker.engines.symbolic import bmc
from checker.engines.verdict import HoldsToDepth, Violated
from checker.frontend.loader import load_spec
from checker.frontend.parser import parse_block
from checker.frontend.source import ModelBlock
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parent.parent
PTDESC = REPO / "specs" / "ptdesc_tags.md"
POISON2 = 0xDEAD000000000122


def _model(config: str, overrides: dict | None = None):
    return lower(collect_declarations(load_spec(str(PTDESC))), config, overrides or {})


def test_as_posted_finds_the_patch6_tail_page_bug_at_depth_1():
    model = _model("as_posted")
    verdicts = bmc.check(model, bmc.BmcOptions(1)).verdicts
    verdict = verdicts["tail_pages_tagged"]
    assert isinstance(verdict, Violated) and verdict.depth == 1
    (step,) = verdict.trace.steps
    args = dict(step.args)
    assert step.action == "pagetable_alloc" and args["order"] >= 1
    pages = step.state["pages"]
    head = args["head"]
    memdesc = [page[1] for page in pages]  # Page.memdesc is the second field
    assert memdesc[head] & 0xF == 15, "the head page carries the page-table tag"
    tails = range(head + 1, head + (1 << args["order"]))
    assert all(memdesc[p] == POISON2 for p in tails), "tail pages keep LIST_POISON2"
    evidence = replay(model, verdict.trace, model.property("tail_pages_tagged"))
    assert {n: v for n, v, _ in evidence.instance.bindings}["p"] in tails


def test_as_posted_finds_the_ptdesc_leak_at_depth_2_and_nothing_else():
    model = _model("as_posted")
    verdicts = bmc.check(model, bmc.BmcOptions(3)).verdicts
    leak = verdicts["ptdesc_freed_with_table"]
    assert isinstance(leak, Violated) and leak.depth == 2
    assert [s.action for s in leak.trace.steps] == ["pagetable_alloc", "pte_free"]
    unexpected = [n for n, v in verdicts.items()
                  if isinstance(v, Violated) and model.property(n).expect != "violated"]
    assert unexpected == []


def test_fixed_configuration_holds_to_depth_3():
    model = _model("fixed")
    verdicts = bmc.check(model, bmc.BmcOptions(3)).verdicts
    assert {n: type(v).__name__ for n, v in verdicts.items()} == \
        {n: "HoldsToDepth" for n in verdicts}
    assert all(v.depth == 3 for v in verdicts.values() if isinstance(v, HoldsToDepth))


@pytest.mark.slow
def test_fixing_only_the_loop_still_leaks_the_ptdesc():
    spec = PTDESC.read_text().replace(
        "use write_block_memdesc = as_posted", "use write_block_memdesc = fixed")
    path = REPO / "specs" / "_loop_fixed_only.md"  # beside the original, so `import page_alloc` resolves
    path.write_text(spec)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run([str(path), "--config", "as_posted", "--depth", "2", "--no-timing", "--summary-table"], out, err)
    finally:
        path.unlink()
    assert code == 1, err.getvalue()
    # with the loop fixed, the tail-page bug is gone for every depth (1-inductive)
    assert re.search(r"as_posted\s+tail_pages_tagged\s+invariant\s+violated\s+PROVED \(k-induction, k=1\)\s+all"
                     r"\s+UNEXPECTED", out.getvalue()), out.getvalue()
    assert "the bug no longer reproduces" in out.getvalue()


def test_larger_configuration_from_the_command_line():
    model = _model("as_posted", {"NPAGES": 16})
    verdict = bmc.check(model, bmc.BmcOptions(1)).verdicts["tail_pages_tagged"]
    assert isinstance(verdict, Violated) and len(verdict.trace.initial["pages"]) == 16


# The README's first command runs in tests/test_ci_examples.py, beside the CI examples.


def test_readme_starts_with_the_two_commands():
    lines = (REPO / "README.md").read_text().splitlines()
    fence = lines.index("```sh")
    assert lines[fence + 1] == "python3 -m pip install . && mdcheck specs/ptdesc.md"
    test_command = ("apt-get update && apt-get install -y berkeley-abc zsh && python3 -m pip install -e '.[test]' && "
                    "python3 -m pytest -q -n auto")
    assert lines[fence + 2] == test_command
    assert test_command in (REPO / ".ci" / "run").read_text().splitlines(), "CI runs the README's test command"


def test_readme_examples_parse():
    text = (REPO / "README.md").read_text()
    examples = re.findall(r"```mdcheck-example\n(.*?)```", text, re.S)
    assert len(examples) >= 6
    for i, example in enumerate(examples):
        # the examples show fragments: wrap bare expressions and statements so they parse
        if example.lstrip().startswith(("forall", "exists", "sum", "count")):
            example = "\n".join(f"invariant example_{n}: {line}"
                                for n, line in enumerate(example.strip().splitlines()))
        parse_block(ModelBlock(f"README example {i}", 1, example))


def test_readme_tiny_spec_runs(tmp_path):
    text = (REPO / "README.md").read_text()
    tiny = re.search(r"````markdown\n(.*?)````", text, re.S).group(1)
    spec = tmp_path / "tiny.md"
    spec.write_text(tiny)
    out, err = io.StringIO(), io.StringIO()
    code = run([str(spec), "--no-timing", "--depth", "4", "-v"], out, err)
    assert code == 1
    assert "invariant 'below_limit' VIOLATED at depth 3" in out.getvalue()
