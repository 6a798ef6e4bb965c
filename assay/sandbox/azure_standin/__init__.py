"""The Azure stand-in: a local ARM endpoint and token authority over HTTPS, and its materializer."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate

SECRET_ENV = "ASSAY_SANDBOX_AZURE_CLIENT_SECRET"


class AzureMaterializer:
    """Serves an estate's ``azure.yaml`` over HTTPS with a CA it generates; the config trusts that CA."""

    source = "azure"

    def __init__(self) -> None:
        self.standin: Any = None

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        from assay.sandbox.azure_standin.estate import build
        from assay.sandbox.azure_standin.server import ArmStandIn
        from assay.sandbox.azure_standin.tls import make_tls

        tls = make_tls(Path(workdir))
        arm = build(fixture)
        client_id, client_secret = "00000000-assay-sandbox-client", secrets.token_urlsafe(24)
        faults = fixture.get("faults") or {}
        self.standin = ArmStandIn(
            arm,
            tls,
            client_id,
            client_secret,
            deny=faults.get("deny"),
            throttle=faults.get("throttle"),
            throttle_status=int(faults.get("throttle_status", 429)),
            retry_after=str(faults.get("retry_after", 1)),
        ).start()
        config = {
            "tenant_id": arm.tenant_id,
            "client_id": client_id,
            "client_secret_env": SECRET_ENV,
            "authority": self.standin.url,
            "base_url": self.standin.url,
            "ca_bundle": str(tls.ca_bundle),
        }
        return Materialized(config=config, env={SECRET_ENV: client_secret})

    def stop(self) -> None:
        standin, self.standin = self.standin, None
        if standin is not None:
            standin.stop()
