"""The declarations table: every top-level name of a spec and its imports, claimed once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from checker.frontend import syntax as s
from checker.frontend.diagnostics import duplicate, fail
from checker.frontend.loader import LoadedSpec
from checker.frontend.source import Span
from checker.typecheck.scope import BUILTIN_TYPES, DEFAULT_CONFIG


@dataclass(frozen=True)
class Declarations:
    """Every top-level name of a spec and its imports; the same for all configurations."""
    consts: Mapping[str, s.ConstDecl]
    types: Mapping[str, s.TypeDecl | s.EnumDecl | s.RecordDecl]
    enum_members: Mapping[str, s.EnumDecl]
    vars: Mapping[str, s.VarDecl]
    inits: tuple[s.InitDecl, ...]
    actions: Mapping[str, Mapping[str | None, s.ActionDecl]]
    procs: Mapping[str, Mapping[str | None, s.ProcDecl]]
    fns: Mapping[str, s.FnDecl]
    invariants: Mapping[str, s.InvariantDecl]
    configs: Mapping[str, s.ConfigDecl]
    views: Mapping[str, s.ViewDecl] = field(default_factory=dict)
    static_asserts: tuple[s.StaticAssertDecl, ...] = ()
    symbols: tuple[s.SymbolDecl, ...] = ()


def collect_declarations(spec: LoadedSpec) -> Declarations:
    consts: dict = {}
    types: dict = {}
    members: dict = {}
    variables: dict = {}
    inits: list = []
    actions: dict = {}
    procs: dict = {}
    fns: dict = {}
    invariants: dict = {}
    configs: dict = {}
    views: dict = {}
    static_asserts: list = []
    symbols: list = []
    taken: dict[str, tuple[str, Span | None]] = {}

    def claim(kind: str, name: str, span: Span | None) -> None:
        if name in BUILTIN_TYPES:
            raise fail("MDC202", f"'{name}' is a built-in type name and cannot be redefined", span)
        if name in taken:
            raise duplicate(kind, name, span, taken[name][1])
        taken[name] = (kind, span)

    for module in spec.modules:
        for decl in module.decls:
            match decl:
                case s.ImportDecl():
                    pass
                case s.ConstDecl(name=name):
                    claim("constant", name, decl.span)
                    consts[name] = decl
                case s.TypeDecl(name=name) | s.RecordDecl(name=name) | s.LayoutDecl(name=name):
                    claim("type", name, decl.span)
                    types[name] = decl
                case s.ViewDecl(name=name):
                    claim("view", name, decl.span)
                    views[name] = decl
                case s.StaticAssertDecl():
                    static_asserts.append(decl)
                case s.SymbolDecl(name=name, binder=binder):
                    claim("symbol", name, decl.span)
                    symbols.append(decl)
                    if binder is None:
                        consts[name] = s.ConstDecl(name, decl.value, decl.span)
                case s.EnumDecl(name=name):
                    claim("type", name, decl.span)
                    types[name] = decl
                    for member in decl.members:
                        claim("enum member", member, decl.span)
                        members[member] = decl
                case s.VarDecl(name=name):
                    claim("state variable", name, decl.span)
                    variables[name] = decl
                case s.InitDecl():
                    inits.append(decl)
                case s.ActionDecl(name=name) | s.ProcDecl(name=name):
                    table = actions if isinstance(decl, s.ActionDecl) else procs
                    kind = "action" if isinstance(decl, s.ActionDecl) else "proc"
                    if name not in table:
                        claim(kind, name, decl.span)
                        table[name] = {}
                    elif taken[name][0] != kind:
                        raise duplicate(kind, name, decl.span, taken[name][1])
                    variants = table[name]
                    if decl.variant in variants or (None in variants) or (decl.variant is None and variants):
                        first = next(iter(variants.values())).span
                        label = f"{name}[{decl.variant}]" if decl.variant else name
                        raise duplicate(kind, label, decl.span, first)
                    variants[decl.variant] = decl
                case s.FnDecl(name=name):
                    claim("fn", name, decl.span)
                    fns[name] = decl
                case s.InvariantDecl(name=name):
                    claim("lemma" if decl.lemma else "invariant", name, decl.span)
                    invariants[name] = decl
                case s.ConfigDecl(name=name):
                    if name in configs:
                        raise duplicate("config", name, decl.span, configs[name].span)
                    configs[name] = decl
    return Declarations(consts, types, members, variables, tuple(inits), actions, procs, fns,
                        invariants, configs, views, tuple(static_asserts), tuple(symbols))


def configuration_names(decls: Declarations) -> tuple[str, ...]:
    return tuple(decls.configs) or (DEFAULT_CONFIG,)
