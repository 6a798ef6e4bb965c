"""Seeding one account's region from ``aws.yaml``: security services, Config, ECR, Glue, Lake Formation,
CloudFormation stacks, SageMaker and CodeBuild (a mixin of the Seeder, which supplies ``client``)."""

from __future__ import annotations

import json
from typing import Any

from assay.sandbox.aws_seed_sagemaker import seed_sagemaker


class RegionSeeding:
    """The per-region half of the Seeder."""

    def client(self, session: Any, service: str, region: str = "us-east-1") -> Any:  # pragma: no cover
        raise NotImplementedError

    def _moto_api(self, path: str, body: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    # -- one region --------------------------------------------------------------------------------

    def _region(
        self, session: Any, account: str, region: str, spec: dict[str, Any], defaults: dict[str, str]
    ) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        if spec.get("guardduty"):
            self.client(session, "guardduty", region).create_detector(Enable=True)
        if spec.get("securityhub"):
            self.client(session, "securityhub", region).enable_security_hub(EnableDefaultStandards=False)
            answers["securityhub_standards"] = list(spec["securityhub"])
        if spec.get("config") is not None:
            self._config(session, region, spec["config"] or {})
            answers["conformance_packs"] = list((spec["config"] or {}).get("conformance_packs") or [])
        if spec.get("ecr"):
            self._ecr(session, region, spec["ecr"], defaults)
        if spec.get("glue"):
            answers.update(self._glue(session, region, spec["glue"]))
        for location in spec.get("lakeformation") or []:
            self.client(session, "lakeformation", region).register_resource(
                ResourceArn=f"arn:aws:s3:::{location}", UseServiceLinkedRole=True
            )
        for stack in spec.get("stacks") or []:
            self._stack(session, region, stack, defaults)
        if spec.get("sagemaker"):
            answers.update(
                seed_sagemaker(
                    self.client(session, "sagemaker", region),
                    account,
                    region,
                    spec["sagemaker"],
                    defaults,
                    self.client(session, "sagemaker-metrics", region),
                )
            )
        answers["provisioned_products"] = list(spec.get("service_catalog") or [])
        for project in spec.get("codebuild") or []:
            self._codebuild(session, region, account, project)
        return answers

    def _config(self, session: Any, region: str, spec: dict[str, Any]) -> None:
        cfg = self.client(session, "config", region)
        if spec.get("recorder", True):
            cfg.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": "default",
                    "roleARN": "arn:aws:iam::123456789012:role/config",
                    "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
                }
            )
            cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-logs"})
            cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        for rule in spec.get("rules") or []:
            cfg.put_config_rule(
                ConfigRule={
                    "ConfigRuleName": rule,
                    "Source": {"Owner": "AWS", "SourceIdentifier": rule.upper().replace("-", "_")},
                }
            )

    def _ecr(self, session: Any, region: str, spec: dict[str, Any], defaults: dict[str, str]) -> None:
        ecr = self.client(session, "ecr", region)
        for repo in spec.get("repositories") or []:
            ecr.create_repository(
                repositoryName=repo["name"],
                imageScanningConfiguration={"scanOnPush": bool(repo.get("scan_on_push"))},
                tags=[
                    {"Key": k, "Value": str(v)} for k, v in {**defaults, **(repo.get("tags") or {})}.items()
                ],
            )
        if spec.get("registry_scan"):
            ecr.put_registry_scanning_configuration(
                scanType=spec["registry_scan"],
                rules=[
                    {
                        "scanFrequency": "SCAN_ON_PUSH",
                        "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                    }
                ],
            )

    def _glue(self, session: Any, region: str, spec: dict[str, Any]) -> dict[str, Any]:
        glue = self.client(session, "glue", region)
        for db in spec.get("databases") or []:
            glue.create_database(DatabaseInput={"Name": db["name"]})
            for table in db.get("tables") or []:
                glue.create_table(
                    DatabaseName=db["name"],
                    TableInput={
                        "Name": table["name"],
                        "Description": table.get("description", ""),
                        "StorageDescriptor": {"Location": f"s3://{table['bucket']}/{table['name']}/"},
                    },
                )
        if spec.get("crawlers"):
            self._moto_api(
                "state-manager/set-transition",
                {"model_name": "glue::crawl", "transition": {"progression": "immediate"}},
            )
        for crawler in spec.get("crawlers") or []:
            glue.create_crawler(
                Name=crawler["name"],
                Role="arn:aws:iam::123456789012:role/glue",
                DatabaseName=crawler["database"],
                Targets={"S3Targets": [{"Path": f"s3://{crawler['bucket']}/"}]},
            )
            if crawler.get("run", True):
                glue.start_crawler(Name=crawler["name"])
        return {
            "dq_rulesets": list(spec.get("dq_rulesets") or []),
            "dq_results": list(spec.get("dq_results") or []),
        }

    def _stack(self, session: Any, region: str, stack: dict[str, Any], defaults: dict[str, str]) -> None:
        tags = {**defaults, **(stack.get("tags") or {})}
        resources = {
            f"Bucket{i}": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": name,
                    "Tags": [{"Key": k, "Value": str(v)} for k, v in tags.items()],
                    "LifecycleConfiguration": {
                        "Rules": [{"Id": "expire", "Status": "Enabled", "ExpirationInDays": 365}]
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                },
            }
            for i, name in enumerate(stack.get("buckets") or [])
        }
        template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
        self.client(session, "cloudformation", region).create_stack(
            StackName=stack["name"], TemplateBody=json.dumps(template)
        )

    def _codebuild(self, session: Any, region: str, account: str, spec: dict[str, Any]) -> None:
        cb = self.client(session, "codebuild", region)
        cb.create_project(
            name=spec["name"],
            source={"type": "GITHUB", "location": f"https://github.com/example/{spec['name']}"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
            },
            serviceRole=f"arn:aws:iam::{account}:role/codebuild",
        )
        for _ in range(int(spec.get("builds", 0))):
            cb.start_build(projectName=spec["name"])
