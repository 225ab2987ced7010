"""Lints: comparisons written in a spec whose outcome the operands' types decide.

`r >= 0` with r: u32 is always true; `x > -1` with x: u8 is always false (-1 becomes 255).
Only a comparison of a literal with an operand whose type is fixed by the spec's text (a
bit-vector uN, or int(...) of one) is flagged: a range type's bounds usually come from
constants that each configuration sets, so `i < N` with i: 0..N-1 is never flagged, nor
is a comparison of constants (`NPAGES > 4`), nor any check mdcheck adds itself.
"""
from __future__ import annotations

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic

_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def decided_comparison(e: s.BinaryOp, left: ir.Expr, right: ir.Expr) -> Diagnostic | None:
    """An MDC701 warning when `e` (lowered operands `left`, `right`) has one outcome for every
    value its non-literal operand's type allows."""
    if e.op not in _FLIPPED:
        return None
    for written, operand, literal, op in ((e.left, left, e.right, e.op), (e.right, right, e.left, _FLIPPED[e.op])):
        value = _literal(literal)
        if value is None or _literal(written) is not None:
            continue
        fixed = _fixed_interval(operand)
        if fixed is None:
            continue
        type_name, lo, hi, width = fixed
        compared = value
        if width is not None and width > 1 and -(1 << (width - 1)) <= value < 0:
            compared = value & ((1 << width) - 1)  # what the literal becomes as a uN
        elif width is not None and not 0 <= value < (1 << width):
            return None  # the literal does not fit: a type error (MDC301) says so
        outcome = _decide(op, lo, hi, compared)
        if outcome is None:
            return None
        return _warning(e, written, type_name, lo, hi, value, compared, outcome)
    return None


def _literal(e: s.Expr) -> int | None:
    match e:
        case s.IntLit(value=v):
            return v
        case s.UnaryOp(op="-", arg=s.IntLit(value=v)):
            return -v
    return None


def _fixed_interval(e: ir.Expr) -> tuple[str, int, int, int | None] | None:
    """(type as written, lo, hi, width if a literal compared with it becomes a uN); an iN
    holds negative numbers, so a negative literal stays what it is."""
    if isinstance(e.type, ir.BitsType):
        values = e.type.values
        return str(e.type), values.lo, values.hi, None if e.type.signed else e.type.width
    if isinstance(e, ir.Convert) and isinstance(e.type, ir.IntType) and isinstance(e.arg.type, ir.BitsType) \
            and e.check is None:
        values = e.arg.type.values
        return f"the int of a {e.arg.type}", values.lo, values.hi, None
    return None


def _decide(op: str, lo: int, hi: int, c: int) -> bool | None:
    """The outcome of `x op c` for every x in lo..hi, or None when it depends on x."""
    match op:
        case "<":
            return True if hi < c else False if lo >= c else None
        case "<=":
            return True if hi <= c else False if lo > c else None
        case ">":
            return True if lo > c else False if hi <= c else None
        case ">=":
            return True if lo >= c else False if hi < c else None
        case "==":
            return False if not lo <= c <= hi else (True if lo == hi == c else None)
        case "!=":
            return True if not lo <= c <= hi else (False if lo == hi == c else None)
    return None


def _warning(e: s.BinaryOp, operand: s.Expr, type_name: str, lo: int, hi: int, value: int, compared: int,
             outcome: bool) -> Diagnostic:
    side = _shown(operand)
    text = f"{_shown(e.left)} {e.op} {_shown(e.right)}"
    message = (f"`{text}` is always {'true' if outcome else 'false'}: {side} is {type_name} ({lo}..{hi})"
               + (f" and {value} becomes {compared} as a {type_name}" if compared != value else ""))
    if value < 0 or (value == 0 and e.op in (">=", "<=")):
        signed = "i" + type_name[1:] if type_name.startswith("u") else "i32"
        hint = (f"a {type_name} is never negative; for a value that can be, declare it {signed} (signed, as "
                f"the kernel's atomic_t) or a range type such as -1..N"
                + (f", or did you mean `{side} > 0`?" if value == 0 else ""))
    else:
        hint = f"check the bound: {side} can only be {lo}..{hi}"
    return Diagnostic("MDC701", message, e.span, hint, severity="warning")


def _shown(e: s.Expr) -> str:
    match e:
        case s.Name(name=n):
            return n
        case s.IntLit(value=v):
            return str(v)
        case s.UnaryOp(op=op, arg=arg):
            return f"{op}{_shown(arg)}"
        case s.FieldAccess(base=base, field_name=f):
            return f"{_shown(base)}.{f}"
        case s.IndexAccess(base=base, index=index):
            return f"{_shown(base)}[{_shown(index)}]"
        case s.Call(callee=callee, args=args):
            return f"{callee}({', '.join(_shown(a) for a in args)})"
    return "(...)"
