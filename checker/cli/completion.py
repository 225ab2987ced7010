"""`mdcheck completion bash|zsh`: a shell completion script made from the option parsers
themselves, so it never falls behind them; and `mdcheck completion names configs|properties
SPEC.md ...`, which the scripts call to complete `--config` and `--property` with the names
the specs on the command line declare."""
from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from typing import TextIO

from checker.cli import layout_check, options
from checker.frontend.diagnostics import SpecError
from checker.frontend.loader import load_spec
from checker.frontend.search_path import default_search_path
from checker.typecheck import collect_declarations, configuration_names, lower

COMMANDS = ("check", "simulate", "layout-check", "completion")
_FOLDER_METAVARS = {"DIR"}
_FILE_METAVARS = {"FILE"}
_NAMED = {"--config": "configs", "--property": "properties"}  # completed with the specs' own names


@dataclass(frozen=True)
class Flag:
    """One option as the shells see it: its spellings, whether it takes a value, what completes the value."""
    spellings: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    completes: str = ""  # "folders", "files", "configs", "properties" or "" (nothing to offer)


def flags_of(parser: argparse.ArgumentParser) -> tuple[Flag, ...]:
    found = []
    for action in parser._actions:
        if not action.option_strings:
            continue
        takes_value = action.nargs != 0
        metavar = str(action.metavar or "")
        completes = (_NAMED.get(action.option_strings[-1], "") or
                     ("folders" if metavar in _FOLDER_METAVARS else "files" if metavar in _FILE_METAVARS else ""))
        found.append(Flag(tuple(action.option_strings), " ".join((action.help or "").split()), takes_value,
                          tuple(str(c) for c in action.choices or ()), completes))
    return tuple(found)


def _parsers() -> dict[str, argparse.ArgumentParser]:
    return {"check": options.argument_parser(), "simulate": options.argument_parser(simulating=True),
            "layout-check": layout_check.argument_parser()}


def run_completion(argv: list[str], out: TextIO, err: TextIO) -> int:
    usage = "usage: mdcheck completion bash|zsh   (or: mdcheck completion names configs|properties SPEC.md ...)"
    if argv[:1] == ["names"] and argv[1:2] and argv[1] in ("configs", "properties"):
        for name in spec_names(argv[1], argv[2:]):
            print(name, file=out)
        return options.EXIT_OK
    if argv in (["bash"], ["zsh"]):
        out.write(bash_script() if argv == ["bash"] else zsh_script())
        return options.EXIT_OK
    if argv in (["-h"], ["--help"]):
        print(usage, file=out)
        print("  bash: source <(mdcheck completion bash)       (in ~/.bashrc)", file=out)
        print("  zsh:  mdcheck completion zsh > ~/.zfunc/_mdcheck, with fpath=(~/.zfunc $fpath) before compinit",
              file=out)
        return options.EXIT_OK
    print(f"mdcheck: error[MDC501]: completion: expected bash or zsh, not {' '.join(argv) or 'nothing'}", file=err)
    print(usage, file=err)
    return options.EXIT_SPEC_ERROR


def spec_names(kind: str, paths: list[str]) -> list[str]:
    """The configurations (or properties) of the specs that read without error; silent about
    the others, since a half-typed command line is normal while completing."""
    names: dict[str, None] = {}
    for path in paths:
        if not path.endswith(".md"):
            continue
        try:
            decls = collect_declarations(load_spec(path, default_search_path(())))
            configs = configuration_names(decls)
            if kind == "configs":
                names.update(dict.fromkeys(configs))
            else:
                for config in configs:
                    names.update(dict.fromkeys(p.name for p in lower(decls, config, {}).properties))
        except (SpecError, OSError, RecursionError):
            continue
    return list(names)


def bash_script() -> str:
    cases = []
    for command, parser in _parsers().items():
        flags = flags_of(parser)
        words = " ".join(s for f in flags for s in f.spellings)
        values = []
        for flag in flags:
            if not flag.takes_value:
                continue
            pattern = "|".join(flag.spellings)
            if flag.choices:
                values.append(f'            {pattern}) COMPREPLY=($(compgen -W {shlex.quote(" ".join(flag.choices))} '
                              f'-- "$cur")); return;;')
            elif flag.completes == "folders":
                values.append(f'            {pattern}) COMPREPLY=($(compgen -d -- "$cur")); return;;')
            elif flag.completes in ("configs", "properties"):
                values.append(f'            {pattern}) COMPREPLY=($(compgen -W "$(mdcheck completion names '
                              f'{flag.completes} "${{specs[@]}}" 2>/dev/null)" -- "$cur")); return;;')
            elif flag.completes == "files":
                values.append(f'            {pattern}) COMPREPLY=($(compgen -f -- "$cur")); return;;')
            else:  # a number or a name: nothing to offer
                values.append(f'            {pattern}) return;;')
        cases.append(f'''        {command})
            case "$prev" in
{chr(10).join(values)}
            esac
            if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W {shlex.quote(words)} -- "$cur")); return; fi;;''')
    return f'''# bash completion for mdcheck; made by `mdcheck completion bash`
_mdcheck() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local command=check i specs=()
    case "${{COMP_WORDS[1]}}" in {"|".join(COMMANDS)}) command="${{COMP_WORDS[1]}}";; esac
    for ((i = 1; i < ${{#COMP_WORDS[@]}}; i++)); do
        [[ "${{COMP_WORDS[i]}}" == *.md && $i -ne $COMP_CWORD ]] && specs+=("${{COMP_WORDS[i]}}")
    done
    if [[ $COMP_CWORD -eq 1 && "$cur" != -* ]]; then
        COMPREPLY=($(compgen -W "{" ".join(c for c in COMMANDS if c != "check")}" -- "$cur"))
    fi
    case "$command" in
        completion)
            [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return;;
{chr(10).join(cases)}
    esac
    COMPREPLY+=($(compgen -d -- "$cur") $(compgen -f -X '!*.md' -- "$cur"))
}}
complete -o filenames -F _mdcheck mdcheck
'''


def _zsh_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def _first_words(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " ..."


def _zsh_spec(flag: Flag) -> str:
    help_text = _zsh_quote(_first_words(flag.help.split(". ")[0], 70))
    action = ""
    if flag.takes_value:
        if flag.choices:
            action = f":value:({' '.join(flag.choices)})"
        elif flag.completes == "folders":
            action = ":folder:_files -/"
        elif flag.completes in ("configs", "properties"):
            action = f":name:_mdcheck_{flag.completes}"
        elif flag.completes == "files":
            action = ":file:_files"
        else:
            action = ": : "
    repeatable = "*" if flag.spellings[-1] in ("--config", "--property", "-I", "-D") else ""
    if len(flag.spellings) > 1:
        exclusive = " ".join(flag.spellings)
        return f"'({exclusive})'{{{','.join(flag.spellings)}}}'[{help_text}]{action}'"
    return f"'{repeatable}{flag.spellings[0]}[{help_text}]{action}'"


def zsh_script() -> str:
    functions = []
    for command, parser in _parsers().items():
        specs = " \\\n        ".join(_zsh_spec(f) for f in flags_of(parser))
        name = command.replace("-", "_")
        functions.append(f'''_mdcheck_{name}() {{
    _arguments -s \\
        {specs} \\
        '*:spec:_files -g "*.md(-.)" -g "*(-/)"'
}}''')
    return f'''#compdef mdcheck
# zsh completion for mdcheck; made by `mdcheck completion zsh`

_mdcheck_names() {{
    local -a specs names
    specs=(${{(M)words:#*.md}})
    names=(${{(f)"$(mdcheck completion names $1 $specs 2>/dev/null)"}})
    compadd -a names
}}
_mdcheck_configs() {{ _mdcheck_names configs }}
_mdcheck_properties() {{ _mdcheck_names properties }}

{chr(10).join(functions)}

_mdcheck() {{
    case "$words[2]" in
        simulate|layout-check|check)
            local command=${{words[2]//-/_}}
            shift words; (( CURRENT-- ))
            _mdcheck_$command;;
        completion)
            (( CURRENT == 3 )) && compadd bash zsh;;
        *)
            if (( CURRENT == 2 )) && [[ "$PREFIX" != -* ]]; then
                compadd simulate layout-check completion
            fi
            _mdcheck_check;;
    esac
}}

_mdcheck "$@"
'''
