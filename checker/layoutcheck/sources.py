"""Where the compiler's view of the types comes from: a BTF file, an object with DWARF, a
snapshot; each read into a `Catalogue`, or a coded diagnostic saying why not."""
from __future__ import annotations

from dataclasses import replace

from checker import ir
from checker.frontend.diagnostics import fail
from checker.layoutcheck import btf
from checker.layoutcheck.ctypes import Catalogue, SnapshotError, from_json

LIVE_BTF = "/sys/kernel/btf/vmlinux"


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as error:
        raise fail("MDC001", f"cannot read {path}: {error.strerror}") from None


def read_btf(path: str, origin: str | None = None) -> Catalogue:
    data = _read(path)
    try:
        return btf.catalogue(btf.parse(data), origin or path)
    except btf.BtfError as error:
        raise fail("MDC601", f"{path} is not BTF mdcheck can read: {error}",
                   hint=f"--btf takes raw BTF such as {LIVE_BTF}; for an object file with debug "
                        "information use --dwarf") from None


def read_dwarf(path: str, roots: tuple[str, ...], origin: str | None = None) -> Catalogue:
    from checker.layoutcheck import dwarf
    found = dwarf.read(path, roots)
    return replace(found, origin=f"{origin} ({path})") if origin else found


def read_snapshot(path: str) -> Catalogue:
    data = _read(path)
    try:
        return from_json(data.decode("utf-8", "replace"), path.rsplit("/", 1)[-1])
    except SnapshotError as error:
        raise fail("MDC604", f"{path}: {error}",
                   hint="make one with mdcheck layout-check SPEC.md --btf FILE --write-snapshot OUT.json") from None


def wanted(bindings: ir.CBindings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The C types and enumerators some spec names (every alternate)."""
    types = tuple(dict.fromkeys(n for s in bindings.structs for n in s.c.names))
    enumerators = tuple(dict.fromkeys(n for c in bindings.consts for n in c.c.names))
    return types, enumerators


def restrict(catalogue: Catalogue, types: tuple[str, ...], enumerators: tuple[str, ...]) -> Catalogue:
    """Only what the specs name: the types found, and each whole enum one of the enumerators is in."""
    aggregates = {name: found for name in types if (found := catalogue.aggregate(name)) is not None}
    enums = {enum: names for enum, names in catalogue.enums.items() if any(n in names for n in enumerators)}
    values = {n: catalogue.enumerators[n] for names in enums.values() for n in names}
    return replace(catalogue, aggregates=aggregates, enumerators=values, enums=enums)
