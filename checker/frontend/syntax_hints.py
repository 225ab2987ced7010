"""Hints for parse errors where Lark's guess is wrong: a missing '}' before the next
declaration, and C's `++` / `--`."""
from __future__ import annotations

import re
from dataclasses import dataclass

# the keywords a declaration starts with
DECLARATION_KEYWORDS = frozenset(
    "import const type enum record var layout view static_assert symbol init action proc fn invariant lemma "
    "config".split())

_SKIPPED = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|#[^\n]*')  # strings and comments hold no braces
_DECLARATION = re.compile(r"^[ \t]*(" + "|".join(sorted(DECLARATION_KEYWORDS)) + r")\b[ \t]*([A-Za-z_][A-Za-z0-9_]*)?",
                          re.MULTILINE)


@dataclass(frozen=True)
class OpenDeclaration:
    """The declaration whose '{' is still open: its keyword, name, and where it starts in the block."""
    kind: str
    name: str
    line: int
    column: int

    def described(self) -> str:
        return f"{self.kind} '{self.name}'" if self.name else self.kind


def unclosed_declaration(text: str, line: int, column: int) -> OpenDeclaration | None:
    """The top-level declaration still open (its '{' not closed) at `line`:`column` of the
    block's text, if any."""
    lines = text.split("\n")
    before = "\n".join(lines[:line - 1] + [lines[line - 1][:column - 1] if line <= len(lines) else ""])
    plain = _SKIPPED.sub(lambda m: " " * len(m.group()), before)
    depth, opened_by = 0, None
    for i, char in enumerate(plain):
        if char == "{":
            if depth == 0:
                opened_by = i
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
    if depth == 0 or opened_by is None:
        return None
    starts = [m for m in _DECLARATION.finditer(plain, 0, opened_by)]
    if not starts:
        return None
    start = starts[-1]
    line_no = plain.count("\n", 0, start.start(1)) + 1
    column_no = start.start(1) - (plain.rfind("\n", 0, start.start(1)) + 1) + 1
    return OpenDeclaration(start.group(1), start.group(2) or "", line_no, column_no)


def starts_its_line(text: str, line: int, column: int) -> bool:
    lines = text.split("\n")
    return line <= len(lines) and not lines[line - 1][:column - 1].strip()


def increment_hint(text: str, line: int, column: int) -> str | None:
    """`r++`, `r--`, `++r`, `--r` at `line`:`column` (the first '+' or '-' Lark refused): the
    assignment mdcheck has instead."""
    lines = text.split("\n")
    if line > len(lines):
        return None
    here = lines[line - 1]
    at = column - 1
    pair = here[at:at + 2]
    if pair not in ("++", "--"):
        return None
    after = re.match(r"\s*([A-Za-z_][A-Za-z0-9_.\[\]]*)", here[at + 2:])
    target = re.search(r"([A-Za-z_][A-Za-z0-9_.\[\]]*)\s*$", here[:at])
    name = target.group(1) if target else (after.group(1) if after else "x")
    return f"mdcheck has no {pair}; write `{name} {pair[0]}= 1`"
