"""What a bounded search should be able to reach, so that "it holds" is not vacuous:

- every action is enabled in some reachable state (an action that never is checks nothing);
- every assert statement is reached (it lies on some good path of an enabled action);
- every invariant `forall ...: P => Q` has a reachable state where some instance of P holds
  (otherwise it holds only because its premise never does).

The goals are IR; BMC (`bmc.cover`) finds the shortest depth at which each can be met.
"""
from __future__ import annotations

from dataclasses import dataclass

from checker import ir
from checker.frontend.source import Span


@dataclass(frozen=True)
class Goal:
    kind: str                 # 'action' | 'assert' | 'premise'
    name: str                 # the action, the assert's property, or the invariant
    span: Span | None         # where it is in the spec
    premise: ir.Expr | None = None  # for 'premise': exists <binders>: P

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.kind, self.name, self.span.path if self.span else "", self.span.line if self.span else 0)

    def describe(self) -> str:
        if self.kind == "action":
            return f"action '{self.name}' is never enabled"
        if self.kind == "assert":
            return f"assert '{self.name}' is never reached"
        return f"the premise of invariant '{self.name}' is never true"


def goals(model: ir.Model) -> tuple[Goal, ...]:
    out: list[Goal] = [Goal("action", a.name, a.span) for a in model.actions]
    seen: set[tuple] = set()
    for action in model.actions:
        for stmt in _asserts(action.body):
            goal = Goal("assert", stmt.prop, stmt.span)
            if goal.key not in seen:
                seen.add(goal.key)
                out.append(goal)
    for inv in model.invariants:
        for premise in _premises(inv.body, []):
            out.append(Goal("premise", inv.name, inv.span, premise))
    return tuple(out)


def _asserts(stmts: tuple[ir.Stmt, ...]) -> list[ir.Assert]:
    out: list[ir.Assert] = []
    for stmt in stmts:
        match stmt:
            case ir.Assert():
                out.append(stmt)
            case ir.If(then=then, otherwise=otherwise):
                out += _asserts(then) + _asserts(otherwise)
            case ir.For(body=body):
                out += _asserts(body)
            case ir.ProcCall(proc=proc):
                out += _asserts(proc.body)
    return out


def _premises(e: ir.Expr, binders: list[tuple[str, ir.FiniteType]]) -> list[ir.Expr]:
    """`exists <binders>: P` for each implication P => Q under foralls and conjunctions."""
    match e:
        case ir.Quant(kind="forall", var=var, domain=domain, body=body):
            return _premises(body, binders + [(var, domain)])
        case ir.Binary(op="and", left=left, right=right):
            return _premises(left, binders) + _premises(right, binders)
        case ir.Binary(op="implies", left=left):
            premise = left
            for var, domain in reversed(binders):
                premise = ir.Quant("exists", var, domain, premise, ir.BoolType())
            return [premise]
    return []


def negation(e: ir.Expr) -> ir.Expr:
    return ir.Unary("not", e, ir.BoolType())
