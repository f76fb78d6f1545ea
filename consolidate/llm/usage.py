"""Tokens and cost: tiktoken counts (offline) and a price table from settings."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from consolidate import tokens
from consolidate.llm.base import Request
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

    def as_dict(self) -> dict:
        d = asdict(self)
        d["cost"] = round(d["cost"], 6)
        d["seconds"] = round(d["seconds"], 3)
        return d


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
