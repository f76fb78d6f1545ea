"""The local model's speed by thread count: the engine's own prompt and generation tokens/s.

    python eval/bench_threads.py [--threads 1,2] [--requests 4] [--model-package NAME | --model-path X.gguf]

Per thread count: starts the local backend (llama.cpp in process), sends `--requests` small edit
requests that share their instructions and differ in their statements (as llm.mode = edits does),
and prints per request the wall time, prompt tokens processed and reused from the prompt cache, and
llama.cpp's prompt and generation tokens/s. The machine's load average is printed with them: on a
shared machine the figures depend on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consolidate.llm.base import Request  # noqa: E402
from consolidate.llm.local_backend import LocalBackend, model_file  # noqa: E402
from consolidate.llm.prompts import load_prompt  # noqa: E402
from consolidate.settings import LLMSettings  # noqa: E402
from consolidate.stages.draft_edits import FUSE_SCHEMA  # noqa: E402


def requests(n: int) -> list[Request]:
    prompt = load_prompt("fuse_statements")
    out = []
    for i in range(n):
        body = (f'<s id="s1">Worker {i} polls the job queue every {5 + i} seconds and never drops a job.</s>\n'
                f'<s id="s2">Every {5 + i} seconds, worker {i} polls the queue for jobs; it never drops a job it has taken.</s>')
        out.append(Request(messages=prompt.render(statements=body), schema_name="fused_statement",
                           json_schema=FUSE_SCHEMA, max_tokens=96, prompt_id=prompt.id))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--requests", type=int, default=4)
    ap.add_argument("--model-package", default="")
    ap.add_argument("--model-path", default="")
    a = ap.parse_args()
    path, model = model_file(LLMSettings(model_package=a.model_package, model_path=a.model_path))
    for n in (int(x) for x in a.threads.split(",")):
        t = time.perf_counter()
        backend = LocalBackend(path, model, context_tokens=4096, threads=n)
        print(f"threads {n}: load {time.perf_counter() - t:.1f}s, load average {os.getloadavg()[0]:.2f} "
              f"on {len(os.sched_getaffinity(0))} CPUs", flush=True)
        for req in requests(a.requests):
            r = backend.complete(req)
            pp = r.tokens_prompt_done / r.prompt_seconds if r.prompt_seconds else 0
            gen = r.tokens_out / r.gen_seconds if r.gen_seconds else 0
            print(f"  wall {r.seconds:6.2f}s  prompt {r.tokens_in} ({r.tokens_in - r.tokens_prompt_done} from the cache) "
                  f"{pp:6.1f} tok/s  generated {r.tokens_out} {gen:5.1f} tok/s", flush=True)
        del backend


if __name__ == "__main__":
    main()
