"""Routes a customer's message: redact, store, and let the bot (or, after a handover, nobody) answer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from bot.hub.ids import ConversationIds
from bot.hub.rasa_client import Assistant, RasaUnavailable
from bot.hub.redact import redact
from bot.hub.store import Conversation, Message, db

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
ASSISTANT_UNAVAILABLE = (
    "Sorry, I can't answer right now because of a problem on our side, not anything you did. "
    "Please try again in a minute, or call Riverside Council on 0300 123 4567 "
    "(Monday to Friday, 8am to 6pm)."
)
_ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,79}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadMessage(ValueError):
    """The customer's message or its metadata cannot be accepted; the text says why."""


def clean_text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadMessage("message must be a string")
    text = _CONTROL.sub("", value).strip()
    if not text:
        raise BadMessage("message is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"message is longer than {MAX_MESSAGE_CHARS} characters")
    return text


def clean_metadata(value: Any) -> Dict[str, str]:
    """Keep only what the bot uses from the page: its path and the error code it shows."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadMessage("metadata must be an object")
    metadata: Dict[str, str] = {}
    page = value.get("page")
    if page is not None:
        if not isinstance(page, str) or len(page) > 500:
            raise BadMessage("metadata.page must be a path of at most 500 characters")
        metadata["page"] = _CONTROL.sub("", page)
    code = value.get("error_code")
    if code not in (None, ""):
        if not isinstance(code, str) or not _ERROR_CODE.match(code):
            raise BadMessage("metadata.error_code must look like CARD_DECLINED")
        metadata["error_code"] = code
    return metadata


@dataclass
class Reply:
    """What the customer sees from one turn."""

    conversation_id: str
    messages: List[Dict[str, Any]]


class ConversationRouter:
    """Owns conversation ids and the path customer → store → assistant → store → customer."""

    def __init__(self, assistant: Assistant, ids: ConversationIds) -> None:
        self.assistant = assistant
        self.ids = ids

    def resume_or_start(self, candidate: Optional[str], channel: str = "rest") -> Conversation:
        """The conversation for an id the hub issued; a new one for anything else."""
        conversation_id = self.ids.verify(candidate)
        if conversation_id:
            conversation = db.session.get(Conversation, conversation_id)
            if conversation is not None:
                return conversation
        else:
            conversation_id = self.ids.issue()
        conversation = Conversation(id=conversation_id, channel=channel)
        db.session.add(conversation)
        db.session.commit()
        return conversation

    def customer_message(self, conversation: Conversation, text: Any, metadata: Any = None) -> Reply:
        text = redact(clean_text(text))
        metadata = clean_metadata(metadata)
        if "page" in metadata:
            conversation.last_page = metadata["page"]
            conversation.last_error_code = metadata.get("error_code")
        db.session.add(Message(conversation=conversation, sender="customer", text=text, data=metadata))
        db.session.commit()
        if conversation.handled_by != "bot":
            return Reply(conversation.id, [])
        try:
            answers = self.assistant.send(conversation.id, text, metadata)
        except RasaUnavailable as exc:
            logger.warning("assistant unavailable for %s: %s", conversation.id[:8], exc)
            db.session.add(Message(conversation=conversation, sender="system", text=ASSISTANT_UNAVAILABLE,
                                   data={"error": "assistant_unavailable"}))
            db.session.commit()
            return Reply(conversation.id, [{"text": ASSISTANT_UNAVAILABLE, "custom": {"error": "assistant_unavailable"}}])
        out: List[Dict[str, Any]] = []
        for answer in answers:
            shown = {k: answer[k] for k in ("text", "buttons", "custom", "image") if k in answer}
            if "text" in shown:
                shown["text"] = redact(str(shown["text"]))
            out.append(shown)
            db.session.add(Message(conversation=conversation, sender="bot", text=shown.get("text"),
                                   data={k: v for k, v in shown.items() if k != "text"}))
        db.session.commit()
        return Reply(conversation.id, out)
