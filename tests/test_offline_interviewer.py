"""The built-in interviewer: topics, one question at a time, follow-ups, no repeats, a close."""
import pytest

from chalicelib.interviewers.base import InterviewContext
from chalicelib.interviewers.offline import OfflineInterviewer, key_point_coverage, resolve_topic, topics

REQUIRED_TOPICS = {'general', 'backend', 'frontend', 'data-ml', 'devops-cloud', 'mobile',
                   'product-pm', 'behavioral', 'system-design'}


def all_question_texts(language):
    return {q[language]: q for t in topics().values() for q in t['questions']}


def test_every_topic_exists_in_korean_and_english_with_questions():
    assert REQUIRED_TOPICS <= set(topics())
    for topic in topics().values():
        assert topic['title']['ko'] and topic['title']['en']
        assert len(topic['questions']) >= 8
        for question in topic['questions']:
            assert question['ko'] and question['en'] and question['key_points']


@pytest.mark.parametrize('text, expected', [
    ('backend', 'backend'), ('Backend developer', 'backend'), ('백엔드', 'backend'),
    ('frontend', 'frontend'), ('behavioral', 'behavioral'), ('knitting', 'general'), (None, 'general'),
])
def test_free_text_topics_resolve_to_a_bank(text, expected):
    assert resolve_topic(text)['id'] == expected


def run_interview(language, answers, topic='backend', questions=5):
    bot = OfflineInterviewer(question_count=questions)
    context = InterviewContext(topic=topic, language=language)
    reply = bot.open(context)
    transcript = [reply.text]
    state = reply.state
    for given, answer in enumerate(answers):
        if reply.finished:
            break
        reply = bot.respond(InterviewContext(topic, language, [], state, answers_so_far=given), answer)
        state = reply.state
        transcript.append(reply.text)
    return transcript, reply, state


GOOD_ANSWER = ('I would start from the requirements, then discuss the data model, indexes, caching, '
               'transactions, consistency, scaling, monitoring and the trade-offs of each choice in detail.')


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_interview_ends_exactly_after_the_configured_number_of_questions(language):
    transcript, last, state = run_interview(language, [GOOD_ANSWER] * 30, questions=5)
    assert last.finished
    assert len(transcript) == 1 + 5  # the opening, then one reply per answer; the 5th closes
    assert len(state['asked']) == len(set(state['asked']))


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_a_thirty_turn_interview_never_repeats_a_question(language):
    answers = [GOOD_ANSWER if turn % 3 else 'Not sure.' for turn in range(30)]
    transcript, last, state = run_interview(language, answers, questions=30)
    assert last.finished  # it closes (here: when the bank runs out) instead of repeating
    asked = state['asked']
    assert len(asked) == len(set(asked)) and len(asked) >= 8
    texts = all_question_texts(language)
    spoken = [q for line in transcript for q in texts if q in line]
    assert len(spoken) == len(set(spoken)) == len(asked)
    follow_ups = [line for line in transcript if any(
        q['follow_up'][language] in line for t in topics().values() for q in t['questions'])]
    assert len(follow_ups) == len(set(follow_ups))


def test_short_answer_gets_one_follow_up_then_moves_on():
    bot = OfflineInterviewer(question_count=5)
    opened = bot.open(InterviewContext('backend', 'en'))
    question = next(q for q in topics()['backend']['questions'] if q['id'] == opened.state['current'])
    follow = bot.respond(InterviewContext('backend', 'en', [], opened.state, answers_so_far=0), 'No idea.')
    assert question['follow_up']['en'] in follow.text
    assert follow.state['current'] == question['id']
    moved = bot.respond(InterviewContext('backend', 'en', [], follow.state, answers_so_far=1), 'Still not sure.')
    assert moved.state['current'] != question['id']
    assert len(moved.state['asked']) == 2


def test_replies_are_in_the_interview_language():
    opened_ko = OfflineInterviewer().open(InterviewContext('backend', 'ko'))
    opened_en = OfflineInterviewer().open(InterviewContext('backend', 'en'))
    assert any('\uac00' <= ch <= '\ud7a3' for ch in opened_ko.text)
    assert not any('\uac00' <= ch <= '\ud7a3' for ch in opened_en.text)


def test_key_point_coverage_counts_keywords():
    question = {'key_points': [{'keywords': ['index']}, {'keywords': ['cache', '캐시']}, {'keywords': ['lock']}]}
    assert key_point_coverage(question, 'An INDEX and a 캐시 help.') == pytest.approx(2 / 3)
    assert key_point_coverage(question, 'nothing relevant') == 0


def test_latin_keywords_match_at_word_starts_and_korean_stems_anywhere():
    question = {'key_points': [{'keywords': ['get']}, {'keywords': ['인덱스']}]}
    assert key_point_coverage(question, 'the target is clear') == 0
    assert key_point_coverage(question, 'a GET request, 인덱스를 사용') == 1
    assert key_point_coverage(question, 'it gets data') == 0.5


def test_a_bank_topic_is_spoken_by_its_title_and_free_text_as_typed():
    assert '백엔드' in OfflineInterviewer().open(InterviewContext('backend', 'ko')).text
    assert 'Backend' in OfflineInterviewer().open(InterviewContext('backend', 'en')).text
    assert 'Rust embedded firmware' in OfflineInterviewer().open(InterviewContext('Rust embedded firmware', 'en')).text
