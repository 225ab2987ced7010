"""The initial states of a model, enumerated without a solver.

`init` runs on a "havoc" state: whatever the memory held before. BMC leaves those values
free; an explicit engine has to list every initial state instead. Running `init` once per
possible havoc value is hopeless (a page is 512 bits), but `init` usually writes what it
later reads, so the havoc values that matter are few.

This module finds them lazily: `init` runs in the interpreter on a state whose unwritten
cells are placeholders. A placeholder that is copied is fine; one whose value is used (an
operation, a comparison, an index, a branch) raises `_HavocRead`, and the enumeration then
re-runs `init` once per value of that cell. Layout words track which of their bits are
known, so writing a 4-bit field of an unwritten word leaves the other 60 bits free
without reading them. Cells still unwritten at the end are part of the initial state and
are enumerated too. The result is exact: every initial state `init` can produce, once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from checker import ir
from checker.engines.concrete.interp import Blocked, Violation, run_init

Cell = tuple[str, tuple[int, ...]]  # state variable, positions into it (a word index last, for layouts)

FULL = (1 << ir.WORD_BITS) - 1
MAX_ENUMERATED_BITS = 16  # a free cell of more bits than this cannot be enumerated


class _HavocRead(Exception):
    def __init__(self, cell: Cell, t: ir.Type, unknown: int = 0):
        super().__init__(cell)
        self.cell = cell
        self.type = t
        self.unknown = unknown  # for a layout word: the bits the computation needed


def _used(self: "_Unset", *_: object) -> object:
    raise _HavocRead(self.cell, self.type)


class _Unset:
    """A scalar cell init has not written; any use of its value raises _HavocRead."""
    __slots__ = ("cell", "type")

    def __init__(self, cell: Cell, t: ir.Type):
        self.cell = cell
        self.type = t

    for _op in ("eq ne lt le gt ge bool index int hash add radd sub rsub mul rmul floordiv rfloordiv mod "
                "rmod and rand or ror xor rxor lshift rlshift rshift rrshift neg pos invert abs").split():
        locals()[f"__{_op}__"] = _used
    del _op


def _word_used(self: "_PartWord", *_: object) -> object:
    raise _HavocRead(self.cell, ir.BitsType(ir.WORD_BITS), FULL & ~self.known)


class _PartWord:
    """A 64-bit layout word of which only the `known` bits are settled (by writes, masks or shifts).

    Supports what the interpreter does to words: `& mask`, `| bits` and `>> n`. Anything
    else needs the unknown bits and raises _HavocRead naming them.
    """
    __slots__ = ("cell", "known", "bits", "shift")

    def __init__(self, cell: Cell, known: int, bits: int, shift: int = 0):
        self.cell = cell
        self.known = known  # in the word's own bit positions
        self.bits = bits
        self.shift = shift  # the value seen is the word shifted right by this much

    def _settled(self, known: int, bits: int, shift: int) -> "int | _PartWord":
        if known & FULL == FULL:
            return bits >> shift
        return _PartWord(self.cell, known, bits, shift)

    def __and__(self, mask: object) -> "int | _PartWord":
        if not isinstance(mask, int):
            _word_used(self)
        in_word = (mask << self.shift) & FULL  # type: ignore[operator]
        return self._settled((self.known | ~in_word) & FULL, self.bits & in_word, self.shift)

    __rand__ = __and__

    def __or__(self, value: object) -> "int | _PartWord":
        if not isinstance(value, int):
            _word_used(self)
        in_word = (value << self.shift) & FULL  # type: ignore[operator]
        return self._settled(self.known | in_word, self.bits | in_word, self.shift)

    __ror__ = __or__

    def __rshift__(self, n: object) -> "int | _PartWord":
        if not isinstance(n, int) or n < 0:
            _word_used(self)
        shift = self.shift + n  # type: ignore[operator]
        dropped = (1 << shift) - 1 if shift < ir.WORD_BITS else FULL
        return self._settled(self.known | dropped, self.bits & ~dropped, shift)

    for _op in ("eq ne lt le gt ge bool index int hash add radd sub rsub mul rmul floordiv rfloordiv mod "
                "rmod xor rxor lshift rlshift rrshift neg pos invert abs").split():
        locals()[f"__{_op}__"] = _word_used
    del _op


class TooManyInitialStates(Exception):
    """The cells init leaves free (or reads before writing) have too many values to list."""

    def __init__(self, cell: str, detail: str):
        super().__init__(f"{cell}: {detail}")
        self.cell = cell
        self.detail = detail


@dataclass(frozen=True)
class InitialState:
    havoc: dict[str, object]   # concrete values before init (unread cells as their type's first value)
    state: dict[str, object] | None  # None when init failed
    failure: Violation | None = None


def initial_states(model: ir.Model, limit: int, on_run: Callable[[], None] | None = None) -> Iterator[InitialState]:
    """Every distinct outcome of init: initial states, and init's assert / check failures.

    Raises TooManyInitialStates when more than `limit` havoc assignments would be needed.
    `on_run` is called before each run of init (most runs may yield nothing: a clock to look at).
    """
    types = dict(model.state)
    pending: list[dict[Cell, object]] = [{}]  # a value per scalar cell, (known, bits) per word
    tried = 0
    seen_states: set[tuple] = set()
    while pending:
        fixed = pending.pop()
        tried += 1
        if on_run is not None:
            on_run()
        havoc = {name: _placeholder(name, (), t, fixed) for name, t in model.state}
        try:
            state = run_init(model, havoc)
        except _HavocRead as read:
            pending.extend(_expansions(read.cell, read.type, read.unknown, fixed, types, limit, tried + len(pending)))
            continue
        except Blocked:
            continue
        except Violation as failure:
            yield InitialState(_concrete(havoc, types), None, failure)
            continue
        free = _first_free(state)
        if free is not None:
            cell, t, unknown = free
            pending.extend(_expansions(cell, t, unknown, fixed, types, limit, tried + len(pending)))
            continue
        key = tuple(state[name] for name, _ in model.state)
        if key not in seen_states:
            seen_states.add(key)
            yield InitialState(_concrete(havoc, types), state)


def _expansions(cell: Cell, t: ir.Type, unknown: int, fixed: dict[Cell, object], types: dict[str, ir.Type],
                limit: int, so_far: int) -> list[dict[Cell, object]]:
    if isinstance(t, ir.BitsType) and cell_is_word(cell, types):
        positions = [b for b in range(ir.WORD_BITS) if unknown >> b & 1]
        if len(positions) > MAX_ENUMERATED_BITS or so_far + (1 << len(positions)) > limit:
            raise TooManyInitialStates(cell_name(cell, types),
                                       f"init leaves {len(positions)} bits of this word unwritten, and the "
                                       f"explicit engine enumerates at most {MAX_ENUMERATED_BITS} free bits per cell")
        known, bits = fixed.get(cell, (0, 0))  # type: ignore[misc]
        options = []
        for n in range(1 << len(positions)):
            value = sum(1 << b for i, b in enumerate(positions) if n >> i & 1)
            options.append({**fixed, cell: (known | unknown, bits | value)})
    else:
        if isinstance(t, ir.BitsType) and t.width > MAX_ENUMERATED_BITS:
            raise TooManyInitialStates(cell_name(cell, types),
                                       f"init leaves this u{t.width} free, and the explicit engine enumerates "
                                       f"at most {MAX_ENUMERATED_BITS}-bit free cells")
        count = t.mask + 1 if isinstance(t, ir.BitsType) else ir.domain_size(t)
        if so_far + count > limit:
            raise TooManyInitialStates(cell_name(cell, types),
                                       f"enumerating what init leaves free needs more than {limit} runs of init")
        values = range(count) if isinstance(t, ir.BitsType) else ir.domain_values(t)  # type: ignore[arg-type]
        options = [{**fixed, cell: v} for v in values]
    if so_far + len(options) > limit:
        raise TooManyInitialStates(cell_name(cell, types),
                                   f"enumerating what init leaves free needs more than {limit} runs of init")
    return options  # type: ignore[return-value]


def cell_is_word(cell: Cell, types: dict[str, ir.Type]) -> bool:
    t = types[cell[0]]
    for position in cell[1]:
        if isinstance(t, ir.LayoutType):
            return True
        t = t.elem if isinstance(t, ir.ArrayType) else t.fields[position][1]  # type: ignore[union-attr]
    return False


def cell_name(cell: Cell, types: dict[str, ir.Type]) -> str:
    name, positions = cell
    t = types[name]
    for position in positions:
        if isinstance(t, ir.LayoutType):
            return f"{name}.word{position}"
        if isinstance(t, ir.ArrayType):
            index = ir.domain_values(t.index)[position]
            name += f"[{'true' if index is True else 'false' if index is False else index}]"
            t = t.elem
        else:
            assert isinstance(t, ir.RecordType)
            name += f".{t.fields[position][0]}"
            t = t.fields[position][1]
    return name


def _placeholder(name: str, positions: tuple[int, ...], t: ir.Type, fixed: dict[Cell, object]) -> object:
    cell = (name, positions)
    if isinstance(t, ir.RecordType):
        return tuple(_placeholder(name, positions + (i,), ft, fixed) for i, (_, ft) in enumerate(t.fields))
    if isinstance(t, ir.ArrayType):
        return tuple(_placeholder(name, positions + (i,), t.elem, fixed) for i in range(ir.domain_size(t.index)))
    if isinstance(t, ir.LayoutType):
        words = []
        for w in range(t.words):
            word_cell = (name, positions + (w,))
            known, bits = fixed.get(word_cell, (0, 0))  # type: ignore[misc]
            words.append(bits if known == FULL else _PartWord(word_cell, known, bits))
        return tuple(words)
    if cell in fixed:
        return fixed[cell]
    return _Unset(cell, t)


def _first_free(value: object) -> tuple[Cell, ir.Type, int] | None:
    if isinstance(value, dict):
        for v in value.values():
            found = _first_free(v)
            if found:
                return found
        return None
    if isinstance(value, tuple):
        for v in value:
            found = _first_free(v)
            if found:
                return found
        return None
    if isinstance(value, _Unset):
        return value.cell, value.type, 0
    if isinstance(value, _PartWord):
        return value.cell, ir.BitsType(ir.WORD_BITS), FULL & ~value.known
    return None


def _concrete(value: object, types: dict[str, ir.Type]) -> object:
    """The havoc state with placeholders replaced by plain values (init never used those)."""
    if isinstance(value, dict):
        return {k: _concrete(v, types) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_concrete(v, types) for v in value)
    if isinstance(value, _Unset):
        t = value.type
        if isinstance(t, ir.BitsType):
            return 0
        return ir.domain_values(t)[0]  # type: ignore[arg-type]
    if isinstance(value, _PartWord):
        return value.bits
    return value
