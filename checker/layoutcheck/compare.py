"""The model's word, bit and width of every annotated field against the compiler's offsets.

One `Row` per field, per sizeof and per constant; a C type that is neither found nor
marked absent is a diagnostic (MDC603), not a row.
"""
from __future__ import annotations

from dataclasses import dataclass

from checker import ir
from checker.frontend.diagnostics import Diagnostic
from checker.frontend.source import Span
from checker.layoutcheck.ctypes import Aggregate, Catalogue, Located, is_pad_member, leaves, resolve

OK, MISMATCH, MISSING, ABSENT, PADDING, UNCHECKED = "ok", "MISMATCH", "MISSING", "absent", "padding", "unchecked"
FAILING = (MISMATCH, MISSING)


@dataclass(frozen=True)
class Row:
    model: str            # "page.__folio_index", "sizeof(page)", "const PG_head"
    c_name: str           # "struct page: __folio_index", or what was tried
    expected: str         # what the model says
    found: str            # what the compiler says ("-" when nothing)
    status: str           # ok, MISMATCH, MISSING, absent, padding, unchecked (a macro)
    note: str = ""
    span: Span | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILING


@dataclass(frozen=True)
class LayoutReport:
    spec: str
    source: str           # "btf", "dwarf", "snapshot of btf"
    origin: str           # the kernel release or file
    rows: tuple[Row, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def exit_code(self) -> int:
        if self.diagnostics:
            return 3
        return 1 if any(r.failed for r in self.rows) else 0


def compare(spec: str, bindings: ir.CBindings, catalogue: Catalogue) -> LayoutReport:
    rows: list[Row] = []
    diagnostics: list[Diagnostic] = []
    for struct in bindings.structs:
        found = _first_aggregate(catalogue, struct.c.names)
        if struct.c.kind == "absent":
            present = f"; {found[0]} exists here ({found[1].size} bytes)" if found else ""
            rows.append(Row(_sizeof(struct), " | ".join(struct.c.names) or "-", _bytes(struct.size), "-", ABSENT,
                            (struct.c.reason or "") + present, struct.span))
            continue
        if found is None:
            diagnostics.append(Diagnostic(
                "MDC603", f"{' | '.join(struct.c.names)} (modelled by '{struct.model}') is not among the "
                f"{catalogue.source} types of {catalogue.origin}", struct.span,
                hint="mark it absent \"why\" if this kernel has no such type, or give the name it has "
                     "here as an alternate: ctype \"struct a|struct b\""))
            continue
        c_type, aggregate = found
        if struct.size is not None:
            status = OK if struct.size == aggregate.size else MISMATCH
            rows.append(Row(_sizeof(struct), f"sizeof({c_type})", _bytes(struct.size), _bytes(aggregate.size),
                            status, "", struct.span))
        for f in struct.fields:
            rows.append(_field_row(struct, f, c_type, aggregate))
    for const in bindings.consts:
        rows.append(_const_row(const, catalogue))
    return LayoutReport(spec, catalogue.source, catalogue.origin, tuple(rows), tuple(diagnostics))


def _first_aggregate(catalogue: Catalogue, names: tuple[str, ...]) -> tuple[str, Aggregate] | None:
    for name in names:
        found = catalogue.aggregate(name)
        if found is not None:
            return name, found
    return None


def _sizeof(struct: ir.CStruct) -> str:
    return f"sizeof({struct.model})"


def _bytes(size: int | None) -> str:
    return "-" if size is None else f"{size} bytes"


def _field_row(struct: ir.CStruct, f: ir.CField, c_type: str, aggregate: Aggregate) -> Row:
    model = f"{struct.model}.{f.name}"
    expected = _place(f.word * 64 + f.bit, f.width)
    if f.c.kind == "padding":
        start, end = f.word * 64 + f.bit, f.word * 64 + f.bit + f.width
        covering = [(p, o, n) for p, o, n in leaves(aggregate) if o < end and start < o + n]
        real = [c for c in covering if not is_pad_member(c[0])]
        inside = end <= aggregate.size * 8
        if real:
            found = "covered by " + ", ".join(f"{p} ({_place(o, n)})" for p, o, n in real)
        else:
            found = "no member" + (" (only " + ", ".join(p for p, _, _ in covering) + ")" if covering else "")
        if not inside:
            found += f"; past the end of {c_type}"
        return Row(model, f"{c_type}: padding", expected, found, PADDING if not real and inside else MISMATCH,
                   f.c.reason or "", f.span)
    located = _first_member(aggregate, f.c.names)
    if f.c.kind == "absent":
        note = f.c.reason or ""
        if located:
            note += f"; {located.path} exists here at {_place(located.bit_offset, located.bit_size)}"
        return Row(model, f"{c_type}: " + (" | ".join(f.c.names) or "-"), expected, "-", ABSENT, note, f.span)
    if located is None:
        return Row(model, f"{c_type}: " + " | ".join(f.c.names), expected, "-", MISSING,
                   "no such member", f.span)
    status = OK if (located.bit_offset, located.bit_size) == (f.word * 64 + f.bit, f.width) else MISMATCH
    return Row(model, f"{c_type}: {located.path}", expected, _place(located.bit_offset, located.bit_size),
               status, located.type_name, f.span)


def _first_member(aggregate: Aggregate, names: tuple[str, ...]) -> Located | None:
    for name in names:
        found = resolve(aggregate, name)
        if found is not None:
            return found
    return None


def _place(bit_offset: int, bit_size: int) -> str:
    word, bit = divmod(bit_offset, 64)
    if bit + bit_size > 64:
        return f"byte {bit_offset // 8}{'' if bit_offset % 8 == 0 else f' bit {bit_offset % 8}'}, {bit_size} bits"
    return f"word {word} bits {bit}-{bit + bit_size - 1}"


def _const_row(const: ir.CConst, catalogue: Catalogue) -> Row:
    model = f"const {const.name}"
    if const.c.kind == "absent":
        return Row(model, " | ".join(const.c.names) or "-", _hex(const.value), "-", ABSENT,
                   const.c.reason or "", const.span)
    for name in const.c.names:
        if name in catalogue.enumerators:
            value = catalogue.enumerators[name]
            return Row(model, name, _hex(const.value), _hex(value), OK if value == const.value else MISMATCH,
                       _enum_of(catalogue, name), const.span)
    if any(name.startswith("macro ") for name in const.c.names):
        return Row(model, " | ".join(const.c.names), _hex(const.value), "-", UNCHECKED,
                   "a macro: neither BTF nor DWARF records its value", const.span)
    return Row(model, " | ".join(const.c.names), _hex(const.value), "-", MISSING,
               "no such enumerator (for a macro, say cname \"macro NAME\")", const.span)


def _enum_of(catalogue: Catalogue, name: str) -> str:
    return next((enum for enum, names in catalogue.enums.items() if name in names), "")


def _hex(value: int) -> str:
    return str(value) if -10 < value < 10 else f"{value} ({value:#x})"
