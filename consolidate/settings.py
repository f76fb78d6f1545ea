"""Settings: defaults < consolidate.toml < CONSOLIDATE_* environment < CLI flags.

The config file is --config when given, else the nearest consolidate.toml in the current folder
or a folder above it (as git and ruff find theirs); `run` and `draft` name the one they used.

Environment variables name a section and a key: CONSOLIDATE_CLUSTER__THRESHOLD=0.8. Reading the
sources (consolidate/config.py) needs no pydantic; validating them here does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from consolidate.config import Sources, read_sources
from consolidate.errors import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestSettings(Section):
    max_file_bytes: int = Field(2_000_000, gt=0)
    # symlinks under a docs root are followed only when they resolve inside that root or one of these folders
    follow_links_into: list[str] = Field(default_factory=list)


class ChunkSettings(Section):
    max_tokens: int = Field(400, ge=20)
    encoding: str = "cl100k_base"


class EmbedSettings(Section):
    kind: str = "lexical"
    cache: bool = True


class ClusterSettings(Section):
    # None: the measured default for the embedder (cluster.CUT_DEFAULTS)
    threshold: float | None = Field(None, gt=0, le=2)
    doc_weight: float = Field(1.0, ge=0)
    centre_docs: float | None = Field(None, ge=0)  # mean taken off in proportion n_docs / (n_docs + this)
    min_size: int = Field(3, ge=1)
    max_direct: int = Field(12000, ge=2)
    duplicate_threshold: float = Field(0.8, gt=0, le=1)


class DraftSettings(Section):
    drop_stale: bool = True  # leave stale sources' text out of pages that have other sources
    # a drafted page over this many words is split along its outline into a parent and sub-pages
    # (stages/split.py); a single section over it is kept whole. 0: never split
    max_page_words: int = Field(5000, ge=0)


class LinksSettings(Section):
    site_root: str = ""  # folder site-root routes (/docs/install/) map to; unset: they are kept unverified


class RunSettings(Section):
    # who maps the embed batches and the per-page drafting and checking: local (this process) or ray
    # (a local Ray instance; `pip install 'consolidate[ray]'`); the bytes out are the same (consolidate/executors.py)
    executor: Literal["local", "ray"] = "local"


class Price(Section):
    input: float = Field(0.0, ge=0)  # USD per 1M input tokens
    output: float = Field(0.0, ge=0)  # USD per 1M output tokens


DEFAULT_PRICES = {  # USD per 1M tokens, from the providers' price pages; edit [llm.prices] for yours
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1": Price(input=2.00, output=8.00),
}


class LLMSettings(Section):
    """Model drafting (consolidate/llm, consolidate/stages/draft_model.py)."""

    backend: str = "auto"  # auto | openai | local | extractive
    # what a model writes: `edits` (one merge group at a time, checked at once; for small models),
    # `sections` (each section of a page) or `page` (whole pages; sections only past the context)
    mode: str = "edits"
    base_url: str = ""  # OpenAI-compatible server; else OPENAI_BASE_URL
    api_key: str = ""  # else OPENAI_API_KEY
    model: str = ""  # else OPENAI_MODEL, else gpt-4o-mini (openai) or the local model's name
    model_path: str = ""  # local backend: a GGUF file
    model_package: str = ""  # local backend: an installed model package (see README)
    timeout: float = Field(120.0, gt=0)  # seconds per request (the openai client's timeout)
    max_retries: int = Field(2, ge=0)  # the openai client's retries, with its backoff; 429 Retry-After honoured
    concurrency: int = Field(2, ge=1)  # pages drafted at once
    temperature: float = Field(0.0, ge=0, le=2)
    max_output_tokens: int = Field(4096, ge=64)
    context_tokens: int = Field(16384, ge=1024)  # prompt + reply budget; larger topics are drafted section by section
    threads: int = Field(0, ge=0)  # local backend CPU threads (0: all cores)
    prompt: str = "draft_page"  # template name under prompts/
    strict: bool = False  # drop sentences the checker finds unsupported
    max_cost: float = Field(0.0, ge=0)  # USD; 0 = no limit
    cache: bool = True
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))


class Settings(Section):
    ingest: IngestSettings = IngestSettings()
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    cluster: ClusterSettings = ClusterSettings()
    draft: DraftSettings = DraftSettings()
    links: LinksSettings = LinksSettings()
    llm: LLMSettings = LLMSettings()
    run: RunSettings = RunSettings()


def validate(sources: Sources) -> Settings:
    try:
        return Settings.model_validate(sources.data)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        where = f"{sources.path}: " if sources.path is not None else ""
        raise ConfigError(f"{where}invalid settings: " + "; ".join(lines) + "; fix them (see README, Configuration)")


def load_settings(config: Path | None = None, overrides: dict | None = None, env: dict | None = None) -> Settings:
    return validate(read_sources(config, overrides, env))
