"""`Lowering`: one configuration of a spec, lowered to an `ir.Model`."""
from __future__ import annotations

from typing import Mapping

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import Diagnostic
from checker.frontend.source import Span
from checker.typecheck.configuration import ConfigurationLowering
from checker.typecheck.declarations import Declarations, configuration_items
from checker.typecheck.expressions import ExpressionLowering
from checker.typecheck.recovery import ErrorLog
from checker.typecheck.statements import StatementLowering
from checker.typecheck.types import TypeLowering


class Lowering(ConfigurationLowering, TypeLowering, StatementLowering, ExpressionLowering):
    """The state of lowering one configuration: what is resolved so far and what is being resolved."""

    def __init__(self, decls: Declarations, config: s.ConfigDecl | None, config_name: str,
                 overrides: Mapping[str, int | bool],
                 config_items: tuple[tuple[str, s.ConfigItem], ...] | None = None):
        self.decls = decls
        self.config = config
        self.config_name = config_name
        # (who set it, item), ancestors' first; given only to lower again with some items left out
        self.config_items = configuration_items(decls, config_name) if config_items is None else config_items
        self.overrides = overrides
        self.const_values: dict[str, int | bool] = {}
        self.type_cache: dict[str, ir.Type] = {}
        self.fn_cache: dict[str, ir.FnDef] = {}
        self.proc_cache: dict[tuple[str, str | None], ir.ProcDef] = {}
        self.in_progress: list[str] = []
        self.inlined: dict[str, int] = {}  # "fn f" / "proc p": the bodies one call of it expands to
        self.inlining: list[int] = []     # per fn or proc being lowered: the bodies its calls expand to so far
        self.checks: dict[str, Span | None] = {}
        self.asserts: dict[str, Span | None] = {}
        self.variant_choice: dict[str, tuple[str, Span | None]] = {}
        self.disabled: dict[str, Span | None] = {}  # name -> the `disable` that left it out
        self.log = ErrorLog()  # the errors so far and the declarations that failed
        self.warnings: list[Diagnostic] = []  # lints: comparisons the types decide
