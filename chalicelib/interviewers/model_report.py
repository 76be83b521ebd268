"""A feedback report written by a language model: the shape asked for, and the check that a
model's answer has exactly that shape before it is shown as `source: "llm"`."""
import json
import math
from typing import List

REPORT_SCHEMA_HINT = json.dumps({
    'overall_score': 72,
    'criteria': [{'name': 'relevance', 'score': 80, 'reason': 'one line naming what the answers showed'}],
    'strengths': ['a strength tied to a specific answer'],
    'improvements': [{'quote': "the candidate's exact words", 'suggestion': 'a concrete next step'}],
    'questions': [{'question': 'the question asked', 'answer_excerpt': 'the start of the answer',
                   'suggested_outline': ['point 1', 'point 2', 'point 3']}],
    'summary': 'one or two sentences',
}, ensure_ascii=False, separators=(',', ':'))



# -- a report written by a model ------------------------------------------------------------------
def validate_report(data: object, language: str) -> dict:
    """A model's parsed report in our exact shape, stamped `source: "llm"`; ValueError otherwise."""
    if not isinstance(data, dict):
        raise ValueError('report must be a JSON object')
    return {
        'overall_score': _score(data.get('overall_score'), 'overall_score'),
        'criteria': _criteria(data.get('criteria')),
        'strengths': _strings(data.get('strengths'), 'strengths'),
        'improvements': _each(data.get('improvements'), 'improvements', _improvement_item),
        'questions': _each(data.get('questions'), 'questions', _question_item),
        'summary': _text(data.get('summary'), 'summary'),
        'language': language,
        'source': 'llm',  # whatever the model wrote, this report came from a model
    }


def _criteria(value: object) -> List[dict]:
    items = _list(value, 'criteria')
    if not items:
        raise ValueError('criteria must not be empty')
    return [_criterion(item, i) for i, item in enumerate(items)]


def _criterion(item: object, i: int) -> dict:
    item = _dict(item, f'criteria[{i}]')
    return {'name': _text(item.get('name'), f'criteria[{i}].name'),
            'score': _score(item.get('score'), f'criteria[{i}].score'),
            'reason': _text(item.get('reason'), f'criteria[{i}].reason')}


def _improvement_item(item: object, i: int) -> dict:
    item = _dict(item, f'improvements[{i}]')
    return {'quote': _text(item.get('quote'), f'improvements[{i}].quote'),
            'suggestion': _text(item.get('suggestion'), f'improvements[{i}].suggestion')}


def _question_item(item: object, i: int) -> dict:
    item = _dict(item, f'questions[{i}]')
    clean = {'question': _text(item.get('question'), f'questions[{i}].question'),
             'suggested_outline': _strings(item.get('suggested_outline'), f'questions[{i}].suggested_outline')}
    if item.get('answer_excerpt') is not None:
        clean['answer_excerpt'] = _string(item['answer_excerpt'], f'questions[{i}].answer_excerpt')
    return clean


def _score(value: object, name: str) -> int:
    """An integer 0-100 from an int, a float or a numeric string; never a bool."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f'{name} must be a number from 0 to 100')
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f'{name} must be a number from 0 to 100')
    if not 0 <= value <= 100:
        raise ValueError(f'{name} must be from 0 to 100 (got {value:g})')
    return int(round(value))


def _each(value: object, name: str, check) -> list:
    return [check(item, i) for i, item in enumerate(_list(value, name))]


def _list(value: object, name: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f'{name} must be a list')
    return value


def _dict(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f'{name} must be an object')
    return value


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f'{name} must be a string')
    return value.strip()


def _text(value: object, name: str) -> str:
    text = _string(value, name)
    if not text:
        raise ValueError(f'{name} must not be empty')
    return text


def _strings(value: object, name: str) -> List[str]:
    """A list of strings, stripped, blanks dropped."""
    items = [_string(item, f'{name}[{i}]') for i, item in enumerate(_list(value, name))]
    return [item for item in items if item]
