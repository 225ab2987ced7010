"""Berkeley ABC as a subprocess: where it is, and running its scripts under a deadline.

Several scripts can run at once (a portfolio); `race` returns when one's answer is
conclusive, or the race is settled elsewhere, and stops the others. No solver here, and no
parsing of what ABC proved: that is for the callers, which re-check it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# the names ABC's binary has: Debian's package, a build from source, Yosys' copy
BINARY_NAMES = ("berkeley-abc", "abc", "yosys-abc")
INSTALL_HINT = ("Berkeley ABC was not found: install it with `apt-get install berkeley-abc` (Debian, Ubuntu), "
                "or put an `abc` binary on PATH, or name it in MDCHECK_ABC")


class AbcMissing(Exception):
    pass


def find_abc() -> str:
    """The ABC binary: $MDCHECK_ABC, else the first of BINARY_NAMES on PATH."""
    named = os.environ.get("MDCHECK_ABC")
    if named:
        found = shutil.which(named)
        if found is None:
            raise AbcMissing(f"MDCHECK_ABC names '{named}', which is not an executable")
        return found
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise AbcMissing(INSTALL_HINT)


@dataclass(frozen=True)
class Script:
    name: str        # what it is, for notes: "bmc3", "scorr+pdr"
    commands: str    # ABC's commands, `;`-separated, run in the work directory
    directory: str = ""  # ... or in this directory of it (for scripts that write files of the same name)


@dataclass(frozen=True)
class Answer:
    script: Script
    output: str          # what ABC printed (stdout and stderr)
    seconds: float
    status: str          # "done", "timeout", "crashed", "stopped" (another script answered first)
    returncode: int | None = None

    @property
    def reason(self) -> str:
        if self.status == "crashed":
            return f"ABC stopped with exit code {self.returncode} in {self.script.name}"
        return self.status


def run(binary: str, script: Script, workdir: Path, deadline: float | None) -> Answer:
    return race(binary, [script], workdir, deadline, lambda answer: True)[0]


def race(binary: str, scripts: list[Script], workdir: Path, deadline: float | None,
         conclusive: Callable[[Answer], bool], settled: Callable[[], bool] = lambda: False) -> list[Answer]:
    """Run the scripts at once; when one ends with a conclusive answer (`conclusive` hears
    each answer as it comes), or `settled` says the race is decided (it is asked while
    scripts run), stop the rest. Returns every script's answer, in the order given."""
    started = time.monotonic()
    logs = {k: workdir / f"abc-{k}-{s.name}.log" for k, s in enumerate(scripts)}
    running: dict[int, subprocess.Popen] = {}
    for k, s in enumerate(scripts):
        with open(logs[k], "w") as log:  # a file, not a pipe: a full pipe would stop ABC
            running[k] = subprocess.Popen([binary, "-c", s.commands], cwd=workdir / s.directory, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    answers: dict[int, Answer] = {}

    def printed(k: int) -> str:
        return logs[k].read_text(errors="replace")
    try:
        while running:
            for k, process in list(running.items()):
                if process.poll() is None:
                    continue
                output = printed(k)
                status = "done" if process.returncode == 0 else "crashed"
                answers[k] = Answer(scripts[k], output, time.monotonic() - started, status, process.returncode)
                del running[k]
                if status == "done" and conclusive(answers[k]):
                    for j in list(running):
                        _stop(running.pop(j))
                        answers[j] = Answer(scripts[j], printed(j), time.monotonic() - started, "stopped")
                    break
            if running and settled():
                for j in list(running):
                    _stop(running.pop(j))
                    answers[j] = Answer(scripts[j], printed(j), time.monotonic() - started, "stopped")
            if deadline is not None and time.monotonic() >= deadline:
                for j in list(running):
                    _stop(running.pop(j))
                    answers[j] = Answer(scripts[j], printed(j), time.monotonic() - started, "timeout")
            if running:
                time.sleep(0.02)
    finally:
        for process in running.values():
            process.kill()
            process.wait()
    return [answers[k] for k in range(len(scripts))]


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()
