/* Wayfinder adviser console: live queue and conversation over Socket.IO (namespace /advisers).
 * Everything customers wrote is shown with textContent, never as HTML. Without this script
 * (or without a connection) every page still works through its forms. */
(function () {
  "use strict";

  var body = document.body;
  var page = body.getAttribute("data-page");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var baseTitle = document.title;
  var unseen = 0;
  var audio = null;
  var soundOn = window.localStorage && localStorage.getItem("wayfinder-console-sound") === "on";
  var handoverId = body.getAttribute("data-handover-id");
  var liveNotice = document.getElementById("live-notice");
  var HEARTBEAT_MS = 30000;

  function say(text) {
    if (liveNotice) { liveNotice.textContent = text; }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // -- attention: a sound and the tab title -----------------------------------------------

  function beep() {
    if (!soundOn) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (e) { /* no sound available: the title and the notice still say it */ }
  }

  function flagTitle(text) {
    if (document.hidden) {
      unseen += 1;
      document.title = "(" + unseen + ") " + text + " · " + baseTitle;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; document.title = baseTitle; }
  });

  var soundToggle = document.getElementById("sound-toggle");
  function showSound() {
    if (!soundToggle) { return; }
    soundToggle.hidden = false;
    soundToggle.textContent = soundOn ? "Turn sound off" : "Turn sound on";
    soundToggle.setAttribute("aria-pressed", soundOn ? "true" : "false");
  }
  if (soundToggle) {
    soundToggle.addEventListener("click", function () {
      soundOn = !soundOn;
      if (window.localStorage) { localStorage.setItem("wayfinder-console-sound", soundOn ? "on" : "off"); }
      if (soundOn) { beep(); }
      showSound();
    });
    showSound();
  }

  // -- the queue page ----------------------------------------------------------------------

  function waitedText(iso) {
    var minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    return minutes + " min";
  }

  function refreshWaited() {
    Array.prototype.forEach.call(document.querySelectorAll("td.waited[data-created]"), function (cell) {
      cell.textContent = waitedText(cell.getAttribute("data-created"));
    });
  }
  setInterval(refreshWaited, 30000);

  function renumber() {
    var rows = document.querySelectorAll("#waiting tbody tr");
    Array.prototype.forEach.call(rows, function (row, index) { row.cells[0].textContent = String(index + 1); });
    var count = document.getElementById("waiting-count");
    if (count) { count.textContent = String(rows.length); }
    var empty = document.getElementById("waiting-empty");
    if (empty) { empty.hidden = rows.length > 0; }
  }

  function waitingRow(item) {
    var row = el("tr", { "data-handover-id": item.id, "class": "new" });
    row.appendChild(el("td", {}, item.position || ""));
    row.appendChild(el("td", { "class": "waited", "data-created": item.created_at }, waitedText(item.created_at)));
    var why = el("td");
    why.appendChild(el("span", { "class": "reason reason-" + item.reason }, item.reason_label));
    row.appendChild(why);
    row.appendChild(el("td", {}, item.service_name));
    var actions = el("td", { "class": "actions" });
    actions.appendChild(el("a", { href: "/console/handovers/" + encodeURIComponent(item.id) }, "Read summary"));
    var form = el("form", { method: "post", "class": "inline",
      action: "/console/handovers/" + encodeURIComponent(item.id) + "/claim" });
    form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: csrf }));
    form.appendChild(el("button", { type: "submit" }, "Claim"));
    actions.appendChild(form);
    row.appendChild(actions);
    return row;
  }

  function addWaiting(item) {
    var tbody = document.querySelector("#waiting tbody");
    if (!tbody || tbody.querySelector('tr[data-handover-id="' + item.id + '"]')) { return; }
    tbody.appendChild(waitingRow(item));
    renumber();
  }

  function removeWaiting(id) {
    var row = document.querySelector('#waiting tbody tr[data-handover-id="' + id + '"]');
    if (row) { row.parentNode.removeChild(row); renumber(); }
  }

  // The queue as the hub has it now (the `queue` event's answer): rows for customers no longer
  // waiting go, customers who began waiting while this page was not connected are added.
  function syncWaiting(items) {
    var waiting = items.filter(function (item) { return item.status === "waiting"; });
    var ids = {};
    waiting.forEach(function (item) { ids[String(item.id)] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("#waiting tbody tr[data-handover-id]"), function (row) {
      var id = row.getAttribute("data-handover-id");
      if (!ids[id]) { removeWaiting(id); }
    });
    waiting.forEach(addWaiting);
  }

  // -- the conversation page ----------------------------------------------------------------

  var WHO = { customer: "Customer", bot: "Assistant", system: "Notice", page: "Page" };

  function appendMessage(message) {
    var list = document.getElementById("transcript");
    if (!list || list.querySelector('li[data-message-id="' + message.id + '"]')) { return; }
    var item = el("li", { "class": "msg from-" + message.sender, "data-message-id": message.id });
    var who = message.sender === "adviser" ? (message.sender_name || "Adviser") : (WHO[message.sender] || "Notice");
    item.appendChild(el("span", { "class": "who" }, who));
    var text = message.sender === "page"
      ? (message.page || "") + (message.error_code ? " · " + message.error_code : "")
      : (message.text || "");
    item.appendChild(el("span", { "class": "text" }, text));
    if (message.buttons && message.buttons.length) {
      item.appendChild(el("span", { "class": "buttons" }, "[" + message.buttons.join(" | ") + "]"));
    }
    item.appendChild(el("time", { datetime: message.created_at }, message.time || ""));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    if (message.page) {
      var now = document.getElementById("current-page");
      if (now) { now.textContent = message.page + (message.error_code ? " · " + message.error_code : ""); }
    }
  }

  var transcriptList = document.getElementById("transcript");
  if (transcriptList) { transcriptList.scrollTop = transcriptList.scrollHeight; }

  // -- live connection ----------------------------------------------------------------------

  if (typeof window.io !== "function") {
    say("Live updates are not available: reload the page to see new customers.");
    return;
  }
  var socket = window.io("/advisers", { auth: { csrf_token: csrf } });

  function signedOut(answer) {
    if (answer && answer.error === "signed_out") { window.location.assign("/console/login"); return true; }
    return false;
  }

  socket.on("connect", function () {
    say("");
    body.setAttribute("data-live", "connected");
    // what changed before this page was connected, or while it was not (a dropped connection,
    // a restarted hub): the page was drawn before the socket joined the advisers' room
    if (document.querySelector("#waiting tbody")) {
      socket.emit("queue", {}, function (answer) {
        if (signedOut(answer)) { return; }
        if (answer && answer.ok) { syncWaiting(answer.handovers); }
      });
    }
    if (page === "handover" && handoverId) {
      socket.emit("follow", { handover_id: Number(handoverId) }, function (answer) {
        if (signedOut(answer)) { return; }
        if (answer && answer.ok) { answer.transcript.forEach(appendMessage); }
      });
    }
  });
  function paused() {
    body.setAttribute("data-live", "paused");
    say("Live updates are paused (not connected). They will resume, with anything missed, once connected.");
  }
  socket.on("connect_error", paused);
  socket.on("disconnect", paused);
  setInterval(function () {
    if (socket.connected) { socket.emit("heartbeat", {}, signedOut); }
  }, HEARTBEAT_MS);

  socket.on("handover_waiting", function (item) {
    addWaiting(item);
    beep();
    flagTitle("New customer waiting");
    say("New customer waiting: " + item.service_name + " (" + item.reason_label + ").");
  });

  socket.on("handover_changed", function (item) {
    if (item.status !== "waiting") { removeWaiting(item.id); } else { addWaiting(item); }
    if (page === "handover" && String(item.id) === handoverId && item.status !== body.getAttribute("data-status")) {
      say("This chat is now: " + item.status_label + (item.claimed_by ? " (" + item.claimed_by + ")" : "") +
          ". Reload to see what you can do.");
    }
  });

  socket.on("callback_requested", function () {
    say("A customer has asked for a callback.");
  });

  socket.on("chat_message", function (payload) {
    if (page !== "handover" || String(payload.handover_id) !== handoverId) { return; }
    appendMessage(payload.message);
    if (payload.message.sender === "customer") {
      beep();
      flagTitle("Customer wrote");
    }
  });

  var replyForm = document.getElementById("reply-form");
  if (replyForm) {
    replyForm.addEventListener("submit", function (event) {
      if (!socket.connected) { return; } // the form posts as usual
      event.preventDefault();
      var box = replyForm.querySelector("textarea");
      var text = box.value;
      if (!text.trim()) { return; }
      socket.emit("reply", { handover_id: Number(handoverId), text: text }, function (answer) {
        if (signedOut(answer)) { return; }
        if (answer && answer.ok) { box.value = ""; box.focus(); } else { say((answer && answer.message) || "Not sent."); }
      });
    });
  }
})();
