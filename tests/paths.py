"""Where the repository keeps the data its tests read (nothing outside the clone)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The development set (a copy of the shared one, kept in the repository so a clone stands alone).
DEV_DATA = ROOT / "eval" / "data" / "dev"
