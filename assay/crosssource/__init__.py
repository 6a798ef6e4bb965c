"""Cross-source signals: facts that combine several sources' evidence, in one neutral package.

Cloud practices read across AWS and Azure, experiment tracking across MLflow and SageMaker
Experiments, production models across MLflow, SageMaker and Azure ML, the
coverage of production models by monitoring across Prometheus and those registries, and delivery (CI,
CD, DORA, IaC in deploying repositories) across GitHub and Jenkins. These signals
read only evidence (through the contracts in `assay.kinds`); no collector package imports another, and
each signal is unknown only when none of the sources it reads was collected.
"""

from assay.crosssource import (  # noqa: F401
    cloud,
    cloud_controls,
    delivery,
    dora,
    drift,
    experiments,
    iac,
    model_metrics,
    portfolio,
)
from assay.crosssource.base import SOURCE, signals

__all__ = ["SOURCE", "signals"]
