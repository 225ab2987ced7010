"""One mdcheck model as one sequential circuit (the encoding is stated in ARCHITECTURE.md).

Latches: `initialized` and every bit of every state cell, all reset to 0. Inputs: the
values init starts from (what it leaves free), the action selector and every action's
parameters. Frame 0 (`initialized` = 0) runs init on its inputs; frame k >= 1 holds the
state after k - 1 steps and runs step k, the chosen action on it. A frame that is not a
good start or step (a require unmet, an input out of its type, an assert failing) leaves
the latches as they are, so the reachable latch values are exactly mdcheck's reachable
states, plus the all-zero reset.

Each property has up to two outputs, so that ABC's first failing frame is the depth:
- `p@step` is 1 in frame k when init (k = 0) or step k fails one of p's asserts or checks:
  depth k;
- `p@state` is 1 in frame k >= 1 when the latched state breaks p: depth k - 1.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from checker import ir
from checker.engines.aiger.aig import Aig
from checker.engines.aiger.blast import Blaster
from checker.engines.symbolic.encoder import Encoder, SymValue
from checker.engines.symbolic.unrolling import (
    Step,
    enabled,
    encode_step,
    failures_by_prop,
    next_state,
    state_failures,
    step_failures,
)

INITIALIZED = "mdcheck.initialized"


@dataclass(frozen=True)
class Cell:
    """One scalar of the state or of the inputs: `width` bits from position `first` of the
    circuit's latches (or inputs)."""
    name: str
    width: int
    is_bool: bool
    first: int

    def bit_names(self) -> list[str]:
        return [self.name] if self.is_bool else [f"{self.name}[{i}]" for i in range(self.width)]


@dataclass(frozen=True)
class Output:
    prop: str
    kind: str  # "step": fires at the depth of its frame; "state": one frame after the depth

    @property
    def name(self) -> str:
        return f"{self.prop}@{self.kind}"

    def depth(self, frame: int) -> int:
        return frame if self.kind == "step" else frame - 1


@dataclass(frozen=True)
class StepTerms:
    """Frame 0 and frame k >= 1 as Z3 terms over `havoc`, `state` and the step's inputs: what
    the circuit is made from, and what the re-check of a proof reads."""
    havoc_in_type: z3.BoolRef
    init_alive: z3.BoolRef
    after_init: dict[str, SymValue]           # the state init makes from `havoc`
    init_breaks: dict[str, z3.BoolRef]        # per property: init fails one of its asserts or checks
    step_in_type: z3.BoolRef                  # the selector and arguments are in their types
    step_good: z3.BoolRef                     # ... and the chosen action is enabled and fails nothing
    after_step: dict[str, SymValue]           # the state the chosen action makes from `state`
    step_breaks: dict[str, z3.BoolRef]        # per property: the step's action fails it
    state_breaks: dict[str, z3.BoolRef]       # per property: `state` breaks it

    def output(self, encoder: Encoder, output: Output, initialized: z3.BoolRef) -> z3.BoolRef:
        """The circuit's output, as a Z3 term."""
        false = encoder.false
        if output.kind == "state":
            return encoder.conj([initialized, self.state_breaks.get(output.prop, false)])
        return encoder.disj([
            encoder.conj([z3.Not(initialized), self.havoc_in_type, self.init_breaks.get(output.prop, false)]),
            encoder.conj([initialized, self.step_in_type, self.step_breaks.get(output.prop, false)]),
        ])


@dataclass
class Circuit:
    model: ir.Model
    aig: Aig
    outputs: list[Output]       # in the order of aig.outputs
    latch_cells: list[Cell]     # the state cells; `initialized` is latch 0, before them
    input_cells: list[Cell]
    encoder: Encoder            # the Z3 terms below live in its context
    state: dict[str, SymValue]  # the latched state as Z3 constants
    havoc: dict[str, SymValue]  # init's starting values
    step: Step                  # the selector and parameters of a step
    terms: StepTerms
    seconds: float = 0.0

    def outputs_of(self, props: list[str]) -> list[int]:
        """The positions of the outputs of these properties."""
        wanted = set(props)
        return [k for k, o in enumerate(self.outputs) if o.prop in wanted]


def leaves(value: SymValue) -> list:
    if isinstance(value, tuple):
        out = []
        for v in value:
            out.extend(leaves(v))
        return out
    return [value]


def _cell(leaf: z3.ExprRef, first: int) -> Cell:
    if z3.is_bool(leaf):
        return Cell(str(leaf), 1, True, first)
    return Cell(str(leaf), leaf.size(), False, first)


def export(model: ir.Model) -> Circuit:
    started = time.monotonic()
    ctx = z3.Context()
    encoder = Encoder(model, ctx)
    aig = Aig()
    blaster = Blaster(aig, ctx)
    initialized = aig.add_latch(INITIALIZED)
    blaster.bind(z3.Bool(INITIALIZED, ctx), [initialized])

    latch_cells: list[Cell] = []
    state = encoder.fresh_state("", [])
    for name, _ in model.state:
        for leaf in leaves(state[name]):
            cell = _cell(leaf, len(aig.latches))
            latch_cells.append(cell)
            blaster.bind(leaf, [aig.add_latch(bit) for bit in cell.bit_names()])

    input_cells: list[Cell] = []

    def add_inputs(leaf: z3.ExprRef) -> None:
        cell = _cell(leaf, len(aig.inputs))
        input_cells.append(cell)
        blaster.bind(leaf, [aig.add_input(bit) for bit in cell.bit_names()])

    domain: list[z3.BoolRef] = []
    havoc = encoder.fresh_state("havoc.", domain)
    for name, _ in model.state:
        for leaf in leaves(havoc[name]):
            add_inputs(leaf)
    step, results, constraints = encode_step(encoder, model, state, 1, lambda: False)
    if step.act is not None:
        add_inputs(step.act)
    for params in step.params:
        for value in params.values():
            for leaf in leaves(value):
                add_inputs(leaf)

    init = encoder.run(model.init, havoc, {})
    step_in_type = encoder.conj(constraints)
    terms = StepTerms(
        havoc_in_type=encoder.conj(domain), init_alive=init.alive, after_init=init.state,
        init_breaks={name: encoder.disj(conds) for name, conds in failures_by_prop([init]).items()},
        step_in_type=step_in_type, step_good=encoder.conj([step_in_type, enabled(encoder, step, results)]),
        after_step=next_state(encoder, model, step, results), step_breaks=step_failures(encoder, step, results),
        state_breaks=state_failures(encoder, model, state))

    initialized_term = z3.Bool(INITIALIZED, ctx)
    outputs: list[Output] = []
    for prop in model.properties:
        for kind in ("step", "state"):
            output = Output(prop.name, kind)
            term = terms.output(encoder, output, initialized_term)
            if z3.is_false(term):
                continue
            outputs.append(output)
            aig.add_output(output.name, blaster.literal(term))

    init_ok = blaster.literal(encoder.conj([terms.havoc_in_type, terms.init_alive]))
    good = blaster.literal(terms.step_good)
    aig.set_next(initialized, aig.or_(initialized, init_ok))
    for name, _ in model.state:
        for leaf, made_by_init, made_by_step in zip(leaves(state[name]), leaves(init.state[name]),
                                                    leaves(terms.after_step[name])):
            now = blaster.bits(leaf)
            for bit, s, t in zip(now, blaster.bits(made_by_init), blaster.bits(made_by_step)):
                aig.set_next(bit, aig.ite(initialized, aig.ite(good, t, bit), aig.ite(init_ok, s, bit)))
    return Circuit(model, aig, outputs, latch_cells, input_cells, encoder, state, havoc, step, terms,
                   time.monotonic() - started)
