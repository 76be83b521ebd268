"""A feedback report written by a language model: the shape asked for (as a hint in the prompt
and as a JSON schema for servers that enforce one), the transcript it is written from, and the
check that a model's answer has exactly that shape before it is shown as `source: "llm"`."""
import json
import math
from typing import Iterable, List, Optional

from chalicelib.interviewers import model_output, prompts

REPORT_TRANSCRIPT_CHARS = 12000

REPORT_SCHEMA_HINT = json.dumps({
    'overall_score': 72,
    'criteria': [{'name': 'relevance', 'score': 80, 'reason': 'one line naming what the answers showed'}],
    'strengths': ['a strength tied to a specific answer'],
    'improvements': [{'quote': "the candidate's exact words", 'suggestion': 'a concrete next step'}],
    'questions': [{'question': 'the question asked', 'answer_excerpt': 'the start of the answer',
                   'suggested_outline': ['point 1', 'point 2', 'point 3']}],
    'summary': 'one or two sentences',
}, ensure_ascii=False, separators=(',', ':'))
# The hint's descriptive values: a model that copies them has not looked at the interview. Short
# ones count only as a whole value, longer ones also inside a longer text.
EXAMPLE_TEXTS = ('one line naming what the answers showed', 'a strength tied to a specific answer',
                 "the candidate's exact words", 'a concrete next step', 'the question asked',
                 'the start of the answer', 'point 1', 'point 2', 'point 3', 'one or two sentences')
EXAMPLE_TEXT_INSIDE_CHARS = 25
STAR_TOPIC = 'behavioral'
# A score written as text longer than this is no score ("72.5" is 4 characters); it is never parsed.
SCORE_TEXT_CHARS = 32
SCORE_SHOWN_LIMIT = 10 ** 9  # an out-of-range score beyond this is not formatted into the message


def required_criteria(topic: Optional[str]) -> List[str]:
    """The criteria an interview on `topic` is graded on: its bank's, with STAR for behavioral ones."""
    from chalicelib.interviewers.bank import resolve_topic
    bank_topic = resolve_topic(topic)
    names = list(bank_topic.get('criteria') or ['relevance', 'depth', 'structure', 'communication'])
    if bank_topic.get('id') == STAR_TOPIC and 'star' not in names:
        names.append('star')
    return names


def report_schema(criteria: Iterable[str]) -> dict:
    """The report as a strict JSON schema: every field required, criterion names from the rubric."""
    def strings():
        return {'type': 'array', 'items': {'type': 'string'}}

    def obj(**properties):
        return {'type': 'object', 'properties': properties, 'required': list(properties),
                'additionalProperties': False}
    text, score = {'type': 'string'}, {'type': 'integer'}
    return obj(overall_score=score,
               criteria={'type': 'array', 'items': obj(name={'type': 'string', 'enum': list(criteria)},
                                                       score=score, reason=text)},
               strengths=strings(),
               improvements={'type': 'array', 'items': obj(quote=text, suggestion=text)},
               questions={'type': 'array', 'items': obj(question=text, answer_excerpt=text,
                                                        suggested_outline=strings())},
               summary=text)


# -- a report written by a model ------------------------------------------------------------------
def validate_report(data: object, language: str, required: Optional[Iterable[str]] = None) -> dict:
    """A model's parsed report in our exact shape, stamped `source: "llm"`; ValueError otherwise.

    With `required` criteria, the report must score each of them exactly once and no other:
    an unknown criterion means the model ignored the rubric, so its scores cannot be trusted."""
    if not isinstance(data, dict):
        raise ValueError('report must be a JSON object')
    _reject_copied_example(data)
    report = {
        'overall_score': _score(data.get('overall_score'), 'overall_score'),
        'criteria': _criteria(data.get('criteria'), required),
        'strengths': _strings(data.get('strengths'), 'strengths'),  # may be empty: nothing may deserve one
        'improvements': _each(_non_empty(data.get('improvements'), 'improvements'), 'improvements', _improvement_item),
        'questions': _each(_non_empty(data.get('questions'), 'questions'), 'questions', _question_item),
        'summary': _text(data.get('summary'), 'summary'),
        'language': language,
        'source': 'llm',  # whatever the model wrote, this report came from a model
    }
    _reject_unspeakable(report, language)
    return report


def _reject_unspeakable(report: dict, language: str) -> None:
    """The checks a spoken reply gets, on every text the model wrote (the candidate's own words,
    quoted, may hold anything they typed): the summary and a suggestion are read aloud at the close."""
    written = [report['summary'], *report['strengths'], *(c['reason'] for c in report['criteria']),
               *(i['suggestion'] for i in report['improvements'])]
    shown = written + [text for q in report['questions'] for text in (q['question'], *q['suggested_outline'])]
    for text in shown:
        if model_output.has_markup(text):
            raise ValueError('the report contains markup or control tokens')
        if model_output.NOTES_MARKER.search(text) or model_output.NOTES_LABEL.search(text):
            raise ValueError("the report contains the interviewer's private notes")
    anchors = {_plain(text) for rubric in prompts.RUBRIC.values() for texts in rubric.values() for text in texts}
    if any(_plain(c['reason']) in anchors for c in report['criteria']):
        raise ValueError("a criterion's reason copies the rubric instead of describing the answers")
    prose = ' '.join(written)
    if model_output.echoes(prose, prompts.report_echo_reference(language), language):
        raise ValueError('the report repeats its instructions')
    if not model_output.in_language(prose, language):
        raise ValueError(f"the report's language must be {prompts.language_name(language)}")


def _plain(text: str) -> str:
    return ' '.join(text.lower().split()).strip(' ."\'')


def _non_empty(value: object, name: str) -> list:
    if isinstance(value, list) and not value:
        raise ValueError(f'{name} must not be empty')
    return value


def _criteria(value: object, required: Optional[Iterable[str]]) -> List[dict]:
    items = _list(value, 'criteria')
    if not items:
        raise ValueError('criteria must not be empty')
    criteria = [_criterion(item, i) for i, item in enumerate(items)]
    if required is None:
        return criteria
    required = list(required)
    by_name = {}
    for criterion in criteria:
        name = criterion['name'] = criterion['name'].lower()
        if name in by_name:
            raise ValueError(f'criteria has "{name}" twice')
        by_name[name] = criterion
    missing = [name for name in required if name not in by_name]
    if missing:
        raise ValueError('criteria must score every one of: ' + ', '.join(required)
                         + ' (missing: ' + ', '.join(missing) + ')')
    unknown = sorted(set(by_name) - set(required))
    if unknown:
        raise ValueError('criteria may only be: ' + ', '.join(required) + ' (unknown: ' + ', '.join(unknown) + ')')
    return [by_name[name] for name in required]


def _reject_copied_example(data: dict) -> None:
    for text in _all_strings(data):
        text = ' '.join(text.lower().split()).strip(' ."\'')
        for example in EXAMPLE_TEXTS:
            if text == example or (len(example) >= EXAMPLE_TEXT_INSIDE_CHARS and example in text):
                raise ValueError(f'the report copies the example text "{example}" instead of describing the interview')


def _all_strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_strings(item)


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
    """An integer 0-100 from an int, a float or a numeric string; never a bool.

    Whatever number a model writes (1e999 and NaN, which json reads as inf and nan, an integer
    too big for a float or for text, a string of thousands of digits) ends here as this
    ValueError, never another exception: an int is compared as an int, never made a float."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text) if len(text) <= SCORE_TEXT_CHARS else None
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f'{name} must be a number from 0 to 100')
    if not 0 <= value <= 100:  # exact for an int of any size and for any finite float
        shown = f'{value:g}' if -SCORE_SHOWN_LIMIT < value < SCORE_SHOWN_LIMIT else 'a number far out of range'
        raise ValueError(f'{name} must be from 0 to 100 (got {shown})')
    return int(round(value))  # 0 <= value <= 100, so 0-100 as well


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


# -- what the report is written from, and what is checked after -----------------------------------
def transcript_for_report(history: list, budget_chars: int = REPORT_TRANSCRIPT_CHARS) -> str:
    """The interview as text for the report prompt, each message bounded so the whole fits; the
    interviewer's hidden notes are used here and nowhere the candidate's conversation goes."""
    each = max(200, budget_chars // max(1, len(history)))
    lines = []
    for message in history:
        speaker = 'Candidate' if message.role == 'user' else 'Interviewer'
        lines.append(f'{speaker}: {_shorten(message.content, each)}')
        if message.notes:
            lines.append(f'(Interviewer notes: {_shorten(message.notes, 300)})')
    return '\n'.join(lines)[-budget_chars:]


def mark_verified_quotes(report: dict, history: list) -> dict:
    """Flags each improvement whose quote really is the candidate's words: a model may paraphrase."""
    answers = [' '.join(m.content.split()).lower() for m in history if m.role == 'user']
    for improvement in report.get('improvements', []):
        quote = ' '.join(improvement['quote'].split()).lower().strip(' "\'')
        improvement['quote_verified'] = bool(quote) and any(quote in answer for answer in answers)
    return report


def _shorten(text: str, limit: int) -> str:
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + '…'
