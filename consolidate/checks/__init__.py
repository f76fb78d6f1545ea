"""Pure checks over text: facts, citations, links. Each returns findings, never prints."""
