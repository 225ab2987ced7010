"""Step 0 of a trace: which cells of the first state a kernel developer needs, and their names.

By default a trace's first state shows only the cells that its steps or its failing
property read (the rest cannot have mattered to the failure); `--full-state` shows every
cell. A word of a layout is named through the view init last wrote it with, so a free
page's word 1 is `lru.next`, not `compound_head`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from checker import ir
from checker.engines.concrete.interp import FieldWrite, field_bits, format_value, layout_cells
from checker.engines.concrete.replay import Evidence


@dataclass(frozen=True)
class FirstCell:
    path: str             # as shown: `pages[0].lru.next`
    value: object
    type: ir.Type
    read: bool            # a step or the failing property read it


def _as_written(field: ir.LayoutField | int, owner: str, writes: list[FieldWrite]) -> FieldWrite | None:
    """init's last write that covers exactly this cell (a field or a whole word)."""
    for w in reversed(writes):
        f = w.field
        if isinstance(field, int):
            if f.word == field and f.bit == 0 and f.width == ir.WORD_BITS:
                return w
        elif (f.word, f.bit, f.width) == (field.word, field.bit, field.width):
            return w
    return None


def _read_fields(read_paths: Iterable[str], owner: str, layout: ir.LayoutType) -> list[ir.LayoutField]:
    """The fields of the layout value `owner` that these paths name (`owner.view.field` or `owner.field`)."""
    out = []
    for path in read_paths:
        if not path.startswith(owner + "."):
            continue
        rest = path[len(owner) + 1:]
        view, _, name = rest.rpartition(".")
        field = layout.field(view or layout.name, name)
        if field is not None:
            out.append(field)
    return out


def first_cells(model: ir.Model, state: Mapping[str, object], init_writes: tuple[FieldWrite, ...],
                read_paths: frozenset[str]) -> list[FirstCell]:
    """Every scalar cell of `state` in declaration order, named as init wrote it."""
    writes_of: dict[str, list[FieldWrite]] = {}
    for w in init_writes:
        writes_of.setdefault(w.owner, []).append(w)
    out: list[FirstCell] = []

    def walk(value: object, t: ir.Type, prefix: str) -> None:
        if isinstance(t, ir.LayoutType):
            read = _read_fields(read_paths, prefix, t)
            for label, cell in layout_cells(t):
                written = _as_written(cell, prefix, writes_of.get(prefix, []))
                name = written.name if written else f"{prefix}.{label}"
                if isinstance(cell, int):
                    shown, cell_type = value[cell], ir.BitsType(ir.WORD_BITS)  # type: ignore[index]
                    hit = name in read_paths or any(f.word == cell for f in read)
                else:  # an iN field shows signed, also when it names a uN cell
                    shown, cell_type = field_bits(value, cell), (written.field if written else cell).type  # type: ignore[arg-type]
                    hit = name in read_paths or any(f.overlaps(cell) for f in read)
                out.append(FirstCell(name, shown, cell_type, hit))
        elif isinstance(t, ir.RecordType):
            for (name, ft), v in zip(t.fields, value):  # type: ignore[arg-type]
                walk(v, ft, f"{prefix}.{name}")
        elif isinstance(t, ir.ArrayType):
            for i, v in zip(ir.domain_values(t.index), value):  # type: ignore[arg-type]
                walk(v, t.elem, f"{prefix}[{format_value(i, t.index)}]")
        else:
            out.append(FirstCell(prefix, value, t, prefix in read_paths))

    for name, t in model.state:
        walk(state[name], t, name)
    return out


def read_by(evidences: Iterable[Evidence]) -> frozenset[str]:
    """The cells the steps read and those the failing properties read."""
    paths: set[str] = set()
    for evidence in evidences:
        paths |= evidence.touched
        if evidence.instance is not None:
            paths |= {p for p, _, _ in evidence.instance.reads}
        paths |= {d[0] for d in evidence.detail if isinstance(d, tuple)}
    return frozenset(paths)


def first_state_lines(cells: list[FirstCell], show: Callable[[object, ir.Type], str], full: bool,
                      grouped: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]) -> list[str]:
    """`    path = value` lines, equal cells of an array grouped as `pages[*].x`; without
    `full`, only the groups a step or the property read, and a line saying how many are left out."""
    texts = [(c.path, show(c.value, c.type)) for c in cells]
    read = {c.path for c in cells if c.read}
    groups = grouped(texts)
    if full or not read:
        kept, left_out = groups, 0
    else:
        kept = [(path, value) for path, value in groups if _covers(path, read)]
        left_out = len(groups) - len(kept)
    width = max((len(p) for p, _ in kept), default=0)
    lines = [f"    {path:<{width}} = {value}" for path, value in kept]
    if left_out:
        lines.append(f"    ({left_out} more, read by no step and not by the property: --full-state shows them)")
    return lines


def _covers(group_path: str, read: set[str]) -> bool:
    if "[*]" not in group_path:
        return group_path in read
    member = re.compile(re.escape(group_path).replace(re.escape("[*]"), r"\[[^\]]*\]") + "$")
    return any(member.match(p) for p in read)
