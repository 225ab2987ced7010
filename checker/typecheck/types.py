"""Constant expressions, type expressions, named types and layouts."""
from __future__ import annotations

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import duplicate, fail, type_mismatch, unknown_name
from checker.frontend.source import Span
from checker.typecheck.expressions import fold_constant
from checker.typecheck.scope import BUILTIN_TYPES, MAX_BITS_WIDTH, MAX_DOMAIN, MAX_LAYOUT_WORDS


class TypeLowering:
    """Part of `Lowering`: constant expressions, type expressions, named types and layouts."""

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
                    self.log.check_usable(f"constant {n}")
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
                return fold_constant(op, a, b, e.span)
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
            self.log.check_usable(f"view {owner}")
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
        if name[:1] in ("u", "i") and name[1:].isdigit() and name in BUILTIN_TYPES:
            return ir.BitsType(int(name[1:]), signed=name[0] == "i")
        if name in self.type_cache:
            return self.type_cache[name]
        decl = self.decls.types.get(name)
        if decl is None:
            if name[:1] in ("u", "i") and name[1:].isdigit():
                raise fail("MDC305", f"bit-vectors are u1 to u{MAX_BITS_WIDTH} and i1 to i{MAX_BITS_WIDTH}; "
                           f"'{name}' is not", span)
            if name[:1] == "s" and name[1:].isdigit():
                raise fail("MDC201", f"unknown type '{name}'; did you mean 'i{name[1:]}'?", span,
                           hint="signed bit-vectors are spelt i8, i16, i32, i64 (the kernel's s8 .. s64)")
            raise unknown_name("type", name, span, list(self.decls.types) + ["bool", "u8", "u16", "u32", "u64"])
        if name in self.in_progress:
            raise fail("MDC208", f"type '{name}' refers to itself", span)
        return self.log.settle(f"type {name}", lambda: self._declared_type(name, decl))

    def _declared_type(self, name: str, decl: s.TypeDecl | s.EnumDecl | s.RecordDecl | s.LayoutDecl) -> ir.Type:
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
                    raise type_mismatch(f"layout fields are bit-vectors (u1..u64, i1..i64), not {t}", f.type_expr.span)
                word = self.const_int(f.word)
                bit = self.const_int(f.bit) if f.bit is not None else 0
                if not (0 <= word < words and 0 <= bit and bit + t.width <= ir.WORD_BITS):
                    raise fail("MDC307", f"field '{f.name}' (word {word}, bits {bit}..{bit + t.width - 1}) lies "
                               f"outside layout '{decl.name}' ({words} words of {ir.WORD_BITS} bits)", f.span)
                fields.append(ir.LayoutField(f.name, view, word, bit, t.width, t.signed))
        return ir.LayoutType(decl.name, words, tuple(fields))

    def _check_domain(self, t: ir.Type, span: Span | None) -> ir.FiniteType:
        if not isinstance(t, (ir.BoolType, ir.IntType, ir.EnumType)):
            raise fail("MDC304", f"expected a finite type (a range, an enum or bool), found {t}", span)
        size = ir.domain_size(t)
        if size > MAX_DOMAIN:
            raise fail("MDC402", f"{t} has {size} values; quantifiers, loops and array indices range over "
                       f"at most {MAX_DOMAIN}", span)
        return t
