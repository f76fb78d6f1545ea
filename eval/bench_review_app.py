"""Open the N largest pages of a run in the review app (consolidate/web), in headless Chromium: each
opened 3 times (the median is reported: the machine may be shared) and timed to its load event and
first layout, then the first citation of the largest page clicked (a lazy
source panel fills), and the server's peak memory. Usage: python eval/bench_review_app.py OUT [N]
(needs the test extra and /usr/bin/chromium)."""

import resource
import statistics
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from consolidate.web.app import bind, create_app

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
t0 = time.perf_counter()
app = create_app(out)
load = time.perf_counter() - t0
sock = bind(0)
srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True).start()
while not srv.started:
    time.sleep(0.05)
url = f"http://127.0.0.1:{sock.getsockname()[1]}"
pages = sorted((out / "pages").glob("*.md"), key=lambda p: -p.stat().st_size)[:n]
rows = []
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    pg = b.new_page()
    for f in pages:
        times = []
        for _ in range(3):
            pg.goto("about:blank")
            t = time.perf_counter()
            resp = pg.goto(f"{url}/page/{f.name}", wait_until="load", timeout=120000)
            pg.evaluate("() => document.body.offsetHeight")
            times.append(time.perf_counter() - t)
        rows.append((statistics.median(times), len(resp.body()), f.name, max(times)))
    pg.goto(f"{url}/page/{pages[0].name}", wait_until="load")
    t = time.perf_counter()
    pg.click("#rendered a.cite >> nth=0")
    pg.wait_for_selector("#sources .ln.active")
    click = time.perf_counter() - t
    b.close()
srv.should_exit = True
for s, size, name, worst in rows:
    print(f"{s:6.2f} s (worst {worst:5.2f} s) {size/1e6:8.2f} MB {name}")
print(f"median of 3 opens: max {max(r[0] for r in rows):.2f} s over {len(rows)} pages (server start {load:.1f} s); "
      f"first citation on the largest page: {click:.2f} s; server peak RSS "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
