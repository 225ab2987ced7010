"""The declarations table: every top-level name of a spec and its imports, claimed once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic, SpecError, did_you_mean, duplicate, fail
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
    fns: Mapping[str, Mapping[str | None, s.FnDecl]]
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
                case s.ActionDecl(name=name) | s.ProcDecl(name=name) | s.FnDecl(name=name):
                    table, kind = {s.ActionDecl: (actions, "action"), s.ProcDecl: (procs, "proc"),
                                   s.FnDecl: (fns, "fn")}[type(decl)]
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
    _check_parents(configs)
    return Declarations(consts, types, members, variables, tuple(inits), actions, procs, fns,
                        invariants, configs, views, tuple(static_asserts), tuple(symbols))


def _check_parents(configs: Mapping[str, s.ConfigDecl]) -> None:
    """Every `extends` names a configuration, and no configuration extends itself through others."""
    for config in configs.values():
        if config.parent is not None and config.parent not in configs:
            others = [n for n in configs if n != config.name]
            raise fail("MDC210", f"configuration '{config.name}' extends '{config.parent}', which is not a "
                       "configuration of this spec", config.parent_span or config.span,
                       hint=did_you_mean(config.parent, others) or
                       (f"configurations: {', '.join(others)}" if others else "no other configuration is declared"))
    for config in configs.values():
        chain = [config.name]
        current = config
        while current.parent is not None:
            if current.parent in chain:
                cycle = chain[chain.index(current.parent):] + [current.parent]
                raise fail("MDC211", f"configuration '{config.name}' extends itself: " + " extends ".join(
                    f"'{n}'" for n in cycle), config.parent_span or config.span,
                    notes=tuple((f"'{n}' extends '{configs[n].parent}' here", configs[n].parent_span)
                                for n in cycle[1:-1]),
                    hint="a configuration starts from the one it extends, which must not start from it")
            chain.append(current.parent)
            current = configs[current.parent]


def configuration_items(decls: Declarations, name: str) -> tuple[tuple[str, s.ConfigItem], ...]:
    """What configuration `name` sets, its ancestors' items first (each with the configuration
    that wrote it): a later item of the same kind and target replaces an earlier one."""
    chain = []
    config = decls.configs.get(name)
    while config is not None:
        chain.append(config)
        config = decls.configs[config.parent] if config.parent is not None else None
    return tuple((c.name, item) for c in reversed(chain) for item in c.items)


def configuration_names(decls: Declarations) -> tuple[str, ...]:
    """The configurations a run checks: every one declared but the abstract ones."""
    checked = tuple(name for name, config in decls.configs.items() if not config.abstract)
    return checked or (() if decls.configs else (DEFAULT_CONFIG,))
