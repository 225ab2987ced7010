"""A concrete interpreter of the IR: plain Python values, no solver.

It is the second, independent reading of a model: every counterexample the symbolic
engine finds is replayed here before it is shown, and the failing instance of an
invariant is found here.

Values: bool; int for ranges, bit-vectors (unsigned) and enums (member index);
tuples for records (field order) and arrays (index order).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Mapping

from checker import ir
from checker.frontend.source import Span
from checker.ir import c_div

State = Mapping[str, object]


class Blocked(Exception):
    """A `require` was false: the action is not enabled here."""

    def __init__(self, span: Span | None):
        super().__init__("blocked")
        self.span = span


class Violation(Exception):
    """An assert or an implicit check failed; `detail` says with which values, `state` is the
    state at the failing statement, `calls` the procs and fns it sits in, outermost first."""

    def __init__(self, prop: str, span: Span | None, detail: tuple["str | Read", ...] = (),
                 state: Mapping[str, object] | None = None, calls: tuple["Call", ...] = ()):
        super().__init__(prop)
        self.prop = prop
        self.span = span
        self.detail = detail
        self.state = state
        self.calls = calls


Call = tuple[str, "Span | None"]  # a proc or fn entered, and where it is defined


def array_position(t: ir.ArrayType, index: object) -> int:
    if isinstance(t.index, ir.IntType):
        return index - t.index.lo  # type: ignore[operator]
    if isinstance(t.index, ir.BoolType):
        return int(bool(index))
    return index  # type: ignore[return-value]


@dataclass
class Env:
    state: dict[str, object]
    locals: dict[str, object] = field(default_factory=dict)
    reads: list[tuple[str, object, ir.Type]] | None = None  # filled when explaining a failure
    read_locals: bool = False  # record parameters and lets too (an assert's values)
    writes: list["FieldWrite"] | None = None  # layout fields written, when replaying for a trace
    memo: dict | None = None  # fn results by (fn, arguments), while the state cannot change
    touched: set[str] | None = None  # names of the state cells read, when replaying for a trace
    calls: tuple[Call, ...] = ()     # the procs and fns being run, outermost first


@dataclass(frozen=True)
class FieldWrite:
    """A write to a layout field, named as the action named it (`pages[3].ptdesc.pt_list_prev`)."""
    root: str
    positions: tuple  # into the root value, up to the layout
    field: ir.LayoutField
    owner: str        # display name of the layout value, `pages[3]`
    layout: str

    @property
    def name(self) -> str:
        if self.field.view == self.layout:
            return f"{self.owner}.{self.field.name}"
        return f"{self.owner}.{self.field.view}.{self.field.name}"


def evaluate(e: ir.Expr, env: Env) -> object:
    return _EVALUATE[type(e)](e, env)


def _lit(e: ir.Lit, env: Env) -> object:
    return e.value


def _let_in(e: ir.LetIn, env: Env) -> object:
    env.locals[e.name] = evaluate(e.value, env)
    result = evaluate(e.body, env)
    env.locals.pop(e.name, None)
    return result


def _checked(e: ir.Checked, env: Env) -> object:
    _check(e.check, env)
    return evaluate(e.body, env)


def _state_ref(e: ir.StateRef, env: Env) -> object:
    value = env.state[e.name]
    if env.reads is not None:
        _record(env, e, value)
    if env.touched is not None:
        _touch(env, e)
    return value


def _local_ref(e: ir.LocalRef, env: Env) -> object:
    value = env.locals[e.name]
    if env.read_locals:
        _record_local(env, e.name, value, e.type)
    return value


def _bits_of(e: ir.BitsOf, env: Env) -> object:
    f = e.field
    words = evaluate(e.base, env)
    value = (words[f.word] >> f.bit) & ((1 << f.width) - 1)  # type: ignore[index]
    if env.reads is not None:
        _record(env, e, value)
    if env.touched is not None:
        _touch(env, e)
    return value


def _view_of(e: ir.ViewOf, env: Env) -> object:
    raise AssertionError("a view is only read through one of its fields")


def _field_get(e: ir.FieldGet, env: Env) -> object:
    record_type = e.base.type
    assert isinstance(record_type, ir.RecordType)
    value = evaluate(e.base, env)[record_type.position(e.field_name)]  # type: ignore[index]
    if env.reads is not None:
        _record(env, e, value)
    if env.touched is not None:
        _touch(env, e)
    return value


def _index_get(e: ir.IndexGet, env: Env) -> object:
    array = evaluate(e.base, env)
    i = evaluate(e.index, env)
    if e.bounds is not None:
        _check(e.bounds, env)
    value = array[array_position(e.base.type, i)]  # type: ignore[index,arg-type]
    if env.reads is not None:
        _record(env, e, value)
    if env.touched is not None:
        _touch(env, e)
    return value


def _unary(e: ir.Unary, env: Env) -> object:
    a = evaluate(e.arg, env)
    t = e.type
    if e.op == "not":
        return not a
    if e.op == "neg":
        return (-a) & t.mask if isinstance(t, ir.BitsType) else -a  # type: ignore[operator]
    assert isinstance(t, ir.BitsType)
    return ~a & t.mask  # type: ignore[operator]


def _ite(e: ir.Ite, env: Env) -> object:
    return evaluate(e.then, env) if evaluate(e.cond, env) else evaluate(e.otherwise, env)


def _quant(e: ir.Quant, env: Env) -> object:
    # Every instance is evaluated, even after the result is known: a check failing in a
    # later instance is a failure, as it is in the encoding.
    var, body, kind = e.var, e.body, e.kind
    locals_ = env.locals
    results = []
    for v in ir.domain_values(e.domain):
        locals_[var] = v
        results.append(evaluate(body, env))
    locals_.pop(var, None)
    if kind == "forall":
        return all(results)
    if kind == "exists":
        return any(results)
    if kind == "count":
        return sum(1 for r in results if r)
    return sum(results)  # type: ignore[arg-type]


def _fn_call(e: ir.FnCall, env: Env) -> object:
    fn = e.fn
    values = [evaluate(a, env) for a in e.args]
    if env.memo is not None and env.reads is None:
        key = (fn.name, *values)
        if key not in env.memo:
            inner = Env(env.state, dict(zip((p for p, _ in fn.params), values)), memo=env.memo)
            env.memo[key] = evaluate(fn.body, inner)
        return env.memo[key]
    inner = Env(env.state, dict(zip((p for p, _ in fn.params), values)), env.reads, touched=env.touched,
                calls=env.calls + ((fn.name, fn.span),))
    return evaluate(fn.body, inner)


def _convert(e: ir.Convert, env: Env) -> object:
    v = evaluate(e.arg, env)
    if e.check is not None:
        _check(e.check, env)
    return ir.convert_bits(v, e.arg.type, e.type)  # type: ignore[arg-type]


def _check(check: ir.Check, env: Env) -> None:
    saved = env.reads
    env.reads = None
    try:
        ok = evaluate(check.cond, env)
        if not ok:
            raise Violation(check.prop, check.span, _check_detail(check, env), dict(env.state), env.calls)
    finally:
        env.reads = saved


Read = tuple[str, object, ir.Type]  # a state cell read: its name, value and type


def _check_detail(check: ir.Check, env: Env) -> tuple["str | Read", ...]:
    if check.subject is None:
        return _reads_of(check.cond, env)
    value = evaluate(check.subject, env)
    if check.allowed is not None:
        return (f"the value is {value}, outside {check.allowed}",) + _reads_of(check.subject, env)
    return (f"the divisor is {value}",) + _reads_of(check.subject, env)


def _reads_of(e: ir.Expr, env: Env, with_locals: bool = True) -> tuple[Read, ...]:
    """Each piece of state (and parameter or local) that evaluating e reads, with its value."""
    probe = Env(env.state, dict(env.locals), [], read_locals=with_locals)
    try:
        evaluate(e, probe)
    except (Violation, Blocked):
        pass
    return tuple(probe.reads or ())


def _binary(e: ir.Binary, env: Env) -> object:
    op = e.op
    if op == "and":
        return bool(evaluate(e.left, env)) and bool(evaluate(e.right, env))
    if op == "or":
        return bool(evaluate(e.left, env)) or bool(evaluate(e.right, env))
    if op == "implies":
        return (not evaluate(e.left, env)) or bool(evaluate(e.right, env))
    a = evaluate(e.left, env)
    b = evaluate(e.right, env)
    if e.check is not None:
        _check(e.check, env)
    operand_type = e.left.type
    if isinstance(operand_type, ir.BitsType) and operand_type.signed and op in ir.SIGNED_OPS:
        return ir.signed_bits_op(op, operand_type)(a, b)  # type: ignore[arg-type]
    compare = _COMPARE.get(op)
    if compare is not None:
        return compare(a, b)
    t = e.type
    if isinstance(t, ir.BitsType):
        return _BITS_OPS[op](a, b, t.width)
    return _INT_OPS[op](a, b)


def _bits_div(a: int, b: int, w: int) -> int:
    return a // b if b else (1 << w) - 1  # as SMT-LIB's bvudiv


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
            "gt": operator.gt, "ge": operator.ge}
_BITS_OPS = {
    "add": lambda a, b, w: (a + b) & ((1 << w) - 1),
    "sub": lambda a, b, w: (a - b) & ((1 << w) - 1),
    "mul": lambda a, b, w: (a * b) & ((1 << w) - 1),
    "div": _bits_div,
    "mod": lambda a, b, w: a % b if b else a,
    "band": lambda a, b, w: a & b,
    "bor": lambda a, b, w: a | b,
    "bxor": lambda a, b, w: a ^ b,
    "shl": lambda a, b, w: (a << b) & ((1 << w) - 1) if b < w else 0,
    "shr": lambda a, b, w: a >> b if b < w else 0,
}
_INT_OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": c_div,
    "mod": lambda a, b: a - b * c_div(a, b), "shl": operator.lshift, "shr": operator.rshift,
}


_EVALUATE = {
    ir.Lit: _lit, ir.LetIn: _let_in, ir.Checked: _checked, ir.StateRef: _state_ref,
    ir.LocalRef: _local_ref, ir.BitsOf: _bits_of, ir.ViewOf: _view_of, ir.FieldGet: _field_get,
    ir.IndexGet: _index_get, ir.Unary: _unary, ir.Binary: _binary, ir.Ite: _ite, ir.Quant: _quant,
    ir.FnCall: _fn_call, ir.Convert: _convert,
}


def _record(env: Env, e: ir.Expr, value: object) -> None:
    if env.reads is None or isinstance(e.type, (ir.RecordType, ir.ArrayType, ir.LayoutType)):
        return
    path = place_name(e, env)
    if path is not None and all(p != path for p, _, _ in env.reads):
        env.reads.append((path, value, e.type))


def _touch(env: Env, e: ir.Expr) -> None:
    assert env.touched is not None
    if not isinstance(e.type, (ir.RecordType, ir.ArrayType, ir.LayoutType)):
        saved, env.touched = env.touched, None  # naming the place evaluates its indices again
        try:
            path = place_name(e, env)
        finally:
            env.touched = saved
        if path is not None:
            saved.add(path)


def _record_local(env: Env, name: str, value: object, t: ir.Type) -> None:
    if env.reads is not None and not isinstance(t, (ir.RecordType, ir.ArrayType, ir.LayoutType)) \
            and all(p != name for p, _, _ in env.reads):
        env.reads.append((name, value, t))


def place_name(e: ir.Expr, env: Env) -> str | None:
    """`pages[3].memdesc` for a read of state, evaluated in env; None if not a place."""
    match e:
        case ir.StateRef(name=n):
            return n
        case ir.FieldGet(base=base, field_name=name):
            inner = place_name(base, env)
            return None if inner is None else f"{inner}.{name}"
        case ir.BitsOf(base=base, field=f):
            inner = place_name(base, env)
            if inner is None:
                return None
            return f"{inner}.{f.name}" if f.view == base.type.name else f"{inner}.{f.view}.{f.name}"  # type: ignore[union-attr]
        case ir.IndexGet(base=base, index=index):
            inner = place_name(base, env)
            if inner is None:
                return None
            saved = env.reads
            env.reads = None
            try:
                i = evaluate(index, env)
            finally:
                env.reads = saved
            array_type = base.type
            assert isinstance(array_type, ir.ArrayType)
            return f"{inner}[{format_value(i, array_type.index)}]"
    return None


# ---- statements ----

def execute(stmts: tuple[ir.Stmt, ...] | list[ir.Stmt], env: Env) -> None:
    for st in stmts:
        _execute(st, env)


def _execute(st: ir.Stmt, env: Env) -> None:
    match st:
        case ir.Let(name=name, value=value):
            env.locals[name] = evaluate(value, env)
        case ir.Assign(target=target, value=value, range_check=check):
            positions = []
            for step in target.path:
                if isinstance(step, ir.IndexStep):
                    i = evaluate(step.index, env)
                    if step.bounds is not None:
                        _check(step.bounds, env)
                    positions.append(array_position(step.array_type, i))
                elif isinstance(step, ir.BitsStep):
                    positions.append(step.field)
                else:
                    positions.append(step.name)
            v = evaluate(value, env)
            if check is not None:
                _check(check, env)
            if env.writes is not None and target.is_state and positions and isinstance(positions[-1], ir.LayoutField):
                env.writes.append(_field_write(target, positions))
            store = env.state if target.is_state else env.locals
            store[target.root] = _updated(store[target.root], target.root_type, positions, v)
        case ir.If(cond=cond, then=then, otherwise=otherwise):
            execute(then if evaluate(cond, env) else otherwise, env)
        case ir.For(var=var, domain=domain, body=body):
            for v in ir.domain_values(domain):
                env.locals[var] = v
                execute(body, env)
            env.locals.pop(var, None)
        case ir.Require(cond=cond):
            if not evaluate(cond, env):
                raise Blocked(st.span)
        case ir.Assert(cond=cond, prop=prop):
            if not evaluate(cond, env):
                raise Violation(prop, st.span, _reads_of(cond, env), dict(env.state), env.calls)
        case ir.ProcCall(proc=proc, args=args):
            values = [evaluate(a, env) for a in args]
            inner = Env(env.state, dict(zip((p for p, _ in proc.params), values)), writes=env.writes,
                        touched=env.touched, calls=env.calls + ((proc.name, proc.span),))
            execute(proc.body, inner)
        case _:
            raise AssertionError(st)


def _field_write(target: ir.Target, positions: list) -> FieldWrite:
    owner = target.root
    t = target.root_type
    numeric = []
    for step, position in zip(target.path, positions):
        if isinstance(step, ir.IndexStep):
            owner += f"[{format_value(ir.domain_values(step.array_type.index)[position], step.array_type.index)}]"
            t = step.array_type.elem
            numeric.append(position)
        elif isinstance(step, ir.FieldStep):
            owner += f".{step.name}"
            assert isinstance(t, ir.RecordType)
            numeric.append([name for name, _ in t.fields].index(step.name))
            t = t.field_type(step.name)  # type: ignore[assignment]
    assert isinstance(t, ir.LayoutType)
    return FieldWrite(target.root, tuple(numeric), positions[-1], owner, t.name)


def value_at(value: object, positions: tuple) -> object:
    for position in positions:
        value = value[position]  # type: ignore[index]
    return value


def _updated(value: object, t: ir.Type, path: list, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    assert isinstance(value, tuple)
    if isinstance(head, ir.LayoutField):
        mask = ((1 << head.width) - 1) << head.bit
        word = (value[head.word] & ~mask) | ((new << head.bit) & mask)  # type: ignore[operator]
        return value[:head.word] + (word,) + value[head.word + 1:]
    if isinstance(t, ir.RecordType):
        names = [f for f, _ in t.fields]
        position = names.index(head)
        return value[:position] + (_updated(value[position], t.fields[position][1], rest, new),) \
            + value[position + 1:]
    assert isinstance(t, ir.ArrayType)
    return value[:head] + (_updated(value[head], t.elem, rest, new),) + value[head + 1:]


# ---- whole-model helpers ----

def run_init(model: ir.Model, havoc: State, writes: list[FieldWrite] | None = None) -> dict[str, object]:
    env = Env(dict(havoc), writes=writes)
    execute(model.init, env)
    return env.state


def run_action(action: ir.ActionDef, state: State, args: Mapping[str, object],
               writes: list[FieldWrite] | None = None, touched: set[str] | None = None) -> dict[str, object]:
    """The state after the action; `writes` and `touched`, when given, collect the layout
    fields it writes and the names of the cells it reads."""
    env = Env(dict(state), dict(args), writes=writes, touched=touched)
    execute(action.body, env)
    return env.state


def invariant_holds(inv: ir.Invariant, state: State, memo: dict | None = None) -> bool:
    """Whether inv holds in state; `memo`, shared by calls on the same state, keeps fn results."""
    return bool(evaluate(inv.body, Env(dict(state), memo=memo)))


@dataclass(frozen=True)
class FailedInstance:
    bindings: tuple[tuple[str, object, ir.Type], ...]  # quantified variable, value, type
    reads: tuple[tuple[str, object, ir.Type], ...]     # state read by the failing part


def explain_invariant(inv: ir.Invariant, state: State) -> FailedInstance:
    """Which instance of a false invariant fails, and what state it reads."""
    env = Env(dict(state))
    bindings: list = []
    premises: list = []
    e: ir.Expr = inv.body
    while True:
        match e:
            case ir.Quant(kind="forall", var=var, domain=domain, body=body):
                for v in ir.domain_values(domain):
                    env.locals[var] = v
                    if not evaluate(body, env):
                        bindings.append((var, v, domain))
                        break
                e = body
                continue
            case ir.Binary(op="implies", left=left, right=right):
                premises.extend(r for r in _reads_of(left, env, with_locals=False) if r not in premises)
                e = right
                continue
            case ir.Binary(op="and", left=left, right=right):
                e = left if not evaluate(left, env) else right
                continue
            case ir.FnCall(fn=fn, args=args) if isinstance(fn.body.type, ir.BoolType):
                values = [evaluate(a, env) for a in args]
                for (p, t), v in zip(fn.params, values):
                    bindings.append((p, v, t))
                env = Env(env.state, dict(zip((p for p, _ in fn.params), values)))
                e = fn.body
                continue
        break
    env.reads = []
    evaluate(e, env)
    reads = premises + [r for r in env.reads if all(r[0] != p[0] for p in premises)]
    return FailedInstance(tuple(bindings), tuple(reads))


def format_value(v: object, t: ir.Type) -> str:
    match t:
        case ir.BoolType():
            return "true" if v else "false"
        case ir.IntType():
            return str(v)
        case ir.BitsType(width=w, signed=signed):
            return str(t.number(v)) if signed else f"{v:#x}" if w > 4 else str(v)  # type: ignore[arg-type]
        case ir.EnumType(members=members):
            return members[v]  # type: ignore[index]
        case ir.RecordType(fields=fields):
            inner = ", ".join(f"{name}: {format_value(x, ft)}" for (name, ft), x in zip(fields, v))  # type: ignore[arg-type]
            return "{" + inner + "}"
        case ir.ArrayType(elem=elem):
            return "[" + ", ".join(format_value(x, elem) for x in v) + "]"  # type: ignore[union-attr]
        case ir.LayoutType():
            return "{" + " ".join(f"{w:016x}" for w in v) + "}"  # type: ignore[union-attr]
    raise AssertionError(t)


def flatten(value: object, t: ir.Type, prefix: str) -> list[tuple[str, object, ir.Type]]:
    """Scalar cells of a value, named like `pages[3].memdesc`, in declaration order.

    A layout shows through the cells of `layout_cells`.
    """
    if isinstance(t, ir.LayoutType):
        out = []
        for label, cell in layout_cells(t):
            if isinstance(cell, int):
                out.append((f"{prefix}.{label}", value[cell], ir.BitsType(ir.WORD_BITS)))  # type: ignore[index]
            else:
                out.append((f"{prefix}.{label}", field_bits(value, cell), cell.type))  # type: ignore[arg-type]
        return out
    if isinstance(t, ir.RecordType):
        out = []
        for (name, ft), v in zip(t.fields, value):  # type: ignore[arg-type]
            out.extend(flatten(v, ft, f"{prefix}.{name}"))
        return out
    if isinstance(t, ir.ArrayType):
        out = []
        for i, v in zip(ir.domain_values(t.index), value):  # type: ignore[arg-type]
            out.extend(flatten(v, t.elem, f"{prefix}[{format_value(i, t.index)}]"))
        return out
    return [(prefix, value, t)]


def field_bits(words: tuple[int, ...], f: ir.LayoutField) -> int:
    return (words[f.word] >> f.bit) & ((1 << f.width) - 1)


def layout_cells(t: ir.LayoutType) -> list[tuple[str, ir.LayoutField | int]]:
    """How a layout value is shown: its own fields by word and bit (the first declared where
    they overlap), then, raw as `wordN` (the int is the word), every word those fields do
    not cover whole, so that bits only a view names are never hidden."""
    chosen = base_fields(t)
    cells: list[tuple[str, ir.LayoutField | int]] = [(f.name, f) for f in chosen]
    for word in range(t.words):
        if sum(f.width for f in chosen if f.word == word) < ir.WORD_BITS:
            cells.append((f"word{word}", word))
    return cells


def base_fields(t: ir.LayoutType) -> list[ir.LayoutField]:
    """The layout's own fields that do not overlap an earlier one, by word and bit."""
    chosen: list[ir.LayoutField] = []
    for f in t.fields:
        if f.view == t.name and not any(f.overlaps(c) for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: (f.word, f.bit))
