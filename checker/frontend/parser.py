"""Parse the text of mdcheck blocks into syntax trees (Lark, LALR, with positions)."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic, SpecError
from checker.frontend.source import ModelBlock, Span
from checker.frontend.syntax_hints import (
    DECLARATION_KEYWORDS,
    OpenDeclaration,
    increment_hint,
    starts_its_line,
    unclosed_declaration,
)

# What a person calls the tokens Lark names, for error messages.
_TOKEN_WORDS = {
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['",
    "RSQB": "']'", "COLON": "':'", "COMMA": "','", "SEMICOLON": "';'", "EQUAL": "'='",
    "DOT": "'.'", "QMARK": "'?'", "NAME": "a name", "NUMBER": "a number", "STRING": "a string",
    "ASSIGN_OP": "'='", "CMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*', '/' or '%'",
    "SHIFT_OP": "'<<' or '>>'", "UNARY_OP": "'!', '-' or '~'", "OUTCOME": "'violated' or 'holds'",
    "QUANT": "forall/exists/sum/count", "$END": "end of block", "__ANON_0": "'..'",
}


RESERVED_WORDS = frozenset(
    "forall exists sum count true false let if else for in require assert const type enum record var "
    "init action proc fn invariant lemma config import return layout view static_assert symbol word bit".split())


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("checker.frontend").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def parse_block(block: ModelBlock) -> tuple[s.Decl, ...]:
    try:
        tree = _lark().parse(block.text)
    except UnexpectedInput as error:
        raise SpecError([_syntax_diagnostic(error, block)]) from None
    try:
        decls = tuple(_ToAst(block).transform(tree).children)
    except VisitError as error:
        if isinstance(error.orig_exc, (SpecError, RecursionError)):  # the CLI reports nesting as MDC402
            raise error.orig_exc from None
        raise
    if decls and isinstance(decls[0], s.ConfigDecl) and not decls[0].description and block.prose:
        decls = (replace(decls[0], description=first_sentence(block.prose)),) + decls[1:]
    return decls


def first_sentence(prose: str) -> str:
    """`Patch 6 leaves the tail pages untagged. The loop ...` -> `Patch 6 leaves the tail pages untagged`."""
    text = " ".join(prose.split())
    end = re.search(r"[.!?:](\s|$)", text)
    return (text[:end.start()] if end else text).strip()


def _span_at(block: ModelBlock, line: int, col: int, end_line: int | None = None,
             end_col: int | None = None) -> Span:
    offset = block.first_line - 1
    return Span(block.path, line + offset, col + block.indent, (end_line or line) + offset,
                (end_col or col + 1) + block.indent)


def _syntax_diagnostic(error: UnexpectedInput, block: ModelBlock) -> Diagnostic:
    line = getattr(error, "line", None)
    col = getattr(error, "column", None)
    if not isinstance(line, int) or line < 1:
        lines = block.text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
    span = _span_at(block, line, col if isinstance(col, int) and col > 0 else 1)
    if isinstance(error, UnexpectedCharacters):
        char = block.text[error.pos_in_stream] if error.pos_in_stream < len(block.text) else "?"
        return Diagnostic("MDC102", f"unexpected character {char!r}", span)
    expected = sorted({_TOKEN_WORDS.get(t, _describe_terminal(t)) for t in getattr(error, "expected", ()) or ()})
    shown = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = block.text.rstrip().splitlines() or [""]
        span = _span_at(block, len(lines), len(lines[-1]) + 1)
        unclosed = unclosed_declaration(block.text, len(lines), len(lines[-1]) + 1)
        if unclosed is not None:
            return _missing_brace("MDC103", "the block ends", unclosed, span, block)
        return Diagnostic("MDC103", "the block ends in the middle of a declaration"
                          + (f"; expected {shown}" if shown else ""), span,
                          hint="a '}' or an expression may be missing")
    assert isinstance(error, UnexpectedToken)
    token = error.token
    span = _span_at(block, token.line, token.column, token.end_line, token.end_column)
    hint = None
    if token.value in DECLARATION_KEYWORDS and "RBRACE" in (error.expected or ()) \
            and starts_its_line(block.text, token.line, token.column):
        unclosed = unclosed_declaration(block.text, token.line, token.column)
        if unclosed is not None:
            return _missing_brace("MDC101", f"'{token.value}' starts a declaration", unclosed, span, block)
    if token.value in ("+", "-"):
        hint = increment_hint(block.text, token.line, token.column)
    if hint is not None:
        pass
    elif token.value == "=" and "ASSIGN_OP" not in (error.expected or ()) and _follows_operand(block, token):
        hint = "use '==' to compare"
    elif token.value in RESERVED_WORDS and "NAME" in (error.expected or ()):
        hint = f"'{token.value}' is a reserved word of the language; pick another name"
    return Diagnostic("MDC101", f"unexpected {token.value!r}" + (f"; expected {shown}" if shown else ""),
                      span, hint)


def _missing_brace(code: str, what: str, unclosed: OpenDeclaration, span: Span, block: ModelBlock) -> Diagnostic:
    opened = _span_at(block, unclosed.line, unclosed.column, unclosed.line, unclosed.column + len(unclosed.kind))
    return Diagnostic(code, f"missing '}}' to close the {unclosed.described()} opened at line {opened.line}; "
                      f"{what} here", span,
                      notes=((f"the {unclosed.described()} opened here", opened),),
                      hint="close each '{' before the next declaration")


def _follows_operand(block: ModelBlock, token: Token) -> bool:
    """Whether the text before the token ends like an operand (`x`, `a[i]`, `f(x)`, `3`)."""
    lines = block.text.splitlines()
    before = lines[token.line - 1][:token.column - 1] if token.line <= len(lines) else ""
    match = re.search(r"([A-Za-z0-9_]+|[)\]])\s*$", before)
    return bool(match) and match.group(1) not in RESERVED_WORDS


def _describe_terminal(name: str) -> str:
    pattern = _lark().get_terminal(name).pattern if name in {t.name for t in _lark().terminals} else None
    if pattern is not None and pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


def _number(text: str) -> int | None:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return None


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _c_names(token: str) -> tuple[str, ...]:
    """`"index|__folio_index"` -> ("index", "__folio_index"); "struct  page" -> "struct page"."""
    return tuple(" ".join(part.split()) for part in _unquote(token).split("|") if part.strip())


def _split_c_name(items) -> tuple[s.CName | None, tuple]:
    if items and isinstance(items[0], s.CName):
        return items[0], tuple(items[1:])
    return None, tuple(items)


def _unquote(token: str) -> str:
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i:i + 2]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


@v_args(meta=True)
class _ToAst(Transformer):
    def __init__(self, block: ModelBlock):
        super().__init__()
        self._model_block = block

    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return _span_at(self._model_block, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, token: Token) -> Span:
        return _span_at(self._model_block, token.line, token.column, token.end_line, token.end_column)

    # declarations
    def import_decl(self, meta, c):
        target = c[0]
        return s.ImportDecl(_unquote(target) if target.type == "STRING" else str(target), self._span(meta))

    def const_decl(self, meta, c):
        return s.ConstDecl(str(c[0]), c[1], self._span(meta), c[2] if len(c) > 2 else None)

    def type_decl(self, meta, c):
        return s.TypeDecl(str(c[0]), c[1], self._span(meta))

    def enum_decl(self, meta, c):
        return s.EnumDecl(str(c[0]), tuple(str(x) for x in c[1:]), self._span(meta))

    def record_decl(self, meta, c):
        return s.RecordDecl(str(c[0]), tuple(c[1:]), self._span(meta))

    def field_decl(self, meta, c):
        return s.FieldDecl(str(c[0]), c[1], self._span(meta))

    def layout_decl(self, meta, c):
        annotation, fields = _split_c_name(c[2:])
        return s.LayoutDecl(str(c[0]), c[1], fields, self._span(meta), annotation)

    def view_decl(self, meta, c):
        annotation, fields = _split_c_name(c[2:])
        return s.ViewDecl(str(c[0]), str(c[1]), fields, self._span(meta), annotation)

    def layout_field(self, meta, c):
        word = c[1]
        rest = c[2:]
        bit = None
        if isinstance(rest[0], Token) and rest[0].type == "BIT":
            bit, rest = rest[1], rest[2:]
        annotation = next((x for x in rest[2:] if isinstance(x, s.CName)), None)
        return s.LayoutField(str(rest[0]), word, bit, rest[1], self._span(meta), annotation)

    def c_type(self, meta, c):
        reason = _unquote(c[3]) if len(c) > 3 else None
        return s.CName("absent" if reason is not None else "member", _c_names(c[1]), reason, self._span(meta))

    def c_name(self, meta, c):
        reason = _unquote(c[3]) if len(c) > 3 else None
        return s.CName("absent" if reason is not None else "member", _c_names(c[1]), reason, self._span(meta))

    def c_absent(self, meta, c):
        return s.CName("absent", (), _unquote(c[1]), self._span(meta))

    def c_padding(self, meta, c):
        return s.CName("padding", (), _unquote(c[1]), self._span(meta))

    def symbol_decl(self, meta, c):
        if len(c) == 3:
            return s.SymbolDecl(str(c[0]), c[1], c[2], self._span(meta))
        return s.SymbolDecl(str(c[0]), None, c[1], self._span(meta))

    def static_assert_decl(self, meta, c):
        return s.StaticAssertDecl(c[0], _unquote(c[1]), self._span(meta))

    def var_decl(self, meta, c):
        return s.VarDecl(str(c[0]), c[1], self._span(meta))

    def init_decl(self, meta, c):
        return s.InitDecl(c[0], self._span(meta))

    def _callable_parts(self, c):
        name = str(c[0])
        rest = c[1:]
        variant = None
        if rest and isinstance(rest[0], tuple) and rest[0] and rest[0][0] == "variant":
            variant = rest[0][1]
            rest = rest[1:]
        params: tuple = ()
        if rest and isinstance(rest[0], list):
            params = tuple(rest[0])
            rest = rest[1:]
        return name, variant, params, rest

    def action_decl(self, meta, c):
        name, variant, params, rest = self._callable_parts(c)
        return s.ActionDecl(name, variant, params, rest[0], self._span(meta))

    def proc_decl(self, meta, c):
        name, variant, params, rest = self._callable_parts(c)
        return s.ProcDecl(name, variant, params, rest[0], self._span(meta))

    def fn_decl(self, meta, c):
        name, variant, params, rest = self._callable_parts(c)
        if isinstance(rest[1], tuple) and rest[1] and rest[1][0] == "fn_body":
            _, prelude, result = rest[1]
            return s.FnDecl(name, params, rest[0], result, prelude, self._span(meta), variant)
        return s.FnDecl(name, params, rest[0], rest[1], (), self._span(meta), variant)

    def fn_body(self, meta, c):
        return ("fn_body", tuple(c[:-1]), c[-1])

    def invariant_decl(self, meta, c):
        return s.InvariantDecl(str(c[0]), c[1], self._span(meta))

    def lemma_decl(self, meta, c):
        return s.InvariantDecl(str(c[0]), c[1], self._span(meta), lemma=True)

    def config_decl(self, meta, c):
        abstract = isinstance(c[0], Token) and c[0].type == "ABSTRACT"
        name, rest = str(c[abstract]), list(c[1 + abstract:])
        parent, parent_span = rest.pop(0)[1:] if rest and isinstance(rest[0], tuple) else (None, None)
        description = _unquote(rest.pop(0)) if rest and isinstance(rest[0], Token) and rest[0].type == "STRING" else ""
        return s.ConfigDecl(name, tuple(rest), self._span(meta), description, parent, parent_span, abstract)

    def config_parent(self, meta, c):
        return ("parent", str(c[1]), self._tok_span(c[1]))

    def config_const(self, meta, c):
        return s.ConfigConst(c[0], c[1], self._span(meta))

    def config_depth(self, meta, c):
        return s.ConfigDepth(c[1], self._span(meta))

    def config_key(self, meta, c):
        return str(c[0])

    def config_use(self, meta, c):
        return s.ConfigUse(str(c[1]), str(c[2]), self._span(meta))

    def config_disable(self, meta, c):
        return s.ConfigDisable(str(c[1]), self._span(meta))

    def config_enable(self, meta, c):
        return s.ConfigEnable(str(c[1]), self._span(meta))

    def config_expect(self, meta, c):
        target = _unquote(c[1]) if c[1].type == "STRING" else str(c[1])
        return s.ConfigExpect(target, str(c[2]), self._span(meta))

    def variant(self, meta, c):
        return ("variant", str(c[0]))

    def params(self, meta, c):
        return list(c)

    def param(self, meta, c):
        return s.Param(str(c[0]), c[1], self._span(meta))

    # types
    def named_type(self, meta, c):
        return s.NamedTypeExpr(str(c[0]), self._span(meta))

    def range_type(self, meta, c):
        return s.RangeTypeExpr(c[0], c[1], self._span(meta))

    def array_type(self, meta, c):
        return s.ArrayTypeExpr(c[0], c[1], self._span(meta))

    # statements
    def block(self, meta, c):
        return tuple(c)

    def let_stmt(self, meta, c):
        if len(c) == 3:
            return s.LetStmt(str(c[0]), c[1], c[2], self._span(meta))
        return s.LetStmt(str(c[0]), None, c[1], self._span(meta))

    def assign_stmt(self, meta, c):
        return s.AssignStmt(c[0], str(c[1]), c[2], self._span(meta))

    def if_stmt(self, meta, c):
        otherwise: tuple = ()
        if len(c) == 3:
            otherwise = c[2] if isinstance(c[2], tuple) else (c[2],)
        return s.IfStmt(c[0], c[1], otherwise, self._span(meta))

    def for_stmt(self, meta, c):
        return s.ForStmt(str(c[0]), c[1], c[2], self._span(meta))

    def require_stmt(self, meta, c):
        return s.RequireStmt(c[0], self._span(meta))

    def assert_stmt(self, meta, c):
        return s.AssertStmt(c[0], _unquote(c[1]), self._span(meta))

    def call_stmt(self, meta, c):
        args = tuple(c[1]) if len(c) > 1 else ()
        return s.CallStmt(str(c[0]), args, self._span(meta))

    def args(self, meta, c):
        return list(c)

    # expressions
    def quantifier(self, meta, c):
        return s.Quantifier(str(c[0]), tuple(c[1:-1]), c[-1], self._span(meta))

    def binder(self, meta, c):
        return s.Binder(str(c[0]), c[1], self._span(meta))

    def conditional(self, meta, c):
        return s.Conditional(c[0], c[1], c[2], self._span(meta))

    def implies_op(self, meta, c):
        return s.BinaryOp("=>", c[0], c[1], self._span(meta))

    def or_op(self, meta, c):
        return s.BinaryOp("||", c[0], c[1], self._span(meta))

    def and_op(self, meta, c):
        return s.BinaryOp("&&", c[0], c[1], self._span(meta))

    def bor_op(self, meta, c):
        return s.BinaryOp("|", c[0], c[1], self._span(meta))

    def bxor_op(self, meta, c):
        return s.BinaryOp("^", c[0], c[1], self._span(meta))

    def band_op(self, meta, c):
        return s.BinaryOp("&", c[0], c[1], self._span(meta))

    def _binary(self, meta, c):
        return s.BinaryOp(str(c[1]), c[0], c[2], self._span(meta))

    cmp_op = shift_op = add_op = mul_op = _binary

    def unary_op(self, meta, c):
        return s.UnaryOp(str(c[0]), c[1], self._span(meta))

    def field_access(self, meta, c):
        return s.FieldAccess(c[0], str(c[1]), self._span(meta))

    def index_access(self, meta, c):
        return s.IndexAccess(c[0], c[1], self._span(meta))

    def call(self, meta, c):
        args = tuple(c[1]) if len(c) > 1 else ()
        return s.Call(str(c[0]), args, self._span(meta))

    def number(self, meta, c):
        text = str(c[0])
        value = _number(text)
        if value is None:
            hint = "write decimal without leading zeros, 0x.. for hex or 0b.. for binary"
            raise SpecError([Diagnostic("MDC101", f"malformed number {text!r}", self._span(meta), hint)])
        return s.IntLit(value, text, self._span(meta))

    def true_lit(self, meta, c):
        return s.BoolLit(True, self._span(meta))

    def false_lit(self, meta, c):
        return s.BoolLit(False, self._span(meta))

    def name(self, meta, c):
        return s.Name(str(c[0]), self._span(meta))
