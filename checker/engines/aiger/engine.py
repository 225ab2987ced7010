"""`--engine abc`: the model as an AIGER circuit, checked by Berkeley ABC.

1. BMC of the properties the configuration expects to be violated: `bmc2` on each of their
   outputs alone, to the depth (then `bmc3` on those it found nothing in: only bmc3 says
   reliably how many frames are clean). ABC checks the frames in order, so an output's first
   failing frame is its shortest depth (export.py states why); the run writes its
   counterexample, read back as a Trace.
2. Proof of the others: `scorr -l` (merging latches equal in every reachable state), then
   `scorr -f` (signal correspondence, whose node pairs join the invariant), then `pdr`; with
   --jobs > 1 `pdr` after latch correspondence alone races it. ABC's invariant is
   re-checked by Z3 on mdcheck's own terms (certificate.py); only then are the properties
   PROVED. The race is to a re-checked proof: each racer's proof is re-checked as it comes,
   while the others go on (_Rechecks). When PDR drives an output to 1, that property is
   left to step 3 and the rest tried again. Under a deadline the proof gets PROOF_SHARE of
   the time left.
3. BMC of every property neither violated nor proved, `bmc3 -a` on all their outputs at
   once: a shortest violation (its counterexample from a run on that output alone), or
   HOLDS to the depth. (A PROVED property needs no BMC: it holds at every depth.)
The expectations only order the work; the verdicts do not depend on them.
"""
from __future__ import annotations

import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from checker import ir
from checker.engines.aiger import abc, answers, certificate, equivalences
from checker.engines.aiger.blast import Unsupported
from checker.engines.aiger.export import Circuit, export
from checker.engines.aiger.witness import BadWitness, trace_of
from checker.engines.verdict import HoldsToDepth, Proved, Unknown, Verdict, Violated


@dataclass(frozen=True)
class AbcOptions:
    depth: int
    deadline: float | None = None
    jobs: int = 1          # ABC processes at once: with 2 or more, proof engines race
    prove: bool = True


@dataclass
class AbcRun:
    verdicts: dict[str, Verdict]
    seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)
    invariant: str | None = None
    deeper: tuple[str, ...] = ()
    figures: dict[str, float | int | str] = field(default_factory=dict)  # sizes and times, for --timing and bench/
    proof_stopped: str = ""  # "timeout" when the proof's share of the deadline ran out first


def check(model: ir.Model, options: AbcOptions, progress: Callable[[str], None] | None = None) -> AbcRun:
    started = time.monotonic()
    tell = progress or (lambda text: None)
    names = [p.name for p in model.properties]
    try:
        binary = abc.find_abc()
    except abc.AbcMissing as missing:
        return _all_unknown(names, str(missing), started)
    tell("writing the circuit")
    try:
        circuit = export(model)
    except Unsupported as unsupported:
        return _all_unknown(names, f"not expressible as a circuit: {unsupported}", started)
    run = AbcRun({}, {})
    run.figures.update(export_seconds=round(circuit.seconds, 2), latches=len(circuit.aig.latches),
                       inputs=len(circuit.aig.inputs), ands=circuit.aig.and_count, outputs=len(circuit.outputs))
    expected = [p.name for p in model.properties if p.expect == "violated"]
    with tempfile.TemporaryDirectory(prefix="mdcheck-abc-") as directory:
        workdir = Path(directory)
        _refute(circuit, binary, workdir, options, run, expected, started, tell)
        if options.prove:
            candidates = [n for n in names if not isinstance(run.verdicts.get(n), (Violated, Unknown))]
            if candidates:
                _prove(circuit, binary, workdir, replace(options, deadline=_proof_deadline(options.deadline)), run,
                       candidates, started, tell)
        rest = [n for n in names if n not in run.verdicts]
        _bounded(circuit, binary, workdir, options, run, rest, started, tell, "bmc_seconds")
    run.deeper = tuple(sorted(set(run.deeper) - {n for n, v in run.verdicts.items() if isinstance(v, Violated)}))
    return run


def _all_unknown(names: list[str], reason: str, started: float) -> AbcRun:
    seconds = time.monotonic() - started
    return AbcRun({n: Unknown(reason, -1) for n in names}, {n: seconds for n in names})


PROOF_SHARE = 0.5  # of the time left under a deadline, what the proof may take: BMC gets the rest


def _proof_deadline(deadline: float | None) -> float | None:
    """The proof's deadline: a proof ABC cannot find would otherwise take all the time left,
    and every property would be UNKNOWN instead of HOLDS to the depth."""
    if deadline is None:
        return None
    now = time.monotonic()
    return now + PROOF_SHARE * max(0.0, deadline - now)


def _time_limit(deadline: float | None) -> str:
    if deadline is None:
        return ""
    return f" -T {max(1, int(deadline - time.monotonic()))}"


def _refute(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun, props: list[str],
            started: float, tell: Callable[[str], None]) -> None:
    """Shortest violations of the few properties expected to break: `bmc3` on each of their
    outputs alone, all at once, each stopping at its first failing frame with its
    counterexample written. A property's depth is the lesser of its outputs' (a tie goes to
    the failing step, as BMC asks about a step before the state it makes)."""
    depth, frames = options.depth, options.depth + 2
    positions = circuit.outputs_of(props)
    for k in positions:
        (workdir / f"refute{k}.aig").write_bytes(circuit.aig.aiger([circuit.aig.outputs[k]], [circuit.outputs[k].name]))
    tell(f"ABC bmc2 to depth {depth}: {', '.join(props)}")
    answers_of = _first_failures(binary, workdir, options, positions, frames, "bmc2")
    seconds = max((a.seconds for a in answers_of.values()), default=0.0)
    unsettled = [k for k in positions if answers.failing_output(answers_of[k].output) is None]
    if unsettled:  # bmc2 found no failure: bmc3 says how far each frame is settled
        tell(f"ABC bmc3 to depth {depth}: {', '.join(props)}")
        again = _first_failures(binary, workdir, options, unsettled, frames, "bmc3")
        answers_of.update(again)
        seconds += max(a.seconds for a in again.values())
    run.figures["refute_seconds"] = round(seconds, 2)
    for name in props:
        mine = [k for k in positions if circuit.outputs[k].prop == name]
        found = []
        unfinished = []
        for k in mine:
            printed = answers_of[k].output
            failing = answers.failing_output(printed)
            settled = answers.frames_settled(printed)
            if answers_of[k].status != "done" or (failing is None and (settled is None or settled < frames)):
                unfinished.append(answers_of[k])
            if failing is not None:
                output = circuit.outputs[k]
                found.append((output.depth(failing[1]), output.kind != "step", k, failing[1]))
        if any(f[0] > depth for f in found):
            run.deeper = tuple(sorted(set(run.deeper) | {name}))
        found = [f for f in found if f[0] <= depth]
        run.seconds[name] = time.monotonic() - started
        if unfinished:
            stopped = unfinished[0]
            run.verdicts[name] = Unknown(stopped.reason if stopped.status != "done"
                                         else "ABC stopped without settling every frame", -1)
        elif not found:
            run.verdicts[name] = HoldsToDepth(depth)
        else:
            at, _, k, frame = min(found)
            try:
                trace = trace_of(circuit, (workdir / f"refute{k}.txt").read_text(), frame, circuit.outputs[k])
                run.verdicts[name] = Violated(at, trace)
            except (BadWitness, OSError) as bad:
                run.verdicts[name] = Unknown(f"ABC's counterexample for '{name}' does not fit the circuit: {bad}",
                                             at - 1)


def _first_failures(binary: str, workdir: Path, options: AbcOptions, positions: list[int], frames: int,
                    command: str) -> dict[int, abc.Answer]:
    """`command` ("bmc2" or "bmc3") on each refute{k}.aig to `frames` frames, all at once, each
    writing its counterexample. Both check frame by frame, so a failing frame they report is
    the output's first (ABC's sources: bmc2 solves each frame's targets before building the
    next). Only bmc3 reports reliably how far it settled a run that found nothing: bmc2 says
    "No output failed" in fewer frames than it checked, and the same about a run its time
    limit stopped, so a bmc2 run without a failure settles nothing here."""
    scripts = [abc.Script(f"refute{k}", f"read_aiger refute{k}.aig; {command} -F {frames}"
                                        f"{_time_limit(options.deadline)}; write_cex -n -f refute{k}.txt")
               for k in positions]
    return dict(zip(positions, abc.race(binary, scripts, workdir, options.deadline, lambda a: False)))


def _bounded(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun, props: list[str],
             started: float, tell: Callable[[str], None], figure: str) -> None:
    """Shortest violations of `props` to options.depth; each of them gets a verdict."""
    depth = options.depth
    if not props:
        return
    positions = circuit.outputs_of(props)
    if not positions:  # no frame can break them
        for name in props:
            run.verdicts[name] = HoldsToDepth(depth)
            run.seconds[name] = time.monotonic() - started
        return
    (workdir / "bmc.aig").write_bytes(circuit.aig.aiger([circuit.aig.outputs[k] for k in positions],
                                                        [circuit.outputs[k].name for k in positions]))
    frames = depth + 2  # a state output fires one frame after its depth
    tell(f"ABC bmc3 to depth {depth}: {len(props)} properties")
    answer = abc.run(binary, abc.Script("bmc3", f"read_aiger bmc.aig; bmc3 -a -x -v -F {frames}"
                                        f"{_time_limit(options.deadline)}"), workdir, options.deadline)
    run.figures[figure] = round(answer.seconds, 2)
    found = answers.bmc_answer(answer.output, frames, answer.status == "done")
    complete = found.frames_done >= frames
    checked = depth if complete else min(depth, found.frames_done - 2)
    shortest: dict[str, tuple[int, int, int]] = {}  # property -> (depth, output, frame)
    deeper = []
    for position, frame in sorted(found.first_failing.items()):
        k = positions[position]
        output = circuit.outputs[k]
        at = output.depth(frame)
        if at > depth:
            deeper.append(output.prop)
            continue
        best = shortest.get(output.prop)
        # a tie goes to the failing step, as BMC asks about the step before the state it makes
        if best is None or (at, output.kind != "step") < (best[0], circuit.outputs[best[1]].kind != "step"):
            shortest[output.prop] = (at, k, frame)
    traces = _counterexamples(circuit, binary, workdir, options, shortest, tell, run.figures)
    for name in props:
        run.seconds[name] = time.monotonic() - started
        if name in traces:
            trace = traces[name]
            run.verdicts[name] = trace if isinstance(trace, Unknown) else Violated(shortest[name][0], trace)
        elif not complete:
            reason = answer.reason if answer.status != "done" else "ABC stopped without settling every frame"
            run.verdicts[name] = Unknown(reason, checked)
        else:
            run.verdicts[name] = HoldsToDepth(depth)
    run.deeper = tuple(sorted(set(run.deeper) | set(deeper)))


def _counterexamples(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions,
                     shortest: dict[str, tuple[int, int, int]], tell: Callable[[str], None],
                     run_figures: dict) -> dict:
    """Per property: ABC's run to its output's first failing frame, as a Trace (or Unknown)."""
    out: dict = {}
    pending = list(shortest.items())
    while pending:
        batch, pending = pending[:max(1, options.jobs)], pending[max(1, options.jobs):]
        scripts = []
        for number, (name, (_, k, frame)) in enumerate(batch):
            aig = f"cex{number}.aig"
            (workdir / aig).write_bytes(circuit.aig.aiger([circuit.aig.outputs[k]], [circuit.outputs[k].name]))
            scripts.append(abc.Script(f"cex{number}", f"read_aiger {aig}; bmc2 -F {frame + 1}"
                                      f"{_time_limit(options.deadline)}; write_cex -n -f cex{number}.txt"))
        tell(f"ABC: counterexamples for {', '.join(name for name, _ in batch)}")
        raced = abc.race(binary, scripts, workdir, options.deadline, lambda a: False)
        seconds_so_far = float(run_figures.get("cex_seconds", 0.0))
        run_figures["cex_seconds"] = round(seconds_so_far + max(a.seconds for a in raced), 2)
        for (name, (at, k, frame)), answer in zip(batch, raced):
            got = answers.failing_output(answer.output)
            if answer.status != "done" or got is None or got[1] != frame:
                out[name] = Unknown(f"ABC found '{name}' broken at depth {at}, but gave no counterexample "
                                    f"of that length ({answer.reason})", at - 1)
                continue
            try:
                out[name] = trace_of(circuit, (workdir / f"{answer.script.name}.txt").read_text(), frame,
                                     circuit.outputs[k])
            except BadWitness as bad:
                out[name] = Unknown(f"ABC's counterexample for '{name}' does not fit the circuit: {bad}", at - 1)
    return out


# The proof scripts, each run in a directory of its own (they write files of the same
# names): (name, directory, the reduction, the PDR run). "scorr+pdr": latch correspondence,
# then signal correspondence on what is left, which merges internal nodes too and dumps the
# pairs it proved (`scorr -f`, after the network it ran on is written with its names) and
# prints the latches it merged (`-w`: the dump lacks the pairs that became structurally
# equal, which are such merges; without them the seed's crash configurations, which scorr
# proves whole, fail the re-check), then PDR. "scorr -l+pdr", the racer with --jobs 2: latch correspondence only. On
# specs/ptdesc_tags.md `fixed` without lemmas at 32 pages, the first leaves 290 latches and
# PDR 1,634 clauses (ABC 15 s of CPU); the second 408 latches and 9,122 clauses (ABC 29 s).
# On the word-exact specs/ptdesc.md the second is the one that proves (4 pages: `scorr -f`
# takes 32 s and removes 7 latches, and PDR after it did not finish in 450 s), and where
# both prove, its proof is cheaper to re-check (no pairs: _Rechecks).
PROOFS = (("scorr+pdr", "signals", "scorr -l -w; dc2; write_aiger -s net.aig; scorr -f -w; dc2; dc2; print_stats", "pdr"),
          ("scorr -l+pdr", "latches", "scorr -l -w; dc2; dc2; print_stats", "pdr"))


@dataclass(frozen=True)
class _Proof:
    """A racer's proof, read from what it wrote: the invariant's clauses over latch bits and
    the node pairs signal correspondence proved (None: it ran none, or proved none)."""
    answer: abc.Answer
    clauses: list[answers.Clause]
    pairs: equivalences.Equivalences | None

    @property
    def has_pairs(self) -> bool:
        return self.pairs is not None and bool(self.pairs.zero)


def _proof_of(answer: abc.Answer, workdir: Path, reset: dict[str, bool]) -> _Proof | str:
    """The proof a racer that proved the outputs wrote, or why there is none to re-check."""
    directory = workdir / answer.script.directory
    clauses = answers.merged_latches(answer.output, reset)
    pairs = _pairs(directory)
    if clauses is None or not (directory / "inv.pla").exists() or isinstance(pairs, str):
        return pairs if isinstance(pairs, str) else "no invariant over latches"
    try:
        return _Proof(answer, clauses + answers.pla_invariant((directory / "inv.pla").read_text()), pairs)
    except ValueError as bad:
        return f"an invariant file that does not read ({bad})"


class _Rechecks:
    """Z3's re-checks of the racers' proofs, one at a time in a thread of their own while the
    other racers run: the first proof Z3 accepts wins. A proof without node pairs stops the
    re-check of one with pairs, which is tried again only if the newcomer fails: pairs cost
    the re-check most (specs/ptdesc.md cpa_collapse, one thread: scorr's proof, 4,143 pairs,
    46 s; latch correspondence and PDR's, 4,970 clauses, 4.5 s)."""

    def __init__(self, circuit: Circuit, outputs: list, deadline: float | None):
        self.circuit, self.outputs, self.deadline = circuit, outputs, deadline
        self.pool = ThreadPoolExecutor(1)
        self.waiting: list[tuple[_Proof, int]] = []   # (proof, threads for its re-check)
        self.current: tuple[_Proof, Future, certificate.Stop] | None = None
        self.accepted: tuple[_Proof, certificate.Recheck] | None = None
        self.rejected: list[tuple[_Proof, certificate.Recheck]] = []

    def offer(self, proof: _Proof, threads: int) -> None:
        if self.current is not None and self.current[0].has_pairs and not proof.has_pairs:
            pushed, _, stop = self.current
            stop.request()
            self.waiting.insert(0, (pushed, threads))
            self.current = None
            self.waiting.insert(0, (proof, threads))
        else:
            self.waiting.append((proof, threads))
        self.settled()

    def settled(self) -> bool:
        """Whether a proof is accepted; starts the next re-check when one has ended."""
        if self.current is not None and self.current[1].done():
            proof, future, stop = self.current
            self.current = None
            checked = future.result()
            if checked.holds:
                self.accepted = (proof, checked)
            elif not stop.requested:
                self.rejected.append((proof, checked))
        if self.accepted is None and self.current is None and self.waiting:
            proof, threads = self.waiting.pop(0)
            stop = certificate.Stop()
            future = self.pool.submit(certificate.recheck, self.circuit, proof.clauses, self.outputs, self.deadline,
                                      threads, proof.pairs, stop)
            self.current = (proof, future, stop)
        return self.accepted is not None

    def outcome(self) -> tuple[_Proof, certificate.Recheck] | None:
        """Waits for the re-checks still to come: the accepted proof, if one is."""
        while not self.settled() and self.current is not None:
            wait([self.current[1]])
        return self.accepted

    def close(self) -> None:
        if self.current is not None:
            self.current[2].request()
        self.waiting.clear()
        self.pool.shutdown(wait=True)


def _prove(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun,
           candidates: list[str], started: float, tell: Callable[[str], None]) -> None:
    proving_from = time.monotonic()
    reset = {name: False for name in circuit.aig.latch_names}
    while candidates:
        positions = circuit.outputs_of(candidates)
        outputs = [circuit.outputs[k] for k in positions]
        rechecks = _Rechecks(circuit, outputs, options.deadline)
        try:
            if not positions:
                rechecks.offer(_Proof(abc.Answer(abc.Script("none needed: no output can be 1", ""), "", 0.0, "done"),
                                      [], None), max(1, options.jobs))
                broken = None
            else:
                broken = _race_proofs(circuit, binary, workdir, options, run, candidates, positions, reset, rechecks,
                                      tell)
            if broken is not None:
                run.deeper = tuple(sorted(set(run.deeper) | {broken}))  # unless step 3 finds it
                candidates = [c for c in candidates if c != broken]
                continue
            if rechecks.waiting or rechecks.current is not None:
                tell("Z3: re-checking ABC's invariant")
            outcome = rechecks.outcome()
        finally:
            rechecks.close()
        for proof, checked in rechecks.rejected:
            verdict = ("Z3's re-check of its invariant ran out of time" if checked.reason == "timeout"
                       else f"Z3 rejects its invariant ({checked.reason})")
            run.notes.append(f"{circuit.model.config}: ABC's {proof.answer.script.name} proved {_named(candidates)}, "
                             f"but {verdict}: not reported as PROVED")
        if outcome is None:
            if any(checked.reason == "timeout" for _, checked in rechecks.rejected):
                run.proof_stopped = "timeout"
            break
        proof, checked = outcome
        engine = proof.answer.script.name
        if positions:
            if proof.pairs is not None:
                run.figures["equivalences"] = len(proof.pairs.zero)
            run.figures["abc_proof_seconds"] = round(proof.answer.seconds, 2)
            reduced = answers.sizes(proof.answer.output)
            if reduced:
                run.figures.update(reduced_latches=reduced[0], reduced_ands=reduced[1])
        run.figures.update(recheck_seconds=round(checked.seconds, 2), invariant_clauses=len(proof.clauses),
                           proof_engine=engine)
        for name in candidates:
            run.verdicts[name] = Proved("abc", f"{engine}, invariant re-checked by Z3")
            run.seconds[name] = time.monotonic() - started
        run.invariant = certificate.describe(circuit, proof.clauses, 0 if proof.pairs is None else len(proof.pairs.zero))
        break
    run.figures["proof_seconds"] = round(time.monotonic() - proving_from, 2)


def _named(properties: list[str]) -> str:
    return ", ".join(properties) if len(properties) <= 3 else f"{len(properties)} properties"


def _race_proofs(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun,
                 candidates: list[str], positions: list[int], reset: dict[str, bool], rechecks: _Rechecks,
                 tell: Callable[[str], None]) -> str | None:
    """The proof scripts, racing: each proof is re-checked as it comes (`rechecks`), and the
    race ends when one is accepted, or when a racer finds an output that can be 1: that
    output's property is returned (the others are tried again without it)."""
    (workdir / "prove.aig").write_bytes(circuit.aig.aiger([circuit.aig.outputs[k] for k in positions],
                                                          [circuit.outputs[k].name for k in positions]))
    limit = _time_limit(options.deadline)
    scripts = []
    for name, directory, reduce, pdr in PROOFS[:max(1, options.jobs)]:
        (workdir / directory).mkdir(exist_ok=True)
        for stale in ("inv.pla", "net.aig", "equiv000.aig"):  # from a run before, on other outputs
            (workdir / directory / stale).unlink(missing_ok=True)
        scripts.append(abc.Script(name, f"read_aiger ../prove.aig; {reduce}; {pdr} -d -I inv.pla{limit}", directory))
    tell(f"ABC: proving {len(candidates)} properties ({' | '.join(s.name for s in scripts)})")
    heard: list[abc.Answer] = []

    def hear(answer: abc.Answer) -> bool:
        heard.append(answer)
        status = answers.proof_status(answer.output)
        if status == "failed":
            return True
        if status == "proved":
            proof = _proof_of(answer, workdir, reset)
            if isinstance(proof, str):
                run.notes.append(f"{circuit.model.config}: ABC's {answer.script.name} proved {_named(candidates)} "
                                 f"but left {proof} to re-check: not reported as PROVED")
            else:  # the threads the racers still running leave free
                rechecks.offer(proof, max(1, options.jobs - (len(scripts) - len(heard))))
        return False
    raced = abc.race(binary, scripts, workdir, options.deadline, hear, rechecks.settled)
    failed = next((a for a in raced if a.status == "done" and answers.proof_status(a.output) == "failed"), None)
    if failed is not None:
        failing = answers.failing_output(failed.output)
        assert failing is not None
        return circuit.outputs[positions[failing[0]]].prop
    if not any(a.status == "done" and answers.proof_status(a.output) == "proved" for a in raced):
        reasons = sorted({a.reason for a in raced})
        if reasons == ["timeout"]:
            run.proof_stopped = "timeout"
        run.notes.append(f"{circuit.model.config}: ABC proved nothing: {', '.join(reasons)}")
    return None


def _pairs(directory: Path) -> equivalences.Equivalences | str | None:
    """The node pairs `scorr -f` proved equal, if it dumped any (it dumps nothing when it
    has no candidates); what is wrong with its files, if something is. (Without the pairs it
    used, the re-check fails: it never depends on them being right or complete.)"""
    network, dumped = directory / "net.aig", directory / "equiv000.aig"
    if not network.exists() or not dumped.exists():
        return None
    try:
        return equivalences.read(network.read_bytes(), dumped.read_bytes())
    except (equivalences.BadDump, ValueError, IndexError, UnicodeDecodeError) as bad:
        return f"a dump of its equivalences that does not read ({bad})"
