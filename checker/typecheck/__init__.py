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
from checker.frontend.diagnostics import fail, unknown_name
from checker.typecheck.declarations import Declarations, collect_declarations, configuration_names
from checker.typecheck.lowering import Lowering

__all__ = ["Declarations", "collect_declarations", "configuration_names", "lower"]


def lower(decls: Declarations, config: str, overrides: Mapping[str, int | bool] = {}) -> ir.Model:
    """The IR model of one configuration; `overrides` are -D NAME=VALUE from the command line."""
    if decls.configs and config not in decls.configs:
        raise unknown_name("configuration", config, None, decls.configs)
    if config in decls.configs and decls.configs[config].abstract:
        declared = decls.configs[config]
        raise fail("MDC205", f"configuration '{config}' is abstract: it is only a base for others to extend",
                   declared.span, hint="check a configuration that extends it, or drop 'abstract'")
    return Lowering(decls, decls.configs.get(config), config, overrides).model()
