/*
 * A safe markdown subset for chat messages, built as DOM nodes (never innerHTML):
 * paragraphs, line breaks, **bold**, bulleted and numbered lists, and links —
 * [text](https://...) or a bare https://... address — to http and https only, opened in
 * a new tab. Anything else, HTML included, stays text.
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});

  var BULLET = /^\s*[-*•]\s+(.*)$/;
  var NUMBERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;
  // [label](url) | **bold** | a bare web address
  var INLINE = /\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)|\*\*(?=\S)([^\n]*?\S)\*\*|(https?:\/\/[^\s<>"'()]*[^\s<>"'().,;:!?])/g;

  function safeUrl(raw) {
    try {
      var url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(doc, href, label, strings) {
    var a = doc.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = label;
    var hint = doc.createElement("span");
    hint.className = "wf-visually-hidden";
    hint.textContent = " " + strings.opensInNewTab;
    a.appendChild(hint);
    return a;
  }

  function inline(doc, text, parent, strings, depth) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var found = [];
    while ((match = INLINE.exec(text)) !== null) {
      found.push({ index: match.index, end: INLINE.lastIndex, groups: match.slice(0) });
    }
    found.forEach(function (m) {
      if (m.index > last) {
        parent.appendChild(doc.createTextNode(text.slice(last, m.index)));
      }
      var g = m.groups;
      if (g[1] !== undefined) {
        var href = safeUrl(g[2]);
        parent.appendChild(href ? link(doc, href, g[1], strings) : doc.createTextNode(g[0]));
      } else if (g[3] !== undefined && depth < 2) {
        var strong = doc.createElement("strong");
        inline(doc, g[3], strong, strings, depth + 1);
        parent.appendChild(strong);
      } else if (g[4] !== undefined) {
        var bare = safeUrl(g[4]);
        parent.appendChild(bare ? link(doc, bare, g[4], strings) : doc.createTextNode(g[4]));
      } else {
        parent.appendChild(doc.createTextNode(g[0]));
      }
      last = m.end;
    });
    if (last < text.length) {
      parent.appendChild(doc.createTextNode(text.slice(last)));
    }
  }

  /** The message `text` as a DocumentFragment of safe elements. */
  function render(text, strings, doc) {
    doc = doc || document;
    var fragment = doc.createDocumentFragment();
    var paragraph = null;
    var list = null;
    String(text || "")
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .forEach(function (line) {
        var bullet = BULLET.exec(line);
        var numbered = bullet ? null : NUMBERED.exec(line);
        if (!line.trim()) {
          paragraph = null;
          list = null;
        } else if (bullet || numbered) {
          var kind = bullet ? "UL" : "OL";
          if (!list || list.nodeName !== kind) {
            list = doc.createElement(kind.toLowerCase());
            if (numbered && numbered[1] !== "1") {
              list.setAttribute("start", String(parseInt(numbered[1], 10)));
            }
            fragment.appendChild(list);
          }
          var item = doc.createElement("li");
          inline(doc, bullet ? bullet[1] : numbered[2], item, strings, 0);
          list.appendChild(item);
          paragraph = null;
        } else {
          list = null;
          if (paragraph) {
            paragraph.appendChild(doc.createElement("br"));
          } else {
            paragraph = doc.createElement("p");
            fragment.appendChild(paragraph);
          }
          inline(doc, line, paragraph, strings, 0);
        }
      });
    return fragment;
  }

  Wayfinder.markdown = { render: render, safeUrl: safeUrl };
})();
