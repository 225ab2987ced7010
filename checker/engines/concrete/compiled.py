"""The IR compiled into Python closures: the explicit engine's fast path.

Same semantics as `interp.py`, which stays the reference: the explicit engine runs
millions of actions and invariant checks through these closures, and every trace it
reports is replayed by `interp.py` before it is shown (the differential tests hold the
three readings — encoder, interpreter, closures — to the same answers). Failures raise
the interpreter's `Blocked` and `Violation`, without the explanation the interpreter
adds; the replay supplies that.

A compiled expression is `f(state, locals, memo)`; `memo`, when not None, caches fn
results for one state that cannot change (invariant checking).
"""
from __future__ import annotations

import operator
from typing import Callable

from checker import ir
from checker.engines.concrete.interp import Blocked, Violation, array_position
from checker.ir import c_div

Value = object
Eval = Callable[[dict, dict, "dict | None"], Value]
Exec = Callable[[dict, dict], None]


class Compiler:
    def __init__(self) -> None:
        self._fns: dict[int, Eval] = {}
        self._procs: dict[int, Exec] = {}

    # ---- whole-model entry points ----

    def action(self, action: ir.ActionDef) -> Callable[[dict, dict], dict]:
        """state, arguments -> the next state; raises Blocked or Violation."""
        body = self.block(action.body)

        def run(state: dict, args: dict) -> dict:
            after = dict(state)
            body(after, dict(args))
            return after
        return run

    def invariant(self, inv: ir.Invariant) -> Callable[[dict, dict], bool]:
        body = self.expr(inv.body)
        return lambda state, memo: bool(body(state, {}, memo))

    # ---- statements ----

    def block(self, stmts: tuple[ir.Stmt, ...]) -> Exec:
        compiled = [self.stmt(s) for s in stmts]
        if len(compiled) == 1:
            return compiled[0]

        def run(st: dict, lc: dict) -> None:
            for s in compiled:
                s(st, lc)
        return run

    def stmt(self, s: ir.Stmt) -> Exec:
        match s:
            case ir.Let(name=name, value=value):
                v = self.expr(value)

                def let(st: dict, lc: dict) -> None:
                    lc[name] = v(st, lc, None)
                return let
            case ir.Assign():
                return self._assign(s)
            case ir.If(cond=cond, then=then, otherwise=otherwise):
                c, a, b = self.expr(cond), self.block(then), self.block(otherwise)

                def if_(st: dict, lc: dict) -> None:
                    (a if c(st, lc, None) else b)(st, lc)
                return if_
            case ir.For(var=var, domain=domain, body=body):
                values = tuple(ir.domain_values(domain))
                run_body = self.block(body)

                def for_(st: dict, lc: dict) -> None:
                    for v in values:
                        lc[var] = v
                        run_body(st, lc)
                    lc.pop(var, None)
                return for_
            case ir.Require(cond=cond, span=span):
                c = self.expr(cond)

                def require(st: dict, lc: dict) -> None:
                    if not c(st, lc, None):
                        raise Blocked(span)
                return require
            case ir.Assert(cond=cond, prop=prop, span=span):
                c = self.expr(cond)

                def assert_(st: dict, lc: dict) -> None:
                    if not c(st, lc, None):
                        raise Violation(prop, span)
                return assert_
            case ir.ProcCall(proc=proc, args=args):
                body = self._proc(proc)
                arg_fns = [self.expr(a) for a in args]
                names = [p for p, _ in proc.params]

                def call(st: dict, lc: dict) -> None:
                    body(st, {n: f(st, lc, None) for n, f in zip(names, arg_fns)})
                return call
        raise AssertionError(s)

    def _proc(self, proc: ir.ProcDef) -> Exec:
        key = id(proc)
        if key not in self._procs:
            self._procs[key] = self.block(proc.body)
        return self._procs[key]

    def _assign(self, s: ir.Assign) -> Exec:
        target = s.target
        value = self.expr(s.value)
        check = self._check(s.range_check) if s.range_check is not None else None
        root, is_state = target.root, target.is_state
        steps: list[tuple[str, object, object]] = []  # (kind, data, bounds check)
        t = target.root_type
        for step in target.path:
            if isinstance(step, ir.IndexStep):
                bounds = self._check(step.bounds) if step.bounds is not None else None
                steps.append(("index", (self.expr(step.index), step.array_type), bounds))
                t = step.array_type.elem
            elif isinstance(step, ir.BitsStep):
                steps.append(("bits", step.field, None))
            else:
                assert isinstance(t, ir.RecordType)
                steps.append(("field", t.position(step.name), None))
                t = t.field_type(step.name)  # type: ignore[assignment]

        def assign(st: dict, lc: dict) -> None:
            positions = []
            for kind, data, bounds in steps:
                if kind == "index":
                    index_fn, array_type = data  # type: ignore[misc]
                    i = index_fn(st, lc, None)
                    if bounds is not None:
                        bounds(st, lc, None)
                    positions.append(array_position(array_type, i))
                else:
                    positions.append(data)
            v = value(st, lc, None)
            if check is not None:
                check(st, lc, None)
            store = st if is_state else lc
            store[root] = _updated(store[root], positions, 0, v)
        return assign

    # ---- expressions ----

    def _check(self, check: ir.Check) -> Eval:
        cond = self.expr(check.cond)
        prop, span = check.prop, check.span

        def run(st: dict, lc: dict, memo: dict | None) -> None:
            if not cond(st, lc, memo):
                raise Violation(prop, span)
        return run  # type: ignore[return-value]

    def expr(self, e: ir.Expr) -> Eval:
        match e:
            case ir.Lit(value=v):
                return lambda st, lc, memo: v
            case ir.LetIn(name=name, value=value, body=body):
                fv, fb = self.expr(value), self.expr(body)

                def let_in(st: dict, lc: dict, memo: dict | None) -> Value:
                    lc[name] = fv(st, lc, memo)
                    result = fb(st, lc, memo)
                    lc.pop(name, None)
                    return result
                return let_in
            case ir.Checked(check=check, body=body):
                fc, fb = self._check(check), self.expr(body)

                def checked(st: dict, lc: dict, memo: dict | None) -> Value:
                    fc(st, lc, memo)
                    return fb(st, lc, memo)
                return checked
            case ir.StateRef(name=name):
                return lambda st, lc, memo: st[name]
            case ir.LocalRef(name=name):
                return lambda st, lc, memo: lc[name]
            case ir.BitsOf(base=base, field=f):
                fb = self.expr(base)
                word, bit, mask = f.word, f.bit, (1 << f.width) - 1
                return lambda st, lc, memo: (fb(st, lc, memo)[word] >> bit) & mask  # type: ignore[index]
            case ir.FieldGet(base=base, field_name=name):
                fb = self.expr(base)
                assert isinstance(base.type, ir.RecordType)
                position = base.type.position(name)
                return lambda st, lc, memo: fb(st, lc, memo)[position]  # type: ignore[index]
            case ir.IndexGet(base=base, index=index, bounds=bounds):
                return self._index_get(base, index, bounds)
            case ir.Unary(op=op, arg=arg, type=t):
                fa = self.expr(arg)
                if op == "not":
                    return lambda st, lc, memo: not fa(st, lc, memo)
                if op == "neg" and not isinstance(t, ir.BitsType):
                    return lambda st, lc, memo: -fa(st, lc, memo)  # type: ignore[operator]
                assert isinstance(t, ir.BitsType)
                mask = t.mask
                if op == "neg":
                    return lambda st, lc, memo: (-fa(st, lc, memo)) & mask  # type: ignore[operator]
                return lambda st, lc, memo: ~fa(st, lc, memo) & mask  # type: ignore[operator]
            case ir.Binary():
                return self._binary(e)
            case ir.Ite(cond=cond, then=then, otherwise=otherwise):
                fc, ft, fo = self.expr(cond), self.expr(then), self.expr(otherwise)
                return lambda st, lc, memo: ft(st, lc, memo) if fc(st, lc, memo) else fo(st, lc, memo)
            case ir.Quant():
                return self._quant(e)
            case ir.FnCall(fn=fn, args=args):
                return self._fn_call(fn, args)
            case ir.Convert(arg=arg, type=t, check=check):
                fa = self.expr(arg)
                fc = self._check(check) if check is not None else None
                mask = t.mask if isinstance(t, ir.BitsType) else None
                have = arg.type
                number = have.number if isinstance(have, ir.BitsType) and have.signed else None

                def convert(st: dict, lc: dict, memo: dict | None) -> Value:
                    v = fa(st, lc, memo)
                    if fc is not None:
                        fc(st, lc, memo)
                    if number is not None:
                        v = number(v)  # type: ignore[arg-type]
                    return v if mask is None else v & mask  # type: ignore[operator]
                return convert
        raise AssertionError(e)

    def _index_get(self, base: ir.Expr, index: ir.Expr, bounds: ir.Check | None) -> Eval:
        fb, fi = self.expr(base), self.expr(index)
        array_type = base.type
        assert isinstance(array_type, ir.ArrayType)
        fc = self._check(bounds) if bounds is not None else None
        lo = array_type.index.lo if isinstance(array_type.index, ir.IntType) else 0
        as_int = isinstance(array_type.index, ir.BoolType)

        def index_get(st: dict, lc: dict, memo: dict | None) -> Value:
            array = fb(st, lc, memo)
            i = fi(st, lc, memo)
            if fc is not None:
                fc(st, lc, memo)
            return array[int(bool(i)) if as_int else i - lo]  # type: ignore[index,operator]
        return index_get

    def _binary(self, e: ir.Binary) -> Eval:
        op = e.op
        fl, fr = self.expr(e.left), self.expr(e.right)
        if op == "and":
            return lambda st, lc, memo: bool(fl(st, lc, memo)) and bool(fr(st, lc, memo))
        if op == "or":
            return lambda st, lc, memo: bool(fl(st, lc, memo)) or bool(fr(st, lc, memo))
        if op == "implies":
            return lambda st, lc, memo: (not fl(st, lc, memo)) or bool(fr(st, lc, memo))
        operand_type = e.left.type
        if isinstance(operand_type, ir.BitsType) and operand_type.signed and op in ir.SIGNED_OPS:
            f = ir.signed_bits_op(op, operand_type)
        elif op in _COMPARE:
            f = _COMPARE[op]
        elif isinstance(e.type, ir.BitsType):
            f = _bits_op(op, e.type.width)
        else:
            f = _INT_OPS[op]
        if e.check is None:
            return lambda st, lc, memo: f(fl(st, lc, memo), fr(st, lc, memo))
        fc = self._check(e.check)

        def checked_binary(st: dict, lc: dict, memo: dict | None) -> Value:
            a, b = fl(st, lc, memo), fr(st, lc, memo)
            fc(st, lc, memo)
            return f(a, b)
        return checked_binary

    def _quant(self, e: ir.Quant) -> Eval:
        body = self.expr(e.body)
        var, kind = e.var, e.kind
        values = tuple(ir.domain_values(e.domain))
        # Every instance is evaluated even once the answer is known, as in interp: a check
        # failing in a later instance is a failure.

        def results(st: dict, lc: dict, memo: dict | None) -> list:
            out = []
            for v in values:
                lc[var] = v
                out.append(body(st, lc, memo))
            lc.pop(var, None)
            return out
        if kind == "forall":
            return lambda st, lc, memo: all(results(st, lc, memo))
        if kind == "exists":
            return lambda st, lc, memo: any(results(st, lc, memo))
        if kind == "count":
            return lambda st, lc, memo: sum(1 for r in results(st, lc, memo) if r)
        return lambda st, lc, memo: sum(results(st, lc, memo))  # type: ignore[arg-type]

    def _fn_call(self, fn: ir.FnDef, args: tuple[ir.Expr, ...]) -> Eval:
        key = id(fn)
        if key not in self._fns:
            self._fns[key] = self.expr(fn.body)
        body = self._fns[key]
        arg_fns = [self.expr(a) for a in args]
        names = tuple(p for p, _ in fn.params)
        name = fn.name

        def call(st: dict, lc: dict, memo: dict | None) -> Value:
            values = [f(st, lc, memo) for f in arg_fns]
            if memo is None:
                return body(st, dict(zip(names, values)), None)
            memo_key = (name, *values)
            if memo_key not in memo:
                memo[memo_key] = body(st, dict(zip(names, values)), memo)
            return memo[memo_key]
        return call


def _updated(value: object, positions: list, at: int, new: object) -> object:
    if at == len(positions):
        return new
    head = positions[at]
    if isinstance(head, ir.LayoutField):
        mask = ((1 << head.width) - 1) << head.bit
        word = (value[head.word] & ~mask) | ((new << head.bit) & mask)  # type: ignore[index,operator]
        return value[:head.word] + (word,) + value[head.word + 1:]  # type: ignore[index,operator]
    return value[:head] + (_updated(value[head], positions, at + 1, new),) + value[head + 1:]  # type: ignore[index,operator]


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
            "gt": operator.gt, "ge": operator.ge}
_INT_OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": c_div,
    "mod": lambda a, b: a - b * c_div(a, b), "shl": operator.lshift, "shr": operator.rshift,
}


def _bits_op(op: str, w: int) -> Callable[[int, int], int]:
    mask = (1 << w) - 1
    match op:
        case "add": return lambda a, b: (a + b) & mask
        case "sub": return lambda a, b: (a - b) & mask
        case "mul": return lambda a, b: (a * b) & mask
        case "div": return lambda a, b: a // b if b else mask
        case "mod": return lambda a, b: a % b if b else a
        case "band": return operator.and_
        case "bor": return operator.or_
        case "bxor": return operator.xor
        case "shl": return lambda a, b: (a << b) & mask if b < w else 0
        case "shr": return lambda a, b: a >> b if b < w else 0
    raise AssertionError(op)
