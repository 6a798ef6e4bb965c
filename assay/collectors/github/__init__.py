"""The GitHub collector: DevOps, SecOps, collaboration and people evidence from whole organisations."""

from assay.collectors.github.collector import GithubCollector
from assay.collectors.github.config import GithubConfig

__all__ = ["GithubCollector", "GithubConfig"]
