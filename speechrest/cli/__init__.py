"""``speechrest``: the Speech-to-text REST API from a terminal (``pip install 'speechrest[cli]'``).

``main()`` runs one command and returns its exit code: 0 when done, 1 after an error (one
line on stderr with the service's error code and message; ``--debug`` adds the traceback),
2 for bad usage and 130 when interrupted with Ctrl-C.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import traceback
from collections.abc import Sequence

from ._args import parse

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    args = parse(list(sys.argv[1:] if argv is None else argv))
    if args.command == "emulator":
        from ..emulator.__main__ import main as emulator

        return emulator([*args.rest, "--json"] if args.json else args.rest, prog="speechrest emulator")
    try:
        from ._output import Output, describe

        module, _, name = args.run.partition(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    except ImportError as missing:  # rich is an extra; parsing and --help need none
        package = (missing.name or "rich").partition(".")[0]
        print(f"error: this command needs {package}: pip install 'speechrest[cli]'", file=sys.stderr)
        return 1
    if args.debug:
        _log_to_stderr()
    out = Output(json_mode=args.json, stdout=sys.stdout, stderr=sys.stderr)
    try:
        code: int = asyncio.run(command(args, out))
    except KeyboardInterrupt:
        out.note("interrupted" + (f"; {out.hint}" if out.hint else ""))
        return 130
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        out.error(describe(error))
        if out.hint:
            out.note(out.hint)
        return 1
    return code


def _log_to_stderr() -> None:
    """The SDK's log (requests, timings, retries; secrets redacted) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("speechrest")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
