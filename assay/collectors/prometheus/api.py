"""prometheus-api-client, extended with the read-only endpoints it does not wrap yet.

``PrometheusConnect`` covers queries, labels, series and targets. The rules and Alertmanager endpoints
follow the same pattern (the client's session, headers, auth, TLS settings and timeout), so every request
still goes through the one configured client.
"""

from __future__ import annotations

from typing import Any

from prometheus_api_client import PrometheusApiClientException, PrometheusConnect


class PrometheusAPI(PrometheusConnect):
    """PrometheusConnect plus ``/api/v1/rules`` and ``/api/v1/alertmanagers``."""

    def get_rules(self) -> dict[str, Any]:
        """Alerting and recording rule groups, with each alerting rule's active alerts."""
        return self._get_data("/api/v1/rules")

    def get_alertmanagers(self) -> dict[str, Any]:
        """The Alertmanagers this Prometheus sends alerts to."""
        return self._get_data("/api/v1/alertmanagers")

    def _get_data(self, path: str) -> dict[str, Any]:
        response = self._session.request(
            method="GET",
            url=f"{self.url}{path}",
            verify=self._session.verify,
            headers=self.headers,
            auth=self.auth,
            cert=self._session.cert,
            timeout=self._timeout,
        )
        if response.status_code != 200:
            raise PrometheusApiClientException(
                f"HTTP Status Code {response.status_code} ({response.content[:200]!r})"
            )
        return response.json()["data"]


class AlertmanagerAPI(PrometheusConnect):
    """The same client pointed at Alertmanager: ``/api/v2/status`` holds the routing configuration."""

    def get_status(self) -> dict[str, Any]:
        response = self._session.request(
            method="GET",
            url=f"{self.url}/api/v2/status",
            verify=self._session.verify,
            headers=self.headers,
            auth=self.auth,
            cert=self._session.cert,
            timeout=self._timeout,
        )
        if response.status_code != 200:
            raise PrometheusApiClientException(
                f"HTTP Status Code {response.status_code} ({response.content[:200]!r})"
            )
        return response.json()
