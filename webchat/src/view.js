/*
 * The widget's DOM: launcher, panel, message log, compose box and notices.
 * Message content only ever becomes text nodes (see markdown.js).
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return values && values[key] !== undefined ? String(values[key]) : all;
    });
  }

  /** The better of white or near-black text on `hex`, for WCAG AA contrast. */
  function textOn(hex) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex || "");
    if (!m) {
      return null;
    }
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    var lum = [0, 2, 4]
      .map(function (i) {
        var c = parseInt(h.substr(i, 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      })
      .reduce(function (sum, c, i) {
        return sum + c * [0.2126, 0.7152, 0.0722][i];
      }, 0);
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.0689) ? "#ffffff" : "#0b0c0c";
  }

  function clock(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) {
      date = new Date();
    }
    return { iso: date.toISOString(), text: date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) };
  }

  function View(config, strings, handlers) {
    this.strings = strings;
    this.handlers = handlers; // onOpen, onClose, onSend(text), onQuickReply(title, payload)
    this.unread = 0;
    this.build(config);
    this.page = new Wayfinder.HostPage(this.root, this.panel);
  }

  View.prototype.t = function (key, values) {
    return fill(this.strings[key], values);
  };

  View.prototype.build = function (config) {
    var self = this;
    var root = (this.root = el("div", { id: "wayfinder-widget", class: "wf", lang: config.lang }));
    var onPrimary = textOn(config.primaryColor);
    if (onPrimary) {
      root.style.setProperty("--wf-primary", config.primaryColor);
      root.style.setProperty("--wf-on-primary", onPrimary);
    }

    this.launcher = el("button", { type: "button", class: "wf-launcher", "aria-expanded": "false",
      "aria-controls": "wf-panel", "aria-label": this.t("openChat") });
    this.launcher.appendChild(el("span", { class: "wf-launcher__icon", "aria-hidden": "true" }));
    this.badge = el("span", { class: "wf-badge", "aria-hidden": "true", hidden: "" });
    this.launcher.appendChild(this.badge);
    this.launcher.addEventListener("click", function () {
      self.handlers.onOpen();
    });

    var panel = (this.panel = el("section", { id: "wf-panel", class: "wf-panel", role: "dialog",
      "aria-modal": "false", "aria-labelledby": "wf-title", hidden: "" }));
    var header = el("div", { class: "wf-header" });
    var titles = el("div", { class: "wf-header__titles" });
    titles.appendChild(el("h2", { id: "wf-title", class: "wf-title" }, config.title || this.t("title")));
    this.talkingTo = el("p", { class: "wf-talking-to" }, this.t("talkingToAssistant"));
    titles.appendChild(this.talkingTo);
    this.backButton = el("button", { type: "button", class: "wf-back", hidden: "" }, this.t("backToAssistant"));
    this.backButton.addEventListener("click", function () {
      self.handlers.onBackToAssistant();
    });
    titles.appendChild(this.backButton);
    header.appendChild(titles);
    this.closeButton = el("button", { type: "button", class: "wf-close", "aria-label": this.t("close") });
    this.closeButton.appendChild(el("span", { "aria-hidden": "true" }, "×"));
    this.closeButton.addEventListener("click", function () {
      self.handlers.onClose();
    });
    header.appendChild(this.closeButton);
    panel.appendChild(header);

    this.status = el("p", { class: "wf-status", role: "status" });
    panel.appendChild(this.status);
    this.log = el("div", { class: "wf-log", role: "log", "aria-live": "polite", "aria-label": this.t("conversation"),
      tabindex: "0" });
    panel.appendChild(this.log);
    this.typing = el("p", { class: "wf-typing", hidden: "" });
    this.typing.appendChild(el("span", { class: "wf-typing__dots", "aria-hidden": "true" }));
    this.typing.appendChild(el("span", {}, this.t("typing")));
    panel.appendChild(this.typing);

    var form = (this.form = el("form", { class: "wf-compose", novalidate: "" }));
    form.appendChild(el("label", { for: "wf-input", class: "wf-label" }, this.t("messageLabel")));
    this.problem = el("p", { id: "wf-input-problem", class: "wf-problem", hidden: "" });
    form.appendChild(this.problem);
    var row = el("div", { class: "wf-compose__row" });
    this.input = el("textarea", { id: "wf-input", class: "wf-input", rows: "2",
      "aria-describedby": "wf-input-hint wf-privacy", autocomplete: "off" });
    row.appendChild(this.input);
    row.appendChild(el("button", { type: "submit", class: "wf-send" }, this.t("send")));
    form.appendChild(row);
    form.appendChild(el("p", { id: "wf-input-hint", class: "wf-visually-hidden" }, this.t("messageHint")));
    form.appendChild(el("p", { id: "wf-privacy", class: "wf-privacy" }, this.t("privacy")));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    panel.appendChild(form);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.handlers.onClose();
      }
    });

    root.appendChild(panel);
    root.appendChild(this.launcher);
    document.body.appendChild(root);
    if (config.greeting) {
      this.greeting = this.message({ sender: "bot", text: config.greeting, local: true });
    }
  };

  View.prototype.submit = function () {
    var text = this.input.value;
    if (!text.trim()) {
      return;
    }
    if (this.handlers.onSend(text) !== false) {
      this.input.value = "";
    }
    this.input.focus();
  };

  View.prototype.showProblem = function (text) {
    this.problem.textContent = text || "";
    this.problem.hidden = !text;
    if (text) {
      this.input.setAttribute("aria-invalid", "true");
      this.input.setAttribute("aria-describedby", "wf-input-problem wf-input-hint wf-privacy");
    } else {
      this.input.removeAttribute("aria-invalid");
      this.input.setAttribute("aria-describedby", "wf-input-hint wf-privacy");
    }
  };

  View.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  View.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.root.classList.add("wf--open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.unread = 0;
    this.updateBadge();
    this.page.makeRoom();
    this.scrollToEnd();
    if (focus) {
      this.input.focus();
    }
  };

  View.prototype.close = function () {
    this.panel.hidden = true;
    this.root.classList.remove("wf--open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.page.makeRoom();
    this.launcher.focus();
  };

  View.prototype.updateBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    var label = this.unread === 0 ? this.t("openChat")
      : this.unread === 1 ? this.t("openChatUnreadOne") : this.t("openChatUnread", { count: this.unread });
    this.launcher.setAttribute("aria-label", label);
  };

  View.prototype.setStatus = function (text) {
    this.status.textContent = text || "";
    this.root.classList.toggle("wf--offline", !!text);
  };

  View.prototype.setTyping = function (on) {
    this.typing.hidden = !on;
    if (on) {
      this.scrollToEnd();
    }
  };

  View.prototype.setTalkingTo = function (who) {
    var text = this.t("talkingToAssistant");
    if (who && who.kind === "adviser") {
      text = who.name ? this.t("talkingToAdviser", { name: who.name }) : this.t("talkingToAdviserUnnamed");
    } else if (who && who.kind === "queue") {
      text = this.t("waitingForAdviser");
    }
    this.talkingTo.textContent = text;
    // while an adviser has (or will have) the chat, the customer can still choose the assistant
    this.backButton.hidden = !(who && (who.kind === "adviser" || who.kind === "queue"));
  };

  View.prototype.setBackBusy = function (busy) {
    this.backButton.disabled = !!busy;
  };

  View.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  /** Show a new message: all of it, or its beginning when it is taller than the log. */
  View.prototype.reveal = function (item) {
    this.scrollToEnd();
    if (item.offsetHeight > this.log.clientHeight) {
      this.log.scrollTop += item.getBoundingClientRect().top - this.log.getBoundingClientRect().top - 8;
    }
  };

  /** Who said it, for screen readers (the log announces each new child). */
  View.prototype.said = function (message) {
    if (message.sender === "customer") {
      return this.t("youSaid");
    }
    if (message.sender === "adviser") {
      return message.sender_name ? this.t("adviserSaid", { name: message.sender_name }) : this.t("adviserSaidUnnamed");
    }
    return message.sender === "system" ? this.t("notice") : this.t("assistantSaid");
  };

  /**
   * Add one message (one child of the log) and return its element.
   * message: {id?, sender, text, quick_replies?, created_at?, sender_name?, notice?}
   */
  View.prototype.message = function (message, options) {
    var self = this;
    options = options || {};
    var kind = message.sender === "system" ? "notice" : message.sender;
    var item = el("div", { class: "wf-msg wf-msg--" + kind, "data-sender": message.sender });
    if (message.id) {
      item.setAttribute("data-id", String(message.id));
    }
    item.appendChild(el("span", { class: "wf-visually-hidden" }, this.said(message) + " "));
    var bubble = el("div", { class: "wf-bubble" });
    if (message.sender === "customer") {
      bubble.appendChild(el("p", {}, message.text));
    } else {
      bubble.appendChild(Wayfinder.markdown.render(message.text, this.strings));
    }
    item.appendChild(bubble);
    var replies = message.quick_replies || message.buttons || [];
    if (replies.length && options.answerable !== false) {
      var group = el("div", { class: "wf-quick-replies", role: "group", "aria-label": this.t("suggestedReplies") });
      replies.forEach(function (reply) {
        var button = el("button", { type: "button", class: "wf-quick-reply" }, reply.title);
        button.addEventListener("click", function () {
          self.handlers.onQuickReply(reply.title, reply.payload);
          self.input.focus(); // the buttons are gone once answered
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    var when = clock(message.created_at);
    var meta = el("p", { class: "wf-meta" });
    this.noteFor(item, meta);
    meta.appendChild(el("time", { datetime: when.iso }, when.text));
    item.appendChild(meta);
    this.log.appendChild(item);
    this.reveal(item);
    return item;
  };

  View.prototype.noteFor = function (item, meta) {
    var note = el("span", { class: "wf-note" });
    meta.appendChild(note);
    item._note = note;
  };

  View.prototype.setPending = function (item, state) {
    item.classList.toggle("wf-msg--pending", state === "sending" || state === "queued");
    item.classList.toggle("wf-msg--failed", state === "failed");
    var text = { sending: this.t("sending"), queued: this.t("waitingToSend"), failed: this.t("notSent") }[state] || "";
    item._note.textContent = text ? text + " " : "";
  };

  View.prototype.removeQuickReplies = function () {
    var groups = this.log.querySelectorAll(".wf-quick-replies");
    Array.prototype.forEach.call(groups, function (group) {
      group.parentNode.removeChild(group);
    });
  };

  View.prototype.clearMessages = function () {
    var keep = this.greeting;
    Array.prototype.slice.call(this.log.children).forEach(function (child) {
      if (child !== keep) {
        child.parentNode.removeChild(child);
      }
    });
  };

  View.prototype.find = function (id) {
    return id ? this.log.querySelector('[data-id="' + String(id).replace(/[^0-9A-Za-z_-]/g, "") + '"]') : null;
  };

  Wayfinder.View = View;
  Wayfinder.fill = fill;
})();
