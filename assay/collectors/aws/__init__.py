"""The AWS collector: accounts × regions through boto3, CloudOps/SecOps/DataOps/MLOps/AIOps signals."""

from assay.collectors.aws.collector import AwsCollector
from assay.collectors.aws.config import AwsConfig

__all__ = ["AwsCollector", "AwsConfig"]
