"""``speechrest datasets upload``: a file to a new dataset, with a progress bar, resumable."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path

from ..errors import _text
from ..upload import UploadProgress
from ._connect import connect
from ._display import UploadDisplay
from ._jobs import last_states, report_errors, wait_for
from ._kinds import KINDS, entity_id, wire
from ._output import CommandError, Output

__all__ = ["upload"]

_DATASETS = KINDS["datasets"]


def _resume_command(argv: Sequence[str], dataset_id: str) -> str:
    """The command line that resumes an upload: the same one, with ``--resume ID``."""
    given = any(arg == "--resume" or arg.startswith("--resume=") for arg in argv)
    return shlex.join(["speechrest", *argv, *([] if given else ["--resume", dataset_id])])


async def upload(args: argparse.Namespace, out: Output) -> int:
    """Create a dataset from a file, sent in blocks, and print its id; the id is told (on stderr)
    before the first block, so that a stop can be resumed."""
    source = Path(args.path)
    resume = entity_id(_DATASETS, args.resume) if args.resume else None
    async with connect(args) as client:
        if resume is not None and client.api_version == "v3.0":
            raise CommandError("--resume needs API version v3.1 or later (v3.0 has no block uploads)")
        with UploadDisplay(out.err, f"upload {source.name}") as bar:

            def progress(update: UploadProgress) -> None:
                if out.hint is None:  # the first report: the dataset exists
                    out.hint = "resume with: " + _resume_command(args.argv, update.dataset_id)
                    what = "resuming" if resume else "created"
                    out.note(f"dataset {update.dataset_id} {what}; if the upload stops, {out.hint}")
                bar(update)

            dataset = await client.datasets.upload(
                source,
                display_name=args.name or source.name,
                locale=args.locale,
                kind=args.kind,
                description=args.description,
                block_size=args.block_size,
                max_concurrency=args.concurrency,
                progress=progress,
                resume=resume,
            )
        out.hint = None
        outcomes = await wait_for(client, _DATASETS, [dataset], out, args) if args.wait else []
        if outcomes:
            [dataset] = await last_states(client, _DATASETS, outcomes)
        document = wire(client, dataset)
    out.note(f"dataset {dataset.id} uploaded: {_text(dataset.status)}")
    out.emit(document, lambda: out.line(dataset.id))
    return report_errors(out, outcomes)
