"""Server-side journey state: a row per journey, keyed by a random id in the Flask session.

A `Journey` knows the order of its service's screens. Its `step` decorator hands the view
the customer's state and sends anyone who reaches a step out of order back to the start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import redirect, session

from .models import JourneyState, db, new_id, utcnow
from .site import service

SESSION_KEY = "journeys"
JOURNEY_LIFETIME = timedelta(hours=2)


class Journey:
    """The ordered steps of one service, and the customer's place in them."""

    def __init__(self, service_id: str, restart_step: str | None = None) -> None:
        self.service = service(service_id)
        self.step_ids = [s.id for s in self.service.steps]
        self.restart_path = self.service.path(restart_step or self.step_ids[0])

    def index(self, step_id: str) -> int:
        return self.step_ids.index(step_id)

    def current(self) -> JourneyState | None:
        """The customer's live state for this service, if any."""
        state_id = session.get(SESSION_KEY, {}).get(self.service.id)
        if not state_id:
            return None
        state = db.session.get(JourneyState, state_id)
        if (state is None or state.service_id != self.service.id
                or utcnow() - state.updated_at > JOURNEY_LIFETIME):
            return None
        return state

    def restart(self):
        return redirect(self.restart_path)

    def begin(self, step_id: str, **data: Any):
        """Start a fresh journey at `step_id` (done) and go to the step after it."""
        state = JourneyState(id=new_id(), service_id=self.service.id, data={})
        db.session.add(state)
        journeys = dict(session.get(SESSION_KEY, {}))
        journeys[self.service.id] = state.id
        session[SESSION_KEY] = journeys
        return self.advance(state, step_id, **data)

    def advance(self, state: JourneyState, step_id: str, **data: Any):
        """Record `step_id` as done (later answers must be given again) and go to the next."""
        state.data = {**(state.data or {}), **data}
        state.reached = self.index(step_id) + 1
        state.updated_at = utcnow()
        db.session.commit()
        return redirect(self.service.steps[state.reached].path, code=303)

    def finish(self, state: JourneyState, **data: Any):
        """Mark the journey complete and show its last (confirmation) screen."""
        state.data = {**(state.data or {}), **data}
        state.reached = len(self.step_ids) - 1
        state.done = True
        state.updated_at = utcnow()
        db.session.commit()
        return redirect(self.service.steps[-1].path, code=303)

    def step(self, step_id: str, *, entry: bool = False) -> Callable:
        """Decorate a view of `step_id`; the view gets the state as its first argument.

        `entry` steps can be reached without a journey (the view may get None). The last
        step needs a finished journey; every other step needs an unfinished journey that
        has reached it.
        """
        idx = self.index(step_id)
        is_last = idx == len(self.step_ids) - 1

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any):
                state = self.current()
                if not entry:
                    if state is None:
                        return self.restart()
                    if is_last and not state.done:
                        return self.restart()
                    if not is_last and (state.done or idx > state.reached):
                        return self.restart()
                return view(state, *args, **kwargs)

            return wrapper

        return decorator
