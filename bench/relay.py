"""The floor under any hub of this stack: a relay that stores nothing (`make bench`'s `relay` door).

The hub is a Flask app in gunicorn that passes each customer's message to Rasa over HTTP. This
relay is that and nothing else: the same server (one gunicorn worker, the hub's threads), Flask, and
one kept-alive urllib3 pool (as the hub's Rasa client), forwarding `POST
/webhooks/rest/webhook` to Rasa's REST channel and its answer back, byte for byte. No store,
no rate limit, no redaction, no conversation ids. Its latency over direct Rasa is what the
extra process and HTTP hop cost before the hub does any work of its own, so the report can
show how much of the hub's overhead is its own work and how much is the hop.

The `relay-async` door is the same relay on asyncio instead (`create_async_app`: aiohttp's server
and one kept-alive aiohttp client session, one process): the floor under a hub whose customer
path were asynchronous Python rather than gunicorn's threads and Flask.

Run by the bench only (`running_relay`); not part of the product.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import requests
import urllib3
from aiohttp import web
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


def create_async_app(rasa_url: str | None = None) -> web.Application:
    """The same relay on asyncio: aiohttp's server, one kept-alive aiohttp client session to Rasa."""
    rasa = (rasa_url or os.environ[RASA_VARIABLE]).rstrip("/")
    app = web.Application()
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def open_session(app: web.Application) -> AsyncIterator[None]:
        app[session_key] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200),
                                                 timeout=aiohttp.ClientTimeout(total=60))
        yield
        await app[session_key].close()

    async def webhook(request: web.Request) -> web.Response:
        async with request.app[session_key].post(f"{rasa}/webhooks/rest/webhook", data=await request.read(),
                                                 headers={"Content-Type": "application/json"}) as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")

    app.cleanup_ctx.append(open_session)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


@contextmanager
def running_relay(rasa_url: str, port: int, log: Path, asynchronous: bool = False) -> Iterator[str]:
    """The relay on 127.0.0.1:`port` in front of `rasa_url`, until the block ends: in gunicorn (the
    hub's server), or with `asynchronous` on aiohttp's server."""
    # imported here, not at the top: the relay's own server process imports this module
    from tests.support.stack import stop_group

    url = f"http://127.0.0.1:{port}"
    if asynchronous:
        command = [sys.executable, "-m", "bench.relay", str(port)]
    else:
        threads = int(SETTINGS["WAYFINDER_HUB_THREADS"][0])
        command = [str(Path(sys.executable).with_name("gunicorn")), "--no-control-socket", "--bind",
                   f"127.0.0.1:{port}", "--workers", "1", "--threads", str(threads),
                   # as the Procfile runs the hub: as many kept-alive connections as threads (gunicorn
                   # keeps none alive when its connections are no more than its threads)
                   "--worker-connections", str(threads * 2), "bench.relay:create_app()"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env={**os.environ, RASA_VARIABLE: rasa_url}, stdout=output, stderr=subprocess.STDOUT,
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


if __name__ == "__main__":  # the asynchronous relay's process: python -m bench.relay PORT
    web.run_app(create_async_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
