/* The graph explorer on /graph: Cytoscape.js (vendored) over /api/graph.
 *
 * Progressive: the page holds the server's SVG picture; when this script and Cytoscape load
 * and the data arrives, the explorer replaces it. Filters by kind, relation and decade; a
 * node selected (by tap, or by name in the find box) focuses its neighbourhood and lists it
 * as links. The explorer's state is on #explorer's data attributes (visible nodes, focus)
 * for tests and for anyone scripting the page.
 */
(function () {
  "use strict";
  var root = document.getElementById("explorer");
  if (!root || typeof window.cytoscape !== "function" || !window.fetch) { return; }

  var COLOURS = { theory: "#1a56a8", model: "#a34a00", person: "#2f7d32" };  /* style.css --theory, --model, --person */
  var EDGES = {
    buildsOn: { color: "#1a56a8", style: "solid" }, influencedBy: { color: "#1a56a8", style: "solid" },
    relatedTo: { color: "#6b7280", style: "solid" }, contrastsWith: { color: "#b42318", style: "dashed" },
    developedBy: { color: "#9ca3af", style: "solid" }, forerunner: { color: "#6b7280", style: "dashed" },
    critic: { color: "#6b7280", style: "dotted" }
  };

  fetch("/api/graph", { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(start)
    .catch(function () { /* the SVG picture stays */ });

  function start(data) {
    var byLabel = {};
    var names = document.getElementById("explorer-names");
    data.nodes.forEach(function (n) {
      byLabel[n.label.toLowerCase()] = n.id;
      var option = document.createElement("option");
      option.value = n.label;
      names.appendChild(option);
    });
    var elements = data.nodes.map(function (n) {
      return { group: "nodes", data: n, position: { x: n.x, y: n.y } };
    }).concat(data.edges.map(function (e) { return { group: "edges", data: e }; }));

    root.hidden = false;
    document.getElementById("graph-fallback").hidden = true;
    var cy = window.cytoscape({
      container: document.getElementById("cy"),
      elements: elements,
      layout: { name: "preset", fit: true, padding: 20 },
      minZoom: 0.15, maxZoom: 4,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "font-size": 11, "color": "#111827",
          "text-valign": "top", "text-margin-y": -4, "min-zoomed-font-size": 7,
          "text-outline-color": "#ffffff", "text-outline-width": 2,
          "width": 16, "height": 16, "border-width": 2, "border-color": "#ffffff" } },
        { selector: "node[kind = 'theory']", style: { "background-color": COLOURS.theory, "shape": "ellipse" } },
        { selector: "node[kind = 'model']", style: { "background-color": COLOURS.model, "shape": "round-rectangle",
          "border-style": "dashed", "border-color": "#1a1a1a" } },
        { selector: "node[kind = 'person']", style: { "background-color": COLOURS.person, "shape": "diamond",
          "width": 10, "height": 10, "font-size": 9 } },
        { selector: "edge", style: { "width": 1.3, "curve-style": "straight", "opacity": 0.8 } },
        { selector: "node.focus", style: { "border-color": "#111827", "border-width": 3, "width": 24, "height": 24,
          "z-index": 10 } },
        { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0 } },
        { selector: ".off", style: { "display": "none" } }
      ].concat(Object.keys(EDGES).map(function (key) {
        return { selector: "edge[relation = '" + key + "']", style: {
          "line-color": EDGES[key].color, "line-style": EDGES[key].style,
          "target-arrow-shape": key === "buildsOn" || key === "influencedBy" ? "triangle" : "none",
          "target-arrow-color": EDGES[key].color } };
      }))
    });

    var form = document.getElementById("explorer-controls");
    var status = document.getElementById("explorer-status");
    var panel = document.getElementById("explorer-focus");
    var focused = null;

    function checked(name) {
      var on = {};
      form.querySelectorAll("input[name='" + name + "']").forEach(function (box) { on[box.value] = box.checked; });
      return on;
    }

    function apply() {
      var kinds = checked("kind"), relations = checked("relation");
      var from = +document.getElementById("decade-from").value, to = +document.getElementById("decade-to").value;
      if (from > to) { var t = from; from = to; to = t; }
      cy.batch(function () {
        cy.elements().removeClass("off");
        cy.nodes().forEach(function (n) {
          var d = n.data();
          var show = kinds[d.kind] && (d.kind === "person" || (d.decade >= from && d.decade <= to));
          if (!show) { n.addClass("off"); }
        });
        cy.edges().forEach(function (e) {
          if (!relations[e.data("relation")] || e.source().hasClass("off") || e.target().hasClass("off")) {
            e.addClass("off");
          }
        });
        // a researcher is shown only with an entry they are linked to
        cy.nodes("[kind = 'person']").forEach(function (n) {
          if (!n.hasClass("off") && n.connectedEdges().not(".off").length === 0) { n.addClass("off"); }
        });
      });
      if (focused && focused.hasClass("off")) { unfocus(); } else if (focused) { focus(focused); }
      report();
    }

    function report() {
      var visible = cy.nodes().not(".off").length;
      root.dataset.visibleNodes = String(visible);
      root.dataset.visibleEdges = String(cy.edges().not(".off").length);
      root.dataset.focus = focused ? focused.id() : "";
      if (!focused) {
        status.textContent = "Showing " + visible + " of " + cy.nodes().length + " nodes.";
      }
    }

    function focus(node) {
      focused = node;
      var hood = node.closedNeighborhood().not(".off");
      cy.batch(function () {
        cy.elements().addClass("faded").removeClass("focus");
        hood.removeClass("faded");
        node.addClass("focus");
      });
      cy.animate({ fit: { eles: hood, padding: 40 } }, { duration: 300 });
      var neighbours = hood.nodes().filter(function (n) { return n.id() !== node.id(); });
      panel.hidden = false;
      panel.innerHTML = "";
      var heading = document.createElement("h3");
      var link = document.createElement("a");
      link.href = node.data("href");
      link.textContent = node.data("label");
      heading.appendChild(link);
      panel.appendChild(heading);
      var list = document.createElement("ul");
      neighbours.forEach(function (n) {
        var edge = node.edgesWith(n).not(".off")[0];
        var item = document.createElement("li");
        var a = document.createElement("a");
        a.href = n.data("href");
        a.textContent = n.data("label");
        item.appendChild(a);
        if (edge) { item.appendChild(document.createTextNode(" — " + (data.relations[edge.data("relation")] || ""))); }
        list.appendChild(item);
      });
      panel.appendChild(list);
      status.textContent = "Focused on " + node.data("label") + ": " + neighbours.length + " neighbours.";
      report();
    }

    function unfocus() {
      focused = null;
      cy.elements().removeClass("faded").removeClass("focus");
      panel.hidden = true;
      cy.animate({ fit: { eles: cy.elements().not(".off"), padding: 20 } }, { duration: 300 });
      report();
    }

    cy.on("tap", "node", function (event) { focus(event.target); });
    cy.on("tap", function (event) { if (event.target === cy) { unfocus(); } });
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var wanted = document.getElementById("find").value.trim().toLowerCase();
      var id = byLabel[wanted];
      if (!id) {
        var match = Object.keys(byLabel).filter(function (label) { return label.indexOf(wanted) !== -1; })[0];
        id = wanted && match ? byLabel[match] : null;
      }
      var node = id ? cy.getElementById(id) : null;
      if (node && node.length && !node.hasClass("off")) { focus(node); }
      else { status.textContent = "No shown entry or person matches \u201c" + document.getElementById("find").value + "\u201d."; }
    });
    document.getElementById("explorer-reset").addEventListener("click", function () {
      form.reset();
      apply();
      unfocus();
    });
    report();
  }
}());
