"""The review web app (Starlette + Jinja2): pages list, side-by-side view, decisions, edits, diffs.

Safety: the server binds to loopback (see `serve`), only answers Host 127.0.0.1/localhost, every
POST carries the per-server token and a same-origin Origin (when the browser sends one), every
template is autoescaped and a Content-Security-Policy allows only the app's own script and style
files. Pages and documents are looked up by name in the run's records, never opened by a path
taken from the request.
"""

from __future__ import annotations

import secrets
import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from consolidate.accept import EditHasErrors, accept_page
from consolidate.checks.claims import parse_page
from consolidate.errors import UsageError
from consolidate import decisions as D
from consolidate.web import pageview
from consolidate.web.runview import RunView

HERE = Path(__file__).parent
INLINE_SOURCE_LINES = 5_000  # a page whose sources hold more lines gets each source's lines when first needed
LEDGER_SHOWN = 300  # dropped and merged passages listed per page (a page merging a boilerplate line of 1,578 documents)
LOOPBACK = "127.0.0.1"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    return Jinja2Templates(env=env)


def field_limit(pages) -> int:
    """The largest form field accepted: room for an edit of the run's largest page, percent-encoded
    (up to 3 bytes a byte) and then some; never under Starlette's 1 MiB default."""
    largest = max((len(t.encode("utf-8")) for t in pages), default=0)
    return max(1 << 20, 3 * 2 * largest + (64 << 10))


def create_app(out: Path, token: str | None = None, allowed_hosts: list[str] | None = None) -> Starlette:
    loaded = {"stamp": _stamp(out), "view": RunView.load(out)}
    token = token or secrets.token_urlsafe(32)
    templates = _templates()
    lock = threading.Lock()

    def fresh() -> RunView:
        """The run as it is now: reloaded when a later `consolidate run`/`draft` rewrote it."""
        stamp = _stamp(out)
        if stamp != loaded["stamp"]:
            loaded["stamp"], loaded["view"] = stamp, RunView.load(out)
        loaded["view"].reload_decisions()
        return loaded["view"]

    def page(request: Request, template: str, status: int = 200, **ctx) -> Response:
        ctx |= {"token": token, "run": loaded["view"]}
        resp = templates.TemplateResponse(request, template, ctx, status_code=status)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes browsers send Origin: null
        return resp

    def known_page(name: str):
        p = loaded["view"].page_plan(name)
        if p is None:
            raise HTTPException(404, "no such page in this run")
        return p

    async def guarded_form(request: Request) -> dict:
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
            raise HTTPException(403, "cross-origin request refused")
        form = await request.form(max_part_size=field_limit(loaded["view"].pages.values()))
        if not secrets.compare_digest(str(form.get("token", "")), token):
            raise HTTPException(403, "missing or wrong token; reload the page")
        return dict(form)

    async def index(request: Request) -> Response:
        view = fresh()
        return page(request, "index.html", rows=[view.row(n) for n in view.pages])

    async def show(request: Request) -> Response:
        view = fresh()
        name = request.path_params["name"]
        p = known_page(name)
        text = view.text(name)
        sources = list(p.sources)
        flagged = {f["line"] for f in view.findings(name) if f.get("severity") == "error" and isinstance(f.get("line"), int)}
        html, cites = pageview.render(text, sources, flagged)
        extra = sorted({c.doc for c in cites.values() if c.doc not in p.sources and c.doc in view.texts})
        if extra:  # cited documents outside the plan's sources are shown too
            sources += extra
            html, cites = pageview.render(text, sources, flagged)
        marked = pageview.cited_lines(cites)
        panels = [{"idx": i, "doc": d, "lines": view.texts.get(d), "cited": marked.get(d, set())} for i, d in enumerate(sources)]
        lazy = sum(len(s["lines"] or ()) for s in panels) > INLINE_SOURCE_LINES
        for s in panels:  # a page citing hundreds of documents: the panel fills when a citation of it is clicked
            s["lazy"] = lazy and s["lines"] is not None
        by_doc = {d: i for i, d in enumerate(sources)}
        return page(request, "page.html", row=view.row(name), plan=p, body=html, panels=panels, by_doc=by_doc,
                    findings=view.findings(name), conflicts=view.conflicts(name),
                    conflict_findings=view.conflict_findings(name), ledger=view.ledger_entries(name),
                    decision=view.decision(name), text=text, changed=view.changed, shown=LEDGER_SHOWN,
                    flash=request.query_params.get("saved", ""))

    async def show_diff(request: Request) -> Response:
        view = fresh()
        name = request.path_params["name"]
        p = known_page(name)
        doc = request.query_params.get("doc", "")
        if doc not in p.sources or doc not in view.texts:
            raise HTTPException(404, "that document is not a source of this page")
        return page(request, "diff.html", name=name, doc=doc, plan=p,
                    rows=pageview.diff(view.text(name), view.texts[doc], doc, name))

    async def show_source(request: Request) -> Response:
        """One source of a page as JSON, {lines, cited}: what a lazy panel of the page view loads."""
        view = fresh()
        name = request.path_params["name"]
        p = known_page(name)
        doc = request.query_params.get("doc", "")
        refs = parse_page(view.text(name)).refs.values()
        if doc not in view.texts or (doc not in p.sources and all(r.doc != doc for r in refs)):
            raise HTTPException(404, "that document is not a source of this page")
        cited = sorted({n for r in refs if r.doc == doc for n in range(r.start, r.end + 1)})
        return JSONResponse({"lines": view.texts[doc], "cited": cited}, headers={"X-Content-Type-Options": "nosniff"})

    async def decide(request: Request) -> Response:
        view = fresh()
        name = request.path_params["name"]
        p = known_page(name)
        form = await guarded_form(request)
        action = form.get("action")
        with lock:
            view.reload_decisions()
            if action == "accept":
                try:
                    accept_page(view, name)
                except EditHasErrors:
                    return page(request, "error.html", 409, message="This edit has checker errors; fix the flagged "
                                "sentences and save again before accepting.", back=f"/page/{name}")
            elif action == "reject":
                D.decide(view.out, name, "rejected", p, view.docs, None)
            elif action == "reset":
                D.forget(view.out, name)
            else:
                raise HTTPException(400, "unknown action; use accept, reject or reset")
            view.reload_decisions()
        return RedirectResponse(f"/page/{name}?saved={action}", status_code=303)

    async def edit(request: Request) -> Response:
        view = fresh()
        name = request.path_params["name"]
        p = known_page(name)
        form = await guarded_form(request)
        text = str(form.get("text", "")).replace("\r\n", "\n")
        if not text.strip():
            raise HTTPException(400, "an edit cannot be empty; reject the page instead")
        if not text.endswith("\n"):
            text += "\n"
        found = D.recheck(name, text, view.pages, view.chunks, view.texts, list(view.docs.values()), _assets(view.out))
        with lock:
            D.decide(view.out, name, "edited", p, view.docs, text, found)
            view.reload_decisions()
        return RedirectResponse(f"/page/{name}?saved=edit", status_code=303)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return page(request, "error.html", exc.status_code, message=exc.detail, back="/")

    routes = [
        Route("/", index),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        # a page's name is its file under OUT/pages, in its section's folder (`docs/api/client.md`)
        Route("/page/{name:path}/diff", show_diff),
        Route("/page/{name:path}/source", show_source),
        Route("/page/{name:path}/decision", decide, methods=["POST"]),
        Route("/page/{name:path}/edit", edit, methods=["POST"]),
        Route("/page/{name:path}", show),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    hosts = allowed_hosts or [LOOPBACK, "localhost"]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
                    exception_handlers={HTTPException: http_error})
    app.state.token = token
    return app


def _stamp(out: Path) -> tuple:
    return tuple(f.stat().st_mtime_ns if f.exists() else 0
                 for f in (out / "plan.json", out / "report.json", out / ".state" / "chunks.json"))


def _assets(out: Path) -> set[str]:
    pages = out / "pages"
    return {p.relative_to(pages).as_posix() for p in pages.rglob("*") if p.is_file() and p.suffix != ".md"}


def bind(port: int = 0) -> socket.socket:
    """A listening socket on loopback (port 0: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"port {port}: {exc.strerror}; pick another --port or leave it out for a free one")
    sock.listen(128)
    return sock


def serve(out: Path, port: int, open_browser: bool, ready: Callable[[str], None]) -> None:
    """Serve the review app until interrupted."""
    import uvicorn

    app = create_app(out)
    sock = bind(port)
    url = f"http://{LOOPBACK}:{sock.getsockname()[1]}/"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    ready(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])
