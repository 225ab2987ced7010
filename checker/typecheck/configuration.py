"""The configuration's choices (variants, disables, constants, depth), the model's parts and the properties, and actions, fns and procs lowered from their declarations."""
from __future__ import annotations

from typing import Mapping

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import SpecError, did_you_mean, fail, type_mismatch, unknown_name
from checker.frontend.source import Span
from checker.typecheck.expressions import shown_constant
from checker.typecheck.scope import MAX_CONFIG_DEPTH, MAX_INLINED, MAX_STATE_LEAVES, Local, Scope


class ConfigurationLowering:
    """Part of `Lowering`: the configuration's choices (variants, disables, constants, depth), the model's parts and the properties, and actions, fns and procs lowered from their declarations."""

    # ---- configuration ----

    def model(self) -> ir.Model:
        """The configuration's model; every independent error of its declarations in one
        `SpecError` (see `recovery`), in the order the declarations are checked."""
        attempt = self.log.attempt
        self._read_config()
        self._evaluate_constants()
        for view in self.decls.views.values():
            attempt(lambda: self._view_layout(view), f"view {view.name}")
        for name, decl in self.decls.types.items():  # report a bad type even if nothing uses it
            attempt(lambda: self._named_type(name, decl.span))
        for check in self.decls.static_asserts:
            attempt(lambda: self._static_assert(check))
        symbols = attempt(self._symbols) or ()
        state = []
        for name, decl in self.decls.vars.items():
            resolved = attempt(lambda: self.resolve_type(decl.type_expr), f"var {name}")
            if resolved is not None:
                state.append((name, resolved))
        attempt(lambda: self._limit_state(state))
        init: list[ir.Stmt] = []
        for init_decl in self.decls.inits:
            init.extend(attempt(lambda: self.stmts(init_decl.body, Scope(can_write_state=True, context="init")))
                        or ())
        actions = []
        for name, variants in self.decls.actions.items():
            if name in self.disabled:
                continue
            made = attempt(lambda: self.action(variants[self._pick_variant(name, variants, "action")]))
            if made is not None:
                actions.append(made)
        invariants = []
        for name, d in self.decls.invariants.items():
            if name not in self.disabled:
                made = attempt(lambda: ir.Invariant(name, self.expect_bool(self.expr(d.body, Scope()), d.body),
                                                    d.span, d.lemma))
                if made is not None:
                    invariants.append(made)
        properties = attempt(lambda: self._properties(tuple(invariants)))
        depth = attempt(self._config_depth)
        self.log.raise_if_failed()
        constants = tuple(sorted(self.const_values.items()))
        assert properties is not None
        unchecked = tuple(name for name, d in self.decls.invariants.items() if name in self.disabled and not d.lemma)
        return ir.Model(self.config_name, constants, tuple(state), tuple(init), tuple(actions), tuple(invariants),
                        properties, tuple(symbols), depth, self.config.description if self.config else "",
                        unchecked=unchecked)

    def _view_layout(self, view: s.ViewDecl) -> None:
        layout = self.decls.types.get(view.layout)
        if not isinstance(layout, s.LayoutDecl):
            raise unknown_name("layout", view.layout, view.span,
                               [n for n, d in self.decls.types.items() if isinstance(d, s.LayoutDecl)])
        self._named_type(view.layout, view.span)

    def _limit_state(self, state: list[tuple[str, ir.Type]]) -> None:
        leaves = sum(ir.leaf_count(t) for _, t in state)
        if leaves > MAX_STATE_LEAVES:
            raise fail("MDC402", f"the state has {leaves} scalar cells with these constants; the limit "
                       f"is {MAX_STATE_LEAVES}", self.config.span if self.config else None,
                       hint="lower the constants that size the arrays")

    def _config_depth(self) -> int | None:
        items = [i for _, i in self.config_items if isinstance(i, s.ConfigDepth)]
        if not items:
            return None
        depth = self.const_int(items[-1].depth)
        if not 0 <= depth <= MAX_CONFIG_DEPTH:
            raise fail("MDC402", f"depth {depth}: a configuration's depth is 0 to {MAX_CONFIG_DEPTH}", items[-1].span)
        return depth

    def _static_assert(self, check: s.StaticAssertDecl) -> None:
        value = self.const_expr(check.cond)
        if not isinstance(value, bool):
            raise type_mismatch("a static_assert needs a condition", check.cond.span)
        if value:
            return
        notes: tuple = ()
        if isinstance(check.cond, s.BinaryOp):
            left, right = (shown_constant(self.const_expr(side)) for side in (check.cond.left, check.cond.right))
            notes = ((f"the left side is {left} and the right side is {right}", None),)
        raise fail("MDC308", f"static assertion failed: {check.message}", check.span, notes=notes)

    def _symbols(self) -> tuple[ir.Symbol, ...]:
        out: list[ir.Symbol] = []
        for decl in self.decls.symbols:
            out.extend(self.log.attempt(lambda: self._symbol(decl)) or ())
        return tuple(out)

    def _symbol(self, decl: s.SymbolDecl) -> list[ir.Symbol]:
        if decl.binder is None:
            self.log.check_usable(f"constant {decl.name}")
            value = self.const_values[decl.name]  # after -D and configuration overrides
            if isinstance(value, bool):
                raise type_mismatch(f"symbol '{decl.name}' needs an address, not a boolean", decl.span)
            return [ir.Symbol(decl.name, value & ((1 << 64) - 1))]
        out = []
        domain = self._check_domain(self.resolve_type(decl.binder.domain), decl.binder.domain.span)
        for v in ir.domain_values(domain):
            self.const_values[decl.binder.name] = v  # type: ignore[assignment]
            try:
                value = self.const_int(decl.value) & ((1 << 64) - 1)
            finally:
                del self.const_values[decl.binder.name]
            shown = v if not isinstance(domain, ir.EnumType) else domain.members[v]  # type: ignore[index]
            out.append(ir.Symbol(f"{decl.name}[{shown}]", value))
        return out

    def _read_config(self) -> None:
        for origin, item in self.config_items:
            key = f"variant {item.target}" if isinstance(item, s.ConfigUse) else None
            self.log.attempt(lambda: self._read_config_item(origin, item), key)

    def _read_config_item(self, origin: str, item: s.ConfigItem) -> None:
        """One item, set by configuration `origin` (this one, or one it extends)."""
        match item:
            case s.ConfigUse(target=target, variant=variant):
                table = (self.decls.actions.get(target) or self.decls.procs.get(target)
                         or self.decls.fns.get(target))
                if table is None:
                    raise unknown_name("action, proc or fn", target, item.span,
                                       list(self.decls.actions) + list(self.decls.procs) + list(self.decls.fns))
                if variant not in table:
                    options = ", ".join(sorted(str(v) for v in table if v))
                    raise fail("MDC207", f"'{target}' has no variant '{variant}'"
                               + (f"; it has: {options}" if options else "; it has no variants"), item.span,
                               hint=did_you_mean(variant, [v for v in table if v]))
                self.variant_choice[target] = (variant, item.span)
            case s.ConfigDisable(name=name):
                if name not in self.decls.actions and name not in self.decls.invariants:
                    raise unknown_name("action, invariant or lemma", name, item.span,
                                       list(self.decls.actions) + list(self.decls.invariants))
                self.disabled[name] = item.span
            case s.ConfigEnable(name=name):
                if name not in self.decls.actions and name not in self.decls.invariants:
                    raise unknown_name("action, invariant or lemma", name, item.span,
                                       list(self.decls.actions) + list(self.decls.invariants))
                if name not in self.disabled:
                    parent = self.decls.configs[origin].parent
                    raise fail("MDC212", f"configuration '{origin}' enables '{name}', which "
                               + (f"'{parent}' does not disable" if parent else
                                  "it does not disable (it extends no configuration)"), item.span,
                               hint="'enable' undoes a 'disable' the configuration inherits; everything "
                               "else is enabled already")
                del self.disabled[name]
            case s.ConfigConst(name=name):
                if name not in self.decls.consts:
                    raise unknown_name("constant", name, item.span, self.decls.consts)

    def _pick_variant(self, name: str, variants: Mapping[str | None, object], kind: str) -> str | None:
        self.log.check_usable(f"variant {name}")
        if name in self.variant_choice:
            return self.variant_choice[name][0]
        if len(variants) == 1:
            return next(iter(variants))
        options = ", ".join(sorted(str(v) for v in variants))
        where = self.config.span if self.config else next(iter(variants.values())).span  # type: ignore[attr-defined]
        raise fail("MDC207", f"{kind} '{name}' has variants ({options}) and configuration "
                   f"'{self.config_name}' does not choose one", where,
                   hint=f"add 'use {name} = <variant>' to the configuration")

    def _evaluate_constants(self) -> None:
        config_values = {item.name: (origin, item) for origin, item in self.config_items
                         if isinstance(item, s.ConfigConst)}
        for name in self.overrides:
            if name not in self.decls.consts:
                self.log.attempt(lambda: self._raise(unknown_name("constant", name, None, self.decls.consts)))
        for name, decl in self.decls.consts.items():
            self.log.attempt(lambda: self._evaluate_constant(name, decl, config_values.get(name)),
                             f"constant {name}")

    @staticmethod
    def _raise(error: SpecError) -> None:
        raise error

    def _evaluate_constant(self, name: str, decl: s.ConstDecl, configured: tuple[str, s.ConfigConst] | None) -> None:
        if name in self.overrides:
            default = self.const_expr(decl.value)
            given = self.overrides[name]
            if isinstance(default, bool) != isinstance(given, bool):
                kind = "a boolean" if isinstance(default, bool) else "an integer"
                raise fail("MDC401", f"-D {name}={str(given).lower()}: {name} is {kind} constant", None,
                           notes=((f"{name} is defined here", decl.span),))
            self.const_values[name] = given
        elif configured is not None:
            self.const_values[name] = self.const_expr(configured[1].value)
        else:
            self.const_values[name] = self.const_expr(decl.value)

    def _properties(self, invariants: tuple[ir.Invariant, ...]) -> tuple[ir.Property, ...]:
        found: dict[str, tuple[str, Span | None]] = {}
        for inv in invariants:
            found[inv.name] = ("lemma" if inv.lemma else "invariant", inv.span)
        for name, span in self.asserts.items():
            found.setdefault(name, ("assert", span))
        for name, span in self.checks.items():
            found.setdefault(name, ("check", span))
        expected: dict[str, tuple[str, s.ConfigExpect]] = {}  # property -> (who expects it, the expect)
        for origin, item in self.config_items:
            if isinstance(item, s.ConfigDisable) and expected.get(item.name, (origin,))[0] != origin:
                del expected[item.name]  # a disabled property drops the expectation inherited for it
            elif isinstance(item, s.ConfigExpect):
                expected[item.prop] = (origin, item)
        for _, item in expected.values():
            if item.prop not in found and item.prop in self.disabled:
                raise fail("MDC206", f"configuration '{self.config_name}' expects '{item.prop}', which it "
                           "disables", item.span, notes=((f"'{item.prop}' is disabled here",
                                                         self.disabled[item.prop]),),
                           hint=f"drop the expectation, or write 'enable {item.prop}'")
            if item.prop not in found and self.log.errors:
                continue  # the declaration that failed may have held it
            if item.prop not in found:
                raise fail("MDC206", f"configuration '{self.config_name}' expects '{item.prop}', "
                           "which is not a property of this configuration", item.span,
                           hint=did_you_mean(item.prop, found) or
                           "properties are invariants, assert names and implicit checks")
        return tuple(ir.Property(name, kind, expected[name][1].outcome if name in expected else "holds", span)
                     for name, (kind, span) in found.items())

    # ---- callables ----

    def action(self, decl: s.ActionDecl) -> ir.ActionDef:
        scope = Scope(can_write_state=True, context="action")
        params = []
        for p in decl.params:
            t = self.resolve_type(p.type_expr)
            if not isinstance(t, ir.BitsType):
                self._check_domain(t, p.type_expr.span)
            self._declare(scope, p.name, t, False, p.span)
            params.append((p.name, t))
        body = self.stmts(decl.body, scope)
        return ir.ActionDef(decl.name, decl.variant, tuple(params), tuple(body), decl.span)

    def fn(self, name: str, span: Span | None) -> ir.FnDef:
        if name in self.fn_cache:
            return self.fn_cache[name]
        if name in self.in_progress:
            raise fail("MDC208", f"fn '{name}' calls itself; mdcheck inlines calls, so recursion is not allowed",
                       span)
        return self.log.settle(f"fn {name}", lambda: self._fn(name))

    def _fn(self, name: str) -> ir.FnDef:
        variants = self.decls.fns[name]
        variant = self._pick_variant(name, variants, "fn")
        decl = variants[variant]
        self.in_progress.append(name)
        self.inlining.append(0)
        try:
            scope = Scope()
            params = []
            for p in decl.params:
                t = self.resolve_type(p.type_expr)
                self._declare(scope, p.name, t, False, p.span)
                params.append((p.name, t))
            result = self.resolve_type(decl.result)
            body = self.fn_body(decl, scope, result)
        finally:
            self.in_progress.pop()
            expansion = 1 + self.inlining.pop()
        self._limit_inlining("fn", name, expansion, decl.span)
        made = ir.FnDef(name, tuple(params), result, body, decl.span, variant)
        self.fn_cache[name] = made
        return made

    def fn_body(self, decl: s.FnDecl, scope: Scope, result: ir.Type) -> ir.Expr:
        """A fn's lets and asserts, nested around its result expression."""
        prelude: list[tuple[str, object]] = []
        for st in decl.prelude:
            match st:
                case s.LetStmt(name=lname, type_expr=te, value=value):
                    v = self.expr(value, scope)
                    if te is not None:
                        v = self.coerce(v, self.resolve_type(te), value.span, f"range_{lname}")
                    self._declare(scope, lname, v.type, False, st.span)
                    prelude.append(("let", (lname, v, st.span)))
                case s.AssertStmt(cond=cond, name=prop):
                    c = self.expect_bool(self.expr(cond, scope), cond)
                    self.asserts.setdefault(prop, st.span)
                    prelude.append(("assert", ir.Check(prop, c, st.span)))
                case _:
                    raise fail("MDC303", "a fn body holds only 'let' and 'assert' before 'return'; "
                               "use a proc to change state", st.span)
        body = self.coerce(self.expr(decl.body, scope), result, decl.body.span, f"range_{decl.name}")
        for kind, item in reversed(prelude):
            if kind == "let":
                lname, v, span = item  # type: ignore[misc]
                body = ir.LetIn(lname, v, body, body.type, span)
            else:
                body = ir.Checked(item, body, body.type, item.span)  # type: ignore[arg-type, union-attr]
        return body

    def proc(self, name: str, span: Span | None) -> ir.ProcDef:
        if name in self.in_progress:
            raise fail("MDC208", f"proc '{name}' calls itself; mdcheck inlines calls, so recursion is not "
                       "allowed", span)
        return self.log.settle(f"proc {name}", lambda: self._proc(name))

    def _proc(self, name: str) -> ir.ProcDef:
        variants = self.decls.procs[name]
        variant = self._pick_variant(name, variants, "proc")
        key = (name, variant)
        if key in self.proc_cache:
            return self.proc_cache[key]
        decl = variants[variant]
        self.in_progress.append(name)
        self.inlining.append(0)
        try:
            scope = Scope(can_write_state=True, context="proc")
            params = []
            for p in decl.params:
                t = self.resolve_type(p.type_expr)
                self._declare(scope, p.name, t, False, p.span)
                params.append((p.name, t))
            body = self.stmts(decl.body, scope)
        finally:
            self.in_progress.pop()
            expansion = 1 + self.inlining.pop()
        self._limit_inlining("proc", name, expansion, decl.span)
        made = ir.ProcDef(name, variant, tuple(params), tuple(body), decl.span)
        self.proc_cache[key] = made
        return made

    def _limit_inlining(self, kind: str, name: str, expansion: int, span: Span | None) -> None:
        """Every call is inlined: a body that calls another twice, nested forty deep, would
        expand to 2**40 bodies. Refuse it here, not after hours of encoding."""
        if expansion > MAX_INLINED:
            raise fail("MDC402", f"{kind} '{name}' expands to {expansion} {kind} bodies when its calls are "
                       f"inlined (mdcheck inlines every call); at most {MAX_INLINED}", span,
                       hint="compute the value once with `let` and use it twice, instead of calling the fn twice"
                       if kind == "fn" else None)
        self.inlined[f"{kind} {name}"] = expansion

    def inline_call(self, kind: str, name: str, scope: Scope) -> None:
        """Count a call of `name` towards the expansion of the fn or proc being lowered."""
        if self.inlining:
            self.inlining[-1] += scope.unrolled * self.inlined[f"{kind} {name}"]

    def _declare(self, scope: Scope, name: str, t: ir.Type, mutable: bool, span: Span | None) -> None:
        if name in self.decls.vars or name in self.decls.consts or name in self.decls.enum_members:
            raise fail("MDC202", f"'{name}' shadows a global name", span,
                       hint="pick another name for the local")
        if name in scope.locals:
            raise fail("MDC202", f"'{name}' is already a local here", span,
                       hint="pick another name; locals cannot be redeclared or shadowed")
        scope.locals[name] = Local(t, mutable)

    def _args(self, callee: str, params: tuple[tuple[str, ir.Type], ...], args: tuple[s.Expr, ...],
              scope: Scope, span: Span | None) -> tuple[ir.Expr, ...]:
        if len(args) != len(params):
            raise fail("MDC302", f"'{callee}' takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                       f"{len(args)} given", span)
        return tuple(self.coerce(self.expr(a, scope), t, a.span, f"range_{callee}_{pname}")
                     for a, (pname, t) in zip(args, params))
