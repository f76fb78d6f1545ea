"""Model backends: one protocol (`complete(request) -> result`), a registry, a response cache, usage.

base.py: the protocol, its records and the registry; choice.py: which backend a run uses (no pydantic).
"""
