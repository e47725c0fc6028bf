"""Adviser accounts: create them, check passwords, and the demo adviser `make run` prints."""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from flask import Flask
from werkzeug.security import check_password_hash, generate_password_hash

from bot import migrations
from bot.console.models import ROLES, Adviser
from bot.hub.store import db

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
DEMO_ADVISER = "adviser"
DEMO_DISPLAY_NAME = "Sam"  # customers read "Hello, I'm Sam, an adviser."


class AccountError(ValueError):
    """The account cannot be created as asked; the text says why."""


def hash_password(password: str, method: str | None = None) -> str:
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(method: str | None) -> str:
    return hash_password("not a password anyone has", method)


def verify_password(adviser: Adviser | None, password: str, method: str | None = None) -> bool:
    """True for the adviser's password; for an unknown user, the same work and False (no timing hint)."""
    if adviser is None:
        check_password_hash(_dummy_hash(method), password)
        return False
    return check_password_hash(adviser.password_hash, password)


def check_new_account(username: str, display_name: str, password: str, role: str) -> None:
    if not USERNAME.match(username):
        raise AccountError("the username must be 2-40 lower-case letters, digits, '.', '_' or '-'")
    if not display_name.strip() or len(display_name.strip()) > 60:
        raise AccountError("the display name (what customers see) must be 1-60 characters")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")


def add_adviser(username: str, display_name: str, password: str, role: str = "adviser",
                method: str | None = None) -> Adviser:
    """A new adviser account (inside an app context); AccountError when the details are not acceptable."""
    username = username.strip().lower()
    check_new_account(username, display_name, password, role)
    if Adviser.query.filter_by(username=username).first() is not None:
        raise AccountError(f"an adviser called {username!r} already exists")
    adviser = Adviser(username=username, display_name=display_name.strip(), role=role,
                      password_hash=hash_password(password, method))
    db.session.add(adviser)
    db.session.commit()
    return adviser


def ensure_adviser(username: str, display_name: str, password: str, role: str = "adviser",
                   method: str | None = None) -> Adviser:
    """Create the account, or reset its password and re-enable it (the demo adviser on every start)."""
    adviser = Adviser.query.filter_by(username=username).first()
    if adviser is None:
        return add_adviser(username, display_name, password, role, method)
    if not verify_password(adviser, password):
        adviser.password_hash = hash_password(password, method)
    adviser.active = True
    db.session.commit()
    return adviser


def store_app(database_url: str) -> Flask:
    """A bare app on the hub's store, for the command line (no sockets, no assistant)."""
    import bot.console.models  # noqa: F401  (registers the console's tables)

    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app = Flask("wayfinder-store")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)
    with app.app_context():
        migrations.upgrade(db.engine)
    return app


def ensure_demo_adviser(database_url: str, password: str) -> None:
    """`wayfinder run`: the demo adviser `adviser` with WAYFINDER_ADVISER_PASSWORD."""
    with store_app(database_url).app_context():
        ensure_adviser(DEMO_ADVISER, DEMO_DISPLAY_NAME, password)


def add_command(args: argparse.Namespace, database_url: str) -> int:
    """`wayfinder adviser add <username> --name "Display Name" [--role supervisor] [--password-env VAR]`."""
    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            print(f"wayfinder: {args.password_env} is not set or empty", file=sys.stderr)
            return 2
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Same password again: ") != password:
            print("wayfinder: the two passwords differ; nothing was created", file=sys.stderr)
            return 2
    with store_app(database_url).app_context():
        try:
            adviser = add_adviser(args.username, args.name, password, args.role)
        except AccountError as exc:
            print(f"wayfinder: {exc}; nothing was created", file=sys.stderr)
            return 2
        if adviser.role == "content":
            print(f"Content editor {adviser.username} created: review and insights in the console, no chats.")
        else:
            print(f"Adviser {adviser.username} ({adviser.role}) created: customers will see "
                  f"{adviser.display_name!r}.")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `adviser` subcommands, for bot/cli.py."""
    sub = parser.add_subparsers(dest="adviser_command", required=True)
    add = sub.add_parser("add", help="create a console account (the password is asked for)")
    add.add_argument("username", help="what the adviser signs in with: lower-case, no spaces")
    add.add_argument("--name", required=True, help="the name customers see, e.g. \"Sam\"")
    add.add_argument("--role", choices=ROLES, default="adviser", help="supervisors see and reassign all chats; content editors review conversations and read insights, and take no chats")
    add.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
