"""Where `import NAME` looks for a model, and which model would declare a name a spec lacks.

The search path is a value (`SearchPath`), built once from the command line and the
environment and passed to the loader; nothing here keeps state between runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic, SpecError
from checker.frontend.parser import parse_block
from checker.frontend.source import extract_blocks

MODEL_SUFFIX = ".md"
MODELS_DIR = "models"
ENVIRONMENT_VARIABLE = "MDCHECK_PATH"
PACKAGED_LABEL = "<mdcheck>"


def packaged_models() -> str | None:
    """The models that come with mdcheck: `checker/models/` in an installed wheel, the
    repository's `models/` in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    installed = package / MODELS_DIR
    if installed.is_dir():
        return str(installed)
    checkout = package.parent / MODELS_DIR
    if (package.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return str(checkout)
    return None


@dataclass(frozen=True)
class SearchPath:
    """The folders `import NAME` searches after the importing file's own folder: the -I
    folders in order, then MDCHECK_PATH's; then (in `folders`) the `models/` folders above the
    importing file, then the packaged models."""
    include: tuple[str, ...] = ()
    packaged: str | None = None

    @staticmethod
    def of(include: tuple[str, ...] = (), environment: str | None = None,
           packaged: str | None = None) -> "SearchPath":
        """-I folders (absolute), then the existing folders of `environment` (os.pathsep-separated)."""
        from_environment = tuple(d for d in (environment or "").split(os.pathsep) if d and os.path.isdir(d))
        folders = tuple(os.path.abspath(d) for d in include + from_environment)
        return SearchPath(tuple(dict.fromkeys(folders)), packaged)

    def folders(self, from_dir: str) -> tuple[tuple[str, str | None], ...]:
        """Each folder to search, in order, with the label its files are shown under (None:
        shown by their own path)."""
        found: list[tuple[str, str | None]] = [(from_dir, None)]
        found += [(d, d) for d in self.include]
        directory = from_dir
        while True:
            found.append((os.path.join(directory, MODELS_DIR), None))
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        if self.packaged:
            found.append((self.packaged, f"{PACKAGED_LABEL}/{MODELS_DIR}"))
        return tuple(found)

    def described(self) -> str:
        extra = "".join(f", in {d}" for d in self.include)
        packaged = ", then in mdcheck's own models" if self.packaged else ""
        return f"next to the importing file{extra}, in '{MODELS_DIR}/' folders above it{packaged}"


def default_search_path(include: tuple[str, ...] = ()) -> SearchPath:
    return SearchPath.of(include, os.environ.get(ENVIRONMENT_VARIABLE), packaged_models())


def model_file_name(target: str) -> str:
    return target if target.endswith(MODEL_SUFFIX) else target + MODEL_SUFFIX


def resolve_import(target: str, from_dir: str, search: SearchPath) -> tuple[str, str] | None:
    """The file `import target` means, and the path to show it by; None when there is none."""
    name = model_file_name(target)
    if os.path.isabs(name):
        return (name, shown_path(name)) if os.path.isfile(name) else None
    for folder, label in search.folders(from_dir):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            if label is None or _below_cwd(candidate):
                return candidate, shown_path(candidate)
            return candidate, os.path.join(label, os.path.normpath(name))
    return None


def shown_path(path: str) -> str:
    """Paths in messages: relative to the working directory when below it, else absolute
    (never a chain of '../')."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # an empty path, or one with a NUL byte
        return repr(path)
    return os.path.abspath(path) if relative.startswith("..") else relative


def _below_cwd(path: str) -> bool:
    try:
        return not os.path.relpath(path).startswith("..")
    except ValueError:
        return False


def with_import_hints(error: SpecError, spec_path: str, imported: frozenset[str],
                      search: SearchPath) -> SpecError:
    """`error` with `hint: import NAME` on each unknown name that a model on the search path,
    not imported, declares. The models are read only when there is such a name, once."""
    wanted = [d for d in error.diagnostics if d.code == "MDC201" and d.subject and not d.hint]
    if not wanted:
        return error
    declared = _declarations_on_path(os.path.dirname(os.path.realpath(spec_path)), imported, search)
    diagnostics = []
    for d in error.diagnostics:
        model = declared.get(d.subject) if d in wanted else None
        diagnostics.append(Diagnostic(d.code, d.message, d.span, f"import {model}", d.notes, d.severity, d.subject)
                           if model else d)
    return SpecError(diagnostics, error.texts)


def _declarations_on_path(from_dir: str, imported: frozenset[str], search: SearchPath) -> dict[str, str]:
    """Each name a model on the search path declares -> the import that brings it (the first
    model in search order wins)."""
    declared: dict[str, str] = {}
    seen: set[str] = set()
    for folder, _ in search.folders(from_dir):
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(MODEL_SUFFIX))
        except OSError:
            continue
        for name in names:
            path = os.path.realpath(os.path.join(folder, name))
            module = name[:-len(MODEL_SUFFIX)]
            if path in imported or path in seen or not module.isidentifier():
                continue
            seen.add(path)
            for declared_name in _declared_names(path):
                declared.setdefault(declared_name, module)
    return declared


def _declared_names(path: str) -> list[str]:
    try:
        if os.path.getsize(path) > 4 << 20:
            return []
        with open(path, encoding="utf-8-sig") as handle:
            document = extract_blocks(path, handle.read())
    except (OSError, UnicodeDecodeError):
        return []
    names: list[str] = []
    for block in document.blocks:
        try:
            decls = parse_block(block)
        except SpecError:
            continue
        for decl in decls:
            if isinstance(decl, s.EnumDecl):
                names.extend(decl.members)
            if not isinstance(decl, (s.ImportDecl, s.ConfigDecl, s.InvariantDecl)):
                name = getattr(decl, "name", None)
                if isinstance(name, str):
                    names.append(name)
    return names
