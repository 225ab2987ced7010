"""DWARF debug information (an object or module built with -g), read with pyelftools.

Only the top-level struct, union, typedef and enumeration DIEs of each compilation unit
are indexed; an aggregate is converted (members' types nested) when asked for. Member
offsets come from DW_AT_data_member_location (a constant, or DW_OP_plus_uconst in DWARF 2),
bitfields from DW_AT_data_bit_offset (DWARF 4+) or DW_AT_bit_offset (DWARF 2/3, counted
from the most significant bit of the storage unit).
"""
from __future__ import annotations

import struct
from collections.abc import Mapping

from checker.frontend.diagnostics import fail
from checker.layoutcheck.ctypes import Aggregate, Catalogue, CType, Member, Scalar

POINTER_SIZE = 8
_MODIFIERS = ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
              "DW_TAG_atomic_type")


def read(path: str, roots: tuple[str, ...] = ()) -> Catalogue:
    try:
        from elftools.common.exceptions import DWARFError, ELFError
        from elftools.elf.elffile import ELFFile
    except ImportError:
        raise fail("MDC606", "--dwarf needs pyelftools, which is not installed",
                   hint="pip install 'mdcheck[dwarf]' (or pip install pyelftools)") from None
    try:
        f = open(path, "rb")
    except OSError as error:
        raise fail("MDC001", f"cannot read {path}: {error.strerror}") from None
    with f:
        try:
            elf = ELFFile(f)
            if not elf.has_dwarf_info():
                raise fail("MDC602", f"{path} has no DWARF debug information",
                           hint="build it with -g (Kbuild: ccflags-y += -g)")
            info = elf.get_dwarf_info()
            names: dict[str, object] = {}
            enumerators: dict[str, int] = {}
            enums: dict[str, tuple[str, ...]] = {}
            for cu in info.iter_CUs():
                for die in cu.get_top_DIE().iter_children():
                    _index(die, names, enumerators, enums)
            aggregates = {}
            for root in roots:
                die = names.get(" ".join(root.split()))
                if die is not None:
                    built = _convert(die, 0)
                    if isinstance(built, Aggregate):
                        aggregates[root] = built
        except (ELFError, DWARFError, ValueError, KeyError, EOFError, struct.error) as error:
            raise fail("MDC602", f"{path} is not an ELF object with DWARF mdcheck can read: "
                       f"{type(error).__name__}: {error}") from None
    return Catalogue("dwarf", path, _Found(aggregates), enumerators, enums)


class _Found(Mapping):
    def __init__(self, found: dict):
        self._found = found

    def __getitem__(self, name):
        return self._found[" ".join(name.split())]

    def __iter__(self):
        return iter(self._found)

    def __len__(self):
        return len(self._found)


def _name(die) -> str:
    attr = die.attributes.get("DW_AT_name")
    if attr is None:
        return ""
    value = attr.value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _index(die, names: dict, enumerators: dict, enums: dict) -> None:
    name = _name(die)
    if die.tag in ("DW_TAG_structure_type", "DW_TAG_union_type") and name \
            and "DW_AT_declaration" not in die.attributes:
        names.setdefault(f"{'struct' if die.tag == 'DW_TAG_structure_type' else 'union'} {name}", die)
    elif die.tag == "DW_TAG_typedef" and name:
        names.setdefault(name, die)
    elif die.tag == "DW_TAG_enumeration_type":
        members = [(_name(c), c.attributes["DW_AT_const_value"].value) for c in die.iter_children()
                   if c.tag == "DW_TAG_enumerator" and "DW_AT_const_value" in c.attributes]
        if members:
            enums.setdefault(f"enum {name}" if name else f"enum <anonymous: {members[0][0]}>",
                             tuple(n for n, _ in members))
            for n, v in members:
                enumerators.setdefault(n, int(v))


def _target(die):
    return die.get_DIE_from_attribute("DW_AT_type") if "DW_AT_type" in die.attributes else None


def _convert(die, depth: int) -> CType:
    typedef = ""
    while die is not None and die.tag in _MODIFIERS:
        if die.tag == "DW_TAG_typedef" and not typedef:
            typedef = _name(die)
        die = _target(die)
    if die is None:
        return Scalar("void", 0)
    if die.tag in ("DW_TAG_structure_type", "DW_TAG_union_type") and depth < 64:
        members = tuple(_member(m, depth) for m in die.iter_children() if m.tag == "DW_TAG_member")
        return Aggregate("struct" if die.tag == "DW_TAG_structure_type" else "union", _name(die),
                         _size(die), members, typedef)
    return Scalar(typedef or _spelling(die), _size(die))


def _member(m, depth: int) -> Member:
    member_type = _convert(_target(m), depth + 1)
    byte_offset = _location(m)
    attrs = m.attributes
    if "DW_AT_bit_size" in attrs:
        size = attrs["DW_AT_bit_size"].value
        if "DW_AT_data_bit_offset" in attrs:
            offset = attrs["DW_AT_data_bit_offset"].value
        else:  # DWARF 2/3: from the most significant bit of a storage unit of DW_AT_byte_size
            unit = attrs["DW_AT_byte_size"].value if "DW_AT_byte_size" in attrs else member_type.size
            offset = byte_offset * 8 + unit * 8 - attrs.get("DW_AT_bit_offset").value - size
        return Member(_name(m), offset, size, member_type, bitfield=True)
    return Member(_name(m), byte_offset * 8, member_type.size * 8, member_type)


def _location(m) -> int:
    attr = m.attributes.get("DW_AT_data_member_location")
    if attr is None:
        return 0
    if isinstance(attr.value, int):
        return attr.value
    value = list(attr.value)  # DW_OP_plus_uconst (0x23) then a ULEB128
    if value and value[0] == 0x23:
        result, shift = 0, 0
        for byte in value[1:]:
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        return result
    raise ValueError(f"member location {value!r} is not a constant")


def _size(die, depth: int = 0) -> int:
    if die is None or depth > 64:
        return 0
    if "DW_AT_byte_size" in die.attributes:
        return die.attributes["DW_AT_byte_size"].value
    if die.tag == "DW_TAG_pointer_type":
        return POINTER_SIZE
    if die.tag in _MODIFIERS:
        return _size(_target(die), depth + 1)
    if die.tag == "DW_TAG_array_type":
        count = 1
        for sub in die.iter_children():
            if sub.tag == "DW_TAG_subrange_type":
                if "DW_AT_count" in sub.attributes:
                    count *= sub.attributes["DW_AT_count"].value
                elif "DW_AT_upper_bound" in sub.attributes:
                    count *= sub.attributes["DW_AT_upper_bound"].value + 1
                else:
                    count = 0
        return count * _size(_target(die), depth + 1)
    return 0


def _spelling(die, depth: int = 0) -> str:
    if die is None:
        return "void"
    if depth > 16:
        return "..."
    if die.tag == "DW_TAG_pointer_type":
        target = _target(die)
        return ("function" if target is not None and target.tag == "DW_TAG_subroutine_type"
                else _spelling(target, depth + 1)) + " *"
    if die.tag == "DW_TAG_array_type":
        return f"{_spelling(_target(die), depth + 1)} [{_size(die) // max(1, _size(_target(die)))}]"
    if die.tag in _MODIFIERS:
        return _name(die) if die.tag == "DW_TAG_typedef" else _spelling(_target(die), depth + 1)
    prefix = {"DW_TAG_structure_type": "struct ", "DW_TAG_union_type": "union ",
              "DW_TAG_enumeration_type": "enum "}.get(die.tag, "")
    return prefix + (_name(die) or "(anonymous)")
