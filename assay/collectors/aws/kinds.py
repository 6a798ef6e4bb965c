"""The AWS evidence kinds, defined in the neutral `assay.kinds.aws` (cross-source signals read them too)."""

from assay.kinds.aws import *  # noqa: F403
