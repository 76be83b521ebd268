"""The question banks as data: complete in both languages, matchable, and enough of them that
two interviews on a topic rarely share a question."""
import re

import pytest

from chalicelib.interviewers.bank import resolve_topic, topics
from chalicelib.interviewers.reading import mentions

MIN_QUESTIONS = 20
HANGUL = re.compile(r'[\uac00-\ud7a3]')
# A follow-up is asked whatever the answer was, so it must not assume the candidate said anything.
PRESUPPOSING = re.compile(r'you mentioned|you said|your answer|you described|that project|that story|'
                          r'the metrics you|말씀하신|언급하신|앞서 말|말한 |그 경험|그 프로젝트|방금', re.IGNORECASE)


def all_questions():
    return [(topic['id'], q) for topic in topics().values() for q in topic['questions']]


def check_points(points, where):
    assert 2 <= len(points) <= 5, where
    for point in points:
        assert point['ko'] and point['en'] and HANGUL.search(point['ko']), where
        keywords = point['keywords']
        assert len(keywords) >= 3, where
        for word in keywords:
            assert word == word.lower().strip() and len(word) >= 2, (where, word)
        # A point stated in its own words is recognised, in each language.
        assert any(mentions(point['ko'], w) for w in keywords), (where, point['ko'])
        assert any(mentions(point['en'], w) for w in keywords), (where, point['en'])


def test_every_topic_has_a_large_bank_in_both_languages():
    for topic in topics().values():
        assert topic['title']['ko'] and topic['title']['en']
        assert len(topic['questions']) >= MIN_QUESTIONS, topic['id']


def test_question_ids_are_unique():
    ids = [q['id'] for _, q in all_questions()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize('topic_id, question', all_questions(), ids=lambda v: v if isinstance(v, str) else v['id'])
def test_each_question_is_complete_and_matchable(topic_id, question):
    assert HANGUL.search(question['ko']) and not HANGUL.search(question['en'])
    check_points(question['key_points'], question['id'])
    follow_up = question['follow_up']
    assert HANGUL.search(follow_up['ko']) and follow_up['en']
    check_points(follow_up['key_points'], question['id'] + '/follow_up')
    for text in (question['ko'], question['en'], follow_up['ko'], follow_up['en']):
        assert not PRESUPPOSING.search(text), (question['id'], text)
    for framing in question.get('framings', []):
        assert framing['keywords'] and HANGUL.search(framing['ko']) and framing['en'], question['id']
        assert framing['ko'].rstrip().endswith(('?', '요.', '요')) and framing['en'].rstrip().endswith('?')


@pytest.mark.parametrize('text, expected', [
    ('backend', 'backend'), ('Backend developer', 'backend'), ('백엔드', 'backend'),
    ('iOS 개발자', 'mobile'), ('Android developer', 'mobile'), ('Flutter 개발자', 'mobile'),
    ('frontend', 'frontend'), ('behavioral', 'behavioral'), ('Product designer', 'product-design'),
    ('UX 디자이너', 'product-design'), ('데이터 엔지니어', 'data-ml'), ('knitting', 'general'), (None, 'general'),
])
def test_free_text_topics_route_to_the_specific_bank(text, expected):
    assert resolve_topic(text)['id'] == expected
