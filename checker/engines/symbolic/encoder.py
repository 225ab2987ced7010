"""Symbolic execution of the IR into Z3 bit-vector terms (QF_BV).

Every value is flattened to Z3 scalars: bools as Bool, ranges as signed bit-vectors just
wide enough for their interval, bit-vectors as themselves, enums as small bit-vectors.
Records are tuples of field values and arrays tuples of elements, so a state is a
structure of scalars, and an array read with a symbolic index is a chain of `If`s.

Statements run in order. `alive` is the condition under which execution is still
running normally (every `require` and every check met so far); each assert or implicit
check that can fail records (property, condition under which it is the first to fail).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import z3

from checker import ir
from checker.ir import int_bits

SymValue = object  # z3.BoolRef | z3.BitVecRef | tuple[SymValue, ...]


def scalar_width(t: ir.Type) -> int:
    if isinstance(t, ir.IntType):
        return int_bits(t)
    if isinstance(t, ir.BitsType):
        return t.width
    if isinstance(t, ir.EnumType):
        return max(1, (len(t.members) - 1).bit_length())
    raise TypeError(t)


@dataclass
class Failure:
    prop: str
    cond: z3.BoolRef
    span: object


@dataclass
class ExecState:
    state: dict[str, SymValue]
    locals: dict[str, SymValue]
    alive: z3.BoolRef
    failures: list[Failure] = field(default_factory=list)
    reached: list[Failure] = field(default_factory=list)  # per assert statement: the condition it is reached


class Encoder:
    """Builds Z3 terms for one model in one Z3 context."""

    def __init__(self, model: ir.Model, ctx: z3.Context):
        self.model = model
        self.ctx = ctx
        self.true = z3.BoolVal(True, ctx)
        self.false = z3.BoolVal(False, ctx)

    # ---- fresh values ----

    def bits_of(self, word: z3.BitVecRef, f: ir.LayoutField) -> z3.BitVecRef:
        if f.bit == 0 and f.width == word.size():
            return word
        return z3.Extract(f.bit + f.width - 1, f.bit, word)

    def with_bits(self, word: z3.BitVecRef, f: ir.LayoutField, value: z3.BitVecRef) -> z3.BitVecRef:
        size = word.size()
        parts = []
        if f.bit + f.width < size:
            parts.append(z3.Extract(size - 1, f.bit + f.width, word))
        parts.append(value)
        if f.bit > 0:
            parts.append(z3.Extract(f.bit - 1, 0, word))
        return parts[0] if len(parts) == 1 else z3.Concat(*parts)

    def fresh(self, t: ir.Type, name: str, domain: list[z3.BoolRef]) -> SymValue:
        """A structure of fresh constants of type t; range and enum bounds go to `domain`."""
        if isinstance(t, ir.LayoutType):
            return tuple(z3.BitVec(f"{name}.w{i}", ir.WORD_BITS, self.ctx) for i in range(t.words))
        if isinstance(t, ir.RecordType):
            return tuple(self.fresh(ft, f"{name}.{fname}", domain) for fname, ft in t.fields)
        if isinstance(t, ir.ArrayType):
            return tuple(self.fresh(t.elem, f"{name}[{i}]", domain) for i in ir.domain_values(t.index))
        if isinstance(t, ir.BoolType):
            return z3.Bool(name, self.ctx)
        v = z3.BitVec(name, scalar_width(t), self.ctx)
        if isinstance(t, ir.IntType):
            w = scalar_width(t)
            if t.lo != -(1 << (w - 1)):
                domain.append(v >= self.int_const(t.lo, w))
            if t.hi != (1 << (w - 1)) - 1:
                domain.append(v <= self.int_const(t.hi, w))
        elif isinstance(t, ir.EnumType) and len(t.members) < (1 << scalar_width(t)):
            domain.append(z3.ULT(v, z3.BitVecVal(len(t.members), scalar_width(t), self.ctx)))
        return v

    def fresh_state(self, prefix: str, domain: list[z3.BoolRef]) -> dict[str, SymValue]:
        return {name: self.fresh(t, f"{prefix}{name}", domain) for name, t in self.model.state}

    def int_const(self, value: int, width: int) -> z3.BitVecRef:
        return z3.BitVecVal(value % (1 << width), width, self.ctx)

    def literal(self, value: object, t: ir.Type) -> SymValue:
        if isinstance(t, ir.BoolType):
            return z3.BoolVal(bool(value), self.ctx)
        return self.int_const(int(value), scalar_width(t))  # type: ignore[arg-type]

    def concrete_value(self, value: object, t: ir.Type) -> SymValue:
        """A concrete interpreter value as Z3 terms."""
        if isinstance(t, ir.LayoutType):
            return tuple(self.int_const(int(w), ir.WORD_BITS) for w in value)  # type: ignore[union-attr]
        if isinstance(t, ir.RecordType):
            return tuple(self.concrete_value(v, ft) for (_, ft), v in zip(t.fields, value))  # type: ignore[arg-type]
        if isinstance(t, ir.ArrayType):
            return tuple(self.concrete_value(v, t.elem) for v in value)  # type: ignore[union-attr]
        return self.literal(value, t)

    # ---- structural helpers ----

    def merge(self, cond: z3.BoolRef, a: SymValue, b: SymValue) -> SymValue:
        if isinstance(a, tuple):
            return tuple(self.merge(cond, x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
        if a is b or a.eq(b):  # type: ignore[attr-defined]
            return a
        return z3.If(cond, a, b)

    def equal(self, a: SymValue, b: SymValue) -> z3.BoolRef:
        if isinstance(a, tuple):
            return self.conj([self.equal(x, y) for x, y in zip(a, b)])  # type: ignore[arg-type]
        return a == b  # type: ignore[return-value]

    def conj(self, items: list[z3.BoolRef]) -> z3.BoolRef:
        items = [i for i in items if not z3.is_true(i)]
        if any(z3.is_false(i) for i in items):
            return self.false
        if not items:
            return self.true
        return items[0] if len(items) == 1 else z3.And(items)

    def disj(self, items: list[z3.BoolRef]) -> z3.BoolRef:
        items = [i for i in items if not z3.is_false(i)]
        if any(z3.is_true(i) for i in items):
            return self.true
        if not items:
            return self.false
        return items[0] if len(items) == 1 else z3.Or(items)

    def implies(self, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        if z3.is_true(a):
            return b
        if z3.is_true(b) or z3.is_false(a):
            return self.true
        return z3.Implies(a, b)

    def resize_int(self, v: z3.BitVecRef, width: int) -> z3.BitVecRef:
        have = v.size()
        if have == width:
            return v
        if z3.is_bv_value(v):  # keep constants constant
            return self.int_const(v.as_signed_long(), width)
        if have < width:
            return z3.SignExt(width - have, v)
        return z3.Extract(width - 1, 0, v)

    def index_matches(self, index: SymValue, t: ir.FiniteType, value: object) -> z3.BoolRef:
        if isinstance(t, ir.BoolType):
            return index if value else z3.Not(index)  # type: ignore[return-value]
        if isinstance(t, ir.IntType):
            # compare at a width holding both the index and every array position exactly
            w = max(index.size(), int_bits(t))  # type: ignore[union-attr]
            return self.resize_int(index, w) == self.int_const(int(value), w)  # type: ignore[arg-type]
        return index == z3.BitVecVal(int(value), index.size(), self.ctx)  # type: ignore[union-attr, arg-type]

    def concrete_index(self, index: SymValue, t: ir.FiniteType) -> int | None:
        """Position in the array when the index is a known value."""
        if isinstance(t, ir.BoolType):
            if z3.is_true(index):
                return 1
            if z3.is_false(index):
                return 0
            return None
        if not z3.is_bv_value(index):
            return None
        raw = index.as_long()  # type: ignore[union-attr]
        if isinstance(t, ir.IntType):
            w = index.size()  # type: ignore[union-attr]
            value = raw - (1 << w) if raw >= (1 << (w - 1)) else raw
            position = value - t.lo
            return position if 0 <= position <= t.hi - t.lo else None
        return raw if raw < len(t.members) else None

    # ---- expressions ----

    def evaluate(self, e: ir.Expr, env: "_Frame", guard: z3.BoolRef) -> SymValue:
        return self._materialize(self._lazy(e, env, guard))

    def _lazy(self, e: ir.Expr, env: "_Frame", guard: z3.BoolRef) -> "SymValue | _Choice":
        """Like evaluate, but an element read at a symbolic index stays a _Choice, so that
        `pages[i].memdesc` builds one If-chain over eight words, not over eight pages."""
        match e:
            case ir.IndexGet(base=base, index=index, bounds=bounds):
                array = self._materialize(self._lazy(base, env, guard))
                i = self.evaluate(index, env, guard)
                if bounds is not None:
                    self.obligation(bounds, env, guard)
                assert isinstance(base.type, ir.ArrayType)
                position = self.concrete_index(i, base.type.index)
                if position is not None:
                    return array[position]  # type: ignore[index]
                values = list(ir.domain_values(base.type.index))
                conds = [self.index_matches(i, base.type.index, v) for v in values[:-1]]
                return _Choice(conds, list(array))  # type: ignore[arg-type]
            case ir.FieldGet(base=base, field_name=name):
                record_type = base.type
                assert isinstance(record_type, ir.RecordType)
                position = [f for f, _ in record_type.fields].index(name)
                return self._project(self._lazy(base, env, guard), lambda v: v[position])  # type: ignore[index]
            case ir.BitsOf(base=base, field=f):
                return self._project(self._lazy(base, env, guard), lambda v: self.bits_of(v[f.word], f))  # type: ignore[index]
        return self._evaluate_node(e, env, guard)

    def _project(self, value: "SymValue | _Choice", part) -> "SymValue | _Choice":
        if isinstance(value, _Choice):
            return _Choice(value.conds, [self._project(v, part) for v in value.values])
        return part(value)

    def _materialize(self, value: "SymValue | _Choice") -> SymValue:
        if not isinstance(value, _Choice):
            return value
        result = self._materialize(value.values[-1])
        for k in range(len(value.values) - 2, -1, -1):
            result = self.merge(value.conds[k], self._materialize(value.values[k]), result)
        return result

    def _evaluate_node(self, e: ir.Expr, env: "_Frame", guard: z3.BoolRef) -> SymValue:
        match e:
            case ir.Lit(value=v, type=t):
                return self.literal(v, t)
            case ir.LetIn(name=name, value=value, body=body):
                env.locals[name] = self.evaluate(value, env, guard)
                result = self.evaluate(body, env, guard)
                env.locals.pop(name, None)
                return result
            case ir.Checked(check=check, body=body):
                self.obligation(check, env, guard)
                return self.evaluate(body, env, guard)
            case ir.StateRef(name=n):
                return env.state[n]
            case ir.LocalRef(name=n):
                return env.locals[n]
            case ir.Unary(op=op, arg=arg, type=t):
                a = self.evaluate(arg, env, guard)
                return _folded(self._unary(op, a, t), a)
            case ir.Binary():
                return self.binary(e, env, guard)
            case ir.Ite(cond=c, then=a, otherwise=b, type=t):
                cv = self.evaluate(c, env, guard)
                av = self.evaluate(a, env, self.conj([guard, cv]))  # type: ignore[list-item]
                bv = self.evaluate(b, env, self.conj([guard, z3.Not(cv)]))  # type: ignore[arg-type]
                if isinstance(t, ir.IntType):
                    w = scalar_width(t)
                    av, bv = self.resize_int(av, w), self.resize_int(bv, w)  # type: ignore[arg-type]
                if z3.is_true(cv):
                    return av
                if z3.is_false(cv):
                    return bv
                return self.merge(cv, av, bv)  # type: ignore[arg-type]
            case ir.Quant(kind=kind, var=var, domain=domain, body=body, type=t):
                parts = []
                for v in ir.domain_values(domain):
                    env.locals[var] = self.literal(v, domain)
                    parts.append(self.evaluate(body, env, guard))
                env.locals.pop(var, None)
                if kind == "forall":
                    return self.conj(parts)  # type: ignore[arg-type]
                if kind == "exists":
                    return self.disj(parts)  # type: ignore[arg-type]
                w = scalar_width(t)
                if kind == "count":
                    parts = [z3.If(p, self.int_const(1, w), self.int_const(0, w)) for p in parts]  # type: ignore[arg-type]
                else:
                    parts = [self.resize_int(p, w) for p in parts]  # type: ignore[arg-type]
                return z3.simplify(z3.Sum(parts)) if len(parts) > 1 else parts[0] if parts else self.int_const(0, w)
            case ir.FnCall(fn=fn, args=args):
                values = [self.evaluate(a, env, guard) for a in args]
                inner = _Frame(env.state, dict(zip((p for p, _ in fn.params), values)), env.obligations)
                return self.evaluate(fn.body, inner, guard)
            case ir.Convert(arg=arg, type=t, check=check):
                v = self.evaluate(arg, env, guard)
                if check is not None:
                    self.obligation(check, env, guard)
                return _folded(self.convert(v, arg.type, t), v)  # type: ignore[arg-type]
        raise AssertionError(e)

    def _unary(self, op: str, a: SymValue, t: ir.Type) -> SymValue:
        if op == "not":
            return z3.Not(a)  # type: ignore[arg-type]
        if op == "bvnot":
            return ~a  # type: ignore[operator]
        if isinstance(t, ir.IntType):
            return -self.resize_int(a, scalar_width(t))  # type: ignore[arg-type]
        return -a  # type: ignore[operator]

    def convert(self, v: z3.BitVecRef, have: ir.Type, want: ir.Type) -> SymValue:
        if isinstance(want, ir.IntType) and isinstance(have, ir.IntType):
            return self.resize_int(v, scalar_width(want))
        if isinstance(want, ir.IntType) and isinstance(have, ir.BitsType):
            if have.signed:
                return self.resize_int(v, scalar_width(want))
            return self.resize_int(z3.ZeroExt(1, v), scalar_width(want)) if scalar_width(want) > v.size() \
                else z3.Extract(scalar_width(want) - 1, 0, v)
        if isinstance(want, ir.BitsType) and isinstance(have, ir.IntType):
            return self.resize_int(v, want.width)
        if isinstance(want, ir.BitsType) and isinstance(have, ir.BitsType):
            if want.width > have.width:
                extend = z3.SignExt if have.signed else z3.ZeroExt
                return extend(want.width - have.width, v)
            return z3.Extract(want.width - 1, 0, v) if want.width < have.width else v
        raise AssertionError((have, want))

    def obligation(self, check: ir.Check, env: "_Frame", guard: z3.BoolRef) -> None:
        ok = self.evaluate(check.cond, env, guard)
        env.obligations.append((check, guard, ok))  # type: ignore[arg-type]

    def binary(self, e: ir.Binary, env: "_Frame", guard: z3.BoolRef) -> SymValue:
        op = e.op
        if op in ("and", "or", "implies"):
            a = self.evaluate(e.left, env, guard)
            # the right side is evaluated only when the left does not decide
            right_guard = self.conj([guard, a]) if op in ("and", "implies") else self.conj([guard, z3.Not(a)])  # type: ignore[list-item, arg-type]
            b = self.evaluate(e.right, env, right_guard)
            if op == "and":
                return self.conj([a, b])  # type: ignore[list-item]
            if op == "or":
                return self.disj([a, b])  # type: ignore[list-item]
            return self.implies(a, b)  # type: ignore[arg-type]
        a = self.evaluate(e.left, env, guard)
        b = self.evaluate(e.right, env, guard)
        if e.check is not None:
            self.obligation(e.check, env, guard)
        return _folded(self._operation(e, a, b), a, b)

    def _operation(self, e: ir.Binary, a: SymValue, b: SymValue) -> SymValue:
        op = e.op
        operand_type = e.left.type
        if op in ("eq", "ne"):
            if isinstance(operand_type, ir.IntType):
                w = max(a.size(), b.size())  # type: ignore[union-attr]
                a, b = self.resize_int(a, w), self.resize_int(b, w)  # type: ignore[arg-type]
            result = self.equal(a, b)
            return result if op == "eq" else z3.Not(result)
        if op in ("lt", "le", "gt", "ge"):
            if isinstance(operand_type, ir.IntType):
                w = max(a.size(), b.size())  # type: ignore[union-attr]
                a, b = self.resize_int(a, w), self.resize_int(b, w)  # type: ignore[arg-type]
                return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]  # type: ignore[operator]
            if operand_type.signed:  # type: ignore[union-attr]
                return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]  # type: ignore[operator]
            return {"lt": z3.ULT, "le": z3.ULE, "gt": z3.UGT, "ge": z3.UGE}[op](a, b)
        t = e.type
        shift = _power_of_two(e.right) if op in ("div", "mod") else None
        if isinstance(t, ir.BitsType) and t.signed and op in ("div", "mod", "shr"):
            # z3's `/` and `>>` on bit-vectors are bvsdiv and bvashr; SRem's sign is the dividend's, as C's %
            return a / b if op == "div" else z3.SRem(a, b) if op == "mod" else a >> b  # type: ignore[operator]
        if shift is not None and isinstance(t, ir.BitsType):
            # unsigned division by 2^k is a shift; the remainder is the low k bits
            return z3.LShR(a, shift) if op == "div" else a & ((1 << shift) - 1)  # type: ignore[operator, arg-type]
        if isinstance(t, ir.BitsType):
            match op:
                case "add": return a + b  # type: ignore[operator]
                case "sub": return a - b  # type: ignore[operator]
                case "mul": return a * b  # type: ignore[operator]
                case "div": return z3.UDiv(a, b)
                case "mod": return z3.URem(a, b)
                case "band": return a & b  # type: ignore[operator]
                case "bor": return a | b  # type: ignore[operator]
                case "bxor": return a ^ b  # type: ignore[operator]
                case "shl": return a << b  # type: ignore[operator]
                case "shr": return z3.LShR(a, b)
        assert isinstance(t, ir.IntType)
        w_result = scalar_width(t)
        left_type = e.left.type
        if shift is not None and isinstance(left_type, ir.IntType) and left_type.lo >= 0:
            w = max(a.size(), w_result)  # type: ignore[union-attr]
            wide = self.resize_int(a, w)  # type: ignore[arg-type]
            r = z3.LShR(wide, shift) if op == "div" else wide & ((1 << shift) - 1)
            return self.resize_int(r, w_result)
        w = max(a.size(), b.size(), w_result)  # type: ignore[union-attr]
        a, b = self.resize_int(a, w), self.resize_int(b, w)  # type: ignore[arg-type]
        match op:
            case "add": r = a + b
            case "sub": r = a - b
            case "mul": r = a * b
            case "div": r = a / b  # signed division truncating toward zero
            case "mod": r = z3.SRem(a, b)
            case "shl": r = a << b
            case "shr": r = a >> b
            case _: raise AssertionError(op)
        return self.resize_int(r, w_result)

    # ---- statements ----

    def execute(self, stmts: tuple[ir.Stmt, ...] | list[ir.Stmt], st: ExecState, pc: z3.BoolRef) -> None:
        for stmt in stmts:
            self._execute(stmt, st, pc)

    def _settle(self, frame: "_Frame", st: ExecState, pc: z3.BoolRef) -> None:
        """Fold the obligations of the expressions just evaluated into alive/failures."""
        for check, guard, ok in frame.obligations:
            at = self.conj([pc, guard])
            failed = self.conj([st.alive, at, z3.Not(ok)])
            if not z3.is_false(failed):
                st.failures.append(Failure(check.prop, failed, check.span))
            st.alive = self.conj([st.alive, self.implies(at, ok)])
        frame.obligations.clear()

    def _execute(self, stmt: ir.Stmt, st: ExecState, pc: z3.BoolRef) -> None:
        frame = _Frame(st.state, st.locals, [])
        match stmt:
            case ir.Let(name=name, value=value):
                v = self.evaluate(value, frame, self.true)
                self._settle(frame, st, pc)
                st.locals[name] = v
            case ir.Assign(target=target, value=value, range_check=check):
                indices = []
                for step in target.path:
                    if isinstance(step, ir.IndexStep):
                        indices.append(self.evaluate(step.index, frame, self.true))
                        if step.bounds is not None:
                            self.obligation(step.bounds, frame, self.true)
                v = self.evaluate(value, frame, self.true)
                if check is not None:
                    self.obligation(check, frame, self.true)
                self._settle(frame, st, pc)
                store = st.state if target.is_state else st.locals
                v = self._fit(v, value.type, self._target_type(target))
                updated = self._write(store[target.root], target.root_type, list(target.path), indices, v)
                store[target.root] = self.merge(pc, updated, store[target.root]) if not z3.is_true(pc) else updated
            case ir.If(cond=cond, then=then, otherwise=otherwise):
                c = self.evaluate(cond, frame, self.true)
                self._settle(frame, st, pc)
                if z3.is_true(c) or z3.is_false(c):
                    self.execute(then if z3.is_true(c) else otherwise, st, pc)
                    return
                self.execute(then, st, self.conj([pc, c]))  # type: ignore[list-item]
                self.execute(otherwise, st, self.conj([pc, z3.Not(c)]))  # type: ignore[arg-type]
            case ir.For(var=var, domain=domain, body=body):
                for v in ir.domain_values(domain):
                    st.locals[var] = self.literal(v, domain)
                    self.execute(body, st, pc)
                st.locals.pop(var, None)
            case ir.Require(cond=cond):
                c = self.evaluate(cond, frame, self.true)
                self._settle(frame, st, pc)
                st.alive = self.conj([st.alive, self.implies(pc, c)])  # type: ignore[arg-type]
            case ir.Assert(cond=cond, prop=prop):
                c = self.evaluate(cond, frame, self.true)
                self._settle(frame, st, pc)
                st.reached.append(Failure(prop, self.conj([st.alive, pc]), stmt.span))
                failed = self.conj([st.alive, pc, z3.Not(c)])  # type: ignore[arg-type]
                if not z3.is_false(failed):
                    st.failures.append(Failure(prop, failed, stmt.span))
                st.alive = self.conj([st.alive, self.implies(pc, c)])  # type: ignore[arg-type]
            case ir.ProcCall(proc=proc, args=args):
                values = [self.evaluate(a, frame, self.true) for a in args]
                self._settle(frame, st, pc)
                saved = st.locals
                st.locals = dict(zip((p for p, _ in proc.params), values))
                self.execute(proc.body, st, pc)
                st.locals = saved
            case _:
                raise AssertionError(stmt)

    def _target_type(self, target: ir.Target) -> ir.Type:
        t = target.root_type
        for step in target.path:
            if isinstance(step, ir.FieldStep):
                assert isinstance(t, ir.RecordType)
                t = t.field_type(step.name)  # type: ignore[assignment]
            elif isinstance(step, ir.BitsStep):
                t = step.field.type
            else:
                assert isinstance(t, ir.ArrayType)
                t = t.elem
        return t

    def _fit(self, v: SymValue, have: ir.Type, want: ir.Type) -> SymValue:
        """An int value re-sized to the declared width of the place it is stored in."""
        if isinstance(want, ir.IntType) and isinstance(have, ir.IntType):
            return self.resize_int(v, scalar_width(want))  # type: ignore[arg-type]
        return v

    def _write(self, old: SymValue, t: ir.Type, path: list, indices: list, new: SymValue) -> SymValue:
        if not path:
            return new
        step, rest = path[0], path[1:]
        assert isinstance(old, tuple)
        if isinstance(step, ir.BitsStep):
            f = step.field
            return old[:f.word] + (self.with_bits(old[f.word], f, new),) + old[f.word + 1:]  # type: ignore[arg-type]
        if isinstance(step, ir.FieldStep):
            assert isinstance(t, ir.RecordType)
            position = [f for f, _ in t.fields].index(step.name)
            ft = t.fields[position][1]
            return old[:position] + (self._write(old[position], ft, rest, indices, new),) + old[position + 1:]
        assert isinstance(t, ir.ArrayType)
        index, more = indices[0], indices[1:]
        position = self.concrete_index(index, t.index)
        if position is not None:
            return old[:position] + (self._write(old[position], t.elem, rest, more, new),) + old[position + 1:]
        out = []
        for k, v in enumerate(ir.domain_values(t.index)):
            written = self._write(old[k], t.elem, rest, more, new)
            out.append(self.merge(self.index_matches(index, t.index, v), written, old[k]))
        return tuple(out)

    # ---- whole steps ----

    def run(self, stmts: tuple[ir.Stmt, ...], state: dict[str, SymValue],
            locals_: dict[str, SymValue]) -> ExecState:
        st = ExecState(dict(state), dict(locals_), self.true)
        self.execute(stmts, st, self.true)
        return st

    def state_predicate(self, e: ir.Expr, state: dict[str, SymValue]) -> tuple[z3.BoolRef, list[Failure]]:
        """(value is false and nothing failed, failures of implicit checks) for an invariant."""
        frame = _Frame(state, {}, [])
        value = self.evaluate(e, frame, self.true)
        st = ExecState(state, {}, self.true)
        self._settle(frame, st, self.true)
        return self.conj([st.alive, z3.Not(value)]), st.failures  # type: ignore[arg-type]

    def leaves(self, value: SymValue) -> list:
        if isinstance(value, tuple):
            out = []
            for v in value:
                out.extend(self.leaves(v))
            return out
        return [value]


@dataclass
class _Choice:
    """values[k] when conds[k] holds (first match wins), else values[-1]."""
    conds: list
    values: list


@dataclass
class _Frame:
    state: dict[str, SymValue]
    locals: dict[str, SymValue]
    obligations: list[tuple[ir.Check, z3.BoolRef, z3.BoolRef]]


def decode(model: z3.ModelRef, value: SymValue, t: ir.Type) -> object:
    """The concrete interpreter value of a symbolic value under a Z3 model."""
    if isinstance(t, ir.LayoutType):
        return tuple(model.eval(w, model_completion=True).as_long() for w in value)  # type: ignore[union-attr]
    if isinstance(t, ir.RecordType):
        return tuple(decode(model, v, ft) for (_, ft), v in zip(t.fields, value))  # type: ignore[arg-type]
    if isinstance(t, ir.ArrayType):
        return tuple(decode(model, v, t.elem) for v in value)  # type: ignore[union-attr]
    got = model.eval(value, model_completion=True)  # type: ignore[arg-type]
    if isinstance(t, ir.BoolType):
        return z3.is_true(got)
    raw = got.as_long()  # type: ignore[attr-defined]
    if isinstance(t, ir.IntType):
        w = scalar_width(t)
        return raw - (1 << w) if raw >= (1 << (w - 1)) else raw
    return raw


def _is_value(v: SymValue) -> bool:
    return not isinstance(v, tuple) and (z3.is_bv_value(v) or z3.is_true(v) or z3.is_false(v))


def _folded(result: SymValue, *operands: SymValue) -> SymValue:
    """An operation on constants as a constant: an `if` on it runs one branch, and no merge
    of the state follows."""
    return z3.simplify(result) if all(_is_value(o) for o in operands) else result


def _power_of_two(e: ir.Expr) -> int | None:
    """k when e is the literal 2^k (k >= 1)."""
    if isinstance(e, ir.Lit) and isinstance(e.value, int) and not isinstance(e.value, bool) \
            and e.value > 1 and e.value & (e.value - 1) == 0:
        return e.value.bit_length() - 1
    return None
