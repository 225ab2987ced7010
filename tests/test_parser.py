"""Parser tests: every declaration kind, operator precedence, literals, comments,
optional semicolons, and spans that point at the line of the `.md` file.

Expected trees are written out by hand from checker/frontend/grammar.lark. AST nodes compare
without their spans (checker/frontend/syntax.py), so spans are checked explicitly where they
matter.
"""
from __future__ import annotations

import pytest

from checker.frontend import syntax as s
from checker.frontend.diagnostics import SpecError
from checker.frontend.loader import load_spec
from checker.frontend.parser import parse_block
from checker.frontend.source import extract_blocks

FENCE = "```"


# ---------------------------------------------------------------------------
# helpers

def parse_md(text: str, path: str = "t.md") -> list:
    """Every declaration of every ```mdcheck block of a Markdown text."""
    document = extract_blocks(path, text)
    return [decl for block in document.blocks for decl in parse_block(block)]


def parse(model: str) -> list:
    """The declarations of one block holding `model`."""
    return parse_md(f"{FENCE}mdcheck\n{model}\n{FENCE}\n")


def expr(source: str) -> s.Expr:
    (decl,) = parse(f"const X = {source}")
    assert isinstance(decl, s.ConstDecl)
    return decl.value


def syntax_error(model: str):
    with pytest.raises(SpecError) as info:
        parse(model)
    (diagnostic,) = info.value.diagnostics
    return diagnostic


def N(name: str) -> s.Name:
    return s.Name(name)


def I(value: int, text: str | None = None) -> s.IntLit:
    return s.IntLit(value, str(value) if text is None else text)


def B(op: str, left, right) -> s.BinaryOp:
    return s.BinaryOp(op, left, right)


def U(op: str, arg) -> s.UnaryOp:
    return s.UnaryOp(op, arg)


def C(cond, then, otherwise) -> s.Conditional:
    return s.Conditional(cond, then, otherwise)


def Q(kind: str, binders, body) -> s.Quantifier:
    return s.Quantifier(kind, tuple(s.Binder(name, domain) for name, domain in binders), body)


def T(name: str) -> s.NamedTypeExpr:
    return s.NamedTypeExpr(name)


def R(lo, hi) -> s.RangeTypeExpr:
    return s.RangeTypeExpr(lo, hi)


def assign(target, value, op: str = "=") -> s.AssignStmt:
    return s.AssignStmt(target, op, value)


TRUE, FALSE = s.BoolLit(True), s.BoolLit(False)
a, b, c, d, e, f, g = (N(x) for x in "abcdefg")
p, q, r, x, n = (N(v) for v in "pqrxn")


# ---------------------------------------------------------------------------
# declarations

def test_const():
    assert parse("const NPAGES = 8") == [s.ConstDecl("NPAGES", I(8))]


def test_type_declarations():
    decls = parse(
        "type Pfn = 0..NPAGES - 1\n"
        "type Word = u64\n"
        "type Table = [Pfn] [0..3] bool\n"
        "type Signed = -(2 * N)..2 * N\n"
    )
    assert decls == [
        s.TypeDecl("Pfn", R(I(0), B("-", N("NPAGES"), I(1)))),
        s.TypeDecl("Word", T("u64")),
        s.TypeDecl("Table", s.ArrayTypeExpr(T("Pfn"), s.ArrayTypeExpr(R(I(0), I(3)), T("bool")))),
        s.TypeDecl("Signed", R(U("-", B("*", I(2), N("N"))), B("*", I(2), N("N")))),
    ]


def test_enum_with_and_without_trailing_comma():
    assert parse("enum Owner { BUDDY, CALLER, PAGETABLE, }\nenum One { ONLY }") == [
        s.EnumDecl("Owner", ("BUDDY", "CALLER", "PAGETABLE")),
        s.EnumDecl("One", ("ONLY",)),
    ]


def test_record_fields_separated_by_newline_comma_or_semicolon():
    decls = parse(
        "record Page {\n"
        "    flags: u64\n"
        "    refcount: -2..2,\n"
        "    owner: Owner;\n"
        "    slots: [0..3] bool\n"
        "}\n"
        "record Empty {}\n"
    )
    assert decls == [
        s.RecordDecl("Page", (
            s.FieldDecl("flags", T("u64")),
            s.FieldDecl("refcount", R(U("-", I(2)), I(2))),
            s.FieldDecl("owner", T("Owner")),
            s.FieldDecl("slots", s.ArrayTypeExpr(R(I(0), I(3)), T("bool"))),
        )),
        s.RecordDecl("Empty", ()),
    ]


def test_var():
    assert parse("var pages: [Pfn] Page\nvar nr: 0..8") == [
        s.VarDecl("pages", s.ArrayTypeExpr(T("Pfn"), T("Page"))),
        s.VarDecl("nr", R(I(0), I(8))),
    ]


def test_init_with_every_statement_kind():
    decls = parse(
        "init {\n"
        "    let a = 1\n"
        "    let b: 0..3 = a + 1\n"
        "    x = a\n"
        "    pages[a].flags |= 0x40\n"
        "    for p in Pfn {\n"
        "        require p != a\n"
        "    }\n"
        "    assert x == 1, \"x is one\"\n"
        "    take(a, 2)\n"
        "    reset()\n"
        "}\n"
    )
    assert decls == [s.InitDecl((
        s.LetStmt("a", None, I(1)),
        s.LetStmt("b", R(I(0), I(3)), B("+", a, I(1))),
        assign(x, a),
        assign(s.FieldAccess(s.IndexAccess(N("pages"), a), "flags"), I(0x40, "0x40"), "|="),
        s.ForStmt("p", T("Pfn"), (s.RequireStmt(B("!=", p, a)),)),
        s.AssertStmt(B("==", x, I(1)), "x is one"),
        s.CallStmt("take", (a, I(2))),
        s.CallStmt("reset", ()),
    ))]


@pytest.mark.parametrize("op", ["=", "+=", "-=", "|=", "&=", "^="])
def test_assignment_operators(op):
    assert parse(f"init {{ x {op} 1 }}") == [s.InitDecl((assign(x, I(1), op),))]


def test_if_else_if_else():
    decls = parse(
        "init {\n"
        "    if a == 1 {\n"
        "        x = 1\n"
        "    } else if a == 2 {\n"
        "        x = 2\n"
        "    } else {\n"
        "        x = 3\n"
        "    }\n"
        "    if p {}\n"
        "}\n"
    )
    assert decls == [s.InitDecl((
        s.IfStmt(B("==", a, I(1)), (assign(x, I(1)),), (
            s.IfStmt(B("==", a, I(2)), (assign(x, I(2)),), (assign(x, I(3)),)),
        )),
        s.IfStmt(p, (), ()),
    ))]


def test_action_without_variant():
    decls = parse(
        "action alloc_pages(order: Order, head: Pfn) {\n"
        "    require block_is_free(head, order)\n"
        "}\n"
    )
    assert decls == [s.ActionDecl(
        "alloc_pages", None,
        (s.Param("order", T("Order")), s.Param("head", T("Pfn"))),
        (s.RequireStmt(s.Call("block_is_free", (N("head"), N("order")))),),
    )]


def test_action_without_params():
    assert parse("action tick() { x += 1 }\naction idle() {}") == [
        s.ActionDecl("tick", None, (), (assign(x, I(1), "+="),)),
        s.ActionDecl("idle", None, (), ()),
    ]


def test_action_with_variant():
    assert parse(
        "action step[as_posted](i: 0..1) { x = i }\n"
        "action step[fixed]() {}\n"
    ) == [
        s.ActionDecl("step", "as_posted", (s.Param("i", R(I(0), I(1))),), (assign(x, N("i")),)),
        s.ActionDecl("step", "fixed", (), ()),
    ]


def test_proc_with_and_without_variant():
    assert parse(
        "proc free_block[as_posted](head: Pfn, order: Order) { x = head }\n"
        "proc reset() { x = 0 }\n"
    ) == [
        s.ProcDecl("free_block", "as_posted", (s.Param("head", T("Pfn")), s.Param("order", T("Order"))),
                   (assign(x, N("head")),)),
        s.ProcDecl("reset", None, (), (assign(x, I(0)),)),
    ]


def test_fn_with_expression_body():
    assert parse(
        "fn block_size(order: Order): 1..4 = 1 << order\n"
        "fn always(): bool = true;\n"
    ) == [
        s.FnDecl("block_size", (s.Param("order", T("Order")),), R(I(1), I(4)), B("<<", I(1), N("order"))),
        s.FnDecl("always", (), T("bool"), TRUE),
    ]


def test_fn_with_block_body():
    decls = parse(
        "fn page_ptdesc(p: Pfn): PtId {\n"
        "    let offset = pages[p].memdesc - BASE\n"
        "    assert offset >= 0, \"page_ptdesc: in range\";\n"
        "    return PtId(int(offset))\n"
        "}\n"
    )
    offset = N("offset")
    assert decls == [s.FnDecl(
        "page_ptdesc", (s.Param("p", T("Pfn")),), T("PtId"),
        s.Call("PtId", (s.Call("int", (offset,)),)),
        (
            s.LetStmt("offset", None, B("-", s.FieldAccess(s.IndexAccess(N("pages"), p), "memdesc"), N("BASE"))),
            s.AssertStmt(B(">=", offset, I(0)), "page_ptdesc: in range"),
        ),
    )]


def test_fn_with_block_body_and_no_prelude():
    assert parse("fn f(a: 0..3, b: 0..3): bool { return a < b; }") == [
        s.FnDecl("f", (s.Param("a", R(I(0), I(3))), s.Param("b", R(I(0), I(3)))), T("bool"), B("<", a, b)),
    ]


def test_invariant():
    assert parse("invariant bounded: x <= 8\ninvariant named_2: true;") == [
        s.InvariantDecl("bounded", B("<=", x, I(8))),
        s.InvariantDecl("named_2", TRUE),
    ]


def test_config_with_every_item_kind():
    decls = parse(
        "config as_posted {\n"
        "    NPAGES = 4 * 2\n"
        "    use write_block = as_posted\n"
        "    disable free_pages\n"
        "    expect tail_tagged violated\n"
        "    expect \"page_ptdesc: in range\" holds\n"
        "}\n"
    )
    assert decls == [s.ConfigDecl("as_posted", (
        s.ConfigConst("NPAGES", B("*", I(4), I(2))),
        s.ConfigUse("write_block", "as_posted"),
        s.ConfigDisable("free_pages"),
        s.ConfigExpect("tail_tagged", "violated"),
        s.ConfigExpect("page_ptdesc: in range", "holds"),
    ))]


def test_config_items_with_semicolons_and_empty_config():
    decls = parse(
        "config c { NPAGES = 4; use w = fixed; disable f; expect ok holds; }\n"
        "config default {}\n"
    )
    assert decls == [
        s.ConfigDecl("c", (
            s.ConfigConst("NPAGES", I(4)),
            s.ConfigUse("w", "fixed"),
            s.ConfigDisable("f"),
            s.ConfigExpect("ok", "holds"),
        )),
        s.ConfigDecl("default", ()),
    ]


def test_config_sets_constants_named_like_config_keywords():
    # use/disable/expect are not reserved words, so constants may bear those names, and
    # a configuration sets a constant with NAME = expr.
    assert parse("const use = 1\nconst expect = 2\nconfig c {\n    use = 3\n    expect = 4\n}") == [
        s.ConstDecl("use", I(1)),
        s.ConstDecl("expect", I(2)),
        s.ConfigDecl("c", (s.ConfigConst("use", I(3)), s.ConfigConst("expect", I(4)))),
    ]


def test_config_extends_enable_and_abstract():
    decls = parse(
        'abstract config base "the base" { disable f }\n'
        'config child extends base "what it reproduces" {\n'
        '    enable f\n'
        '    enable = 2\n'
        '}\n'
        'config bare extends child {}\n'
    )
    assert decls == [
        s.ConfigDecl("base", (s.ConfigDisable("f"),), description="the base", abstract=True),
        s.ConfigDecl("child", (s.ConfigEnable("f"), s.ConfigConst("enable", I(2))), description="what it reproduces",
                     parent="base"),
        s.ConfigDecl("bare", (), parent="child"),
    ]
    assert decls[1].parent_span is not None and decls[1].parent_span.col == 22  # under 'base'


def test_extends_abstract_and_enable_are_not_reserved_words():
    assert parse("const extends = 1\nconst abstract = 2\nconst enable = 3") == [
        s.ConstDecl("extends", I(1)), s.ConstDecl("abstract", I(2)), s.ConstDecl("enable", I(3))]


def test_fn_with_a_variant():
    (decl,) = parse("fn cap[tight](): 0..9 = 3")
    assert decl == s.FnDecl("cap", (), s.RangeTypeExpr(I(0), I(9)), I(3), variant="tight")


def test_import_by_name_and_by_path():
    assert parse('import page_alloc\nimport "../models/page_alloc.md";') == [
        s.ImportDecl("page_alloc"),
        s.ImportDecl("../models/page_alloc.md"),
    ]


def test_string_escapes_in_assert_and_expect():
    decls = parse(
        'init { assert x == 0, "a \\"quoted\\" name" }\n'
        'config c { expect "a \\"quoted\\" name" violated }\n'
    )
    assert decls[0] == s.InitDecl((s.AssertStmt(B("==", x, I(0)), 'a "quoted" name'),))
    assert decls[1] == s.ConfigDecl("c", (s.ConfigExpect('a "quoted" name', "violated"),))


def test_non_ascii_text_in_strings_is_kept():
    # Property names are free text; a UTF-8 spec may name them in any language.
    decls = parse('init { assert x == 0, "café: zéro" }\nconfig c { expect "café: zéro" holds }')
    assert decls[0].body[0].name == "café: zéro"
    assert decls[1].items[0].prop == "café: zéro"


@pytest.mark.parametrize("name", [
    "format", "in_use", "summary", "counter", "types", "iffy", "letter", "init_done",
    "used", "disabled", "expected", "constant", "truest", "falsey", "exists_flag", "returned",
    # not reserved (README, "The language"): keywords only inside a config
    "use", "disable", "expect", "holds", "violated",
])
def test_names_that_start_with_a_keyword(name):
    assert parse(f"var {name}: bool\ninit {{ {name} = true }}\ninvariant ok: {name}") == [
        s.VarDecl(name, T("bool")),
        s.InitDecl((assign(N(name), TRUE),)),
        s.InvariantDecl("ok", N(name)),
    ]


# ---------------------------------------------------------------------------
# expressions and precedence

@pytest.mark.parametrize("source, tree", [
    # bitwise operators bind tighter than comparisons (unlike C)
    ("a & 1 == 1", B("==", B("&", a, I(1)), I(1))),
    ("a == b & 1", B("==", a, B("&", b, I(1)))),
    ("a | b != 0", B("!=", B("|", a, b), I(0))),
    # | below ^ below & below shifts below + below *
    ("a | b ^ c & d", B("|", a, B("^", b, B("&", c, d)))),
    ("a & b | c", B("|", B("&", a, b), c)),
    ("a | b | c", B("|", B("|", a, b), c)),
    ("a & b << 2", B("&", a, B("<<", b, I(2)))),
    ("a << b + 1", B("<<", a, B("+", b, I(1)))),
    ("a >> 1 << 2", B("<<", B(">>", a, I(1)), I(2))),
    ("a + b * c - d", B("-", B("+", a, B("*", b, c)), d)),
    ("a - b - c", B("-", B("-", a, b), c)),
    ("a / b % c", B("%", B("/", a, b), c)),
    ("(a + b) * c", B("*", B("+", a, b), c)),
    # unary operators bind tightest
    ("-a * b", B("*", U("-", a), b)),
    ("~a & b", B("&", U("~", a), b)),
    ("!p && q", B("&&", U("!", p), q)),
    ("!!p", U("!", U("!", p))),
    ("- -a", U("-", U("-", a))),
    ("-a[0]", U("-", s.IndexAccess(a, I(0)))),
    # comparisons below bitwise, above && above ||
    ("a < b && c >= d", B("&&", B("<", a, b), B(">=", c, d))),
    ("p && q || r && x", B("||", B("&&", p, q), B("&&", r, x))),
    ("p || q || r", B("||", B("||", p, q), r)),
    # => is right-associative, below ||, above ?:
    ("p || q => r", B("=>", B("||", p, q), r)),
    ("p => q => r", B("=>", p, B("=>", q, r))),
    ("p => q && r", B("=>", p, B("&&", q, r))),
    ("p => q ? a : b", C(B("=>", p, q), a, b)),
    ("c ? a : d ? e : f", C(c, a, C(d, e, f))),
    ("c ? d ? e : f : g", C(c, C(d, e, f), g)),
    ("c ? p => q : r", C(c, B("=>", p, q), r)),
    ("c ? a : p => q", C(c, a, B("=>", p, q))),
    # literals, postfix, calls
    ("true && !false", B("&&", TRUE, U("!", FALSE))),
    ("pages[p].memdesc", s.FieldAccess(s.IndexAccess(N("pages"), p), "memdesc")),
    ("a.b[c].d", s.FieldAccess(s.IndexAccess(s.FieldAccess(a, "b"), c), "d")),
    ("f()", s.Call("f", ())),
    ("f(a, b + 1)", s.Call("f", (a, B("+", b, I(1))))),
    ("f(a)[0]", s.IndexAccess(s.Call("f", (a,)), I(0))),
    ("u64(a) | 1", B("|", s.Call("u64", (a,)), I(1))),
])
def test_precedence(source, tree):
    assert expr(source) == tree


@pytest.mark.parametrize("source, tree", [
    # the body of a quantifier extends as far right as it can
    ("x && forall i in T: a && b", B("&&", x, Q("forall", [("i", T("T"))], B("&&", a, b)))),
    ("p => forall i in T: q => r", B("=>", p, Q("forall", [("i", T("T"))], B("=>", q, r)))),
    ("forall i in T: p ? a : b", Q("forall", [("i", T("T"))], C(p, a, b))),
    ("exists i in T: p || q", Q("exists", [("i", T("T"))], B("||", p, q))),
    ("n == sum t in T: (a ? 1 : 0)", B("==", n, Q("sum", [("t", T("T"))], C(a, I(1), I(0))))),
    ("n == count t in T: p && q", B("==", n, Q("count", [("t", T("T"))], B("&&", p, q)))),
    # parentheses end it
    ("(forall i in T: p) && q", B("&&", Q("forall", [("i", T("T"))], p), q)),
    # several binders, range domains
    ("forall i in T, j in 0..N - 1: i == j => p",
     Q("forall", [("i", T("T")), ("j", R(I(0), B("-", N("N"), I(1))))],
       B("=>", B("==", N("i"), N("j")), p))),
    ("forall i in T: exists j in T: p", Q("forall", [("i", T("T"))], Q("exists", [("j", T("T"))], p))),
])
def test_quantifiers(source, tree):
    assert expr(source) == tree


def test_quantifier_body_ends_at_the_next_declaration():
    assert parse("invariant a1: forall i in T: p\ninvariant a2: q") == [
        s.InvariantDecl("a1", Q("forall", [("i", T("T"))], p)),
        s.InvariantDecl("a2", q),
    ]


@pytest.mark.parametrize("source", ["a < b < c", "a == b == c", "a < b == c"])
def test_comparisons_do_not_chain(source):
    assert syntax_error(f"const X = {source}").code == "MDC101"


# ---------------------------------------------------------------------------
# literals

@pytest.mark.parametrize("text, value", [
    ("0", 0),
    ("42", 42),
    ("1_000_000", 1_000_000),
    ("0xff", 255),
    ("0XfF", 255),
    ("0xffff_8881_00a0_0000", 0xFFFF_8881_00A0_0000),
    ("0xffffffffffffffff", 2**64 - 1),
    ("0b1010", 10),
    ("0B1_0000", 16),
    ("0b0", 0),
])
def test_number_literals(text, value):
    assert expr(text) == s.IntLit(value, text)


@pytest.mark.parametrize("text", ["0x_", "0b_", "010", "08"])
def test_malformed_number_is_a_syntax_error(text):
    # Must be reported as a spec error, never escape as a Python exception.
    with pytest.raises(SpecError) as info:
        parse(f"const X = {text}")
    assert info.value.diagnostics[0].code in ("MDC101", "MDC102")


# ---------------------------------------------------------------------------
# comments, semicolons, layout

def test_comments():
    decls = parse(
        "// leading comment\n"
        "const A = 1 // trailing comment\n"
        "# hash comment\n"
        "const B = 0x10 # trailing hash comment\n"
        "invariant ok: A == 1 // between operands\n"
        "    && B == 16   # end\n"
    )
    assert decls == [
        s.ConstDecl("A", I(1)),
        s.ConstDecl("B", I(16, "0x10")),
        s.InvariantDecl("ok", B("&&", B("==", N("A"), I(1)), B("==", N("B"), I(16)))),
    ]


def test_comment_markers_inside_strings_are_text():
    assert parse('init { assert x == 0, "see #42 // here" }') == [
        s.InitDecl((s.AssertStmt(B("==", x, I(0)), "see #42 // here"),)),
    ]


def test_semicolons_are_optional():
    with_semicolons = parse(
        "import m;\n"
        "const A = 1;\n"
        "type T = 0..A;\n"
        "var x: T;\n"
        "init { x = 0; let y = 1; require y == 1; assert x == 0, \"zero\"; reset(); }\n"
        "fn f(): bool = true;\n"
        "invariant ok: x == 0;\n"
        "config c { A = 1; use r = v; disable a; expect ok holds; }\n"
    )
    without = parse(
        "import m\n"
        "const A = 1\n"
        "type T = 0..A\n"
        "var x: T\n"
        "init { x = 0 let y = 1 require y == 1 assert x == 0, \"zero\" reset() }\n"
        "fn f(): bool = true\n"
        "invariant ok: x == 0\n"
        "config c { A = 1 use r = v disable a expect ok holds }\n"
    )
    assert with_semicolons == without
    assert len(without) == 8


def test_newlines_are_insignificant():
    spread = parse("invariant\n  ok\n  :\n  x\n  ==\n  1\n")
    assert spread == parse("invariant ok: x == 1")


# ---------------------------------------------------------------------------
# spans

def test_spans_map_to_lines_of_the_md_file():
    text = (
        "# Title\n"                       # 1
        "\n"                              # 2
        "Some prose about the model.\n"   # 3
        "\n"                              # 4
        "More prose,\n"                   # 5
        "over two lines.\n"               # 6
        "\n"                              # 7
        "The constants:\n"                # 8
        "```mdcheck\n"                    # 9
        "const A = 1\n"                   # 10: first line of the block
        "const B = 2\n"                   # 11
        "const C = 300\n"                 # 12: third line of the block
        "```\n"                           # 13
    )
    decls = parse_md(text)
    assert [decl.span.line for decl in decls] == [10, 11, 12]
    literal = decls[2].value
    assert literal == I(300)
    assert (literal.span.path, literal.span.line, literal.span.col) == ("t.md", 12, 11)
    assert (literal.span.end_line, literal.span.end_col) == (12, 14)
    assert (decls[2].span.line, decls[2].span.col) == (12, 1)


def test_spans_in_a_later_block_and_across_lines():
    text = (
        "```mdcheck\n"        # 1
        "const A = 1\n"       # 2
        "```\n"               # 3
        "\n"                  # 4
        "Prose.\n"            # 5
        "\n"                  # 6
        "```mdcheck\n"        # 7
        "var x: 0..A\n"       # 8
        "invariant ok:\n"     # 9
        "    x <= A\n"        # 10
        "```\n"               # 11
    )
    const, var, inv = parse_md(text)
    assert const.span.line == 2
    assert (var.span.line, var.span.col) == (8, 1)
    rng = var.type_expr.span
    assert (rng.line, rng.col, rng.end_line, rng.end_col) == (8, 8, 8, 12)
    assert (inv.span.line, inv.span.end_line) == (9, 10)
    assert (inv.body.span.line, inv.body.span.col) == (10, 5)
    assert (inv.body.right.span.line, inv.body.right.span.col) == (10, 10)


def test_statement_spans_inside_an_action():
    text = (
        "# Actions\n"               # 1
        "\n"                        # 2
        "```mdcheck\n"              # 3
        "action a(i: 0..3) {\n"     # 4
        "    if i == 1 {\n"         # 5
        "        x = i\n"           # 6
        "    }\n"                   # 7
        "}\n"                       # 8
        "```\n"                     # 9
    )
    (action,) = parse_md(text)
    (if_stmt,) = action.body
    assert (action.params[0].span.line, action.params[0].span.col) == (4, 10)
    assert (if_stmt.span.line, if_stmt.span.col, if_stmt.span.end_line) == (5, 5, 7)
    assign_stmt = if_stmt.then[0]
    assert (assign_stmt.span.line, assign_stmt.span.col) == (6, 9)
    assert (assign_stmt.value.span.line, assign_stmt.value.span.col) == (6, 13)


def test_equality_ignores_spans():
    first = parse("const A = 1")
    second = parse_md("# x\n\n\n```mdcheck\n\n   const A = 1\n```\n")
    assert first == second
    assert first[0].span != second[0].span
    assert (second[0].span.line, second[0].span.col) == (6, 4)


def test_syntax_error_points_at_the_md_line():
    text = (
        "# T\n"              # 1
        "\n"                 # 2
        "```mdcheck\n"       # 3
        "const A = 1\n"      # 4
        "const B = = 2\n"    # 5: second '=' at column 11
        "```\n"
    )
    with pytest.raises(SpecError) as info:
        parse_md(text)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "MDC101"
    assert (diagnostic.span.path, diagnostic.span.line, diagnostic.span.col) == ("t.md", 5, 11)


def test_unexpected_end_of_block():
    assert syntax_error("init {\n    x = 1\n").code == "MDC103"
    assert syntax_error("const A =").code == "MDC103"


def test_unexpected_character():
    diagnostic = syntax_error("const A = 3 $ 4")
    assert diagnostic.code == "MDC102"
    assert (diagnostic.span.line, diagnostic.span.col) == (2, 13)


def test_load_spec_keeps_file_path_and_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.md").write_text(
        "# Spec\n"           # 1
        "\n"                 # 2
        "```mdcheck\n"       # 3
        "var x: 0..3\n"      # 4
        "```\n"              # 5
        "\n"                 # 6
        "```mdcheck\n"       # 7
        "invariant ok:\n"    # 8
        "    x < 4\n"        # 9
        "```\n"              # 10
    )
    spec = load_spec("spec.md")
    (module,) = spec.modules
    var, inv = module.decls
    assert (var.span.path, var.span.line) == ("spec.md", 4)
    literal = inv.body.right
    assert literal == I(4)
    assert (literal.span.path, literal.span.line, literal.span.col) == ("spec.md", 9, 9)
    assert spec.texts.line("spec.md", 9) == "    x < 4"


def test_only_mdcheck_fences_hold_the_model():
    text = (
        "```c\n"                    # 1
        "int x;\n"                  # 2
        "```\n"                     # 3
        "\n"                        # 4
        "~~~mdcheck\n"              # 5
        "const A = 1\n"             # 6
        "~~~\n"                     # 7
        "\n"                        # 8
        "````markdown\n"            # 9: a quoted example, not model
        "```mdcheck\n"              # 10
        "const B = 2\n"             # 11
        "```\n"                     # 12
        "````\n"                    # 13
        "\n"                        # 14
        "```mdcheck title=\"x\"\n"  # 15
        "const C = 3\n"             # 16
        "```\n"                     # 17
        "\n"                        # 18
        "    ```mdcheck\n"          # 19: indented four spaces: an indented code block
        "    const D = 4\n"         # 20
        "    ```\n"                 # 21
        "\n"                        # 22
        "```mdcheck-example\n"      # 23: README examples, not model
        "const E = 5\n"             # 24
        "```\n"                     # 25
    )
    decls = parse_md(text)
    assert decls == [s.ConstDecl("A", I(1)), s.ConstDecl("C", I(3))]
    assert [decl.span.line for decl in decls] == [6, 16]


def test_columns_of_a_fence_inside_a_list_item():
    # CommonMark strips the list item's indentation from the block's content; spans must
    # still give the column of the .md file, where the caret is drawn.
    text = (
        "- The constant:\n"    # 1
        "\n"                   # 2
        "  ```mdcheck\n"       # 3
        "  const A = 300\n"    # 4: '300' starts at column 13 of the file
        "  ```\n"              # 5
    )
    (decl,) = parse_md(text)
    assert decl == s.ConstDecl("A", I(300))
    assert (decl.value.span.line, decl.value.span.col) == (4, 13)
