"""GET and POST /api/chat/gpt/: the interview, the daily limit, failures and speech."""
import pytest

from chalicelib import providers
from chalicelib.interviewers.base import InterviewerUnavailable
from chalicelib.models import InterviewModel, MessageModel, UsageModel
from tests.fixtures import FakeSynthesizer, ScriptedInterviewer


def chat(api, token, **body):
    return api.post('/api/chat/gpt/', body, token=token)


def test_history_without_an_interview_is_empty_with_count_and_limit(api):
    token = api.signup()
    body = api.get('/api/chat/gpt/', token=token).json_body
    assert body['conversations'] == []
    assert body['count'] == 0 and body['limit'] == 6
    assert isinstance(body['count'], int) and isinstance(body['limit'], int)


def test_parallel_page_load_gets_create_no_state(api):
    token = api.signup()
    first, second = api.get('/api/chat/gpt/', token=token), api.get('/api/chat/gpt', token=token)
    assert first.status_code == second.status_code == 200
    assert InterviewModel.count() == 0 and UsageModel.count() == 0


def test_starting_an_interview_returns_the_opening_question_and_uses_a_chat(api):
    token = api.signup()
    response = chat(api, token, interview_topic='backend')
    assert response.status_code == 200
    body = response.json_body
    assert body['response'].endswith('?') or body['response'].endswith('요.') or len(body['response']) > 10
    assert body['audio_url'] is None and body['audio_error']
    assert body['count'] == 1 and body['limit'] == 6
    assert response.headers['X-RateLimit-Limit'] == '6'
    assert response.headers['X-RateLimit-Remaining'] == '5'
    assert int(response.headers['X-RateLimit-Reset']) > 0


def test_whole_interview_history_is_in_order_with_system_entry_first(api):
    token = api.signup()
    replies = [chat(api, token, interview_topic='frontend').json_body['response']]
    answers = ['React state lives in components and flows down via props, with hooks for effects and memoization.',
               'I would measure first with the profiler, then split bundles and lazy load heavy routes.',
               'Accessibility means semantic HTML, labels, keyboard navigation and sufficient colour contrast.']
    for answer in answers:
        response = chat(api, token, user_input=answer)
        assert response.status_code == 200
        replies.append(response.json_body['response'])
    history = api.get('/api/chat/gpt/', token=token).json_body
    conversation = history['conversations']
    assert conversation[0]['role'] == 'system'
    assert 'frontend' in conversation[0]['content']
    expected = [('assistant', replies[0])]
    for answer, reply in zip(answers, replies[1:]):
        expected += [('user', answer), ('assistant', reply)]
    assert [(m['role'], m['content']) for m in conversation[1:]] == expected
    assert history['count'] == 4 and history['remaining'] == 2


def test_system_entry_never_contains_the_hidden_prompt(api):
    token = api.signup()
    chat(api, token, interview_topic='devops')
    system = api.get('/api/chat/gpt/', token=token).json_body['conversations'][0]['content']
    assert 'You are' not in system and 'instructions' not in system


def test_answer_without_an_interview_starts_a_general_one(api):
    token = api.signup()
    response = chat(api, token, user_input='Hello, I am ready.')
    assert response.status_code == 200
    conversation = api.get('/api/chat/gpt/', token=token).json_body['conversations']
    assert [m['role'] for m in conversation] == ['system', 'user', 'assistant']
    assert conversation[1]['content'] == 'Hello, I am ready.'


def test_seventh_chat_of_the_day_is_429_with_retry_after(api):
    token = api.signup()
    assert chat(api, token, interview_topic='backend').status_code == 200
    for _ in range(5):
        assert chat(api, token, user_input='An answer about indexes, caching and transactions in depth.').status_code in (200, 409)
    response = chat(api, token, user_input='one more')
    assert response.status_code == 429
    assert response.json_body == {'error': 'You have exceeded the chat request limit for today.'}
    assert int(response.headers['Retry-After']) > 0
    assert response.headers['X-RateLimit-Remaining'] == '0'
    assert next(UsageModel.scan()).chats == 6


@pytest.mark.parametrize('body, word', [
    ({}, 'user_input or interview_topic is required.'),
    ({'user_input': '   '}, 'user_input or interview_topic is required.'),
    ({'user_input': 42}, 'user_input'),
    ({'interview_topic': ['x']}, 'interview_topic'),
    ({'user_input': 'x' * 4001}, 'user_input'),
    ({'interview_topic': 't' * 101}, 'interview_topic'),
])
def test_bad_chat_body_is_400_and_uses_no_chat(api, body, word):
    token = api.signup()
    response = chat(api, token, **body)
    assert response.status_code == 400
    assert word in response.json_body['error']
    assert InterviewModel.count() == 0 and UsageModel.count() == 0


def test_answer_of_exactly_4000_characters_is_accepted(api):
    token = api.signup()
    chat(api, token, interview_topic='backend')
    assert chat(api, token, user_input='a' * 4000).status_code == 200


@pytest.mark.parametrize('starting', [True, False])
def test_model_failure_is_503_stores_nothing_and_gives_the_chat_back(api, starting):
    token = api.signup()
    if not starting:
        chat(api, token, interview_topic='backend')
    before = [(m.seq, m.content) for m in MessageModel.scan()]
    with providers.override(interviewer=ScriptedInterviewer(fail_with=InterviewerUnavailable('timed out'))):
        response = chat(api, token, **({'interview_topic': 'backend'} if starting else {'user_input': 'my answer'}))
    assert response.status_code == 503
    assert '다시 시도' in response.json_body['error']  # the interview is Korean, so is what goes wrong
    assert 'timed out' not in response.body.decode()
    assert [(m.seq, m.content) for m in MessageModel.scan()] == before
    assert InterviewModel.count() == (0 if starting else 1)
    expected_count = 0 if starting else 1
    assert api.get('/api/chat/gpt/', token=token).json_body['count'] == expected_count


def test_answer_after_a_finished_interview_starts_the_next_on_the_same_topic_and_language(api):
    # The original page only ever sends user_input once a history exists: it must not be stranded.
    token = api.signup()
    with providers.override(interviewer=ScriptedInterviewer(finish_after=1)):
        chat(api, token, interview_topic='backend', language='en')
        assert chat(api, token, user_input='first answer').status_code == 200
        response = chat(api, token, user_input='second answer')
    assert response.status_code == 200
    assert response.json_body['response'].startswith("Let's start a new interview.")
    assert response.json_body['interview']['status'] == 'active'
    assert response.json_body['interview']['topic'] == 'backend'
    assert response.json_body['interview']['language'] == 'en'
    history = api.get('/api/chat/gpt/', token=token).json_body
    assert history['interview']['id'] == response.json_body['interview_id']
    assert [m['role'] for m in history['conversations']] == ['system', 'user', 'assistant']
    assert history['count'] == 3


def test_new_topic_starts_a_new_current_interview(api):
    token = api.signup()
    chat(api, token, interview_topic='backend')
    chat(api, token, user_input='answer one with some detail about databases and indexes')
    chat(api, token, interview_topic='behavioral')
    conversation = api.get('/api/chat/gpt/', token=token).json_body['conversations']
    assert 'behavioral' in conversation[0]['content']
    assert [m['role'] for m in conversation] == ['system', 'assistant']


def test_speech_is_a_link_synthesized_on_first_fetch_then_a_presigned_mp3_reused_for_identical_clips(api):
    import urllib.parse
    from chalicelib import config
    token = api.signup()
    fake = FakeSynthesizer()
    with providers.override(synthesizer=fake, interviewer=ScriptedInterviewer()):
        first = chat(api, token, interview_topic='backend').json_body
        assert first['audio_url'].startswith('http') and '/api/audio/' in first['audio_url'] and 'audio_error' not in first
        assert fake.calls == []  # the text did not wait for speech
        played = api.play(first['audio_url'])
        again = chat(api, token, interview_topic='backend').json_body
        replayed = api.play(again['audio_url'])
    assert played.status_code == replayed.status_code == 302
    parsed = urllib.parse.urlparse(played.headers['Location'])
    assert 'X-Amz-Signature' in parsed.query and parsed.path.endswith('.mp3')
    bucket = config.settings().audio_bucket
    key = parsed.path.lstrip('/').removeprefix(bucket + '/')  # path- or virtual-host-style URL
    assert key.startswith('audio/')
    stored = providers.s3().get_object(Bucket=bucket, Key=key)
    assert stored['Body'].read().startswith(b'ID3') and stored['ContentType'] == 'audio/mpeg'
    assert len(fake.calls) == 1  # the same opening line twice is synthesized once


def test_a_tampered_or_expired_audio_link_is_refused(api, monkeypatch):
    token = api.signup()
    with providers.override(synthesizer=FakeSynthesizer()):
        url = chat(api, token, interview_topic='backend').json_body['audio_url']
        assert api.play(url.replace('/0/?', '/1/?')).status_code == 404  # another message: not what was signed
        assert api.play(url.replace('&l=ko', '&l=en')).status_code == 404
        assert api.play(url.split('&s=')[0] + '&s=' + '0' * 32).status_code == 404
        assert api.play(url.replace('u=', 'u=x')).status_code == 400
        import time
        monkeypatch.setattr(time, 'time', lambda: 10 ** 10)
        assert api.play(url).status_code == 410


def test_speech_failure_still_answers_with_text_and_the_link_says_why(api):
    from chalicelib.speech import SpeechFailed
    token = api.signup()
    with providers.override(synthesizer=FakeSynthesizer(fail_with=SpeechFailed('Text-to-speech failed (gTTSError).'))):
        response = chat(api, token, interview_topic='backend')
        played = api.play(response.json_body['audio_url'])
    assert response.status_code == 200
    assert played.status_code == 503 and '음성을 만들지 못해' in played.json_body['error']  # in the interview's language
    assert len(api.get('/api/chat/gpt/', token=token).json_body['conversations']) == 2


def test_speech_crash_of_any_kind_still_answers_with_text(api):
    token = api.signup()
    with providers.override(synthesizer=FakeSynthesizer(fail_with=RuntimeError('boom'))):
        response = chat(api, token, interview_topic='backend')
        played = api.play(response.json_body['audio_url'])
    assert response.status_code == 200 and played.status_code == 503
    assert 'boom' not in played.body.decode()


def test_operator_limit_applies_to_the_user(api):
    from chalicelib.accounts import set_daily_limit
    token = api.signup()
    set_daily_limit('alice', 1)
    assert chat(api, token, interview_topic='backend').status_code == 200
    assert chat(api, token, user_input='answer').status_code == 429
    assert api.get('/api/chat/gpt/', token=token).json_body['limit'] == 1


def test_limit_of_zero_refuses_every_chat(api):
    from chalicelib.accounts import set_daily_limit
    token = api.signup()
    set_daily_limit('alice', 0)
    assert chat(api, token, interview_topic='backend').status_code == 429
    assert UsageModel.count() == 0


def test_the_day_follows_the_configured_time_zone(monkeypatch):
    from datetime import datetime, timezone
    from chalicelib import quota
    moment = datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)  # 01:30 on 2 March in Seoul
    monkeypatch.setenv('QUOTA_TIMEZONE', 'Asia/Seoul')
    day, resets_at = quota.today(moment)
    assert day == '2026-03-02'
    assert resets_at.astimezone(timezone.utc) == datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    monkeypatch.setenv('QUOTA_TIMEZONE', 'UTC')
    assert quota.today(moment)[0] == '2026-03-01'


def test_slow_speech_delays_only_the_audio_which_gives_up_in_time(api, monkeypatch):
    import time

    class SlowSynthesizer(FakeSynthesizer):
        def synthesize(self, text, language):
            time.sleep(2.0)
            return super().synthesize(text, language)
    monkeypatch.setenv('SPEECH_TIMEOUT_SECONDS', '0.25')  # a clip gets twice this
    token = api.signup()
    slow = SlowSynthesizer()
    with providers.override(synthesizer=slow):
        response = chat(api, token, interview_topic='backend')
        assert response.status_code == 200 and slow.calls == []  # answered before any speech began
        played = api.play(response.json_body['audio_url'])
    assert played.status_code == 503 and '시간이 너무' in played.json_body['error']
