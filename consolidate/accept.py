"""Accepting pages without the browser: the same decision the review app's Accept button records.

`accept_page` is the one implementation (web/app.py calls it too): an edit with checker errors
cannot be accepted; otherwise the page's current text (a saved edit, else the run's page) is
recorded as `accepted` in OUT/review.json with the checker's findings on that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consolidate.errors import UsageError
from consolidate.records import Finding
from consolidate import decisions as D
from consolidate.web.runview import RunView


class EditHasErrors(Exception):
    """The page's saved edit has checker errors: fix it before accepting."""


def accept_page(view: RunView, name: str) -> D.Decision:
    p = view.page_plan(name)
    current = view.decision(name)
    if current is not None and current.status == "edited" and current.errors:
        raise EditHasErrors(name)
    text = current.text if current is not None and current.text is not None else view.pages[name]
    found = list(current.findings) if current is not None and current.text is not None else view.findings(name)
    return D.decide(view.out, name, "accepted", p, view.docs, text, [Finding.model_validate(f) for f in found])


@dataclass
class AcceptResult:
    accepted: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (page, why not accepted)

    def lines(self) -> list[str]:
        out = [f"accepted {n}" for n in self.accepted]
        out += [f"not accepted: {n}: {why}" for n, why in self.skipped]
        out.append(f"{len(self.accepted)} pages accepted, {len(self.already)} already accepted, "
                   f"{len(self.skipped)} not accepted")
        return out


def accept(out: Path, names: list[str], every: bool = False, only_clean: bool = False) -> AcceptResult:
    """Accept the named pages (or every page with every=True). only_clean: only pages whose
    current text has 0 checker errors; the others are listed with their error count."""
    if bool(names) == every:
        raise UsageError("name the pages to accept (e.g. quickstart.md) or pass --all, not both")
    view = RunView.load(out)
    unknown = [n for n in names if n not in view.pages]
    if unknown:
        raise UsageError(f"{unknown[0]}: no such page in {out / 'plan.json'}; pages: {', '.join(list(view.pages)[:8])}"
                         + (" ..." if len(view.pages) > 8 else ""))
    res = AcceptResult()
    for name in (list(view.pages) if every else list(dict.fromkeys(names))):
        d = view.decision(name)
        if d is not None and d.status == "accepted":
            res.already.append(name)
            continue
        errors = sum(f.get("severity") == "error" for f in view.findings(name))
        if only_clean and errors:
            res.skipped.append((name, f"{errors} checker error(s) (--only-clean)"))
            continue
        try:
            accept_page(view, name)
        except EditHasErrors:
            res.skipped.append((name, "its saved edit has checker errors; fix it in `consolidate review` first"))
            continue
        res.accepted.append(name)
        view.reload_decisions()
    return res
