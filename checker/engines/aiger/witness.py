"""ABC's counterexample (`write_cex -n -f`: every input and latch, by name, per frame) as an
mdcheck Trace. Frame 0's inputs are init's starting values; frame k's inputs are the action
chosen at step k and its arguments; the latches of frame k + 1 are the state after step k.
The trace is replayed by the interpreter like every other, so the states ABC simulated
are checked against the interpreter's."""
from __future__ import annotations

from checker import ir
from checker.engines.aiger.export import Circuit, Output
from checker.engines.symbolic.encoder import SymValue, scalar_width
from checker.engines.verdict import Step, Trace

Frames = list[dict[str, int]]  # per frame: cell name -> value (unsigned)


class BadWitness(Exception):
    """ABC's counterexample does not fit the circuit."""


def read_frames(text: str, circuit: Circuit) -> tuple[Frames, Frames]:
    """(inputs per frame, latches per frame) of a `write_cex -n -f` file."""
    bit_of: dict[str, tuple[str, int, bool]] = {}
    for cells, is_latch in ((circuit.latch_cells, True), (circuit.input_cells, False)):
        for cell in cells:
            for i, bit in enumerate(cell.bit_names()):
                bit_of[bit] = (cell.name, i, is_latch)
    inputs: Frames = []
    latches: Frames = []
    for token in text.split():
        name, at, rest = token.rpartition("@")
        if not at or "=" not in rest:
            continue
        frame_text, _, value = rest.partition("=")
        if name not in bit_of:
            if name == "mdcheck.initialized":
                continue
            raise BadWitness(f"ABC's counterexample names '{name}', which is not in the circuit")
        cell, bit, is_latch = bit_of[name]
        frames = latches if is_latch else inputs
        frame = int(frame_text)
        while len(frames) <= frame:
            frames.append({})
        values = frames[frame]
        values[cell] = values.get(cell, 0) | (1 << bit if value == "1" else 0)
    return inputs, latches


def _value(template: SymValue, t: ir.Type, cells: dict[str, int]) -> object:
    """Mirrors encoder.decode, reading each scalar from `cells` by its constant's name."""
    if isinstance(t, ir.LayoutType):
        return tuple(cells.get(str(w), 0) for w in template)  # type: ignore[union-attr]
    if isinstance(t, ir.RecordType):
        return tuple(_value(v, ft, cells) for (_, ft), v in zip(t.fields, template))  # type: ignore[arg-type]
    if isinstance(t, ir.ArrayType):
        return tuple(_value(v, t.elem, cells) for v in template)  # type: ignore[union-attr]
    raw = cells.get(str(template), 0)
    if isinstance(t, ir.BoolType):
        return bool(raw)
    if isinstance(t, ir.IntType):
        w = scalar_width(t)
        return raw - (1 << w) if raw >= (1 << (w - 1)) else raw
    return raw


def state_of(circuit: Circuit, template: dict[str, SymValue], cells: dict[str, int]) -> dict[str, object]:
    return {name: _value(template[name], t, cells) for name, t in circuit.model.state}


def trace_of(circuit: Circuit, text: str, frame: int, output: Output) -> Trace:
    """The run ABC found that sets `output` in `frame`."""
    model = circuit.model
    inputs, latches = read_frames(text, circuit)
    depth = output.depth(frame)
    failed_in_step = output.kind == "step"
    if len(inputs) <= max(depth, 0) or len(latches) <= depth + (0 if failed_in_step else 1):
        raise BadWitness(f"ABC's counterexample has {len(inputs)} frames of inputs and {len(latches)} of "
                         f"latches, too few for depth {depth}")
    havoc = state_of(circuit, circuit.havoc, inputs[0])
    if depth == 0 and failed_in_step:  # init itself failed
        return Trace(havoc, havoc, (), True)
    states = [state_of(circuit, circuit.state, latches[k]) for k in range(1, len(latches))]
    steps = []
    for k in range(1, depth + 1):
        chosen = inputs[k].get(str(circuit.step.act), 0) if circuit.step.act is not None else 0
        if chosen >= len(model.actions):
            raise BadWitness(f"frame {k} chooses action {chosen} of {len(model.actions)}")
        action = model.actions[chosen]
        args = tuple((p, _value(circuit.step.params[chosen][p], t, inputs[k])) for p, t in action.params)
        post = None if failed_in_step and k == depth else states[k]
        steps.append(Step(action.name, args, post))
    return Trace(havoc, states[0], tuple(steps), failed_in_step)
