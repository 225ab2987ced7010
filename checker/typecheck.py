"""Resolve names, fold constants, check types and lower one configuration to the IR.

Input: the syntax trees of a spec and its imports. Output: an `ir.Model` per
configuration, or a `SpecError` whose diagnostics point at the offending span.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from . import ir
from . import syntax as s
from .diagnostics import did_you_mean, duplicate, fail, type_mismatch, unknown_name
from .interp import c_div  # constant folding uses the interpreter's C division
from .loader import LoadedSpec
from .source import Span

DEFAULT_CONFIG = "default"
MAX_DOMAIN = 4096          # values one quantifier, loop or array index may range over
MAX_STATE_LEAVES = 65536   # scalar cells in the whole state
MAX_UNROLLED = 1 << 20     # instances of a body inside nested loops and quantifiers
MAX_INT_BITS = 256         # width of the widest integer an expression may need
MAX_BITS_WIDTH = 64
MAX_LAYOUT_WORDS = 512
MAX_CONFIG_DEPTH = 1000
BUILTIN_TYPES = {"bool", "int"} | {f"u{n}" for n in range(1, MAX_BITS_WIDTH + 1)}


def int_bits(t: ir.IntType) -> int:
    """Two's-complement width that holds every value of the interval."""
    width = 1
    while not (-(1 << (width - 1)) <= t.lo and t.hi <= (1 << (width - 1)) - 1):
        width += 1
    return width


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


def lower(decls: Declarations, config: str, overrides: Mapping[str, int | bool] = {}) -> ir.Model:
    """The IR model of one configuration; `overrides` are -D NAME=VALUE from the command line."""
    if decls.configs and config not in decls.configs:
        raise unknown_name("configuration", config, None, decls.configs)
    return _Lowering(decls, decls.configs.get(config), config, overrides).model()


# ---------------------------------------------------------------------------

@dataclass
class _Local:
    type: ir.Type
    mutable: bool


@dataclass
class _Scope:
    locals: dict[str, _Local] = field(default_factory=dict)
    can_write_state: bool = False
    context: str = "expression"
    unrolled: int = 1  # how many times a body here is unrolled by the loops and quantifiers around it

    def child(self) -> "_Scope":
        return _Scope(dict(self.locals), self.can_write_state, self.context, self.unrolled)

    def nested(self, times: int, span: Span | None) -> "_Scope":
        inner = self.child()
        inner.unrolled = self.unrolled * times
        if inner.unrolled > MAX_UNROLLED:
            raise fail("MDC402", f"the loops and quantifiers around this body unroll it {inner.unrolled} times; "
                       f"at most {MAX_UNROLLED}", span)
        return inner


class _Lowering:
    def __init__(self, decls: Declarations, config: s.ConfigDecl | None, config_name: str,
                 overrides: Mapping[str, int | bool]):
        self.decls = decls
        self.config = config
        self.config_name = config_name
        self.overrides = overrides
        self.const_values: dict[str, int | bool] = {}
        self.type_cache: dict[str, ir.Type] = {}
        self.fn_cache: dict[str, ir.FnDef] = {}
        self.proc_cache: dict[tuple[str, str | None], ir.ProcDef] = {}
        self.in_progress: list[str] = []
        self.checks: dict[str, Span | None] = {}
        self.asserts: dict[str, Span | None] = {}
        self.variant_choice: dict[str, tuple[str, Span | None]] = {}
        self.disabled: set[str] = set()

    # ---- configuration ----

    def model(self) -> ir.Model:
        self._read_config()
        self._evaluate_constants()
        for view in self.decls.views.values():
            layout = self.decls.types.get(view.layout)
            if not isinstance(layout, s.LayoutDecl):
                raise unknown_name("layout", view.layout, view.span,
                                   [n for n, d in self.decls.types.items() if isinstance(d, s.LayoutDecl)])
            self._named_type(view.layout, view.span)
        for name, decl in self.decls.types.items():  # report a bad type even if nothing uses it
            self._named_type(name, decl.span)
        for check in self.decls.static_asserts:
            self._static_assert(check)
        symbols = self._symbols()
        state = tuple((name, self.resolve_type(decl.type_expr)) for name, decl in self.decls.vars.items())
        leaves = sum(ir.leaf_count(t) for _, t in state)
        if leaves > MAX_STATE_LEAVES:
            raise fail("MDC402", f"the state has {leaves} scalar cells with these constants; the limit "
                       f"is {MAX_STATE_LEAVES}", self.config.span if self.config else None,
                       hint="lower the constants that size the arrays")
        init: list[ir.Stmt] = []
        for init_decl in self.decls.inits:
            init.extend(self.stmts(init_decl.body, _Scope(can_write_state=True, context="init")))
        actions = []
        for name, variants in self.decls.actions.items():
            if name in self.disabled:
                continue
            decl = variants[self._pick_variant(name, variants, "action")]
            actions.append(self.action(decl))
        invariants = tuple(ir.Invariant(name, self.expect_bool(self.expr(d.body, _Scope()), d.body), d.span,
                                        d.lemma)
                           for name, d in self.decls.invariants.items() if name not in self.disabled)
        properties = self._properties(invariants)
        constants = tuple(sorted(self.const_values.items()))
        return ir.Model(self.config_name, constants, state, tuple(init), tuple(actions), invariants,
                        properties, symbols, self._config_depth())

    def _config_depth(self) -> int | None:
        items = [i for i in self.config.items if isinstance(i, s.ConfigDepth)] if self.config else []
        if not items:
            return None
        depth = self.const_int(items[-1].depth)
        if not 0 <= depth <= MAX_CONFIG_DEPTH:
            raise fail("MDC402", f"depth {depth}: a configuration's depth is 0 to {MAX_CONFIG_DEPTH}", items[-1].span)
        return depth

    def _static_assert(self, check: s.StaticAssertDecl) -> None:
        value = self.const_expr(check.cond)
        if not isinstance(value, bool):
            raise type_mismatch("a static_assert needs a condition", check.cond.span)
        if value:
            return
        notes: tuple = ()
        if isinstance(check.cond, s.BinaryOp):
            left, right = (_shown_constant(self.const_expr(side)) for side in (check.cond.left, check.cond.right))
            notes = ((f"the left side is {left} and the right side is {right}", None),)
        raise fail("MDC308", f"static assertion failed: {check.message}", check.span, notes=notes)

    def _symbols(self) -> tuple[ir.Symbol, ...]:
        out = []
        for decl in self.decls.symbols:
            if decl.binder is None:
                value = self.const_values[decl.name]  # after -D and configuration overrides
                if isinstance(value, bool):
                    raise type_mismatch(f"symbol '{decl.name}' needs an address, not a boolean", decl.span)
                out.append(ir.Symbol(decl.name, value & ((1 << 64) - 1)))
                continue
            domain = self._check_domain(self.resolve_type(decl.binder.domain), decl.binder.domain.span)
            for v in ir.domain_values(domain):
                self.const_values[decl.binder.name] = v  # type: ignore[assignment]
                try:
                    value = self.const_int(decl.value) & ((1 << 64) - 1)
                finally:
                    del self.const_values[decl.binder.name]
                shown = v if not isinstance(domain, ir.EnumType) else domain.members[v]  # type: ignore[index]
                out.append(ir.Symbol(f"{decl.name}[{shown}]", value))
        return tuple(out)

    def _read_config(self) -> None:
        if self.config is None:
            return
        for item in self.config.items:
            match item:
                case s.ConfigUse(target=target, variant=variant):
                    table = self.decls.actions.get(target) or self.decls.procs.get(target)
                    if table is None:
                        raise unknown_name("action or proc", target, item.span,
                                           list(self.decls.actions) + list(self.decls.procs))
                    if variant not in table:
                        options = ", ".join(sorted(str(v) for v in table if v))
                        raise fail("MDC207", f"'{target}' has no variant '{variant}'"
                                   + (f"; it has: {options}" if options else "; it has no variants"), item.span,
                                   hint=did_you_mean(variant, [v for v in table if v]))
                    self.variant_choice[target] = (variant, item.span)
                case s.ConfigDisable(name=name):
                    invariant = self.decls.invariants.get(name)
                    if invariant is not None and not invariant.lemma:
                        raise fail("MDC209", f"'{name}' is an invariant: a configuration can disable actions "
                                   "and lemmas, never the invariants it checks", item.span,
                                   notes=((f"'{name}' is declared here", invariant.span),),
                                   hint="to record a known violation, write 'expect "
                                   f"{name} violated'")
                    if name not in self.decls.actions and invariant is None:
                        raise unknown_name("action or lemma", name, item.span,
                                           list(self.decls.actions) + [n for n, d in self.decls.invariants.items()
                                                                       if d.lemma])
                    self.disabled.add(name)
                case s.ConfigConst(name=name):
                    if name not in self.decls.consts:
                        raise unknown_name("constant", name, item.span, self.decls.consts)

    def _pick_variant(self, name: str, variants: Mapping[str | None, object], kind: str) -> str | None:
        if name in self.variant_choice:
            return self.variant_choice[name][0]
        if len(variants) == 1:
            return next(iter(variants))
        options = ", ".join(sorted(str(v) for v in variants))
        where = self.config.span if self.config else next(iter(variants.values())).span  # type: ignore[attr-defined]
        raise fail("MDC207", f"{kind} '{name}' has variants ({options}) and configuration "
                   f"'{self.config_name}' does not choose one", where,
                   hint=f"add 'use {name} = <variant>' to the configuration")

    def _evaluate_constants(self) -> None:
        config_values = {}
        if self.config:
            for item in self.config.items:
                if isinstance(item, s.ConfigConst):
                    config_values[item.name] = item
        for name in self.overrides:
            if name not in self.decls.consts:
                raise unknown_name("constant", name, None, self.decls.consts)
        for name, decl in self.decls.consts.items():
            if name in self.overrides:
                default = self.const_expr(decl.value)
                given = self.overrides[name]
                if isinstance(default, bool) != isinstance(given, bool):
                    kind = "a boolean" if isinstance(default, bool) else "an integer"
                    raise fail("MDC401", f"-D {name}={str(given).lower()}: {name} is {kind} constant", None,
                               notes=((f"{name} is defined here", decl.span),))
                self.const_values[name] = given
            elif name in config_values:
                self.const_values[name] = self.const_expr(config_values[name].value)
            else:
                self.const_values[name] = self.const_expr(decl.value)

    def _properties(self, invariants: tuple[ir.Invariant, ...]) -> tuple[ir.Property, ...]:
        found: dict[str, tuple[str, Span | None]] = {}
        for inv in invariants:
            found[inv.name] = ("lemma" if inv.lemma else "invariant", inv.span)
        for name, span in self.asserts.items():
            found.setdefault(name, ("assert", span))
        for name, span in self.checks.items():
            found.setdefault(name, ("check", span))
        expected: dict[str, str] = {}
        if self.config:
            for item in self.config.items:
                if isinstance(item, s.ConfigExpect):
                    if item.prop not in found:
                        raise fail("MDC206", f"configuration '{self.config_name}' expects '{item.prop}', "
                                   "which is not a property of this configuration", item.span,
                                   hint=did_you_mean(item.prop, found) or
                                   "properties are invariants, assert names and implicit checks")
                    expected[item.prop] = item.outcome
        return tuple(ir.Property(name, kind, expected.get(name, "holds"), span)
                     for name, (kind, span) in found.items())

    # ---- constants ----

    def const_expr(self, e: s.Expr) -> int | bool:
        match e:
            case s.IntLit(value=v):
                return v
            case s.BoolLit(value=v):
                return v
            case s.Name(name=n):
                if n in self.const_values:
                    return self.const_values[n]
                if n in self.decls.consts:
                    raise fail("MDC306", f"constant '{n}' is used before it is defined", e.span)
                raise fail("MDC306", f"'{n}' is not a constant", e.span) if self._known(n) else \
                    unknown_name("constant", n, e.span, self.const_values)
            case s.UnaryOp(op=op, arg=arg):
                v = self.const_expr(arg)
                if op == "!" and isinstance(v, bool):
                    return not v
                if op == "-" and not isinstance(v, bool):
                    return -v
                raise type_mismatch(f"'{op}' does not apply to {v!r} here", e.span)
            case s.BinaryOp(op=op, left=l, right=r):
                a, b = self.const_expr(l), self.const_expr(r)
                return _fold_constant(op, a, b, e.span)
            case s.Conditional(cond=c, then=t, otherwise=o):
                return self.const_expr(t) if self.const_expr(c) else self.const_expr(o)
            case s.Call(callee="offsetof", args=(s.FieldAccess(base=s.Name(name=owner), field_name=fname),)):
                field_ = self._layout_field_of(owner, fname, e.span)
                return field_.word * 8 + field_.bit // 8
            case s.Call(callee="sizeof", args=(s.Name(name=owner),)):
                layout = self._layout_of(owner, e.span)
                if owner == layout.name:
                    return layout.words * 8
                return max((f.word * 8 + (f.bit + f.width + 7) // 8 for f in layout.fields if f.view == owner),
                           default=0)
        raise fail("MDC306", "this expression is not a constant", e.span,
                   hint="constants may use offsetof(layout.field) and sizeof(layout)"
                   if isinstance(e, s.Call) and e.callee in ("offsetof", "sizeof") else None)

    def _layout_of(self, owner: str, span: Span | None) -> ir.LayoutType:
        decl = self.decls.types.get(owner)
        if isinstance(decl, s.LayoutDecl):
            t = self._named_type(owner, span)
        elif owner in self.decls.views:
            t = self._named_type(self.decls.views[owner].layout, span)
        else:
            raise unknown_name("layout or view", owner, span,
                               [n for n, d in self.decls.types.items() if isinstance(d, s.LayoutDecl)]
                               + list(self.decls.views))
        assert isinstance(t, ir.LayoutType)
        return t

    def _layout_field_of(self, owner: str, fname: str, span: Span | None) -> ir.LayoutField:
        layout = self._layout_of(owner, span)
        found = layout.field(owner, fname)
        if found is None:
            raise unknown_name(f"field of {owner}", fname, span, [f.name for f in layout.fields if f.view == owner])
        return found

    def _known(self, n: str) -> bool:
        d = self.decls
        return n in d.vars or n in d.enum_members or n in d.fns or n in d.types

    def const_int(self, e: s.Expr) -> int:
        v = self.const_expr(e)
        if isinstance(v, bool):
            raise type_mismatch("expected an integer constant, found a boolean", e.span)
        return v

    # ---- types ----

    def resolve_type(self, t: s.TypeExpr) -> ir.Type:
        match t:
            case s.NamedTypeExpr(name=name):
                return self._named_type(name, t.span)
            case s.RangeTypeExpr(lo=lo, hi=hi):
                low, high = self.const_int(lo), self.const_int(hi)
                if low > high:
                    raise fail("MDC403", f"the range {low}..{high} is empty", t.span)
                return ir.IntType(low, high)
            case s.ArrayTypeExpr(index=index, elem=elem):
                index_type = self.resolve_type(index)
                if not isinstance(index_type, (ir.BoolType, ir.IntType, ir.EnumType)):
                    raise fail("MDC304", f"arrays are indexed by a finite type (a range, an enum or bool), "
                               f"not {index_type}", index.span)
                self._check_domain(index_type, index.span)
                return ir.ArrayType(index_type, self.resolve_type(elem))
        raise AssertionError(t)

    def _named_type(self, name: str, span: Span | None) -> ir.Type:
        if name == "bool":
            return ir.BOOL
        if name == "int":
            raise fail("MDC305", "'int' has no bounds; declare a range such as 0..N", span)
        if name.startswith("u") and name[1:].isdigit() and name in BUILTIN_TYPES:
            return ir.BitsType(int(name[1:]))
        if name in self.type_cache:
            return self.type_cache[name]
        decl = self.decls.types.get(name)
        if decl is None:
            if name.startswith("u") and name[1:].isdigit():
                raise fail("MDC305", f"bit-vectors are u1 to u{MAX_BITS_WIDTH}; '{name}' is not", span)
            raise unknown_name("type", name, span, list(self.decls.types) + ["bool", "u8", "u16", "u32", "u64"])
        if name in self.in_progress:
            raise fail("MDC208", f"type '{name}' refers to itself", span)
        self.in_progress.append(name)
        try:
            match decl:
                case s.TypeDecl(type_expr=te):
                    resolved = self.resolve_type(te)
                case s.EnumDecl(members=members):
                    resolved = ir.EnumType(name, members)
                case s.LayoutDecl():
                    resolved = self._layout(decl)
                case s.RecordDecl(fields=fields):
                    seen: dict[str, Span | None] = {}
                    for f in fields:
                        if f.name in seen:
                            raise duplicate("field", f.name, f.span, seen[f.name])
                        seen[f.name] = f.span
                    resolved = ir.RecordType(name, tuple((f.name, self.resolve_type(f.type_expr)) for f in fields))
        finally:
            self.in_progress.pop()
        self.type_cache[name] = resolved
        return resolved

    def _layout(self, decl: s.LayoutDecl) -> ir.LayoutType:
        words = self.const_int(decl.words)
        if not 1 <= words <= MAX_LAYOUT_WORDS:
            raise fail("MDC402", f"layout '{decl.name}' has {words} words; layouts have 1 to {MAX_LAYOUT_WORDS}",
                       decl.words.span)
        fields: list[ir.LayoutField] = []
        groups = [(decl.name, decl.fields)] + [(v.name, v.fields) for v in self.decls.views.values()
                                               if v.layout == decl.name]
        for view, declared in groups:
            seen: dict[str, Span | None] = {}
            for f in declared:
                if f.name in seen:
                    raise duplicate("field", f"{view}.{f.name}", f.span, seen[f.name])
                seen[f.name] = f.span
                t = self.resolve_type(f.type_expr)
                if not isinstance(t, ir.BitsType):
                    raise type_mismatch(f"layout fields are bit-vectors (u1..u64), not {t}", f.type_expr.span)
                word = self.const_int(f.word)
                bit = self.const_int(f.bit) if f.bit is not None else 0
                if not (0 <= word < words and 0 <= bit and bit + t.width <= ir.WORD_BITS):
                    raise fail("MDC307", f"field '{f.name}' (word {word}, bits {bit}..{bit + t.width - 1}) lies "
                               f"outside layout '{decl.name}' ({words} words of {ir.WORD_BITS} bits)", f.span)
                fields.append(ir.LayoutField(f.name, view, word, bit, t.width))
        return ir.LayoutType(decl.name, words, tuple(fields))

    def _check_domain(self, t: ir.Type, span: Span | None) -> ir.FiniteType:
        if not isinstance(t, (ir.BoolType, ir.IntType, ir.EnumType)):
            raise fail("MDC304", f"expected a finite type (a range, an enum or bool), found {t}", span)
        size = ir.domain_size(t)
        if size > MAX_DOMAIN:
            raise fail("MDC402", f"{t} has {size} values; quantifiers, loops and array indices range over "
                       f"at most {MAX_DOMAIN}", span)
        return t

    # ---- callables ----

    def action(self, decl: s.ActionDecl) -> ir.ActionDef:
        scope = _Scope(can_write_state=True, context="action")
        params = []
        for p in decl.params:
            t = self.resolve_type(p.type_expr)
            if not isinstance(t, ir.BitsType):
                self._check_domain(t, p.type_expr.span)
            self._declare(scope, p.name, t, False, p.span)
            params.append((p.name, t))
        body = self.stmts(decl.body, scope)
        return ir.ActionDef(decl.name, decl.variant, tuple(params), tuple(body), decl.span)

    def fn(self, name: str, span: Span | None) -> ir.FnDef:
        if name in self.fn_cache:
            return self.fn_cache[name]
        if name in self.in_progress:
            raise fail("MDC208", f"fn '{name}' calls itself; mdcheck inlines calls, so recursion is not allowed",
                       span)
        decl = self.decls.fns[name]
        self.in_progress.append(name)
        try:
            scope = _Scope()
            params = []
            for p in decl.params:
                t = self.resolve_type(p.type_expr)
                self._declare(scope, p.name, t, False, p.span)
                params.append((p.name, t))
            result = self.resolve_type(decl.result)
            body = self.fn_body(decl, scope, result)
        finally:
            self.in_progress.pop()
        made = ir.FnDef(name, tuple(params), result, body, decl.span)
        self.fn_cache[name] = made
        return made

    def fn_body(self, decl: s.FnDecl, scope: _Scope, result: ir.Type) -> ir.Expr:
        """A fn's lets and asserts, nested around its result expression."""
        prelude: list[tuple[str, object]] = []
        for st in decl.prelude:
            match st:
                case s.LetStmt(name=lname, type_expr=te, value=value):
                    v = self.expr(value, scope)
                    if te is not None:
                        v = self.coerce(v, self.resolve_type(te), value.span, f"range_{lname}")
                    self._declare(scope, lname, v.type, False, st.span)
                    prelude.append(("let", (lname, v, st.span)))
                case s.AssertStmt(cond=cond, name=prop):
                    c = self.expect_bool(self.expr(cond, scope), cond)
                    self.asserts.setdefault(prop, st.span)
                    prelude.append(("assert", ir.Check(prop, c, st.span)))
                case _:
                    raise fail("MDC303", "a fn body holds only 'let' and 'assert' before 'return'; "
                               "use a proc to change state", st.span)
        body = self.coerce(self.expr(decl.body, scope), result, decl.body.span, f"range_{decl.name}")
        for kind, item in reversed(prelude):
            if kind == "let":
                lname, v, span = item  # type: ignore[misc]
                body = ir.LetIn(lname, v, body, body.type, span)
            else:
                body = ir.Checked(item, body, body.type, item.span)  # type: ignore[arg-type, union-attr]
        return body

    def proc(self, name: str, span: Span | None) -> ir.ProcDef:
        variants = self.decls.procs[name]
        variant = self._pick_variant(name, variants, "proc")
        key = (name, variant)
        if key in self.proc_cache:
            return self.proc_cache[key]
        if name in self.in_progress:
            raise fail("MDC208", f"proc '{name}' calls itself; mdcheck inlines calls, so recursion is not "
                       "allowed", span)
        decl = variants[variant]
        self.in_progress.append(name)
        try:
            scope = _Scope(can_write_state=True, context="proc")
            params = []
            for p in decl.params:
                t = self.resolve_type(p.type_expr)
                self._declare(scope, p.name, t, False, p.span)
                params.append((p.name, t))
            body = self.stmts(decl.body, scope)
        finally:
            self.in_progress.pop()
        made = ir.ProcDef(name, variant, tuple(params), tuple(body), decl.span)
        self.proc_cache[key] = made
        return made

    def _declare(self, scope: _Scope, name: str, t: ir.Type, mutable: bool, span: Span | None) -> None:
        if name in self.decls.vars or name in self.decls.consts or name in self.decls.enum_members:
            raise fail("MDC202", f"'{name}' shadows a global name", span,
                       hint="pick another name for the local")
        if name in scope.locals:
            raise fail("MDC202", f"'{name}' is already a local here", span,
                       hint="pick another name; locals cannot be redeclared or shadowed")
        scope.locals[name] = _Local(t, mutable)

    def _args(self, callee: str, params: tuple[tuple[str, ir.Type], ...], args: tuple[s.Expr, ...],
              scope: _Scope, span: Span | None) -> tuple[ir.Expr, ...]:
        if len(args) != len(params):
            raise fail("MDC302", f"'{callee}' takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                       f"{len(args)} given", span)
        return tuple(self.coerce(self.expr(a, scope), t, a.span, f"range_{callee}_{pname}")
                     for a, (pname, t) in zip(args, params))

    # ---- statements ----

    def stmts(self, body: tuple[s.Stmt, ...], scope: _Scope) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in body:
            out.extend(self.stmt(stmt, scope))
        return out

    def stmt(self, st: s.Stmt, scope: _Scope) -> list[ir.Stmt]:
        match st:
            case s.LetStmt(name=name, type_expr=te, value=value):
                v = self.expr(value, scope)
                if te is not None:
                    t = self.resolve_type(te)
                    v = self.coerce(v, t, value.span, f"range_{name}")
                else:
                    t = v.type
                self._declare(scope, name, t, te is not None, st.span)
                return [ir.Let(name, v, st.span)]
            case s.AssignStmt(target=target, op=op, value=value):
                tgt = self.target(target, scope)
                v = self.expr(value, scope)
                if op != "=":
                    current = self.expr(target, scope)
                    v = self.binary(op[:-1], current, v, st.span)
                root = tgt.root
                target_type = self.expr(target, scope).type
                v = self.coerce(v, target_type, value.span, f"range_{root}")
                check = None
                if isinstance(v, ir.Convert) and isinstance(target_type, ir.IntType) \
                        and isinstance(v.arg.type, ir.IntType):  # an int resize: the Assign checks the range
                    check, v = v.check, v.arg
                return [ir.Assign(tgt, v, check, st.span)]
            case s.IfStmt(cond=cond, then=then, otherwise=otherwise):
                c = self.expect_bool(self.expr(cond, scope), cond)
                return [ir.If(c, tuple(self.stmts(then, scope.child())),
                              tuple(self.stmts(otherwise, scope.child())), st.span)]
            case s.ForStmt(var=var, domain=domain, body=body):
                d = self._check_domain(self.resolve_type(domain), domain.span)
                inner = scope.nested(ir.domain_size(d), st.span)
                self._declare(inner, var, d, False, st.span)
                return [ir.For(var, d, tuple(self.stmts(body, inner)), st.span)]
            case s.RequireStmt(cond=cond):
                return [ir.Require(self.expect_bool(self.expr(cond, scope), cond), st.span)]
            case s.AssertStmt(cond=cond, name=name):
                self.asserts.setdefault(name, st.span)
                return [ir.Assert(self.expect_bool(self.expr(cond, scope), cond), name, st.span)]
            case s.CallStmt(callee=callee, args=args):
                if callee in self.decls.procs:
                    if not scope.can_write_state:
                        raise fail("MDC303", f"proc '{callee}' changes state and cannot be called here", st.span)
                    proc = self.proc(callee, st.span)
                    return [ir.ProcCall(proc, self._args(callee, proc.params, args, scope, st.span), st.span)]
                if callee in self.decls.fns:
                    raise fail("MDC303", f"'{callee}' is a fn: it computes a value and cannot stand as a "
                               "statement", st.span, hint=f"use it in an expression, e.g. 'let x = {callee}(...)'")
                if callee in self.decls.actions:
                    raise fail("MDC303", f"'{callee}' is an action; actions are chosen by the checker, not "
                               "called", st.span, hint="move the shared steps into a proc")
                raise unknown_name("proc", callee, st.span, self.decls.procs)
        raise AssertionError(st)

    def target(self, e: s.Expr, scope: _Scope) -> ir.Target:
        path: list[ir.FieldStep | ir.IndexStep | ir.BitsStep] = []
        node = e
        while not isinstance(node, s.Name):
            if isinstance(node, s.FieldAccess):
                base = self.expr(node.base, scope, view_ok=True)
                if isinstance(base.type, (ir.LayoutType, ir.ViewType)):
                    access = self._layout_access(base, node.field_name, node.span)
                    if not isinstance(access, ir.BitsOf):
                        raise fail("MDC303", "a view cannot be assigned as a whole; assign its fields",
                                   node.span)
                    path.append(ir.BitsStep(access.field))
                    node = node.base
                    if isinstance(base, ir.ViewOf):
                        assert isinstance(node, s.FieldAccess)
                        node = node.base
                    continue
                path.append(ir.FieldStep(node.field_name))
                node = node.base
            elif isinstance(node, s.IndexAccess):
                base = self.expr(node.base, scope)
                if not isinstance(base.type, ir.ArrayType):
                    raise type_mismatch(f"cannot index a value of type {base.type}", node.span)
                index, bounds = self.index(node.index, base.type, scope, self._root_name(node))
                path.append(ir.IndexStep(index, base.type, bounds))
                node = node.base
            else:
                raise fail("MDC303", "only variables, their fields and elements can be assigned", e.span)
        name = node.name
        path.reverse()
        if name in scope.locals:
            local = scope.locals[name]
            if not local.mutable:
                raise fail("MDC303", f"'{name}' cannot be assigned", node.span,
                           hint=f"parameters and untyped lets are fixed; declare 'let {name}: <type> = ...' "
                                "to make a local you can assign")
            return ir.Target(name, False, tuple(path), local.type, e.span)
        if name in self.decls.vars:
            if not scope.can_write_state:
                raise fail("MDC303", f"state variable '{name}' cannot be assigned in {scope.context}s", node.span)
            return ir.Target(name, True, tuple(path), self.resolve_type(self.decls.vars[name].type_expr), e.span)
        if name in self.decls.consts:
            raise fail("MDC303", f"'{name}' is a constant and cannot be assigned", node.span)
        raise unknown_name("variable", name, node.span, list(scope.locals) + list(self.decls.vars))

    def _root_name(self, e: s.Expr) -> str:
        while not isinstance(e, s.Name):
            if isinstance(e, (s.FieldAccess, s.IndexAccess)):
                e = e.base
            else:
                return "array"
        return e.name

    # ---- expressions ----

    def expect_bool(self, e: ir.Expr, src: s.Expr) -> ir.Expr:
        if not isinstance(e.type, ir.BoolType):
            raise type_mismatch(f"expected a condition (bool), found {e.type}", src.span)
        return e

    def index(self, index: s.Expr, array: ir.ArrayType, scope: _Scope, root: str) -> tuple[ir.Expr, ir.Check | None]:
        i = self.expr(index, scope)
        want = array.index
        if isinstance(want, ir.IntType):
            if isinstance(i.type, ir.BitsType):
                raise type_mismatch(f"index of type {i.type} into an array indexed by {want}", index.span,
                                    hint="convert it with int(...)")
            if not isinstance(i.type, ir.IntType):
                raise type_mismatch(f"index of type {i.type} into an array indexed by {want}", index.span)
            if want.contains(i.type):
                return i, None
            return i, self._range_check(f"bounds_{root}", i, want, index.span)
        if i.type != want:
            raise type_mismatch(f"index of type {i.type} into an array indexed by {want}", index.span)
        return i, None

    def _range_check(self, prop: str, e: ir.Expr, want: ir.IntType, span: Span | None) -> ir.Check:
        self.checks.setdefault(prop, span)
        lo = ir.Binary("le", ir.Lit(want.lo, ir.IntType(want.lo, want.lo)), e, ir.BOOL, span=span)
        hi = ir.Binary("le", e, ir.Lit(want.hi, ir.IntType(want.hi, want.hi)), ir.BOOL, span=span)
        return ir.Check(prop, ir.Binary("and", lo, hi, ir.BOOL, span=span), span, e, want)

    def coerce(self, e: ir.Expr, want: ir.Type, span: Span | None, prop: str) -> ir.Expr:
        have = e.type
        if have == want:
            return e
        if isinstance(want, ir.IntType) and isinstance(have, ir.IntType):
            if want.contains(have):
                return ir.Convert(e, want, None, span)
            return ir.Convert(e, want, self._range_check(prop, e, want, span), span)
        if isinstance(want, ir.BitsType) and isinstance(have, ir.IntType) and isinstance(e, ir.Lit):
            value = e.value
            assert isinstance(value, int)
            if -(1 << (want.width - 1)) <= value < 0 and want.width > 1:
                return ir.Lit(value & want.mask, want, span)
            if 0 <= value <= want.mask:
                return ir.Lit(value, want, span)
            raise type_mismatch(f"{value:#x} does not fit in {want}", span)
        hint = None
        if isinstance(want, ir.BitsType) and isinstance(have, ir.IntType):
            hint = f"convert with {want}(...)"
        elif isinstance(want, ir.IntType) and isinstance(have, ir.BitsType):
            hint = "convert with int(...)"
        elif isinstance(want, ir.BitsType) and isinstance(have, ir.BitsType):
            hint = f"convert with {want}(...)"
        raise type_mismatch(f"expected {want}, found {have}", span, hint)

    def expr(self, e: s.Expr, scope: _Scope, view_ok: bool = False) -> ir.Expr:
        lowered = self._expr(e, scope)
        if isinstance(lowered, ir.ViewOf) and not view_ok:
            raise fail("MDC303", f"{lowered.type} is a set of names, not a value", e.span,
                       hint="read one of its fields, e.g. x.view.field")
        return lowered

    def _expr(self, e: s.Expr, scope: _Scope) -> ir.Expr:
        match e:
            case s.IntLit(value=v):
                return ir.Lit(v, ir.IntType(v, v), e.span)
            case s.BoolLit(value=v):
                return ir.Lit(v, ir.BOOL, e.span)
            case s.Name(name=n):
                return self.name(n, scope, e.span)
            case s.FieldAccess(base=base, field_name=fname):
                b = self.expr(base, scope, view_ok=True)
                if isinstance(b.type, (ir.LayoutType, ir.ViewType)):
                    return self._layout_access(b, fname, e.span)
                if not isinstance(b.type, ir.RecordType):
                    raise type_mismatch(f"{b.type} has no fields; cannot read '.{fname}'", e.span)
                ft = b.type.field_type(fname)
                if ft is None:
                    raise unknown_name(f"field of {b.type.name}", fname, e.span, [f for f, _ in b.type.fields])
                return ir.FieldGet(b, fname, ft, e.span)
            case s.IndexAccess(base=base, index=index):
                b = self.expr(base, scope)
                if not isinstance(b.type, ir.ArrayType):
                    raise type_mismatch(f"cannot index a value of type {b.type}", e.span)
                i, bounds = self.index(index, b.type, scope, self._root_name(e))
                return ir.IndexGet(b, i, b.type.elem, bounds, e.span)
            case s.Call(callee=callee, args=args):
                return self.call(callee, args, scope, e.span)
            case s.UnaryOp(op=op, arg=arg):
                a = self.expr(arg, scope)
                if op == "!":
                    return ir.Unary("not", self.expect_bool(a, arg), ir.BOOL, e.span)
                if op == "-" and isinstance(a.type, ir.IntType):
                    if isinstance(a, ir.Lit):
                        return ir.Lit(-a.value, ir.IntType(-a.value, -a.value), e.span)  # type: ignore[operator]
                    return ir.Unary("neg", a, ir.IntType(-a.type.hi, -a.type.lo), e.span)
                if op in "-~" and isinstance(a.type, ir.BitsType):
                    return ir.Unary("neg" if op == "-" else "bvnot", a, a.type, e.span)
                raise type_mismatch(f"'{op}' does not apply to {a.type}", e.span)
            case s.BinaryOp(op=op, left=left, right=right):
                return self.binary(op, self.expr(left, scope), self.expr(right, scope), e.span)
            case s.Conditional(cond=cond, then=then, otherwise=otherwise):
                c = self.expect_bool(self.expr(cond, scope), cond)
                a, b = self.unify(self.expr(then, scope), self.expr(otherwise, scope), e.span)
                t = a.type
                if isinstance(a.type, ir.IntType) and isinstance(b.type, ir.IntType):
                    t = ir.IntType(min(a.type.lo, b.type.lo), max(a.type.hi, b.type.hi))
                return ir.Ite(c, a, b, t, e.span)
            case s.Quantifier(kind=kind, binders=binders, body=body):
                return self.quantifier(kind, binders, body, scope, e.span)
        raise AssertionError(e)

    def _layout_access(self, b: ir.Expr, fname: str, span: Span | None) -> ir.Expr:
        if isinstance(b.type, ir.ViewType):
            assert isinstance(b, ir.ViewOf)
            layout, view, base = b.type.layout, b.type.view, b.base
        else:
            assert isinstance(b.type, ir.LayoutType)
            layout, view, base = b.type, b.type.name, b
            if fname in layout.views and layout.field(view, fname) is None:
                return ir.ViewOf(b, ir.ViewType(layout, fname), span)
        found = layout.field(view, fname)
        if found is None:
            candidates = [f.name for f in layout.fields if f.view == view]
            if view == layout.name:
                candidates += list(layout.views)
            raise unknown_name(f"field of {view}", fname, span, candidates)
        return ir.BitsOf(base, found, ir.BitsType(found.width), span)

    def name(self, n: str, scope: _Scope, span: Span | None) -> ir.Expr:
        if n in scope.locals:
            return ir.LocalRef(n, scope.locals[n].type, span)
        if n in self.decls.vars:
            return ir.StateRef(n, self.resolve_type(self.decls.vars[n].type_expr), span)
        if n in self.const_values:
            v = self.const_values[n]
            return ir.Lit(v, ir.BOOL if isinstance(v, bool) else ir.IntType(v, v), span)
        if n in self.decls.enum_members:
            enum = self._named_type(self.decls.enum_members[n].name, span)
            assert isinstance(enum, ir.EnumType)
            return ir.Lit(enum.members.index(n), enum, span)
        candidates = (list(scope.locals) + list(self.decls.vars) + list(self.const_values)
                      + list(self.decls.enum_members))
        raise unknown_name("name", n, span, candidates)

    def call(self, callee: str, args: tuple[s.Expr, ...], scope: _Scope, span: Span | None) -> ir.Expr:
        if callee in self.decls.fns:
            fn = self.fn(callee, span)
            return ir.FnCall(fn, self._args(callee, fn.params, args, scope, span), fn.result, span)
        if callee in BUILTIN_TYPES or callee in self.decls.types:
            if len(args) != 1:
                raise fail("MDC302", f"the conversion {callee}(...) takes one argument", span)
            return self.convert(callee, self.expr(args[0], scope), span)
        if callee in self.decls.procs:
            raise fail("MDC303", f"proc '{callee}' changes state and cannot be used in an expression", span,
                       hint="call it as a statement")
        raise unknown_name("fn", callee, span, list(self.decls.fns) + sorted(BUILTIN_TYPES & {"int", "u64"}))

    def convert(self, type_name: str, a: ir.Expr, span: Span | None) -> ir.Expr:
        if type_name == "int":
            if isinstance(a.type, ir.BitsType):
                return ir.Convert(a, ir.IntType(0, a.type.mask), None, span)
            if isinstance(a.type, ir.IntType):
                return a
            if isinstance(a.type, ir.BoolType):
                return ir.Ite(a, ir.Lit(1, ir.IntType(1, 1)), ir.Lit(0, ir.IntType(0, 0)), ir.IntType(0, 1), span)
            raise type_mismatch(f"int(...) does not apply to {a.type}", span)
        want = self._named_type(type_name, span)
        if isinstance(want, ir.BitsType):
            if isinstance(a, ir.Lit) and isinstance(a.type, ir.IntType):
                return ir.Lit(a.value & want.mask, want, span)  # type: ignore[operator]
            if isinstance(a.type, (ir.IntType, ir.BitsType)):
                return a if a.type == want else ir.Convert(a, want, None, span)
            if isinstance(a.type, ir.BoolType):
                return ir.Ite(a, ir.Lit(1, want), ir.Lit(0, want), want, span)
            raise type_mismatch(f"{type_name}(...) does not apply to {a.type}", span)
        if isinstance(want, ir.IntType):
            if isinstance(a.type, ir.BitsType):
                a = ir.Convert(a, ir.IntType(0, a.type.mask), None, span)
            if not isinstance(a.type, ir.IntType):
                raise type_mismatch(f"{type_name}(...) does not apply to {a.type}", span)
            if want.contains(a.type):
                return ir.Convert(a, want, None, span)
            return ir.Convert(a, want, self._range_check(f"range_{type_name}", a, want, span), span)
        raise type_mismatch(f"{type_name} is not a type you can convert to", span)

    def unify(self, a: ir.Expr, b: ir.Expr, span: Span | None) -> tuple[ir.Expr, ir.Expr]:
        if isinstance(a.type, ir.IntType) and isinstance(b.type, ir.IntType):
            return a, b
        if isinstance(a.type, ir.BitsType) and isinstance(b, ir.Lit) and isinstance(b.type, ir.IntType):
            return a, self.coerce(b, a.type, b.span or span, "")
        if isinstance(b.type, ir.BitsType) and isinstance(a, ir.Lit) and isinstance(a.type, ir.IntType):
            return self.coerce(a, b.type, a.span or span, ""), b
        if a.type != b.type:
            hint = None
            if {type(a.type), type(b.type)} == {ir.IntType, ir.BitsType}:
                hint = "mixing integers and bit-vectors: convert one side with int(...) or uN(...)"
            raise type_mismatch(f"operands have different types: {a.type} and {b.type}", span, hint)
        return a, b

    def binary(self, op: str, a: ir.Expr, b: ir.Expr, span: Span | None) -> ir.Expr:
        if op in ("&&", "||", "=>"):
            for side in (a, b):
                if not isinstance(side.type, ir.BoolType):
                    raise type_mismatch(f"'{op}' needs conditions (bool), found {side.type}", side.span or span)
            return ir.Binary({"&&": "and", "||": "or", "=>": "implies"}[op], a, b, ir.BOOL, span=span)
        if op in ("==", "!="):
            a, b = self.unify(a, b, span)
            return ir.Binary("eq" if op == "==" else "ne", a, b, ir.BOOL, span=span)
        if op in ("<", "<=", ">", ">="):
            a, b = self.unify(a, b, span)
            if not isinstance(a.type, (ir.IntType, ir.BitsType)):
                raise type_mismatch(f"'{op}' compares numbers, not {a.type}", span)
            return ir.Binary({"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op], a, b, ir.BOOL, span=span)
        if op in ("<<", ">>"):
            return self.shift(op, a, b, span)
        name = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod",
                "&": "band", "|": "bor", "^": "bxor"}[op]
        a, b = self.unify(a, b, span)
        if isinstance(a.type, ir.BitsType):
            check = None
            if name in ("div", "mod") and not (isinstance(b, ir.Lit) and b.value != 0):
                check = self._nonzero_check(b, span)
            return ir.Binary(name, a, b, a.type, check, span)
        if isinstance(a.type, ir.IntType) and isinstance(b.type, ir.IntType):
            if name in ("band", "bor", "bxor"):
                raise type_mismatch(f"'{op}' works on bit-vectors (uN), not integers", span,
                                    hint="convert with u64(...) or use && / ||")
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit) and not (name in ("div", "mod") and b.value == 0):
                v = _fold_constant(op, a.value, b.value, span)  # type: ignore[arg-type]
                return ir.Lit(v, ir.IntType(v, v), span)  # type: ignore[arg-type]
            t, check = self._int_result(name, a.type, b.type, b, span)
            return ir.Binary(name, a, b, t, check, span)
        raise type_mismatch(f"'{op}' does not apply to {a.type}", span)

    def _nonzero_check(self, b: ir.Expr, span: Span | None) -> ir.Check:
        self.checks.setdefault("div_by_zero", span)
        zero = ir.Lit(0, b.type if isinstance(b.type, ir.BitsType) else ir.IntType(0, 0))
        return ir.Check("div_by_zero", ir.Binary("ne", b, zero, ir.BOOL, span=span), span, b)

    def _int_result(self, name: str, a: ir.IntType, b: ir.IntType, b_expr: ir.Expr,
                    span: Span | None) -> tuple[ir.IntType, ir.Check | None]:
        check = None
        if name == "add":
            t = ir.IntType(a.lo + b.lo, a.hi + b.hi)
        elif name == "sub":
            t = ir.IntType(a.lo - b.hi, a.hi - b.lo)
        elif name == "mul":
            products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
            t = ir.IntType(min(products), max(products))
        else:
            if b.lo <= 0 <= b.hi:
                check = self._nonzero_check(b_expr, span)
            magnitude = max(abs(a.lo), abs(a.hi))
            divisor = max(abs(b.lo), abs(b.hi))
            if name == "div":
                if a.lo >= 0 and b.lo > 0:
                    t = ir.IntType(a.lo // b.hi, a.hi // b.lo)
                else:
                    t = ir.IntType(-magnitude, magnitude)
            else:
                bound = min(magnitude, max(divisor - 1, 0))
                t = ir.IntType(0 if a.lo >= 0 else -bound, bound if a.hi > 0 else 0)
        if int_bits(t) > MAX_INT_BITS:
            raise fail("MDC402", f"this integer expression can reach {t}, wider than {MAX_INT_BITS} bits", span)
        return t, check

    def shift(self, op: str, a: ir.Expr, b: ir.Expr, span: Span | None) -> ir.Expr:
        name = "shl" if op == "<<" else "shr"
        if isinstance(a.type, ir.BitsType):
            if isinstance(b.type, ir.IntType):
                if isinstance(b, ir.Lit):
                    amount = b.value
                    assert isinstance(amount, int)
                    if amount < 0:
                        raise type_mismatch("negative shift amount", span)
                    # shifting by the width or more gives 0, so any larger amount behaves alike
                    b = ir.Lit(min(amount, a.type.mask), a.type, b.span)
                elif b.type.lo < 0 or b.type.hi > a.type.mask:
                    raise type_mismatch(f"shift amount {b.type} does not fit {a.type}", span,
                                        hint=f"convert it with {a.type}(...)")
                else:
                    b = ir.Convert(b, a.type, None, b.span)
            if b.type != a.type:
                raise type_mismatch(f"shift amount of type {b.type} for a {a.type}", span)
            return ir.Binary(name, a, b, a.type, None, span)
        if isinstance(a.type, ir.IntType) and isinstance(b.type, ir.IntType):
            if a.type.lo < 0 or b.type.lo < 0:
                raise type_mismatch("integer shifts need non-negative operands", span)
            if b.type.hi > MAX_INT_BITS:
                raise fail("MDC402", f"shift by up to {b.type.hi} bits", span)
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
                v = a.value << b.value if name == "shl" else a.value >> b.value  # type: ignore[operator]
                return ir.Lit(v, ir.IntType(v, v), span)
            if name == "shl":
                t = ir.IntType(a.type.lo << b.type.lo, a.type.hi << b.type.hi)
            else:
                t = ir.IntType(a.type.lo >> b.type.hi, a.type.hi >> b.type.lo)
            if int_bits(t) > MAX_INT_BITS:
                raise fail("MDC402", f"this shift can reach {t}, wider than {MAX_INT_BITS} bits", span)
            return ir.Binary(name, a, b, t, None, span)
        raise type_mismatch(f"'{op}' does not apply to {a.type} and {b.type}", span)

    def quantifier(self, kind: str, binders: tuple[s.Binder, ...], body: s.Expr, scope: _Scope,
                   span: Span | None) -> ir.Expr:
        inner = scope.child()
        domains = []
        for binder in binders:
            d = self._check_domain(self.resolve_type(binder.domain), binder.domain.span)
            inner = inner.nested(ir.domain_size(d), span)
            self._declare(inner, binder.name, d, False, binder.span)
            domains.append((binder.name, d))
        b = self.expr(body, inner)
        size = 1
        for _, d in domains:
            size *= ir.domain_size(d)
        if size > MAX_DOMAIN * 16:
            raise fail("MDC402", f"this {kind} expands to {size} instances", span)
        if kind in ("forall", "exists", "count"):
            self.expect_bool(b, body)
        elif not isinstance(b.type, ir.IntType):
            raise type_mismatch(f"sum adds integers, not {b.type}", body.span)
        result: ir.Expr = b
        for i, (name, d) in enumerate(reversed(domains)):
            outermost = i == len(domains) - 1
            n = ir.domain_size(d)
            if kind in ("forall", "exists"):
                result = ir.Quant(kind, name, d, result, ir.BOOL, span)
            elif kind == "count" and len(domains) > 1 and not outermost:
                # count over several binders: nested sums of the innermost count
                inner_count = result if isinstance(result.type, ir.IntType) else \
                    ir.Ite(result, ir.Lit(1, ir.IntType(1, 1)), ir.Lit(0, ir.IntType(0, 0)), ir.IntType(0, 1))
                t = inner_count.type
                assert isinstance(t, ir.IntType)
                result = ir.Quant("sum", name, d, inner_count, ir.IntType(n * t.lo, n * t.hi), span)
            elif kind == "count" and isinstance(result.type, ir.BoolType):
                result = ir.Quant("count", name, d, result, ir.IntType(0, n), span)
            else:
                t = result.type
                assert isinstance(t, ir.IntType)
                result = ir.Quant("sum", name, d, result, ir.IntType(min(n * t.lo, 0 if n == 0 else n * t.lo),
                                                                     n * t.hi), span)
        return result


def _shown_constant(value: int | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _fold_constant(op: str, a: int | bool, b: int | bool, span: Span | None) -> int | bool:
    if op in ("&&", "||", "=>"):
        if not (isinstance(a, bool) and isinstance(b, bool)):
            raise type_mismatch(f"'{op}' needs booleans", span)
        return {"&&": a and b, "||": a or b, "=>": (not a) or b}[op]
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, bool) or isinstance(b, bool):
        raise type_mismatch(f"'{op}' needs integers", span)
    if op in ("/", "%") and b == 0:
        raise fail("MDC306", "division by zero in a constant expression", span)
    if op in ("<<", ">>") and (b < 0 or b > MAX_INT_BITS):
        raise fail("MDC402", f"shift by {b} in a constant expression", span)
    match op:
        case "+": return a + b
        case "-": return a - b
        case "*": return a * b
        case "/": return c_div(a, b)
        case "%": return a - b * c_div(a, b)
        case "<": return a < b
        case "<=": return a <= b
        case ">": return a > b
        case ">=": return a >= b
        case "<<": return a << b
        case ">>": return a >> b
        case "&": return a & b
        case "|": return a | b
        case "^": return a ^ b
    raise AssertionError(op)

