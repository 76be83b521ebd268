"""The original frontend, request for request: it loads with two parallel GETs, starts once with
`interview_topic`, and from then on only ever sends `user_input`. With it a candidate must be
able to sit two interviews back to back, hear feedback at the end of each, and see Korean."""
import re

from chalicelib.accounts import set_daily_limit
from chalicelib.models import InterviewModel
from tests.fixtures import user_named

HANGUL = re.compile(r'[\uac00-\ud7a3]')
ANSWERS = ['저는 4년 차 백엔드 개발자로, 주문과 결제 API를 만들고 운영해 왔습니다. 대용량 트래픽 처리에 관심이 많습니다.',
           '첫째, 캐시는 조회를 빠르게 하지만 데이터가 바뀌면 무효화가 필요합니다. 왜냐하면 오래된 값을 보여 줄 수 있기 때문입니다.',
           '모르겠습니다',
           '트랜잭션은 여러 작업을 하나로 묶어 모두 성공하거나 모두 실패하게 합니다. 예를 들어 주문과 재고 차감을 함께 처리합니다.',
           '질문은 없습니다. 감사합니다.']


def page_load(api, token):
    first, second = api.get('/api/chat/gpt/', token=token), api.get('/api/chat/gpt/', token=token)
    assert first.status_code == second.status_code == 200
    return first.json_body


def send(api, token, text):
    response = api.post('/api/chat/gpt/', {'user_input': text}, token=token)
    assert response.status_code == 200, response.body
    return response.json_body


def sit_interview(api, token):
    """Answers until the interviewer closes; returns every reply."""
    replies = []
    for text in ANSWERS * 2:
        body = send(api, token, text)
        replies.append(body['response'])
        if body['interview']['status'] == 'finished':
            return replies, body
    raise AssertionError('the interview never closed')


def test_two_interviews_back_to_back_with_only_what_the_original_page_sends(api):
    token = api.signup()
    set_daily_limit('alice', 20)
    assert page_load(api, token)['conversations'] == []
    opening = api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token).json_body
    assert HANGUL.search(opening['response'])

    replies, closing = sit_interview(api, token)
    first_id = closing['interview_id']
    # The close speaks feedback from the report, which is stored with the interview.
    assert '요점·전달 지표' in closing['response']
    stored = api.get(f'/api/interviews/{first_id}/report/', token=token)
    assert stored.status_code == 200 and stored.json_body['source'] == 'offline'
    assert stored.json_body['interview_id'] == first_id and stored.json_body['overall_score'] >= 0
    # Reloading the page shows the finished interview; the next answer starts the next one.
    assert page_load(api, token)['interview']['status'] == 'finished'
    restarted = send(api, token, '다시 해 볼게요')
    assert restarted['interview_id'] != first_id
    assert restarted['response'].startswith('새 면접을 시작하겠습니다.')
    assert restarted['interview']['topic'] == 'backend' and restarted['interview']['language'] == 'ko'
    reloaded = page_load(api, token)
    assert reloaded['interview']['id'] == restarted['interview_id']

    second_replies, second_closing = sit_interview(api, token)
    assert second_closing['interview_id'] == restarted['interview_id']
    # Every message the candidate saw was Korean.
    for text in [opening['response'], *replies, restarted['response'], *second_replies]:
        assert HANGUL.search(text), text
    first_questions = set(InterviewModel.get(user_named('alice').user_id, first_id).interviewer_state['asked'])
    second_questions = set(InterviewModel.get(user_named('alice').user_id, restarted['interview_id']).interviewer_state['asked'])
    assert first_questions and not first_questions & second_questions


def test_errors_in_a_korean_interview_are_korean_but_part_one_texts_stay_english(api):
    token = api.signup()
    api.post('/api/chat/gpt/', {'interview_topic': 'backend'}, token=token)
    too_long = api.post('/api/chat/gpt/', {'user_input': 'x' * 4001}, token=token)
    assert too_long.status_code == 400 and HANGUL.search(too_long.json_body['error'])
    assert 'user_input' in too_long.json_body['error']
    missing = api.post('/api/chat/gpt/', {}, token=token)
    assert missing.json_body == {'error': 'user_input or interview_topic is required.'}
    for _ in range(5):
        send(api, token, ANSWERS[1])
    limited = api.post('/api/chat/gpt/', {'user_input': ANSWERS[1]}, token=token)
    assert limited.status_code == 429
    assert limited.json_body == {'error': 'You have exceeded the chat request limit for today.'}
