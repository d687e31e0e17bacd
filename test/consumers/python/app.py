"""A Python CDK app that installs the core and storage wheels and synthesizes.

Usage: python app.py <outdir>
"""
import json
import sys

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_iam as iam
from lakehouse_cdk.core import DataLayer, Naming
from lakehouse_cdk.storage import DataLakeStorage

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Lake", env=cdk.Environment(account="123456789012", region="eu-west-1"))
storage = DataLakeStorage(
    stack,
    "Storage",
    naming=Naming(project="consumer", environment="py"),
    raw_infrequent_access_after=cdk.Duration.days(45),
)
analyst = iam.Role(stack, "Analyst", assumed_by=iam.AccountRootPrincipal())
storage.grant_read_layer(analyst, DataLayer.CURATED)
app.synth()

template = assertions.Template.from_stack(stack)
template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
buckets = template.find_resources("AWS::S3::Bucket", {"Properties": {"BucketName": "consumer-py-data-lake-123456789012-eu-west-1"}})
assert len(buckets) == 1, f"one data-lake bucket named by Naming, found {list(buckets)}"
(bucket,) = buckets.values()
encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
assert encryption["SSEAlgorithm"] == "aws:kms", encryption
key_ref = encryption["KMSMasterKeyID"]["Fn::GetAtt"]
assert key_ref[0].startswith("StorageKey") and key_ref[1] == "Arn", key_ref
raw_rules = [rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"] if rule.get("Prefix") == "raw/"]
assert raw_rules, "a lifecycle rule for raw/"
assert {"StorageClass": "STANDARD_IA", "TransitionInDays": 45} in raw_rules[0]["Transitions"], raw_rules
policies = json.dumps(template.find_resources("AWS::IAM::Policy"))
assert "/curated/*" in policies and "/raw/*" not in policies, "the grant reads the curated prefix only"
print(f"python consumer: {stack.stack_name} synthesized; customer key, lifecycle rules and the curated grant as expected")
