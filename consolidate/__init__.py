"""consolidate: merge an overlapping docs tree into fewer pages whose every fact is cited."""

__version__ = "0.1.0"
