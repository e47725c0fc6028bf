/*
 * The chat: talks to the hub over Socket.IO (Rasa's socket.io protocol plus page views
 * and history), keeps the hub's conversation id in localStorage, restores the
 * conversation on every page, and keeps unsent messages in an outbox until the hub has
 * them (so nothing typed offline is lost).
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});
  var MAX_CHARS = 2000;
  var ACK_TIMEOUT_MS = 20000; // longer than the hub's wait for the assistant

  function store(area) {
    try {
      var s = window[area];
      s.setItem("wayfinder:probe", "1");
      s.removeItem("wayfinder:probe");
      return s;
    } catch (e) {
      var memory = {};
      return {
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(memory, k) ? memory[k] : null; },
        setItem: function (k, v) { memory[k] = String(v); },
        removeItem: function (k) { delete memory[k]; },
      };
    }
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "c-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function Chat(config) {
    var self = this;
    var lang = (config.lang || "en").toLowerCase().split("-")[0];
    this.strings = Wayfinder.strings[lang] || Wayfinder.strings.en;
    this.config = config;
    this.local = store("localStorage");
    this.perTab = store("sessionStorage");
    this.keys = {
      session: "wayfinder:" + config.hubUrl + ":session",
      outbox: "wayfinder:" + config.hubUrl + ":outbox",
      open: "wayfinder:" + config.hubUrl + ":open",
      highlight: "wayfinder:" + config.hubUrl + ":highlight",
    };
    this.ready = false; // session confirmed and history restored on this connection
    this.sending = false;
    this.pageViewSent = false;
    this.everConnected = false;
    this.pending = {}; // client_id → element
    this.view = new Wayfinder.View(config, this.strings, {
      onOpen: function () { self.open(true); },
      onClose: function () { self.close(); },
      onSend: function (text) { return self.send(text); },
      onQuickReply: function (title, payload) { self.send(payload, title); },
      onBackToAssistant: function () { self.backToAssistant(); },
    });
    if (this.perTab.getItem(this.keys.open) === "1") {
      this.view.open(false);
    }
    this.outbox().forEach(function (item) { self.showPending(item, "queued"); });
    this.connect();
  }

  Chat.prototype.t = function (key, values) {
    return Wayfinder.fill(this.strings[key], values);
  };

  Chat.prototype.open = function (focus) {
    this.view.open(focus);
    this.perTab.setItem(this.keys.open, "1");
  };

  Chat.prototype.close = function () {
    this.view.close();
    this.perTab.removeItem(this.keys.open);
  };

  // -- connection ----------------------------------------------------------------------

  Chat.prototype.connect = function () {
    var self = this;
    var io = window.io;
    if (Wayfinder.previousIo !== undefined) {
      window.io = Wayfinder.previousIo;
    }
    var socket = (this.socket = io(this.config.hubUrl, {
      path: "/socket.io",
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      randomizationFactor: 0.5,
      timeout: 10000,
      withCredentials: false,
    }));
    socket.on("connect", function () {
      self.ready = false;
      socket.emit("session_request", { session_id: self.local.getItem(self.keys.session) });
    });
    socket.on("session_confirm", function (data) {
      var id = data && data.session_id ? data.session_id : data;
      if (typeof id === "string") {
        self.local.setItem(self.keys.session, id);
      }
      if (!self.ready) {
        self.restore();
      }
    });
    socket.on("disconnect", function () { self.offline(); });
    socket.on("connect_error", function (err) {
      // 503: the hub is up but its open chats leave no room for another yet (bot/hub/capacity.py)
      self.offline(err && err.description === 503 ? "busy" : "offline");
    });
    socket.on("bot_uttered", function (message) { self.received(message); });
    socket.on("talking_to", function (who) { self.view.setTalkingTo(who); });
  };

  /** Leave the advisers' queue (or the adviser): the assistant answers again and says so. */
  Chat.prototype.backToAssistant = function () {
    var self = this;
    if (!this.ready) {
      this.view.setStatus(this.t(this.down || "offline"));
      return;
    }
    this.view.setBackBusy(true);
    this.socket.timeout(ACK_TIMEOUT_MS).emit("back_to_assistant", {}, function (err, answer) {
      self.view.setBackBusy(false);
      if (!err && answer && answer.ok) {
        self.view.setTalkingTo(answer.talking_to);
      }
    });
  };

  /** Not connected: `why` is "offline" (the default) or "busy" (the hub turned the chat away for now). */
  Chat.prototype.offline = function (why) {
    this.down = why || "offline";
    this.ready = false;
    this.sending = false;
    this.view.setTyping(false);
    this.view.setStatus(this.t(this.down));
    var self = this;
    this.outbox().forEach(function (item) {
      if (self.pending[item.client_id]) {
        self.view.setPending(self.pending[item.client_id], "queued");
      }
    });
  };

  /** After (re)connecting: the conversation from the hub, then what is waiting, then where we are. */
  Chat.prototype.restore = function () {
    var self = this;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("history_request", {}, function (err, answer) {
      if (err || !answer || !answer.ok) {
        return;
      }
      var wasOffline = self.everConnected && self.view.status.textContent;
      self.view.setStatus(wasOffline ? self.t("connectedAgain") : "");
      if (wasOffline) {
        window.setTimeout(function () {
          if (self.ready) { self.view.setStatus(""); }
        }, 4000);
      }
      self.everConnected = true;
      self.renderHistory(answer.messages || []);
      self.view.setTalkingTo(answer.talking_to);
      self.ready = true;
      self.flush();
      if (!self.pageViewSent) {
        self.pageViewSent = true;
        self.pageView();
      }
    });
  };

  /** Tell the hub where the customer is; during a step-through the assistant may answer. */
  Chat.prototype.pageView = function () {
    var self = this;
    var typing = window.setTimeout(function () { self.view.setTyping(true); }, 400);
    this.socket.timeout(ACK_TIMEOUT_MS).emit("page_view", this.view.page.whereAmI(), function () {
      window.clearTimeout(typing);
      if (!self.sending) {
        self.view.setTyping(false);
      }
    });
  };

  Chat.prototype.renderHistory = function (messages) {
    var self = this;
    var view = this.view;
    view.clearMessages();
    var lastCustomer = -1;
    messages.forEach(function (m, i) { if (m.sender === "customer") { lastCustomer = i; } });
    var latestCustom = null;
    messages.forEach(function (m, i) {
      if (m.custom && typeof m.custom === "object" && !m.custom.notice) {
        latestCustom = m.custom;
      }
      if (m.text || (m.quick_replies && m.quick_replies.length)) {
        view.message(self.shown(m), { answerable: i > lastCustomer });
      }
    });
    this.pending = {};
    this.outbox().forEach(function (item) { self.showPending(item, "queued"); });
    // A rating being written survives a reconnect: the same form, with what was chosen and typed,
    // is the newest item again (clearMessages took it out with the messages).
    if (this.rating && this.rating.form && this.rating.form.tagName === "FORM") {
      view.log.appendChild(this.rating.form);
    }
    // Back on the page where the assistant last pointed at something: point at it again.
    var where = this.perTab.getItem(this.keys.highlight);
    if (latestCustom && latestCustom.highlight && where === window.location.pathname) {
      view.page.highlight(latestCustom.highlight);
    }
  };

  // -- messages in ---------------------------------------------------------------------

  /** A message as the view shows it: notices in the widget's own words where it has them. */
  Chat.prototype.shown = function (message) {
    var notice = message.custom && message.custom.notice;
    var own = notice && this.strings.notices[notice];
    if (own) {
      return Object.assign({}, message, { text: Wayfinder.fill(own, { seconds: message.custom.retry_after || 5 }) });
    }
    return message;
  };

  Chat.prototype.received = function (message) {
    if (!message || typeof message !== "object" || (message.id && this.view.find(message.id))) {
      return;
    }
    var custom = message.custom && typeof message.custom === "object" ? message.custom : null;
    if (message.text || (message.quick_replies && message.quick_replies.length)) {
      this.view.message(this.shown(message));
      if (!this.view.isOpen()) {
        this.view.unread += 1;
        this.view.updateBadge();
      }
    }
    if (custom && !custom.notice) {
      var pointed = this.view.page.highlight(custom.highlight);
      if (pointed) {
        this.perTab.setItem(this.keys.highlight, window.location.pathname);
      } else {
        this.perTab.removeItem(this.keys.highlight);
      }
    }
    if (message.sender === "adviser") {
      this.view.setTalkingTo({ kind: "adviser", name: message.sender_name });
    }
  };

  // -- messages out --------------------------------------------------------------------

  Chat.prototype.outbox = function () {
    try {
      var items = JSON.parse(this.local.getItem(this.keys.outbox) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  };

  Chat.prototype.saveOutbox = function (items) {
    this.local.setItem(this.keys.outbox, JSON.stringify(items));
  };

  /** Queue a message for the hub; false (text kept in the box) when it cannot be sent as it is. */
  Chat.prototype.send = function (text, title) {
    var length = Array.from(text.trim()).length;
    if (length > MAX_CHARS) {
      this.view.showProblem(this.t("tooLong", { count: length.toLocaleString(), max: MAX_CHARS.toLocaleString() }));
      return false;
    }
    this.view.showProblem("");
    var item = { client_id: randomId(), text: text.trim(), title: title || null, metadata: this.view.page.whereAmI() };
    this.saveOutbox(this.outbox().concat([item]));
    this.view.removeQuickReplies();
    this.showPending(item, this.ready ? "sending" : "queued");
    this.flush();
    return true;
  };

  Chat.prototype.showPending = function (item, state) {
    var element = this.view.message({ sender: "customer", text: item.title || item.text });
    this.view.setPending(element, state);
    this.pending[item.client_id] = element;
  };

  /** Send the oldest waiting message; on the hub's acknowledgement, the next. */
  Chat.prototype.flush = function () {
    var self = this;
    var items = this.outbox();
    if (!this.ready || this.sending || !items.length) {
      return;
    }
    var item = items[0];
    var element = this.pending[item.client_id];
    this.sending = true;
    if (element) {
      this.view.setPending(element, "sending");
    }
    this.view.setTyping(true);
    var payload = {
      message: item.text,
      session_id: this.local.getItem(this.keys.session),
      metadata: item.metadata,
      client_id: item.client_id,
    };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", payload, function (err, ack) {
      self.sending = false;
      self.view.setTyping(false);
      if (err || !ack) {
        return; // no answer: it stays in the outbox and goes again after reconnecting
      }
      if (ack.error === "rate_limited") {
        if (element) {
          self.view.setPending(element, "queued");
        }
        window.setTimeout(function () { self.flush(); }, Math.max(1, ack.retry_after || 5) * 1000);
        return;
      }
      self.saveOutbox(self.outbox().filter(function (i) { return i.client_id !== item.client_id; }));
      delete self.pending[item.client_id];
      if (element) {
        self.confirm(element, ack);
      }
      self.flush();
    });
  };

  Chat.prototype.confirm = function (element, ack) {
    if (!ack.ok) {
      this.view.setPending(element, "failed");
      return;
    }
    var stored = ack.message;
    if (stored && stored.id && this.view.find(stored.id)) {
      element.parentNode.removeChild(element); // already shown from the history
      return;
    }
    this.view.setPending(element, null);
    if (stored) {
      element.setAttribute("data-id", String(stored.id));
      var paragraph = element.querySelector(".wf-bubble p");
      if (paragraph && stored.text) {
        paragraph.textContent = stored.text; // as the hub kept it: card numbers removed
      }
    }
  };

  Wayfinder.start = function (config) {
    if (Wayfinder.chat || !document.body) {
      return Wayfinder.chat;
    }
    Wayfinder.chat = new Chat(config);
    Wayfinder.transport = function () {
      var engine = Wayfinder.chat.socket && Wayfinder.chat.socket.io.engine;
      return engine && engine.transport ? engine.transport.name : null;
    };
    return Wayfinder.chat;
  };
})();
