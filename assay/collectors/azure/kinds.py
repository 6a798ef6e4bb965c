"""The Azure evidence kinds, defined in the neutral `assay.kinds.azure` (cross-source signals read them)."""

from assay.kinds.azure import *  # noqa: F403
