"""The `consolidate` command: a plain `check TREE --links-only` starts without typer
(consolidate/cli_links.py); every other command line goes to the typer app (consolidate/cli.py)."""

import sys


def main() -> None:
    from consolidate.cli_links import fast_main

    fast_main(sys.argv[1:])  # exits when it ran the command
    from consolidate.cli import main as app_main

    app_main()


if __name__ == "__main__":
    main()
