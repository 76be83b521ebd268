"""`make package STAGE=prod`: a CloudFormation (SAM) template of the whole service.

`chalice package` describes the function and the API; the merge template made here adds
every resource the code needs, derived from the PynamoDB models and the stage's settings so
they cannot drift apart: the tables (on-demand, TTL, point-in-time recovery, encryption),
the bucket (private, encrypted, TLS only; spoken replies and account exports expire), gateway
responses that carry CORS headers, and the stage's limits (STAGE_LIMITS below): throttling
on the API stage and a reserved concurrency on the function. The hand-written policy in
.chalice/policy-<stage>.json names exact ARNs with ${AWS::Region}/${AWS::AccountId}, which
are substituted at deploy time.

    python -m scripts.package --stage prod [--out build/prod] [--audio-retention-days 30] [--no-lint]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from chalice.config import Config as ChaliceConfig
from pynamodb.attributes import TTLAttribute

from scripts.bootstrap import ROOT, stage_environment

TABLE_SETTINGS = {  # environment variable -> (logical id in the template, the model's class name)
    'USERS_TABLE': ('UsersTable', 'UserModel'), 'USERNAMES_TABLE': ('UsernamesTable', 'UsernameModel'),
    'EMAILS_TABLE': ('EmailsTable', 'EmailClaimModel'),
    'TOKENS_TABLE': ('TokensTable', 'TokenModel'), 'INTERVIEWS_TABLE': ('InterviewsTable', 'InterviewModel'),
    'MESSAGES_TABLE': ('MessagesTable', 'MessageModel'), 'USAGE_TABLE': ('UsageTable', 'UsageModel'),
    'COUNTERS_TABLE': ('CountersTable', 'CounterModel'),
}
CORS_HEADERS = 'Authorization,Content-Type'


@dataclass(frozen=True)
class StageLimits:
    burst: int  # API Gateway: requests admitted at once (token bucket size), the whole stage together
    rate: float  # API Gateway: requests per second sustained, the whole stage together
    reserved_concurrency: int  # Lambda: copies of the function that may run at once, and no more


# The open routes (register, login, health, topics) need no token, so a flood can come from
# anywhere. The stage's throttling answers the excess with 429 at the gateway, before any
# function runs; the reserved concurrency caps the copies of the function that whatever gets
# through (or a slow model) can keep busy, and sets them aside, so the service can never take
# the account's whole Lambda concurrency (1,000 by default) from its other functions.
# prod's sizes: a turn keeps a copy busy about 3 s (model and speech; README, "What it costs"),
# a login 0.3 s (bcrypt), a page load is 2 GETs of ~20 ms. 25 copies serve ~8 turns a second,
# i.e. some 240 candidates each answering every half-minute, far more than MODEL_CALLS_PER_DAY
# pays for; 25 requests a second sustained, 50 at once, is 25 page loads in the same instant.
# dev serves its developers only. Change a figure here; the reserved concurrency may instead
# be set with chalice's own `reserved_concurrency` in the stage in .chalice/config.json
# (chalice then emits it itself, so that value wins here too).
STAGE_LIMITS = {
    'dev': StageLimits(burst=10, rate=5, reserved_concurrency=5),
    'prod': StageLimits(burst=50, rate=25, reserved_concurrency=25),
}
EXPORT_RETENTION_DAYS = 1  # exports are linked for minutes (EXPORT_URL_TTL_SECONDS); a day is S3's shortest


def _setting(env: dict, name: str, default: str) -> str:
    """A stage setting as chalicelib.config reads it: unset or blank means the default. (A blank
    prefix must not reach a lifecycle rule: it would expire the whole bucket.)"""
    return (env.get(name) or '').strip() or default


def stage_limits(stage: str, chalice_config: dict = None) -> StageLimits:
    """STAGE_LIMITS[stage], with chalice's `reserved_concurrency` from .chalice/config.json if set."""
    if chalice_config is None:
        chalice_config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    # chalice's own lookup (stage's function, stage, function, top level): the value it will emit.
    configured = ChaliceConfig(chalice_stage=stage, function_name='api_handler',
                               config_from_disk=chalice_config).reserved_concurrency
    limits = STAGE_LIMITS[stage]
    return limits if configured is None else replace(limits, reserved_concurrency=int(configured))


def _sub(value):
    """A string naming ${AWS::...} becomes an Fn::Sub, anything else stays as it is."""
    return {'Fn::Sub': value} if isinstance(value, str) and '${AWS::' in value else value


def table_resource(model, table_name: str) -> dict:
    """The CloudFormation table of a PynamoDB model: keys, indexes and TTL from the model itself."""
    schema = model._get_schema()
    hash_first = lambda keys: sorted(keys, key=lambda key: key['KeyType'] != 'HASH')  # CloudFormation insists
    properties = {
        'TableName': table_name, 'BillingMode': 'PAY_PER_REQUEST',
        'AttributeDefinitions': schema['attribute_definitions'], 'KeySchema': hash_first(schema['key_schema']),
        'PointInTimeRecoverySpecification': {'PointInTimeRecoveryEnabled': True},
        'SSESpecification': {'SSEEnabled': True},
    }
    if schema['global_secondary_indexes']:
        properties['GlobalSecondaryIndexes'] = [
            {'IndexName': index['index_name'], 'KeySchema': hash_first(index['key_schema']), 'Projection': index['projection']}
            for index in schema['global_secondary_indexes']]
    ttl = [name for name, attribute in model.get_attributes().items() if isinstance(attribute, TTLAttribute)]
    if ttl:
        properties['TimeToLiveSpecification'] = {'AttributeName': ttl[0], 'Enabled': True}
    # Retained on stack deletion: losing every account to a mistyped command is worse than a manual cleanup.
    return {'Type': 'AWS::DynamoDB::Table', 'DeletionPolicy': 'Retain', 'UpdateReplacePolicy': 'Retain',
            'Properties': properties}


def merge_template(stage: str, retention_days: int) -> dict:
    from chalicelib import models
    env = stage_environment(stage)
    assert {name for _, name in TABLE_SETTINGS.values()} == {m.__name__ for m in models.ALL_MODELS}
    resources, wiring = {}, {}
    for setting, (logical_id, model_name) in TABLE_SETTINGS.items():
        resources[logical_id] = table_resource(getattr(models, model_name), env[setting])
        wiring[setting] = {'Ref': logical_id}
    resources['AudioBucket'] = {
        'Type': 'AWS::S3::Bucket', 'Properties': {
            'BucketName': _sub(env['AUDIO_BUCKET']),
            'PublicAccessBlockConfiguration': {'BlockPublicAcls': True, 'BlockPublicPolicy': True,
                                               'IgnorePublicAcls': True, 'RestrictPublicBuckets': True},
            'BucketEncryption': {'ServerSideEncryptionConfiguration': [
                {'ServerSideEncryptionByDefault': {'SSEAlgorithm': 'AES256'}}]},
            'OwnershipControls': {'Rules': [{'ObjectOwnership': 'BucketOwnerEnforced'}]},
            'LifecycleConfiguration': {'Rules': [
                {'Id': 'ExpireSpokenReplies', 'Status': 'Enabled',
                 'Prefix': _setting(env, 'AUDIO_PREFIX', 'audio/'), 'ExpirationInDays': retention_days},
                # Large account exports: a whole account's data, wanted only while its link lives.
                {'Id': 'ExpireAccountExports', 'Status': 'Enabled',
                 'Prefix': _setting(env, 'EXPORT_PREFIX', 'exports/'), 'ExpirationInDays': EXPORT_RETENTION_DAYS},
            ]},
        }}
    resources['AudioBucketPolicy'] = {
        'Type': 'AWS::S3::BucketPolicy', 'Properties': {
            'Bucket': {'Ref': 'AudioBucket'},
            'PolicyDocument': {'Version': '2012-10-17', 'Statement': [{
                'Sid': 'TlsOnly', 'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*',
                'Resource': [{'Fn::GetAtt': ['AudioBucket', 'Arn']},
                             {'Fn::Sub': '${AudioBucket.Arn}/*'}],
                'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}]}}}
    wiring['AUDIO_BUCKET'] = {'Ref': 'AudioBucket'}
    origin = env.get('CORS_ALLOW_ORIGIN', '*')
    for kind in ('DEFAULT_4XX', 'DEFAULT_5XX'):  # API Gateway's own errors, readable by the browser too
        resources[f'GatewayResponse{kind.title().replace("_", "")}'] = {
            'Type': 'AWS::ApiGateway::GatewayResponse', 'Properties': {
                'RestApiId': {'Ref': 'RestAPI'}, 'ResponseType': kind,
                'ResponseParameters': {
                    'gatewayresponse.header.Access-Control-Allow-Origin': f"'{origin}'",
                    'gatewayresponse.header.Access-Control-Allow-Headers': f"'{CORS_HEADERS}'"},
                'ResponseTemplates': {'application/json': '{"error": $context.error.messageString}'}}}
    # API Gateway's own 429 (stage throttling below) with the Retry-After the contract promises.
    resources['GatewayResponseThrottled'] = {
        'Type': 'AWS::ApiGateway::GatewayResponse', 'Properties': {
            'RestApiId': {'Ref': 'RestAPI'}, 'ResponseType': 'THROTTLED', 'StatusCode': '429',
            'ResponseParameters': {
                'gatewayresponse.header.Access-Control-Allow-Origin': f"'{origin}'",
                'gatewayresponse.header.Access-Control-Allow-Headers': f"'{CORS_HEADERS}'",
                'gatewayresponse.header.Retry-After': "'1'"},
            'ResponseTemplates': {'application/json': '{"error": $context.error.messageString}'}}}
    limits = stage_limits(stage)
    # Merged into chalice's AWS::Serverless::Api and AWS::Serverless::Function of the same names.
    resources['RestAPI'] = {'Properties': {'MethodSettings': [
        {'ResourcePath': '/*', 'HttpMethod': '*',  # every route and method of the stage
         'ThrottlingBurstLimit': limits.burst, 'ThrottlingRateLimit': limits.rate}]}}
    resources['APIHandler'] = {'Properties': {'Environment': {'Variables': wiring},
                                              'ReservedConcurrentExecutions': limits.reserved_concurrency}}
    return {'Resources': resources}


def substitute_account_placeholders(template: dict) -> dict:
    """Fn::Sub for the policy's and the environment's ${AWS::Region}/${AWS::AccountId}."""
    for resource in template['Resources'].values():
        properties = resource.get('Properties', {})
        for policy in properties.get('Policies', []) if isinstance(properties.get('Policies'), list) else []:
            for statement in policy.get('PolicyDocument', {}).get('Statement', []):
                resources = statement.get('Resource')
                statement['Resource'] = ([_sub(r) for r in resources] if isinstance(resources, list)
                                         else _sub(resources))
        variables = properties.get('Environment', {}).get('Variables', {})
        for name, value in variables.items():
            variables[name] = _sub(value)
    return template


def package(stage: str, out: Path, retention_days: int) -> Path:
    merge_path = out.parent / f'merge-{stage}.json'
    out.parent.mkdir(parents=True, exist_ok=True)
    merge_path.write_text(json.dumps(merge_template(stage, retention_days), indent=2))
    if out.exists():
        shutil.rmtree(out)
    chalice = Path(sys.executable).parent / 'chalice'
    subprocess.run([str(chalice), '--project-dir', str(ROOT), 'package', '--stage', stage,
                    '--merge-template', str(merge_path), str(out)], check=True,
                   env={**os.environ, 'AWS_DEFAULT_REGION': os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')})
    template_path = out / 'sam.json'
    template = substitute_account_placeholders(json.loads(template_path.read_text()))
    template_path.write_text(json.dumps(template, indent=2))
    return template_path


def lint(template_path: Path) -> int:
    cfn_lint = Path(sys.executable).parent / 'cfn-lint'
    return subprocess.run([str(cfn_lint), str(template_path)]).returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m scripts.package', description=__doc__.split('\n')[0])
    parser.add_argument('--stage', required=True, choices=['dev', 'prod'])
    parser.add_argument('--out', type=Path)
    parser.add_argument('--audio-retention-days', type=int, default=30)
    parser.add_argument('--no-lint', action='store_true')
    args = parser.parse_args(argv)
    template_path = package(args.stage, args.out or ROOT / 'build' / args.stage, args.audio_retention_days)
    print(f'template: {template_path} (deployment package beside it)')
    if args.no_lint:
        return 0
    code = lint(template_path)
    print('cfn-lint: no errors' if code == 0 else f'cfn-lint: exit {code}')
    return code


if __name__ == '__main__':
    sys.exit(main())
