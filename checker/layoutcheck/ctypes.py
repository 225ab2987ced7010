"""What a compiler says about C types, whatever it was read from (BTF, DWARF, a snapshot).

A `Catalogue` holds aggregates (structs and unions, their members' types nested in full)
and enumerators. Member paths are resolved here, through anonymous unions and structs,
the way C resolves `page->rcu_head.func`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Union

SNAPSHOT_FORMAT = "mdcheck-layout-snapshot/1"


@dataclass(frozen=True)
class Scalar:
    """Anything but a struct or union: an integer, a pointer, an enum, an array, ..."""
    name: str      # as C spells the type, e.g. "unsigned long", "struct list_head *", "int [2]"
    size: int      # bytes


@dataclass(frozen=True)
class Member:
    name: str                  # "" for an anonymous union or struct
    bit_offset: int            # from the start of the enclosing aggregate
    bit_size: int              # a bitfield's width, else the type's size in bits
    type: "CType"
    bitfield: bool = False


@dataclass(frozen=True)
class Aggregate:
    kind: str                  # "struct" or "union"
    name: str                  # "" when anonymous
    size: int                  # bytes
    members: tuple[Member, ...]
    typedef: str = ""          # the typedef it was reached through (`atomic_t`), if any

    @property
    def c_name(self) -> str:
        if self.typedef:
            return self.typedef
        return f"{self.kind} {self.name}" if self.name else f"anonymous {self.kind}"


CType = Union[Scalar, Aggregate]


@dataclass(frozen=True)
class Located:
    """Where a member path lands: bits from the start of the outermost aggregate."""
    path: str
    bit_offset: int
    bit_size: int
    type_name: str


@dataclass(frozen=True)
class Catalogue:
    """Aggregates by C name ("struct page", "union x", or a typedef's name) and enumerators."""
    source: str                          # "btf", "dwarf" or "snapshot of btf"
    origin: str                          # the kernel release or file it came from
    aggregates: Mapping[str, Aggregate]
    enumerators: Mapping[str, int]
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "enum pageflags" -> its names

    def aggregate(self, c_name: str) -> Aggregate | None:
        return self.aggregates.get(" ".join(c_name.split()))


def resolve(aggregate: Aggregate, path: str) -> Located | None:
    """`rcu_head.func` in `struct page`: each component found among the members, or inside
    an anonymous member (depth first, in declaration order), offsets added up."""
    offset, current, found = 0, aggregate, None
    for part in path.split("."):
        if not isinstance(current, Aggregate):
            return None
        hit = _find_member(current, part)
        if hit is None:
            return None
        inner_offset, found = hit
        offset += inner_offset
        current = found.type
    assert found is not None
    return Located(path, offset, found.bit_size, type_name(found.type))


def _find_member(aggregate: Aggregate, name: str) -> tuple[int, Member] | None:
    for m in aggregate.members:
        if m.name == name:
            return m.bit_offset, m
    for m in aggregate.members:
        if not m.name and isinstance(m.type, Aggregate):
            hit = _find_member(m.type, name)
            if hit is not None:
                return m.bit_offset + hit[0], hit[1]
    return None


def leaves(aggregate: Aggregate, offset: int = 0, path: str = "") -> Iterable[tuple[str, int, int]]:
    """(path, bit offset, bit size) of every member at any depth that has no members of its own."""
    for m in aggregate.members:
        name = f"{path}.{m.name}" if path and m.name else (m.name or path)
        if isinstance(m.type, Aggregate) and m.type.members:
            yield from leaves(m.type, offset + m.bit_offset, name)
        else:
            yield name, offset + m.bit_offset, m.bit_size


def is_pad_member(path: str) -> bool:
    """The kernel's own padding members: `_pt_pad_1`, `__pad`, `_pad2`, ..."""
    return path.rsplit(".", 1)[-1].lstrip("_").startswith("pad") or "_pad_" in path


def type_name(t: CType) -> str:
    return t.c_name if isinstance(t, Aggregate) else t.name


# ---- snapshots: a catalogue as JSON, restricted to what some specs name ----

def to_json(catalogue: Catalogue, kernel: str) -> str:
    document = {
        "format": SNAPSHOT_FORMAT,
        "source": catalogue.source,
        "kernel": kernel,
        "aggregates": {name: _aggregate_json(a) for name, a in sorted(catalogue.aggregates.items())},
        "enums": {name: {n: catalogue.enumerators[n] for n in names}
                  for name, names in sorted(catalogue.enums.items())},
    }
    return json.dumps(document, indent=1) + "\n"


def _aggregate_json(a: Aggregate) -> dict:
    out = {"kind": a.kind, "name": a.name, "size": a.size, "members": [_member_json(m) for m in a.members]}
    if a.typedef:
        out["typedef"] = a.typedef
    return out


def _member_json(m: Member) -> dict:
    t = _aggregate_json(m.type) if isinstance(m.type, Aggregate) else {"scalar": m.type.name, "size": m.type.size}
    out = {"name": m.name, "bit_offset": m.bit_offset, "bit_size": m.bit_size, "type": t}
    if m.bitfield:
        out["bitfield"] = True
    return out


class SnapshotError(ValueError):
    pass


def from_json(text: str, origin: str) -> Catalogue:
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError(f"not a layout snapshot (expected \"format\": \"{SNAPSHOT_FORMAT}\")")
        aggregates = {name: _aggregate_from(a) for name, a in document["aggregates"].items()}
        enums = {name: tuple(values) for name, values in document["enums"].items()}
        enumerators = {n: int(v) for values in document["enums"].values() for n, v in values.items()}
        kernel = str(document.get("kernel", "?"))
        return Catalogue(f"snapshot of {document.get('source', '?')}", f"{kernel} ({origin})",
                         aggregates, enumerators, enums)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, SnapshotError):
            raise
        raise SnapshotError(f"malformed layout snapshot: {type(error).__name__}: {error}") from None


def _aggregate_from(a: dict) -> Aggregate:
    return Aggregate(a["kind"], a["name"], int(a["size"]), tuple(_member_from(m) for m in a["members"]),
                     str(a.get("typedef", "")))


def _member_from(m: dict) -> Member:
    t = m["type"]
    member_type: CType = _aggregate_from(t) if "kind" in t else Scalar(t["scalar"], int(t["size"]))
    return Member(m["name"], int(m["bit_offset"]), int(m["bit_size"]), member_type, bool(m.get("bitfield")))
