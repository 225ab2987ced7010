"""What one run of mdcheck found, as values: the input of every output format (text, JSON,
ITF, JUnit, SARIF) and of the pytest plugin. No solver and no printing here.

A run checks specs; a spec has configurations; a configuration has one result per property.
Counterexamples are here only after the interpreter replayed them (`evidence`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from checker import ir
from checker.engines.concrete.replay import Evidence
from checker.engines.symbolic import coverage
from checker.engines.verdict import CounterexampleToInduction, NotFound, PropertyResult, Proved, Unknown, Violated
from checker.frontend.diagnostics import Diagnostic, SourceTexts


@dataclass(frozen=True)
class Cti:
    """A counterexample to induction, replayed from its first state."""
    prop: ir.Property
    cti: CounterexampleToInduction
    evidence: Evidence


@dataclass(frozen=True)
class ConfigOutcome:
    model: ir.Model
    depth: int | None                       # BMC's depth; None for explicit search and simulation
    shown: str                              # how the header describes the search
    results: tuple[PropertyResult, ...]     # one per property, in the spec's order
    evidence: dict[str, Evidence]           # per violated property: the replayed trace's failure
    ctis: tuple[Cti, ...] = ()
    notes: tuple[str, ...] = ()
    details: tuple[str, ...] = ()           # notes only -v prints: a CTI's line, a proof budget spent, ...
    uncovered: tuple[tuple[coverage.Goal, int], ...] = ()  # coverage goals not met, with the depth searched
    internal_errors: tuple[str, ...] = ()   # counterexamples that did not replay
    proof_stopped: str = ""                 # why the proof engine stopped early ("resource limit", ...)

    @property
    def name(self) -> str:
        return self.model.config


@dataclass(frozen=True)
class SpecOutcome:
    path: str
    configs: tuple[ConfigOutcome, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()  # a spec error: no configuration was checked
    texts: SourceTexts = field(default_factory=SourceTexts)
    exit_code: int = 0
    internal_error: str = ""  # a bug in mdcheck stopped the check of this spec
    warnings: tuple[Diagnostic, ...] = ()  # lints (MDC7xx); they change no verdict


def status(result: PropertyResult) -> str:
    """ok / unexpected / unknown / inconclusive: how a result counts against the run."""
    if result.as_expected:
        return "ok"
    if isinstance(result.verdict, Unknown):
        return "unknown"
    if isinstance(result.verdict, NotFound):
        return "inconclusive"
    return "unexpected"


def engine_of(result: PropertyResult, config: ConfigOutcome) -> str:
    """The engine that gave this verdict: bmc, k-induction, pdr, explicit, simulation or abc."""
    verdict = result.verdict
    if isinstance(verdict, Proved):
        return verdict.engine
    if isinstance(verdict, NotFound):
        return "simulation"
    if config.shown.startswith("explicit"):
        return "explicit"
    if config.shown.startswith("simulation"):
        return "simulation"
    if config.shown.endswith("ABC"):
        return "abc"
    return "bmc"


def expects_no_violation(config: ConfigOutcome) -> bool:
    """The configuration is meant to hold: it declares no `expect ... violated`."""
    return not any(r.prop.expect == "violated" for r in config.results)


def failed(result: PropertyResult) -> bool:
    return isinstance(result.verdict, Violated)
