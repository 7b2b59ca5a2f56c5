"""The client a command uses, configured as the SDK is: options first, then the environment.

``--endpoint`` or ``--region`` (else ``SPEECH_ENDPOINT`` or ``SPEECH_REGION``), ``--api-version``
(else ``SPEECH_API_VERSION``), and the key from ``SPEECH_KEY`` only, never from an option:
command lines show in process lists. ``--entra`` signs in with Microsoft Entra ID instead.
What is missing is told before any request is sent.

A host that cannot be reached when first contacted (the endpoint, mostly) ends the command at
once with one line, rather than after the SDK's retries: the client's HTTP transport is
wrapped so that the first failure to connect to a host raises ``Unreachable``, which the SDK
lets through untried. Once a host has answered, losing it is the SDK's to retry as usual.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp

from .._client import SpeechClient
from .._core.transport import HttpTransport, Request, Response
from ..errors import TransportError
from ._output import CommandError

__all__ = ["CONNECT_TIMEOUT", "Unreachable", "connect", "connection_argv"]

# Seconds a connection (TCP and TLS) may take before its host counts as unreachable; and the
# whole of a request, as the SDK's default.
CONNECT_TIMEOUT = 5.0
_TIMEOUT = aiohttp.ClientTimeout(total=120.0, connect=CONNECT_TIMEOUT)


class Unreachable(CommandError):
    """No connection could be made to a host this command had not reached yet."""


class _FirstContact:
    """The SDK's own HTTP transport, except that failing to connect to a host that has not
    answered yet raises ``Unreachable`` instead of a ``TransportError`` to retry."""

    def __init__(self, http: HttpTransport) -> None:
        self._http = http
        self._reached: set[tuple[str | None, int | None]] = set()

    async def send(self, request: Request) -> Response:
        host = (request.url.host, request.url.port)
        try:
            response = await self._http.send(request)
        except TransportError as error:
            if error.sent or host in self._reached:
                raise
            connect = (request.timeout or self._http.timeout).connect
            raise Unreachable(f"cannot reach {_where(request, error)}: {_why(error, connect)}") from error
        self._reached.add(host)
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


def _where(request: Request, error: TransportError) -> str:
    origin = request.url.origin()
    return f"the proxy for {origin}" if isinstance(error.__cause__, aiohttp.ClientProxyConnectionError) else str(origin)


def _why(error: TransportError, connect: float | None) -> str:
    """``connection refused``, ``name or service not known``...: what the system said."""
    cause = error.__cause__
    if not isinstance(cause, OSError) or isinstance(cause, TimeoutError):
        return f"no connection within {connect:g} s" if connect else "no connection"
    reason = os.strerror(cause.errno) if cause.errno and cause.errno > 0 else cause.strerror or str(cause)
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
    """A client for the command's resource, closed (with its credential) when the command ends."""
    options = _client_options(args)
    async with AsyncExitStack() as stack:
        if args.entra:
            options["credential"] = await stack.enter_async_context(_entra_credential())
        transport = _FirstContact(HttpTransport(timeout=_TIMEOUT))
        yield await stack.enter_async_context(SpeechClient(**options, timeout=_TIMEOUT, transport=transport))
