"""The built-in question banks and fixed phrases, shipped as data and loaded once per container.

Both the offline interviewer and the offline report read them, so they live here, below both.
"""
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

DATA_DIR = Path(__file__).resolve().parent.parent / 'data'
FALLBACK_TOPIC = 'general'


@lru_cache(maxsize=1)
def topics() -> dict:
    """Every built-in topic by id."""
    loaded = {}
    for path in sorted((DATA_DIR / 'topics').glob('*.json')):
        topic = json.loads(path.read_text(encoding='utf-8'))
        loaded[topic['id']] = topic
    return loaded


@lru_cache(maxsize=1)
def phrases() -> dict:
    return json.loads((DATA_DIR / 'phrases.json').read_text(encoding='utf-8'))


def names_of(topic: dict) -> list:
    return [topic['id'], *topic['title'].values(), *topic.get('aliases', [])]


def resolve_topic(text: Optional[str]) -> dict:
    """The bank a free-text topic names: an exact id, title or alias first; else the bank whose
    aliases appear in the text, the longest alias winning ("iOS 개발자" is mobile, not the
    general bank's "개발자"); the general bank only when nothing else matches."""
    bank = topics()
    needle = ' '.join((text or '').lower().split())
    if not needle:
        return bank[FALLBACK_TOPIC]
    for topic in bank.values():
        if any(name.lower() == needle for name in names_of(topic)):
            return topic
    best, best_length = None, 0
    for topic in bank.values():
        for alias in topic.get('aliases', []):
            alias = alias.lower()
            if len(alias) >= 2 and _contains_word(needle, alias):
                # A specific bank beats the general one even with a shorter alias.
                length = len(alias) + (0 if topic['id'] == FALLBACK_TOPIC else 100)
                if length > best_length:
                    best, best_length = topic, length
    return best or bank[FALLBACK_TOPIC]


def _contains_word(text: str, word: str) -> bool:
    """`word` at a word start in `text` (Latin: whole word or prefix; Korean: a token's start)."""
    return re.search(r'(?<![\w])' + re.escape(word), text) is not None


@lru_cache(maxsize=32)
def topic_keywords(topic_id: str) -> frozenset:
    """Every key-point keyword of a bank: what an answer on that topic might mention."""
    return frozenset(w for q in topics()[topic_id]['questions'] for p in q['key_points'] for w in p['keywords'])


def bank_questions(topic: Optional[str]) -> Iterator[dict]:
    """Every bank question, those of the topic's own bank first."""
    first = resolve_topic(topic)
    yield from first['questions']
    for other in topics().values():
        if other['id'] != first['id']:
            yield from other['questions']


def question_by_id(question_id: Optional[str]) -> Optional[dict]:
    if not question_id:
        return None
    for topic in topics().values():
        for question in topic['questions']:
            if question['id'] == question_id:
                return question
    return None
