"""Statements and assignment targets."""
from __future__ import annotations

from checker import ir
from checker.frontend import syntax as s
from checker.frontend.diagnostics import fail, type_mismatch, unknown_name
from checker.typecheck.scope import Scope


class StatementLowering:
    """Part of `Lowering`: statements and assignment targets."""

    # ---- statements ----

    def stmts(self, body: tuple[s.Stmt, ...], scope: Scope) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in body:
            out.extend(self.stmt(stmt, scope))
        return out

    def stmt(self, st: s.Stmt, scope: Scope) -> list[ir.Stmt]:
        match st:
            case s.LetStmt(name=name, type_expr=te, value=value):
                v = self.expr(value, scope)
                if te is not None:
                    t = self.resolve_type(te)
                    v = self.coerce(v, t, value.span, f"range_{name}")
                else:
                    t = v.type
                self._declare(scope, name, t, te is not None, st.span)
                return [ir.Let(name, v, st.span)]
            case s.AssignStmt(target=target, op=op, value=value):
                tgt = self.target(target, scope)
                v = self.expr(value, scope)
                if op != "=":
                    current = self.expr(target, scope)
                    v = self.binary(op[:-1], current, v, st.span)
                root = tgt.root
                target_type = self.expr(target, scope).type
                v = self.coerce(v, target_type, value.span, f"range_{root}")
                check = None
                if isinstance(v, ir.Convert) and isinstance(target_type, ir.IntType) \
                        and isinstance(v.arg.type, ir.IntType):  # an int resize: the Assign checks the range
                    check, v = v.check, v.arg
                return [ir.Assign(tgt, v, check, st.span)]
            case s.IfStmt(cond=cond, then=then, otherwise=otherwise):
                c = self.expect_bool(self.expr(cond, scope), cond)
                return [ir.If(c, tuple(self.stmts(then, scope.child())),
                              tuple(self.stmts(otherwise, scope.child())), st.span)]
            case s.ForStmt(var=var, domain=domain, body=body):
                d = self._check_domain(self.resolve_type(domain), domain.span)
                inner = scope.nested(ir.domain_size(d), st.span)
                self._declare(inner, var, d, False, st.span)
                return [ir.For(var, d, tuple(self.stmts(body, inner)), st.span)]
            case s.RequireStmt(cond=cond):
                return [ir.Require(self.expect_bool(self.expr(cond, scope), cond), st.span)]
            case s.AssertStmt(cond=cond, name=name):
                self.asserts.setdefault(name, st.span)
                return [ir.Assert(self.expect_bool(self.expr(cond, scope), cond), name, st.span)]
            case s.CallStmt(callee=callee, args=args):
                if callee in self.decls.procs:
                    if not scope.can_write_state:
                        raise fail("MDC303", f"proc '{callee}' changes state and cannot be called here", st.span)
                    proc = self.proc(callee, st.span)
                    self.inline_call("proc", callee, scope)
                    return [ir.ProcCall(proc, self._args(callee, proc.params, args, scope, st.span), st.span)]
                if callee in self.decls.fns:
                    raise fail("MDC303", f"'{callee}' is a fn: it computes a value and cannot stand as a "
                               "statement", st.span, hint=f"use it in an expression, e.g. 'let x = {callee}(...)'")
                if callee in self.decls.actions:
                    raise fail("MDC303", f"'{callee}' is an action; actions are chosen by the checker, not "
                               "called", st.span, hint="move the shared steps into a proc")
                raise unknown_name("proc", callee, st.span, self.decls.procs)
        raise AssertionError(st)

    def target(self, e: s.Expr, scope: Scope) -> ir.Target:
        path: list[ir.FieldStep | ir.IndexStep | ir.BitsStep] = []
        node = e
        while not isinstance(node, s.Name):
            if isinstance(node, s.FieldAccess):
                base = self.expr(node.base, scope, view_ok=True)
                if isinstance(base.type, (ir.LayoutType, ir.ViewType)):
                    access = self._layout_access(base, node.field_name, node.span)
                    if not isinstance(access, ir.BitsOf):
                        raise fail("MDC303", "a view cannot be assigned as a whole; assign its fields",
                                   node.span)
                    path.append(ir.BitsStep(access.field))
                    node = node.base
                    if isinstance(base, ir.ViewOf):
                        assert isinstance(node, s.FieldAccess)
                        node = node.base
                    continue
                path.append(ir.FieldStep(node.field_name))
                node = node.base
            elif isinstance(node, s.IndexAccess):
                base = self.expr(node.base, scope)
                if not isinstance(base.type, ir.ArrayType):
                    raise type_mismatch(f"cannot index a value of type {base.type}", node.span)
                index, bounds = self.index(node.index, base.type, scope, self._root_name(node))
                path.append(ir.IndexStep(index, base.type, bounds))
                node = node.base
            else:
                raise fail("MDC303", "only variables, their fields and elements can be assigned", e.span)
        name = node.name
        path.reverse()
        if name in scope.locals:
            local = scope.locals[name]
            if not local.mutable:
                raise fail("MDC303", f"'{name}' cannot be assigned", node.span,
                           hint=f"parameters and untyped lets are fixed; declare 'let {name}: <type> = ...' "
                                "to make a local you can assign")
            return ir.Target(name, False, tuple(path), local.type, e.span)
        if name in self.decls.vars:
            self.log.check_usable(f"var {name}")
            if not scope.can_write_state:
                raise fail("MDC303", f"state variable '{name}' cannot be assigned in {scope.context}s", node.span)
            return ir.Target(name, True, tuple(path), self.resolve_type(self.decls.vars[name].type_expr), e.span)
        if name in self.decls.consts:
            raise fail("MDC303", f"'{name}' is a constant and cannot be assigned", node.span)
        raise unknown_name("variable", name, node.span, list(scope.locals) + list(self.decls.vars))

    def _root_name(self, e: s.Expr) -> str:
        while not isinstance(e, s.Name):
            if isinstance(e, (s.FieldAccess, s.IndexAccess)):
                e = e.base
            else:
                return "array"
        return e.name
