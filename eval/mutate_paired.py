"""One mutation kind of eval/mutate.py on a fixed set of claims, to compare two versions of the checker.

    python eval/mutate_paired.py [--code DIR] [--kind wrong-citation] [--n 500]

eval/mutate.py draws its sample by shuffling every claim, so a draft with one claim more draws
other claims and its rates move by a few points from that alone. Here claims are taken in the
order of a hash of their page, line and text, and each is mutated with a generator seeded by that
hash, so two versions (the checkout the script sits in, or --code DIR, e.g. a `git archive REV`
unpacked there) are scored on the same claims as far as their drafts agree. Prints each miss,
then injected, caught and the rate.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--code", default=str(Path(__file__).resolve().parents[1]),
                    help="a checkout of the project whose checker (and eval/mutate.py) is scored")
    ap.add_argument("--kind", default="wrong-citation")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--roots", nargs="+", help="default: CODE/corpus and ../shared/corpora/real next to this checkout")
    a = ap.parse_args()
    code = Path(a.code).resolve()
    if not (code / "eval" / "mutate.py").is_file():
        print(f"mutate_paired: --code {code} has no eval/mutate.py; pass a checkout of the project", file=sys.stderr)
        return 2
    sys.path[:0] = [str(code), str(code / "eval")]
    sys.argv = sys.argv[:1]
    import mutate  # the checkout's own, with its checker
    from consolidate.checks.claims import parse_page

    if a.kind not in mutate.MUTATORS:
        print(f"mutate_paired: --kind {a.kind} is not one of {', '.join(mutate.MUTATORS)}", file=sys.stderr)
        return 2
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real"
    roots = [Path(r) for r in a.roots] if a.roots else [code / "corpus", shared]
    with tempfile.TemporaryDirectory() as tmp:
        ctxs = [mutate.build(r, Path(tmp)) for r in roots]
    claims = []
    for ctx in ctxs:
        for name, text in ctx.pages.items():
            parsed = parse_page(text)
            for c in parsed.claims:
                key = hashlib.sha1(f"{name}:{c.line}:{c.text}".encode()).hexdigest()
                claims.append((key, ctx, name, text, parsed, c))
    claims.sort(key=lambda x: x[0])
    injected = caught = 0
    before: dict[str, set] = {}
    for key, ctx, name, text, parsed, c in claims:
        if injected >= a.n:
            break
        new = mutate.MUTATORS[a.kind](c, text, parsed, random.Random(key))
        if new is None or new == text:
            continue
        injected += 1
        if name not in before:
            before[name] = mutate.check(ctx, name, text)
        if mutate.check(ctx, name, new) - before[name]:
            caught += 1
        else:
            print("missed", f"{name}:{c.line}:", " ".join(c.text.split())[:100])
    print(f"{a.kind}: {caught} of {injected} caught ({caught / injected:.1%})" if injected else f"{a.kind}: none injected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
