"""Text a kernel developer reads: counterexample traces and the summary table.

Everything here is deterministic: no timestamps, no absolute paths, sorted where the
order is not the spec's own. Times appear only in the summary and only when asked for.
"""
from __future__ import annotations

import re
from typing import Mapping

from checker import ir
from checker.engines.concrete.interp import FieldWrite, flatten, format_value, layout_cells, value_at
from checker.engines.concrete.replay import Evidence
from checker.engines.verdict import (
    CounterexampleToInduction,
    FoundInRun,
    HoldsToDepth,
    NotFound,
    PropertyResult,
    Proved,
    Trace,
    Unknown,
    Violated,
)
from checker.frontend.source import Span
from checker.reports.first_state import first_cells, first_state_lines, read_by

_INDEX = re.compile(r"\[[^\]]*\]")


def where(span: Span | None) -> str:
    return f"{span.path}:{span.line}" if span else "?"


class _Shown:
    """Values as a kernel developer reads them: hex, with symbol names for known addresses."""

    def __init__(self, symbols: tuple[ir.Symbol, ...]):
        self.symbols = sorted(symbols, key=lambda s: (s.value, s.name))

    def __call__(self, value: object, t: ir.Type) -> str:
        text = format_value(value, t)
        if isinstance(t, ir.BitsType) and t.width == ir.WORD_BITS and not t.signed and isinstance(value, int) and value:
            name = self.symbol(value)
            if name:
                text += f" <{name}>"
        return text

    def symbol(self, value: int) -> str | None:
        best = None
        for s in self.symbols:
            if s.value <= value < s.value + 64:
                best = s if best is None or s.value > best.value else best
        if best is None:
            return None
        offset = value - best.value
        return best.name if offset == 0 else f"{best.name}+{offset:#x}"


def _cells(model: ir.Model, state: Mapping[str, object], shown: "_Shown") -> list[tuple[str, str]]:
    out = []
    for name, t in model.state:
        out.extend((path, shown(v, vt)) for path, v, vt in flatten(state[name], t, name))
    return out


def _written_fields(model: ir.Model, writes: tuple[FieldWrite, ...], before: Mapping[str, object],
                    after: Mapping[str, object], shown: "_Shown") -> tuple[list[tuple[str, str, str]], set[str]]:
    """Changes of layout fields named as the action wrote them, and the base cells they cover."""
    lines: list[tuple[str, str, str]] = []
    covered: set[str] = set()
    shown_writes: list[FieldWrite] = []
    types = dict(model.state)
    for w in reversed(writes):  # the last write to some bits names them
        if any(s.root == w.root and s.positions == w.positions and s.field.overlaps(w.field)
               for s in shown_writes):
            continue
        shown_writes.append(w)
    for w in reversed(shown_writes):
        f = w.field
        mask = (1 << f.width) - 1
        old = (value_at(before[w.root], w.positions)[f.word] >> f.bit) & mask  # type: ignore[index]
        new = (value_at(after[w.root], w.positions)[f.word] >> f.bit) & mask  # type: ignore[index]
        layout = _layout_at(types[w.root], w.positions)
        for label, cell in layout_cells(layout):
            if cell == f.word if isinstance(cell, int) else cell.overlaps(f):
                covered.add(f"{w.owner}.{label}")
        if old != new:
            t = f.type
            label = w.name + (f" (word {f.word})" if f.view != w.layout else "")
            lines.append((label, shown(old, t), shown(new, t)))
    return lines, covered


def _layout_at(t: ir.Type, positions: tuple) -> ir.LayoutType:
    for position in positions:
        if isinstance(t, ir.ArrayType):
            t = t.elem
        elif isinstance(t, ir.RecordType):
            t = t.fields[position][1]
    assert isinstance(t, ir.LayoutType)
    return t


def _grouped(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Collapse `pages[0].x = v ... pages[7].x = v` into `pages[*].x = v`."""
    groups: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    for path, value in cells:
        key = _INDEX.sub("[*]", path)
        if key not in groups:
            order.append(key)
            groups[key] = []
        groups[key].append((path, value))
    out = []
    for key in order:
        members = groups[key]
        if len(members) > 1 and len({v for _, v in members}) == 1:
            out.append((key, members[0][1]))
        else:
            out.extend(members)
    return out


def _raw_word_lines(model: ir.Model, before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """`pages[3] raw: ...` for every layout value whose words changed in a step."""
    out = []
    for name, t in model.state:
        for path, old, new in _layout_values(name, t, before[name], after[name]):
            if old != new:
                out.append(f"    {path} raw: " + " ".join(f"{w:016x}" for w in new))  # type: ignore[union-attr]
    return out


def _layout_values(path: str, t: ir.Type, old: object, new: object) -> list[tuple[str, object, object]]:
    if isinstance(t, ir.LayoutType):
        return [(path, old, new)]
    if isinstance(t, ir.ArrayType):
        out = []
        for i, o, n in zip(ir.domain_values(t.index), old, new):  # type: ignore[call-overload]
            out.extend(_layout_values(f"{path}[{format_value(i, t.index)}]", t.elem, o, n))
        return out
    if isinstance(t, ir.RecordType):
        out = []
        for (fname, ft), o, n in zip(t.fields, old, new):  # type: ignore[call-overload]
            out.extend(_layout_values(f"{path}.{fname}", ft, o, n))
        return out
    return []


def render_trace(model: ir.Model, result: PropertyResult, evidence: Evidence, raw_words: bool = False,
                 full_state: bool = False) -> str:
    return render_shared_trace(model, [(result, evidence)], raw_words, full_state)


def render_shared_trace(model: ir.Model, broken: list[tuple[PropertyResult, Evidence]], raw_words: bool = False,
                        full_state: bool = False) -> str:
    """One counterexample and every property it breaks (the same steps, the same depth)."""
    result, evidence = broken[0]
    verdict = result.verdict
    assert isinstance(verdict, Violated)
    trace: Trace = verdict.trace
    if isinstance(verdict, FoundInRun):
        found = f"{outcome_text(result)} (a random run, not necessarily the shortest)"
    else:
        found = f"VIOLATED at depth {verdict.depth}"
    if len(broken) == 1:
        prop = result.prop
        header = f"{prop.kind} '{prop.name}' {found} ({_expectation(result)})"
    else:
        kinds = {r.prop.expect for r, _ in broken}
        named = ", ".join(f"{r.prop.kind} '{r.prop.name}'" + ("" if len(kinds) == 1 else f" ({_expectation(r)})")
                          for r, _ in broken)
        header = f"{len(broken)} properties {found} by one trace" + \
            (f" ({_expectation(result)})" if len(kinds) == 1 else "") + f": {named}"
    lines = [f"--- {result.config}: {header} ---", "step 0: init"]
    lines.extend(_run_lines(model, trace, evidence, raw_words, full_state, [e for _, e in broken]))
    shown = _Shown(model.symbols)
    for r, e in broken:
        lines.extend(_failure_lines(r.prop, e, shown))
    dumped: set[str] = set()
    for _, e in broken:
        lines.extend(_dump_pages(model, trace, e, dumped))
    return "\n".join(lines)


def _expectation(result: PropertyResult) -> str:
    return "expected" if result.prop.expect == "violated" else "UNEXPECTED"


def render_cti(model: ir.Model, cti: CounterexampleToInduction, prop: ir.Property, evidence: Evidence,
               raw_words: bool = False) -> str:
    """A counterexample to induction, rendered like a trace from a state that may be unreachable."""
    others = [n for n in cti.broken if n != prop.name]
    lines = [f"--- {model.config}: {prop.kind} '{prop.name}' NOT PROVED: counterexample to induction "
             f"(k={cti.k}) ---",
             f"step 0: a state in which every property checked holds ({len(cti.assumed)} of them), "
             "possibly unreachable"]
    lines.extend(_run_lines(model, cti.trace, evidence, raw_words, every_first_cell=True))
    lines.extend(_failure_lines(prop, evidence, _Shown(model.symbols)))
    if others:
        lines.append("the same step also breaks: " + ", ".join(f"'{n}'" for n in others))
    lines.append(f"hint: if no run from init reaches step 0's state, a lemma that is false there "
                 f"(`lemma NAME: ...` in the spec) lets k-induction prove '{prop.name}'; if one does, "
                 "BMC at a greater --depth will show the run")
    return "\n".join(lines)


def cti_summary(model: ir.Model, cti: CounterexampleToInduction, prop: ir.Property) -> str:
    """One line for a counterexample to induction, when it is not printed in full."""
    steps = " -> ".join(f"{s.action}({', '.join(f'{n}={v}' for n, v in s.args)})" for s in cti.trace.steps)
    broken = ", ".join(f"'{n}'" for n in cti.broken)
    return (f"{model.config}: not proved: {broken}: a counterexample to induction (k={cti.k}) through "
            f"{steps}; --show-cti prints it")


def _run_lines(model: ir.Model, trace: Trace, evidence: Evidence, raw_words: bool, full_state: bool = False,
               readers: list[Evidence] | None = None, every_first_cell: bool = False) -> list[str]:
    """The first state (what the steps and the property read, or all of it), then each
    step's action and what it changed (and with `full_state` the whole state after it)."""
    lines: list[str] = []
    actions = {a.name: a for a in model.actions}
    shown = _Shown(model.symbols)
    initial = _cells(model, trace.initial, shown)
    firsts = first_cells(model, trace.initial, evidence.init_writes, read_by(readers or [evidence]))
    lines.extend(first_state_lines(firsts, shown, full_state or every_first_cell, _grouped))
    before = dict(initial)
    previous_state = trace.initial
    naming = list(evidence.init_writes)  # the writes so far: the last names a word
    for number, step in enumerate(trace.steps, start=1):
        action = actions[step.action]
        arg_types = dict(action.params)
        args = ", ".join(f"{n}={shown(v, arg_types[n])}" for n, v in step.args)
        lines.append(f"step {number}: {step.action}({args})    [{where(action.span)}]")
        reached = step.state if step.state is not None else evidence.failure_state
        if reached is None:
            lines.append("    (fails before completing; see below)")
            continue
        after = _cells(model, reached, shown)
        writes = evidence.writes[number - 1] if number - 1 < len(evidence.writes) else ()
        naming.extend(writes)
        named, covered = _written_fields(model, writes, previous_state, reached, shown)
        previous_before = previous_state
        changed = named + [(p, before[p], v) for p, v in after if before[p] != v and p not in covered]
        previous_state = reached
        width = max((len(p) for p, _, _ in changed), default=0)
        for path, old, new in changed:
            lines.append(f"    {path:<{width}} : {old} -> {new}")
        if not changed and step.state is not None:
            lines.append("    (no state changed)")
        if raw_words:
            lines.extend(_raw_word_lines(model, previous_before, reached))
        if step.state is None:
            lines.append("    (fails before completing; see below)")
        elif full_state:
            lines.append(f"  state after step {number}:")
            lines.extend(first_state_lines(first_cells(model, reached, tuple(naming), frozenset()), shown, True,
                                           _grouped))
        before = dict(after)
    return lines


PAGE_LAYOUT = "page"
_OWNER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[([^\]]+)\]\.")


def _dump_pages(model: ir.Model, trace: Trace, evidence: Evidence, seen: set[str] | None = None) -> list[str]:
    """dump_page() of every `page`-layout element the failure read, as the kernel prints it."""
    paths = []
    if evidence.instance is not None:
        paths = [p for p, _, _ in evidence.instance.reads]
    paths += [d[0] for d in evidence.detail if isinstance(d, tuple)]
    state = evidence.failure_state if evidence.failure_state is not None else trace.final_state()
    types = dict(model.state)
    constants = dict(model.constants)
    out: list[str] = []
    seen = set() if seen is None else seen
    for path in paths:
        match = _OWNER.match(path)
        if not match or match.group(0) in seen:
            continue
        seen.add(match.group(0))
        var, index_text = match.groups()
        t = types.get(var)
        if not (isinstance(t, ir.ArrayType) and isinstance(t.elem, ir.LayoutType)
                and t.elem.name == PAGE_LAYOUT and isinstance(t.index, ir.IntType)):
            continue
        index = int(index_text)
        words = state[var][index - t.index.lo]  # type: ignore[index]
        pfn = constants.get("PFN_BASE", 0) + index  # type: ignore[operator]
        out.extend(dump_page(t.elem, words, pfn, evidence.prop.name))  # type: ignore[arg-type]
    return out


_PAGE_TYPES = {0xF0: "buddy", 0xF1: "offline", 0xF2: "table", 0xF3: "guard", 0xF4: "hugetlb", 0xF5: "slab",
               0xF6: "zsmalloc", 0xF7: "unaccepted", 0xF8: "large_kmalloc"}


def dump_page(layout: ir.LayoutType, words: tuple[int, ...], pfn: int, reason: str) -> list[str]:
    def field(name: str) -> int | None:
        f = layout.field(layout.name, name)
        return None if f is None else (words[f.word] >> f.bit) & ((1 << f.width) - 1)

    def signed32(v: int) -> int:
        return v - (1 << 32) if v >= 1 << 31 else v

    parts = []
    page_type = field("page_type")
    typed = page_type is not None and 0xF0 <= page_type >> 24 <= 0xFE
    if (refcount := field("_refcount")) is not None:
        parts.append(f"refcount:{signed32(refcount)}")
    if (mapcount := field("_mapcount")) is not None:
        parts.append(f"mapcount:{0 if typed else signed32(mapcount) + 1}")
    if (mapping := field("mapping")) is not None:
        parts.append(f"mapping:{mapping:016x}")
    if (index := field("__folio_index")) is not None:
        parts.append(f"index:{index:#x}")
    parts.append(f"pfn:{pfn:#x}")
    lines = ["page: " + " ".join(parts)]
    if (flags := field("flags")) is not None:
        lines.append(f"flags: {flags:#x}(zone={flags >> 62})")
    if typed:
        assert page_type is not None
        kind = _PAGE_TYPES.get(page_type >> 24, "unknown")
        lines.append(f"page_type: {page_type:#x}({kind})")
    if (memdesc := field("memdesc")) is not None:
        lines.append(f"memdesc {memdesc:x} index {index or 0:x}")
    for start in range(0, len(words), 4):
        lines.append("raw: " + " ".join(f"{w:016x}" for w in words[start:start + 4]))
    lines.append(f"page dumped because: {reason}")
    return lines


def _failure_lines(prop: ir.Property, evidence: Evidence, shown: "_Shown") -> list[str]:
    if prop.kind in ("invariant", "lemma"):
        lines = [f"{prop.kind} '{prop.name}' is false [{where(evidence.span)}]"]
        instance = evidence.instance
        if instance is not None:
            if instance.bindings:
                lines.append("    instance: " + ", ".join(f"{n} = {shown(v, t)}" for n, v, t in instance.bindings))
            if instance.reads:
                width = max(len(p) for p, _, _ in instance.reads)
                lines.append("    it reads:")
                lines.extend(f"        {p:<{width}} = {shown(v, t)}" for p, v, t in instance.reads)
        return lines
    what = "assert" if prop.kind == "assert" else "implicit check"
    lines = [f"{what} '{prop.name}' fails [{where(evidence.span)}]"]
    if len(evidence.calls) > 1:  # inside a proc or fn: the chain, innermost last, as an oops backtrace
        chain = " -> ".join(f"{name} [{where(span)}]" for name, span in evidence.calls)
        lines.append(f"    in: {chain} -> {what} [{where(evidence.span)}]")
    reads = [d for d in evidence.detail if isinstance(d, tuple)]
    lines.extend(f"    {d}" for d in evidence.detail if isinstance(d, str))
    if reads:
        width = max(len(p) for p, _, _ in reads)
        lines.append("    it reads:")
        lines.extend(f"        {p:<{width}} = {shown(v, t)}" for p, v, t in reads)
    return lines


def outcome_text(result: PropertyResult) -> str:
    match result.verdict:
        case FoundInRun(depth=step, run=run):
            return f"VIOLATED, found at step {step} of random run {run}"
        case Violated(depth=d):
            return f"VIOLATED at depth {d}"
        case HoldsToDepth(depth=d):
            return f"HOLDS to depth {d}"
        case Proved(engine=engine, k=k, frames=frames):
            extent = f", k={k}" if k is not None else f", {frames} frames" if frames is not None else ""
            return f"PROVED ({engine}{extent})"
        case Unknown(reason=reason, depth=d):
            return f"UNKNOWN ({reason}; clean to depth {d})" if d >= 0 else f"UNKNOWN ({reason})"
        case NotFound(runs=runs, steps=steps):
            return f"NOT FOUND in {runs} random runs of up to {steps} steps"
    raise AssertionError(result.verdict)


def render_summary(results: list[PropertyResult], timing: bool, simulation: bool = False,
                   unchecked: tuple[tuple[str, str], ...] = ()) -> str:
    """The table; a simulation's has a "found at step" column where the others have "depth".
    `unchecked` (configuration, invariant): the invariants configurations disable, a row each."""
    header = ["config", "property", "kind", "expected", "outcome", "found at step" if simulation else "depth", "result"]
    if timing:
        header.append("time")
    rows = []
    for r in results:
        status = "ok" if r.as_expected else ("UNKNOWN" if isinstance(r.verdict, Unknown) else
                                             "INCONCLUSIVE" if isinstance(r.verdict, NotFound) else "UNEXPECTED")
        outcome = outcome_text(r) if isinstance(r.verdict, Proved) else r.outcome
        row = [r.config, r.prop.name, r.prop.kind, r.prop.expect, outcome, _depth_cell(r), status]
        if timing:
            row.append(f"{r.seconds:.2f}s")
        rows.append(row)
    for config, name in unchecked:  # after the configuration's own rows
        at = max((i + 1 for i, row in enumerate(rows) if row[0] == config), default=len(rows))
        rows.insert(at, [config, name, "invariant", "-", "NOT CHECKED (disabled)", "-", "-"] + (["-"] if timing else []))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    return "\n".join(out)


def _depth_cell(result: PropertyResult) -> str:
    """VIOLATED: the counterexample's depth (simulation: the step of the random run); HOLDS:
    the depth checked; UNKNOWN: the depth checked clean before the solver stopped; PROVED:
    every depth."""
    match result.verdict:
        case FoundInRun(depth=step):
            return str(step)
        case Violated(depth=d) | HoldsToDepth(depth=d):
            return str(d)
        case Unknown(depth=d):
            return f"{d} clean" if d >= 0 else "-"
        case Proved():
            return "all"
        case NotFound():
            return "-"
    raise AssertionError(result.verdict)


def coverage_warning(config: str, goal: object, depth: int) -> str:
    """A coverage goal not met (an action never enabled, ...): the line the CLI prints and the
    pytest plugin's --strict item fails with."""
    return f"{config}: warning: {goal.describe()} within depth {depth} [{where(goal.span)}]"  # type: ignore[attr-defined]


def render_notes(result: PropertyResult) -> str | None:
    """One line for a property whose outcome needs explaining beyond the table."""
    prop = result.prop
    if prop.expect == "violated" and isinstance(result.verdict, NotFound):
        return (f"{result.config}: '{prop.name}' was expected to be violated but "
                f"{outcome_text(result).lower()}; random runs prove nothing [{where(prop.span)}]")
    if prop.expect == "violated" and isinstance(result.verdict, (HoldsToDepth, Proved)):
        return (f"{result.config}: '{prop.name}' was expected to be violated but "
                f"{outcome_text(result).lower()}; the bug no longer reproduces [{where(prop.span)}]")
    if isinstance(result.verdict, Unknown):
        return f"{result.config}: '{prop.name}' is UNKNOWN: {result.verdict.reason}; it is not reported as holding"
    return None
