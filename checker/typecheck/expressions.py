"""Expressions: names, calls, conversions, operators with their implicit checks, quantifiers."""
from __future__ import annotations

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import SpecError, fail, type_mismatch, unknown_name
from checker.frontend.source import Span
from checker.ir import c_div, int_bits
from checker.typecheck.lints import decided_comparison
from checker.typecheck.scope import BUILTIN_TYPES, MAX_DOMAIN, MAX_INT_BITS, Scope


class ExpressionLowering:
    """Part of `Lowering`: expressions: names, calls, conversions, operators with their implicit checks, quantifiers."""

    # ---- expressions ----

    def expect_bool(self, e: ir.Expr, src: s.Expr) -> ir.Expr:
        if not isinstance(e.type, ir.BoolType):
            raise type_mismatch(f"expected a condition (bool), found {e.type}", src.span)
        return e

    def index(self, index: s.Expr, array: ir.ArrayType, scope: Scope, root: str) -> tuple[ir.Expr, ir.Check | None]:
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
            if want.signed:
                if not want.values.contains(have):
                    raise type_mismatch(f"{value} does not fit in {want} ({want.values})", span,
                                        hint=f"{want}({value}) keeps its low {want.width} bits")
                return ir.Lit(value & want.mask, want, span)
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
            if want.signed != have.signed:
                raise mixed_signedness(f"expected {want}, found {have}", want, span)
            hint = f"convert with {want}(...)"
        raise type_mismatch(f"expected {want}, found {have}", span, hint)

    def expr(self, e: s.Expr, scope: Scope, view_ok: bool = False) -> ir.Expr:
        lowered = self._expr(e, scope)
        if isinstance(lowered, ir.ViewOf) and not view_ok:
            raise fail("MDC303", f"{lowered.type} is a set of names, not a value", e.span,
                       hint="read one of its fields, e.g. x.view.field")
        return lowered

    def _expr(self, e: s.Expr, scope: Scope) -> ir.Expr:
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
                a, b = self.expr(left, scope), self.expr(right, scope)
                lowered = self.binary(op, a, b, e.span)
                warning = decided_comparison(e, a, b)
                if warning is not None:
                    self.warnings.append(warning)
                return lowered
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
        return ir.BitsOf(base, found, found.type, span)

    def name(self, n: str, scope: Scope, span: Span | None) -> ir.Expr:
        if n in scope.locals:
            return ir.LocalRef(n, scope.locals[n].type, span)
        if n in self.decls.vars:
            self.log.check_usable(f"var {n}")
            return ir.StateRef(n, self.resolve_type(self.decls.vars[n].type_expr), span)
        if n in self.const_values:
            v = self.const_values[n]
            return ir.Lit(v, ir.BOOL if isinstance(v, bool) else ir.IntType(v, v), span)
        if n in self.decls.enum_members:
            enum = self._named_type(self.decls.enum_members[n].name, span)
            assert isinstance(enum, ir.EnumType)
            return ir.Lit(enum.members.index(n), enum, span)
        self.log.check_usable(f"constant {n}")
        candidates = (list(scope.locals) + list(self.decls.vars) + list(self.const_values)
                      + list(self.decls.enum_members))
        raise unknown_name("name", n, span, candidates)

    def call(self, callee: str, args: tuple[s.Expr, ...], scope: Scope, span: Span | None) -> ir.Expr:
        if callee in self.decls.fns:
            fn = self.fn(callee, span)
            self.inline_call("fn", callee, scope)
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
                return ir.Convert(a, a.type.values, None, span)
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
                a = ir.Convert(a, a.type.values, None, span)
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
        if isinstance(a.type, ir.BitsType) and isinstance(b.type, ir.BitsType) and a.type.signed != b.type.signed:
            signed = a.type if a.type.signed else b.type
            raise mixed_signedness(f"operands have different types: {a.type} and {b.type}", signed, span)
        if a.type != b.type:
            hint = None
            if {type(a.type), type(b.type)} == {ir.IntType, ir.BitsType}:
                signed = any(isinstance(t, ir.BitsType) and t.signed for t in (a.type, b.type))
                hint = f"mixing integers and bit-vectors: convert one side with int(...) or {'iN' if signed else 'uN'}(...)"
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
                v = fold_constant(op, a.value, b.value, span)  # type: ignore[arg-type]
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

    def quantifier(self, kind: str, binders: tuple[s.Binder, ...], body: s.Expr, scope: Scope,
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


def mixed_signedness(message: str, signed: ir.BitsType, span: Span | None) -> SpecError:
    unsigned = ir.BitsType(signed.width)
    return fail("MDC310", message + "; signed and unsigned bit-vectors do not mix", span,
                hint=f"convert one side: {signed}(...) or {unsigned}(...) (C would convert silently)")


def shown_constant(value: int | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def fold_constant(op: str, a: int | bool, b: int | bool, span: Span | None) -> int | bool:
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
