"""The C names of a spec's layouts, views and constants, for `mdcheck layout-check`.

Lowered from the spec's own definitions (no configuration, no -D): the model as written
is what is compared with the compiler. A layout or view is compared when it, or for a
view its layout, says `ctype "..."`; its fields without a `cname` are looked up by their
own names. A constant is compared when it says `cname "..."`.
"""
from __future__ import annotations

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import fail
from checker.typecheck.declarations import Declarations
from checker.typecheck.lowering import Lowering


def c_bindings(decls: Declarations) -> ir.CBindings:
    lowering = Lowering(decls, None, "default", {})
    lowering._evaluate_constants()
    structs: list[ir.CStruct] = []
    for name, decl in decls.types.items():
        if not isinstance(decl, s.LayoutDecl):
            continue
        layout = lowering.resolve_type(s.NamedTypeExpr(name, decl.span))
        assert isinstance(layout, ir.LayoutType)
        views = [(name, decl.fields, decl.c, decl.span)] + [
            (v.name, v.fields, v.c, v.span) for v in decls.views.values() if v.layout == name]
        for view, declared, own, span in views:
            c = own or decl.c
            if c is None:
                _no_c_type(view, declared)
                continue
            fields = tuple(_field(layout.field(view, f.name), f) for f in declared)
            size = layout.words * 8 if view == name else (
                max((f.word * 8 + (f.bit + f.width + 7) // 8 for f in fields), default=0) if own else None)
            structs.append(ir.CStruct(view, name, _c_name(c), size, fields, c.span or span))
    consts = []
    for name, const in decls.consts.items():
        if const.c is None:
            continue
        if const.c.kind == "padding":
            raise fail("MDC309", f"constant '{name}' cannot be padding; say which enumerator it mirrors "
                       "with cname", const.c.span)
        value = lowering.const_values[name]
        if isinstance(value, bool):
            raise fail("MDC309", f"constant '{name}' is a boolean; cname names an enumerator", const.c.span)
        consts.append(ir.CConst(name, value, _c_name(const.c), const.c.span or const.span))
    return ir.CBindings(tuple(structs), tuple(consts))


def _no_c_type(view: str, declared: tuple[s.LayoutField, ...]) -> None:
    for f in declared:
        if f.c is not None:
            raise fail("MDC309", f"field '{view}.{f.name}' names a C member, but '{view}' names no C type",
                       f.c.span, hint='say which type it models: `layout NAME[N] ctype "struct NAME" {` '
                                      'or `view NAME of LAYOUT ctype "struct NAME" {`')


def _field(lowered: ir.LayoutField | None, f: s.LayoutField) -> ir.CField:
    assert lowered is not None
    c = _c_name(f.c) if f.c is not None else ir.CName("member", (f.name,))
    return ir.CField(f.name, lowered.word, lowered.bit, lowered.width, c, f.c.span if f.c else f.span)


def _c_name(c: s.CName) -> ir.CName:
    return ir.CName(c.kind, c.names, c.reason)
