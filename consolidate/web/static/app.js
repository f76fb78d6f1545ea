// Review app behaviour: jump to a citation's lines, show a sentence's citations on hover.
// It reads data-* attributes the server wrote and toggles classes; the lines of a lazy source panel
// (a page citing many documents) are fetched as JSON and put on the page with textContent only.
(function () {
  "use strict";
  function linesOf(a) {
    var src = a.getAttribute("data-src"), s = +a.getAttribute("data-start"), e = +a.getAttribute("data-end"), out = [];
    if (src === null || src === "-1") return out;
    for (var n = s; n <= e; n++) {
      var el = document.getElementById("src-" + src + "-L" + n);
      if (el) out.push(el);
    }
    return out;
  }
  function clear(cls) {
    document.querySelectorAll("." + cls).forEach(function (el) { el.classList.remove(cls); });
  }
  function fill(box, data) {
    var idx = box.getAttribute("data-idx"), cited = {}, frag = document.createDocumentFragment();
    data.cited.forEach(function (n) { cited[n] = true; });
    data.lines.forEach(function (text, i) {
      var row = document.createElement("div"), num = document.createElement("span"), x = document.createElement("span");
      row.className = "ln" + (cited[i + 1] ? " cited" : "");
      row.id = "src-" + idx + "-L" + (i + 1);
      row.setAttribute("data-line", String(i + 1));
      num.className = "n"; num.textContent = String(i + 1);
      x.className = "x"; x.textContent = text;
      row.appendChild(num); row.appendChild(x); frag.appendChild(row);
    });
    box.textContent = "";
    box.appendChild(frag);
    box.removeAttribute("data-lazy");
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a.cite");
    if (!a) return;
    var box = document.querySelector("#src-" + a.getAttribute("data-src") + " .lines[data-lazy]");
    if (box) {
      ev.preventDefault();
      fetch(box.getAttribute("data-lazy"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) { fill(box, data); a.click(); });
      return;
    }
    var lines = linesOf(a);
    if (!lines.length) return;
    ev.preventDefault();
    clear("active"); clear("on");
    lines.forEach(function (el) { el.classList.add("active"); });
    a.classList.add("on");
    lines[0].scrollIntoView({block: "center"});
    var head = document.getElementById("srchead");
    if (head) head.textContent = a.getAttribute("data-doc") + ":" + a.getAttribute("data-start") + "-" + a.getAttribute("data-end");
  });
  document.querySelectorAll(".sent").forEach(function (s) {
    s.addEventListener("mouseenter", function () {
      clear("hover");
      s.classList.add("hover");
      s.querySelectorAll("a.cite").forEach(function (a) {
        linesOf(a).forEach(function (el) { el.classList.add("hover"); });
      });
    });
    s.addEventListener("mouseleave", function () { clear("hover"); });
  });
})();
