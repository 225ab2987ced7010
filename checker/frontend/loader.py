"""Load a spec and the models it imports, in dependency order."""
from __future__ import annotations

import os
from dataclasses import dataclass

from checker.frontend import syntax as s
from checker.frontend.diagnostic_lists import in_source_order
from checker.frontend.diagnostics import Diagnostic, SourceTexts, SpecError, fail
from checker.frontend.parser import parse_block
from checker.frontend.search_path import SearchPath, model_file_name, resolve_import, shown_path
from checker.frontend.source import Span, SpecDocument, extract_blocks

MAX_SPEC_BYTES = 4 << 20


@dataclass(frozen=True)
class LoadedSpec:
    path: str
    modules: tuple[s.Module, ...]  # imports first, the spec itself last
    texts: SourceTexts
    files: frozenset[str] = frozenset()  # the real path of every file read


def display_path(path: str) -> str:
    """Paths in messages: relative to the working directory when below it, else absolute."""
    return shown_path(path)


def load_spec(path: str, search: SearchPath = SearchPath()) -> LoadedSpec:
    """The spec at `path` and every model it imports, found through `search` (after the
    importing file's own folder: -I, MDCHECK_PATH, `models/` folders above, mdcheck's own)."""
    if not path or "\0" in path:
        raise fail("MDC001", f"{path!r} is not a file name")
    texts: dict[str, tuple[str, ...]] = {}
    modules: list[s.Module] = []
    loaded: set[str] = set()
    diagnostics: list[Diagnostic] = []

    def load(file_path: str, stack: tuple[str, ...], import_span: Span | None, shown: str) -> None:
        real = os.path.realpath(file_path)
        if real in stack:
            raise fail("MDC204", f"import cycle: {' -> '.join(display_path(p) for p in stack + (real,))}",
                       import_span)
        if real in loaded:
            return
        document = _read_document(file_path, import_span, shown)
        texts[document.path] = document.lines
        if not document.blocks and not stack:
            raise fail("MDC003", f"{document.path} has no ```mdcheck blocks", None,
                       hint="the model goes in fenced code blocks whose info string is 'mdcheck'")
        decls: list[s.Decl] = []
        for block in document.blocks:
            try:
                decls.extend(parse_block(block))
            except SpecError as error:
                diagnostics.extend(error.diagnostics)
        for decl in decls:
            if isinstance(decl, s.ImportDecl):
                found = resolve_import(decl.target, os.path.dirname(real), search)
                try:
                    if found is None:
                        raise fail("MDC203", f"cannot find model '{decl.target}'", decl.span,
                                   hint=f"looked for {model_file_name(decl.target)} {search.described()}; "
                                        "add a folder with -I DIR or MDCHECK_PATH")
                    load(found[0], stack + (real,), decl.span, found[1])
                except SpecError as error:  # the other imports are still read, for their errors
                    diagnostics.extend(error.diagnostics)
        loaded.add(real)
        modules.append(s.Module(document.path, tuple(decls)))

    try:
        load(path, (), None, display_path(path))
    except SpecError as error:
        raise SpecError(diagnostics + list(error.diagnostics), SourceTexts(texts)) from None
    if diagnostics:
        raise SpecError(in_source_order(diagnostics, list(texts)), SourceTexts(texts))
    return LoadedSpec(display_path(path), tuple(modules), SourceTexts(texts), frozenset(loaded))


def _read_document(file_path: str, import_span: Span | None, shown: str) -> SpecDocument:
    if not file_path or "\0" in file_path:
        raise fail("MDC001", f"{shown} is not a file name", import_span)
    try:
        if os.path.isdir(file_path):
            raise fail("MDC001", f"{shown} is a directory, not a spec file", import_span)
        size = os.path.getsize(file_path)
        if size > MAX_SPEC_BYTES:
            raise fail("MDC402", f"{shown} is {size} bytes; specs are limited to {MAX_SPEC_BYTES} bytes",
                       import_span)
        with open(file_path, "rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)  # a device or pipe has no size to check first
        if len(raw) > MAX_SPEC_BYTES:
            raise fail("MDC402", f"{shown} is more than {MAX_SPEC_BYTES} bytes; specs are limited to "
                       f"{MAX_SPEC_BYTES} bytes", import_span)
    except OSError as error:
        raise fail("MDC001", f"cannot read {shown}: {error.strerror or error}", import_span) from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as error:
        raise fail("MDC002", f"{shown} is not UTF-8 text (bad byte at offset {error.start})",
                   import_span) from None
    if "\x00" in text:
        raise fail("MDC002", f"{shown} contains NUL bytes; it looks like a binary file", import_span)
    return extract_blocks(shown, text)
