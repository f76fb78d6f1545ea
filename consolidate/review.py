"""Static review: an index, one HTML file per page, and one script per cited source (loaded on a click).

Left: the merged page, rendered by a tiny markdown renderer, with findings attached under the
block they point at. Right: the source document a clicked citation `[^n]` points at, with the
cited lines highlighted. Every piece of document content is escaped; source text reaches the
browser only as JSON in a `<script type="application/json">` block, and the fixed script below
puts it on the page with `textContent`. Output is a pure function of the inputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from html import escape
from typing import Iterator

from consolidate.footnotes import DEFN as _FOOTDEF, parse_definition
from consolidate.records import page_target

_INLINE = re.compile(r"`([^`]+)`|\[\^(\d+)\]|\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*")
_LIST = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RELMD = re.compile(r"^([\w./-]*\.md)?(#[\w\-.]*)?$")


def _e(s: str) -> str:
    return escape(s, quote=True)


INLINE_CITES = 20  # citation marks shown after a claim; the rest are in the page's Sources list
_LONG_RUN = re.compile(r"(?:\[\^\d+\]){%d,}" % (INLINE_CITES + 1))
_MORE = re.compile("\ue010(\\d+)\ue011")


def _cut_run(m: re.Match) -> str:
    """A claim citing hundreds of sources (a line every page of a reference repeats): its first marks,
    then a count (a private-use mark that escaping keeps) that _more turns into a note."""
    marks = re.findall(r"\[\^\d+\]", m.group(0))
    return "".join(marks[:INLINE_CITES]) + f"\ue010{len(marks) - INLINE_CITES}\ue011"


def _more(html: str) -> str:
    return _MORE.sub(lambda m: f'<sup class="more" title="the other sources are in the list at the end">'
                               f"+{m.group(1)} more</sup>", html)


def _slug(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.replace("`", "").lower())
    return text.strip().replace(" ", "-")


class _Page:
    def __init__(self, idx: int, name: str, text: str, sources: dict[str, list[str]]):
        self.idx, self.name, self.sources = idx, name, sources
        self.lines = text.splitlines()
        self.title = name
        self.refs: dict[str, tuple[str, int, int, str]] = {}
        self.ids: dict[str, int] = {}
        body = self._front_matter()
        end = len(self.lines)
        for i in range(len(self.lines) - 1, body - 1, -1):  # the final "## Sources" footnote block
            if self.lines[i].strip() == "## Sources":
                if all(not ln.strip() or _FOOTDEF.match(ln) for ln in self.lines[i + 1:]):
                    end = i
                break
        for ln in self.lines[body:]:
            d = parse_definition(ln)
            if d and d[0].isdigit():  # our labels are numbers
                self.refs[d[0]] = (d[1].doc, d[1].start, d[1].end, d[1].chunk)
        self.body, self.end = body, end

    def _front_matter(self) -> int:
        if not self.lines or self.lines[0].strip() != "---":
            return 0
        for i in range(1, len(self.lines)):
            if self.lines[i].strip() == "---":
                for ln in self.lines[1:i]:
                    if ln.startswith("title:"):
                        t = ln[6:].strip()
                        try:
                            t = json.loads(t) if t.startswith('"') else t.strip("'")
                        except ValueError:
                            t = t.strip('"')
                        self.title = str(t) or self.name
                return i + 1
        return 0

    def cite(self, n: str, title: bool = True) -> str:
        ref = self.refs.get(n)
        if ref is None:
            return f'<sup class="cite missing" title="no definition">[{_e(n)}]</sup>'
        doc, s, e, chunk = ref
        miss = "" if doc in self.sources else " nosrc"
        tip = f' title="{_e(f"{doc}:{s}-{e} chunk {chunk}")}"' if title else ""
        link = f'<a href="#" class="cite{miss}" data-doc="{_e(doc)}" data-start="{s}" data-end="{e}"{tip}>{_e(n)}</a>'
        return f"<sup>{link}</sup>" if title else link

    def inline(self, text: str, links: bool = True) -> str:
        out, pos = [], 0
        text = _LONG_RUN.sub(_cut_run, text.replace("\ue010", "").replace("\ue011", ""))
        for m in _INLINE.finditer(text):
            out.append(_more(_e(text[pos:m.start()])))
            pos = m.end()
            code, fn, ltext, href, bold = m.groups()
            if code is not None:
                out.append(f"<code>{_e(code)}</code>")
            elif fn is not None:
                out.append(self.cite(fn))
            elif bold is not None:
                out.append(f"<strong>{self.inline(bold, links)}</strong>")
            elif not links:
                out.append(self.inline(ltext, False))
            elif href.startswith(("http://", "https://")):
                out.append(f'<a href="{_e(href)}" rel="noopener noreferrer" target="_blank">'
                           f"{self.inline(ltext, False)}</a>")
            elif _RELMD.match(href):
                page, _, anchor = href.partition("#")
                page = page_target(self.name, page) if page else self.name  # links are relative to the page's folder
                out.append(f'<a href="#" class="pagelink" data-page="{_e(page)}" data-file="{_e(page_file(page)[len(REVIEW_DIR) + 1:])}" '
                           f'data-anchor="{_e(anchor)}">{self.inline(ltext, False)}</a>')
            else:
                out.append(self.inline(ltext, False))
        out.append(_more(_e(text[pos:])))
        return "".join(out)

    def blocks(self) -> list[tuple[int, int, str]]:
        """(first line, last line, html) per block; line numbers are 1-based in the whole file."""
        L, i, out = self.lines, self.body, []
        while i < self.end:
            ln, start = L[i], i
            if not ln.strip() or _FOOTDEF.match(ln):
                i += 1
                continue
            if ln.lstrip().startswith(("```", "~~~")):
                fence = ln.lstrip()[:3]
                i += 1
                while i < self.end and not L[i].lstrip().startswith(fence):
                    i += 1
                code = "\n".join(L[start + 1:i])
                lang = ln.lstrip()[3:].strip()
                lab = f'<span class="lang">{_e(lang)}</span>' if lang else ""
                out.append((start + 1, min(i, self.end - 1) + 1, f"<pre>{lab}<code>{_e(code)}</code></pre>"))
                i += 1
                continue
            h = _HEADING.match(ln)
            if h:
                lvl, txt = len(h.group(1)), h.group(2)
                slug = _slug(txt)
                n = self.ids.get(slug, 0)
                self.ids[slug] = n + 1
                hid = f"p{self.idx}-{slug}" + (f"-{n}" if n else "")
                out.append((i + 1, i + 1, f'<h{lvl} id="{_e(hid)}">{self.inline(txt)}</h{lvl}>'))
                i += 1
                continue
            if ln.startswith(">"):
                while i < self.end and L[i].startswith(">"):
                    i += 1
                paras = "\n".join(re.sub(r"^> ?", "", x) for x in L[start:i]).split("\n\n")
                inner = "".join(f"<p>{self.inline(' '.join(p.split(chr(10))))}</p>" for p in paras if p.strip())
                out.append((start + 1, i, f"<blockquote>{inner}</blockquote>"))
                continue
            if ln.lstrip().startswith("|"):
                while i < self.end and L[i].lstrip().startswith("|"):
                    i += 1
                rows = [[c.strip() for c in r.strip().strip("|").split("|")] for r in L[start:i]]
                html, head = ["<table>"], len(rows) > 1 and all(re.fullmatch(r":?-+:?", c) for c in rows[1])
                for k, row in enumerate(rows):
                    if head and k == 1:
                        continue
                    tag = "th" if head and k == 0 else "td"
                    html.append("<tr>" + "".join(f"<{tag}>{self.inline(c)}</{tag}>" for c in row) + "</tr>")
                out.append((start + 1, i, "".join(html) + "</table>"))
                continue
            m = _LIST.match(ln)
            if m:
                tag = "ol" if m.group(2)[0].isdigit() else "ul"
                items: list[tuple[int, str]] = []
                while i < self.end and L[i].strip():
                    lm = _LIST.match(L[i])
                    if lm:
                        items.append((len(lm.group(1)), lm.group(3)))
                    elif items and (L[i].startswith(" ") or not _block_start(L[i])):
                        items[-1] = (items[-1][0], items[-1][1] + " " + L[i].strip())
                    else:
                        break
                    i += 1
                lis = "".join(f'<li style="margin-left:{min(ind // 2, 8)}em">{self.inline(t)}</li>'
                              if ind else f"<li>{self.inline(t)}</li>" for ind, t in items)
                out.append((start + 1, i, f"<{tag}>{lis}</{tag}>"))
                continue
            while i < self.end and L[i].strip() and (i == start or not _block_start(L[i])):
                i += 1
            text = " ".join(x.strip() for x in L[start:i])
            out.append((start + 1, i, f"<p>{self.inline(text)}</p>"))
        return out


def _block_start(ln: str) -> bool:
    s = ln.lstrip()
    return bool(_HEADING.match(ln) or s.startswith(("```", "~~~", "|", ">")) or _LIST.match(ln)
                or _FOOTDEF.match(ln))


def _finding(f: dict) -> str:
    sev = "error" if f.get("severity") == "error" else "warning"
    line = f.get("line")
    where = f' <span class="where">{_e(str(f.get("page", "")))}' + (f":{int(line)}" if line is not None else "") + "</span>"
    return (f'<div class="finding {sev}"><b>{sev}</b> <span class="kind">{_e(str(f.get("kind", "")))}</span>'
            f"{where} {_e(str(f.get('message', '')))}</div>")


def _counts(fs: list[dict]) -> str:
    err = sum(1 for f in fs if f.get("severity") == "error")
    warn = len(fs) - err
    return (f'<span class="badge err">{err}</span>' if err else "") + \
           (f'<span class="badge warn">{warn}</span>' if warn else "") + \
           ("" if fs else '<span class="badge ok">0</span>')


REVIEW_DIR = "review"
SOURCES_DIR = "sources"  # under REVIEW_DIR


def page_file(name: str) -> str:
    """Where a page's review file goes, relative to OUT: every one in review/, a page in a section
    named with `~` for `/` (`docs/api/x.md` -> `review/docs~api~x.html`; no section or slug holds `~`)."""
    return f"{REVIEW_DIR}/{(name[:-3] if name.endswith('.md') else name).replace('/', '~')}.html"


def source_file(doc: str) -> str:
    """Where a source's lines go for the per-page review files, relative to OUT/review."""
    return f"{SOURCES_DIR}/{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:16]}.js"


def _source_script(doc: str, lines: list[str]) -> str:
    """A source as a script that hands its lines to the review page that loads it (on a citation's click)."""
    return f"consolidateSource({_json([doc, list(lines)])[1:-1]});\n"


def review_files(pages: list[tuple[str, str]], sources: dict[str, list[str]], findings: list[dict]) -> Iterator[tuple[str, str]]:
    """(file, text) of review.html, an index (every page with its finding counts, and the run's findings),
    review/<page>.html per page, and review/sources/<id>.js per cited source, which a page file
    loads when one of its citations is clicked: each page opens at once however large the run or
    however many sources it cites (one file was 254 MB on the large tree; a page citing 1,578
    documents embedded 20 MB of them). Made one at a time, as they are written (the large tree's
    are hundreds of MB together)."""
    names = {name for name, _ in pages}
    parsed = {name: _Page(0, name, text, {}) for name, text in pages}
    by_page: dict[str, list[dict]] = {}  # each page's findings, in the run's order
    for f in findings:
        by_page.setdefault(f.get("page"), []).append(f)
    yield "review.html", _index(pages, findings, names, parsed, by_page)
    used: set[str] = set()
    for name, text in pages:
        cited = sorted(d for d in {ref[0] for ref in parsed[name].refs.values()} if d in sources)
        used.update(cited)
        yield page_file(name), render_review([(name, text)], {d: sources[d] for d in cited},
                                             by_page.get(name, []), index="../review.html",
                                             on_demand={d: source_file(d) for d in cited})
    for doc in sorted(used):
        yield f"{REVIEW_DIR}/{source_file(doc)}", _source_script(doc, sources[doc])


def _json(value) -> str:
    """JSON that cannot end a <script> element or a JS string early: <, >, & and line separators escaped."""
    data = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _index(pages: list[tuple[str, str]], findings: list[dict], names: set[str], parsed: dict[str, "_Page"],
           by_page: dict[str, list[dict]]) -> str:
    rows = []
    for name, text in pages:
        mine = by_page.get(name, [])
        title = parsed[name].title
        rows.append(f'<li><a href="{_e(page_file(name))}"><span class="t">{_e(title)}</span> '
                    f'<span class="fn">{_e(name)}</span></a> {_counts(mine)}</li>')
    run = [f for f in findings if f.get("page") not in names]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>consolidate review</title><style>{_INDEX_CSS}</style></head><body>"
            f'<h1>Pages ({len(pages)})</h1><ul class="pages">{"".join(rows)}</ul>'
            f'<h2>Run findings {_counts(run)}</h2>' + ("".join(_finding(f) for f in run) or "<p>None.</p>")
            + "</body></html>\n")


def render_review(pages: list[tuple[str, str]], sources: dict[str, list[str]], findings: list[dict],
                  index: str = "", on_demand: dict[str, str] | None = None) -> str:
    """Return one self-contained HTML document (str). index: the href of the index of all pages
    (a page file of review_files); links to pages not in this document then go to their files.
    on_demand: source -> the script file holding its lines, loaded when a citation of it is
    clicked (review_files); the sources are then not embedded."""
    names = {name for name, _ in pages}
    nav, sections = [], []
    if index:
        nav.append(f'<li class="runnav"><a href="{_e(index)}">All pages</a></li>')
    for idx, (name, text) in enumerate(pages):
        page = _Page(idx, name, text, sources)
        mine = [f for f in findings if f.get("page") == name]
        blocks = page.blocks()
        placed: set[int] = set()
        by_line: dict[int, list[int]] = {}
        for k, f in enumerate(mine):
            if isinstance(f.get("line"), int):
                by_line.setdefault(f["line"], []).append(k)
        body = []
        for start, end, html in blocks:
            body.append(f'<div class="blk" data-line="{start}">{html}')
            here = sorted(k for ln in range(start, end + 1) for k in by_line.get(ln, ()) if k not in placed)
            placed.update(here)
            body += [_finding(mine[k]) for k in here]
            body.append("</div>")
        top = [_finding(f) for k, f in enumerate(mine) if k not in placed]
        refs = "".join(f"<li>{page.cite(n, title=False)} <code>{_e(d)}:{s}-{e}</code></li>"
                       for n, (d, s, e, _) in sorted(page.refs.items(), key=lambda kv: int(kv[0])))
        active = " active" if idx == 0 else ""
        nav.append(f'<li><a href="#" class="nav{active}" data-idx="{idx}" data-name="{_e(name)}">'
                   f'<span class="t">{_e(page.title)}</span><span class="fn">{_e(name)}</span>{_counts(mine)}</a></li>')
        sections.append(
            f'<section class="page{active}" id="page-{idx}" data-name="{_e(name)}">'
            f'<div class="meta"><code>{_e(name)}</code></div>'
            + (f'<div class="top">{"".join(top)}</div>' if top else "")
            + "".join(body)
            + (f'<h2 class="refs-h">Sources</h2><ol class="refs">{refs}</ol>' if refs else "")
            + "</section>")
    run = [f for f in findings if f.get("page") not in names]
    ridx = len(pages)
    nav.append(f'<li class="runnav"><a href="#" class="nav" data-idx="{ridx}" data-name="">'
               f'<span class="t">Run findings</span>{_counts(run)}</a></li>')
    sections.append(f'<section class="page" id="page-{ridx}"><h1>Run findings</h1>'
                    + ("".join(_finding(f) for f in run) or "<p>None.</p>") + "</section>")
    data = _json({"files": on_demand} if on_demand is not None else {"sources": {k: list(sources[k]) for k in sorted(sources)}})
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>consolidate review</title><style>{_CSS}</style></head><body>"
        f'<nav id="nav"><h1>Pages</h1><ul>{"".join(nav)}</ul></nav>'
        f'<main id="doc">{"".join(sections)}</main>'
        '<aside id="src"><div id="srchead">Click a citation to see its source.</div><div id="srcbody"></div></aside>'
        f'<script type="application/json" id="data">{data}</script>'
        f"<script>{_JS}</script></body></html>\n")


_CSS = """
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1d1d1f;display:grid;
grid-template-columns:230px minmax(0,1fr) minmax(0,1fr);height:100vh;overflow:hidden}
nav,main,aside{overflow:auto;height:100vh}nav{background:#f4f4f6;border-right:1px solid #ddd;padding:8px}
nav h1{font-size:13px;text-transform:uppercase;color:#666;margin:4px 6px}nav ul{list-style:none;margin:0;padding:0}
nav a{display:block;padding:5px 6px;border-radius:4px;color:inherit;text-decoration:none}
nav a:hover{background:#e6e6ea}nav a.active{background:#dfe8ff}nav .t{display:block;font-weight:600}
nav .fn{font-size:11px;color:#777;margin-right:4px}.runnav{border-top:1px solid #ddd;margin-top:6px;padding-top:6px}
.badge{display:inline-block;font-size:11px;border-radius:8px;padding:0 6px;margin-right:3px;color:#fff}
.badge.err{background:#c62828}.badge.warn{background:#e69500}.badge.ok{background:#9e9e9e}
main{padding:12px 24px;border-right:1px solid #ddd}.page{display:none}.page.active{display:block}
.meta{color:#888;font-size:12px}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #eee}
pre{background:#f6f8fa;padding:8px;overflow:auto;border-radius:4px;position:relative}
.lang{position:absolute;right:6px;top:2px;font-size:10px;color:#999}code{font:12px/1.4 ui-monospace,monospace}
p code,li code,td code{background:#f0f0f3;padding:0 3px;border-radius:3px}
blockquote{margin:8px 0;padding:4px 12px;border-left:4px solid #e69500;background:#fff8e6}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}
sup a.cite{text-decoration:none;background:#e3ebff;color:#1a4fd6;border-radius:3px;padding:0 3px;font-size:11px}
sup a.cite.nosrc{background:#ffe3e3;color:#b00}sup a.cite.on{background:#1a4fd6;color:#fff}
sup.missing{color:#c62828;font-size:10px}sup.more{color:#666;font-size:10px}
.finding{font-size:12px;margin:4px 0 8px;padding:4px 8px;border-radius:4px;border-left:4px solid}
.finding.error{background:#fdecea;border-color:#c62828}.finding.warning{background:#fff4e0;border-color:#e69500}
.finding .kind{font-family:ui-monospace,monospace}.finding .where{color:#777}
.top{margin:8px 0}.refs{font-size:12px;color:#555}
aside{padding:0;background:#fbfbfc;position:relative}#srchead{position:sticky;top:0;background:#eef1f7;padding:8px 12px;
border-bottom:1px solid #ddd;font-weight:600;word-break:break-all}
#srcbody{font:12px/1.45 ui-monospace,monospace}.ln{display:flex;white-space:pre-wrap}
.ln .n{flex:0 0 48px;text-align:right;padding-right:8px;color:#999;user-select:none}.ln .x{flex:1;word-break:break-word}
.ln.hl{background:#fff3b0}.ln.hl .n{color:#444;font-weight:700}.note{padding:12px;color:#b00}
"""

_INDEX_CSS = """
body{margin:24px;font:14px/1.5 system-ui,sans-serif;color:#1d1d1f}h1{font-size:22px}h2{font-size:18px}
ul.pages{list-style:none;padding:0}ul.pages li{padding:3px 0}a{text-decoration:none}.t{font-weight:600}
.fn{font-size:11px;color:#777}.badge{display:inline-block;font-size:11px;border-radius:8px;padding:0 6px;color:#fff}
.badge.err{background:#c62828}.badge.warn{background:#e69500}.badge.ok{background:#9e9e9e}
.finding{font-size:12px;margin:4px 0 8px;padding:4px 8px;border-radius:4px;border-left:4px solid}
.finding.error{background:#fdecea;border-color:#c62828}.finding.warning{background:#fff4e0;border-color:#e69500}
"""

_JS = """
(function(){
var data=JSON.parse(document.getElementById('data').textContent),src=data.sources||{},files=data.files||{},want=null;
var head=document.getElementById('srchead'),body=document.getElementById('srcbody');
window.consolidateSource=function(doc,lines){src[doc]=lines;if(want&&want.dataset.doc===doc){openSrc(want);}};
function load(a){  // a source's lines, from its own file next to this one: loaded on the first click
  var f=files[a.dataset.doc];want=a;head.textContent=a.dataset.doc+'  loading...';body.textContent='';
  if(document.querySelector('script[data-doc="'+CSS.escape(a.dataset.doc)+'"]'))return;
  var s=document.createElement('script');s.src=f;s.dataset.doc=a.dataset.doc;
  s.onerror=function(){s.remove();var n=document.createElement('div');n.className='note';n.textContent='Could not load '+f+'.';body.textContent='';body.appendChild(n);};
  document.body.appendChild(s);
}
function show(idx,anchor){
  document.querySelectorAll('section.page').forEach(function(s){s.classList.toggle('active',s.id==='page-'+idx);});
  document.querySelectorAll('nav a.nav').forEach(function(a){a.classList.toggle('active',a.dataset.idx===String(idx));});
  var el=anchor&&document.getElementById('p'+idx+'-'+anchor);
  if(el){el.scrollIntoView({block:'start'});}else{document.getElementById('doc').scrollTop=0;}
}
function openSrc(a){
  var doc=a.dataset.doc,s=+a.dataset.start,e=+a.dataset.end,lines=src[doc];
  if(!lines&&files[doc]){load(a);return;}
  want=null;
  document.querySelectorAll('a.cite.on').forEach(function(x){x.classList.remove('on');});
  a.classList.add('on');
  head.textContent=doc+'  lines '+s+'-'+e;
  body.textContent='';
  if(!lines){var n=document.createElement('div');n.className='note';n.textContent='Source not available in this run.';body.appendChild(n);return;}
  if(s<1||e>lines.length||s>e){var w=document.createElement('div');w.className='note';
    w.textContent='Cited span is outside the file ('+lines.length+' lines).';body.appendChild(w);}
  var first=null,frag=document.createDocumentFragment();
  for(var i=0;i<lines.length;i++){
    var row=document.createElement('div'),num=document.createElement('span'),tx=document.createElement('span');
    row.className='ln'+(i+1>=s&&i+1<=e?' hl':'');num.className='n';num.textContent=String(i+1);
    tx.className='x';tx.textContent=lines[i]===''?' ':lines[i];row.appendChild(num);row.appendChild(tx);frag.appendChild(row);
    if(i+1===s)first=row;
  }
  body.appendChild(frag);
  var pane=document.getElementById('src');
  if(first){pane.scrollTop=Math.max(0,first.offsetTop-pane.clientHeight/3);}else{pane.scrollTop=0;}
}
document.addEventListener('click',function(ev){
  var a=ev.target.closest('a.nav,a.cite,a.pagelink');if(!a)return;ev.preventDefault();
  if(a.classList.contains('nav')){show(a.dataset.idx);return;}
  if(a.classList.contains('cite')){openSrc(a);return;}
  var t=document.querySelector('nav a.nav[data-name="'+CSS.escape(a.dataset.page)+'"]');
  if(t){show(t.dataset.idx,a.dataset.anchor);return;}
  if(document.querySelector('nav a[href$="review.html"]')){  // one page of review/: the other page has its own file
    location.href=encodeURIComponent(a.dataset.file)+(a.dataset.anchor?'#p0-'+encodeURIComponent(a.dataset.anchor):'');}
});
})();
"""
