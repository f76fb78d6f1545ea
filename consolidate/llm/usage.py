"""Tokens and cost: tiktoken counts (offline) and a price table from settings."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from consolidate import tokens
from consolidate.llm.base import Request, Result
from consolidate.settings import DEFAULT_PRICES, LLMSettings, Price


def request_tokens(request: Request, encoding: str = "cl100k_base") -> int:
    """Estimated prompt tokens: message texts plus a few tokens of framing per message."""
    return sum(tokens.count(m.content, encoding) + 4 for m in request.messages) + 3


def price_of(model: str, s: LLMSettings) -> Price | None:
    return s.prices.get(model) or DEFAULT_PRICES.get(model)


def cost(model: str, tokens_in: int, tokens_out: int, s: LLMSettings, local: bool = False) -> float:
    """USD; 0 for a local model or a model missing from the price table."""
    p = None if local else price_of(model, s)
    if p is None:
        return 0.0
    return (tokens_in * p.input + tokens_out * p.output) / 1_000_000


@dataclass
class PageUsage:
    backend: str = "extractive"
    reason: str = ""
    model: str = ""
    model_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    cost: float = 0.0
    seconds: float = 0.0  # time spent waiting for the model (not cached replies)
    tokens_prompt_done: int = 0  # prompt tokens the engine processed (not reused from its prompt cache)
    prompt_seconds: float = 0.0  # the engine's own time on prompts and on generation, where it reports them
    gen_seconds: float = 0.0

    def add(self, res: Result, spent: float = 0.0) -> None:
        """One model call's tokens, time and cost."""
        self.model_calls += 1
        self.tokens_in += res.tokens_in
        self.tokens_out += res.tokens_out
        self.cost += spent
        self.seconds += res.seconds
        self.tokens_prompt_done += res.tokens_prompt_done
        self.prompt_seconds += res.prompt_seconds
        self.gen_seconds += res.gen_seconds

    def merge(self, other: "PageUsage") -> None:
        """Another usage's calls, tokens, time and cost (one group's requests, made on another thread)."""
        for k in ("model_calls", "tokens_in", "tokens_out", "cache_hits", "cost", "seconds", "tokens_prompt_done",
                  "prompt_seconds", "gen_seconds"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def as_dict(self) -> dict:
        d = asdict(self)
        d["cost"] = round(d["cost"], 6)
        for k in ("seconds", "prompt_seconds", "gen_seconds"):
            d[k] = round(d[k], 3)
        return d


def speeds(tokens_in: int, tokens_out: int, seconds: float, prompt_done: int, prompt_s: float, gen_s: float) -> dict:
    """Tokens per second: end to end (tokens out / seconds waiting for the model), and the engine's
    own prompt and generation speeds where it reports its timings (None where it does not)."""
    return {"output_tokens_per_s": round(tokens_out / seconds, 2) if seconds else None,
            "prompt_tokens_per_s": round(prompt_done / prompt_s, 2) if prompt_s else None,
            "gen_tokens_per_s": round(tokens_out / gen_s, 2) if gen_s else None,
            "prompt_tokens_cached": max(0, tokens_in - prompt_done) if prompt_s else None}


class Budget:
    """--max-cost: reserve a call's worst-case cost before it is made; settle with the real cost after."""

    def __init__(self, limit: float):
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        with self._lock:
            if self.limit and self.spent + self.reserved + amount > self.limit:
                return False
            self.reserved += amount
            return True

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self.reserved -= reserved
            self.spent += actual
