"""Z3 bit-vector terms as AIG literals: every term becomes one literal per bit (least
significant first), following SMT-LIB's semantics for each operator, division by zero
included. Terms are walked without recursion (the encoder's `If` chains are deep), and
each shared subterm is blasted once.
"""
from __future__ import annotations

import z3
from z3 import z3core

from checker.engines.aiger.aig import FALSE, TRUE, Aig, negate

Bits = list[int]


class Unsupported(Exception):
    """A Z3 operator the bit-blaster has no circuit for."""




class _RawApi:
    """Z3's C functions without the Python layer's per-call error check and wrapper objects:
    the walk makes millions of calls. (z3core keeps each C function as its wrapper's default
    argument; the calls made here cannot fail on terms Z3 built.)"""

    def __getattr__(self, name: str):
        function = getattr(z3core, name).__defaults__[0].f
        setattr(self, name, function)
        return function


_lib = _RawApi()
_NUMERAL_AST = 0


class Blaster:
    def __init__(self, aig: Aig, ctx: z3.Context):
        self.aig = aig
        self._ctx = ctx.ref()
        self._memo: dict[int, Bits] = {}
        self._kept: list[z3.ExprRef] = []  # a Z3 id is reused once its term is freed: keep every root blasted

    def bind(self, constant: z3.ExprRef, bits: Bits) -> None:
        """A Z3 constant (a state cell, an input) stands for these literals."""
        self._kept.append(constant)
        self._memo[constant.get_id()] = bits

    def literal(self, e: z3.BoolRef) -> int:
        return self.bits(e)[0]

    def bits(self, root: z3.ExprRef) -> Bits:
        self._kept.append(root)
        c, memo = self._ctx, self._memo
        ast_id, num_args, arg = _lib.Z3_get_ast_id, _lib.Z3_get_app_num_args, _lib.Z3_get_app_arg
        to_app = _lib.Z3_to_app
        stack = [root.as_ast()]
        while stack:
            a = stack[-1]
            key = ast_id(c, a)
            if key in memo:
                stack.pop()
                continue
            if _lib.Z3_get_ast_kind(c, a) == _NUMERAL_AST:
                value = int(_lib.Z3_get_numeral_string(c, a))
                width = _lib.Z3_get_bv_sort_size(c, _lib.Z3_get_sort(c, a))
                memo[key] = [TRUE if value >> i & 1 else FALSE for i in range(width)]
                stack.pop()
                continue
            app = to_app(c, a)
            children = [arg(c, app, i) for i in range(num_args(c, app))]
            keys = [ast_id(c, child) for child in children]
            missing = [child for child, k in zip(children, keys) if k not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            decl = _lib.Z3_get_app_decl(c, app)
            memo[key] = self._gate(_lib.Z3_get_decl_kind(c, decl), decl, [memo[k] for k in keys])
        return memo[root.get_id()]

    # ---- one operator ----

    def _parameter(self, decl, index: int) -> int:
        return _lib.Z3_get_decl_int_parameter(self._ctx, decl, index)

    def _gate(self, k: int, decl, args: list[Bits]) -> Bits:
        g = self.aig
        if k == z3.Z3_OP_TRUE:
            return [TRUE]
        if k == z3.Z3_OP_FALSE:
            return [FALSE]
        if k == z3.Z3_OP_UNINTERPRETED and not args:
            name = _lib.Z3_get_symbol_string(self._ctx, _lib.Z3_get_decl_name(self._ctx, decl))
            raise Unsupported(f"free constant {name.decode()} is not a state cell or an input")
        if k == z3.Z3_OP_NOT:
            return [negate(args[0][0])]
        if k == z3.Z3_OP_AND:
            return [g.all_of(a[0] for a in args)]
        if k == z3.Z3_OP_OR:
            return [g.any_of(a[0] for a in args)]
        if k == z3.Z3_OP_IMPLIES:
            return [g.or_(negate(args[0][0]), args[1][0])]
        if k == z3.Z3_OP_XOR:
            out = FALSE
            for a in args:
                out = g.xor(out, a[0])
            return [out]
        if k == z3.Z3_OP_EQ or k == z3.Z3_OP_IFF:
            return [self._equal(args[0], args[1])]
        if k == z3.Z3_OP_DISTINCT:
            if len(args) != 2:
                raise Unsupported("distinct of more than two terms")
            return [negate(self._equal(args[0], args[1]))]
        if k == z3.Z3_OP_ITE:
            c = args[0][0]
            return [g.ite(c, t, f) for t, f in zip(args[1], args[2])]
        if k == z3.Z3_OP_BNOT:
            return [negate(x) for x in args[0]]
        if k in (z3.Z3_OP_BAND, z3.Z3_OP_BOR, z3.Z3_OP_BXOR):
            gate = {z3.Z3_OP_BAND: g.and_, z3.Z3_OP_BOR: g.or_, z3.Z3_OP_BXOR: g.xor}[k]
            out = args[0]
            for a in args[1:]:
                out = [gate(x, y) for x, y in zip(out, a)]
            return out
        if k == z3.Z3_OP_BNEG:
            return self._neg(args[0])
        if k == z3.Z3_OP_BADD:
            out = args[0]
            for a in args[1:]:
                out = self._add(out, a, FALSE)
            return out
        if k == z3.Z3_OP_BSUB:
            return self._add(args[0], [negate(x) for x in args[1]], TRUE)
        if k == z3.Z3_OP_BMUL:
            out = args[0]
            for a in args[1:]:
                out = self._mul(out, a)
            return out
        if k == z3.Z3_OP_CONCAT:  # the first argument is the most significant
            out = []
            for a in reversed(args):
                out.extend(a)
            return out
        if k == z3.Z3_OP_EXTRACT:
            hi, lo = self._parameter(decl, 0), self._parameter(decl, 1)
            return args[0][lo:hi + 1]
        if k == z3.Z3_OP_ZERO_EXT:
            return args[0] + [FALSE] * self._parameter(decl, 0)
        if k == z3.Z3_OP_SIGN_EXT:
            return args[0] + [args[0][-1]] * self._parameter(decl, 0)
        if k in (z3.Z3_OP_ULEQ, z3.Z3_OP_UGEQ, z3.Z3_OP_ULT, z3.Z3_OP_UGT,
                 z3.Z3_OP_SLEQ, z3.Z3_OP_SGEQ, z3.Z3_OP_SLT, z3.Z3_OP_SGT):
            return [self._compare(k, args[0], args[1])]
        if k in (z3.Z3_OP_BSHL, z3.Z3_OP_BLSHR, z3.Z3_OP_BASHR):
            return self._shift(k, args[0], args[1])
        if k in (z3.Z3_OP_BUDIV, z3.Z3_OP_BUDIV_I):
            return self._udivrem(args[0], args[1])[0]
        if k in (z3.Z3_OP_BUREM, z3.Z3_OP_BUREM_I):
            return self._udivrem(args[0], args[1])[1]
        if k in (z3.Z3_OP_BSDIV, z3.Z3_OP_BSDIV_I, z3.Z3_OP_BSREM, z3.Z3_OP_BSREM_I):
            return self._signed_divrem(k in (z3.Z3_OP_BSDIV, z3.Z3_OP_BSDIV_I), args[0], args[1])
        name = _lib.Z3_get_symbol_string(self._ctx, _lib.Z3_get_decl_name(self._ctx, decl))
        raise Unsupported(f"operator {name.decode()}")

    def _equal(self, a: Bits, b: Bits) -> int:
        g = self.aig
        return g.all_of(negate(g.xor(x, y)) for x, y in zip(a, b))

    def _add(self, a: Bits, b: Bits, carry: int) -> Bits:
        g = self.aig
        out = []
        for x, y in zip(a, b):
            half = g.xor(x, y)
            out.append(g.xor(half, carry))
            carry = g.or_(g.and_(x, y), g.and_(carry, half))
        return out

    def _neg(self, a: Bits) -> Bits:
        return self._add([negate(x) for x in a], [FALSE] * len(a), TRUE)

    def _mul(self, a: Bits, b: Bits) -> Bits:
        g = self.aig
        width = len(a)
        if all(x in (TRUE, FALSE) for x in a):
            a, b = b, a  # shift-and-add over the constant's set bits only
        out = [FALSE] * width
        for i, y in enumerate(b):
            if y == FALSE:
                continue
            shifted = [FALSE] * i + [g.and_(x, y) for x in a[:width - i]]
            out = self._add(out, shifted, FALSE)
        return out

    def _less(self, a: Bits, b: Bits) -> int:
        """Unsigned a < b."""
        g = self.aig
        less = FALSE
        for x, y in zip(a, b):  # from the least significant bit up: the higher bits decide
            less = g.ite(g.xor(x, y), y, less)
        return less

    def _compare(self, k: int, a: Bits, b: Bits) -> int:
        if k in (z3.Z3_OP_SLEQ, z3.Z3_OP_SGEQ, z3.Z3_OP_SLT, z3.Z3_OP_SGT):
            a, b = a[:-1] + [negate(a[-1])], b[:-1] + [negate(b[-1])]
        if k in (z3.Z3_OP_ULT, z3.Z3_OP_SLT):
            return self._less(a, b)
        if k in (z3.Z3_OP_UGT, z3.Z3_OP_SGT):
            return self._less(b, a)
        if k in (z3.Z3_OP_ULEQ, z3.Z3_OP_SLEQ):
            return negate(self._less(b, a))
        return negate(self._less(a, b))

    def _shift(self, k: int, a: Bits, amount: Bits) -> Bits:
        g = self.aig
        width = len(a)
        fill = a[-1] if k == z3.Z3_OP_BASHR else FALSE
        out = list(a)
        for i, bit in enumerate(amount):
            if bit == FALSE:
                continue
            step = 1 << i
            if step >= width:
                out = [g.ite(bit, fill, x) for x in out]
                continue
            if k == z3.Z3_OP_BSHL:
                moved = [FALSE] * step + out[:width - step]
            else:
                moved = out[step:] + [fill] * step
            out = [g.ite(bit, m, x) for m, x in zip(moved, out)]
        return out

    def _udivrem(self, a: Bits, b: Bits) -> tuple[Bits, Bits]:
        """Restoring division; a / 0 is all ones and a % 0 is a, as in SMT-LIB."""
        g = self.aig
        width = len(a)
        divisor = b + [FALSE]  # one bit wider: the shifted remainder can need it
        remainder = [FALSE] * (width + 1)
        quotient = [FALSE] * width
        for i in reversed(range(width)):
            remainder = [a[i]] + remainder[:-1]
            fits = negate(self._less(remainder, divisor))
            quotient[i] = fits
            difference = self._add(remainder, [negate(x) for x in divisor], TRUE)
            remainder = [g.ite(fits, d, r) for d, r in zip(difference, remainder)]
        return quotient, remainder[:width]

    def _signed_divrem(self, division: bool, a: Bits, b: Bits) -> Bits:
        g = self.aig
        sign_a, sign_b = a[-1], b[-1]
        abs_a = [g.ite(sign_a, n, x) for n, x in zip(self._neg(a), a)]
        abs_b = [g.ite(sign_b, n, x) for n, x in zip(self._neg(b), b)]
        quotient, remainder = self._udivrem(abs_a, abs_b)
        if division:
            flip = g.xor(sign_a, sign_b)
            return [g.ite(flip, n, x) for n, x in zip(self._neg(quotient), quotient)]
        return [g.ite(sign_a, n, x) for n, x in zip(self._neg(remainder), remainder)]
