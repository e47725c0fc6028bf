/*
 * Every word the widget shows, in one place so it can be translated.
 * Add a language by adding a key (its `lang` code); {name} marks a value filled in.
 * What the assistant and advisers say comes from the hub, not from here.
 */
(function () {
  "use strict";
  var Wayfinder = (window.Wayfinder = window.Wayfinder || {});
  Wayfinder.strings = {
    en: {
      title: "Help with our online services",
      openChat: "Open chat",
      openChatUnread: "Open chat, {count} new messages",
      openChatUnreadOne: "Open chat, 1 new message",
      close: "Close",
      talkingToAssistant: "You're talking to: Assistant",
      talkingToAdviser: "You're talking to: {name}",
      talkingToAdviserUnnamed: "You're talking to: an adviser",
      waitingForAdviser: "Waiting for an adviser. You can keep typing: they'll see it.",
      backToAssistant: "Back to the assistant",
      conversation: "Conversation",
      messageLabel: "Message",
      messageHint: "Press Enter to send, Shift and Enter for a new line.",
      send: "Send",
      privacy: "Please don't type card numbers, security codes or passwords here.",
      assistantSaid: "Assistant said:",
      adviserSaid: "{name} said:",
      adviserSaidUnnamed: "Adviser said:",
      youSaid: "You said:",
      notice: "Notice:",
      suggestedReplies: "Suggested replies",
      opensInNewTab: "(opens in a new tab)",
      typing: "Assistant is typing…",
      sending: "Sending…",
      waitingToSend: "Waiting to send. It will go as soon as we're connected again.",
      notSent: "Not sent.",
      offline: "You're offline. We're trying to reconnect; anything you type will be sent then.",
      busy: "Our chat is very busy right now. We'll connect you as soon as there's room; anything you type will be sent then.",
      connectedAgain: "Connected again.",
      rateChat: "Rate this chat",
      ratingQuestion: "How helpful was this chat?",
      ratingScale: "1 is not helpful at all, 5 is very helpful.",
      ratingComment: "Anything you'd like to tell us? (optional)",
      ratingSend: "Send rating",
      ratingChoose: "Choose a number from 1 to 5.",
      ratingFailed: "Sorry, we couldn't send your rating. Please try again in a moment.",
      ratingThanks: "Thank you: your rating helps us improve this service.",
      ratingChange: "Change your rating",
      tooLong: "That message is {count} characters long; the most is {max}. Please shorten it or send it in parts.",
      notices: {
        rate_limited: "You're sending messages quickly. Your message will be sent in {seconds} seconds.",
        message_too_long: "That message is longer than 2,000 characters. Please shorten it or send it in parts.",
        too_large: "That was too much to send in one message. Please shorten it or send it in parts.",
        redacted: "For your safety I've removed a card number, security code or password from your message. " +
          "Please don't share them in this chat: we will never ask for them here.",
      },
    },
  };
})();
