"""A model's report: the criteria it must score, the schema it is asked for, and the check that
rejects a report missing a criterion, naming an unknown one, or copying the prompt's example."""
import json

import pytest

from chalicelib.interviewers import prompts
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
