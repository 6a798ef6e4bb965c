"""The kinds of evidence the Azure collector writes (Azure signals and cross-source signals read these)."""

from __future__ import annotations

SOURCE = "azure"

SUBSCRIPTION = "azure.subscription"  # subject: subscription id
RESOURCES = "azure.resources"  # subject: subscription id
DEPLOYMENTS = "azure.deployments"  # subject: subscription id
POLICY = "azure.policy"  # subject: subscription id
ONLINE_ENDPOINT = "azure.ml.online_endpoint"  # subject: endpoint resource id (lower case)
ALERT = "azure.monitor.alert"  # subject: alert rule resource id (lower case)
BUDGETS = "azure.cost.budgets"  # subject: subscription id
DEFENDER = "azure.security.defender"  # subject: subscription id

ML_WORKSPACE = "microsoft.machinelearningservices/workspaces"
ML_ONLINE_ENDPOINT = "microsoft.machinelearningservices/workspaces/onlineendpoints"
ML_REGISTRY = "microsoft.machinelearningservices/registries"
COGNITIVE = "microsoft.cognitiveservices/accounts"
CONTAINER_REGISTRY = "microsoft.containerregistry/registries"
PURVIEW = "microsoft.purview/accounts"
DATA_FACTORY = "microsoft.datafactory/factories"
METRIC_ALERT = "microsoft.insights/metricalerts"
SCHEDULED_QUERY = "microsoft.insights/scheduledqueryrules"
TEMPLATE_SPEC = "microsoft.resources/templatespecs"
AI_RESOURCE_TYPES = (ML_WORKSPACE, ML_ONLINE_ENDPOINT, ML_REGISTRY, COGNITIVE)
# Monitoring rules and deployments describe other resources; they are not part of the estate to tag.
UNTAGGED_BY_DESIGN = (METRIC_ALERT, SCHEDULED_QUERY, "microsoft.insights/actiongroups")

# Defender for Cloud plans (Microsoft.Security/pricings names) and the resource types each protects: a
# subscription is watched when Defender for Resource Manager (its control plane) is on the Standard tier
# and so is every plan protecting a kind of resource the subscription runs.
DEFENDER_CONTROL_PLANE = "Arm"
DEFENDER_PLANS: dict[str, tuple[str, ...]] = {
    "VirtualMachines": (
        "microsoft.compute/virtualmachines",
        "microsoft.compute/virtualmachinescalesets",
        "microsoft.hybridcompute/machines",
    ),
    "StorageAccounts": ("microsoft.storage/storageaccounts",),
    "Containers": ("microsoft.containerservice/managedclusters", CONTAINER_REGISTRY),
    "KeyVaults": ("microsoft.keyvault/vaults",),
    "SqlServers": ("microsoft.sql/servers",),
    "AppServices": ("microsoft.web/sites",),
    "CosmosDbs": ("microsoft.documentdb/databaseaccounts",),
    "OpenSourceRelationalDatabases": (
        "microsoft.dbforpostgresql/flexibleservers",
        "microsoft.dbformysql/flexibleservers",
    ),
    "AI": (COGNITIVE,),
}
