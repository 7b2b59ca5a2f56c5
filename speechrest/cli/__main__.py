"""``python -m speechrest.cli``: the same as the ``speechrest`` command."""

from . import main

raise SystemExit(main())
