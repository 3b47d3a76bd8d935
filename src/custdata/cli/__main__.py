"""``python -m custdata.cli``: the same as the ``custdata`` command."""

from custdata.cli import main

raise SystemExit(main())
