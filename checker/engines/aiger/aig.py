"""An and-inverter graph with structural hashing, and its AIGER (binary, 1.9) form.

A literal is 2 * variable + negated; variable 0 is the constant, so literal 0 is false and
1 is true. Variables are inputs, latches or two-input ANDs, numbered as they are made.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FALSE = 0
TRUE = 1


def negate(literal: int) -> int:
    return literal ^ 1


@dataclass
class Aig:
    inputs: list[int] = field(default_factory=list)     # variables, in order
    input_names: list[str] = field(default_factory=list)
    latches: list[int] = field(default_factory=list)    # variables, in order; every latch resets to 0
    latch_names: list[str] = field(default_factory=list)
    latch_next: list[int] = field(default_factory=list)  # next-state literal of each latch
    outputs: list[int] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    _left: dict[int, int] = field(default_factory=dict)   # AND variable -> its operands
    _right: dict[int, int] = field(default_factory=dict)
    _hashed: dict[tuple[int, int], int] = field(default_factory=dict)
    _variables: int = 0
    _latch_position: dict[int, int] = field(default_factory=dict)

    def _variable(self) -> int:
        self._variables += 1
        return self._variables

    def add_input(self, name: str) -> int:
        v = self._variable()
        self.inputs.append(v)
        self.input_names.append(name)
        return 2 * v

    def add_latch(self, name: str) -> int:
        v = self._variable()
        self._latch_position[v] = len(self.latches)
        self.latches.append(v)
        self.latch_names.append(name)
        self.latch_next.append(2 * v)  # holds its value until set_next
        return 2 * v

    def set_next(self, latch_literal: int, next_literal: int) -> None:
        self.latch_next[self._latch_position[latch_literal >> 1]] = next_literal

    def add_output(self, name: str, literal: int) -> None:
        self.outputs.append(literal)
        self.output_names.append(name)

    @property
    def and_count(self) -> int:
        return len(self._left)

    # ---- gates ----

    def and_(self, a: int, b: int) -> int:
        if a > b:
            a, b = b, a
        if a == FALSE or a == negate(b):
            return FALSE
        if a == TRUE or a == b:
            return b
        key = (a, b)
        found = self._hashed.get(key)
        if found is not None:
            return found
        v = self._variable()
        self._left[v] = b
        self._right[v] = a
        self._hashed[key] = 2 * v
        return 2 * v

    def or_(self, a: int, b: int) -> int:
        return negate(self.and_(negate(a), negate(b)))

    def xor(self, a: int, b: int) -> int:
        if a == FALSE:
            return b
        if a == TRUE:
            return negate(b)
        if b == FALSE:
            return a
        if b == TRUE:
            return negate(a)
        if a == b:
            return FALSE
        if a == negate(b):
            return TRUE
        return self.or_(self.and_(a, negate(b)), self.and_(negate(a), b))

    def ite(self, c: int, t: int, e: int) -> int:
        if c == TRUE or t == e:
            return t
        if c == FALSE:
            return e
        if t == TRUE:
            return self.or_(c, e)
        if t == FALSE:
            return self.and_(negate(c), e)
        if e == TRUE:
            return self.or_(negate(c), t)
        if e == FALSE:
            return self.and_(c, t)
        return self.or_(self.and_(c, t), self.and_(negate(c), e))

    def all_of(self, literals) -> int:
        out = TRUE
        for literal in literals:
            out = self.and_(out, literal)
            if out == FALSE:
                break
        return out

    def any_of(self, literals) -> int:
        return negate(self.all_of(negate(x) for x in literals))

    # ---- AIGER ----

    def cone(self, roots: list[int]) -> list[int]:
        """The AND variables the roots depend on, in the order they were made."""
        seen: set[int] = set()
        stack = [r >> 1 for r in roots]
        while stack:
            v = stack.pop()
            if v in seen or v not in self._left:
                continue
            seen.add(v)
            stack.append(self._left[v] >> 1)
            stack.append(self._right[v] >> 1)
        return sorted(seen)

    def aiger(self, outputs: list[int] | None = None, output_names: list[str] | None = None) -> bytes:
        """Binary AIGER with a symbol table; `outputs` (default: all) as the circuit's outputs."""
        outputs = self.outputs if outputs is None else outputs
        output_names = self.output_names if output_names is None else output_names
        ands = self.cone(outputs + self.latch_next)
        number: dict[int, int] = {0: 0}
        for v in self.inputs + self.latches + ands:
            number[v] = len(number)

        def lit(x: int) -> int:
            return 2 * number[x >> 1] + (x & 1)

        i, l, o, a = len(self.inputs), len(self.latches), len(outputs), len(ands)
        out = bytearray(f"aig {i + l + a} {i} {l} {o} {a}\n".encode())
        for nxt in self.latch_next:
            out += f"{lit(nxt)}\n".encode()
        for x in outputs:
            out += f"{lit(x)}\n".encode()
        for v in ands:
            lhs = 2 * number[v]
            r0, r1 = lit(self._left[v]), lit(self._right[v])
            if r0 < r1:
                r0, r1 = r1, r0
            for delta in (lhs - r0, r0 - r1):
                while delta >= 0x80:
                    out.append((delta & 0x7F) | 0x80)
                    delta >>= 7
                out.append(delta)
        for k, name in enumerate(self.input_names):
            out += f"i{k} {name}\n".encode()
        for k, name in enumerate(self.latch_names):
            out += f"l{k} {name}\n".encode()
        for k, name in enumerate(output_names):
            out += f"o{k} {name}\n".encode()
        out += b"c\nmdcheck\n"
        return bytes(out)


Parsed = tuple[list[int], list[tuple[int, int]], list[int], dict[int, tuple[int, int]]]


def read_aiger_ascii_or_binary(data: bytes) -> Parsed:
    """(inputs, latches as (variable, next), outputs, ANDs variable -> operands) of an AIGER file
    that ABC wrote (binary "aig" or ASCII "aag"); variables as in the file."""
    return _read_aiger(data)[0]


def read_aiger_symbols(data: bytes) -> dict[str, str]:
    """The symbol table of an AIGER file: "i0" -> the first input's name, "l0", "o0" ..."""
    symbols: dict[str, str] = {}
    for line in data[_read_aiger(data)[1]:].decode(errors="replace").splitlines():
        if line == "c":
            break
        kind_number, _, name = line.partition(" ")
        if kind_number[:1] in ("i", "l", "o") and kind_number[1:].isdigit():
            symbols[kind_number] = name
    return symbols


def _read_aiger(data: bytes) -> tuple[Parsed, int]:
    """What read_aiger_ascii_or_binary returns, and where the symbol table starts."""
    header_end = data.index(b"\n")
    kind, *numbers = data[:header_end].decode().split()
    m, i, l, o, a = (int(x) for x in numbers[:5])
    position = header_end + 1

    def line() -> str:
        nonlocal position
        end = data.index(b"\n", position)
        text = data[position:end].decode()
        position = end + 1
        return text

    inputs: list[int] = []
    latches: list[tuple[int, int]] = []
    outputs: list[int] = []
    ands: dict[int, tuple[int, int]] = {}
    if kind == "aag":
        inputs = [int(line()) >> 1 for _ in range(i)]
        for _ in range(l):
            parts = line().split()
            latches.append((int(parts[0]) >> 1, int(parts[1])))
        outputs = [int(line().split()[0]) for _ in range(o)]
        for _ in range(a):
            lhs, r0, r1 = (int(x) for x in line().split()[:3])
            ands[lhs >> 1] = (r0, r1)
        return (inputs, latches, outputs, ands), position
    inputs = list(range(1, i + 1))
    for k in range(l):
        latches.append((i + 1 + k, int(line().split()[0])))
    outputs = [int(line().split()[0]) for _ in range(o)]
    for k in range(a):
        lhs = 2 * (i + l + 1 + k)
        deltas = []
        for _ in range(2):
            value, shift = 0, 0
            while True:
                byte = data[position]
                position += 1
                value |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            deltas.append(value)
        r0 = lhs - deltas[0]
        ands[lhs >> 1] = (r0, r0 - deltas[1])
    return (inputs, latches, outputs, ands), position
