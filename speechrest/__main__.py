"""``python -m speechrest``: the ``speechrest`` command line."""

from .cli import main

raise SystemExit(main())
