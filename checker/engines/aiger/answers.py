"""What ABC printed and wrote, read back: BMC's failing frames, PDR's status, the latches
`scorr -w` merged, and PDR's invariant (`pdr -d`, a PLA). No solver here."""
from __future__ import annotations

import re
from dataclasses import dataclass

Literal = tuple[str, bool]  # (latch bit, the value that makes the literal true)
Clause = tuple[Literal, ...]

_ASSERTED_ALL = re.compile(r"^Output\s+(\d+) was asserted in frame\s+(\d+)", re.M)
_ASSERTED_ONE = re.compile(r"^Output\s+(\d+) of miter .* was asserted in frame\s+(\d+)", re.M)
_FRAME_DONE = re.compile(r"^\s*(\d+) \+ :", re.M)
_MERGED_CONSTANT = re.compile(r"^Original flop (.+) is proved equivalent to constant\.$", re.M)
_MERGED_FLOP = re.compile(r"^Original flop (.+) is proved equivalent to flop (.+)\.$", re.M)
_MERGED_NODE = re.compile(r"^Original flop (.+) is proved equivalent to internal node", re.M)


@dataclass(frozen=True)
class BmcAnswer:
    first_failing: dict[int, int]  # output position -> the first frame in which it is 1
    frames_done: int               # frames 0 .. frames_done - 1 are checked for every output


_SETTLED = re.compile(r"^(?:No output asserted in|.*outputs are SAT .* after)\s+(\d+) frames", re.M)


def frames_settled(printed: str) -> int | None:
    """The frames `bmc3` says it settled for every output it did not find failing; None when it
    printed no such summary (it stopped early, or what ran was not ABC)."""
    found = _SETTLED.findall(printed)
    return int(found[-1]) if found else None


def bmc_answer(printed: str, frames_asked: int, finished: bool) -> BmcAnswer:
    """`bmc3 -a -x -v`'s report; `finished`: ABC exited normally. Frames count as checked only
    as far as ABC says so: an exit without its summary line settles nothing past the frames
    it reported done."""
    first = {int(k): int(f) for k, f in _ASSERTED_ALL.findall(printed)}
    for k, f in _ASSERTED_ONE.findall(printed):
        first.setdefault(int(k), int(f))
    done = [int(f) + 1 for f in _FRAME_DONE.findall(printed)]
    settled = frames_settled(printed) if finished else None
    frames_done = frames_asked if settled is not None and settled >= frames_asked else max(done, default=0)
    return BmcAnswer(first, frames_done)


def proof_status(printed: str) -> str:
    """"proved", "failed" (an output is 1 in some frame) or "undecided"."""
    if re.search(r"^Property proved\.", printed, re.M):
        return "proved"
    if _ASSERTED_ONE.search(printed) or _ASSERTED_ALL.search(printed):
        return "failed"
    return "undecided"


def failing_output(printed: str) -> tuple[int, int] | None:
    """(output, frame) of the counterexample a proof engine found."""
    found = _ASSERTED_ONE.search(printed) or _ASSERTED_ALL.search(printed)
    return (int(found.group(1)), int(found.group(2))) if found else None


def merged_latches(printed: str, reset: dict[str, bool] | None = None) -> list[Clause] | None:
    """The equivalences `scorr -w` proved, as clauses; None when one is with an internal node
    (not expressible over latches). An equivalence holds in the reset state too, so
    "constant" is the latch's reset value, and two latches with the same reset value are
    equal (with different ones, complementary)."""
    if _MERGED_NODE.search(printed):
        return None
    reset = reset or {}
    clauses: list[Clause] = []
    for name in _MERGED_CONSTANT.findall(printed):
        clauses.append(((name, reset.get(name, False)),))
    for name, other in _MERGED_FLOP.findall(printed):
        same = reset.get(name, False) == reset.get(other, False)
        clauses.append(((name, False), (other, same)))
        clauses.append(((name, True), (other, not same)))
    return clauses


def pla_invariant(text: str) -> list[Clause]:
    """PDR's invariant from `pdr -d`: each cube of the PLA is blocked, so the invariant is the
    conjunction of the cubes' negations. Inputs are named by `.ilb` (the latches of the
    network PDR ran on)."""
    names: list[str] = []
    clauses: list[Clause] = []
    for line in text.splitlines():
        if line.startswith(".ilb"):
            names = line.split()[1:]
        elif line and line[0] in "01-":
            cube = line.split()[0]
            if len(cube) != len(names):
                raise ValueError(f"a cube of {len(cube)} literals for {len(names)} inputs")
            clauses.append(tuple((names[k], ch == "0") for k, ch in enumerate(cube) if ch != "-"))
    return clauses


_SIZES = re.compile(r"lat\s*=\s*(\d+)\s+and\s*=\s*(\d+)")


def sizes(printed: str) -> tuple[int, int] | None:
    """(latches, ANDs) of the last `print_stats` in what ABC printed."""
    found = _SIZES.findall(printed)
    return (int(found[-1][0]), int(found[-1][1])) if found else None
