"""Lantai's OCR worker (全文识别): serves the activity `recognisePage` on its own Temporal task queue.

The Lantai worker's recognition workflow hands it a page as a short-lived signed link to its image at the API (pages
are sealed with SM4 in the store, and the API opens them); this process fetches it, reads it with the engine and
returns the text, per-line confidence and boxes. It needs no database, no key and no store credentials, only Temporal
and the API's address (LANTAI_API_URL where the workflow's worker is told it). Start more of them, on this machine or
others, to drain a backlog faster. Configured by the same variables as the rest of Lantai:

    TEMPORAL_ADDRESS (default 127.0.0.1:$LANTAI_TEMPORAL_PORT, 7233), TEMPORAL_NAMESPACE (lantai),
    TEMPORAL_TLS, TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY,
    LANTAI_OCR_TASK_QUEUE (lantai-ocr), LANTAI_OCR_THREADS (threads per page; 0 lets ONNX Runtime choose),
    LANTAI_API_CA (a CA or self-signed certificate, PEM, to trust for the API's https besides the system's)
"""

import asyncio
import concurrent.futures
import json
import os
import re
import signal
import ssl
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, TLSConfig
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine import Engine, UnreadableImage  # noqa: E402

FETCH_TIMEOUT_SECONDS = 60


def log(message: str, **fields: Any) -> None:
    print(json.dumps({"component": "ocr-worker", "msg": message, **fields}, ensure_ascii=False), flush=True)


class ConfigError(Exception):
    pass


def settings(env: dict[str, str]) -> dict[str, Any]:
    def flag(name: str) -> bool:
        value = env.get(name, "false")
        if value not in ("true", "false", "1", "0"):
            raise ConfigError(f"{name}: must be true, false, 1 or 0 (was {value!r})")
        return value in ("true", "1")

    port = env.get("LANTAI_TEMPORAL_PORT", "7233")
    address = env.get("TEMPORAL_ADDRESS") or f"127.0.0.1:{port}"
    if not re.fullmatch(r"[^\s:]+:\d{1,5}", address):
        raise ConfigError(f"TEMPORAL_ADDRESS: must be host:port (was {address!r})")
    threads = env.get("LANTAI_OCR_THREADS", "0") or "0"
    if not re.fullmatch(r"\d{1,3}", threads):
        raise ConfigError(f"LANTAI_OCR_THREADS: must be a whole number of threads, 0 to let ONNX Runtime choose (was {threads!r})")

    def read(name: str) -> bytes | None:
        path = env.get(name)
        if not path:
            return None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as err:
            raise ConfigError(f"{name}: cannot read {path}: {err.strerror}") from err

    tls: TLSConfig | bool = False
    if flag("TEMPORAL_TLS") or env.get("TEMPORAL_TLS_CA") or env.get("TEMPORAL_TLS_CERT"):
        tls = TLSConfig(
            server_root_ca_cert=read("TEMPORAL_TLS_CA"),
            client_cert=read("TEMPORAL_TLS_CERT"),
            client_private_key=read("TEMPORAL_TLS_KEY"),
            domain=env.get("TEMPORAL_TLS_SERVER_NAME") or None,
        )
    elif env.get("TEMPORAL_API_KEY"):
        tls = True
    api_ca = env.get("LANTAI_API_CA") or None
    if api_ca and not os.path.isfile(api_ca):
        raise ConfigError(f"LANTAI_API_CA: {api_ca} is not a file")
    api_tls = None
    if api_ca:
        api_tls = ssl.create_default_context()
        api_tls.load_verify_locations(cafile=api_ca)
    return {
        "api_tls": api_tls,
        "address": address,
        "namespace": env.get("TEMPORAL_NAMESPACE") or "lantai",
        "task_queue": env.get("LANTAI_OCR_TASK_QUEUE") or "lantai-ocr",
        "threads": int(threads),
        "tls": tls,
        "api_key": env.get("TEMPORAL_API_KEY") or None,
    }


def fetch(url: str, context: ssl.SSLContext | None = None) -> bytes:
    """The image behind the signed link; an expired or refused link and a missing object are not retried here."""
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS, context=context) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        body = err.read(2000).decode("utf-8", "replace")
        if err.code == 403 and ("expired" in body.lower() or "AccessDenied" in body):
            # The workflow signs a new URL and hands the page out again.
            raise ApplicationError("the page link has expired or was refused", type="ImageUrlExpired", non_retryable=True) from err
        if err.code == 404:
            raise ApplicationError("the stored image is not there", type="ImageMissing", non_retryable=True) from err
        raise


def make_activity(engine: Engine, api_tls: ssl.SSLContext | None = None):
    @activity.defn(name="recognisePage")
    def recognise_page(order: dict[str, Any]) -> dict[str, Any]:
        image = fetch(order["url"], api_tls)
        try:
            reading = engine.read(image)
        except UnreadableImage as err:
            raise ApplicationError(str(err), type="UnreadableImage", non_retryable=True) from err
        log("page read", pageId=order.get("pageId"), lines=len(reading["lines"]), ms=reading["milliseconds"])
        return reading

    return recognise_page


async def connect(config: dict[str, Any]) -> Client:
    """Temporal's client, waited for while Temporal is not up yet (it starts beside this worker)."""
    for attempt in range(1, 10_000):
        try:
            return await Client.connect(
                config["address"], namespace=config["namespace"], tls=config["tls"], api_key=config["api_key"]
            )
        except RuntimeError as err:
            if attempt % 10 == 1:
                log("Temporal not reachable yet; trying again", address=config["address"], error=str(err)[:200])
            await asyncio.sleep(2)
    raise RuntimeError(f"Temporal at {config['address']} never answered")


async def run(config: dict[str, Any]) -> None:
    engine = Engine(config["threads"])
    client = await connect(config)
    # One page at a time per process: a page takes the cores it is given, so a second one would only slow both.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        worker = Worker(
            client,
            task_queue=config["task_queue"],
            activities=[make_activity(engine, config["api_tls"])],
            activity_executor=pool,
            max_concurrent_activities=1,
            graceful_shutdown_timeout=timedelta(seconds=5),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log("polling", taskQueue=config["task_queue"], namespace=config["namespace"], address=config["address"], engine=engine.name)
        async with worker:
            await stop.wait()
    log("stopped")


def main() -> int:
    try:
        config = settings(dict(os.environ))
    except ConfigError as err:
        print(f"ocr worker: configuration: {err}", file=sys.stderr)
        return 2
    asyncio.run(run(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
