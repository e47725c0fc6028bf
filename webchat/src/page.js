/*
 * What the widget reads from and does to the organisation's page: where the customer is
 * (the path and the data-error-code the page shows), the outline on the field the
 * assistant points at, and room for the chat when it is a sheet across a small screen.
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});
  var ERROR_CODE = /^[A-Z][A-Z0-9_]{1,79}$/; // what the hub accepts; anything else is left out

  function HostPage(root, panel) {
    var self = this;
    this.root = root; // the widget: never read or outlined as part of the page
    this.panel = panel;
    this.highlighted = null;
    this.saved = { padding: document.body.style.paddingBottom, scroll: document.documentElement.style.scrollPaddingBottom };
    window.addEventListener("resize", function () {
      self.makeRoom();
    });
  }

  /** {page, error_code}: the path, and the first error code shown on the page (or null). */
  HostPage.prototype.whereAmI = function () {
    var codes = document.querySelectorAll("[data-error-code]");
    var code = null;
    for (var i = 0; i < codes.length && !code; i++) {
      var value = codes[i].getAttribute("data-error-code");
      if (!this.root.contains(codes[i]) && ERROR_CODE.test(value || "")) {
        code = value;
      }
    }
    return { page: window.location.pathname.slice(0, 500), error_code: code };
  };

  /** Outline the element the assistant points at and scroll to it; any earlier one loses its outline. */
  HostPage.prototype.highlight = function (selector) {
    if (this.highlighted) {
      this.highlighted.removeAttribute("data-wayfinder-highlight");
      this.highlighted = null;
    }
    if (!selector || typeof selector !== "string") {
      return false;
    }
    var target = null;
    try {
      target = document.querySelector(selector);
    } catch (e) {
      return false; // not a valid selector
    }
    if (!target || this.root.contains(target)) {
      return false;
    }
    target.setAttribute("data-wayfinder-highlight", "");
    this.highlighted = target;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" }); // clear of the chat: makeRoom
    return true;
  };

  /**
   * On a phone (or a zoomed-in screen) the open chat is a sheet across the bottom: let the
   * page scroll clear of it, so the customer can still see the field the assistant points at.
   */
  HostPage.prototype.makeRoom = function () {
    var box = this.panel.getBoundingClientRect();
    var sheet = !this.panel.hidden && box.left <= 1 && box.width >= window.innerWidth - 1;
    var room = sheet ? Math.ceil(window.innerHeight - box.top) + "px" : "";
    document.body.style.paddingBottom = room || this.saved.padding;
    document.documentElement.style.scrollPaddingBottom = room || this.saved.scroll;
  };

  Wayfinder.HostPage = HostPage;
})();
