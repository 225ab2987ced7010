"""Limits of what one configuration may unroll, and the scope of names inside a body."""
from __future__ import annotations

from dataclasses import dataclass, field

from checker import ir
from checker.frontend.diagnostics import fail
from checker.frontend.source import Span

DEFAULT_CONFIG = "default"
MAX_DOMAIN = 4096          # values one quantifier, loop or array index may range over
MAX_STATE_LEAVES = 65536   # scalar cells in the whole state
MAX_UNROLLED = 1 << 20     # instances of a body inside nested loops and quantifiers
MAX_INLINED = 1 << 20      # fn and proc bodies one call expands to (calls are inlined)
MAX_INT_BITS = 256         # width of the widest integer an expression may need
MAX_BITS_WIDTH = 64
MAX_LAYOUT_WORDS = 512
MAX_CONFIG_DEPTH = 1000
BUILTIN_TYPES = {"bool", "int"} | {f"{sign}{n}" for sign in "ui" for n in range(1, MAX_BITS_WIDTH + 1)}


@dataclass
class Local:
    type: ir.Type
    mutable: bool


@dataclass
class Scope:
    locals: dict[str, Local] = field(default_factory=dict)
    can_write_state: bool = False
    context: str = "expression"
    unrolled: int = 1  # how many times a body here is unrolled by the loops and quantifiers around it

    def child(self) -> "Scope":
        return Scope(dict(self.locals), self.can_write_state, self.context, self.unrolled)

    def nested(self, times: int, span: Span | None) -> "Scope":
        inner = self.child()
        inner.unrolled = self.unrolled * times
        if inner.unrolled > MAX_UNROLLED:
            raise fail("MDC402", f"the loops and quantifiers around this body unroll it {inner.unrolled} times; "
                       f"at most {MAX_UNROLLED}", span)
        return inner
