"""CmsData: tables derived from the pynamodb models, the KMS key, the signing secret."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from cdk.data_stack import JWT_SECRET_LENGTH, DataStack, table_logical_id
from cms.adapters.tables import TABLE_SPECS, TableSpec

pytestmark = pytest.mark.infra

KEY_REF = {"Fn::GetAtt": [DataStack.key_logical_id, "Arn"]}


def _keys(key_schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((element["KeyType"], element["AttributeName"]) for element in key_schema)


def _attributes(definitions: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((d["AttributeName"], d["AttributeType"]) for d in definitions)


def _table(templates: dict[str, dict], spec: TableSpec) -> dict[str, Any]:
    resource = templates["CmsData"]["Resources"][table_logical_id(spec)]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    return resource


@pytest.mark.parametrize("spec", TABLE_SPECS, ids=lambda spec: spec.key)
def test_table_keys_and_attributes_come_from_the_model(templates, spec: TableSpec) -> None:
    properties = _table(templates, spec)["Properties"]
    schema = spec.schema
    assert _keys(properties["KeySchema"]) == _keys(schema["key_schema"])
    assert _attributes(properties["AttributeDefinitions"]) == _attributes(
        schema["attribute_definitions"]
    )


@pytest.mark.parametrize("spec", TABLE_SPECS, ids=lambda spec: spec.key)
def test_table_indexes_come_from_the_model(templates, spec: TableSpec) -> None:
    properties = _table(templates, spec)["Properties"]
    synthesized = {
        index["IndexName"]: (_keys(index["KeySchema"]), index["Projection"])
        for index in properties.get("GlobalSecondaryIndexes", [])
    }
    expected = {
        index["index_name"]: (_keys(index["key_schema"]), index["projection"])
        for index in spec.schema["global_secondary_indexes"]
    }
    assert synthesized == expected
    assert "LocalSecondaryIndexes" not in properties or spec.schema["local_secondary_indexes"]


@pytest.mark.parametrize("spec", TABLE_SPECS, ids=lambda spec: spec.key)
def test_table_ttl_follows_the_model(templates, spec: TableSpec) -> None:
    properties = _table(templates, spec)["Properties"]
    if spec.ttl_attribute is None:
        assert "TimeToLiveSpecification" not in properties
    else:
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }


@pytest.mark.parametrize("spec", TABLE_SPECS, ids=lambda spec: spec.key)
def test_table_is_protected_and_encrypted(templates, spec: TableSpec) -> None:
    resource = _table(templates, spec)
    properties = resource["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {
        "KMSMasterKeyId": KEY_REF,
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    assert properties["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    assert resource["Metadata"]["cms:table"] == {"key": spec.key, "env_var": spec.env_var}


def test_every_table_spec_has_exactly_one_table(data_template) -> None:
    data_template.resource_count_is("AWS::DynamoDB::Table", len(TABLE_SPECS))


def test_key_rotates_and_is_retained(data_template) -> None:
    data_template.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True},
            "DeletionPolicy": "Retain",
        },
    )


def test_key_lets_cloudwatch_publish_to_the_encrypted_alarm_topic(data_template) -> None:
    data_template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [Match.object_like({"Principal": {"Service": "cloudwatch.amazonaws.com"}})]
                )
            }
        },
    )


def test_signing_secret_is_generated_and_encrypted_with_the_key(data_template) -> None:
    data_template.has_resource(
        "AWS::SecretsManager::Secret",
        {
            "Properties": {
                "GenerateSecretString": {
                    "PasswordLength": JWT_SECRET_LENGTH,
                    "ExcludePunctuation": True,
                },
                "KmsKeyId": KEY_REF,
            },
            "DeletionPolicy": "Retain",
        },
    )
    secrets = data_template.find_resources("AWS::SecretsManager::Secret")
    assert sorted(secrets) == sorted([DataStack.secret_logical_id, "LedgerSignerSecret"])
    assert secrets["LedgerSignerSecret"]["Properties"]["KmsKeyId"] == KEY_REF


def test_the_ledger_configuration_is_an_ssm_parameter(data_template) -> None:
    parameters = data_template.find_resources("AWS::SSM::Parameter")
    assert len(parameters) == 1
    [parameter] = parameters.values()
    assert parameter["Properties"]["Type"] == "String"
    assert parameter["Properties"]["Value"] == "{}"  # no `ledger` context: not configured


def test_outputs_name_every_table(data_template) -> None:
    outputs = data_template.to_json()["Outputs"]
    for spec in TABLE_SPECS:
        assert outputs[f"{table_logical_id(spec)}Name"]["Value"] == {"Ref": table_logical_id(spec)}
