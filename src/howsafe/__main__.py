"""``python -m howsafe``."""

import sys

from howsafe._entry import main

sys.exit(main())
