"""`make bench --quick` runs end to end against the real local engines and writes every figure.

No timing is asserted, only that each figure is there and sane: a timing goal is not a
pass/fail test."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dynamodb_local
ROOT = Path(__file__).resolve().parent.parent
ROUTES = ('POST /api/user/register/', 'POST /api/user/login/', 'GET /api/user/me/', 'POST /api/chat/gpt/ (start)',
          'POST /api/chat/gpt/ (answer)', 'GET /api/chat/gpt/', 'POST /api/interviews/',
          'POST /api/interviews/{id}/messages/', 'GET /api/interviews/', 'GET /api/interviews/{id}/',
          'POST /api/interviews/{id}/report/', 'GET audio_url')
MODEL_ROUTES = ('POST /api/chat/gpt/ (start)', 'POST /api/chat/gpt/ (answer)', 'POST /api/interviews/',
                'POST /api/interviews/{id}/messages/', 'POST /api/interviews/{id}/report/')


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    """(figures, stdout) of one quick run; README.md is left alone."""
    path = tmp_path_factory.mktemp('bench') / 'latest.json'
    result = subprocess.run([sys.executable, '-m', 'scripts.bench', '--quick', '--json', str(path), '--no-readme'],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(path.read_text()), result.stdout


def test_the_run_says_where_and_how_it_was_measured(bench):
    figures, _ = bench
    assert figures['command'].startswith('python -m scripts.bench --quick')
    assert figures['date'] and figures['machine']['cpu_count'] >= 1 and figures['machine']['python']
    assert {'dynamodb', 's3', 'app', 'model', 'speech'} <= set(figures['engines'])
    assert figures['settings']['quick'] is True


def test_every_route_is_timed_without_errors_at_both_latencies(bench):
    figures, _ = bench
    for latency in ('instant', 'realistic'):
        routes = figures['routes'][latency]
        assert set(ROUTES) <= set(routes)
        for route in ROUTES:
            assert routes[route]['n'] > 0 and routes[route]['errors'] == 0, (latency, route)
            assert 0 < routes[route]['p50_ms'] <= routes[route]['p95_ms'], (latency, route)


def test_aws_calls_units_and_model_use_are_counted_per_route(bench):
    routes = bench[0]['routes']['instant']
    for route in ROUTES[:-1]:  # the audio may be served by S3 alone
        assert routes[route]['dynamodb_calls'] > 0, route
        assert routes[route]['lambda_invocations'] == 1, route
        assert all(name.split('.')[0] in ('dynamodb', 's3') for name in routes[route]['aws_calls'])
    assert routes['POST /api/user/register/']['write_units'] > 0
    assert routes['GET /api/chat/gpt/']['read_units'] > 0
    for route in MODEL_ROUTES:
        assert routes[route]['model_calls'] >= 1 and routes[route]['prompt_chars'] > 0, route
        assert routes[route]['tokens_in'] > 0 and routes[route]['tokens_out'] > 0, route
    assert routes['GET /api/user/me/']['model_calls'] == 0


def test_speech_off_has_text_only_and_speech_on_has_playable_audio(bench):
    speech = bench[0]['speech']
    assert set(speech) == {'off', '0 ms', '600 ms'}
    assert speech['off']['time_to_text']['n'] > 0 and speech['off']['time_to_audio']['n'] == 0
    for case in ('0 ms', '600 ms'):
        assert speech[case]['time_to_audio']['n'] == speech[case]['time_to_text']['n'] > 0, case
        assert speech[case]['time_to_audio']['p50_ms'] >= speech[case]['time_to_text']['p50_ms'] > 0, case


def test_the_long_interview_reports_each_checkpoint(bench):
    long = bench[0]['long_interview']
    assert long['turns'] == 12
    assert [c['turn'] for c in long['checkpoints']] == [1, 10, 12]
    for checkpoint in long['checkpoints']:
        assert checkpoint['ms'] > 0 and checkpoint['prompt_chars'] > 0 and checkpoint['dynamodb_calls'] > 0
        assert checkpoint['model_calls'] >= 1 and checkpoint['history_get_ms'] > 0
    assert long['late_to_early_ratio'] > 0 and long['dynamodb_calls_per_turn'] > 0


def test_cold_start_has_imports_and_first_and_warm_requests(bench):
    cold = bench[0]['cold_start']
    assert len(cold['imports']) == 2 and all(ms > 0 for ms in cold['imports'].values())
    first = cold['first_requests']
    assert first['import_app_ms'] > 0
    assert set(first['first']) == set(first['second']) and 'POST /api/chat/gpt/ (start)' in first['first']
    assert all(ms > 0 for ms in [*first['first'].values(), *first['second'].values()])


def test_cost_per_thousand_turns_adds_up_and_states_its_assumptions(bench):
    cost = bench[0]['cost']
    for case in ('typical', 'late'):
        parts = cost[case]['dollars']
        assert set(parts) == {'lambda', 'api_gateway', 'dynamodb', 's3', 'model'}
        assert all(dollars > 0 for dollars in parts.values()), case
        assert cost[case]['total_dollars'] == pytest.approx(sum(parts.values()), abs=0.001)
    assert len(cost['assumptions']) >= 4 and cost['prices']['dynamodb_write_unit'] > 0


def test_stdout_shows_the_tables(bench):
    _, stdout = bench
    for title in ('Per request, ms', "Time to the reply's text", 'One interview of 12 turns', 'Cold start',
                  'Cost per 1,000 turns'):
        assert title in stdout
