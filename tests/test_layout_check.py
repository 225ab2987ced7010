"""`mdcheck layout-check`: the BTF reader on a hand-built blob, member paths through
anonymous unions, the models against a snapshot of a released kernel's BTF (and the live
BTF when there is one), mutated models that must fail, and bad input as coded diagnostics."""
from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import jsonschema
import pytest

from checker.cli import run
from checker.layoutcheck import btf
from checker.layoutcheck.ctypes import from_json, resolve, to_json

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
SNAPSHOT = REPO / "tests" / "data" / "layouts" / "btf-6.18.44-x86_64.json"
LIVE = "/sys/kernel/btf/vmlinux"
SCHEMA = json.loads((REPO / "checker" / "reports" / "schemas" / "mdcheck-layout-check.schema.json").read_text())


# ---- a small BTF blob, built by hand ----

class Blob:
    def __init__(self):
        self.strings = b"\0"
        self.types = b""
        self.count = 0

    def name(self, text: str) -> int:
        if not text:
            return 0
        offset = len(self.strings)
        self.strings += text.encode() + b"\0"
        return offset

    def add(self, kind: int, name: str, vlen: int, size_or_type: int, extra: bytes = b"", kind_flag=False) -> int:
        info = vlen | kind << 24 | (1 << 31 if kind_flag else 0)
        self.types += struct.pack("<3I", self.name(name), info, size_or_type) + extra
        self.count += 1
        return self.count

    def members(self, *items) -> bytes:
        return b"".join(struct.pack("<3I", self.name(n), t, off) for n, t, off in items)

    def bytes(self) -> bytes:
        header = struct.pack("<HBBI4I", btf.MAGIC, 1, 0, 24, 0, len(self.types), len(self.types), len(self.strings))
        return header + self.types + self.strings


def small_btf() -> bytes:
    b = Blob()
    u32 = b.add(btf.INT, "unsigned int", 0, 4, struct.pack("<I", 32))                    # 1
    ulong = b.add(btf.INT, "unsigned long", 0, 8, struct.pack("<I", 64))                  # 2
    ptr = b.add(btf.PTR, "", 0, ulong)                                                    # 3
    anon_struct = b.add(btf.STRUCT, "", 2, 16, b.members(("next", ptr, 0), ("prev", ptr, 64)))  # 4
    anon_union = b.add(btf.UNION, "", 2, 16, b.members(("", anon_struct, 0), ("whole", ulong, 0)))  # 5
    atomic = b.add(btf.STRUCT, "", 1, 4, b.members(("counter", u32, 0)))                 # 6
    atomic_t = b.add(btf.TYPEDEF, "atomic_t", 0, atomic)                                  # 7
    bits = b.add(btf.STRUCT, "", 2, 4, b.members(("lo", u32, 3 << 24 | 0), ("hi", u32, 5 << 24 | 3)),
                 kind_flag=True)                                                          # 8
    b.add(btf.STRUCT, "thing", 4, 32, b.members(("flags", ulong, 0), ("", anon_union, 64),
                                                ("refs", atomic_t, 192), ("", bits, 224)))   # 9
    b.add(btf.ENUM, "colour", 2, 4, struct.pack("<2I", b.name("RED"), 0) + struct.pack("<Ii", b.name("BLUE"), -2),
          kind_flag=True)
    b.add(btf.ENUM64, "big", 1, 8, struct.pack("<3I", b.name("HUGE"), 0, 1))
    b.add(btf.FUNC_PROTO, "", 1, 0, struct.pack("<2I", 0, ulong))
    b.add(btf.CONST, "", 0, ulong)
    b.add(btf.ARRAY, "", 0, 0, struct.pack("<3I", ulong, u32, 4))
    b.add(btf.DECL_TAG, "tag", 0, 9, struct.pack("<i", -1))
    return b.bytes()


def test_the_btf_reader_reads_a_hand_built_blob():
    parsed = btf.parse(small_btf())
    assert len(parsed.types) == 16 and parsed.types[9].name == "thing"
    catalogue = btf.catalogue(parsed, "blob")
    thing = catalogue.aggregate("struct thing")
    assert thing is not None and thing.size == 32
    # through the anonymous union, then the anonymous struct inside it
    assert (resolve(thing, "prev").bit_offset, resolve(thing, "prev").bit_size) == (128, 64)
    assert resolve(thing, "whole").bit_offset == 64
    assert resolve(thing, "refs.counter").bit_offset == 192 and resolve(thing, "refs").type_name == "atomic_t"
    # bitfields: kind_flag members carry size << 24 | bit offset
    assert (resolve(thing, "hi").bit_offset, resolve(thing, "hi").bit_size) == (227, 5)
    assert resolve(thing, "nothing") is None and resolve(thing, "flags.x") is None
    assert catalogue.enumerators == {"RED": 0, "BLUE": -2, "HUGE": 1 << 32}
    assert catalogue.enums["enum colour"] == ("RED", "BLUE")
    again = from_json(to_json(catalogue.__class__("btf", "blob", {"struct thing": thing}, {}, {}), "k"), "x")
    assert again.aggregate("struct thing") == thing


@pytest.mark.parametrize("data, words", [
    (b"\x00" * 30, "bad magic"),
    (b"\x9f\xeb", "too short"),
    (small_btf()[:60], "outside the file"),
    (small_btf()[:2] + b"\x02" + small_btf()[3:], "version 2"),
])
def test_bad_btf_is_a_btf_error(data, words):
    with pytest.raises(btf.BtfError, match=words):
        btf.parse(data)


def test_damaged_btf_is_a_btf_error_or_a_diagnostic_never_a_crash():
    import random

    from checker.frontend.diagnostics import SpecError
    good = small_btf()
    rng = random.Random(20)
    for _ in range(300):
        blob = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            blob[rng.randrange(24, len(blob))] = rng.randrange(256)
        try:
            catalogue = btf.catalogue(btf.parse(bytes(blob)), "fuzz")
            for name in list(catalogue.aggregates)[:5]:
                catalogue.aggregate(name)
        except (btf.BtfError, SpecError):
            pass


def test_a_record_cut_short_is_a_btf_error():
    blob = bytearray(small_btf())
    struct.pack_into("<I", blob, 12, 20)  # type_len: the section ends inside the second record
    with pytest.raises(btf.BtfError, match="ends inside a record"):
        btf.parse(bytes(blob))


# ---- the models against a released kernel ----

def layout_check(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["layout-check", *map(str, args)], out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_models_match_the_snapshot_of_6_18():
    code, out, err = layout_check(MODELS / "struct_page.md", MODELS / "slab_ptdesc.md", "--snapshot", SNAPSHOT)
    assert (code, err) == (0, "")
    assert "against snapshot of btf of 6.18.44" in out
    assert "37 checked: all match, 3 absent in this kernel" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "callback_head.func" in rows["rcu_head.func"] and rows["rcu_head.func"].rstrip().endswith("function *")
    assert "word 5 bits 0-31   word 5 bits 0-31" in rows["ptdesc.ptl"]
    assert "padding" in rows["ptdesc._ptl_pad"] and "_pt_pad_2" in rows["ptdesc._ptl_pad"]
    assert "absent" in rows["page.memdesc"] and "absent" in rows["sizeof(ptdesc_obj)"]


@pytest.mark.skipif(not os.path.exists(LIVE), reason="no BTF of a running kernel here")
def test_the_models_against_the_running_kernel():
    code, out, err = layout_check(MODELS / "struct_page.md", "--btf", LIVE, "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    results = {row["model"]: row["result"] for row in document["specs"][0]["rows"]}
    # sizeof(struct page) and the overlay hold on every x86-64 kernel with struct ptdesc
    assert results["sizeof(page)"] == "ok" and results["page._refcount"] == "ok"
    assert code == document["exit_code"]


def mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = (MODELS / "struct_page.md").read_text()
    assert old in text
    (tmp_path / "struct_page.md").write_text(text.replace(old, new, 1))
    for name in ("memory.md",):
        (tmp_path / name).write_text((MODELS / name).read_text())
    return tmp_path / "struct_page.md"


@pytest.mark.parametrize("old, new, row, says", [
    ("    word 5: private: u64\n", "    word 4: private: u64\n", "page.private", "word 4 bits 0-63   word 5 bits 0-63"),
    ("    word 5: ptl: u32\n", "    word 5: ptl: u64\n", "ptdesc.ptl", "word 5 bits 0-63   word 5 bits 0-31"),
    ("const PG_head = 6 ", "const PG_head = 16 ", "const", "16 (0x10)"),
])
def test_a_mutated_model_fails(tmp_path, old, new, row, says):
    path = mutated(tmp_path, old, new)
    if "ptl: u64" in new:  # the padding after ptl is then covered by ptl itself
        path.write_text(path.read_text().replace("    word 5 bit 32: _ptl_pad: u32 padding", "    word 6 bit 32: _x: u32 padding", 1))
    code, out, err = layout_check(path, "--snapshot", SNAPSHOT)
    assert code == 1, out + err
    failing = [line for line in out.splitlines() if "MISMATCH" in line]
    assert any(line.split()[0] == row and says in line for line in failing), out


def test_a_member_the_kernel_does_not_have_is_missing(tmp_path):
    path = mutated(tmp_path, 'cname "__folio_index|index"', 'cname "index"')
    code, out, _ = layout_check(path, "--snapshot", SNAPSHOT)
    assert code == 1 and any(l.split()[0] == "page.__folio_index" and "MISSING" in l for l in out.splitlines())


# ---- bad input: coded diagnostics, exit 3, no traceback ----

def test_bad_inputs_are_diagnostics(tmp_path):
    spec = MODELS / "struct_page.md"
    code, out, err = layout_check(spec, "--btf", tmp_path / "none")
    assert code == 3 and "error[MDC001]: cannot read" in err and "Traceback" not in err
    (tmp_path / "junk").write_bytes(b"JUNK" + b"\0" * 100)
    code, _, err = layout_check(spec, "--btf", tmp_path / "junk")
    assert code == 3 and "error[MDC601]" in err and "bad magic" in err
    (tmp_path / "snap.json").write_text('{"format": "other"}')
    code, _, err = layout_check(spec, "--snapshot", tmp_path / "snap.json")
    assert code == 3 and "error[MDC604]" in err
    code, _, err = layout_check(spec, "--btf", "x", "--snapshot", "y")
    assert code == 3 and "error[MDC501]" in err


def test_an_unknown_c_type_is_a_diagnostic_at_its_line(tmp_path):
    spec = tmp_path / "spec.md"
    spec.write_text('# t\n\n```mdcheck\nlayout thing[1] ctype "struct no_such_thing" {\n    word 0: a: u64\n}\n```\n')
    code, out, err = layout_check(spec, "--snapshot", SNAPSHOT)
    assert code == 3
    assert "spec.md:4:17: error[MDC603]: struct no_such_thing (modelled by 'thing') is not among" in err


def test_c_names_where_no_c_type_is_named(tmp_path):
    spec = tmp_path / "spec.md"
    spec.write_text('```mdcheck\nlayout thing[1] {\n    word 0: a: u64 cname "b"\n}\n```\n')
    code, _, err = layout_check(spec, "--snapshot", SNAPSHOT)
    assert code == 3 and "error[MDC309]: field 'thing.a' names a C member, but 'thing' names no C type" in err
    spec.write_text('```mdcheck\nlayout thing[1] {\n    word 0: a: u64\n}\n```\n')
    code, _, err = layout_check(spec, "--snapshot", SNAPSHOT)
    assert code == 3 and "error[MDC605]" in err


def test_the_parser_keeps_c_names_with_their_spans():
    from checker.frontend import syntax as s
    from checker.frontend.parser import parse_block
    from checker.frontend.source import ModelBlock
    decls = parse_block(ModelBlock("x.md", 10, 'layout page[8] ctype "struct page|struct  pg" {\n'
                                   '    word 4: i: u64 cname "__folio_index|index"\n'
                                   '    word 2: m: u64 absent "RFC"\n'
                                   '    word 5 bit 32: p: u32 padding "after ptl"\n}\n'
                                   'const A = 1 cname "macro A" absent "gone"\n'))
    layout, const = decls
    assert layout.c == s.CName("member", ("struct page", "struct pg"))
    assert (layout.c.span.line, layout.c.span.col) == (10, 16)
    i, m, p = layout.fields
    assert i.c == s.CName("member", ("__folio_index", "index")) and i.c.span.line == 11
    assert m.c == s.CName("absent", (), "RFC") and p.c == s.CName("padding", (), "after ptl")
    assert const.c == s.CName("absent", ("macro A",), "gone")


def test_c_names_are_not_reserved_words(tmp_path):
    spec = tmp_path / "spec.md"
    spec.write_text("```mdcheck\nvar cname: u8\nvar ctype: u8\nvar absent: u8\nvar padding: u8\n"
                    "init { cname = 1; ctype = 2; absent = 3; padding = 4 }\n"
                    "invariant i: cname + ctype + absent + padding == 10\n```\n")
    out, err = io.StringIO(), io.StringIO()
    assert run([str(spec), "--no-timing", "--depth", "1"], out, err) == 0, err.getvalue()


def test_write_snapshot_round_trips(tmp_path):
    snap = tmp_path / "snap.json"
    code, first, _ = layout_check(MODELS / "struct_page.md", "--snapshot", SNAPSHOT, "--write-snapshot", snap)
    assert code == 0
    assert json.loads(snap.read_text())["aggregates"] == json.loads(SNAPSHOT.read_text())["aggregates"]
    code, again, _ = layout_check(MODELS / "struct_page.md", "--snapshot", snap)
    assert code == 0 and first.splitlines()[1:] == again.splitlines()[1:]


# ---- DWARF (pyelftools; an object built here with gcc -g) ----

THING_C = """
struct list_head { struct list_head *next, *prev; };
typedef struct { int counter; } atomic_t;
struct thing {
    unsigned long flags;
    union { struct { struct list_head *next, *prev; }; struct list_head lru; unsigned long whole; };
    atomic_t refs;
    unsigned int lo:3, hi:5;
};
enum colour { RED, BLUE = -2 };
struct thing t;
enum colour c;
"""

THING_SPEC = """# thing
```mdcheck
layout thing[4] ctype "struct thing" {
    word 0: flags: u64
    word 1: next: u64 cname "lru.next|next"
    word 2: prev: u64
    word 1: whole: u64
    word 3: refs: u32 cname "refs.counter"
    word 3 bit 32: lo: u3
    word 3 bit 35: hi: u5
    word 3 bit 40: rest: u24 padding "after the bitfields"
}
const BLUE = -2 cname "BLUE"
```
"""


@pytest.mark.parametrize("flag", ["-g", "-gdwarf-2"])
def test_dwarf_of_an_object_built_here(tmp_path, flag):
    pytest.importorskip("elftools")
    import shutil
    import subprocess
    if shutil.which("gcc") is None:
        pytest.skip("no gcc")
    (tmp_path / "thing.c").write_text(THING_C)
    subprocess.run(["gcc", flag, "-c", "thing.c", "-o", "thing.o"], cwd=tmp_path, check=True)
    (tmp_path / "thing.md").write_text(THING_SPEC)
    code, out, err = layout_check(tmp_path / "thing.md", "--dwarf", tmp_path / "thing.o")
    assert (code, err) == (0, ""), out
    assert "against dwarf of" in out and "10 checked: all match" in out
    (tmp_path / "thing.md").write_text(THING_SPEC.replace("bit 35: hi: u5", "bit 36: hi: u5"))
    code, out, _ = layout_check(tmp_path / "thing.md", "--dwarf", tmp_path / "thing.o")
    assert code == 1 and any(l.split()[0] == "thing.hi" and "MISMATCH" in l for l in out.splitlines())


def test_dwarf_of_a_file_without_it(tmp_path):
    pytest.importorskip("elftools")
    (tmp_path / "thing.md").write_text(THING_SPEC)
    (tmp_path / "x.o").write_bytes(b"not elf")
    code, _, err = layout_check(tmp_path / "thing.md", "--dwarf", tmp_path / "x.o")
    assert code == 3 and "error[MDC602]" in err and "Traceback" not in err


def test_the_models_against_debian_6_1_say_what_differs():
    """DWARF of tools/layout-probe built against Debian's 6.1.0-57 headers: no struct ptdesc
    (MDC603, exit 3), `index` for __folio_index, other PG_ numbers, no enum pagetype."""
    code, out, err = layout_check(MODELS / "struct_page.md", "--snapshot",
                                  REPO / "tests" / "data" / "layouts" / "dwarf-6.1.0-57-amd64.json")
    assert code == 3 and "error[MDC603]: struct ptdesc (modelled by 'ptdesc') is not among" in err
    rows = {line.split()[0] + " " + line.split()[1]: line for line in out.splitlines() if line.startswith("  ")}
    assert "struct page: index " in rows["page.__folio_index struct"] and " ok " in rows["page.__folio_index struct"]
    assert "16 (0x10)" in rows["const PG_head"] and "MISMATCH" in rows["const PG_head"]
    assert "MISSING" in rows["const PGTY_table"]


def test_json_and_macros(tmp_path):
    spec = tmp_path / "spec.md"
    spec.write_text('```mdcheck\nconst PG_head = 6 cname "PG_head"\n'
                    'const POISON_POINTER_DELTA = 0xdead000000000000 cname "macro POISON_POINTER_DELTA"\n'
                    'const PG_nothing = 1 cname "PG_nothing"\n```\n')
    code, out, err = layout_check(spec, "--snapshot", SNAPSHOT, "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert document["format"] == "mdcheck-layout-check/1" and document["exit_code"] == code == 1
    rows = {r["model"]: r for r in document["specs"][0]["rows"]}
    assert rows["const PG_head"]["result"] == "ok" and rows["const PG_head"]["line"] == 2
    assert rows["const POISON_POINTER_DELTA"]["result"] == "unchecked"
    assert rows["const PG_nothing"]["result"] == "MISSING"


def test_json_of_bad_input_is_a_document_too(tmp_path):
    code, out, err = layout_check(MODELS / "struct_page.md", "--btf", tmp_path / "none", "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert code == document["exit_code"] == 3 and document["diagnostics"][0]["code"] == "MDC001"


def test_dwarf_without_pyelftools_is_a_diagnostic(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "elftools", None)
    monkeypatch.setitem(sys.modules, "elftools.elf.elffile", None)
    monkeypatch.setitem(sys.modules, "elftools.common.exceptions", None)
    (tmp_path / "thing.md").write_text(THING_SPEC)
    code, _, err = layout_check(tmp_path / "thing.md", "--dwarf", tmp_path / "x.o")
    assert code == 3 and "error[MDC606]: --dwarf needs pyelftools" in err


@pytest.mark.skipif(not os.path.exists(LIVE), reason="no BTF of a running kernel here")
def test_the_live_btf_says_what_the_snapshot_says_when_it_is_that_kernel():
    import platform
    if platform.release() != json.loads(SNAPSHOT.read_text())["kernel"]:
        pytest.skip("the running kernel is not the snapshot's")
    models = (MODELS / "struct_page.md", MODELS / "slab_ptdesc.md")
    live = layout_check(*models, "--btf", LIVE)
    snap = layout_check(*models, "--snapshot", SNAPSHOT)
    assert live[0] == snap[0] == 0
    assert [l for l in live[1].splitlines() if l.startswith("  ")] == \
        [l for l in snap[1].splitlines() if l.startswith("  ")]


def test_btf_inside_an_elf_file(tmp_path):
    import shutil
    import subprocess
    if shutil.which("gcc") is None or shutil.which("objcopy") is None:
        pytest.skip("no gcc or objcopy")
    (tmp_path / "thing.c").write_text(THING_C)
    subprocess.run(["gcc", "-c", "thing.c", "-o", "thing.o"], cwd=tmp_path, check=True)
    with pytest.raises(btf.BtfError, match="without a .BTF section"):
        btf.parse((tmp_path / "thing.o").read_bytes())
    (tmp_path / "blob.btf").write_bytes(small_btf())
    subprocess.run(["objcopy", "--add-section", ".BTF=blob.btf", "thing.o", "with-btf.o"], cwd=tmp_path, check=True)
    catalogue = btf.catalogue(btf.parse((tmp_path / "with-btf.o").read_bytes()), "elf")
    assert catalogue.aggregate("struct thing").size == 32


def test_the_models_match_debian_6_12_through_the_alternate_names():
    """DWARF of tools/layout-probe built against Debian's 6.12.111 headers: every offset
    matches, found as `index` (not __folio_index) and `__page_flags` (not pt_flags)."""
    code, out, err = layout_check(MODELS / "struct_page.md", "--snapshot",
                                  REPO / "tests" / "data" / "layouts" / "dwarf-6.12.111+deb12-amd64.json")
    assert (code, err) == (0, ""), out
    assert "against snapshot of dwarf of 6.12.111+deb12-amd64" in out
    assert "37 checked: all match, 3 absent in this kernel" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "struct page: index " in rows["page.__folio_index"]
    assert "struct ptdesc: __page_flags " in rows["ptdesc.pt_flags"]
