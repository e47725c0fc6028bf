/*
 * End-of-chat rating: "Rate this chat" under the message box opens a short form in the
 * conversation: 1 to 5 and an optional comment, sent to the hub on the chat's own socket
 * (`rating {rating, comment}`). The customer can change it later. Kept in this file, on top of
 * the view and the chat: it wraps Wayfinder.start and adds to the chat once it has started.
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});
  var ACK_TIMEOUT_MS = 8000;
  var MAX_COMMENT = 1000;

  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function Rating(chat) {
    this.chat = chat;
    this.view = chat.view;
    this.t = function (key) { return chat.t(key); };
    this.form = null;
    this.buildOpener();
  }

  /** The "Rate this chat" button, under the message box. */
  Rating.prototype.buildOpener = function () {
    var self = this;
    this.opener = make("button", { type: "button", class: "wf-rate-open" }, this.t("rateChat"));
    this.opener.addEventListener("click", function () { self.showForm(); });
    this.view.form.appendChild(this.opener);
  };

  /** The form, as the newest item of the conversation; focus goes to its first choice. */
  Rating.prototype.showForm = function () {
    var self = this;
    if (this.form && this.form.parentNode) {
      this.form.parentNode.removeChild(this.form);
    }
    var form = (this.form = make("form", { class: "wf-rating", novalidate: "" }));
    var choices = make("fieldset", { class: "wf-rating__choices" });
    choices.appendChild(make("legend", {}, this.t("ratingQuestion")));
    var row = make("div", { class: "wf-rating__scale" });
    for (var value = 1; value <= 5; value += 1) {
      var id = "wf-rating-" + value;
      var option = make("span", { class: "wf-rating__option" });
      option.appendChild(make("input", { type: "radio", name: "wf-rating", id: id, value: String(value) }));
      option.appendChild(make("label", { for: id }, String(value)));
      row.appendChild(option);
    }
    choices.appendChild(row);
    choices.appendChild(make("p", { class: "wf-rating__hint" }, this.t("ratingScale")));
    form.appendChild(choices);
    form.appendChild(make("label", { for: "wf-rating-comment", class: "wf-label" }, this.t("ratingComment")));
    var comment = make("textarea", { id: "wf-rating-comment", class: "wf-input", rows: "2",
      maxlength: String(MAX_COMMENT) });
    form.appendChild(comment);
    this.problem = make("p", { class: "wf-problem", role: "alert", hidden: "" });
    form.appendChild(this.problem);
    this.sendButton = make("button", { type: "submit", class: "wf-send" }, this.t("ratingSend"));
    form.appendChild(this.sendButton);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.view.log.appendChild(form);
    this.view.reveal(form);
    form.querySelector("input").focus();
  };

  Rating.prototype.say = function (text) {
    this.problem.textContent = text || "";
    this.problem.hidden = !text;
  };

  Rating.prototype.submit = function () {
    var self = this;
    var chosen = this.form.querySelector("input[name=wf-rating]:checked");
    if (!chosen) {
      this.say(this.t("ratingChoose"));
      this.form.querySelector("input").focus();
      return;
    }
    var socket = this.chat.socket;
    if (!this.chat.ready || !socket) {
      this.say(this.t("ratingFailed"));
      return;
    }
    var comment = this.form.querySelector("textarea").value.trim();
    this.sendButton.disabled = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("rating", { rating: Number(chosen.value), comment: comment || null },
      function (err, answer) {
        self.sendButton.disabled = false;
        if (err || !answer || !answer.ok) {
          self.say(self.t("ratingFailed"));
          return;
        }
        self.thank();
      });
  };

  /** Replace the form with a thank-you; the button now offers to change the rating. */
  Rating.prototype.thank = function () {
    var thanks = make("p", { class: "wf-rating__thanks", tabindex: "-1" }, this.t("ratingThanks"));
    this.form.parentNode.replaceChild(thanks, this.form);
    this.form = thanks;
    this.opener.textContent = this.t("ratingChange");
    thanks.focus();
  };

  var start = Wayfinder.start;
  Wayfinder.start = function (config) {
    var chat = start(config);
    if (chat && !chat.rating) {
      chat.rating = new Rating(chat);
    }
    return chat;
  };
  Wayfinder.Rating = Rating;
})();
