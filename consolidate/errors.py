"""Errors a user can act on. Every message names the file or setting and the fix."""


class ConsolidateError(Exception):
    """Base class: the CLI prints the message on one line and exits with `exit_code`."""

    exit_code = 1


class UsageError(ConsolidateError):
    """Bad command-line input: a missing root, an unusable output folder, a bad plan file."""

    exit_code = 2


class ConfigError(ConsolidateError):
    """A setting in consolidate.toml, CONSOLIDATE_* or a flag is invalid."""

    exit_code = 2


class UnknownComponentError(ConfigError):
    """A component kind (embedder, clusterer, stage) was named that does not exist."""

    def __init__(self, what: str, name: str, known: list[str]):
        super().__init__(f"unknown {what} {name!r}; known: {', '.join(sorted(known))}")


class StateError(ConsolidateError):
    """A previous run's artifacts are missing or unreadable."""
