// The SPARQL console: YASGUI (vendored, see scripts/vendor_yasgui.py) on this endpoint, with
// the project's prefixes and example queries as tabs. Without JavaScript the plain form works.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var data = document.getElementById("console-config");
  if (!root || !data || typeof window.Yasgui !== "function") return;
  var config = JSON.parse(data.textContent);
  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    persistenceId: null,            // a fresh console on every visit: the examples, not stale tabs
    populateFromUrl: false,
    yasqe: {
      value: config.examples[0].query,
      // Only what needs no other site: variable names; prefixes come from this page.
      autocompleters: ["variables"],
      resizeable: true,
    },
    yasr: { prefixes: config.prefixes, defaultPlugin: "table" },
  });
  var first = yasgui.getTab();
  if (first) { first.setName(config.examples[0].title); }
  for (var i = 1; i < config.examples.length; i++) {
    yasgui.addTab(false, {
      name: config.examples[i].title,
      yasqe: { value: config.examples[i].query },
      requestConfig: { endpoint: config.endpoint, method: "POST" },
    });
  }
  document.documentElement.classList.add("has-yasgui");

  // Accessibility repairs to YASGUI's markup (axe-core, WCAG 2.2 AA), kept up as it redraws:
  // its tabs are links to panels that exist only once opened, so they stay plain links;
  // its inputs get names; its scrolling editor can be reached by keyboard.
  function repair() {
    root.querySelectorAll("[role=tablist]").forEach(function (el) { el.removeAttribute("role"); });
    root.querySelectorAll("[role=tab]").forEach(function (el) {
      el.removeAttribute("role");
      el.removeAttribute("aria-controls");
      el.removeAttribute("aria-selected");
    });
    root.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (el) {
      el.setAttribute("aria-label", "SPARQL endpoint");
    });
    root.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach(function (el) {
      el.setAttribute("aria-label", "SPARQL query");
    });
    root.querySelectorAll(".CodeMirror-scroll[tabindex='-1']").forEach(function (el) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("aria-label", "SPARQL query editor");
    });
  }
  repair();
  new MutationObserver(repair).observe(root, { childList: true, subtree: true, attributes: true,
                                               attributeFilter: ["role", "tabindex"] });
})();
