"""The `consolidate` command: a plain `check TREE --links-only` (consolidate/cli_links.py) and a plain
`run` (consolidate/cli_run.py) start without typer; every other command line goes to the typer app
(consolidate/cli.py)."""

import sys


def main() -> None:
    from consolidate.cli_links import fast_main as links_main
    from consolidate.cli_run import fast_main as run_main

    links_main(sys.argv[1:])  # each exits when it ran the command
    run_main(sys.argv[1:])
    from consolidate.cli import main as app_main

    app_main()


if __name__ == "__main__":
    main()
