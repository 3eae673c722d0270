"""The README's command list and the command line agree, both ways (as datasette's docs tests do).

Every command (each leaf of the ``dgti-data`` tree, and each flow's entry point) and every one of
its long options appears in the README's "Command line" block, and nothing listed there is missing
from the code. A command added without documenting it, or an option renamed in one place only,
fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

import flows.local_digital
import flows.publish
import flows.validate_drop_folder
from dgti_data.cli import main
from dgti_data.settings import PROJECT_ROOT

ENTRY_POINTS: dict[str, click.Command] = {
    "dgti-data": main,
    "python -m flows.local_digital": flows.local_digital.command,
    "python -m flows.validate_drop_folder": flows.validate_drop_folder.command,
    "python flows/publish.py": flows.publish.command,
}
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def options(command: click.Command) -> set[str]:
    return {o for p in command.params for o in p.opts if o.startswith("--")}


def in_code() -> dict[str, set[str]]:
    """Each command line (prefix plus sub-commands) and its options; a group's own options belong to
    the group's line (``dgti-data --version``)."""

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, set[str]]]:
        if isinstance(command, click.Group):
            if options(command):
                yield path, options(command)
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}")
        else:
            yield path, options(command)

    return {path: opts for prefix, cmd in ENTRY_POINTS.items() for path, opts in walk(cmd, prefix)}


def in_readme() -> dict[str, set[str]]:
    """The README's block under "## Command line": an entry starts at column 0 with an entry point
    and its sub-commands; indented lines continue it (more options, or what it does)."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    block = section.split("```text", 1)[1].split("```", 1)[0]
    documented: dict[str, set[str]] = {}
    current: str | None = None
    for line in block.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            assert current is not None, f"continuation line before any command: {line!r}"
            documented[current] |= set(OPTION.findall(line))
            continue
        prefix = next((p for p in sorted(ENTRY_POINTS, key=len, reverse=True) if line.startswith(p)), None)
        assert prefix is not None, f"README lists a command line nothing implements: {line!r}"
        words = line[len(prefix):].split()
        group = ENTRY_POINTS[prefix]
        path = prefix
        while words and isinstance(group, click.Group) and words[0] in group.commands:
            path += f" {words[0]}"
            group = group.commands[words.pop(0)]
        if isinstance(group, click.Group) and words and not words[0].startswith("-"):
            pytest.fail(f"README lists `{path} {words[0]}`, which is not a command")
        current = path
        documented.setdefault(path, set()).update(OPTION.findall(line[len(prefix):]))
    return documented


def test_every_command_and_option_is_in_the_readme() -> None:
    code, readme = in_code(), in_readme()
    assert sorted(set(code) - set(readme)) == [], "commands the README does not list"
    for path, opts in code.items():
        assert sorted(opts - readme[path]) == [], f"options of `{path}` the README does not list"


def test_the_readme_lists_nothing_the_code_lacks() -> None:
    code, readme = in_code(), in_readme()
    assert sorted(set(readme) - set(code)) == [], "commands the README lists that do not exist"
    for path, opts in readme.items():
        assert sorted(opts - code[path]) == [], f"options of `{path}` in the README that it does not have"
