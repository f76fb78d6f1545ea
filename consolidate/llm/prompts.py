"""Prompt templates from prompts/: versioned text files, hashed into cache keys, strict variables.

A template file starts with `# version: N` and comment lines, then `=== system ===` /
`=== user ===` sections. Variables are `${name}`; a missing or unknown variable is an error.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

from consolidate.errors import ConfigError
from consolidate.llm.base import Message

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
SECTION = re.compile(r"^=== (system|user|assistant) ===$", re.M)
VERSION = re.compile(r"^# version: (\d+)\s*$", re.M)


@dataclass(frozen=True)
class Prompt:
    name: str
    path: Path
    version: int
    sections: tuple[tuple[str, str], ...]  # (role, template text)
    sha: str

    @property
    def id(self) -> str:
        return f"{self.name}@v{self.version}#{self.sha[:12]}"

    def variables(self) -> set[str]:
        names = set()
        for _, text in self.sections:
            for m in string.Template.pattern.finditer(text):
                if m.group("named") or m.group("braced"):
                    names.add(m.group("named") or m.group("braced"))
        return names

    def render(self, **values: str) -> tuple[Message, ...]:
        need = self.variables()
        missing, extra = need - set(values), set(values) - need
        if missing or extra:
            raise ConfigError(f"{self.path}: template variables missing {sorted(missing)} / not in the template "
                              f"{sorted(extra)}; fix the template or bump consolidate")
        return tuple(Message(role=role, content=string.Template(text).substitute(values).strip())
                     for role, text in self.sections)


def load_prompt(name: str, folder: Path | None = None) -> Prompt:
    path = (folder or PROMPTS_DIR) / f"{name}.txt"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: prompt template not found; set llm.prompt to a file name under prompts/") from None
    v = VERSION.search(raw)
    if v is None:
        raise ConfigError(f"{path}: the first line must be '# version: N'; add it")
    parts = SECTION.split(raw)
    sections = tuple((parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts) - 1, 2))
    if not sections:
        raise ConfigError(f"{path}: no '=== system ===' / '=== user ===' section; add them")
    return Prompt(name, path, int(v.group(1)), sections, hashlib.sha256(raw.encode("utf-8")).hexdigest())


def tagged(tag: str, ids: dict[str, str]) -> str:
    """Texts as data between tags with their request ids (an edit request's statements); a text
    cannot close its tag."""
    rx = re.compile(rf"</?{tag}\b", re.I)
    return "\n".join(f'<{tag} id="{k}">{rx.sub(lambda m: m.group(0).replace("<", "&lt;"), v)}</{tag}>'
                     for k, v in ids.items())
