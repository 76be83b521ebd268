"""Reading a candidate's answer: which key points it mentions, matched as words, not substrings."""
import re
from typing import List

# A keyword counts only where a word starts: Latin "index" matches "indexes" but "get" not
# "target"; Korean stems carry their particles after them, so "멱등" matches "멱등성을" but
# "주도" does not match "제주도".
WORD_START = r'(?<![\w])'


def mentions(text: str, keyword: str) -> bool:
    """Whether `text` mentions `keyword` at a word start (case-insensitive)."""
    return re.search(WORD_START + re.escape(keyword.lower()), text.lower()) is not None


def points_mentioned(points: List[dict], answer: str) -> List[dict]:
    """The key points any of whose keywords the answer mentions."""
    text = answer.lower()
    return [p for p in points if any(mentions(text, word) for word in p.get('keywords', []))]


def key_point_coverage(question: dict, answer: str) -> float:
    """Share of the question's key points the answer mentions (1.0 when it has none)."""
    points = question.get('key_points', [])
    if not points:
        return 1.0
    return len(points_mentioned(points, answer)) / len(points)
