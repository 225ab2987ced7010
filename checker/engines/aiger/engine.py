"""`--engine abc`: the model as an AIGER circuit, checked by Berkeley ABC.

1. BMC: `bmc3 -a` over every output to the depth; ABC checks the frames in order, so each
   output's first failing frame is its shortest depth (export.py states why). Each property
   so broken gets ABC's counterexample from a run on its output alone, as a Trace.
2. Proof of what holds: `scorr` (merging latches equal in every reachable state) then
   `pdr`, on the outputs of the properties still open; with --jobs > 1 plain `pdr` races it.
   ABC's invariant is re-checked by Z3 on mdcheck's own terms (certificate.py); only then
   are the properties PROVED. A property whose output PDR drives to 1 is broken deeper
   than the depth, and the others are tried again without it.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from checker import ir
from checker.engines.aiger import abc, answers, certificate
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
    with tempfile.TemporaryDirectory(prefix="mdcheck-abc-") as directory:
        workdir = Path(directory)
        _bounded(circuit, binary, workdir, options, run, started, tell)
        open_props = [n for n in names if isinstance(run.verdicts.get(n), HoldsToDepth)]
        if options.prove and open_props:
            _prove(circuit, binary, workdir, options, run, open_props, started, tell)
    return run


def _all_unknown(names: list[str], reason: str, started: float) -> AbcRun:
    seconds = time.monotonic() - started
    return AbcRun({n: Unknown(reason, -1) for n in names}, {n: seconds for n in names})


def _time_limit(deadline: float | None) -> str:
    if deadline is None:
        return ""
    return f" -T {max(1, int(deadline - time.monotonic()))}"


def _bounded(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun, started: float,
             tell: Callable[[str], None]) -> None:
    """Shortest violations to options.depth; every property gets a verdict."""
    model, depth = circuit.model, options.depth
    if not circuit.outputs:
        for prop in model.properties:
            run.verdicts[prop.name] = HoldsToDepth(depth)
            run.seconds[prop.name] = time.monotonic() - started
        return
    (workdir / "model.aig").write_bytes(circuit.aig.aiger([o for o in circuit.aig.outputs],
                                                          [o.name for o in circuit.outputs]))
    frames = depth + 2  # a state output fires one frame after its depth
    tell(f"ABC bmc3 to depth {depth}")
    answer = abc.run(binary, abc.Script("bmc3", f"read_aiger model.aig; bmc3 -a -x -v -F {frames}"
                                        f"{_time_limit(options.deadline)}"), workdir, options.deadline)
    run.figures["bmc_seconds"] = round(answer.seconds, 2)
    found = answers.bmc_answer(answer.output, frames, answer.status == "done")
    checked = depth if answer.status == "done" else min(depth, found.frames_done - 2)
    shortest: dict[str, tuple[int, int, int]] = {}  # property -> (depth, output, frame)
    deeper = []
    for k, frame in sorted(found.first_failing.items()):
        output = circuit.outputs[k]
        at = output.depth(frame)
        if at > depth:
            deeper.append(output.prop)
            continue
        best = shortest.get(output.prop)
        # a tie goes to the failing step, as BMC asks about the step before the state it makes
        if best is None or (at, output.kind != "step") < (best[0], circuit.outputs[best[1]].kind != "step"):
            shortest[output.prop] = (at, k, frame)
    traces = _counterexamples(circuit, binary, workdir, options, shortest, tell)
    for prop in model.properties:
        name = prop.name
        run.seconds[name] = time.monotonic() - started
        if name in traces:
            trace = traces[name]
            run.verdicts[name] = trace if isinstance(trace, Unknown) else Violated(shortest[name][0], trace)
        elif answer.status != "done" and checked < depth:
            reason = "timeout" if answer.status == "timeout" else answer.reason
            run.verdicts[name] = Unknown(reason, checked)
        else:
            run.verdicts[name] = HoldsToDepth(depth)
    run.deeper = tuple(sorted(set(deeper) - set(shortest)))


def _counterexamples(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions,
                     shortest: dict[str, tuple[int, int, int]], tell: Callable[[str], None]) -> dict:
    """Per property: ABC's run to its output's first failing frame, as a Trace (or Unknown)."""
    out: dict = {}
    pending = list(shortest.items())
    while pending:
        batch, pending = pending[:max(1, options.jobs)], pending[max(1, options.jobs):]
        scripts = []
        for number, (name, (_, k, frame)) in enumerate(batch):
            aig = f"cex{number}.aig"
            (workdir / aig).write_bytes(circuit.aig.aiger([circuit.aig.outputs[k]], [circuit.outputs[k].name]))
            scripts.append(abc.Script(f"cex{number}", f"read_aiger {aig}; bmc3 -F {frame + 1}"
                                      f"{_time_limit(options.deadline)}; write_cex -n -f cex{number}.txt"))
        tell(f"ABC: counterexamples for {', '.join(name for name, _ in batch)}")
        for (name, (at, k, frame)), answer in zip(batch, abc.race(binary, scripts, workdir, options.deadline,
                                                                  lambda a: False)):
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


def _prove(circuit: Circuit, binary: str, workdir: Path, options: AbcOptions, run: AbcRun,
           candidates: list[str], started: float, tell: Callable[[str], None]) -> None:
    proving_from = time.monotonic()
    reset = {name: False for name in circuit.aig.latch_names}
    while candidates:
        positions = circuit.outputs_of(candidates)
        clauses: list[answers.Clause] | None = []
        engine = "none needed: no output can be 1"
        if positions:
            (workdir / "prove.aig").write_bytes(circuit.aig.aiger([circuit.aig.outputs[k] for k in positions],
                                                                  [circuit.outputs[k].name for k in positions]))
            limit = _time_limit(options.deadline)
            scripts = [abc.Script("scorr+pdr", f"read_aiger prove.aig; scorr -l -w; pdr -d -I scorr.pla{limit}")]
            if options.jobs > 1:
                scripts.append(abc.Script("pdr", f"read_aiger prove.aig; pdr -d -I plain.pla{limit}"))
            tell(f"ABC: proving {len(candidates)} properties ({' | '.join(s.name for s in scripts)})")
            raced = abc.race(binary, scripts, workdir, options.deadline,
                             lambda a: answers.proof_status(a.output) != "undecided")
            winner = next((a for a in raced if a.status == "done" and answers.proof_status(a.output) != "undecided"),
                          None)
            if winner is None:
                reasons = sorted({a.reason for a in raced})
                run.notes.append(f"{circuit.model.config}: ABC proved nothing: {', '.join(reasons)}")
                break
            if answers.proof_status(winner.output) == "failed":
                failing = answers.failing_output(winner.output)
                assert failing is not None
                broken = circuit.outputs[positions[failing[0]]]
                run.deeper = tuple(sorted(set(run.deeper) | {broken.prop}))
                candidates = [c for c in candidates if c != broken.prop]
                continue
            engine = winner.script.name
            pla = workdir / ("scorr.pla" if engine == "scorr+pdr" else "plain.pla")
            clauses = answers.merged_latches(winner.output, reset) if engine == "scorr+pdr" else []
            if clauses is None or not pla.exists():
                run.notes.append(f"{circuit.model.config}: ABC's {engine} proved {', '.join(candidates)} but left "
                                 "no invariant over latches to re-check: not reported as PROVED")
                break
            clauses = clauses + answers.pla_invariant(pla.read_text())
            run.figures["abc_proof_seconds"] = round(winner.seconds, 2)
        tell(f"Z3: re-checking ABC's invariant ({len(clauses)} clauses)")
        checked = certificate.recheck(circuit, clauses, [circuit.outputs[k] for k in positions], options.deadline)
        run.figures.update(recheck_seconds=round(checked.seconds, 2), invariant_clauses=len(clauses),
                           proof_engine=engine)
        if not checked.holds:
            run.notes.append(f"{circuit.model.config}: ABC's {engine} proved {', '.join(candidates)}, but Z3 "
                             f"rejects its invariant ({checked.reason}): not reported as PROVED")
            break
        for name in candidates:
            run.verdicts[name] = Proved("abc", f"{engine}, invariant re-checked by Z3")
            run.seconds[name] = time.monotonic() - started
        run.invariant = certificate.describe(circuit, clauses)
        break
    run.figures["proof_seconds"] = round(time.monotonic() - proving_from, 2)
