"""`mdcheck completion bash|zsh` (issue 21): scripts made from the option parsers, run by the
real shells: options, choices, and `--config`/`--property` completed with the names the
spec on the command line declares."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from checker.cli import run
from checker.cli.completion import _parsers, flags_of

ROOT = Path(__file__).resolve().parent.parent
HANG = 300  # seconds: only a hang fails


def _script(shell: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert run(["completion", shell], out, err) == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture
def shim(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has an `mdcheck` running this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mdcheck").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m checker.cli "$@"\n')
    (bin_dir / "mdcheck").chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _bash_complete(script: Path, env: dict[str, str], *words: str) -> list[str]:
    driver = textwrap.dedent(f'''\
        source {script}
        COMP_WORDS=({" ".join(repr(w) for w in words)})
        COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
        _mdcheck
        printf '%s\\n' "${{COMPREPLY[@]}}"
        ''')
    done = subprocess.run(["bash", "-c", driver], capture_output=True, text=True, env=env, cwd=ROOT, timeout=HANG)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_options_choices_commands_and_the_specs_names(tmp_path: Path, shim: dict[str, str]) -> None:
    script = tmp_path / "mdcheck.bash"
    script.write_text(_script("bash"))
    assert _bash_complete(script, shim, "mdcheck", "--eng") == ["--engine"]
    assert _bash_complete(script, shim, "mdcheck", "x.md", "--engine", "") == ["auto", "pdr", "bmc", "explicit", "abc"]
    assert _bash_complete(script, shim, "mdcheck", "specs/ptdesc_tags.md", "--config", "") == ["as_posted", "fixed"]
    assert _bash_complete(script, shim, "mdcheck", "specs/ptdesc_tags.md", "--property", "tail_") == \
        ["tail_pages_tagged"]
    assert _bash_complete(script, shim, "mdcheck", "sim") == ["simulate"]
    assert _bash_complete(script, shim, "mdcheck", "simulate", "--se") == ["--seed"]
    assert _bash_complete(script, shim, "mdcheck", "layout-check", "--snap") == ["--snapshot"]
    assert _bash_complete(script, shim, "mdcheck", "x.md", "--depth", "") == []  # a number: nothing to offer
    assert "specs/ptdesc.md" in _bash_complete(script, shim, "mdcheck", "specs/pt")


def test_every_option_of_every_command_is_in_both_scripts() -> None:
    bash, zsh = _script("bash"), _script("zsh")
    for parser in _parsers().values():
        for flag in flags_of(parser):
            for spelling in flag.spellings:
                assert spelling in bash and spelling in zsh, spelling


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (apt-get install zsh)")
def test_zsh_reads_the_script(tmp_path: Path) -> None:
    script = tmp_path / "_mdcheck"
    script.write_text(_script("zsh"))
    done = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr


ZPTY_DRIVER = r'''
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; setopt nobeep"
zpty -n -w z "$2"$'\t'
local out all=""
for i in {1..%(polls)d}; do
  sleep 0.2
  while zpty -rt z out 2>/dev/null; do all+=$out; done
  [[ "$all" == *"$3"* ]] && break
done
print -r -- "$all"
zpty -d z
'''


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (apt-get install zsh)")
def test_zsh_completes_the_configurations_of_the_spec(tmp_path: Path, shim: dict[str, str]) -> None:
    (tmp_path / "_mdcheck").write_text(_script("zsh"))
    driver = tmp_path / "driver.zsh"
    driver.write_text(ZPTY_DRIVER % {"polls": HANG * 5})
    started = time.monotonic()
    done = subprocess.run(["zsh", str(driver), str(tmp_path), "mdcheck specs/ptdesc_tags.md --config ", "fixed"],
                          capture_output=True, text=True, env=shim, cwd=ROOT, timeout=HANG + 60)
    assert "as_posted" in done.stdout and "fixed" in done.stdout, (done.stdout[-2000:], time.monotonic() - started)


def test_names_of_a_spec_that_does_not_read_are_none_and_quiet(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("```mdcheck\nvar x: 0..\n```\n")
    out, err = io.StringIO(), io.StringIO()
    assert run(["completion", "names", "configs", str(broken), str(ROOT / "specs/ptdesc_tags.md")], out, err) == 0
    assert out.getvalue().split() == ["as_posted", "fixed"] and err.getvalue() == ""


def test_an_unknown_shell_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["completion", "fish"], out, err) == 3
    assert "error[MDC501]: completion: expected bash or zsh, not fish" in err.getvalue()
