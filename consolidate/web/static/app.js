// Review app behaviour: jump to a citation's lines, show a sentence's citations on hover.
// It only reads data-* attributes the server wrote and toggles classes; it never builds HTML.
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
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a.cite");
    if (!a) return;
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
