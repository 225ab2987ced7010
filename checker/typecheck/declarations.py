"""The declarations table: every top-level name of a spec and its imports, claimed once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic, SpecError, duplicate, fail
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
    errors: list[Diagnostic] = []  # every duplicate; the first definition of a name stays

    def claim(kind: str, name: str, span: Span | None) -> bool:
        if name in BUILTIN_TYPES:
            errors.extend(fail("MDC202", f"'{name}' is a built-in type name and cannot be redefined",
                               span).diagnostics)
            return False
        if name in taken:
            errors.extend(duplicate(kind, name, span, taken[name][1]).diagnostics)
            return False
        taken[name] = (kind, span)
        return True

    for module in spec.modules:
        for decl in module.decls:
            match decl:
                case s.ImportDecl():
                    pass
                case s.ConstDecl(name=name):
                    if claim("constant", name, decl.span):
                        consts[name] = decl
                case s.TypeDecl(name=name) | s.RecordDecl(name=name) | s.LayoutDecl(name=name):
                    if claim("type", name, decl.span):
                        types[name] = decl
                case s.ViewDecl(name=name):
                    if claim("view", name, decl.span):
                        views[name] = decl
                case s.StaticAssertDecl():
                    static_asserts.append(decl)
                case s.SymbolDecl(name=name, binder=binder):
                    if not claim("symbol", name, decl.span):
                        continue
                    symbols.append(decl)
                    if binder is None:
                        consts[name] = s.ConstDecl(name, decl.value, decl.span)
                case s.EnumDecl(name=name):
                    if not claim("type", name, decl.span):
                        continue
                    types[name] = decl
                    for member in decl.members:
                        if claim("enum member", member, decl.span):
                            members[member] = decl
                case s.VarDecl(name=name):
                    if claim("state variable", name, decl.span):
                        variables[name] = decl
                case s.InitDecl():
                    inits.append(decl)
                case s.ActionDecl(name=name) | s.ProcDecl(name=name):
                    table = actions if isinstance(decl, s.ActionDecl) else procs
                    kind = "action" if isinstance(decl, s.ActionDecl) else "proc"
                    if name not in table:
                        if not claim(kind, name, decl.span):
                            continue
                        table[name] = {}
                    elif taken[name][0] != kind:
                        errors.extend(duplicate(kind, name, decl.span, taken[name][1]).diagnostics)
                        continue
                    variants = table[name]
                    if decl.variant in variants or (None in variants) or (decl.variant is None and variants):
                        first = next(iter(variants.values())).span
                        label = f"{name}[{decl.variant}]" if decl.variant else name
                        errors.extend(duplicate(kind, label, decl.span, first).diagnostics)
                        continue
                    variants[decl.variant] = decl
                case s.FnDecl(name=name):
                    if claim("fn", name, decl.span):
                        fns[name] = decl
                case s.InvariantDecl(name=name):
                    if claim("lemma" if decl.lemma else "invariant", name, decl.span):
                        invariants[name] = decl
                case s.ConfigDecl(name=name):
                    if name in configs:
                        errors.extend(duplicate("config", name, decl.span, configs[name].span).diagnostics)
                    else:
                        configs[name] = decl
    if errors:  # a later stage would see the first definitions only: report these alone
        raise SpecError(errors)
    return Declarations(consts, types, members, variables, tuple(inits), actions, procs, fns,
                        invariants, configs, views, tuple(static_asserts), tuple(symbols))


def configuration_names(decls: Declarations) -> tuple[str, ...]:
    return tuple(decls.configs) or (DEFAULT_CONFIG,)
