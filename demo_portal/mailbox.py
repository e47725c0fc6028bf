"""The demo mailbox (a stand-in for customers' inboxes) and the 6-digit codes sent to it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from .models import MailMessage, OneTimeCode, db, utcnow

CODE_LIFETIME = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5


def send_mail(to_address: str, subject: str, body: str) -> None:
    """'Send' an email: it appears on /demo/mailbox."""
    db.session.add(MailMessage(to_address=to_address, subject=subject, body=body))


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def issue_code(account_reference: str, purpose: str, to_address: str, subject: str,
               intro: str) -> None:
    """Send a new code for `purpose`; earlier unused codes for it stop working."""
    OneTimeCode.query.filter_by(account_reference=account_reference, purpose=purpose,
                                used=False).update({"used": True})
    code = f"{secrets.randbelow(1_000_000):06d}"
    salt = secrets.token_hex(8)
    db.session.add(OneTimeCode(
        account_reference=account_reference, purpose=purpose, salt=salt,
        code_hash=_hash(salt, code), expires_at=utcnow() + CODE_LIFETIME,
    ))
    send_mail(to_address, subject,
              f"{intro}\n\nYour code is {code}\n\nIt expires in 15 minutes. "
              "If you did not ask for this, you can ignore this email.")


def check_code(account_reference: str | None, purpose: str, entered: str) -> str | None:
    """None when `entered` is the live code (it is then used up), else the error code."""
    entered = (entered or "").strip().replace(" ", "")
    if account_reference is None or not (len(entered) == 6 and entered.isdigit()):
        return "CODE_INVALID"
    row = (OneTimeCode.query
           .filter_by(account_reference=account_reference, purpose=purpose, used=False)
           .order_by(OneTimeCode.id.desc()).first())
    if row is None:
        return "CODE_INVALID"
    if not hmac.compare_digest(row.code_hash, _hash(row.salt, entered)):
        row.attempts += 1
        if row.attempts >= MAX_CODE_ATTEMPTS:
            row.used = True
        db.session.commit()
        return "CODE_INVALID"
    if utcnow() > row.expires_at:
        return "CODE_EXPIRED"
    row.used = True
    db.session.commit()
    return None


def recent_messages(limit: int = 50) -> list[MailMessage]:
    return MailMessage.query.order_by(MailMessage.id.desc()).limit(limit).all()
