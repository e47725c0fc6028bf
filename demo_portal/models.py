"""Database tables of the demo portal: accounts, addresses, journeys, faults, mail and records."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_id() -> str:
    """A random, unguessable row id."""
    return secrets.token_urlsafe(24)


class Address(db.Model):
    """A property in (or looked up for) the council area."""

    id = db.Column(db.Integer, primary_key=True)
    postcode = db.Column(db.String(8), nullable=False, index=True)
    line = db.Column(db.String(120), nullable=False)
    garden_waste = db.Column(db.Boolean, nullable=False, default=False)

    __table_args__ = (db.UniqueConstraint("postcode", "line"),)


class Account(db.Model):
    """A customer's council account (council tax reference = primary key)."""

    reference = db.Column(db.String(8), primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    email = db.Column(db.String(254), nullable=False, unique=True)
    phone = db.Column(db.String(20), nullable=True)
    password_hash = db.Column(db.String(256), nullable=False)
    postcode = db.Column(db.String(8), nullable=False)
    address_id = db.Column(db.Integer, db.ForeignKey("address.id"), nullable=False)
    balance_pence = db.Column(db.Integer, nullable=False, default=0)
    saved_card_last4 = db.Column(db.String(4), nullable=True)
    failed_sign_ins = db.Column(db.Integer, nullable=False, default=0)
    locked = db.Column(db.Boolean, nullable=False, default=False)

    address = db.relationship(Address)


class Vehicle(db.Model):
    """The demo vehicle register (registration without spaces)."""

    registration = db.Column(db.String(10), primary_key=True)
    description = db.Column(db.String(80), nullable=False)


class BulkyArea(db.Model):
    """Bulky waste collections a postcode district can take per working day."""

    district = db.Column(db.String(4), primary_key=True)
    daily_capacity = db.Column(db.Integer, nullable=False)


class BulkyBooking(db.Model):
    """A booked bulky waste slot (counts against the district's capacity)."""

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(16), nullable=False, unique=True)
    district = db.Column(db.String(4), nullable=False, index=True)
    collection_date = db.Column(db.Date, nullable=False)


class Fault(db.Model):
    """The demo fault switch for one service, shared by every worker process."""

    service_id = db.Column(db.String(40), primary_key=True)
    mode = db.Column(db.String(10), nullable=False, default="none")
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class JourneyState(db.Model):
    """Server-side state of one customer's pass through a journey (never card numbers)."""

    id = db.Column(db.String(40), primary_key=True, default=new_id)
    service_id = db.Column(db.String(40), nullable=False)
    reached = db.Column(db.Integer, nullable=False, default=0)
    done = db.Column(db.Boolean, nullable=False, default=False)
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class OneTimeCode(db.Model):
    """A 6-digit code sent to the demo mailbox (password reset, contact change)."""

    id = db.Column(db.Integer, primary_key=True)
    account_reference = db.Column(db.String(8), db.ForeignKey("account.reference"), nullable=False)
    purpose = db.Column(db.String(20), nullable=False)
    salt = db.Column(db.String(32), nullable=False)
    code_hash = db.Column(db.String(64), nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    used = db.Column(db.Boolean, nullable=False, default=False)


class MailMessage(db.Model):
    """An email the portal 'sent', shown on the demo mailbox page."""

    id = db.Column(db.Integer, primary_key=True)
    to_address = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    sent_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ServiceRecord(db.Model):
    """A completed transaction (payment, report, application, booking, change)."""

    reference = db.Column(db.String(16), primary_key=True)
    service_id = db.Column(db.String(40), nullable=False, index=True)
    account_reference = db.Column(db.String(8), nullable=True)
    channel = db.Column(db.String(10), nullable=False)  # "web" or "api"
    summary = db.Column(db.String(300), nullable=False)
    amount_pence = db.Column(db.Integer, nullable=True)
    card_last4 = db.Column(db.String(4), nullable=True)
    details = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
