"""Makes the shared test support modules importable from every Python suite."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tests" / "support"))
