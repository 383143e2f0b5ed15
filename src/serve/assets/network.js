// newsdb serve: on the network page, hovering an entity highlights its links and
// neighbours. The graph is complete without it (drawn by the server); this only helps.
(function () {
  "use strict";
  var svg = document.querySelector("svg.network");
  if (!svg) { return; }
  var lines = Array.prototype.slice.call(svg.querySelectorAll("line"));
  var nodes = Array.prototype.slice.call(svg.querySelectorAll("a[data-id]"));
  function focus(id) {
    var near = {};
    near[id] = true;
    lines.forEach(function (l) {
      var hit = l.getAttribute("data-a") === id || l.getAttribute("data-b") === id;
      l.classList.toggle("near", hit);
      if (hit) { near[l.getAttribute("data-a")] = true; near[l.getAttribute("data-b")] = true; }
    });
    nodes.forEach(function (n) { n.classList.toggle("near", !!near[n.getAttribute("data-id")]); });
    svg.classList.add("focus");
  }
  function clear() { svg.classList.remove("focus"); }
  nodes.forEach(function (n) {
    n.addEventListener("mouseenter", function () { focus(n.getAttribute("data-id")); });
    n.addEventListener("mouseleave", clear);
    n.addEventListener("focus", function () { focus(n.getAttribute("data-id")); });
    n.addEventListener("blur", clear);
  });
})();
