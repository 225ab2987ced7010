"""The abstract syntax of the mdcheck language, as the parser builds it.

Nodes are frozen dataclasses; the source span is kept on every node but left out of
equality, so two parses of the same text compare equal wherever they sit in a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from checker.frontend.source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ---- types as written ----

@dataclass(frozen=True)
class NamedTypeExpr:
    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class RangeTypeExpr:
    lo: "Expr"
    hi: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class ArrayTypeExpr:
    index: "TypeExpr"
    elem: "TypeExpr"
    span: Span | None = _span()


TypeExpr = NamedTypeExpr | RangeTypeExpr | ArrayTypeExpr


# ---- expressions ----

@dataclass(frozen=True)
class IntLit:
    value: int
    text: str
    span: Span | None = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span | None = _span()


@dataclass(frozen=True)
class Name:
    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class FieldAccess:
    base: "Expr"
    field_name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class IndexAccess:
    base: "Expr"
    index: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Call:
    callee: str
    args: tuple["Expr", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class UnaryOp:
    op: str  # '!', '-', '~'
    arg: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: "Expr"
    right: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Conditional:
    cond: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Binder:
    name: str
    domain: TypeExpr
    span: Span | None = _span()


@dataclass(frozen=True)
class Quantifier:
    kind: str  # forall, exists, sum, count
    binders: tuple[Binder, ...]
    body: "Expr"
    span: Span | None = _span()


Expr = (IntLit | BoolLit | Name | FieldAccess | IndexAccess | Call | UnaryOp | BinaryOp
        | Conditional | Quantifier)


# ---- statements ----

@dataclass(frozen=True)
class LetStmt:
    name: str
    type_expr: TypeExpr | None
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class AssignStmt:
    target: Expr  # Name, FieldAccess or IndexAccess
    op: str  # '=', '+=', '-=', '|=', '&=', '^='
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class IfStmt:
    cond: Expr
    then: tuple["Stmt", ...]
    otherwise: tuple["Stmt", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class ForStmt:
    var: str
    domain: TypeExpr
    body: tuple["Stmt", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class RequireStmt:
    cond: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class AssertStmt:
    cond: Expr
    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class CallStmt:
    callee: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


Stmt = LetStmt | AssignStmt | IfStmt | ForStmt | RequireStmt | AssertStmt | CallStmt


# ---- declarations ----

@dataclass(frozen=True)
class Param:
    name: str
    type_expr: TypeExpr
    span: Span | None = _span()


@dataclass(frozen=True)
class ImportDecl:
    target: str
    span: Span | None = _span()


@dataclass(frozen=True)
class ConstDecl:
    name: str
    value: Expr
    span: Span | None = _span()
    c: CName | None = None   # the enumerator or macro it mirrors


@dataclass(frozen=True)
class TypeDecl:
    name: str
    type_expr: TypeExpr
    span: Span | None = _span()


@dataclass(frozen=True)
class EnumDecl:
    name: str
    members: tuple[str, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class FieldDecl:
    name: str
    type_expr: TypeExpr
    span: Span | None = _span()


@dataclass(frozen=True)
class RecordDecl:
    name: str
    fields: tuple[FieldDecl, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class CName:
    """What a layout, view, field or constant is in C, for `mdcheck layout-check`.

    `kind` is "member" (`ctype "struct page"`, `cname "index|__folio_index"`: alternates
    across kernel versions, the first one found is used), "absent" (`absent "RFC only"`:
    not in a released kernel; `names` may still say what it would be called) or "padding"
    (`padding "..."`: bits no member of the C type covers)."""
    kind: str
    names: tuple[str, ...]
    reason: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class LayoutField:
    name: str
    word: Expr
    bit: Expr | None
    type_expr: TypeExpr
    span: Span | None = _span()
    c: CName | None = None


@dataclass(frozen=True)
class LayoutDecl:
    """A word-exact struct: `words` 64-bit words, fields at a word and a bit offset."""
    name: str
    words: Expr
    fields: tuple[LayoutField, ...]
    span: Span | None = _span()
    c: CName | None = None


@dataclass(frozen=True)
class ViewDecl:
    """Another set of names for the bits of a layout (a union member, an overlaid struct)."""
    name: str
    layout: str
    fields: tuple[LayoutField, ...]
    span: Span | None = _span()
    c: CName | None = None


@dataclass(frozen=True)
class SymbolDecl:
    """A named address printed next to matching values; without a binder also a constant."""
    name: str
    binder: "Binder | None"
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class StaticAssertDecl:
    cond: Expr
    message: str
    span: Span | None = _span()


@dataclass(frozen=True)
class VarDecl:
    name: str
    type_expr: TypeExpr
    span: Span | None = _span()


@dataclass(frozen=True)
class InitDecl:
    body: tuple[Stmt, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class ActionDecl:
    name: str
    variant: str | None
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class ProcDecl:
    name: str
    variant: str | None
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class FnDecl:
    name: str
    params: tuple[Param, ...]
    result: TypeExpr
    body: Expr
    prelude: tuple["Stmt", ...] = ()  # lets and asserts before `return`
    span: Span | None = _span()
    variant: str | None = None  # `fn name[variant](...)`: a configuration picks one with `use`


@dataclass(frozen=True)
class InvariantDecl:
    name: str
    body: Expr
    span: Span | None = _span()
    lemma: bool = False  # declared with `lemma`: a helper invariant for the induction proofs


@dataclass(frozen=True)
class ConfigConst:
    name: str
    value: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class ConfigUse:
    target: str
    variant: str
    span: Span | None = _span()


@dataclass(frozen=True)
class ConfigDisable:
    name: str  # an action, or an invariant or lemma this configuration neither checks nor assumes
    span: Span | None = _span()


@dataclass(frozen=True)
class ConfigEnable:
    """Undo a `disable` the configuration inherits from the one it extends."""
    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class ConfigExpect:
    prop: str
    outcome: str  # 'violated' | 'holds'
    span: Span | None = _span()


@dataclass(frozen=True)
class ConfigDepth:
    """The BMC depth of this configuration when the command line gives none."""
    depth: Expr
    span: Span | None = _span()


ConfigItem = ConfigConst | ConfigUse | ConfigDisable | ConfigEnable | ConfigExpect | ConfigDepth


@dataclass(frozen=True)
class ConfigDecl:
    name: str
    items: tuple[ConfigItem, ...]
    span: Span | None = _span()
    description: str = ""  # `config NAME "what it reproduces" { ... }`, else the prose before its block
    parent: str | None = None  # `config NAME extends PARENT`: starts from everything PARENT sets
    parent_span: Span | None = field(default=None, compare=False)
    abstract: bool = False  # `abstract config NAME`: a base for others to extend, not checked itself


Decl = (ImportDecl | ConstDecl | TypeDecl | EnumDecl | RecordDecl | LayoutDecl | ViewDecl
        | StaticAssertDecl | SymbolDecl | VarDecl | InitDecl
        | ActionDecl | ProcDecl | FnDecl | InvariantDecl | ConfigDecl)


@dataclass(frozen=True)
class Module:
    path: str
    decls: tuple[Decl, ...]
