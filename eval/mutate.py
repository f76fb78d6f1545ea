"""Mutation self-test of the checker: inject errors into drafts that pass and count what it catches.

    python eval/mutate.py [--roots corpus ../shared/corpora/real] [--per-kind 200] [--seed 7] [--json]

Drafts come from the extractive backend on each root (they pass the checker). For each kind of
error, up to --per-kind claims are picked at random (seeded) and changed one at a time; a
mutation is caught when the checker reports a finding on the changed page that it did not
report before. False alarms are the checker's findings on the unmodified drafts, as a share of
their claims, per finding kind. Targets (issue 4): >= 98 % caught per kind, <= 2 % false alarms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consolidate import pipeline  # noqa: E402
from consolidate import readback  # noqa: E402
from consolidate.checks import facts as F  # noqa: E402
from consolidate.checks.citations import SourceIndex, check_citations  # noqa: E402
from consolidate.checks.claims import Claim, parse_page  # noqa: E402
from consolidate.checks.links import check_links, input_urls, page_anchors  # noqa: E402
from consolidate.settings import Settings  # noqa: E402

PRODUCTS = ["MySQL", "Kafka", "RabbitMQ", "MongoDB", "Nginx", "Memcached", "Cassandra"]
AUX = re.compile(r"\b(is|are|was|were|can|will|should|must|may|does|do|has|have)\b")
NEG = re.compile(r"\b(?:is|are|was|were|can|will|should|must|does|do|did|has|have)(?: not|n't)\b|\bcannot\b|\bnever\b|"
                 r"^no\b|\bno\b|\bnothing\b|\bwithout\b", re.I)
FLIP = {"cannot": "can", "never": "always", "no": "a", "nothing": "something", "without": "with"}


@dataclass
class Ctx:
    pages: dict[str, str]
    index: SourceIndex
    urls: set[str]
    files: set[str]
    anchors: dict[str, set[str]]


def build(root: Path, work: Path) -> Ctx:
    out = work / re.sub(r"\W+", "-", str(root))
    pipeline.run([root], out, Settings())
    run = readback.load_output(out)
    anchors = {n: page_anchors(parse_page(t)) for n, t in run.pages.items()}
    _TEXTS.update(run.texts)
    return Ctx(run.pages, SourceIndex(run.chunks, run.texts), input_urls(run.docs, run.texts), set(run.pages) | run.assets, anchors)


def check(ctx: Ctx, name: str, text: str) -> set[tuple[str, str]]:
    p = parse_page(text)
    anchors = dict(ctx.anchors, **{name: page_anchors(p)})
    fs = check_citations(name, p, ctx.index) + check_links(name, p, anchors, ctx.files, ctx.urls)
    return {(f.kind, re.sub(rf"^{re.escape(name)}:\d+: ", "", f.message)) for f in fs}


# --- mutators: (claim, page text, parsed page, rng) -> new page text, or None when not applicable ---

def _fact(claim: Claim, kinds: tuple[str, ...]) -> F.Fact | None:
    return next((f for f in F.extract(claim.text) if f.kind in kinds), None)


def _swap_in_claim(page: str, claim: Claim, old: str, new: str) -> str | None:
    """The page with `old` changed to `new` inside this claim (found from its own line on)."""
    at = page.find(claim.text, sum(len(ln) + 1 for ln in page.split("\n")[:claim.line - 1]))
    if at < 0 or old not in claim.text:
        return None
    return page[:at] + claim.text.replace(old, new, 1) + page[at + len(claim.text):]


def m_number(claim, page, parsed, rng):
    for m in re.finditer(r"(?<![\w.,])(\d+)(?![\d])", F.prose(claim.text)):
        digits = m.group(1)
        if any(f.kind == "number" and f.value.split(" ")[0].replace(",", "") == digits for f in F.extract(claim.text)):
            new = str(int(digits) + rng.choice([1, 2, 3, 7]))
            return _swap_in_claim(page, claim, _ctx(claim.text, digits), _ctx(claim.text, digits).replace(digits, new, 1))
    return None


def _ctx(text: str, token: str) -> str:
    """The token with a little context, so the swap hits the fact and not a longer number."""
    m = re.search(rf"(?<![\w.,]){re.escape(token)}(?![\w])", text)
    return text[max(0, m.start() - 6):m.end() + 4] if m else token


def m_version(claim, page, parsed, rng):
    f = _fact(claim, ("version",))
    if not f:
        return None
    parts = f.value.split(".")
    digits = re.match(r"v?(\d+)", parts[-1])
    if not digits:
        return None
    parts[-1] = parts[-1].replace(digits.group(1), str(int(digits.group(1)) + 1), 1)
    return _swap_in_claim(page, claim, f.value, ".".join(parts))


def m_url(claim, page, parsed, rng):
    m = F.URL.search(claim.text)
    if not m:
        return None
    return _swap_in_claim(page, claim, m.group(0), m.group(0) + ("-old" if not m.group(0).endswith("/") else "old/"))


def m_identifier(claim, page, parsed, rng):
    f = _fact(claim, ("identifier", "env", "flag", "code", "path"))
    if not f or len(f.value) < 3:
        return None
    return _swap_in_claim(page, claim, f.value, f.value + "_v2")


def m_product(claim, page, parsed, rng):
    f = _fact(claim, ("product",))
    if not f:
        return None
    return _swap_in_claim(page, claim, f.value, rng.choice([p for p in PRODUCTS if p != f.value]))


def m_negate(claim, page, parsed, rng):
    if claim.kind not in ("sentence", "list_item") or len(claim.text.split()) < 4:
        return None
    t = claim.text
    m = NEG.search(t)
    if m:
        w = m.group(0)
        pos = FLIP.get(w.lower()) or w.replace("n't", "").replace(" not", "")
        if w[:1].isupper():
            pos = pos[:1].upper() + pos[1:]
        return _swap_in_claim(page, claim, w, pos)
    m = AUX.search(t)
    if m:
        return _swap_in_claim(page, claim, m.group(0), m.group(0) + " not")
    words = t.split(" ", 1)
    if words[0][:1].isupper() and words[0].isalpha():
        return _swap_in_claim(page, claim, t, "Do not " + words[0].lower() + " " + words[1])
    return None


def m_link(claim, page, parsed, rng):
    if claim.kind not in ("sentence", "list_item"):
        return None
    return _swap_in_claim(page, claim, claim.text, claim.text.rstrip() + " See [the details](retired-page.md#setup).")


_TEXTS: dict[str, list[str]] = {}


def _lines(ref) -> list[str]:
    return _TEXTS.get(ref.doc, [])[ref.start - 1:ref.end]


def m_wrong_citation(claim, page, parsed, rng):
    if not claim.labels or claim.kind in ("note",):
        return None
    mine = parsed.refs.get(claim.labels[0])
    others = [lab for lab, r in parsed.refs.items()
              if lab not in claim.labels and mine and (r.doc, r.start) != (mine.doc, mine.start)
              and r.chunk != mine.chunk]
    if not others or mine is None:
        return None
    rng.shuffle(others)
    body = F.normalise_raw(F.prose(claim.text))
    lab = next((o for o in sorted(others, key=lambda o: rng.random())
                if body not in F.normalise_raw(F.prose("\n".join(_lines(parsed.refs[o]))))), None)
    if lab is None:
        return None  # every other span says the same: not an error
    lines = page.split("\n")
    no = claim.line - 1
    if claim.kind in ("code", "table", "quote", "html"):  # their citations sit on the Sources: line below
        no = next((i for i in range(claim.line - 1, len(lines)) if lines[i].startswith("Sources:")), None)
        if no is None:
            return None
    if f"[^{claim.labels[0]}]" not in lines[no]:
        return None
    lines[no] = lines[no].replace(f"[^{claim.labels[0]}]", f"[^{lab}]", 1)
    return "\n".join(lines)


def m_drop_fact(claim, page, parsed, rng):
    if claim.kind not in ("sentence", "list_item"):
        return None
    f = _fact(claim, ("number", "version", "code", "identifier", "env", "path"))
    if not f:
        return None
    if f.kind == "code":
        m = re.search(r"`+[^`]*`+", claim.text)
        if not m or claim.text.count(m.group(0).strip("`")) > 1:
            return None
        return _swap_in_claim(page, claim, m.group(0), "it")
    token = f.value.split(" ")[0] if f.kind == "number" else f.value
    if claim.text.count(token) > 1:
        return None  # the fact would still be there
    m = re.search(rf"(?<![\w.,]){re.escape(token)}(?:\s?[A-Za-z%]+)?(?![\w])", claim.text)
    return _swap_in_claim(page, claim, m.group(0), "some") if m else None


MUTATORS = {"number": m_number, "version": m_version, "url": m_url, "identifier": m_identifier,
            "product": m_product, "negation": m_negate, "invented-link": m_link,
            "wrong-citation": m_wrong_citation, "dropped-fact": m_drop_fact}


def run(roots: list[Path], per_kind: int, seed: int) -> dict:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ctxs = [(r, build(r, Path(tmp))) for r in roots]
    baseline, claims_total, alarms = {}, 0, {}
    candidates = []
    for r, ctx in ctxs:
        for name, text in ctx.pages.items():
            found = check(ctx, name, text)
            baseline[(str(r), name)] = found
            parsed = parse_page(text)
            claims_total += len(parsed.claims)
            for kind, _ in found:
                alarms[kind] = alarms.get(kind, 0) + 1
            candidates += [(r, ctx, name, text, parsed, c) for c in parsed.claims]
    rng = random.Random(seed)
    results = {}
    for kind, fn in MUTATORS.items():
        pool = candidates[:]
        rng.shuffle(pool)
        injected = caught = 0
        missed = []
        for r, ctx, name, text, parsed, claim in pool:
            if injected >= per_kind:
                break
            new = fn(claim, text, parsed, rng)
            if new is None or new == text:
                continue
            injected += 1
            if check(ctx, name, new) - baseline[(str(r), name)]:
                caught += 1
            elif len(missed) < 5:
                missed.append(f"{name}:{claim.line}: {' '.join(claim.text.split())[:100]}")
        results[kind] = {"injected": injected, "caught": caught,
                         "rate": round(caught / injected, 4) if injected else None, "missed_examples": missed}
    return {"roots": [str(r) for r in roots], "claims": claims_total, "per_kind": results,
            "false_alarms": {k: {"findings": v, "rate": round(v / claims_total, 4)} for k, v in sorted(alarms.items())},
            "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = [ROOT / "corpus"] + ([ROOT.parent / "shared/corpora/real"] if (ROOT.parent / "shared/corpora/real").is_dir() else [])
    ap.add_argument("--roots", nargs="+", type=Path, default=default)
    ap.add_argument("--per-kind", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = run(a.roots, a.per_kind, a.seed)
    if a.json:
        print(json.dumps(res, indent=2))
        return
    print(f"drafts from {', '.join(res['roots'])}: {res['claims']} claims; {res['seconds']}s")
    print(f"{'kind':<16}{'injected':>9}{'caught':>8}{'rate':>8}")
    for kind, r in res["per_kind"].items():
        rate = f"{r['rate']:.1%}" if r["rate"] is not None else "-"
        print(f"{kind:<16}{r['injected']:>9}{r['caught']:>8}{rate:>8}")
    print("false alarms on unmodified drafts (findings / claims):",
          ", ".join(f"{k} {v['rate']:.2%}" for k, v in res["false_alarms"].items()) or "none")
    for kind, r in res["per_kind"].items():
        for m in r["missed_examples"]:
            print(f"  missed {kind}: {m}")


if __name__ == "__main__":
    main()
