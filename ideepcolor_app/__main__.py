"""``python -m ideepcolor_app``: the same as the ``ideepcolor`` command."""

import sys

from .cli import main

sys.exit(main())
