"""`make eval`: the interviewer evaluated like a product, through the HTTP API.

Simulated candidates (scripts/eval_personas.py) run whole interviews in-process: chalice's test
client on `app.app`, moto standing in for AWS, the same environment as the unit tests. Each
persona is one user who does two interviews in a row per topic and language, then asks for
each interview's report. The transcripts are scored (repeats, praise after a non-answer,
language slips, leaked internals, closings, report scores) into docs/eval/scorecard.md and
scorecard.json, and the run fails (exit 1) when a check fails. It measures; it never tunes.

    python -m scripts.eval [--topics backend,frontend] [--languages ko,en] [--pairs 1]
                           [--openai-base-url URL] [--out DIR] [--transcripts]

The interviewer is the offline one unless an OpenAI-compatible server is given
(--openai-base-url or OPENAI_BASE_URL, with OPENAI_API_KEY set).
"""
import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean
from typing import Dict, List, Optional

from scripts.eval_personas import (HANGUL, NON_ANSWERS, PERSONAS, Candidate, GREETING, asked_question,
                                   bank_texts, squash)

ROOT = Path(__file__).resolve().parent.parent
MAX_ANSWERS = 12
MIN_SENTENCE_CHARS = 12
PASSWORD = 'correct horse battery'

PRAISE_KO = ['좋습니다', '좋은 답변', '좋은 말씀', '잘 짚', '잘 설명', '잘 정리', '훌륭', '인상적', '멋진']
PRAISE_EN = re.compile(r"\b(good answer|great|nice|well done|excellent|good point|clear and concrete"
                       r"|covered the key points|solid)\b", re.IGNORECASE)
# A closing that thanks a candidate who said nothing for all they shared is praise too.
THANKS_FOR_SHARING = re.compile(r'sharing so much|so much (?:insight|detail)|for sharing|great conversation|insightful'
                                r'|좋은 이야기|많은 이야기|좋은 말씀|많은 말씀', re.IGNORECASE)
# Not praise, so not a failed check, but a non-answer thanked as if it were one: counted for information.
THANKED_AS_ANSWER = re.compile(r'thanks?(?: you)? for (?:the introduction|that|your answer|sharing|explaining)'
                               r'|말씀 들었습니다|소개 (?:감사|들었|잘)|답변 감사|설명 감사', re.IGNORECASE)
LEAKS = [
    ('###', re.compile(r'###')),
    ('notes label', re.compile(r'\bNOTES\b|\bnotes\s*:', re.IGNORECASE)),
    ('<<SYS>>', re.compile(r'<<\s*/?SYS\s*>>', re.IGNORECASE)),
    ('[INST]', re.compile(r'\[/?INST\]', re.IGNORECASE)),
    # Known tag names only: a generic type such as List<String> in a question is not markup.
    ('HTML tag', re.compile(r'</?(?:a|b|i|u|p|s|br|hr|em|strong|div|span|html|head|body|script|style|code|pre'
                            r'|ul|ol|li|table|tr|td|th|img|h[1-6]|think|system|assistant|user)\b[^<>]*>',
                            re.IGNORECASE)),
    ('JSON reply', re.compile(r'\{\s*"reply"')),
    ('offline notes', re.compile(r'covered \d+ of \d+ key points', re.IGNORECASE)),
    ('state key', re.compile(r'topic_id|followed_up|key_points')),
]
MISSING_CLAIM = re.compile(r'also cover|couldn\'t find|could not find|did not find|didn\'t find|missing|did not spot|'
                           r'did not mention|didn\'t mention|찾지 못|확인하지 못|빠진|빠뜨|다뤄 보세요|언급하지 않', re.IGNORECASE)
SENTENCE_SPLIT = re.compile(r'(?<=[.!?？。])\s+|\n+')


# -- scoring: pure functions over transcripts ---------------------------------------------------
# An interview is {'persona', 'user', 'topic', 'language', 'turns': [{'role', 'text', 'persona'?}],
# 'finished', 'report'}; a user turn's 'persona' is who answered (the greeting scenario mixes two).

def bank_id_pattern() -> re.Pattern:
    from chalicelib.interviewers.bank import topics
    ids = sorted(topics(), key=len, reverse=True)
    return re.compile(r'\b(?:' + '|'.join(re.escape(i) for i in ids) + r')-\d{2,}\b')


def leaks_in(reply: str) -> List[str]:
    found = [name for name, pattern in LEAKS if pattern.search(reply)]
    if bank_id_pattern().search(reply):
        found.append('bank id')
    return found


def praises(reply: str, language: str) -> bool:
    return bool(PRAISE_EN.search(reply)) if language == 'en' else (
        any(word in reply for word in PRAISE_KO) or bool(PRAISE_EN.search(reply)))


def language_slip(reply: str, language: str) -> bool:
    letters = [c for c in reply if c.isalpha()]
    hangul = sum(1 for c in letters if HANGUL.match(c))
    if language == 'en':
        return hangul > 0
    return bool(letters) and hangul * 2 < len(letters)


def sentences_of(reply: str) -> List[str]:
    return [s for s in (squash(part) for part in SENTENCE_SPLIT.split(reply)) if len(s) >= MIN_SENTENCE_CHARS]


def _is_bank_sentence(sentence: str) -> bool:
    return any(sentence in text for text in bank_texts())


def asked_ids(interview: dict) -> List[str]:
    """The bank question each assistant reply asks, as 'id' or 'id/follow_up', in order."""
    found = []
    for turn in interview['turns']:
        if turn['role'] == 'assistant':
            asked = asked_question(turn['text'])
            if asked:
                found.append(asked[0]['id'] + ('/follow_up' if asked[1] == 'follow_up' else ''))
    return found


def _where(interview: dict, index: Optional[int] = None) -> dict:
    where = {k: interview.get(k) for k in ('persona', 'user', 'topic', 'language', 'interview_id')}
    if index is not None:
        where['turn'] = index
    return where


def count_repeats(interviews: List[dict]) -> dict:
    """Bank questions asked twice in an interview; the same sentence of the interviewer twice in an
    interview (bank question text aside: that is the first count); a bank question of a user's
    interview asked again in that user's next interview on the same topic and language."""
    in_interview, sentences, next_interview = [], [], []
    previous: Dict[tuple, dict] = {}
    for interview in interviews:
        ids = asked_ids(interview)
        for qid, n in Counter(ids).items():
            if n > 1:
                in_interview.append({**_where(interview), 'question': qid, 'times': n})
        said = Counter(s for t in interview['turns'] if t['role'] == 'assistant' for s in sentences_of(t['text']))
        for sentence, n in said.items():
            if n > 1 and not _is_bank_sentence(sentence):
                sentences.append({**_where(interview), 'sentence': sentence, 'times': n})
        key = (interview['user'], interview['topic'], interview['language'])
        if key in previous:
            before = {qid.split('/')[0] for qid in asked_ids(previous[key])}
            again = sorted(before & {qid.split('/')[0] for qid in ids})
            if again:
                next_interview.append({**_where(interview), 'questions': again})
        previous[key] = interview
    return {'bank_question_in_interview': sum(r['times'] - 1 for r in in_interview),
            'sentence_in_interview': sum(r['times'] - 1 for r in sentences),
            'bank_question_next_interview': sum(len(r['questions']) for r in next_interview),
            'examples': {'bank_question_in_interview': in_interview, 'sentence_in_interview': sentences,
                         'bank_question_next_interview': next_interview}}


def praise_after_non_answers(interviews: List[dict]) -> List[dict]:
    """Replies that praise right after a non-answer, and closings that thank a candidate who
    gave nothing but non-answers for all they shared."""
    found = []
    for interview in interviews:
        language, turns = interview['language'], interview['turns']
        answers = [t for t in turns if t['role'] == 'user']
        all_bad = bool(answers) and all(t.get('persona') in NON_ANSWERS for t in answers)
        for i, turn in enumerate(turns):
            if turn['role'] != 'assistant' or i == 0 or turns[i - 1]['role'] != 'user':
                continue
            answer = turns[i - 1]
            closing = interview.get('finished') and i == len(turns) - 1
            if answer.get('persona') in NON_ANSWERS and praises(turn['text'], language):
                found.append({**_where(interview, i), 'why': 'praise after ' + answer['persona'],
                              'answer': answer['text'], 'reply': turn['text']})
            elif closing and all_bad and THANKS_FOR_SHARING.search(turn['text']):
                found.append({**_where(interview, i), 'why': 'closing thanks for sharing after only non-answers',
                              'answer': answer['text'], 'reply': turn['text']})
    return found


def thanked_non_answers(interviews: List[dict]) -> List[dict]:
    found = []
    for iv in interviews:
        turns = iv['turns']
        for i, turn in enumerate(turns):
            if (turn['role'] == 'assistant' and i > 0 and turns[i - 1].get('persona') in NON_ANSWERS
                    and THANKED_AS_ANSWER.search(turn['text'])):
                found.append({**_where(iv, i), 'answer': turns[i - 1]['text'], 'reply': turn['text']})
    return found


def language_slips(interviews: List[dict]) -> List[dict]:
    return [{**_where(iv, i), 'reply': t['text']} for iv in interviews for i, t in enumerate(iv['turns'])
            if t['role'] == 'assistant' and language_slip(t['text'], iv['language'])]


def leaks(interviews: List[dict]) -> List[dict]:
    found = []
    for iv in interviews:
        for i, t in enumerate(iv['turns']):
            if t['role'] == 'assistant':
                kinds = leaks_in(t['text'])
                if kinds:
                    found.append({**_where(iv, i), 'kinds': kinds, 'reply': t['text']})
    return found


def _report_texts(report: dict) -> List[str]:
    """Every string of a report's improvements (dicts or strings, as the model or offline writes them)."""
    texts = []

    def walk(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != 'quote':  # the candidate's own words are not the report's claim
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(report.get('improvements') or [])
    return texts


def false_missing_claims(interviews: List[dict]) -> List[dict]:
    """In a strong candidate's report (its improvements) or in the feedback spoken at the close of
    the interview, any claim that something is missing: strong answers explain every key point of
    the asked question in the key point's own words, so every such claim is false."""
    found = []
    for iv in interviews:
        if iv['persona'] != 'strong':
            continue
        for text in _report_texts(iv.get('report') or {}):
            if MISSING_CLAIM.search(text):
                found.append({**_where(iv), 'where': 'report', 'claim': text})
        last = iv['turns'][-1] if iv['turns'] else None
        if iv.get('finished') and last and last['role'] == 'assistant':
            for sentence in SENTENCE_SPLIT.split(last['text']):
                if MISSING_CLAIM.search(sentence):
                    found.append({**_where(iv), 'where': 'closing', 'claim': squash(sentence)})
    return found


def score_stats(values: List[float]) -> dict:
    if not values:
        return {'n': 0, 'mean': None, 'min': None, 'max': None}
    return {'n': len(values), 'mean': round(mean(values), 1), 'min': min(values), 'max': max(values)}


def report_scores(interviews: List[dict]) -> dict:
    by_persona, by_persona_language, by_language = defaultdict(list), defaultdict(list), defaultdict(list)
    for iv in interviews:
        score = (iv.get('report') or {}).get('overall_score')
        if isinstance(score, (int, float)):
            by_persona[iv['persona']].append(score)
            by_persona_language[f"{iv['persona']}/{iv['language']}"].append(score)
            by_language[iv['language']].append(score)
    personas = {p: score_stats(v) for p, v in by_persona.items()}
    means = [s['mean'] for p, s in personas.items() if p in PERSONAS and s['mean'] is not None]
    return {'by_persona': personas, 'by_persona_language': {k: score_stats(v) for k, v in by_persona_language.items()},
            'by_language': {k: score_stats(v) for k, v in by_language.items()},
            'spread': round(max(means) - min(means), 1) if means else None,
            'sources': dict(Counter(str((iv.get('report') or {}).get('source')) for iv in interviews))}


def closings(interviews: List[dict]) -> dict:
    finished = [iv for iv in interviews if iv.get('finished')]
    return {'finished': len(finished), 'unfinished': len(interviews) - len(finished),
            'unfinished_interviews': [_where(iv) for iv in interviews if not iv.get('finished')]}


def greeting_outcomes(interviews: List[dict]) -> List[dict]:
    """What followed "Hi!" sent as the first answer: praised? re-asked the question or moved on?"""
    found = []
    for iv in interviews:
        if iv['persona'] != 'greeting' or len(iv['turns']) < 3:
            continue
        first, reply = iv['turns'][0]['text'], iv['turns'][2]['text']
        before, after = asked_question(first), asked_question(reply)
        same = bool(before and after and before[0]['id'] == after[0]['id'])
        found.append({**_where(iv), 'reply': reply, 'praised': praises(reply, iv['language']),
                      'same_question_again': same, 'moved_on': bool(after) and not same})
    return found


def verdict(card: dict) -> List[str]:
    """The failed checks, each with its numbers; empty when every check passes."""
    failed = []
    for name in ('leaks', 'repeats', 'praise_after_non_answer', 'language_slips', 'false_missing_claims',
                 'errors'):
        if card['counts'][name] > 0:
            failed.append(f"{name}: {card['counts'][name]} (must be 0)")
    means = {p: s['mean'] for p, s in card['reports']['by_persona'].items()}

    def m(persona):
        return means.get(persona)
    for persona in ('keyword_salad', 'wrong_but_fluent'):
        if m(persona) is None or m('strong') is None:
            failed.append(f'{persona} vs strong: not measured')
        elif m(persona) >= m('strong'):
            failed.append(f"{persona} mean {m(persona)} >= strong mean {m('strong')}")
    for persona in ('gibberish', 'steering'):
        others = {p: m(p) for p in ('weak', 'keyword_salad')}
        if m(persona) is None or None in others.values():
            failed.append(f'{persona} near the bottom: not measured')
            continue
        above = [f'{p} {v}' for p, v in others.items() if m(persona) >= v]
        if above:
            failed.append(f"{persona} mean {m(persona)} not below {', '.join(above)}")
    return failed


def scorecard(interviews: List[dict], errors: Optional[List[dict]] = None, run: Optional[dict] = None) -> dict:
    errors = errors or []
    repeats = count_repeats(interviews)
    praise, slips, leaked = praise_after_non_answers(interviews), language_slips(interviews), leaks(interviews)
    missing = false_missing_claims(interviews)
    replies = [t['text'] for iv in interviews for t in iv['turns'] if t['role'] == 'assistant']
    transitions = {iv['language']: set() for iv in interviews}
    for iv in interviews:
        for t in iv['turns']:
            if t['role'] == 'assistant':
                transitions[iv['language']].update(s for s in sentences_of(t['text']) if not _is_bank_sentence(s))
    card = {
        'run': run or {},
        'counts': {
            'interviews': len(interviews),
            'turns': sum(1 for iv in interviews for t in iv['turns'] if t['role'] == 'user'),
            'repeats': (repeats['bank_question_in_interview'] + repeats['sentence_in_interview']
                        + repeats['bank_question_next_interview']),
            'praise_after_non_answer': len(praise),
            'language_slips': len(slips),
            'leaks': len(leaked),
            'false_missing_claims': len(missing),
            'errors': len(errors),
            'thanked_non_answers': 0,  # set below; informational
            'mean_reply_chars': round(mean(len(r) for r in replies), 1) if replies else 0,
            'distinct_transition_sentences': {k: len(v) for k, v in transitions.items()},
        },
        'repeats': repeats,
        'praise_after_non_answer': praise,
        'thanked_non_answers': thanked_non_answers(interviews),
        'language_slips': slips,
        'leaks': leaked,
        'closings': closings(interviews),
        'reports': {**report_scores(interviews), 'false_missing_claims': missing},
        'greeting': greeting_outcomes(interviews),
        'errors': errors,
    }
    card['counts']['thanked_non_answers'] = len(card['thanked_non_answers'])
    card['failed'] = verdict(card)
    card['verdict'] = 'FAIL' if card['failed'] else 'PASS'
    return card


# -- the markdown --------------------------------------------------------------------------------
def _clip(text: str, n: int = 160) -> str:
    text = squash(text)
    return text if len(text) <= n else text[:n - 1] + '…'


def markdown(card: dict) -> str:
    c, run, rep = card['counts'], card['run'], card['reports']
    lines = ['# Interviewer scorecard', '',
             f"**{card['verdict']}**" + (': ' + '; '.join(card['failed']) if card['failed'] else ''), '',
             f"Interviewer `{run.get('interviewer', '?')}`; topics {', '.join(run.get('topics', []))}; "
             f"languages {', '.join(run.get('languages', []))}; {run.get('pairs', '?')} interview pair(s) per persona "
             f"per topic and language; {run.get('seconds', '?')} s; {run.get('when', '')}.", '',
             '| check | count | pass when |', '| --- | ---: | --- |']
    for name in ('leaks', 'repeats', 'praise_after_non_answer', 'language_slips', 'false_missing_claims', 'errors'):
        lines.append(f"| {name} | {c[name]} | 0 |")
    r = card['repeats']
    lines += ['', f"Repeats: {r['bank_question_in_interview']} bank question(s) asked again in an interview, "
              f"{r['sentence_in_interview']} interviewer sentence(s) said again in an interview, "
              f"{r['bank_question_next_interview']} bank question(s) asked again in the user's next interview "
              "on the same topic and language.", '',
              f"Interviews {c['interviews']}, answers {c['turns']}, mean reply {c['mean_reply_chars']} characters, "
              f"distinct interviewer sentences besides bank questions: "
              + ', '.join(f'{k} {v}' for k, v in c['distinct_transition_sentences'].items()) + '.',
              f"Closings: {card['closings']['finished']} interviews finished with a closing, "
              f"{card['closings']['unfinished']} did not finish within {MAX_ANSWERS} answers.", '',
              '## Report scores (overall_score)', '',
              '| persona | mean | min | max | n | ' + ' | '.join(run.get('languages', [])) + ' |',
              '| --- | ---: | ---: | ---: | ---: |' + ' ---: |' * len(run.get('languages', []))]
    for persona in PERSONAS + ['greeting']:
        s = rep['by_persona'].get(persona)
        if not s:
            continue
        per_language = [str((rep['by_persona_language'].get(f'{persona}/{lang}') or {}).get('mean'))
                        for lang in run.get('languages', [])]
        lines.append(f"| {persona} | {s['mean']} | {s['min']} | {s['max']} | {s['n']} | " + ' | '.join(per_language) + ' |')
    lines += ['', f"Spread of persona means: {rep['spread']}. By language: "
              + ', '.join(f"{k} {v['mean']} (n {v['n']})" for k, v in rep['by_language'].items())
              + '. Report sources: ' + ', '.join(f'{k} {v}' for k, v in rep['sources'].items()) + '.']
    sections = [('Praise after a non-answer', card['praise_after_non_answer'],
                 lambda x: f"{x['persona']}/{x['language']}/{x['topic']}: {x['why']}: “{_clip(x['answer'], 40)}” → “{_clip(x['reply'])}”"),
                ('Leaks', card['leaks'], lambda x: f"{x['persona']}/{x['language']}: {', '.join(x['kinds'])}: “{_clip(x['reply'])}”"),
                ('Language slips', card['language_slips'], lambda x: f"{x['persona']}/{x['language']}: “{_clip(x['reply'])}”"),
                ('False "missing" claims to the strong candidate (report or closing)', rep['false_missing_claims'],
                 lambda x: f"{x['language']}/{x['topic']} ({x['where']}): “{_clip(x['claim'])}”"),
                ('Sentences repeated in an interview', r['examples']['sentence_in_interview'],
                 lambda x: f"{x['persona']}/{x['language']}/{x['topic']}: ×{x['times']} “{_clip(x['sentence'])}”"),
                ('Bank questions repeated in an interview', r['examples']['bank_question_in_interview'],
                 lambda x: f"{x['persona']}/{x['language']}/{x['topic']}: {x['question']} ×{x['times']}"),
                ('Bank questions repeated in the next interview', r['examples']['bank_question_next_interview'],
                 lambda x: f"{x['persona']}/{x['language']}/{x['topic']}: {', '.join(x['questions'])}"),
                ('Non-answers thanked as if they were answers (informational, not a check)',
                 card['thanked_non_answers'],
                 lambda x: f"{x['persona']}/{x['language']}/{x['topic']}: “{_clip(x['answer'], 40)}” → “{_clip(x['reply'])}”"),
                ('Errors', card['errors'], lambda x: _clip(json.dumps(x, ensure_ascii=False), 240))]
    for title, items, show in sections:
        if items:
            lines += ['', f'## {title} ({len(items)}; first 8, all in scorecard.json)', '']
            lines += [f'- {show(x)}' for x in items[:8]]
    if card['greeting']:
        lines += ['', '## "Hi!" as the first answer (informational)', '']
        lines += [f"- {g['language']}: praised {g['praised']}, asked the same question again {g['same_question_again']}, "
                  f"moved on {g['moved_on']}: “{_clip(g['reply'])}”" for g in card['greeting']]
    return '\n'.join(lines) + '\n'


# -- running interviews through the API ----------------------------------------------------------
def prepare_environment(openai_base_url: Optional[str], openai_key: Optional[str]) -> str:
    """The unit tests' environment (tests/conftest.py), set before the app is imported."""
    from scripts.bootstrap import stage_environment
    os.environ.update(stage_environment('local'))
    for name in [n for n in os.environ if n.startswith('AWS_ENDPOINT_URL')]:
        del os.environ[name]
    os.environ.update({
        'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing', 'AWS_SECURITY_TOKEN': 'testing',
        'AWS_SESSION_TOKEN': 'testing', 'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_REGION': 'us-east-1',
        'BCRYPT_ROUNDS': '4', 'SPEECH_PROVIDER': 'none', 'DAILY_CHAT_LIMIT': '10000',
        'REGISTRATION_LIMIT_PER_IP': '100000', 'MODEL_CALLS_PER_DAY': '1000000',
    })
    if openai_base_url:
        os.environ.update({'INTERVIEWER_PROVIDER': 'openai', 'OPENAI_BASE_URL': openai_base_url,
                           'OPENAI_API_KEY': openai_key or ''})
        return f"openai ({os.environ.get('OPENAI_MODEL', 'gpt-4o-mini')} at {openai_base_url})"
    os.environ.update({'INTERVIEWER_PROVIDER': 'offline', 'OPENAI_API_KEY': ''})
    return 'offline'


class Api:
    def __init__(self, http):
        self.http = http

    def call(self, method: str, path: str, body=None, token: Optional[str] = None):
        headers = {'Content-Type': 'application/json'}
        if token:
            headers['Authorization'] = f'Token {token}'
        response = self.http.request(method, path, headers=headers,
                                     body=json.dumps(body).encode() if body is not None else b'')
        try:
            return response.status_code, json.loads(response.body or b'{}')
        except ValueError:
            return response.status_code, {'raw': response.body[:200].decode('utf-8', 'replace')}

    def user(self, name: str) -> str:
        self.call('POST', '/api/user/register/', {'username': name, 'email': f'{name}@example.com',
                                                  'password': PASSWORD, 'password2': PASSWORD})
        status, body = self.call('POST', '/api/user/login/', {'username': name, 'password': PASSWORD})
        if status != 200:
            raise RuntimeError(f'login of {name} failed: {status} {body}')
        return body['Token']


def run_interview(api: Api, token: str, candidate: Candidate, persona: str, user: str, topic: dict,
                  language: str, errors: List[dict], first_answer: Optional[str] = None) -> dict:
    interview = {'persona': persona, 'user': user, 'topic': topic['id'], 'language': language, 'turns': [],
                 'finished': False, 'report': None, 'interview_id': None}
    status, body = api.call('POST', '/api/interviews/', {'topic': topic['id'], 'language': language}, token)
    if status != 201:
        errors.append({**_where(interview), 'step': 'create', 'status': status, 'body': body})
        return interview
    interview['interview_id'] = iid = body['interview']['id']
    interview['turns'].append({'role': 'assistant', 'text': body['response']})
    title = topic['title'].get(language, topic['id'])
    for n in range(MAX_ANSWERS):
        reply = interview['turns'][-1]['text']
        who = 'greeting' if first_answer and n == 0 else candidate.persona
        answer = first_answer if who == 'greeting' else candidate.answer(reply, language, title, first=n == 0)
        status, body = api.call('POST', f'/api/interviews/{iid}/messages/', {'user_input': answer}, token)
        if status == 400 and not answer.strip():  # a blank answer is refused by contract: say something
            interview.setdefault('blank_refused', 0)
            interview['blank_refused'] += 1
            answer = '...'
            status, body = api.call('POST', f'/api/interviews/{iid}/messages/', {'user_input': answer}, token)
        if status != 200:
            errors.append({**_where(interview, len(interview['turns'])), 'step': 'answer', 'status': status,
                           'body': body})
            break
        interview['turns'] += [{'role': 'user', 'text': answer, 'persona': who},
                               {'role': 'assistant', 'text': body['response']}]
        if body.get('interview', {}).get('status') == 'finished':
            interview['finished'] = True
            break
    if any(t['role'] == 'user' for t in interview['turns']):
        status, body = api.call('POST', f'/api/interviews/{iid}/report/', None, token)
        if status in (200, 201):
            interview['report'] = body
        else:
            errors.append({**_where(interview), 'step': 'report', 'status': status, 'body': body})
    return interview


def _purge(models) -> None:
    for model in models.ALL_MODELS:
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)


def run_all(topics: Optional[List[str]], languages: List[str], pairs: int, seed: int,
            progress=lambda text: None) -> tuple:
    """Every persona's interviews, then the greeting scenario. Returns (interviews, errors, topic ids)."""
    from chalice.test import Client
    from moto import mock_aws
    with mock_aws():
        from app import app
        from chalicelib import models, providers
        from scripts.bootstrap import ensure_bucket, ensure_tables
        models.reconnect()
        providers._s3_client.cache_clear()
        ensure_tables()
        ensure_bucket()
        with Client(app, stage_name='eval', project_dir=str(ROOT)) as client:
            api = Api(client.http)
            token = api.user('eval_catalogue')
            status, catalogue = api.call('GET', '/api/topics/', None, token)
            if status != 200:
                raise RuntimeError(f'GET /api/topics/ failed: {status} {catalogue}')
            available = {t['id']: t for t in catalogue['topics']}
            chosen = topics or list(available)
            unknown = [t for t in chosen if t not in available]
            if unknown:
                raise SystemExit(f"unknown topic(s): {', '.join(unknown)}; known: {', '.join(available)}")
            interviews, errors = [], []
            for persona in PERSONAS:
                user, candidate = f'eval_{persona}', Candidate(persona, seed)
                for topic_id in chosen:
                    # Fresh tables for each persona and topic: moto copies every table on each
                    # transaction, so a growing store makes the run quadratic. The user's history
                    # on this topic (both languages) is all a repeat across interviews needs.
                    _purge(models)
                    token = api.user(user)
                    for language in languages:
                        if language not in available[topic_id]['languages']:
                            continue
                        for _ in range(2 * pairs):
                            interviews.append(run_interview(api, token, candidate, persona, user,
                                                            available[topic_id], language, errors))
                progress(f'{persona}: {len(interviews)} interviews so far')
            _purge(models)
            token, candidate = api.user('eval_greeting'), Candidate('strong', seed)
            for language in languages:
                interviews.append(run_interview(api, token, candidate, 'greeting', 'eval_greeting',
                                                available[chosen[0]], language, errors,
                                                first_answer=GREETING[language]))
    return interviews, errors, chosen


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--topics', help='comma-separated topic ids (default: every topic of GET /api/topics/)')
    parser.add_argument('--languages', default='ko,en', help='comma-separated (default ko,en)')
    parser.add_argument('--pairs', type=int, default=1,
                        help='interview pairs per persona per topic and language (default 1)')
    parser.add_argument('--seed', type=int, default=0, help="the candidates' random seed")
    parser.add_argument('--openai-base-url', default=os.environ.get('OPENAI_BASE_URL'),
                        help='an OpenAI-compatible server to interview with (needs OPENAI_API_KEY)')
    parser.add_argument('--out', default=str(ROOT / 'docs' / 'eval'), help='where scorecard.md/.json go')
    parser.add_argument('--transcripts', action='store_true', help='also write transcripts.json to --out')
    args = parser.parse_args(argv)
    key = os.environ.get('OPENAI_API_KEY', '').strip()
    if args.openai_base_url and not key:
        print('--openai-base-url needs OPENAI_API_KEY in the environment', file=sys.stderr)
        return 2
    interviewer = prepare_environment(args.openai_base_url, key)
    languages = [x.strip() for x in args.languages.split(',') if x.strip()]
    topics = [x.strip() for x in args.topics.split(',') if x.strip()] if args.topics else None
    started = time.monotonic()
    interviews, errors, chosen = run_all(topics, languages, max(1, args.pairs), args.seed,
                                         progress=lambda text: print(text, file=sys.stderr, flush=True))
    run = {'interviewer': interviewer, 'topics': chosen, 'languages': languages, 'pairs': max(1, args.pairs),
           'seed': args.seed, 'seconds': round(time.monotonic() - started, 1),
           'when': datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
           'blank_answers_refused': sum(iv.get('blank_refused', 0) for iv in interviews)}
    card = scorecard(interviews, errors, run)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(card)
    (out / 'scorecard.md').write_text(text, encoding='utf-8')
    (out / 'scorecard.json').write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding='utf-8')
    if args.transcripts:
        (out / 'transcripts.json').write_text(json.dumps(interviews, ensure_ascii=False, indent=1), encoding='utf-8')
    print(text)
    print(f'written to {out}/scorecard.md and scorecard.json', file=sys.stderr)
    return 1 if card['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
