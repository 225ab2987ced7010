"""Golden outputs: each tests/golden/NAME.md is run through the CLI and compared with NAME.expect.

The first line of a golden spec may hold the arguments, as `<!-- mdcheck: ARGS -->`; the
spec path is appended. `pytest --update-golden` rewrites the .expect files; review the diff.
A golden case can also name a spec elsewhere in the repository with `<!-- mdcheck-spec: PATH -->`.
"""
from __future__ import annotations

import io
import os
import re
import shlex
from pathlib import Path

import pytest

from checker.cli import run

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.md"))


def _invocation(spec: Path) -> list[str]:
    head = spec.read_text().splitlines()[:2]
    args: list[str] = []
    target = str(spec.relative_to(REPO))
    for line in head:
        if m := re.match(r"<!-- mdcheck: (.*) -->", line):
            args = shlex.split(m.group(1))
        if m := re.match(r"<!-- mdcheck-spec: (.*) -->", line):
            target = m.group(1)
    return ["--no-timing", *args, target]


def _observe(spec: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        code = run(_invocation(spec), out, err)
    finally:
        os.chdir(cwd)
    return f"$ mdcheck {' '.join(_invocation(spec))}\n{out.getvalue()}{err.getvalue()}[exit {code}]\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, update_golden: bool) -> None:
    spec = GOLDEN / f"{name}.md"
    expect = GOLDEN / f"{name}.expect"
    observed = _observe(spec)
    if update_golden or not expect.exists():
        expect.write_text(observed)
        if not update_golden:
            pytest.fail(f"{expect.name} was missing and has been written; review it and run again")
        return
    assert observed == expect.read_text(), f"output of {name} changed; run pytest --update-golden and review"


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 5
