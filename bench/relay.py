"""The floor under any hub of this stack: a relay that stores nothing (`make bench`'s `relay` door).

The hub is a Flask app in gunicorn that passes each customer's message to Rasa over HTTP. This
relay is that and nothing else: the same server (one gunicorn worker, the hub's threads), Flask, and
one kept-alive urllib3 pool (as the hub's Rasa client), forwarding `POST
/webhooks/rest/webhook` to Rasa's REST channel and its answer back, byte for byte. No store,
no rate limit, no redaction, no conversation ids. Its latency over direct Rasa is what the
extra process and HTTP hop cost before the hub does any work of its own, so the report can
show how much of the hub's overhead is its own work and how much is the hop.

Run by the bench only (`running_relay`); not part of the product.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import urllib3
from flask import Flask, Response, request

from bot.config import SETTINGS

RASA_VARIABLE = "WAYFINDER_BENCH_RELAY_RASA"


def create_app(rasa_url: str | None = None) -> Flask:
    rasa = (rasa_url or os.environ[RASA_VARIABLE]).rstrip("/")
    pool = urllib3.PoolManager(maxsize=100, retries=False)
    app = Flask(__name__)

    @app.post("/webhooks/rest/webhook")
    def webhook() -> Response:
        answer = pool.request("POST", f"{rasa}/webhooks/rest/webhook", body=request.get_data(),
                              headers={"Content-Type": "application/json"}, timeout=60)
        return Response(answer.data, status=answer.status, mimetype="application/json")

    return app


@contextmanager
def running_relay(rasa_url: str, port: int, log: Path) -> Iterator[str]:
    """The relay in gunicorn on 127.0.0.1:`port` in front of `rasa_url`, until the block ends."""
    # imported here, not at the top: the relay's own server process imports this module
    from tests.support.stack import stop_group

    url = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(gunicorn), "--no-control-socket", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", SETTINGS["WAYFINDER_HUB_THREADS"][0], "bench.relay:create_app()"],
            env={**os.environ, RASA_VARIABLE: rasa_url}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the relay exited ({process.returncode}); see {log}")
            try:
                requests.get(url, timeout=1)  # any answer (a 404) means it is listening
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the relay did not start in 30 s; see {log}") from None
                time.sleep(0.2)
        yield url
    finally:
        stop_group(process, signal.SIGTERM, 30)
