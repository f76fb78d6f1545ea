"""Where a run's settings come from, read without validating them, and the validated settings an earlier run saved.

The sources: defaults < consolidate.toml < CONSOLIDATE_* environment < CLI flags (settings.py
validates them with pydantic). Importing pydantic and building the settings' validators costs
more than all the rest of an unchanged rerun, so `consolidate run` saves the validated settings
(OUT/.state/settings.json) under a fingerprint of their sources and the code, and a later run
whose sources are the same reads them back as `SavedSettings`: the stages' fingerprints read
them as they read `Settings` (attributes, `model_dump`), and the runner validates the sources
before any stage runs (runner.py), so a stage's core always gets `Settings`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consolidate.errors import ConfigError
from consolidate.state import OutputDir, fingerprint

if TYPE_CHECKING:
    from consolidate.settings import Settings

CONFIG_NAME = "consolidate.toml"
SAVED = "settings"  # OUT/.state/settings.json


def config_path(config: Path | None = None, start: Path | None = None) -> Path | None:
    """--config, else the nearest consolidate.toml in start (the current folder) or above it; None when there is none."""
    if config is not None:
        return config
    here = (start or Path.cwd()).absolute()
    return next((f / CONFIG_NAME for f in (here, *here.parents) if (f / CONFIG_NAME).is_file()), None)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@dataclass(frozen=True)
class Sources:
    """The settings as given: the config file used (or None) and the merged, unvalidated values."""

    path: Path | None
    data: dict

    def validate(self) -> Settings:
        from consolidate.settings import validate

        return validate(self)

    def saved(self, od: OutputDir, code: str) -> SavedSettings | None:
        """The settings a run saved in od from these same sources and code, or None."""
        dump = od.load_stage(SAVED, fingerprint(code, self.data))
        return SavedSettings(self, dump) if isinstance(dump, dict) else None

    def save(self, od: OutputDir, code: str, settings: Settings) -> None:
        od.save_stage(SAVED, fingerprint(code, self.data), settings.model_dump(mode="json"))


def read_sources(config: Path | None = None, overrides: dict | None = None, env: dict | None = None) -> Sources:
    data: dict = {}
    path = config_path(config)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found; fix the path given to --config")
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config file ({exc.strerror}); pass a readable file to --config")
    env_data: dict = {}
    for key, value in (os.environ if env is None else env).items():
        if key.startswith("CONSOLIDATE_") and "__" in key:
            section, _, field = key[len("CONSOLIDATE_"):].lower().partition("__")
            env_data.setdefault(section, {})[field] = value
    return Sources(path, _merge(_merge(data, env_data), overrides or {}))


class _Section:
    """One section of saved settings: its values as attributes, and model_dump as a Settings section's."""

    def __init__(self, values: dict):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def model_dump(self, mode: str = "python", exclude: set[str] | None = None) -> dict:
        return {k: v.model_dump() if isinstance(v, _Section) else v for k, v in self._values.items() if k not in (exclude or ())}


class SavedSettings(_Section):
    """Validated settings read back from OUT/.state/settings.json (their JSON, the same values as a fingerprint
    reads them); `validate()` gives `Settings` from the same sources."""

    def __init__(self, sources: Sources, dump: dict):
        super().__init__({k: _Section(v) if isinstance(v, dict) else v for k, v in dump.items()})
        self.sources = sources

    def validate(self) -> Settings:
        return self.sources.validate()
