"""The MLflow collector: experiment tracking, reproducibility, model registry and production promotion."""

from assay.collectors.mlflow.collector import MlflowCollector
from assay.collectors.mlflow.config import MlflowConfig

__all__ = ["MlflowCollector", "MlflowConfig"]
