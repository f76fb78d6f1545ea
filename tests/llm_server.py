"""A real HTTP server on 127.0.0.1 speaking /v1/chat/completions, /v1/embeddings and /v1/models.

Replies are scripted: `server.script` is a queue of steps; each chat request takes the next step
(or `server.default` when the queue is empty). A step is a callable `(body) -> Reply`, or a
Reply. Every request is recorded in `server.requests` as (path, parsed JSON body).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

SOURCE = re.compile(r'<source id="(c[0-9a-f]+)" doc="[^"]*" lines="(\d+)-(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


@dataclass
class Reply:
    status: int = 200
    content: str = ""  # the assistant message text (for 200 chat replies)
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (for timeouts)
    raw: dict | None = None  # a whole JSON body instead of a chat completion


def completion(content: str, model: str = "test-model") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}


def sources_of(body: dict) -> list[tuple[str, str]]:
    """(chunk id, passage text) of every source in a chat request's messages."""
    text = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
    return [(m.group(1), m.group(4)) for m in SOURCE.finditer(text)]


def first_sentence(passage: str) -> str:
    for line in passage.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "```", "|", "(the same passage", "<")) and line.lstrip("-*> ").strip():
            return line.lstrip("-*> ").strip()
    return "See the source."


def echo_page(body: dict) -> str:
    """A good page: one section, one sentence per source copied from it, cited with its id."""
    blocks = [{"kind": "sentence", "text": first_sentence(t), "cites": [cid]} for cid, t in sources_of(body)]
    return json.dumps({"sections": [{"heading": "Overview", "blocks": blocks}]})


class _Handler(BaseHTTPRequestHandler):
    server: "LLMServer"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, str(v))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def do_GET(self):
        self.server.record(self.path, {})
        if self.path.endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "t"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.record(self.path, body)
        if self.path.endswith("/embeddings"):
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"object": "embedding", "index": i, "embedding": _vec(t)} for i, t in enumerate(inputs)]
            self._send(200, {"object": "list", "data": data, "model": body.get("model", ""),
                             "usage": {"prompt_tokens": 1, "total_tokens": 1}})
            return
        if not self.path.endswith("/chat/completions"):
            self._send(404, {"error": {"message": "not found"}})
            return
        step = self.server.next_step()
        reply = step(body) if callable(step) else step
        if isinstance(reply, str):
            reply = Reply(content=reply)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            self._send(reply.status, reply.raw or {"error": {"message": f"scripted {reply.status}", "type": "x"}}, reply.headers)
        else:
            self._send(200, reply.raw or completion(reply.content, body.get("model", "")), reply.headers)


def _vec(text: str) -> list[float]:
    h = hashlib.sha256(text.encode()).digest()
    return [b / 255 for b in h[:8]]


class LLMServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list = []
        self.default: Callable | Reply | None = echo_page
        self.requests: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def record(self, path: str, body: dict) -> None:
        with self._lock:
            self.requests.append((path, body))

    def next_step(self):
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def chat_requests(self) -> list[dict]:
        return [b for p, b in self.requests if p.endswith("/chat/completions")]

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
