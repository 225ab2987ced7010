"""Resolve names, fold constants, check types and lower one configuration to the IR.

Input: the syntax trees of a spec and its imports. Output: an `ir.Model` per
configuration, or a `SpecError` whose diagnostics point at the offending span.

`declarations` collects the names; `lowering.Lowering` lowers one configuration, its
concerns in `configuration`, `types`, `statements` and `expressions`; `scope` holds the
limits and the scope of local names.
"""
from __future__ import annotations

from typing import Mapping

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic, SpecError, fail, unknown_name
from checker.typecheck.attribution import Items, with_configuration_notes
from checker.typecheck.declarations import Declarations, collect_declarations, configuration_names
from checker.typecheck.lowering import Lowering

__all__ = ["Declarations", "collect_declarations", "configuration_names", "lower", "lower_with_warnings"]


def shown_expression(e: s.Expr) -> str:
    """A configuration's value as written, for a note: literals as such, else 'its value'."""
    match e:
        case s.IntLit(value=v):
            return str(v)
        case s.BoolLit(value=v):
            return "true" if v else "false"
        case s.UnaryOp(op="-", arg=s.IntLit(value=v)):
            return str(-v)
    return "a value"


def lower(decls: Declarations, config: str, overrides: Mapping[str, int | bool] = {}) -> ir.Model:
    """The IR model of one configuration; `overrides` are -D NAME=VALUE from the command line."""
    return lower_with_warnings(decls, config, overrides)[0]


def lower_with_warnings(decls: Declarations, config: str, overrides: Mapping[str, int | bool] = {}
                        ) -> tuple[ir.Model, tuple[Diagnostic, ...]]:
    """`lower`, and the lint warnings of the configuration (comparisons its types decide)."""
    if decls.configs and config not in decls.configs:
        raise unknown_name("configuration", config, None, decls.configs)
    declared = decls.configs.get(config)
    if declared is not None and declared.abstract:
        raise fail("MDC205", f"configuration '{config}' is abstract: it is only a base for others to extend",
                   declared.span, hint="check a configuration that extends it, or drop 'abstract'")
    lowering = Lowering(decls, declared, config, overrides)
    try:
        model = lowering.model()
    except SpecError as error:
        def again(items: Items, values: Mapping[str, int | bool]) -> ir.Model:
            return Lowering(decls, declared, config, values, items).model()
        raise SpecError(with_configuration_notes(error.diagnostics, again, lowering.config_items, config, overrides,
                                                 shown_expression)) from None
    return model, tuple(dict.fromkeys(lowering.warnings))
