"""Which files are markdown, and which folders are tools' (never read). No heavy imports: the
fast link check (`check --links-only`) starts with this alone."""

TEMPLATE_SUFFIXES = (".erb", ".j2", ".jinja", ".liquid", ".njk")  # templated markdown: read as markdown, tags verbatim
EXTENSIONS = (".md", ".mdx", ".markdown") + tuple(".md" + t for t in TEMPLATE_SUFFIXES)  # .html.md(.erb) end in these
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"}


def is_markdown(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS)
