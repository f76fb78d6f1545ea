"""Open a run's static review in headless Chromium: the index and the N largest review/<page>.html
files, each timed to its load event and first layout, then a click on the first citation of the
largest page. Usage: python eval/bench_review.py OUT [N] (needs the test extra and /usr/bin/chromium)."""

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
files = sorted((out / "review").glob("*.html"), key=lambda p: -p.stat().st_size)[:n]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    pg = b.new_page()
    rows = []
    for f in [out / "review.html"] + files:
        t = time.perf_counter()
        pg.goto(f.resolve().as_uri(), wait_until="load", timeout=120000)
        pg.evaluate("() => document.body.offsetHeight")  # layout done
        rows.append((time.perf_counter() - t, f.stat().st_size, f.name))
    # click the first citation on the largest page: the source pane fills
    pg.goto(files[0].resolve().as_uri(), wait_until="load")
    t = time.perf_counter()
    pg.click("a.cite >> nth=0")
    pg.wait_for_selector("#srcbody .ln")
    click = time.perf_counter() - t
    b.close()
for s, size, name in rows:
    print(f"{s:6.2f} s {size/1e6:8.2f} MB {name}")
print(f"max {max(r[0] for r in rows):.2f} s over {len(rows)} files; first citation on the largest page: {click:.2f} s")
print(f"review files: {len(list((out / 'review').glob('*.html')))}, total {sum(p.stat().st_size for p in (out / 'review').glob('*.html'))/1e6:.1f} MB, index {(out / 'review.html').stat().st_size/1e6:.2f} MB")
