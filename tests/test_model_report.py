"""A model's report: the criteria it must score, the schema it is asked for, and the check that
rejects a report missing a criterion, naming an unknown one, or copying the prompt's example."""
import json

import pytest

from chalicelib.interviewers import prompts
from chalicelib.interviewers.model_output import json_object
from chalicelib.interviewers.model_report import (REPORT_SCHEMA_HINT, report_schema, required_criteria,
                                                  validate_report)

CRITERIA = ['relevance', 'depth', 'structure', 'communication']


def report(**changes):
    data = {
        'overall_score': 70, 'summary': 'Clear on indexes, thin on trade-offs.',
        'criteria': [{'name': name, 'score': 70, 'reason': f'{name} was fine.'} for name in CRITERIA],
        'strengths': ['Named B-tree indexes in the first answer.'],
        'improvements': [{'quote': 'just restart it', 'suggestion': 'Find the cause before restarting.'}],
        'questions': [{'question': 'How do indexes work?', 'answer_excerpt': 'B-tree',
                       'suggested_outline': ['Structure', 'Cost of writes', 'When not to index']}],
    }
    data.update(changes)
    return data


def test_criteria_come_from_the_topic_with_star_for_behavioral():
    assert required_criteria('backend') == CRITERIA
    assert required_criteria('behavioral') == CRITERIA + ['star']
    assert required_criteria(None) == CRITERIA


def test_a_report_scoring_every_required_criterion_is_accepted_in_rubric_order():
    shuffled = list(reversed(report()['criteria']))
    shuffled[0] = {**shuffled[0], 'name': ' Communication '}
    checked = validate_report(report(criteria=shuffled), 'en', CRITERIA)
    assert [c['name'] for c in checked['criteria']] == CRITERIA and checked['source'] == 'llm'


@pytest.mark.parametrize('criteria, problem', [
    (CRITERIA[:3], 'missing: communication'),
    (CRITERIA + ['charisma'], 'unknown: charisma'),
    (CRITERIA + ['depth'], 'twice'),
])
def test_a_report_missing_or_adding_a_criterion_is_rejected(criteria, problem):
    items = [{'name': name, 'score': 60, 'reason': 'a reason'} for name in criteria]
    with pytest.raises(ValueError, match=problem):
        validate_report(report(criteria=items), 'en', CRITERIA)


def test_behavioral_reports_must_score_star():
    with pytest.raises(ValueError, match='missing: star'):
        validate_report(report(), 'en', required_criteria('behavioral'))


@pytest.mark.parametrize('changes', [
    {'summary': 'one or two sentences'},
    {'strengths': ['A strength tied to a specific answer.']},
    {'improvements': [{'quote': "the candidate's exact words", 'suggestion': 'a concrete next step'}]},
    {'criteria': [{'name': n, 'score': 70, 'reason': 'One line naming what the answers showed'} for n in CRITERIA]},
    {'questions': [{'question': 'How?', 'answer_excerpt': 'x', 'suggested_outline': ['point 1', 'point 2']}]},
])
def test_a_report_copying_the_example_is_rejected(changes):
    with pytest.raises(ValueError, match='example'):
        validate_report(report(**changes), 'en', CRITERIA)


def test_the_schema_hint_itself_is_rejected_as_a_copy():
    with pytest.raises(ValueError, match='example'):
        validate_report(json.loads(REPORT_SCHEMA_HINT), 'en')


def test_report_schema_is_strict_with_every_field_required():
    schema = report_schema(CRITERIA + ['star'])
    assert schema['additionalProperties'] is False
    assert set(schema['required']) == set(schema['properties']) == {
        'overall_score', 'criteria', 'strengths', 'improvements', 'questions', 'summary'}
    item = schema['properties']['criteria']['items']
    assert item['properties']['name']['enum'] == CRITERIA + ['star'] and item['additionalProperties'] is False
    question = schema['properties']['questions']['items']
    assert set(question['required']) == {'question', 'answer_excerpt', 'suggested_outline'}


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_rubric_anchors_every_criterion_in_the_interview_language(language):
    text = prompts.rubric(CRITERIA + ['star'], language)
    lines = text.splitlines()
    assert len(lines) == 5
    for name, line in zip(CRITERIA + ['star'], lines):
        assert line.startswith(f'- "{name}"')
        assert all(f'{score} = ' in line for score in (90, 70, 50, 30))


# -- huge and non-finite numbers: an invalid report (ValueError), never a crash ---------------------
HUGE_SCORES = [
    float('inf'), float('-inf'), float('nan'), 1e300, -1e300,
    10 ** 400, -10 ** 400,  # beyond a float: comparing through float() overflows
    10 ** 5000, -10 ** 5000,  # beyond Python's 4300-digit int-to-text limit as well
    '9' * 5000, '-' + '9' * 5000, '1' * 5000 + '.5', '1e999', '-1e999', 'NaN', 'Infinity', ' inf ',
    str(10 ** 400),
]


def criteria_scored(score):
    return [{'name': name, 'score': score, 'reason': f'{name} was fine.'} for name in CRITERIA]


def number_id(value) -> str:
    if isinstance(value, int) and abs(value) > 10 ** 100:
        return f'{"-" if value < 0 else ""}int of ~{round(abs(value).bit_length() * 0.30103)} digits'  # str() may refuse
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 12 else f'{text[:8]}..({len(text)} chars)'


@pytest.mark.parametrize('score', HUGE_SCORES, ids=number_id)
@pytest.mark.parametrize('field', ['overall_score', 'criterion score'])
def test_a_huge_or_non_finite_score_is_an_invalid_report(field, score):
    changes = {'overall_score': score} if field == 'overall_score' else {'criteria': criteria_scored(score)}
    with pytest.raises(ValueError, match='from 0 to 100') as raised:
        validate_report(report(**changes), 'en', CRITERIA)
    assert len(str(raised.value)) < 200  # the reason goes back to the model and into the log


# Literals as a model writes them into the JSON text; Python's json reads 1e999 as inf and
# accepts NaN/Infinity, and refuses an integer of more than 4300 digits.
HUGE_LITERALS = ['1e999', '-1e999', 'NaN', 'Infinity', '-Infinity', '1' * 400, '-' + '1' * 400,
                 '1' * 5000, '-' + '1' * 5000, '1' * 5000 + '.5', '1' * 400 + 'e5', '"' + '9' * 5000 + '"']


@pytest.mark.parametrize('literal', HUGE_LITERALS, ids=number_id)
@pytest.mark.parametrize('field', ['overall_score', 'criterion score'])
def test_a_model_report_with_a_huge_number_in_its_text_is_an_invalid_report(field, literal):
    changes = {'overall_score': '@'} if field == 'overall_score' else {'criteria': criteria_scored('@')}
    text = 'Here is the report:\n' + json.dumps(report(**changes)).replace('"@"', literal)
    assert literal in text
    data = json_object(text)  # exactly what the interviewer does with the model's text
    with pytest.raises(ValueError):
        if data is None:
            raise ValueError('not valid JSON')
        validate_report(data, 'en', CRITERIA)


@pytest.mark.parametrize('score, kept', [(0, 0), (100, 100), (99.6, 100), (0.4, 0), ('55', 55), (' 72.0 ', 72),
                                         (10 ** 2, 100)])
def test_a_score_in_range_is_kept_as_an_integer_from_0_to_100(score, kept):
    checked = validate_report(report(overall_score=score, criteria=criteria_scored(score)), 'en', CRITERIA)
    assert checked['overall_score'] == kept and type(checked['overall_score']) is int
    assert all(c['score'] == kept and type(c['score']) is int for c in checked['criteria'])


@pytest.mark.parametrize('score', [100.6, -0.6, 101, -1, '100.6', True, False, None, '', 'seventy', [70], {'v': 70}])
def test_an_out_of_range_or_non_numeric_score_is_rejected_not_clamped(score):
    with pytest.raises(ValueError, match='from 0 to 100'):
        validate_report(report(overall_score=score), 'en', CRITERIA)


# -- reports that were shown as source "llm" although they held markup, notes, an echo or another language
@pytest.mark.parametrize('changes', [
    {'summary': '<<SYS>> Solid basics. <b>Thin</b> on depth.<end_of_turn>'},
    {'summary': 'Solid basics.\n###NOTES###\nSECRETNOTE internal only.'},
    {'summary': '(Interviewer notes: SECRETNOTE good-1) Solid basics.'},
    {'summary': 'You are an experienced interviewer writing feedback on a finished mock interview. '
                'Write every text in English.'},
    {'summary': '基础扎实，但深度不足。', 'strengths': ['基础扎实。']},
    {'improvements': []}, {'questions': []},
    {'improvements': [{'quote': 'just restart it', 'suggestion': 'Private notes: weak candidate.'}]},
    {'criteria': [{'name': name, 'score': 70, 'reason': prompts.RUBRIC['en'][name][2] + '.'} for name in CRITERIA]},
])
def test_a_report_with_markup_notes_an_echo_another_script_or_an_empty_part_is_invalid(changes):
    with pytest.raises(ValueError):
        validate_report(report(**changes), 'en', CRITERIA)


def test_a_korean_report_written_in_english_is_invalid_but_english_terms_in_korean_are_fine():
    with pytest.raises(ValueError, match='language'):
        validate_report(report(), 'ko', CRITERIA)
    korean = report(summary='인덱스는 잘 설명했지만 트레이드오프가 부족했습니다.',
                    criteria=[{'name': n, 'score': 70, 'reason': f'{n} 항목은 무난했습니다.'} for n in CRITERIA],
                    strengths=['첫 답변에서 B-tree 인덱스를 설명했습니다.'],
                    improvements=[{'quote': 'just restart it', 'suggestion': '재시작 전에 원인을 먼저 찾으세요.'}],
                    questions=[{'question': '인덱스는 어떻게 동작하나요?', 'answer_excerpt': 'B-tree',
                                'suggested_outline': ['B-tree 구조', 'Write 비용', 'Covering index']}])
    assert validate_report(korean, 'ko', CRITERIA)['source'] == 'llm'


def test_the_candidates_own_words_may_hold_anything_they_typed():
    typed = report(improvements=[{'quote': '###NOTES### <b>ignore</b> 基础', 'suggestion': 'Answer the question.'}])
    assert validate_report(typed, 'en', CRITERIA)['improvements'][0]['quote'].startswith('###NOTES###')
