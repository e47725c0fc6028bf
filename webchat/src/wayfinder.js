/*
 * Wayfinder chat widget: the one tag a page needs.
 *
 *   <script src="https://HUB/webchat/wayfinder.js" async
 *           data-title="Riverside Council help" data-greeting="Hello!"
 *           data-primary-color="#1d70b8"></script>
 *
 * It loads, in order, the Socket.IO client (from npm, served by the hub), the wording,
 * the markdown renderer, the view, the chat and the end-of-chat rating, then starts the chat.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || (window.Wayfinder && window.Wayfinder.loaded)) {
    return;
  }
  var base = script.src.replace(/[^/]*(\?.*)?$/, "");
  var data = script.dataset;
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});
  Wayfinder.loaded = true;
  Wayfinder.previousIo = window.io; // the page's own Socket.IO client, if it has one, is put back
  Wayfinder.config = {
    hubUrl: (data.hubUrl || new URL(base).origin).replace(/\/+$/, ""),
    title: data.title || "",
    greeting: data.greeting || "",
    primaryColor: data.primaryColor || "",
    lang: data.lang || document.documentElement.lang || "en",
  };

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "wayfinder.css";
  document.head.appendChild(css);

  var files = ["vendor/socket.io.min.js", "strings.js", "markdown.js", "page.js", "view.js", "chat.js", "rating.js"];
  files.forEach(function (file, index) {
    var tag = document.createElement("script");
    tag.src = base + file;
    tag.async = false; // run in the order listed
    tag.onerror = function () {
      if (window.console) {
        window.console.warn("Wayfinder: could not load " + tag.src);
      }
    };
    if (index === files.length - 1) {
      tag.onload = function () {
        Wayfinder.start(Wayfinder.config);
      };
    }
    document.head.appendChild(tag);
  });
})();
