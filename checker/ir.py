"""The typed intermediate representation that every engine consumes.

The type checker lowers one configuration of a spec into a `Model`: constants folded,
names resolved, every expression typed, every implicit check (array bounds, range of an
assignment, division by zero) made explicit. The Z3 encoder and the concrete interpreter
both read this IR and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

from checker.frontend.source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ---- types ----

@dataclass(frozen=True)
class BoolType:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class IntType:
    """A bounded integer: a declared range, or the interval an expression can take."""
    lo: int
    hi: int

    def __str__(self) -> str:
        return f"{self.lo}..{self.hi}"

    def contains(self, other: "IntType") -> bool:
        return self.lo <= other.lo and other.hi <= self.hi


@dataclass(frozen=True)
class BitsType:
    """`uN` (unsigned) or `iN` (signed, two's complement); both wrap modulo 2^N.

    Every reading keeps a value as its N bits (an unsigned int below 2^N); only comparisons,
    division, remainder, `>>` and conversions read the bits of an `iN` as signed.
    """
    width: int
    signed: bool = False

    def __str__(self) -> str:
        return f"{'i' if self.signed else 'u'}{self.width}"

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1

    @property
    def values(self) -> "IntType":
        """The numbers the type holds: 0..2^N-1, or -2^(N-1)..2^(N-1)-1 for iN."""
        if self.signed:
            return IntType(-(1 << (self.width - 1)), (1 << (self.width - 1)) - 1)
        return IntType(0, self.mask)

    def number(self, bits: int) -> int:
        """The number that `bits` (an unsigned int below 2^N) stands for in this type."""
        return bits - (1 << self.width) if self.signed and bits >> (self.width - 1) else bits


@dataclass(frozen=True)
class EnumType:
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class RecordType:
    name: str
    fields: tuple[tuple[str, "Type"], ...]

    def __str__(self) -> str:
        return self.name

    def position(self, name: str) -> int:
        return [field_name for field_name, _ in self.fields].index(name)

    def field_type(self, name: str) -> "Type | None":
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        return None


@dataclass(frozen=True)
class LayoutField:
    name: str
    view: str   # the layout's own name for its base fields
    word: int
    bit: int
    width: int
    signed: bool = False  # declared iN: reads sign-extend

    @property
    def type(self) -> BitsType:
        return BitsType(self.width, self.signed)

    @property
    def label(self) -> str:
        return self.name

    def overlaps(self, other: "LayoutField") -> bool:
        return self.word == other.word and self.bit < other.bit + other.width and other.bit < self.bit + self.width


@dataclass(frozen=True)
class LayoutType:
    """A word-exact struct: a tuple of `words` 64-bit words, named through views.

    `fields` holds the fields of every view; a field's `view` is the layout's own name
    for the fields declared with the layout itself.
    """
    name: str
    words: int
    fields: tuple[LayoutField, ...]

    def __str__(self) -> str:
        return self.name

    def field(self, view: str, name: str) -> LayoutField | None:
        return next((f for f in self.fields if f.view == view and f.name == name), None)

    @property
    def views(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.view for f in self.fields if f.view != self.name))


@dataclass(frozen=True)
class ViewType:
    """`page.ptdesc`: not a value, only a way to name the fields of another view."""
    layout: LayoutType
    view: str

    def __str__(self) -> str:
        return f"view {self.view} of {self.layout.name}"


@dataclass(frozen=True)
class ArrayType:
    index: "FiniteType"
    elem: "Type"

    def __str__(self) -> str:
        return f"[{self.index}] {self.elem}"


FiniteType = Union[BoolType, IntType, EnumType]
Type = Union[BoolType, IntType, BitsType, EnumType, RecordType, ArrayType, LayoutType, ViewType]
WORD_BITS = 64

BOOL = BoolType()


def domain_values(t: FiniteType) -> range | tuple:
    """The values of a finite type, in order; enums and bools as their concrete values."""
    if isinstance(t, BoolType):
        return (False, True)
    if isinstance(t, IntType):
        return range(t.lo, t.hi + 1)
    return range(len(t.members))


def domain_size(t: Type) -> int:
    if isinstance(t, BoolType):
        return 2
    if isinstance(t, IntType):
        return t.hi - t.lo + 1
    if isinstance(t, EnumType):
        return len(t.members)
    raise TypeError(t)


def leaf_count(t: Type) -> int:
    if isinstance(t, LayoutType):
        return t.words
    if isinstance(t, RecordType):
        return sum(leaf_count(ft) for _, ft in t.fields)
    if isinstance(t, ArrayType):
        return domain_size(t.index) * leaf_count(t.elem)
    return 1


# ---- expressions ----

@dataclass(frozen=True)
class Lit:
    value: object  # bool or int (bits and enums as their unsigned value / member index)
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class StateRef:
    name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class LocalRef:
    name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class FieldGet:
    base: "Expr"
    field_name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class ViewOf:
    """`x.view`: only ever the base of a BitsOf."""
    base: "Expr"
    type: ViewType
    span: Span | None = _span()


@dataclass(frozen=True)
class BitsOf:
    """A field of a layout value: `width` bits of word `word`, from bit `bit` up."""
    base: "Expr"
    field: LayoutField
    type: BitsType
    span: Span | None = _span()


@dataclass(frozen=True)
class Check:
    """An implicit obligation: evaluating `cond` false is a violation of property `prop`."""
    prop: str
    cond: "Expr"
    span: Span | None = _span()
    subject: "Expr | None" = field(default=None, compare=False, repr=False)  # the value checked
    allowed: "IntType | None" = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class IndexGet:
    base: "Expr"
    index: "Expr"
    type: Type
    bounds: Check | None  # present when the index may fall outside the array
    span: Span | None = _span()


@dataclass(frozen=True)
class Unary:
    op: str  # 'not', 'neg', 'bvnot'
    arg: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Binary:
    """`op` is one of: and or implies eq ne lt le gt ge add sub mul div mod band bor bxor shl shr.

    Operands of arithmetic and comparisons are both IntType or both BitsType of one width.
    """
    op: str
    left: "Expr"
    right: "Expr"
    type: Type
    check: Check | None = None  # division by zero
    span: Span | None = _span()


@dataclass(frozen=True)
class Ite:
    cond: "Expr"
    then: "Expr"
    otherwise: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Quant:
    kind: str  # forall, exists, sum, count
    var: str
    domain: FiniteType
    body: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class FnCall:
    fn: "FnDef"
    args: tuple["Expr", ...]
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Convert:
    """int -> uN (two's complement, truncating), uN -> uM, uN -> int, int -> range (checked)."""
    arg: "Expr"
    type: Type
    check: Check | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class LetIn:
    """`let name = value` inside a fn body, scoping over the rest of it."""
    name: str
    value: "Expr"
    body: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Checked:
    """An assert inside a fn body: the check, then the rest of the body."""
    check: Check
    body: "Expr"
    type: Type
    span: Span | None = _span()


Expr = Union[ViewOf, BitsOf, LetIn, Checked, Lit, StateRef, LocalRef, FieldGet, IndexGet, Unary, Binary, Ite, Quant, FnCall, Convert]


# ---- statements ----

@dataclass(frozen=True)
class FieldStep:
    name: str


@dataclass(frozen=True)
class IndexStep:
    index: Expr
    array_type: ArrayType
    bounds: Check | None


@dataclass(frozen=True)
class BitsStep:
    field: LayoutField


@dataclass(frozen=True)
class Target:
    """Where an assignment writes: a state variable or local, then a path into it."""
    root: str
    is_state: bool
    path: tuple[FieldStep | IndexStep | BitsStep, ...]
    root_type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Let:
    name: str
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Assign:
    target: Target
    value: Expr
    range_check: Check | None  # the value may fall outside the target's declared range
    span: Span | None = _span()


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple["Stmt", ...]
    otherwise: tuple["Stmt", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class For:
    var: str
    domain: FiniteType
    body: tuple["Stmt", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class Require:
    cond: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Assert:
    cond: Expr
    prop: str
    span: Span | None = _span()


@dataclass(frozen=True)
class ProcCall:
    proc: "ProcDef"
    args: tuple[Expr, ...]
    span: Span | None = _span()


Stmt = Union[Let, Assign, If, For, Require, Assert, ProcCall]


# ---- definitions ----

@dataclass(frozen=True)
class FnDef:
    name: str
    params: tuple[tuple[str, Type], ...]
    result: Type
    body: Expr
    span: Span | None = _span()
    variant: str | None = None


@dataclass(frozen=True)
class ProcDef:
    name: str
    variant: str | None
    params: tuple[tuple[str, Type], ...]
    body: tuple[Stmt, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class ActionDef:
    name: str
    variant: str | None
    params: tuple[tuple[str, FiniteType], ...]
    body: tuple[Stmt, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class Property:
    """A named property: an invariant, or every assert / implicit check sharing a name."""
    name: str
    kind: str  # 'invariant' | 'lemma' | 'assert' | 'check'
    expect: str  # 'holds' | 'violated'
    span: Span | None = _span()


@dataclass(frozen=True)
class Invariant:
    """A state property; a lemma is one stated to help prove the others by induction."""
    name: str
    body: Expr
    span: Span | None = _span()
    lemma: bool = False


@dataclass(frozen=True)
class Symbol:
    """A named kernel address, for printing: `0xffffffff81a82b37 (&pte_free_now)`."""
    name: str
    value: int


@dataclass(frozen=True)
class Model:
    config: str
    constants: tuple[tuple[str, object], ...]
    state: tuple[tuple[str, Type], ...]
    init: tuple[Stmt, ...]
    actions: tuple[ActionDef, ...]
    invariants: tuple[Invariant, ...]
    properties: tuple[Property, ...]
    symbols: tuple[Symbol, ...] = ()
    depth: int | None = None  # the configuration's own BMC depth, if it sets one
    description: str = ""     # what the configuration is about, in the spec's words
    not_checked: tuple[tuple[str, str], ...] = ()  # properties of the configuration this run leaves out, and why
    unchecked: tuple[str, ...] = ()  # invariants the configuration disables: neither checked nor assumed

    def state_type(self, name: str) -> Type:
        return dict(self.state)[name]

    def property(self, name: str) -> Property:
        return next(p for p in self.properties if p.name == name)


# ---- arithmetic shared by every reading of the IR ----

def int_bits(t: IntType) -> int:
    """Two's-complement width that holds every value of the interval."""
    width = 1
    while not (-(1 << (width - 1)) <= t.lo and t.hi <= (1 << (width - 1)) - 1):
        width += 1
    return width


def c_div(a: int, b: int) -> int:
    """Division as C does it: the quotient rounds toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


SIGNED_OPS = ("lt", "le", "gt", "ge", "div", "mod", "shr")


def signed_bits_op(op: str, t: BitsType) -> Callable[[int, int], int | bool]:
    """An operation of `SIGNED_OPS` on the bits of two `iN` values, as SMT-LIB's bvslt,
    bvsdiv, bvsrem and bvashr read them (so `x / 0` is -1 or 1 and `x % 0` is x; the shift
    amount is unsigned)."""
    number, mask, w = t.number, t.mask, t.width
    match op:
        case "lt": return lambda a, b: number(a) < number(b)
        case "le": return lambda a, b: number(a) <= number(b)
        case "gt": return lambda a, b: number(a) > number(b)
        case "ge": return lambda a, b: number(a) >= number(b)
        case "div": return lambda a, b: c_div(number(a), number(b)) & mask if b else (1 if number(a) < 0 else mask)
        case "mod": return lambda a, b: (number(a) - number(b) * c_div(number(a), number(b))) & mask if b else a
        case "shr": return lambda a, b: (number(a) >> min(b, w)) & mask
    raise AssertionError(op)


def convert_bits(bits_or_int: int, have: "Type", want: "Type") -> int:
    """A conversion on a concrete value: an `iN` operand is read as signed (so widening
    sign-extends), and a bit-vector result keeps its low bits."""
    v = have.number(bits_or_int) if isinstance(have, BitsType) else bits_or_int
    return v & want.mask if isinstance(want, BitsType) else v


# ---- what a model says about C (`mdcheck layout-check`) ----

@dataclass(frozen=True)
class CName:
    """`kind` "member": `names` are alternates across kernel versions (the first found is
    used); "absent": not in a released kernel (`reason` says why); "padding": no member
    of the C type covers these bits."""
    kind: str
    names: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True)
class CField:
    name: str
    word: int
    bit: int
    width: int
    c: CName                   # a field with no annotation is looked up by its own name
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CStruct:
    """A layout or view of a layout that says which C type it models."""
    model: str                 # "page", or "ptdesc" for `view ptdesc of page`
    layout: str
    c: CName                   # the C type: "struct page"
    size: int | None           # bytes the model gives it (a layout's words; a view's extent); None: not compared
    fields: tuple[CField, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CConst:
    name: str
    value: int
    c: CName
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CBindings:
    """Every annotated layout, view and constant of a spec and its imports."""
    structs: tuple[CStruct, ...]
    consts: tuple[CConst, ...]
