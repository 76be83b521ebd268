"""`make package STAGE=prod`: a CloudFormation (SAM) template of the whole service.

`chalice package` describes the function and the API; the merge template made here adds
every resource the code needs, derived from the PynamoDB models and the stage's settings so
they cannot drift apart: the tables (on-demand, TTL, point-in-time recovery, encryption),
the audio bucket (private, encrypted, TLS only, clips expire), and gateway responses that
carry CORS headers. The hand-written policy in .chalice/policy-<stage>.json names exact ARNs
with ${AWS::Region}/${AWS::AccountId}, which are substituted at deploy time.

    python -m scripts.package --stage prod [--out build/prod] [--audio-retention-days 30] [--no-lint]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pynamodb.attributes import TTLAttribute

from scripts.bootstrap import ROOT, stage_environment

TABLE_SETTINGS = {  # environment variable -> (logical id in the template, the model's class name)
    'USERS_TABLE': ('UsersTable', 'UserModel'), 'EMAILS_TABLE': ('EmailsTable', 'EmailClaimModel'),
    'TOKENS_TABLE': ('TokensTable', 'TokenModel'), 'INTERVIEWS_TABLE': ('InterviewsTable', 'InterviewModel'),
    'MESSAGES_TABLE': ('MessagesTable', 'MessageModel'), 'USAGE_TABLE': ('UsageTable', 'UsageModel'),
    'COUNTERS_TABLE': ('CountersTable', 'CounterModel'),
}
CORS_HEADERS = 'Authorization,Content-Type'


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
            'LifecycleConfiguration': {'Rules': [{'Id': 'ExpireSpokenReplies', 'Status': 'Enabled',
                                                  'Prefix': env.get('AUDIO_PREFIX', 'audio/'),
                                                  'ExpirationInDays': retention_days}]},
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
    resources['APIHandler'] = {'Properties': {'Environment': {'Variables': wiring}}}
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
