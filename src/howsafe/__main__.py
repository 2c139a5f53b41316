"""``python -m howsafe``."""

import sys

from howsafe.cli import main

sys.exit(main())
