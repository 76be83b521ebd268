"""The feedback report: transcript pairing, the offline report measured from signals, and the
check a model-written report must pass. Everything here is pure: no AWS, no network."""
import json
import re

import pytest

from chalicelib.interviewers.base import Message
from chalicelib.interviewers.bank import topics
from chalicelib.interviewers.model_report import REPORT_SCHEMA_HINT, validate_report
from chalicelib.reports import offline_report
from chalicelib.transcript import Exchange, exchanges_from_transcript

BACKEND_Q = topics()['backend']['questions'][0]
BEHAVIORAL_Q = topics()['behavioral']['questions'][0]
HANGUL = re.compile(r'[\uac00-\ud7a3]')

THOROUGH_EN = ('First, I design around resources: nouns in the URI and the right HTTP method, GET to read '
               'and POST to create. Second, I return meaningful status codes such as 404 and one consistent '
               'error format, because clients must handle errors the same way everywhere. For example, the '
               'API stays stateless with no server session, and I add versioning under /v1, pagination and '
               'OpenAPI documentation.')
THOROUGH_KO = ('먼저 리소스 중심으로 URI를 명사로 설계하고 메서드를 의미에 맞게 씁니다. 그리고 상태 코드와 에러 응답 형식을 '
               '일관되게 맞춥니다. 왜냐하면 클라이언트가 예측할 수 있어야 하기 때문입니다. 예를 들어 서버는 세션 없이 무상태로 '
               '두고, 버전과 페이지네이션, 문서화도 챙깁니다.')
FILLER_EN = ('Um, so, like, I basically think about, uh, resources and, you know, the methods, like, '
             'um, sort of GET and POST and, uh, actually the status codes and, like, errors, you know.')
CLEAN_EN = ('I think about the resources and the methods they expose, mainly GET and POST, and about '
            'the status codes and a consistent error body that every client can rely on in practice.')
STAR_EN = ('At the time I was the backend lead and the situation was a disagreement over the release date. '
           'My role was to ship on time without burning out the team, so our goal was a safe cut of scope. '
           'I talked with my teammate one on one, listened to his concerns and proposed a smaller first '
           'release. As a result we shipped on schedule, the relationship improved, and I learned to ask '
           'questions before defending my plan.')
NO_STAR_EN = ('We had some disagreement about things at work and it was fine eventually because people '
              'usually get along if they try, and I think teams should communicate more in general.')


def bank_exchange(question, answer, language='en'):
    return Exchange(question[language], answer, question['id'], question['key_points'])


def criterion(report, name):
    return next(c for c in report['criteria'] if c['name'] == name)


# -- pairing the transcript ------------------------------------------------------------------------
def test_bank_question_inside_an_interviewer_turn_is_matched_with_its_key_points():
    messages = [Message('assistant', f"Hello. Let's begin. {BACKEND_Q['en']}"), Message('user', THOROUGH_EN)]
    [exchange] = exchanges_from_transcript(messages, 'backend', 'en')
    assert exchange.question == BACKEND_Q['en']
    assert exchange.question_id == BACKEND_Q['id']
    assert exchange.key_points == BACKEND_Q['key_points']
    assert exchange.answer == THOROUGH_EN


def test_a_follow_up_answer_is_graded_against_the_follow_up_not_its_parent():
    messages = [Message('assistant', BACKEND_Q['ko']), Message('user', '리소스 중심으로 설계합니다.'),
                Message('assistant', f"조금 더 자세히 들어 보고 싶어요. {BACKEND_Q['follow_up']['ko']}"),
                Message('user', 'DELETE 대신 POST /orders/1/cancel 로 설계하겠습니다.')]
    first, follow_up = exchanges_from_transcript(messages, 'backend', 'ko')
    assert first.key_points == BACKEND_Q['key_points']
    assert follow_up.question == BACKEND_Q['follow_up']['ko']
    assert follow_up.question_id == BACKEND_Q['id'] + '/follow_up'
    assert follow_up.key_points == BACKEND_Q['follow_up']['key_points']
    assert follow_up.answer.startswith('DELETE')


def test_a_question_asked_in_a_job_descriptions_framing_is_reported_as_it_was_asked():
    """A candidate asked about a PG timeout should not find a generic question in the report."""
    question = next(q for q in topics()['backend']['questions'] if q.get('framings'))
    framing = question['framings'][0]
    for language in ('ko', 'en'):
        messages = [Message('assistant', framing[language]), Message('user', THOROUGH_EN)]
        [exchange] = exchanges_from_transcript(messages, 'backend', language)
        assert exchange.question == framing[language]
        assert exchange.question_id == question['id'] and exchange.key_points == question['key_points']


def test_question_from_another_topic_is_found_after_the_interview_topic():
    messages = [Message('assistant', BEHAVIORAL_Q['en']), Message('user', STAR_EN)]
    [exchange] = exchanges_from_transcript(messages, 'backend', 'en')
    assert exchange.question_id == BEHAVIORAL_Q['id']


def test_unknown_question_falls_back_to_the_trailing_question_sentences():
    messages = [Message('assistant', 'Thanks, that was clear. Now, how would you cache it? And why?'),
                Message('user', 'With Redis in front of the database.')]
    [exchange] = exchanges_from_transcript(messages, 'backend', 'en')
    assert exchange.question == 'Now, how would you cache it? And why?'
    assert exchange.question_id is None and exchange.key_points == []


def test_unknown_question_without_a_question_mark_is_the_whole_message_bounded():
    long_turn = 'Please walk me through your last project in detail. ' * 20
    messages = [Message('assistant', long_turn), Message('user', 'Sure, it was a payments API.')]
    [exchange] = exchanges_from_transcript(messages, None, 'en')
    assert len(exchange.question) <= 300
    assert long_turn.startswith(exchange.question)


def test_what_is_said_before_the_first_question_is_not_graded_as_an_answer():
    messages = [Message('user', 'Hi, nice to meet you.'), Message('assistant', BACKEND_Q['en']),
                Message('user', THOROUGH_EN)]
    [answer] = exchanges_from_transcript(messages, 'backend', 'en')
    assert answer.question_id == BACKEND_Q['id'] and answer.answer == THOROUGH_EN


def test_interviewer_turns_without_answers_make_no_exchanges():
    messages = [Message('assistant', 'Hello.'), Message('assistant', BACKEND_Q['en']), Message('user', '   ')]
    assert exchanges_from_transcript(messages, 'backend', 'en') == []


# -- the offline report ------------------------------------------------------------------------------
def mixed_report(language='en'):
    answers = {'en': [THOROUGH_EN, FILLER_EN, 'REST.'], 'ko': [THOROUGH_KO, '음 그냥 어 뭐 잘 모르겠습니다 사실 그냥 음', '몰라요']}
    messages = [Message('assistant', BACKEND_Q[language]), Message('user', answers[language][0]),
                Message('assistant', BACKEND_Q['follow_up'][language]), Message('user', answers[language][1]),
                Message('assistant', 'How would you cache it?' if language == 'en' else '캐시는 어떻게 하시겠어요?'),
                Message('user', answers[language][2])]
    exchanges = exchanges_from_transcript(messages, 'backend', language)
    return exchanges, offline_report(exchanges, 'backend', language)


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_offline_report_has_the_documented_shape_and_ranges(language):
    exchanges, report = mixed_report(language)
    assert report['source'] == 'offline' and report['language'] == language
    assert isinstance(report['overall_score'], int) and 0 <= report['overall_score'] <= 100
    assert [c['name'] for c in report['criteria']] == topics()['backend']['criteria']
    for item in report['criteria']:
        assert isinstance(item['score'], int) and 0 <= item['score'] <= 100
        assert item['reason'].strip() and '\n' not in item['reason']
    assert 1 <= len(report['strengths']) <= 3 and all(isinstance(s, str) and s for s in report['strengths'])
    assert 1 <= len(report['improvements']) <= 4
    assert len(report['questions']) == len(exchanges)
    for entry, exchange in zip(report['questions'], exchanges):
        assert entry['question'] == exchange.question
        assert exchange.answer.startswith(entry['answer_excerpt'].rstrip('…'))
        assert len(entry['answer_excerpt']) <= 151
        assert entry['coverage'] is None or 0 <= entry['coverage'] <= 1
        assert 3 <= len(entry['suggested_outline']) <= 5
    assert report['summary'] and report['method']


def test_offline_report_is_plain_json():
    _, report = mixed_report()
    assert json.loads(json.dumps(report)) == report


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_improvement_quotes_are_verbatim_and_bounded(language):
    exchanges, report = mixed_report(language)
    for item in report['improvements']:
        assert item['quote'] and any(item['quote'] in e.answer for e in exchanges)
        assert len(item['quote']) <= 120
        assert item['suggestion'].strip()


def test_long_answer_is_quoted_at_a_word_boundary():
    answer = ('I would put a cache in front of the product catalogue and invalidate it on writes '
              'because reads outnumber writes a hundred to one and the data changes slowly over the day')
    report = offline_report([Exchange('How would you cache it?', answer, None, [])], 'backend', 'en')
    quote = report['improvements'][0]['quote']
    assert quote in answer and len(quote) <= 120
    assert answer[len(quote)] == ' '  # the quote stops at the end of a word


def test_improvement_names_the_missed_key_points_of_that_question():
    answer = 'I make every endpoint stateless so there is no server-side session to share across instances.'
    report = offline_report([bank_exchange(BACKEND_Q, answer)], 'backend', 'en')
    suggestion = report['improvements'][0]['suggestion']
    assert BACKEND_Q['key_points'][0]['en'] in suggestion
    assert BACKEND_Q['key_points'][2]['en'] not in suggestion  # statelessness was covered


def test_suggested_outline_is_the_key_points_when_known_else_a_generic_outline():
    _, report = mixed_report('ko')
    assert report['questions'][0]['suggested_outline'] == [p['ko'] for p in BACKEND_Q['key_points']]
    assert report['questions'][2]['coverage'] is None
    assert all(HANGUL.search(step) for step in report['questions'][2]['suggested_outline'])


def test_thorough_answer_beats_a_one_word_answer_on_relevance_and_overall():
    thorough = offline_report([bank_exchange(BACKEND_Q, THOROUGH_EN)], 'backend', 'en')
    one_word = offline_report([bank_exchange(BACKEND_Q, 'REST.')], 'backend', 'en')
    assert criterion(thorough, 'relevance')['score'] > criterion(one_word, 'relevance')['score']
    assert thorough['overall_score'] > one_word['overall_score']
    assert criterion(thorough, 'relevance')['reason'].startswith('Your answers mentioned 4 of the 4 key points')


def test_filler_heavy_answer_scores_lower_on_communication():
    filler = offline_report([bank_exchange(BACKEND_Q, FILLER_EN)], 'backend', 'en')
    clean = offline_report([bank_exchange(BACKEND_Q, CLEAN_EN)], 'backend', 'en')
    assert criterion(filler, 'communication')['score'] < criterion(clean, 'communication')['score']
    assert 'filler' in criterion(filler, 'communication')['reason']


def test_fillers_are_whole_words_not_substrings():
    # "likely", "umbrella", "actual" and "kindness" hold fillers as substrings but are not fillers.
    answer = ('It is likely that the umbrella service needs the actual kindness of a cache, '
              'so I would like to add one in front of the database for the hot keys.')
    report = offline_report([Exchange('How would you cache it?', answer, None, [])], 'backend', 'en')
    assert criterion(report, 'communication')['reason'].startswith('0.0 filler words')


def test_korean_fillers_count_as_separate_tokens_only():
    clean = offline_report([Exchange('질문', '그래서 저희는 사실상 캐시를 앞단에 두고 그때그때 무효화했습니다.', None, [])], None, 'ko')
    filler = offline_report([Exchange('질문', '음 그래서 어 저희는 그냥 캐시를 뭐 앞단에 두고 사실 무효화했습니다.', None, [])], None, 'ko')
    assert criterion(clean, 'communication')['reason'].startswith('100단어당 군말 0.0개')
    assert criterion(filler, 'communication')['score'] < criterion(clean, 'communication')['score']


def test_star_answer_scores_higher_on_star_for_behavioral():
    star = offline_report([bank_exchange(BEHAVIORAL_Q, STAR_EN)], 'behavioral', 'en')
    vague = offline_report([bank_exchange(BEHAVIORAL_Q, NO_STAR_EN)], 'behavioral', 'en')
    assert criterion(star, 'star')['score'] > criterion(vague, 'star')['score']
    assert criterion(star, 'star')['score'] == 100
    assert any('situation, task, action and result' in s for s in star['strengths'])


def test_only_star_topics_are_scored_on_star():
    backend = offline_report([bank_exchange(BACKEND_Q, THOROUGH_EN)], 'backend', 'en')
    assert 'star' not in [c['name'] for c in backend['criteria']]


def test_structure_markers_raise_the_structure_score():
    flat = 'I use resources and methods and status codes and sessions and versions in my designs.'
    structured = offline_report([bank_exchange(BACKEND_Q, THOROUGH_EN)], 'backend', 'en')
    unstructured = offline_report([bank_exchange(BACKEND_Q, flat)], 'backend', 'en')
    assert criterion(structured, 'structure')['score'] > criterion(unstructured, 'structure')['score']


def test_rambling_answer_is_flagged():
    rambling = ' '.join([CLEAN_EN] * 12)
    report = offline_report([bank_exchange(BACKEND_Q, rambling)], 'backend', 'en')
    assert '1 over 1500' in criterion(report, 'depth')['reason']
    assert any('ran long' in item['suggestion'] for item in report['improvements'])


def test_answers_without_key_points_are_scored_without_pretending_to_check_relevance():
    report = offline_report([Exchange('Tell me about yourself?', CLEAN_EN, None, [])], None, 'en')
    relevance = criterion(report, 'relevance')
    assert relevance['score'] <= 70 and 'No bank key points' in relevance['reason']
    assert report['questions'][0]['coverage'] is None


def test_korean_report_is_written_in_korean():
    _, report = mixed_report('ko')
    texts = [report['summary'], report['method'], *report['strengths'],
             *(c['reason'] for c in report['criteria']), *(i['suggestion'] for i in report['improvements'])]
    assert all(HANGUL.search(text) for text in texts)


def test_english_report_is_written_in_english():
    _, report = mixed_report('en')
    texts = [report['summary'], report['method'], *report['strengths'],
             *(c['reason'] for c in report['criteria']), *(i['suggestion'] for i in report['improvements'])]
    assert not any(HANGUL.search(text) for text in texts)


def test_method_says_the_report_was_not_written_by_a_model():
    assert 'not judged by an AI model' in mixed_report('en')[1]['method']
    assert 'AI 모델의 판단이 아니라' in mixed_report('ko')[1]['method']


def test_strengths_name_a_specific_answer():
    _, report = mixed_report('en')
    assert all('"' in strength for strength in report['strengths'])  # each quotes a question or an answer


def test_a_flawless_interview_still_gets_one_concrete_improvement():
    report = offline_report([bank_exchange(BACKEND_Q, THOROUGH_EN)], 'backend', 'en')
    [improvement] = report['improvements']
    assert improvement['quote'] in THOROUGH_EN and 'measurable outcome' in improvement['suggestion']


def test_no_exchanges_is_a_value_error():
    with pytest.raises(ValueError):
        offline_report([], 'backend', 'en')


# -- a report written by a model -------------------------------------------------------------------
def model_report(**changes):
    report = {
        'overall_score': 74,
        'criteria': [{'name': 'relevance', 'score': 80, 'reason': 'Named idempotency and status codes.'},
                     {'name': 'depth', 'score': 65, 'reason': 'Little on pagination.'}],
        'strengths': ['Clear REST principles in the first answer.'],
        'improvements': [{'quote': 'I would use POST', 'suggestion': 'Explain why cancel is not DELETE.'}],
        'questions': [{'question': BACKEND_Q['en'], 'answer_excerpt': 'First, I design…',
                       'suggested_outline': ['Resources', 'Status codes', 'Statelessness']}],
        'summary': 'A solid start; go deeper on versioning.',
    }
    report.update(changes)
    return report


def test_good_model_report_is_accepted_and_stamped_llm():
    report = validate_report(model_report(), 'en')
    assert report == {**model_report(), 'language': 'en', 'source': 'llm'}


def test_model_cannot_set_source_or_add_keys():
    report = validate_report(model_report(source='offline', method='I am a heuristic', extra=1, language='ko'), 'en')
    assert report['source'] == 'llm' and report['language'] == 'en'
    assert 'method' not in report and 'extra' not in report


def test_model_report_scores_are_coerced_and_strings_stripped():
    criteria = [{'name': ' depth ', 'score': '65.4', 'reason': ' Thin. ', 'weight': 3}]
    report = validate_report(model_report(overall_score='88', criteria=criteria, summary='  Good.  ',
                                          strengths=['  Clear.  ', '   ']), 'en')
    assert report['overall_score'] == 88
    assert report['criteria'] == [{'name': 'depth', 'score': 65, 'reason': 'Thin.'}]
    assert report['summary'] == 'Good.' and report['strengths'] == ['Clear.']
    assert validate_report(model_report(overall_score=71.6), 'en')['overall_score'] == 72


def test_answer_excerpt_is_optional_in_model_questions():
    questions = [{'question': 'Why?', 'suggested_outline': ['Because'], 'coverage': 0.5}]
    assert validate_report(model_report(questions=questions), 'en')['questions'] == [
        {'question': 'Why?', 'suggested_outline': ['Because']}]


@pytest.mark.parametrize('missing', ['overall_score', 'criteria', 'strengths', 'improvements', 'questions', 'summary'])
def test_model_report_missing_a_key_is_rejected_naming_it(missing):
    data = model_report()
    del data[missing]
    with pytest.raises(ValueError, match=missing):
        validate_report(data, 'en')


@pytest.mark.parametrize('changes, problem', [
    ({'overall_score': 101}, 'overall_score'),
    ({'overall_score': -1}, 'overall_score'),
    ({'overall_score': '1e3'}, 'overall_score'),
    ({'overall_score': float('nan')}, 'overall_score'),
    ({'overall_score': True}, 'overall_score'),
    ({'overall_score': 'high'}, 'overall_score'),
    ({'criteria': [{'name': 'depth', 'score': 150, 'reason': 'x'}]}, r'criteria\[0\]\.score'),
    ({'criteria': []}, 'criteria'),
    ({'criteria': [{'name': 'depth', 'score': 50, 'reason': '  '}]}, r'criteria\[0\]\.reason'),
    ({'criteria': ['depth: 50']}, r'criteria\[0\]'),
    ({'strengths': 'Clear answers.'}, 'strengths'),
    ({'strengths': [1, 2]}, r'strengths\[0\]'),
    ({'improvements': [{'quote': 'x'}]}, r'improvements\[0\]\.suggestion'),
    ({'questions': [{'question': 'Why?', 'suggested_outline': 'Because'}]}, r'questions\[0\]\.suggested_outline'),
    ({'summary': 42}, 'summary'),
])
def test_model_report_with_a_wrong_value_is_rejected_naming_it(changes, problem):
    with pytest.raises(ValueError, match=problem):
        validate_report(model_report(**changes), 'en')


@pytest.mark.parametrize('data', [None, [], 'a report', 42])
def test_model_report_that_is_not_an_object_is_rejected(data):
    with pytest.raises(ValueError, match='object'):
        validate_report(data, 'en')


def test_schema_hint_is_compact_json_with_exactly_the_accepted_keys_and_is_no_report_itself():
    hint = json.loads(REPORT_SCHEMA_HINT)
    assert '\n' not in REPORT_SCHEMA_HINT
    assert set(hint) == {'overall_score', 'criteria', 'strengths', 'improvements', 'questions', 'summary'}
    with pytest.raises(ValueError):  # a model that copies the example has not written a report
        validate_report(hint, 'en')


def test_offline_report_passes_the_model_report_check():
    # Both sources share one shape, so the frontend renders either the same way.
    _, report = mixed_report('en')
    checked = validate_report(report, 'en')
    assert checked['overall_score'] == report['overall_score'] and checked['criteria'] == report['criteria']
