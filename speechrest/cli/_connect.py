"""The client a command uses, configured as the SDK is: options first, then the environment.

``--endpoint`` or ``--region`` (else ``SPEECH_ENDPOINT`` or ``SPEECH_REGION``), ``--api-version``
(else ``SPEECH_API_VERSION``), and the key from ``SPEECH_KEY`` only, never from an option:
command lines show in process lists. ``--entra`` signs in with Microsoft Entra ID instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from .._client import SpeechClient
from ._output import CommandError

__all__ = ["connect", "connection_argv"]


def _entra_credential() -> Any:
    """``DefaultAzureCredential`` (async), or a clear error when azure-identity is not installed."""
    try:
        identity = importlib.import_module("azure.identity.aio")
    except ImportError:
        raise CommandError("--entra needs azure-identity: pip install 'speechrest[azure]'") from None
    return identity.DefaultAzureCredential()


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    """``SpeechClient`` keyword arguments from the options and the environment (no credential)."""
    env = os.environ
    options: dict[str, Any] = {}
    if args.endpoint or args.region:
        options["endpoint" if args.endpoint else "region"] = args.endpoint or args.region
    elif env.get("SPEECH_ENDPOINT"):
        options["endpoint"] = env["SPEECH_ENDPOINT"]
    elif env.get("SPEECH_REGION"):
        options["region"] = env["SPEECH_REGION"]
    else:
        raise CommandError("no Speech resource given: set SPEECH_ENDPOINT or SPEECH_REGION, or use --endpoint/--region")
    version = args.api_version or env.get("SPEECH_API_VERSION")
    if version:
        options["api_version"] = version
    if not args.entra and env.get("SPEECH_KEY"):
        options["key"] = env["SPEECH_KEY"]
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
        yield await stack.enter_async_context(SpeechClient(**options))
