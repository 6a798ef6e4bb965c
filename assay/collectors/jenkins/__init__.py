"""The Jenkins collector: jobs, builds and plugins, for CD, approvals, scanning and training pipelines."""

from assay.collectors.jenkins.collector import JenkinsCollector
from assay.collectors.jenkins.config import JenkinsConfig

__all__ = ["JenkinsCollector", "JenkinsConfig"]
