"""The least access the Prometheus collector needs, as `assay permissions prometheus` prints it."""

PERMISSIONS = """\
Prometheus — read-only HTTP API access; the collector never writes, deletes or reloads anything.

Prometheus has no built-in authorisation: whatever fronts it (a reverse proxy, Grafana Mimir/Cortex/Thanos,
a cloud managed service) must let the collector's credentials GET these endpoints:
  GET /api/v1/targets?state=active        scrape pools and target health
  GET /api/v1/label/__name__/values        metric names
  GET /api/v1/query                        4-6 aggregated instant queries (group by / count_over_time /
                                           count / avg: model and service metrics, fired alerts, GPUs)
  GET /api/v1/query_range                  one ALERTS range query over 30 days (step alert_step_seconds)
  GET /api/v1/rules                        alerting and recording rules with their active alerts
  GET /api/v1/alertmanagers                where alerts are sent
Alertmanager (only when collectors.prometheus.alertmanager_url is set):
  GET /api/v2/status                       the routing configuration: receiver names and integration
                                           types are kept, never URLs, keys or tokens

Credentials: a bearer token from the variable named by bearer_token_env, and/or headers from
headers_env (e.g. X-Scope-OrgID for a multi-tenant Mimir/Cortex). Managed services: Amazon Managed
Service for Prometheus needs aps:QueryMetrics, aps:GetLabels, aps:GetSeries, aps:GetMetricMetadata
and aps:ListRules through a SigV4 proxy; Azure Monitor managed Prometheus needs the Monitoring Data
Reader role on the workspace.
Request budget: at most 10 requests per audit, whatever the number of series.
"""
