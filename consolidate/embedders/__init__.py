"""Embedders: the protocol, the registry and the disk cache around them."""

from __future__ import annotations

from consolidate.embedders.base import Embedder, embed_cached, make_embedder, EMBEDDERS

__all__ = ["Embedder", "embed_cached", "make_embedder", "EMBEDDERS"]
