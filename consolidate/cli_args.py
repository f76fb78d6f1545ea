"""A plain command line read without typer (cli_links.py and cli_run.py start their command this way)."""

from __future__ import annotations


def plain_options(args: list[str], valued: dict[str, str], flags: dict[str, str], opts: dict) -> list[str] | None:
    """Read `--name value`, `--name=value` (valued: option -> key in opts) and flags (option -> key set to True)
    into opts; returns the other arguments, or None when an argument is another option or a value is missing."""
    rest: list[str] = []
    it = iter(args)
    for arg in it:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in valued:
            value = value if eq else next(it, None)
            if not value or value.startswith("-"):
                return None
            opts[valued[name]] = value
        elif arg in flags:
            opts[flags[arg]] = True
        elif arg.startswith("-") or not arg:
            return None
        else:
            rest.append(arg)
    return rest
