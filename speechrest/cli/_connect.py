"""The client a command uses, configured as the SDK is: options first, then the environment.

``--endpoint`` or ``--region`` (else ``SPEECH_ENDPOINT`` or ``SPEECH_REGION``), ``--api-version``
(else ``SPEECH_API_VERSION``), and the key from ``SPEECH_KEY`` only, never from an option:
command lines show in process lists. ``--entra`` signs in with Microsoft Entra ID instead.
What is missing is told before any request is sent.

A host that cannot be reached when first contacted (the endpoint, mostly) ends the command at
once with one line, rather than after the SDK's retries: the first failure to connect raises
``Unreachable``, which the SDK lets through untried. Once a host has answered, losing it is
the SDK's to retry as usual.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.connector import Connection
from aiohttp.tracing import Trace

from .._client import SpeechClient
from ._output import CommandError

__all__ = ["CONNECT_TIMEOUT", "Unreachable", "connect", "connection_argv"]

# Seconds a connection (TCP and TLS) may take before its host counts as unreachable.
CONNECT_TIMEOUT = 5.0


class Unreachable(CommandError):
    """No connection could be made to a host this command had not reached yet."""


class _FirstContact(aiohttp.TCPConnector):
    """A connector that raises ``Unreachable`` when it cannot connect to a host not reached before."""

    def __init__(self) -> None:
        super().__init__()
        self._reached: set[tuple[str | None, int | None]] = set()

    async def connect(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        host = (req.url.host, req.url.port)
        if host in self._reached:
            return await super().connect(req, traces, timeout)
        where = f"the proxy {req.proxy.origin()}" if req.proxy else str(req.url.origin())
        try:
            connection = await super().connect(req, traces, timeout)
        except aiohttp.ClientConnectorError as error:
            raise Unreachable(f"cannot reach {where}: {_why(error)}") from error
        except asyncio.TimeoutError as error:
            raise Unreachable(f"cannot reach {where}: no connection within {timeout.connect:g} s") from error
        self._reached.add(host)
        return connection


def _why(error: aiohttp.ClientConnectorError) -> str:
    """``connection refused``, ``name or service not known``...: what the system said."""
    reason = os.strerror(error.errno) if error.errno and error.errno > 0 else error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def _entra_credential() -> Any:
    """``DefaultAzureCredential`` (async), or a clear error when azure-identity is not installed."""
    try:
        identity = importlib.import_module("azure.identity.aio")
    except ImportError:
        raise CommandError("--entra needs azure-identity: pip install 'speechrest[azure]'") from None
    return identity.DefaultAzureCredential()


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    """``SpeechClient`` keyword arguments from the options and the environment (no credential);
    a ``CommandError`` naming what to set when the resource or the key is missing."""
    env = os.environ
    options: dict[str, Any] = {}
    missing: list[tuple[str, str]] = []  # (what, where to give it)
    if args.endpoint or args.region:
        options["endpoint" if args.endpoint else "region"] = args.endpoint or args.region
    elif env.get("SPEECH_ENDPOINT"):
        options["endpoint"] = env["SPEECH_ENDPOINT"]
    elif env.get("SPEECH_REGION"):
        options["region"] = env["SPEECH_REGION"]
    else:
        missing.append(("Speech resource", "SPEECH_ENDPOINT (or SPEECH_REGION, or pass --endpoint/--region)"))
    version = args.api_version or env.get("SPEECH_API_VERSION")
    if version:
        options["api_version"] = version
    if env.get("SPEECH_KEY", "").strip() and not args.entra:
        options["key"] = env["SPEECH_KEY"]
    elif not args.entra:
        missing.append(("key", "SPEECH_KEY to the resource's key (or pass --entra to sign in with Microsoft Entra ID)"))
    if missing:
        what, where = zip(*missing, strict=True)
        raise CommandError(f"no {' and no '.join(what)}: set {' and '.join(where)}")
    return options


def connection_argv(args: argparse.Namespace) -> list[str]:
    """The connection options given on the command line, to repeat in a command we suggest."""
    argv = []
    for name in ("endpoint", "region", "api_version"):
        if getattr(args, name):
            argv += ["--" + name.replace("_", "-"), getattr(args, name)]
    return argv + (["--entra"] if args.entra else [])


@asynccontextmanager
async def connect(args: argparse.Namespace) -> AsyncIterator[SpeechClient]:
    """A client for the command's resource, closed (with its session and credential) when the command ends."""
    options = _client_options(args)
    async with AsyncExitStack() as stack:
        if args.entra:
            options["credential"] = await stack.enter_async_context(_entra_credential())
        # As the client's own session would be, with proxies from HTTPS_PROXY, NO_PROXY... (trust_env).
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=_FirstContact(), trust_env=True))
        client = SpeechClient(**options, session=session, connect_timeout=CONNECT_TIMEOUT)
        yield await stack.enter_async_context(client)
