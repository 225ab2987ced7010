"""`mdcheck layout-check SPEC.md ...`: each annotated layout, view and constant against what
a compiler says (BTF, DWARF or a snapshot of either). Exit 0 all match, 1 a mismatch,
3 a spec, usage or input error, 4 an internal error."""
from __future__ import annotations

import argparse
import os
import platform
from typing import TextIO

from checker import ir
from checker.cli.options import EXIT_INTERNAL, EXIT_OK, EXIT_SPEC_ERROR, ArgumentParser, UsageError
from checker.cli.preparing import combine, print_diagnostics
from checker.frontend.diagnostics import Diagnostic, SourceTexts, SpecError
from checker.frontend.loader import load_spec
from checker.frontend.search_path import default_search_path
from checker.layoutcheck import table
from checker.layoutcheck.compare import compare
from checker.layoutcheck.ctypes import Catalogue, to_json
from checker.layoutcheck.sources import LIVE_BTF, read_btf, read_dwarf, read_snapshot, restrict, wanted
from checker.typecheck import collect_declarations
from checker.typecheck.cnames import c_bindings

USAGE = ("usage: mdcheck layout-check SPEC.md ... [--btf FILE | --dwarf FILE | --snapshot FILE] "
         "[-I DIR] [--format text|json] [--write-snapshot FILE [--kernel RELEASE]]")


def argument_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="mdcheck layout-check",
                       description="Compare the word, bit and width of every field of each layout and view "
                                   "that names its C type (ctype/cname) with the compiler's offsets and sizes, "
                                   "and each constant that names an enumerator with its value.")
    p.add_argument("specs", nargs="+", metavar="SPEC.md")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--btf", metavar="FILE",
                        help=f"raw BTF (default: {LIVE_BTF}, the running kernel's, when present)")
    source.add_argument("--dwarf", metavar="FILE",
                        help="an object or module built with -g (needs pyelftools: pip install 'mdcheck[dwarf]')")
    source.add_argument("--snapshot", metavar="FILE", help="a layout snapshot made with --write-snapshot")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--write-snapshot", metavar="FILE",
                   help="also write the types and enums the specs name, as read, to FILE (JSON)")
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="also look for imported models in DIR (repeatable), as `mdcheck -I` does")
    p.add_argument("--kernel", metavar="RELEASE",
                   help="the kernel release the types come from, for the snapshot (default: uname -r with "
                        "the live BTF, else the file's name)")
    return p


def run_layout_check(argv: list[str], out: TextIO, err: TextIO) -> int:
    try:
        args = argument_parser().parse_args(argv)
        if not (args.btf or args.dwarf or args.snapshot):
            if not os.path.exists(LIVE_BTF):
                raise UsageError(f"no --btf, --dwarf or --snapshot, and {LIVE_BTF} is absent")
            args.btf = LIVE_BTF
        for folder in args.include:
            if not os.path.isdir(folder):
                raise UsageError(f"-I {folder}: no such folder")
    except UsageError as error:
        print(f"mdcheck: error[MDC501]: {error}", file=err)
        print(USAGE, file=err)
        return EXIT_SPEC_ERROR
    texts = SourceTexts()
    try:
        specs, seen = [], set()
        for path in args.specs:
            spec = load_spec(path, default_search_path(tuple(args.include)))
            texts = SourceTexts({**texts.lines_by_path, **spec.texts.lines_by_path})
            bindings = _not_yet_reported(c_bindings(collect_declarations(spec)), seen)
            specs.append((spec.path, bindings))
        everything = ir.CBindings(tuple(s for _, b in specs for s in b.structs),
                                  tuple(c for _, b in specs for c in b.consts))
        if not everything.structs and not everything.consts:
            raise SpecError([Diagnostic("MDC605", "no layout, view or constant of " + ", ".join(args.specs)
                                        + " names a C type or enumerator",
                                        hint='annotate one: layout page[8] ctype "struct page" { ... }')])
        catalogue = _catalogue(args, everything)
        if args.write_snapshot:
            kernel = args.kernel or (platform.release() if args.btf == LIVE_BTF else catalogue.origin)
            types, enumerators = wanted(everything)
            with open(args.write_snapshot, "w") as f:
                f.write(to_json(restrict(catalogue, types, enumerators), kernel))
        reports = [compare(path, bindings, catalogue) for path, bindings in specs]
    except SpecError as error:
        print_diagnostics(error.diagnostics, error.texts or texts, err)
        if args.format == "json":
            out.write(table.document([], EXIT_SPEC_ERROR, error.diagnostics))
        return EXIT_SPEC_ERROR
    except OSError as error:
        print(f"mdcheck: error[MDC001]: cannot write {error.filename}: {error.strerror}", file=err)
        if args.format == "json":
            out.write(table.document([], EXIT_SPEC_ERROR, (Diagnostic("MDC001", f"cannot write {error.filename}"),)))
        return EXIT_SPEC_ERROR
    except Exception as error:
        if os.environ.get("MDCHECK_DEBUG"):
            raise
        print(f"mdcheck: internal error in layout-check: {type(error).__name__}: {error}\n"
              "mdcheck: this is a bug in mdcheck; set MDCHECK_DEBUG=1 for the Python traceback", file=err)
        return EXIT_INTERNAL
    for report in reports:
        print_diagnostics(report.diagnostics, texts, err)
    code = combine([r.exit_code for r in reports]) if reports else EXIT_OK
    out.write(table.text(reports) if args.format == "text" else table.document(reports, code))
    return code


def _not_yet_reported(bindings: ir.CBindings, seen: set) -> ir.CBindings:
    """What an earlier spec on the command line (one it imports, say) did not already report."""
    def new(item) -> bool:
        key = (type(item).__name__, item.model if isinstance(item, ir.CStruct) else item.name,
               item.span.path if item.span else None)
        fresh = key not in seen
        seen.add(key)
        return fresh
    return ir.CBindings(tuple(s for s in bindings.structs if new(s)), tuple(c for c in bindings.consts if new(c)))


def _catalogue(args: argparse.Namespace, bindings: ir.CBindings) -> Catalogue:
    if args.snapshot:
        return read_snapshot(args.snapshot)
    if args.dwarf:
        return read_dwarf(args.dwarf, wanted(bindings)[0], args.kernel)
    origin = f"{platform.release()} ({LIVE_BTF})" if args.btf == LIVE_BTF else args.btf
    return read_btf(args.btf, args.kernel or origin)
