"""The Azure collector's clients: each pipeline owns its policies.

azure-core links every policy of a pipeline to the next one (`policy.next`). A retry policy shared by
several clients is relinked by each client built, so requests of one client ran down another client's
pipeline, and while that one was still being built on another thread, failed with "'ARMChallenge
AuthenticationPolicy' object has no attribute 'next'" (seen as an intermittent gap in a sandbox audit).
"""

from __future__ import annotations

import time

import pytest
from azure.core.pipeline.policies import RetryPolicy
from azure.identity import ClientSecretCredential

from assay.collectors.azure.collector import _Clients
from assay.collectors.azure.config import AzureConfig


def retry_of(client: object) -> RetryPolicy:
    pipeline = client._client._pipeline  # type: ignore[attr-defined]
    (policy,) = [p for p in pipeline._impl_policies if isinstance(p, RetryPolicy)]
    return policy


def test_every_client_has_a_retry_policy_linked_into_its_own_pipeline() -> None:
    cfg = AzureConfig(tenant_id="t", client_id="c", client_secret_env="X", base_url="https://127.0.0.1:1")
    credential = ClientSecretCredential("t", "c", "s")
    clients = _Clients(credential, cfg, time.monotonic() + 60)
    built = [clients.resources("sub-a"), clients.resources("sub-b"), clients.policy("sub-a")]
    policies = [retry_of(c) for c in built]
    assert len({id(p) for p in policies}) == 3
    for client, policy in zip(built, policies, strict=True):
        chain = client._client._pipeline._impl_policies  # type: ignore[attr-defined]
        assert policy.next is chain[chain.index(policy) + 1]


@pytest.mark.parametrize(
    ("settings", "scope"),
    [
        ({}, "https://management.azure.com/.default"),
        (
            {"base_url": "https://management.usgovcloudapi.net"},
            "https://management.usgovcloudapi.net/.default",
        ),
        (
            {"base_url": "https://management.chinacloudapi.cn/"},
            "https://management.chinacloudapi.cn/.default",
        ),
        (
            {
                "base_url": "https://management.local.azurestack.external",
                "credential_scope": "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default",
            },
            "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default",
        ),
    ],
)
def test_tokens_are_asked_for_the_resource_manager_that_reads_them(settings: dict, scope: str) -> None:  # type: ignore[type-arg]
    """ARM refuses a token issued for another audience (InvalidAuthenticationTokenAudience), so a
    sovereign cloud's endpoint is its own scope, and Azure Stack Hub's configured audience is used."""
    from assay.collectors.azure.collector import arm_scope

    assert arm_scope(AzureConfig(subscriptions=[], **settings)) == scope
