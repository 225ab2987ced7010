"""Hostile input: whatever it is given, mdcheck answers with an exit code, never a traceback.

A spec or usage error exits 3 with `error[MDCnnn]` diagnostics (a registered code; a
located one drawn with its source line and a caret), an outcome exits 0, 1 or 2, and
nothing exits 4 ("internal error": a bug in mdcheck). Every run ends within a wall-clock
bound and, where a test measures it, without a large memory peak.

1. generated garbage: random bytes, random text, random text inside an mdcheck fence,
   random specs built from the language's grammar (BMC, explicit engine, simulation),
   random command lines;
2. the real specs and models, truncated and mutated (lines deleted and duplicated, tokens
   swapped, dropped or replaced, identifiers exchanged, characters inserted);
3. huge constants and bounds, deep nesting, big files, many actions;
4. `--timeout` gives UNKNOWN in time, never HOLDS or PROVED;
5. files that are missing, directories, unreadable, without mdcheck blocks.

Tests marked `xfail(strict=True)` pin bugs found by this file; each flips to a failure
(XPASS) once its bug is fixed, and the mark should then go.

Hypothesis follows the profile tests/conftest.py loads (MDCHECK_HYPOTHESIS_PROFILE, "ci"
by default): the example counts below are for "ci" and scale with the profile's
max_examples; "long" also turns derandomization off.
"""
from __future__ import annotations

import io
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from wall import HANG_SECONDS, TIMEOUT_SLACK

from checker.cli import run
from checker.frontend.diagnostics import CODES, SpecError
from checker.frontend.loader import MAX_SPEC_BYTES, load_spec
from checker.typecheck import collect_declarations, configuration_names, lower

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
MODELS = REPO / "models"
PTDESC = REPO / "specs" / "ptdesc.md"
PTDESC_TAGS = REPO / "specs" / "ptdesc_tags.md"
SMALL_SPECS = ("counter.md", "layout_views.md", "assert_in_fn.md", "diag_syntax.md",
               "diag_type_mismatch.md", "diag_unknown_field.md")

IN_PROCESS_LIMIT = 60.0        # seconds one in-process run may take before the test calls it a hang
WALL_BOUND = HANG_SECONDS      # seconds a hostile run (huge bounds, big files) may take
ADDRESS_SPACE = 3 << 30        # RLIMIT_AS of a subprocess run: a runaway allocation fails, not the machine
MODEST_RSS_MIB = 1024          # peak resident memory a hostile run may reach
MODEST_GROWTH_MIB = 1024       # growth of this process's peak RSS over one in-process test
IN_PROCESS_HEADROOM = 2 << 30  # address space an in-process run may add (RLIMIT_AS, soft, while it runs)


# ---------------------------------------------------------------------------
# hypothesis settings: the profile conftest.py loaded, scaled

def _profile() -> tuple[settings, float]:
    name = os.environ.get("MDCHECK_HYPOTHESIS_PROFILE", "ci")
    try:
        active = settings.get_profile(name)
        reference = settings.get_profile("ci")
        return active, active.max_examples / reference.max_examples
    except InvalidArgument:  # conftest registered no such profiles: the settings the brief fixed
        return settings(deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                               HealthCheck.filter_too_much]), 1.0


_BASE, _SCALE = _profile()


def fuzz(examples: int) -> settings:
    """`examples` cases under the "ci" profile, scaled for the others."""
    return settings(_BASE, max_examples=max(1, round(examples * _SCALE)), deadline=None)


# ---------------------------------------------------------------------------
# running mdcheck

@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mib: float = 0.0   # subprocess runs only
    killed: bool = False       # subprocess runs only: still running at the bound, killed

    def shown(self, what: str = "") -> str:
        return (f"{what}\nexit {self.code}, {self.seconds:.1f} s, max RSS {self.max_rss_mib:.0f} MiB"
                f"{', KILLED at the bound' if self.killed else ''}\n"
                f"--- stderr ---\n{self.err[-3000:]}\n--- stdout ---\n{self.out[-1500:]}")


class NoAnswer(BaseException):
    """An in-process run went past IN_PROCESS_LIMIT (BaseException: mdcheck's
    `except Exception` must not turn it into an exit code)."""


@contextmanager
def memory_guard(headroom: int = IN_PROCESS_HEADROOM):
    """Lower this process's soft RLIMIT_AS to its current size plus `headroom` while the
    block runs: a runaway allocation becomes a MemoryError, not a machine out of memory."""
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + headroom
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_cli(argv: Sequence[str], limit: float = IN_PROCESS_LIMIT) -> Result:
    """`checker.cli.run` in this process, with a watchdog and a memory guard."""
    argv = [str(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()

    def expire(signum, frame):
        raise NoAnswer(f"mdcheck {' '.join(argv)}: no answer within {limit:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    started = time.monotonic()
    try:
        with memory_guard():
            code = run(argv, out, err)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Result(code, out.getvalue(), err.getvalue(), time.monotonic() - started)


class Launched:
    """`python -m checker.cli ARGV` in a subprocess under RLIMIT_AS, killed at `kill_after`
    seconds; reaped by a thread so that its end time and peak RSS are its own."""

    def __init__(self, argv: Sequence[str], cwd: Path, kill_after: float,
                 address_space: int = ADDRESS_SPACE):
        self.argv = [str(a) for a in argv]
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        env = {k: v for k, v in os.environ.items() if k != "MDCHECK_DEBUG"}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

        self.killed = False
        self.seconds = 0.0
        self.max_rss_kib = 0
        self._done = threading.Event()
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "checker.cli", *self.argv], cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err,
                                     env=env, preexec_fn=limits, start_new_session=True)
        threading.Thread(target=self._reap, daemon=True).start()
        self._timer = threading.Timer(kill_after, self.kill)
        self._timer.daemon = True
        self._timer.start()

    def _reap(self) -> None:
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.seconds = time.monotonic() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.max_rss_kib = usage.ru_maxrss
        self._done.set()

    def kill(self) -> None:
        if not self._done.is_set():
            self.killed = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: this child and its threads
            except ProcessLookupError:
                pass

    def result(self) -> Result:
        self._done.wait()
        self._timer.cancel()
        if getattr(self, "_result", None) is not None:  # asked again (the fixture's teardown)
            return self._result
        texts = []
        for f in (self._out, self._err):
            f.seek(0)
            texts.append(f.read().decode("utf-8", "replace"))
            f.close()
        self._result = Result(self.proc.returncode, texts[0], texts[1], self.seconds, self.max_rss_kib / 1024,
                              self.killed)
        return self._result


def run_subprocess(argv: Sequence[str], cwd: Path, bound: float = WALL_BOUND,
                   address_space: int = ADDRESS_SPACE) -> Result:
    return Launched(argv, cwd, bound, address_space).result()


_LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>MDC\d{3})\]: ")


def assert_answered(result: Result, what: str = "") -> None:
    """An exit code of 0-3, no traceback, no internal error; a spec error carries
    registered codes, and a located diagnostic shows its line with a caret."""
    shown = result.shown(what)
    assert not result.killed, shown
    assert "Traceback" not in result.out and "Traceback" not in result.err, shown
    assert "internal error" not in result.err, shown
    assert result.code in (0, 1, 2, 3), shown
    if result.code != 3:
        return
    codes = re.findall(r"error\[(MDC\d{3})\]", result.err)
    assert codes, shown
    assert set(codes) <= set(CODES), shown
    lines = result.err.splitlines()
    for i, line in enumerate(lines):
        m = _LOCATED.match(line)
        if m is None:
            continue
        gutter = f"{int(m['line']):>5} | "
        assert i + 2 < len(lines) and lines[i + 1].startswith(gutter), \
            f"no source line under a located diagnostic\n{shown}"
        assert "^" in lines[i + 2], f"no caret under a located diagnostic\n{shown}"


def assert_spec_error(result: Result, code: str, what: str = "") -> None:
    assert_answered(result, what)
    assert result.code == 3 and f"error[{code}]" in result.err, result.shown(what)


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("MDCHECK_DEBUG", raising=False)  # with it, mdcheck re-raises its own bugs


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A directory with a copy of models/, so that `import NAME` in a spec written here
    finds the real models (an import is looked up next to the spec, then in models/)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(MODELS, root / "models")
    return root


_counter = iter(range(10 ** 9))


def write(directory: Path, content: str | bytes, name: str = "spec") -> Path:
    path = directory / f"{name}_{next(_counter)}.md"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


def fence(body: str) -> str:
    return "```mdcheck\n" + body + "\n```\n"


# ---------------------------------------------------------------------------
# 1. generated garbage

FENCES = ["```mdcheck\n", "~~~mdcheck\n", "```mdcheck extra words\n", "- ```mdcheck\n  ", "> ```mdcheck\n> ",
          "   ```mdcheck\n", "\ufeff```mdcheck\n", "```mdcheck\r\n"]
CLOSERS = ["\n```\n", "", "\n", "\n```\n```mdcheck\n}\n```\n", "\n~~~\n", "\n```\n\x00"]
ATOMS = """var x y a b T E R N : u64 u8 u1 u0 u65 bool int 0..3 0.. .. init { } ( ) [ ] = == != + - * / %
<< >> < > <= >= & | ^ ~ ! && || => ? , ; . action proc fn return let if else for in require assert
forall exists sum count invariant ok config use expect violated holds depth disable import const type
enum record layout view of word bit static_assert offsetof sizeof symbol true false 0 1 7 64 4096
0xff 0b101 18446744073709551616 -1 "s" " // # ``` ~~~ <!-- --> \\ @ $ _ 1_0 0x 0b""".split()
ODD = ["\n", " ", "\t", "\r", "\x0b", "\x0c", "\u2028", "\x85", "\x1b", "\ufeff", "\u200b", "é", "ℕ",
       "\U0001F600", "\ud800", "\\n", "\"\n\""]

garbage_tokens = st.lists(st.one_of(st.sampled_from(ATOMS), st.sampled_from(ODD), st.text(max_size=3)),
                          max_size=80).map(" ".join)


@fuzz(250)
@given(data=st.one_of(
    st.binary(max_size=3000),
    st.tuples(st.sampled_from([f.encode("utf-8") for f in FENCES]), st.binary(max_size=500),
              st.sampled_from([c.encode("utf-8") for c in CLOSERS])).map(b"".join),
))
def test_random_bytes(work, data):
    path = write(work, data, "bytes")
    assert_answered(run_cli([path, "--depth", "1", "--timeout", "10"]), repr(data[:300]))


@fuzz(150)
@given(text=st.text(max_size=2000))
def test_random_text(work, text):
    path = write(work, text, "text")
    assert_answered(run_cli([path, "--depth", "1", "--timeout", "10"]), repr(text[:300]))


@fuzz(400)
@given(opening=st.sampled_from(FENCES), body=st.one_of(garbage_tokens, st.text(max_size=400)),
       closing=st.sampled_from(CLOSERS), depth=st.sampled_from(["0", "1"]))
@pytest.mark.slow
def test_random_text_in_a_fence(work, opening, body, closing, depth):
    text = opening + body + closing
    path = write(work, text, "fenced")
    assert_answered(run_cli([path, "--depth", depth, "--timeout", "10"]), repr(text[:400]))


# --- specs generated from the grammar: well-formed enough to reach the type checker and the engines

BIG = [0, 1, 2, 3, 7, 8, 15, 63, 64, 65, 255, 4095, 4096, 4097, 65535, 65536, 2 ** 31, 2 ** 32,
       2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 100, 10 ** 12]


class Chooser:
    """The generator's source of choices: hypothesis draws."""

    def __init__(self, draw):
        self._draw = draw

    def choice(self, seq):
        return self._draw(st.sampled_from(list(seq)))

    def int(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def chance(self, percent: int) -> bool:
        return self._draw(st.integers(0, 99)) < percent


class SpecGenerator:
    """A random spec of constants, enums, scalar and array variables, a layout, fns,
    procs, init, actions, invariants and a configuration; expressions mostly well typed.

    With `concrete_init`, init assigns (nearly) every variable a literal: the explicit
    engine and simulation then get past listing initial states to the search itself.
    """

    def __init__(self, c: Chooser, concrete_init: bool = False):
        self.c = c
        self.concrete_init = concrete_init
        self.lines: list[str] = []
        self.consts: list[str] = []
        self.scalars: dict[str, tuple] = {}  # name -> ("int", lo, hi) | ("bits", w) | ("bool",) | ("enum", E)
        self.arrays: dict[str, tuple] = {}   # name -> (size, element kind, index type)
        self.enums: dict[str, list[str]] = {}
        self.fns: list[tuple[str, list[tuple]]] = []
        self.procs: list[tuple[str, list[tuple]]] = []
        self.props: list[str] = []
        self.actions: list[str] = []
        self.layout = False
        self.n = 0

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def number(self) -> str:
        c = self.c
        v = c.choice(BIG) if c.chance(30) else c.int(0, 9)
        form = c.int(0, 5)
        if form == 0:
            return hex(v)
        if form == 1 and v < 2 ** 16:
            return bin(v)
        return str(v)

    # expressions
    def int_atom(self, env: dict) -> str:
        c = self.c
        options = ["num"]
        if self.consts:
            options.append("const")
        names = [n for n, k in {**self.scalars, **env}.items() if k[0] == "int"]
        if names:
            options += ["name", "name"]
        arrays = [n for n, a in self.arrays.items() if a[1][0] == "int"]
        if arrays:
            options.append("array")
        pick = c.choice(options)
        if pick == "num":
            return self.number()
        if pick == "const":
            return c.choice(self.consts)
        if pick == "name":
            return c.choice(names)
        name = c.choice(arrays)
        return f"{name}[{self.index(name, env)}]"

    def index(self, array: str, env: dict) -> str:
        size = self.arrays[array][0]
        if self.c.chance(70):
            return str(self.c.int(0, size if self.c.chance(10) else size - 1))
        return self.int_expr(env, 1)

    def int_expr(self, env: dict, depth: int = 2) -> str:
        c = self.c
        if depth <= 0 or c.chance(35):
            return self.int_atom(env)
        kind = c.int(0, 6)
        a, b = self.int_expr(env, depth - 1), self.int_expr(env, depth - 1)
        if kind <= 2:
            return f"({a} {c.choice('+-*/%')} {b})"
        if kind == 3:
            return f"({self.bool_expr(env, depth - 1)} ? {a} : {b})"
        if kind == 4:
            return f"-{a}"
        if kind == 5:
            return f"int({self.bits_expr(env, c.choice([1, 8, 32, 64]), depth - 1)})"
        v = self.fresh("q")
        return f"(sum {v} in 0..{c.int(0, 5)}: {self.int_expr({**env, v: ('int', 0, 5)}, depth - 1)})"

    def bits_expr(self, env: dict, width: int, depth: int = 2) -> str:
        c = self.c
        if depth <= 0 or c.chance(35):
            names = [n for n, k in {**self.scalars, **env}.items() if k == ("bits", width)]
            if names and c.chance(60):
                return c.choice(names)
            return f"u{width}({self.number()})" if c.chance(50) else self.number()
        kind = c.int(0, 5)
        a, b = self.bits_expr(env, width, depth - 1), self.bits_expr(env, width, depth - 1)
        if kind <= 2:
            return f"({a} {c.choice(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'])} {b})"
        if kind == 3:
            return f"~{a}"
        if kind == 4:
            return f"u{width}({self.int_expr(env, depth - 1)})"
        return f"({self.bool_expr(env, depth - 1)} ? {a} : {b})"

    def bool_expr(self, env: dict, depth: int = 2) -> str:
        c = self.c
        if depth <= 0 or c.chance(25):
            names = [n for n, k in {**self.scalars, **env}.items() if k[0] == "bool"]
            if names and c.chance(50):
                return c.choice(names)
            return c.choice(["true", "false"])
        kind = c.int(0, 8)
        if kind <= 2:
            op = c.choice(["==", "!=", "<", "<=", ">", ">="])
            return f"({self.int_expr(env, depth - 1)} {op} {self.int_expr(env, depth - 1)})"
        if kind == 3:
            w = c.choice([1, 8, 32, 64])
            op = c.choice(["==", "!=", "<", ">="])
            return f"({self.bits_expr(env, w, depth - 1)} {op} {self.bits_expr(env, w, depth - 1)})"
        if kind == 4:
            op = c.choice(["&&", "||", "=>", "==", "!="])
            return f"({self.bool_expr(env, depth - 1)} {op} {self.bool_expr(env, depth - 1)})"
        if kind == 5:
            return f"!{self.bool_expr(env, depth - 1)}"
        if kind == 6:
            v = self.fresh("i")
            body = self.bool_expr({**env, v: ("int", 0, 3)}, depth - 1)
            return f"({c.choice(['forall', 'exists'])} {v} in 0..{c.int(0, 3)}: {body})"
        if kind == 7 and self.enums:
            enum = c.choice(list(self.enums))
            names = [n for n, k in {**self.scalars, **env}.items() if k == ("enum", enum)]
            if names:
                return f"({c.choice(names)} {c.choice(['==', '!='])} {c.choice(self.enums[enum])})"
        if kind == 8 and self.fns:
            name, params = c.choice(self.fns)
            return f"{name}({', '.join(self.value(k, env, 1) for k in params)})"
        return c.choice(["true", "false"])

    def value(self, kind: tuple, env: dict, depth: int = 2) -> str:
        if kind[0] == "enum":
            return self.c.choice(self.enums[kind[1]])
        if kind[0] == "int":
            return self.int_expr(env, depth)
        if kind[0] == "bits":
            return self.bits_expr(env, kind[1], depth)
        return self.bool_expr(env, depth)

    # types
    def kind(self, small: bool = False) -> tuple:
        c = self.c
        k = c.int(0, 3)
        if k == 0 or (k == 1 and small and c.chance(70)):
            lo = c.choice([0, 0, 0, -3, 1])
            spans = [0, 1, 3, 7] if small else [0, 1, 3, 7, 15, 255, 4095, 2 ** 32, 2 ** 63, 2 ** 200]
            return ("int", lo, lo + c.choice(spans))
        if k == 1:
            return ("bits", c.choice([1, 2, 8, 16, 32, 64]))
        if k == 2 and self.enums:
            return ("enum", c.choice(list(self.enums)))
        return ("bool",)

    @staticmethod
    def type_text(kind: tuple) -> str:
        return {"int": lambda: f"{kind[1]}..{kind[2]}", "bits": lambda: f"u{kind[1]}",
                "enum": lambda: kind[1], "bool": lambda: "bool"}[kind[0]]()

    # statements
    def stmt(self, env: dict, depth: int = 2) -> str:
        c = self.c
        kind = c.int(0, 7)
        if kind <= 2 and self.scalars:
            name = c.choice(list(self.scalars))
            k = self.scalars[name]
            if k[0] == "int":
                return f"{name} {c.choice(['=', '+=', '-='])} {self.int_expr(env)}"
            if k[0] == "bits":
                return f"{name} {c.choice(['=', '|=', '&=', '^=', '+='])} {self.bits_expr(env, k[1])}"
            return f"{name} = {self.value(k, env)}"
        if kind == 3 and self.arrays:
            name = c.choice(list(self.arrays))
            return f"{name}[{self.index(name, env)}] = {self.value(self.arrays[name][1], env)}"
        if kind == 4:
            return f"require {self.bool_expr(env)}"
        if kind == 5:
            return f'assert {self.bool_expr(env)}, "{c.choice(["a1", "a2", "a3"])}"'
        if kind == 6 and depth > 0:
            otherwise = f" else {{ {self.stmt(env, depth - 1)} }}" if c.chance(50) else ""
            return f"if {self.bool_expr(env)} {{ {self.stmt(env, depth - 1)} }}{otherwise}"
        if kind == 7 and depth > 0:
            v = self.fresh("l")
            return f"for {v} in 0..{c.int(0, 3)} {{ {self.stmt({**env, v: ('int', 0, 3)}, depth - 1)} }}"
        if self.procs:
            name, params = c.choice(self.procs)
            return f"{name}({', '.join(self.value(k, env, 1) for k in params)})"
        return f"require {self.bool_expr(env)}"

    def literal_init(self) -> str:
        """In-range literals for (nearly) every variable."""
        c = self.c

        def literal(k: tuple) -> str:
            return {"int": lambda: str(k[1]), "bits": lambda: "0", "bool": lambda: c.choice(["true", "false"]),
                    "enum": lambda: self.enums[k[1]][0]}[k[0]]()

        out = [f"{name} = {literal(k)}" for name, k in self.scalars.items() if c.chance(90)]
        for name, (size, k, index) in self.arrays.items():
            if size <= 4096 and c.chance(90):
                out.append(f"for {name}_i in {index} {{ {name}[{name}_i] = {literal(k)} }}")
        if self.layout and c.chance(90):
            out.append("lv.f0 = 0 lv.alt.g1 = 0")
        return " ".join(out)

    def params(self) -> tuple[str, list[tuple], dict]:
        kinds = [self.kind(small=True) for _ in range(self.c.int(0, 2))]
        text = ", ".join(f"p{i}: {self.type_text(k)}" for i, k in enumerate(kinds))
        return text, kinds, {f"p{i}": k for i, k in enumerate(kinds)}

    def build(self) -> str:
        c, out = self.c, self.lines
        for _ in range(c.int(0, 3)):
            name = self.fresh("C")
            if self.consts and c.chance(30):
                value = f"{c.choice(self.consts)} {c.choice(['+', '*', '-', '<<', '/'])} {self.number()}"
            else:
                value = self.number()
            out.append(f"const {name} = {value}")
            self.consts.append(name)
        for _ in range(c.int(0, 2)):
            name = self.fresh("E")
            self.enums[name] = [self.fresh("M") for _ in range(c.int(1, 4))]
            out.append(f"enum {name} {{ {', '.join(self.enums[name])} }}")
        for _ in range(c.int(1, 4)):
            name = self.fresh("v")
            self.scalars[name] = self.kind()
            out.append(f"var {name}: {self.type_text(self.scalars[name])}")
        for _ in range(c.int(0, 2)):
            name = self.fresh("arr")
            size = c.choice([1, 2, 3, 4, 8, 1, 2, 4, 4097])  # 4097: over the index limit
            element = self.kind()
            index = f"0..{size - 1}" if c.chance(85) or not self.enums else c.choice(list(self.enums))
            if not index.startswith("0.."):
                size = len(self.enums[index])
            self.arrays[name] = (size, element, index)
            out.append(f"var {name}: [{index}] {self.type_text(element)}")
        if c.chance(25):
            bit, width = c.choice([0, 0, 8, 32, 60, 64]), c.choice([4, 8, 8, 32, 64])
            out.append(f"layout lay[2] {{ word 0: f0: u64  word 1 bit {bit}: f1: u{width} }}")
            out.append("view alt of lay { word 1: g1: u64 }")
            out.append(f'static_assert offsetof(lay.f1) {">=" if c.chance(80) else "=="} offsetof(alt.g1), "overlay"')
            out.append(f"symbol SYM = {self.number()}")
            out.append("var lv: lay")
            self.layout = True
        for _ in range(c.int(0, 2)):
            name = self.fresh("f")
            text, kinds, env = self.params()
            if c.chance(50):
                out.append(f"fn {name}({text}): bool = {self.bool_expr(env)}")
            else:
                out.append(f"fn {name}({text}): bool {{ let t{name} = {self.bool_expr(env, 1)} "
                           f'assert {self.bool_expr(env, 1)}, "in_{name}" return t{name} }}')
            self.fns.append((name, kinds))
        for _ in range(c.int(0, 2)):
            name = self.fresh("p")
            text, kinds, env = self.params()
            out.append(f"proc {name}({text}) {{ {self.stmt(env)} }}")
            self.procs.append((name, kinds))
        if self.concrete_init:
            out.append(f"init {{ {self.literal_init()} }}")
        else:
            out.append("init { " + " ".join(self.stmt({}, 1) for _ in range(c.int(0, 3))) + " }")
        for _ in range(c.int(1, 3)):
            name = self.fresh("act")
            text, _, env = self.params()
            out.append(f"action {name}({text}) {{ " + " ".join(self.stmt(env) for _ in range(c.int(1, 3))) + " }")
            self.actions.append(name)
        for _ in range(c.int(0, 3)):
            name = self.fresh("inv")
            out.append(f"invariant {name}: {self.bool_expr({})}")
            self.props.append(name)
        if c.chance(40):
            items = []
            if self.consts and c.chance(50):
                items.append(f"{c.choice(self.consts)} = {self.number()}")
            if self.props and c.chance(50):
                items.append(f"expect {c.choice(self.props)} {c.choice(['violated', 'holds'])}")
            if c.chance(30):
                items.append(f"depth {c.choice([0, 1, 2, 1000, 1001])}")
            if c.chance(30):
                items.append(f"disable {c.choice(self.actions)}")
            out.append(f"config cfg {{ {' '.join(items)} }}")
        return fence("\n".join(out))


@st.composite
def generated_specs(draw, concrete_init: bool | None = None) -> str:
    if concrete_init is None:
        concrete_init = draw(st.booleans())
    return SpecGenerator(Chooser(draw), concrete_init).build()


@pytest.mark.slow
@fuzz(200)
@given(text=generated_specs(), depth=st.sampled_from(["0", "1", "2"]), raw=st.booleans())
def test_generated_specs_bmc(work, text, depth, raw):
    path = write(work, text, "gen")
    before = max_rss_mib()
    result = run_cli([path, "--depth", depth, "--timeout", "3"] + (["--raw-words"] if raw else []))
    assert_answered(result, text)
    assert max_rss_mib() - before < MODEST_GROWTH_MIB, result.shown(text)


@pytest.mark.slow
@fuzz(200)
@given(text=generated_specs(), depth=st.sampled_from(["0", "1", "2"]))
def test_generated_specs_explicit(work, text, depth):
    path = write(work, text, "genx")
    before = max_rss_mib()
    result = run_cli([path, "--engine", "explicit", "--depth", depth, "--timeout", "3",
                      "--max-states", "20000"])
    assert_answered(result, text)
    assert max_rss_mib() - before < MODEST_GROWTH_MIB, result.shown(text)


@pytest.mark.slow
@fuzz(100)
@given(text=generated_specs(), seed=st.integers(-2 ** 70, 2 ** 70))
def test_generated_specs_simulate(work, text, seed):
    path = write(work, text, "gens")
    argv = ["simulate", path, "--steps", "20", "--runs", "5", "--seed", str(seed), "--timeout", "3"]
    assert_answered(run_cli(argv), text)


option_values = st.one_of(st.sampled_from(["0", "1", "-1", "2", "1000", "1001", "1e3", "0x10", "inf", "nan", "",
                                           "true", "default", "posted", "fixed", "x=1", "LIMIT=2", "NPAGES=4",
                                           "bmc", "explicit", "simulate", "--", "-"]),
                          st.integers(-2 ** 70, 2 ** 70).map(str), st.text(max_size=8))
options = st.lists(st.one_of(
    st.tuples(st.sampled_from(["--config", "--depth", "--engine", "--max-states", "--timeout", "-D", "--steps",
                               "--runs", "--seed"]), option_values),
    st.tuples(st.sampled_from(["--raw-words", "--timing", "--no-timing", "--help-me", "-x", "--depth=2",
                               "-DLIMIT=2", "simulate"])),
), max_size=5)


@fuzz(150)
@given(spec=st.sampled_from(["counter.md", "layout_views.md", "diag_syntax.md"]), opts=options,
       simulating=st.booleans())
def test_random_command_lines(spec, opts, simulating):
    argv = (["simulate"] if simulating else []) + [str(GOLDEN / spec)] + [a for o in opts for a in o]
    if "--timeout" not in argv:
        argv += ["--timeout", "10"]
    assert_answered(run_cli(argv), " ".join(argv))


# ---------------------------------------------------------------------------
# 2. the real specs, truncated and mutated

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|0[xXbB][0-9a-fA-F_]+|\d[\d_]*|\.\.|==|!=|<=|>=|=>|&&|\|\||<<|>>|\S")
KEYWORDS = ("forall exists sum count true false let if else for in require assert const type enum record var "
            "init action proc fn invariant config import return layout view static_assert symbol word bit "
            "use expect violated holds depth disable bool int u64 u1 u0 u65 of").split()
NUMBERS = ["0", "1", "-1", "4096", "4097", "65536", str(2 ** 63), str(2 ** 64), str(2 ** 64 - 1),
           "1000000000000", "0xffffffffffffffff", "0x" + "f" * 20, "0b1", "1_0", "00", "0x", str(10 ** 80)]
PUNCTUATION = list("{}()[]:;,.=+-*/%<>!&|^~?#\"\\'`@$\n\t ") + ["..", "==", "=>", "<<", ">>", "```", "//"]

mutation = st.tuples(st.integers(0, 8), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6),
                     st.one_of(st.sampled_from(KEYWORDS + NUMBERS + PUNCTUATION), st.characters(), st.text(max_size=4)))


def mutate(text: str, mutations: list[tuple[int, int, int, str]]) -> str:
    """Apply each (operation, a, b, material): truncate, delete / duplicate a line, swap,
    replace (by another identifier of the text or by `material`), drop or insert tokens,
    insert characters."""
    for op, a, b, material in mutations:
        lines = text.split("\n")
        tokens = [m.span() for m in TOKEN.finditer(text)]
        if op == 0:
            text = text[:a % (len(text) + 1)]
        elif op == 1 and lines:
            del lines[a % len(lines)]
            text = "\n".join(lines)
        elif op == 2 and lines:
            lines.insert(b % (len(lines) + 1), lines[a % len(lines)])
            text = "\n".join(lines)
        elif op == 3:
            text = text[:a % (len(text) + 1)] + material + text[a % (len(text) + 1):]
        elif not tokens:
            continue
        elif op == 4:  # swap two tokens
            i, j = sorted((a % len(tokens), b % len(tokens)))
            if i != j:
                (s1, e1), (s2, e2) = tokens[i], tokens[j]
                text = text[:s1] + text[s2:e2] + text[e1:s2] + text[s1:e1] + text[e2:]
        elif op == 5:  # replace an identifier by another one of the text
            names = [text[s:e] for s, e in tokens if re.match(r"[A-Za-z_]", text[s:e])]
            s, e = tokens[a % len(tokens)]
            if names:
                text = text[:s] + names[b % len(names)] + text[e:]
        elif op == 6:  # replace a number
            numbers = [(s, e) for s, e in tokens if text[s].isdigit()]
            if numbers:
                s, e = numbers[a % len(numbers)]
                text = text[:s] + NUMBERS[b % len(NUMBERS)] + text[e:]
        elif op == 7:  # drop a token
            s, e = tokens[a % len(tokens)]
            text = text[:s] + text[e:]
        else:  # replace a token by material
            s, e = tokens[a % len(tokens)]
            text = text[:s] + material + text[e:]
    return text


mutations = st.lists(mutation, min_size=1, max_size=3)


@fuzz(250)
@given(name=st.sampled_from(SMALL_SPECS), edits=mutations, depth=st.sampled_from(["0", "1"]),
       engine=st.sampled_from(["bmc", "explicit"]))
def test_mutated_small_specs(work, name, edits, depth, engine):
    text = mutate((GOLDEN / name).read_text(encoding="utf-8"), edits)
    path = write(work, text, "small")
    assert_answered(run_cli([path, "--depth", depth, "--timeout", "10", "--engine", engine]),
                    f"{name} with {edits}, --engine {engine}:\n{text}")


@pytest.mark.slow
@fuzz(12)
@given(edits=mutations)
def test_mutated_ptdesc_tags(work, edits):
    """specs/ptdesc_tags.md imports models/page_alloc.md: `work` holds a copy of models/."""
    text = mutate(PTDESC_TAGS.read_text(encoding="utf-8"), edits)
    path = write(work, text, "tags")
    assert_answered(run_cli([path, "--config", "as_posted", "--depth", "0", "--timeout", "10"]),
                    f"ptdesc_tags.md with {edits}")


def front_end(path: Path, configs: int = 2) -> None:
    """Load, collect and lower (a few configurations); only SpecError may come out, with
    registered codes."""
    try:
        decls = collect_declarations(load_spec(str(path)))
        for name in configuration_names(decls)[:configs]:
            lower(decls, name, {})
    except SpecError as error:
        assert error.diagnostics, "a SpecError without diagnostics"
        assert all(d.code in CODES for d in error.diagnostics), error.diagnostics
    except RecursionError:
        pass  # the CLI turns this into MDC402


@pytest.mark.slow
@fuzz(30)
@given(edits=mutations)
def test_mutated_ptdesc_front_end(work, edits):
    text = mutate(PTDESC.read_text(encoding="utf-8"), edits)
    front_end(write(work, text, "ptdesc"))


@pytest.mark.slow
@fuzz(40)
@given(model=st.sampled_from(sorted(p.name for p in MODELS.glob("*.md"))), edits=mutations)
def test_mutated_model_imported_by_ptdesc(tmp_path_factory, model, edits):
    """A mutated model under the unchanged spec: errors point into the imported file."""
    root = tmp_path_factory.mktemp("model")
    shutil.copytree(MODELS, root / "models")
    shutil.copy(PTDESC, root / "ptdesc.md")
    target = root / "models" / model
    target.write_text(mutate(target.read_text(encoding="utf-8"), edits), encoding="utf-8")
    front_end(root / "ptdesc.md", configs=1)


@pytest.mark.parametrize("keep", [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
def test_truncated_ptdesc_through_the_cli(work, keep):
    text = PTDESC.read_text(encoding="utf-8")
    path = write(work, text[:int(len(text) * keep)], "cut")
    assert_answered(run_cli([path, "--config", "boot_early", "--depth", "0", "--timeout", "20"]), f"keep {keep}")


# ---------------------------------------------------------------------------
# 3. huge constants and bounds

BASE = "var x: u8\ninit { x = 0 }\naction step() { x = x + 1 }\n"

HUGE = {
    "array bound": ("const N = 1000000000000\nvar a: [0..N] bool\ninvariant ok: true", "MDC402"),
    "array bound 2**64": ("const N = 18446744073709551616\nvar a: [0..N - 1] bool\ninvariant ok: true", "MDC402"),
    "loop range": ("const N = 1000000000000\naction big() { for i in 0..N { x = 1 } }\ninvariant ok: true", "MDC402"),
    "quantifier": ("const N = 1000000000000\ninvariant ok: forall i in 0..N: x != 3", "MDC402"),
    "multi-binder quantifier": ("invariant ok: forall i in 0..4095, j in 0..4095, k in 0..4095: x != 3", "MDC402"),
    "2**64 into u64": ("const N = 18446744073709551616\nvar y: u64\ninit { y = N }\ninvariant ok: true",
                       "MDC301"),
    "wide product": ("const N = 18446744073709551615\nvar y: 0..N\naction grow() { y = y * N * N * N * N }\n"
                     "invariant ok: true", "MDC402"),
    "shift by 10**8": ("const N = 1 << 100000000\ninvariant ok: true", "MDC402"),
    "state cells": ("var a: [0..4095] [0..4095] bool\ninvariant ok: true", "MDC402"),
    "layout words": ("layout big[1000000000] { word 0: f: u64 }\nvar l: big\ninvariant ok: true", "MDC402"),
    "bit-vector width": ("var w: u100000\ninvariant ok: true", None),
    "config depth": ("invariant ok: x != 3\nconfig c { depth 100000 }", "MDC402"),
    "5000-digit literal": ("const N = " + "9" * 5000 + "\ninvariant ok: true", None),
    "5000-digit hex literal": ("var y: u64\ninit { y = 0x" + "f" * 5000 + " }\ninvariant ok: true", None),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_constants_and_bounds(work, name):
    body, code = HUGE[name]
    path = write(work, fence(BASE + body), "huge")
    before = max_rss_mib()
    result = run_cli([path, "--depth", "1", "--timeout", "20"])
    assert result.seconds < WALL_BOUND, result.shown(name)
    assert max_rss_mib() - before < MODEST_GROWTH_MIB, result.shown(name)
    if code is None:
        assert_answered(result, name)
        assert result.code == 3, result.shown(name)
    else:
        assert_spec_error(result, code, name)


@pytest.mark.parametrize("define, code", [
    ("NPAGES=100000000", "MDC402"),
    ("NPAGES=18446744073709551616", "MDC402"),   # does not fit in 64 bits
    ("NPAGES=18446744073709551615", "MDC402"),
    ("NPAGES=-1", "MDC403"),
    ("NPAGES=0", "MDC403"),
    ("NPAGES=true", "MDC401"),
    ("NPAGES=1e9", "MDC401"),
    ("NPAGES=0x", "MDC401"),
    ("NPAGES=" + "9" * 5000, "MDC401"),
    ("NO_SUCH_CONSTANT=1", "MDC201"),
    ("=1", "MDC401"),
])
def test_huge_defines_on_ptdesc(define, code):
    before = max_rss_mib()
    result = run_cli([PTDESC, "--config", "boot_early", "--depth", "0", "--timeout", "20", "-D", define])
    assert_spec_error(result, code, define)
    assert result.seconds < WALL_BOUND and max_rss_mib() - before < MODEST_GROWTH_MIB, result.shown(define)


@pytest.mark.parametrize("args", [
    ["--depth", "100000"], ["--depth", "-1"], ["--depth", str(10 ** 30)], ["--depth", "1e3"],
    ["--max-states", "0"], ["--max-states", "-5"], ["--engine", "explicit", "--max-states", "0"],
    ["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "soon"],
    ["--engine", "sat"], ["--no-such-option"], ["--config"],
])
def test_bad_options(args):
    assert_spec_error(run_cli([GOLDEN / "counter.md", *args]), "MDC501", " ".join(args))


def test_huge_max_states_is_only_a_limit():
    result = run_cli([GOLDEN / "counter.md", "--engine", "explicit", "--depth", "2", "--max-states", str(10 ** 30)])
    assert_answered(result)
    assert result.code in (0, 1), result.shown()


def test_tiny_timeout_gives_unknown():
    result = run_cli([GOLDEN / "counter.md", "--depth", "4", "--timeout", "1e-9"])
    assert_answered(result)
    assert result.code == 2 and "UNKNOWN" in result.out, result.shown()


@pytest.mark.parametrize("seconds", ["1e10", "inf"])
def test_enormous_timeout(tmp_path, seconds):
    result = run_subprocess([GOLDEN / "layout_views.md", "--depth", "1", "--timeout", seconds], tmp_path)
    assert_answered(result, f"--timeout {seconds}")
    # no limit in practice (both expected violations found at depth 1), or refused as usage
    assert result.code == 0 or (result.code == 3 and "error[MDC501]" in result.err), result.shown()


def test_thousands_of_parentheses(work):
    path = write(work, fence(BASE + "invariant ok: " + "(" * 5000 + "x != 3" + ")" * 5000), "parens")
    result = run_cli([path, "--depth", "1", "--timeout", "20"])
    assert_answered(result)
    assert result.code == 0, result.shown()


@pytest.mark.parametrize("body", [
    "invariant ok: " + "!" * 5000 + "(x == 0)",
    "invariant ok: " + "-" * 5000 + "1 == 0",
    "invariant ok: x == " + " + ".join(["1"] * 20000),
    "fn f(a: u8): u8 = a\ninvariant ok: x == " + "f(" * 3000 + "0" + ")" * 3000,
    "".join(f"fn f{i}(a: u8): u8 = f{i - 1}(a)\n" if i else "fn f0(a: u8): u8 = a\n" for i in range(3000))
    + "invariant ok: f2999(x) == 0",
    "".join(f"proc p{i}() {{ p{i - 1}() }}\n" if i else "proc p0() { x = 1 }\n" for i in range(3000))
    + "action a() { p2999() }",
], ids=["not", "negate", "sum", "calls", "fn chain", "proc chain"])
def test_deep_nesting_is_a_coded_error(work, body):
    path = write(work, fence(BASE + body), "deep")
    assert_spec_error(run_cli([path, "--depth", "1", "--timeout", "20"]), "MDC402")



@pytest.mark.parametrize("body", [
    "action a() { " + "if x == 0 { " * 3000 + "x = 1" + " }" * 3000 + " }",
    "action a() { if x == 0 { x = 1 } " + "else if x == 1 { x = 2 } " * 3000 + "}",
    "action a() { " + "".join(f"for i{n} in 0..0 {{ " for n in range(3000)) + "x = 1" + " }" * 3000 + " }",
    "invariant ok: x == " + "(1 + " * 3000 + "1" + ")" * 3000,
    "invariant ok: " + "x == 0 => " * 3000 + "true",
    "var b: [0..3] u8\ninvariant ok: x == " + "b[" * 3000 + "0" + "]" * 3000,
    "invariant ok: " + "".join(f"forall i{n} in 0..0: " for n in range(3000)) + "x == 0",
    "var m: " + "[0..0] " * 3000 + "bool",
], ids=["if", "else if", "for", "parenthesised +", "=>", "index", "quantifiers", "array type"])
def test_deep_nesting_in_the_parser(work, body):
    path = write(work, fence(BASE + body), "deepparse")
    assert_spec_error(run_cli([path, "--depth", "1", "--timeout", "20"]), "MDC402")


def test_file_over_the_size_limit(work):
    path = work / "oversized.md"
    path.write_text(fence(BASE + "invariant ok: true") + "x" * MAX_SPEC_BYTES, encoding="utf-8")
    result = run_cli([path, "--depth", "1"])
    assert_spec_error(result, "MDC402")
    assert result.seconds < TIMEOUT_SLACK, result.shown()  # refused before it is read whole


def test_two_megabytes_of_prose_and_comments(tmp_path):
    """About 2 MB: prose, other code blocks, and a model block with long comments."""
    prose = "".join(f"Paragraph {i}: the page's memdesc word is overlaid by rcu_head.func.\n\n" for i in range(12000))
    c_code = "```c\n" + "struct page *p = NULL; /* ``` inside a C block */\n" * 5000 + "```\n"
    comments = "".join(f"// comment {i} {'=' * 60}\n" for i in range(8000))
    text = prose + c_code + fence(BASE + comments + "invariant ok: x != 3") + prose
    assert 1_800_000 < len(text) < MAX_SPEC_BYTES
    path = tmp_path / "two_mb.md"
    path.write_text(text, encoding="utf-8")
    result = run_subprocess([path, "--depth", "1", "--timeout", "20"], tmp_path)
    assert_answered(result)
    assert result.code == 0, result.shown()
    assert result.seconds < WALL_BOUND and result.max_rss_mib < MODEST_RSS_MIB, result.shown()


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_many_actions(tmp_path, engine):
    actions = "".join(f"action a{i}(p: 0..3) {{ require p < 3 x = x + {i % 7} }}\n" for i in range(2000))
    path = tmp_path / "actions.md"
    path.write_text(fence(BASE + actions + "invariant ok: x != 200"), encoding="utf-8")
    result = run_subprocess([path, "--depth", "2", "--timeout", "10", "--engine", engine], tmp_path)
    assert_answered(result)
    assert result.code in (0, 2), result.shown()  # x gains at most 12 in two steps: holds, or UNKNOWN
    assert result.seconds < 10 + TIMEOUT_SLACK and result.max_rss_mib < MODEST_RSS_MIB, result.shown()


# --- hangs: each case runs in its own subprocess with --timeout, all at once, and must
#     answer (exit 2 UNKNOWN, or 3 with a coded limit error) within timeout + slack.

HANG_TIMEOUT = 2.0


def _four_megabyte_spec() -> str:
    lines, size, i = [], 0, 0
    while size < 4_000_000:
        lines.append(f"const C{i} = {i}")
        size += len(lines[-1]) + 1
        i += 1
    return fence(BASE + "invariant ok: x != 3\n" + "\n".join(lines))


def _exponential_fns(levels: int = 40) -> str:
    fns = "fn f0(a: u64): u64 = a + 1\n" + "".join(
        f"fn f{i}(a: u64): u64 = f{i - 1}(a) + f{i - 1}(a + 1)\n" for i in range(1, levels + 1))
    return fence("var y: u64\ninit { y = 0 }\naction step() { y = y + 1 }\n" + fns
                 + f"invariant ok: f{levels}(y) != 5")


HANG_CASES = {
    "nested loops, bmc": (fence(BASE + "action s() { for i in 0..4095 { for j in 0..4095 { x = x + 1 } } }\n"
                                "invariant ok: x != 3"), ["--engine", "bmc"], None),
    "nested loops, explicit": (fence(BASE + "action s() { for i in 0..4095 { for j in 0..4095 { "
                                     "for k in 0..4095 { x = x + 1 } } } }\ninvariant ok: x != 3"),
                               ["--engine", "explicit"], None),
    "nested quantifiers, bmc": (fence(BASE + "invariant ok: forall i in 0..4095: forall j in 0..4095: "
                                      "forall k in 0..4095: x != 3"), ["--engine", "bmc"], None),
    "nested quantifiers, explicit": (fence(BASE + "invariant ok: forall i in 0..4095: forall j in 0..4095: "
                                           "forall k in 0..4095: x != 3"), ["--engine", "explicit"], None),
    # fn f_i calls f_(i-1) twice: 2**40 bodies once inlined; the type checker refuses it (MDC402)
    "exponential fn inlining, bmc": (_exponential_fns(), ["--engine", "bmc"], None),
}



@pytest.mark.slow
def test_a_four_megabyte_spec_is_answered(tmp_path):
    # Under the 4 MiB limit: read, parsed and checked. Parsing is not under --timeout (the
    # README's Limits say so): about 25 s on two idle cores, whatever --timeout says.
    path = tmp_path / "big.md"
    path.write_text(_four_megabyte_spec(), encoding="utf-8")
    result = run_subprocess([path, "--depth", "1", "--engine", "bmc", "--no-timing"], tmp_path)
    assert_answered(result, result.shown("a 4 MB spec"))
    assert result.code in (0, 1), result.shown("a 4 MB spec")

@pytest.fixture(scope="module")
def hang_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hangs")
    runs = {}
    for i, (name, (text, args, _)) in enumerate(HANG_CASES.items()):
        path = root / f"hang_{i}.md"
        path.write_text(text, encoding="utf-8")
        runs[name] = Launched([path, "--depth", "1", "--timeout", str(HANG_TIMEOUT), "--no-timing", *args],
                              root, HANG_TIMEOUT + TIMEOUT_SLACK)
    yield runs
    for launched in runs.values():
        launched.kill()
        launched.result()


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=reason)]
                                               if reason else [])
                                  for name, (_, _, reason) in HANG_CASES.items()])
@pytest.mark.slow
def test_answers_within_its_timeout(hang_runs, name):
    result = hang_runs[name].result()
    shown = result.shown(f"{name} with --timeout {HANG_TIMEOUT}")
    assert_answered(result, shown)
    assert result.seconds <= HANG_TIMEOUT + TIMEOUT_SLACK, shown
    assert result.code in (2, 3), shown
    if result.code == 2:
        assert "UNKNOWN" in result.out, shown
    assert result.max_rss_mib < MODEST_RSS_MIB, shown


# ---------------------------------------------------------------------------
# 4. --timeout gives UNKNOWN in time, never HOLDS or PROVED

def _summary_outcomes(out: str) -> list[str]:
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\S+\s+.*?\s(invariant|assert|check)\s+(holds|violated)\s+(\S+)\s", line)
        if m:
            rows.append(m.group(3))
    return rows


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_timeout_on_ptdesc_fixed_is_unknown(tmp_path, engine):
    timeout = 3.0
    result = run_subprocess([PTDESC, "--config", "fixed", "--depth", "8", "--timeout", str(timeout),
                             "--engine", engine, "--no-timing", "-v", "--summary-table"], tmp_path,
                            bound=timeout + TIMEOUT_SLACK)
    shown = result.shown(f"ptdesc.md --config fixed --depth 8 --timeout {timeout} --engine {engine}")
    assert_answered(result, shown)
    assert result.seconds <= timeout + TIMEOUT_SLACK, shown
    assert result.code == 2, shown
    outcomes = _summary_outcomes(result.out)
    assert outcomes and "UNKNOWN" in outcomes, shown
    # depth 8 cannot be reached in 3 s: nothing may be claimed to hold to it, nor proved
    assert not {"HOLDS", "PROVED"} & set(outcomes), shown
    assert "VIOLATED" not in outcomes, shown  # `fixed` has no bug to find
    for prop in re.findall(r"^fixed: '(.+)' is UNKNOWN", result.out, re.M):
        assert re.search(rf"^fixed\s+{re.escape(prop)}\s+\S+\s+holds\s+UNKNOWN", result.out, re.M), shown


# ---------------------------------------------------------------------------
# 5. missing, unreadable and empty files

def test_missing_file(tmp_path):
    assert_spec_error(run_cli([tmp_path / "missing.md"]), "MDC001")


def test_directory_instead_of_a_file(tmp_path):
    (tmp_path / "dir.md").mkdir()
    assert_spec_error(run_cli([tmp_path / "dir.md"]), "MDC001")


def test_path_through_a_file(tmp_path):
    (tmp_path / "file.md").write_text(fence(BASE), encoding="utf-8")
    assert_spec_error(run_cli([tmp_path / "file.md" / "spec.md"]), "MDC001")


def test_path_too_long(tmp_path):
    assert_spec_error(run_cli([tmp_path / ("x" * 5000 + ".md")]), "MDC001")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.md"
    path.write_text(fence(BASE), encoding="utf-8")
    path.chmod(0)
    try:
        assert_spec_error(run_cli([path]), "MDC001")
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("text", [
    "", "\n\n", "# Notes\n\n```c\nint x;\n```\n", "    ```mdcheck\n    var x: bool\n    ```\n",
    "```\nvar x: bool\n```\n", "```mdcheckx\nvar x: bool\n```\n", "<!--\n```mdcheck\nvar x: bool\n```\n-->\n",
], ids=["empty", "blank", "c only", "indented code", "no info string", "other info string", "html comment"])
def test_no_mdcheck_blocks(tmp_path, text):
    path = tmp_path / "spec.md"
    path.write_text(text, encoding="utf-8")
    assert_spec_error(run_cli([path]), "MDC003", repr(text))


@pytest.mark.parametrize("data", [b"\xff\xfe```mdcheck\n", b"```mdcheck\nvar x: bool\n```\ncaf\xe9\n",
                                  b"```mdcheck\nvar x\x00: bool\n```\n", b"\x00" * 100,
                                  b"```mdcheck\nvar x: bool\n```\n\xed\xa0\x80\n"],
                         ids=["bom16", "latin1", "nul", "all nul", "surrogate"])
def test_not_utf8_text(tmp_path, data):
    path = tmp_path / "spec.md"
    path.write_bytes(data)
    assert_spec_error(run_cli([path]), "MDC002")


@pytest.mark.parametrize("imports, files, code", [
    ("import nowhere", {}, "MDC203"),
    ('import "/"', {}, "MDC203"),
    ('import ""', {}, "MDC203"),
    ("import dir", {"dir.md/": None}, "MDC203"),
    ("import self_import", {}, "MDC204"),
    ("import a", {"a.md": fence("import b"), "b.md": fence("import a")}, "MDC204"),
    ("import bad", {"bad.md": b"```mdcheck\nvar y: bool\n```\n\xff"}, "MDC002"),
    ("import broken", {"broken.md": fence("var y: ")}, "MDC103"),
])
def test_bad_imports(tmp_path, imports, files, code):
    for name, content in files.items():
        if content is None:
            (tmp_path / name).mkdir()
        elif isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        else:
            (tmp_path / name).write_text(content, encoding="utf-8")
    path = tmp_path / "self_import.md"
    path.write_text(fence(imports + "\n" + BASE + "invariant ok: true"), encoding="utf-8")
    assert_spec_error(run_cli([path, "--depth", "0"]), code, imports)


# ---------------------------------------------------------------------------
# bugs found by this file, each pinned (see the reasons)

def test_empty_path():
    assert_spec_error(run_cli([""]), "MDC001")


def test_path_with_a_nul_byte():
    assert_spec_error(run_cli(["spec\x00.md"]), "MDC001")


def test_endless_device_file(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    result = run_subprocess(["/dev/zero", "--depth", "0"], tmp_path, bound=WALL_BOUND, address_space=2 << 30)
    assert_answered(result, "/dev/zero")  # MDC402 (too big), MDC002 (NUL bytes) or MDC001 would do
    assert result.code == 3 and result.max_rss_mib < MODEST_RSS_MIB, result.shown()


@pytest.mark.parametrize("init", ['x = true assert !x, "boom"', "x = 1 / 0 == 1", "a[4] = true"],
                         ids=["assert", "div by zero", "bounds"])
@pytest.mark.parametrize("command", [["--engine", "explicit", "--depth", "1"], ["simulate", "--runs", "2"]],
                         ids=["explicit", "simulate"])
def test_explicit_engine_init_that_fails(tmp_path, init, command):
    path = tmp_path / "spec.md"
    path.write_text(fence(f"var x: bool\nvar a: [0..3] bool\ninit {{ {init} }}\ninvariant ok: true"),
                    encoding="utf-8")
    argv = ["simulate", path, *command[1:]] if command[0] == "simulate" else [path, *command]
    result = run_cli(argv)
    assert_answered(result, init)
    found = "VIOLATED at depth 0" if command[0] != "simulate" else "VIOLATED, found at step 0 of random run 1"
    assert result.code == 1 and found in result.out, result.shown(init)


def test_explicit_engine_u64_parameter(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(fence("var x: bool\naction a(p: u64) { x = true }\ninvariant ok: true"), encoding="utf-8")
    assert_spec_error(run_cli([path, "--engine", "explicit", "--depth", "1"]), "MDC404")


@pytest.mark.parametrize("spec", [
    "var x: 0..100000000\ninvariant ok: x >= 0",
    "var x: 0..1000000000000\ninit { x = x + 1 }\ninvariant ok: true",
], ids=["free", "read before written"])
@pytest.mark.parametrize("command", ["explicit", "simulate"])
def test_explicit_engine_wide_free_range(tmp_path, spec, command):
    path = tmp_path / "spec.md"
    path.write_text(fence(spec), encoding="utf-8")
    argv = ([path, "--engine", "explicit", "--depth", "1"] if command == "explicit"
            else ["simulate", path, "--runs", "2", "--steps", "2"])
    result = run_subprocess([*argv, "--timeout", "20"], tmp_path, bound=WALL_BOUND, address_space=2 << 30)
    assert_answered(result, spec)
    if command == "explicit":
        assert_spec_error(result, "MDC404", spec)
    # simulate falls back to random initial states when there are too many to list
    assert result.max_rss_mib < MODEST_RSS_MIB, result.shown()


def test_byte_order_mark_changes_nothing(tmp_path):
    text = (fence("var x: bool\ninit { x = false }\ninvariant never: x") + "\n"
            + fence("action set() { x = true }") + "\n"
            + fence("var y: bool\ninit { y = false }\ninvariant fine: !y"))
    plain, marked = tmp_path / "plain.md", tmp_path / "marked.md"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    expected = run_cli([plain, "--depth", "2", "--summary-table"])
    assert_answered(expected)
    assert expected.code == 1 and re.search(r"never\s+invariant\s+holds\s+VIOLATED", expected.out), expected.shown()
    result = run_cli([marked, "--depth", "2", "--summary-table"])
    assert_answered(result, "with a BOM")
    assert result.code == expected.code, result.shown("with a BOM")
    assert re.search(r"never\s+invariant\s+holds\s+VIOLATED", result.out), result.shown("with a BOM")
