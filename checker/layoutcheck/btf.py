"""BTF, the kernel's own type format (/sys/kernel/btf/vmlinux), read with no dependency.

The format (include/uapi/linux/btf.h, Documentation/bpf/btf.rst): a header (magic 0xeB9F,
version, flags, hdr_len, then the offset and length of the type section and of the string
section, both counted from the end of the header), a type section of `struct btf_type`
records (name_off, info = vlen | kind << 24 | kind_flag << 31, size-or-type) each followed by
data of its kind, and a string section of NUL-terminated names. Type ids count from 1 (0 is
void) in the order of the records.
"""
from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Iterator

from checker.frontend.diagnostics import fail
from checker.layoutcheck.ctypes import Aggregate, Catalogue, CType, Member, Scalar

MAGIC = 0xEB9F
POINTER_SIZE = 8  # BTF does not record it; every kernel mdcheck models is 64-bit

(INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
 VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64) = range(1, 20)
KIND_NAMES = {INT: "INT", PTR: "PTR", ARRAY: "ARRAY", STRUCT: "STRUCT", UNION: "UNION", ENUM: "ENUM",
              FWD: "FWD", TYPEDEF: "TYPEDEF", VOLATILE: "VOLATILE", CONST: "CONST", RESTRICT: "RESTRICT",
              FUNC: "FUNC", FUNC_PROTO: "FUNC_PROTO", VAR: "VAR", DATASEC: "DATASEC", FLOAT: "FLOAT",
              DECL_TAG: "DECL_TAG", TYPE_TAG: "TYPE_TAG", ENUM64: "ENUM64"}
_MODIFIERS = (TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG)


class BtfError(ValueError):
    """The bytes are not BTF this reader understands; the message says where."""


@dataclass(frozen=True)
class BtfType:
    kind: int
    name: str
    size_or_type: int          # the size for INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC; else a type id
    kind_flag: bool
    members: tuple[tuple[str, int, int], ...] = ()   # STRUCT/UNION: (name, type id, offset word)
    enumerators: tuple[tuple[str, int], ...] = ()    # ENUM/ENUM64
    array: tuple[int, int] = (0, 0)                  # ARRAY: (element type id, number of elements)


@dataclass(frozen=True)
class Btf:
    types: tuple[BtfType | None, ...]    # index = type id; 0 is void

    def type(self, type_id: int) -> BtfType | None:
        if not 0 <= type_id < len(self.types):
            raise BtfError(f"type id {type_id} is out of range (split BTF needs its base, vmlinux)")
        return self.types[type_id]


def btf_section(data: bytes) -> bytes:
    """The `.BTF` section of a 64-bit ELF file (a vmlinux); other bytes are returned as they are."""
    if data[:4] != b"\x7fELF":
        return data
    if len(data) < 64 or data[4] != 2:
        raise BtfError("an ELF file, but not a 64-bit one")
    order = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(order + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(order + "3H", data, 0x3A)
    if shentsize < 64 or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
        raise BtfError("an ELF file whose section headers lie outside it")

    def section(i: int) -> tuple[int, int, int]:
        name, = struct.unpack_from(order + "I", data, shoff + i * shentsize)
        offset, size = struct.unpack_from(order + "2Q", data, shoff + i * shentsize + 0x18)
        return name, offset, size

    _, names_at, names_size = section(shstrndx)
    for i in range(shnum):
        name, offset, size = section(i)
        start = names_at + name
        if data[start: data.find(b"\0", start)] == b".BTF":
            if offset + size > len(data):
                raise BtfError("the ELF file's .BTF section lies outside it")
            return data[offset: offset + size]
    raise BtfError("an ELF file without a .BTF section (for its DWARF, use --dwarf)")


def parse(data: bytes) -> Btf:
    data = btf_section(data)
    if len(data) < 24:
        raise BtfError(f"{len(data)} bytes: too short for a BTF header")
    for order in "<>":
        if struct.unpack_from(order + "H", data, 0)[0] == MAGIC:
            break
    else:
        raise BtfError(f"bad magic 0x{struct.unpack_from('<H', data, 0)[0]:04x} (BTF starts with 0xeb9f)")
    version, = struct.unpack_from("B", data, 2)
    if version != 1:
        raise BtfError(f"BTF version {version}; this reader knows version 1")
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(order + "5I", data, 4)
    if hdr_len < 24 or hdr_len + max(type_off + type_len, str_off + str_len) > len(data):
        raise BtfError("the header's sections lie outside the file")
    strings = data[hdr_len + str_off: hdr_len + str_off + str_len]
    section = data[hdr_len + type_off: hdr_len + type_off + type_len]
    return Btf((None,) + tuple(_records(section, strings, order)))


def _records(section: bytes, strings: bytes, order: str) -> Iterator[BtfType]:
    pos, end = 0, len(section)

    def name(offset: int) -> str:
        if offset >= len(strings):
            raise BtfError(f"string offset {offset} is outside the string section")
        stop = strings.find(b"\0", offset)
        return strings[offset: stop if stop >= 0 else len(strings)].decode("utf-8", "replace")

    def words(count: int) -> tuple[int, ...]:
        nonlocal pos
        if pos + 4 * count > end:
            raise BtfError(f"type section ends inside a record (at byte {pos})")
        values = struct.unpack_from(order + f"{count}I", section, pos)
        pos += 4 * count
        return values

    while pos < end:
        name_off, info, size_or_type = words(3)
        kind, vlen, kind_flag = (info >> 24) & 0x1F, info & 0xFFFF, bool(info >> 31)
        t = BtfType(kind, name(name_off), size_or_type, kind_flag)
        if kind in (INT, VAR, DECL_TAG):
            words(1)
        elif kind == ARRAY:
            elem, _index, count = words(3)
            t = BtfType(kind, t.name, size_or_type, kind_flag, array=(elem, count))
        elif kind in (STRUCT, UNION):
            raw = words(3 * vlen)
            t = BtfType(kind, t.name, size_or_type, kind_flag,
                        members=tuple((name(raw[i]), raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)))
        elif kind == ENUM:
            raw = words(2 * vlen)
            signed = kind_flag
            t = BtfType(kind, t.name, size_or_type, kind_flag, enumerators=tuple(
                (name(raw[i]), _signed32(raw[i + 1]) if signed else raw[i + 1]) for i in range(0, len(raw), 2)))
        elif kind == ENUM64:
            raw = words(3 * vlen)
            t = BtfType(kind, t.name, size_or_type, kind_flag, enumerators=tuple(
                (name(raw[i]), _value64(raw[i + 1], raw[i + 2], kind_flag)) for i in range(0, len(raw), 3)))
        elif kind in (FUNC_PROTO,):
            words(2 * vlen)
        elif kind == DATASEC:
            words(3 * vlen)
        elif kind not in (PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG):
            raise BtfError(f"unknown BTF kind {kind} at byte {pos - 12} of the type section")
        yield t


def _signed32(v: int) -> int:
    return v - (1 << 32) if v & (1 << 31) else v


def _value64(lo: int, hi: int, signed: bool) -> int:
    v = hi << 32 | lo
    return v - (1 << 64) if signed and v & (1 << 63) else v


# ---- to the neutral catalogue ----

def catalogue(btf: Btf, origin: str) -> Catalogue:
    names: dict[str, int] = {}
    enumerators: dict[str, int] = {}
    enums: dict[str, tuple[str, ...]] = {}
    for type_id, t in enumerate(btf.types):
        if t is None or not t.name:
            continue
        if t.kind in (STRUCT, UNION):
            names.setdefault(f"{'struct' if t.kind == STRUCT else 'union'} {t.name}", type_id)
        elif t.kind == TYPEDEF:
            names.setdefault(t.name, type_id)
        if t.kind in (ENUM, ENUM64):
            enums.setdefault(f"enum {t.name}", tuple(n for n, _ in t.enumerators))
        if t.kind in (ENUM, ENUM64):
            for n, v in t.enumerators:
                enumerators.setdefault(n, v)
    for type_id, t in enumerate(btf.types):  # anonymous enums: their names are still constants
        if t is not None and not t.name and t.kind in (ENUM, ENUM64) and t.enumerators:
            enums.setdefault(f"enum <anonymous: {t.enumerators[0][0]}>", tuple(n for n, _ in t.enumerators))
            for n, v in t.enumerators:
                enumerators.setdefault(n, v)
    return Catalogue("btf", origin, _Aggregates(btf, names, origin), enumerators, enums)


class _Aggregates(Mapping):
    """Aggregates by name, each built (members' types nested) when first asked for."""

    def __init__(self, btf: Btf, names: dict[str, int], origin: str):
        self._btf, self._names, self._built, self._origin = btf, names, {}, origin

    def __getitem__(self, name: str) -> Aggregate:
        if name not in self._built:
            type_id = self._names[name]
            try:
                built = _Converter(self._btf).ctype(type_id)
            except BtfError as error:
                raise fail("MDC601", f"{name} in {self._origin}: {error}") from None
            if not isinstance(built, Aggregate):
                raise KeyError(name)
            self._built[name] = built
        return self._built[name]

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _Converter:
    def __init__(self, btf: Btf):
        self.btf = btf
        self.depth = 0

    def ctype(self, type_id: int) -> CType:
        t = self.btf.type(type_id)
        if t is None:
            return Scalar("void", 0)
        typedef = ""
        for _ in range(65):
            if t is None or t.kind not in _MODIFIERS:
                break
            if t.kind == TYPEDEF and not typedef:
                typedef = t.name
            type_id = t.size_or_type
            t = self.btf.type(type_id)
        else:
            raise BtfError("a chain of typedefs and qualifiers more than 64 long")
        if t is None:
            return Scalar("void", 0)
        if t.kind in (STRUCT, UNION):
            self.depth += 1
            if self.depth > 64:
                raise BtfError("aggregates nest more than 64 deep")
            try:
                return Aggregate("struct" if t.kind == STRUCT else "union", t.name, t.size_or_type,
                                 tuple(self._member(m, t.kind_flag) for m in t.members), typedef)
            finally:
                self.depth -= 1
        return Scalar(self.spelling(type_id), self.size(type_id))

    def _member(self, raw: tuple[str, int, int], kind_flag: bool) -> Member:
        name, type_id, offset = raw
        if kind_flag and offset >> 24:
            return Member(name, offset & 0xFFFFFF, offset >> 24, self.ctype(type_id), bitfield=True)
        bit_offset = offset & 0xFFFFFF if kind_flag else offset
        member_type = self.ctype(type_id)
        size = member_type.size if isinstance(member_type, Aggregate) else self.size(type_id)
        return Member(name, bit_offset, 8 * size, member_type)

    def size(self, type_id: int) -> int:
        for _ in range(64):
            t = self.btf.type(type_id)
            if t is None:
                return 0
            if t.kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC):
                return t.size_or_type
            if t.kind == PTR:
                return POINTER_SIZE
            if t.kind == ARRAY:
                return t.array[1] * self.size(t.array[0])
            if t.kind in _MODIFIERS:
                type_id = t.size_or_type
                continue
            return 0
        raise BtfError("a chain of typedefs and qualifiers more than 64 long")

    def spelling(self, type_id: int, depth: int = 0) -> str:
        t = self.btf.type(type_id)
        if t is None:
            return "void"
        if depth > 16:
            return "..."
        if t.kind == PTR:
            return self.spelling(t.size_or_type, depth + 1) + " *"
        if t.kind == ARRAY:
            return f"{self.spelling(t.array[0], depth + 1)} [{t.array[1]}]"
        if t.kind in (VOLATILE, CONST, RESTRICT, TYPE_TAG):
            return self.spelling(t.size_or_type, depth + 1)
        prefix = {STRUCT: "struct ", UNION: "union ", ENUM: "enum ", ENUM64: "enum ", FWD: "struct "}.get(t.kind, "")
        if t.kind == FUNC_PROTO:
            return "function"
        return prefix + (t.name or "(anonymous)")
