"""What a deployment needs agrees with the code: the hand-written least-privilege policies
allow every AWS call the code makes and nothing broad; the template's tables are the models'."""
import fnmatch
import json
from pathlib import Path

import pytest
from botocore.client import BaseClient

from chalicelib import providers
from scripts.bootstrap import stage_environment
from scripts.package import TABLE_SETTINGS, merge_template
from tests.fixtures import PASSWORD, FakeSynthesizer, use_fake_openai

ROOT = Path(__file__).resolve().parent.parent
STAGES = ['dev', 'prod']
REGION, ACCOUNT = 'us-east-1', '123456789012'
TRANSACT_ACTIONS = {'Put': 'PutItem', 'Update': 'UpdateItem', 'Delete': 'DeleteItem',
                    'ConditionCheck': 'ConditionCheckItem'}


def policy(stage):
    text = (ROOT / '.chalice' / f'policy-{stage}.json').read_text()
    return json.loads(text.replace('${AWS::Region}', REGION).replace('${AWS::AccountId}', ACCOUNT))


def allowed(document, action, resource):
    return any(statement['Effect'] == 'Allow'
               and any(fnmatch.fnmatchcase(action, pattern) for pattern in _list(statement['Action']))
               and any(fnmatch.fnmatchcase(resource, pattern) for pattern in _list(statement['Resource']))
               for statement in document['Statement'])


def _list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture
def recorded_calls(monkeypatch):
    """Every AWS API call the app makes, as (service, operation, parameters)."""
    calls = []
    real = BaseClient._make_api_call

    def record(self, operation, params):
        calls.append((self.meta.service_model.service_name, operation, params))
        return real(self, operation, params)
    monkeypatch.setattr(BaseClient, '_make_api_call', record)
    return calls


def everything_a_user_does(api, fake_openai, monkeypatch, calls):
    import boto3
    boto3.client('ssm', region_name=REGION).put_parameter(
        Name='/mock-interviewer/test/key-for-policy', Value='sk-not-real', Type='SecureString', Overwrite=True)
    use_fake_openai(monkeypatch, fake_openai)
    monkeypatch.setenv('OPENAI_API_KEY', '')
    monkeypatch.setenv('OPENAI_API_KEY_PARAMETER', '/mock-interviewer/test/key-for-policy')
    from chalicelib import credentials
    credentials._from_parameter_store.cache_clear()
    calls.clear()  # only what the app does counts, not the test's own setup
    with providers.override(synthesizer=FakeSynthesizer()):
        token = api.signup()
        api.post('/api/user/login/', {'username': 'alice', 'password': 'wrong password!'})
        created = api.post('/api/interviews/', {'topic': 'backend', 'language': 'en'}, token=token).json_body
        interview_id = created['interview']['id']
        api.post(f'/api/interviews/{interview_id}/messages/', {'user_input': 'an answer'}, token=token)
        api.post('/api/chat/gpt/', {'user_input': 'another answer'}, token=token)
        fake_openai.reply = json.dumps({'overall_score': 50, 'summary': 's', 'strengths': [], 'improvements': [],
                                        'criteria': [{'name': 'relevance', 'score': 50, 'reason': 'r'}],
                                        'questions': []})
        api.post(f'/api/interviews/{interview_id}/report/', token=token)
        for path in ('/api/chat/gpt/', '/api/user/me/', '/api/interviews/', f'/api/interviews/{interview_id}/',
                     f'/api/interviews/{interview_id}/report/', '/api/user/export/'):
            assert api.get(path, token=token).status_code == 200, path
        monkeypatch.setenv('EXPORT_INLINE_MAX_BYTES', '10')  # an export too big to answer inline
        assert 'download_url' in api.get('/api/user/export/', token=token).json_body
        monkeypatch.delenv('EXPORT_INLINE_MAX_BYTES')
        api.delete(f'/api/interviews/{interview_id}/', token=token)
        api.get('/api/user/logout/', token=token)
        token = api.post('/api/user/login/', {'username': 'alice', 'password': PASSWORD}).json_body['Token']
        assert api.delete('/api/user/me/', {'password': PASSWORD}, token=token).status_code == 200


def required_permissions(calls, stage):
    """(IAM action, resource ARN) for each call, with the test's table names mapped to the stage's."""
    local, deployed = stage_environment('local'), stage_environment(stage)
    table_of = {local[setting]: deployed[setting] for setting in TABLE_SETTINGS}
    bucket = deployed['AUDIO_BUCKET'].replace('${AWS::AccountId}', ACCOUNT)
    table_arn = lambda name: f'arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table_of[name]}'
    needed = set()
    for service, operation, params in calls:
        if service == 'dynamodb':
            if operation == 'TransactWriteItems':
                for item in params['TransactItems']:
                    [(kind, detail)] = item.items()
                    needed.add((f'dynamodb:{TRANSACT_ACTIONS[kind]}', table_arn(detail['TableName'])))
            elif operation in ('BatchWriteItem', 'BatchGetItem'):
                needed |= {(f'dynamodb:{operation}', table_arn(name)) for name in params['RequestItems']}
            else:
                arn = table_arn(params['TableName'])
                needed.add((f'dynamodb:{operation}', arn + (f"/index/{params['IndexName']}" if 'IndexName' in params else '')))
        elif service == 's3':
            action = {'HeadObject': 's3:GetObject', 'PutObject': 's3:PutObject', 'GetObject': 's3:GetObject',
                      'DeleteObjects': 's3:DeleteObject', 'ListObjectsV2': 's3:ListBucket'}[operation]
            key = params.get('Key') or ('exports/*' if 'exports/' in str(params) else 'audio/*')
            needed.add((action, f'arn:aws:s3:::{bucket}' + ('' if action == 's3:ListBucket' else f'/{key}')))
        elif service == 'ssm':
            name = deployed['OPENAI_API_KEY_PARAMETER']
            needed.add((f'ssm:{operation}', f'arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}'))
        else:
            needed.add((f'{service}:{operation}', '?'))
    return needed


@pytest.mark.parametrize('stage', STAGES)
def test_policy_allows_every_call_the_code_makes(api, fake_openai, monkeypatch, recorded_calls, stage):
    everything_a_user_does(api, fake_openai, monkeypatch, recorded_calls)
    services = {service for service, _, _ in recorded_calls}
    assert {'dynamodb', 's3', 'ssm'} <= services  # the scenario reached every kind of call
    needed = required_permissions(recorded_calls, stage)
    # Presigned URLs are signed, not sent: whoever fetches one acts with the function's s3:GetObject.
    missing = sorted(p for p in needed if not allowed(policy(stage), *p))
    assert missing == []


@pytest.mark.parametrize('stage', STAGES)
def test_policy_has_no_wildcard_action_and_no_wildcard_resource(stage):
    for statement in policy(stage)['Statement']:
        assert all('*' not in action for action in _list(statement['Action']))
        for resource in _list(statement['Resource']):
            assert resource != '*'
            if not resource.startswith('arn:aws:logs:'):  # log streams cannot be named in advance
                assert resource.endswith(('/audio/*', '/exports/*')) or '*' not in resource


@pytest.mark.parametrize('stage', STAGES)
def test_policy_names_exactly_the_stages_tables_bucket_and_parameter(stage):
    env = stage_environment(stage)
    resources = {r for s in policy(stage)['Statement'] for r in _list(s['Resource'])}
    tables = {r.rsplit('table/', 1)[1] for r in resources if ':table/' in r and '/index/' not in r}
    assert tables == {env[setting] for setting in TABLE_SETTINGS}
    bucket = env['AUDIO_BUCKET'].replace('${AWS::AccountId}', ACCOUNT)
    assert {r for r in resources if r.startswith('arn:aws:s3')} == {f'arn:aws:s3:::{bucket}', f'arn:aws:s3:::{bucket}/audio/*',
                                                                     f'arn:aws:s3:::{bucket}/exports/*'}
    assert any(r.endswith(f"parameter{env['OPENAI_API_KEY_PARAMETER']}") for r in resources)


@pytest.mark.parametrize('stage', STAGES)
def test_stage_config_turns_autogen_off_and_keeps_secrets_out(stage):
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())['stages'][stage]
    assert config['autogen_policy'] is False and config['iam_policy_file'] == f'policy-{stage}.json'
    env = config['environment_variables']
    assert 'OPENAI_API_KEY' not in env and env['OPENAI_API_KEY_PARAMETER']
    assert env['INTERVIEWER_PROVIDER'] == 'openai'


@pytest.mark.parametrize('stage', STAGES)
def test_template_tables_and_wiring_match_the_models_and_config(stage, monkeypatch):
    from chalicelib.models import ALL_MODELS
    template = merge_template(stage, retention_days=30)['Resources']
    env = stage_environment(stage)
    wiring = template['APIHandler']['Properties']['Environment']['Variables']
    for setting, (logical_id, model_name) in TABLE_SETTINGS.items():
        model = next(m for m in ALL_MODELS if m.__name__ == model_name)
        table = template[logical_id]['Properties']
        assert table['TableName'] == env[setting]
        assert wiring[setting] == {'Ref': logical_id}
        assert table['BillingMode'] == 'PAY_PER_REQUEST' and table['SSESpecification']['SSEEnabled']
        assert table['PointInTimeRecoverySpecification']['PointInTimeRecoveryEnabled']
        keys = {k['AttributeName']: k['KeyType'] for k in table['KeySchema']}
        assert keys[model._hash_keyname] == 'HASH'
        assert (model._range_keyname is None) or keys[model._range_keyname] == 'RANGE'
    assert len(TABLE_SETTINGS) == len(ALL_MODELS)  # every model has its table in the template
    assert template['TokensTable']['Properties']['GlobalSecondaryIndexes'][0]['IndexName'] == 'by_user'
    assert template['TokensTable']['Properties']['TimeToLiveSpecification']['AttributeName'] == 'expires_at'
    bucket = template['AudioBucket']['Properties']
    assert all(bucket['PublicAccessBlockConfiguration'].values())
    assert bucket['LifecycleConfiguration']['Rules'][0]['ExpirationInDays'] == 30
    assert wiring['AUDIO_BUCKET'] == {'Ref': 'AudioBucket'}
    deny = template['AudioBucketPolicy']['Properties']['PolicyDocument']['Statement'][0]
    assert deny['Effect'] == 'Deny' and deny['Condition'] == {'Bool': {'aws:SecureTransport': 'false'}}
    for kind in ('GatewayResponseDefault4Xx', 'GatewayResponseDefault5Xx'):
        assert 'gatewayresponse.header.Access-Control-Allow-Origin' in template[kind]['Properties']['ResponseParameters']


@pytest.mark.parametrize('stage', STAGES)
def test_template_throttles_the_stage_and_reserves_the_functions_concurrency(stage):
    from scripts.package import STAGE_LIMITS, stage_limits
    template = merge_template(stage, retention_days=30)['Resources']
    limits = stage_limits(stage)
    assert limits == STAGE_LIMITS[stage]  # .chalice/config.json sets no reserved_concurrency of its own
    # Merged into chalice's RestAPI (AWS::Serverless::Api) and APIHandler: every route, every method.
    assert template['RestAPI']['Properties']['MethodSettings'] == [
        {'ResourcePath': '/*', 'HttpMethod': '*',
         'ThrottlingBurstLimit': limits.burst, 'ThrottlingRateLimit': limits.rate}]
    assert template['APIHandler']['Properties']['ReservedConcurrentExecutions'] == limits.reserved_concurrency
    # Bounds that mean something: well under the account's defaults (1,000 Lambda copies,
    # 10,000 requests a second), and a burst that admits at least one second's rate.
    assert 0 < limits.reserved_concurrency <= 100 and 0 < limits.rate <= limits.burst <= 1000
    throttled = template['GatewayResponseThrottled']['Properties']
    assert throttled['ResponseType'] == 'THROTTLED' and throttled['StatusCode'] == '429'
    headers = throttled['ResponseParameters']
    assert headers['gatewayresponse.header.Retry-After'] == "'1'"
    assert headers['gatewayresponse.header.Access-Control-Allow-Origin'] == f"'{stage_environment(stage)['CORS_ALLOW_ORIGIN']}'"


def test_chalices_own_reserved_concurrency_setting_wins():
    """chalice emits `reserved_concurrency` itself; the merge template must not contradict it."""
    from scripts.package import STAGE_LIMITS, stage_limits
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    assert stage_limits('prod', config) == STAGE_LIMITS['prod']
    config['stages']['prod']['reserved_concurrency'] = 7
    assert stage_limits('prod', config).reserved_concurrency == 7
    config['stages']['prod']['lambda_functions'] = {'api_handler': {'reserved_concurrency': 3}}
    assert stage_limits('prod', config).reserved_concurrency == 3
    assert stage_limits('prod', config).burst == STAGE_LIMITS['prod'].burst


@pytest.mark.parametrize('stage', STAGES)
def test_bucket_expires_account_exports_after_a_day(stage):
    rules = merge_template(stage, retention_days=30)['Resources']['AudioBucket']['Properties'][
        'LifecycleConfiguration']['Rules']
    assert [(r['Prefix'], r['ExpirationInDays'], r['Status']) for r in rules] == [
        ('audio/', 30, 'Enabled'), ('exports/', 1, 'Enabled')]


def test_export_rule_follows_the_stages_export_prefix(monkeypatch):
    import scripts.package as package
    real = package.stage_environment

    def rules_with(**settings):
        monkeypatch.setattr(package, 'stage_environment', lambda stage: {**real(stage), **settings})
        bucket = package.merge_template('prod', retention_days=30)['Resources']['AudioBucket']
        return {r['Id']: r['Prefix'] for r in bucket['Properties']['LifecycleConfiguration']['Rules']}
    assert rules_with(EXPORT_PREFIX='dumps/')['ExpireAccountExports'] == 'dumps/'
    # A blank prefix is the default, as in chalicelib.config: never a rule expiring the whole bucket.
    assert rules_with(EXPORT_PREFIX=' ', AUDIO_PREFIX='') == {'ExpireSpokenReplies': 'audio/',
                                                            'ExpireAccountExports': 'exports/'}


def test_packaged_template_carries_the_limits_and_passes_cfn_lint(tmp_path):
    """The real `chalice package` with the merge template: the limits land on chalice's own
    resources (not on new, empty ones of the same name) and cfn-lint, SAM transform included,
    finds no error. (Packaging reuses chalice's cached dependencies in .chalice/deployments.)"""
    from scripts.package import lint, package, stage_limits
    template_path = package('prod', tmp_path / 'prod', retention_days=30)
    resources = json.loads(template_path.read_text())['Resources']
    limits = stage_limits('prod')
    api, function = resources['RestAPI'], resources['APIHandler']
    assert api['Type'] == 'AWS::Serverless::Api' and api['Properties']['StageName'] == 'api'
    assert api['Properties']['DefinitionBody']  # chalice's routes are still there after the merge
    assert api['Properties']['MethodSettings'][0]['ThrottlingBurstLimit'] == limits.burst
    assert function['Type'] == 'AWS::Serverless::Function'
    assert function['Properties']['ReservedConcurrentExecutions'] == limits.reserved_concurrency
    assert function['Properties']['Environment']['Variables']['CORS_ALLOW_ORIGIN']  # chalice's kept too
    assert lint(template_path) == 0


def test_readme_deploying_states_the_limits_and_the_frontends_base_url():
    from scripts.package import STAGE_LIMITS
    readme = (ROOT / 'README.md').read_text()
    deploying = readme[readme.index('## Deploying to AWS'):]
    for stage, limits in STAGE_LIMITS.items():
        assert f'| `{stage}` | {limits.burst} | {limits.rate:g} | {limits.reserved_concurrency} |' in deploying
    assert '`STAGE_LIMITS`' in deploying and '`reserved_concurrency`' in deploying
    # The stage is named `api` and every route starts with /api/: the base keeps the stage.
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    assert config['stages']['prod']['api_gateway_stage'] == 'api'
    assert '`https://<id>.execute-api.<region>.amazonaws.com/api`' in deploying
    assert 'https://<id>.execute-api.<region>.amazonaws.com/api/api/user/login/' in deploying
    assert 'without that last' not in deploying
