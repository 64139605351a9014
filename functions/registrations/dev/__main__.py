"""`python -m registrations.dev` (what `make run` calls): the site and /api on one origin, on a local dynalite."""

import sys

from .run import main

sys.exit(main())
