"""Structured replies: find the JSON in a reply (fenced, bare, or wrapped in prose) and validate it."""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
FENCE = re.compile(r"```(?:json)?\s*\n(.*?)\n```", re.S)


def extract_json(text: str):
    """The first JSON object in `text`. Raises ValueError saying what is wrong."""
    text = text.strip()
    candidates = [text] + FENCE.findall(text)
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start:text.rfind("}") + 1])
    decoder = json.JSONDecoder()
    err = "the reply holds no JSON object"
    for c in candidates:
        c = c.strip()
        if not c.startswith("{"):
            continue
        try:
            obj, _ = decoder.raw_decode(c)
            return obj
        except json.JSONDecodeError as exc:
            err = f"the reply is not valid JSON: {exc}"
    raise ValueError(err)


def parse_reply(text: str, model: type[T]) -> T:
    """The reply as a validated `model`. Raises ValueError with a message fit to show the model."""
    obj = extract_json(text)
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors()[:8]]
        raise ValueError("the JSON does not match the schema: " + "; ".join(problems)) from None
