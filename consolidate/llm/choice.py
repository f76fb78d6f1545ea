"""Which model backend a run uses, from the settings and the OPENAI_* environment (no backend is loaded).

Apart from base.py (the protocol, the records a backend reads and writes, and the backends'
registry) so that a stage's fingerprint can name the backend without importing pydantic.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from consolidate.errors import UnknownComponentError

if TYPE_CHECKING:
    from consolidate.settings import LLMSettings

NAMES = ("openai", "local", "extractive")  # extractive is the no-model baseline: it has no backend object


def _env(key: str, env: dict | None) -> str:
    return (os.environ if env is None else env).get(key, "")


def openai_config(s: LLMSettings, env: dict | None = None) -> tuple[str, str, str]:
    """(base_url, api_key, model) from settings, then OPENAI_* environment variables."""
    base_url = s.base_url or _env("OPENAI_BASE_URL", env)
    api_key = s.api_key or _env("OPENAI_API_KEY", env)
    model = s.model or _env("OPENAI_MODEL", env)
    return base_url, api_key, model


def resolve_backend(s: LLMSettings, env: dict | None = None) -> tuple[str, str]:
    """The backend name a run uses and why (for `auto`: the first configured one)."""
    name = s.backend
    if name not in NAMES and name != "auto":
        raise UnknownComponentError("llm.backend (--backend)", name, [*NAMES, "auto"])
    if name != "auto":
        return name, f"--backend {name} (or llm.backend)"
    base_url, api_key, _ = openai_config(s, env)
    if base_url:
        return "openai", "auto: an OpenAI-compatible server is configured (base URL)"
    if api_key:
        return "openai", "auto: an OpenAI API key is configured"
    if s.model_path or s.model_package:
        return "local", "auto: a local model is configured (llm.model_path / llm.model_package)"
    return "extractive", ("auto: no model configured (set OPENAI_BASE_URL / OPENAI_API_KEY, or llm.model_path / "
                          "llm.model_package with the local extra)")
