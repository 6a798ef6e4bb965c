"""The Azure collector: subscriptions, resources, deployments, policy and the ML/AI estate via ARM."""

from assay.collectors.azure.collector import AzureCollector
from assay.collectors.azure.config import AzureConfig

__all__ = ["AzureCollector", "AzureConfig"]
