"""Open a run's static review in headless Chromium: the index and the N largest review/<page>.html
files, each opened R times (default 3; the median is reported: the machine may be shared) and timed
to its load event and first layout, then a click on the first citation of the largest page (its
source's script loads). Usage: python eval/bench_review.py OUT [N] [R] (needs the test extra and
/usr/bin/chromium)."""

import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
files = sorted((out / "review").glob("*.html"), key=lambda p: -p.stat().st_size)[:n]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    pg = b.new_page()
    rows = []
    for f in [out / "review.html"] + files:
        times = []
        for _ in range(repeat):
            pg.goto("about:blank")
            t = time.perf_counter()
            pg.goto(f.resolve().as_uri(), wait_until="load", timeout=120000)
            pg.evaluate("() => document.body.offsetHeight")  # layout done
            times.append(time.perf_counter() - t)
        rows.append((statistics.median(times), f.stat().st_size, f.name, max(times)))
    # click the first citation on the largest page: the source pane fills
    pg.goto(files[0].resolve().as_uri(), wait_until="load")
    t = time.perf_counter()
    pg.click("a.cite >> nth=0")
    pg.wait_for_selector("#srcbody .ln")
    click = time.perf_counter() - t
    b.close()
for s, size, name, worst in rows:
    print(f"{s:6.2f} s (worst {worst:5.2f} s) {size/1e6:8.2f} MB {name}")
print(f"median of {repeat} opens: max {max(r[0] for r in rows):.2f} s over {len(rows)} files "
      f"(worst single open {max(r[3] for r in rows):.2f} s); first citation on the largest page: {click:.2f} s")
print(f"review files: {len(list((out / 'review').glob('*.html')))}, total {sum(p.stat().st_size for p in (out / 'review').glob('*.html'))/1e6:.1f} MB, index {(out / 'review.html').stat().st_size/1e6:.2f} MB")
