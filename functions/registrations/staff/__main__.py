"""`python -m registrations.staff`: the staff command where the `registrations` script is not on the PATH."""

import sys

from .cli import main

sys.exit(main())
