"""The fixed set of PromQL queries the collector sends: a bounded number, independent of series count.

Each query aggregates on the server (``group by``, ``count_over_time``, ``avg``), so what comes back grows
with the number of jobs, metric names, models and alert series, never with the number of raw series.
The sandbox's Prometheus stand-in answers exactly these queries.
"""

from __future__ import annotations

WINDOW = "30d"
MODEL_LABELS = ("model", "model_name")

# Metric names worth a closer look: model/serving vocabulary, latency and error instrumentation, GPUs.
INTERESTING_NAMES = (
    ".*(model|inference|predict|drift|latency|duration|error|fail|exception).*"
    "|(nv_inference|seldon|bentoml|DCGM_FI)_.*"
)

# (job, metric name, model label) for every interesting metric, aggregated by the server.
SERIES = f'group by (job, __name__, {", ".join(MODEL_LABELS)}) ({{__name__=~"{INTERESTING_NAMES}"}})'

# Alert series that fired at any time in the window (exact, however short the episode).
FIRED = f'count_over_time(ALERTS{{alertstate="firing"}}[{WINDOW}])'

# The firing history over the window, sampled every `alert_step_seconds` (range query).
HISTORY = 'ALERTS{alertstate="firing"}'

GPU_METRIC = "DCGM_FI_DEV_GPU_UTIL"
GPU_DEVICES = f"count({GPU_METRIC})"
GPU_UTILISATION = f"avg(avg_over_time({GPU_METRIC}[{WINDOW}]))"
