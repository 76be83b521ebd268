"""Reading a model's reply and deciding whether it may be spoken.

A model is asked for {"reply": ..., "notes": ...}, but small or older models answer with JSON
wrapped in prose or code fences, or with plain text and notes after a heading of their own
choosing. Whatever the shape, the notes must never reach the spoken text, so parsing is
tolerant; the check is strict, because whatever passes is read aloud to the candidate.
"""
import html
import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterable, Optional

REPLY_SCHEMA = {
    'type': 'object',
    'properties': {'reply': {'type': 'string'}, 'notes': {'type': 'string'}},
    'required': ['reply', 'notes'],
    'additionalProperties': False,
}
REPLY_KEYS = ('reply', 'response', 'spoken', 'text', 'message', 'question')
NOTES_KEYS = ('notes', 'note', 'private_notes')

_NOTES_WORD = r'(?:private\s+|hidden\s+|interviewer\s+|비공개\s*)?(?:notes?|메모|노트)'
# Markers that can only mean "notes start here", wherever they stand.
_MARKER_ANYWHERE = (rf'\#{{2,}}\s*{_NOTES_WORD}\s*\#{{2,}}:?'
                    rf'|\*\*\s*{_NOTES_WORD}\s*:?\s*\*\*:?'
                    rf'|\(\s*{_NOTES_WORD}\s*:'
                    rf'|\[\s*{_NOTES_WORD}\s*\]:?')
# Markers that read like an ordinary word mid-sentence, so only count at a line start.
_MARKER_LINE_START = rf'(?:^|(?<=\n))[ \t]*(?:\#{{1,}}\s*{_NOTES_WORD}\s*:?|{_NOTES_WORD}\s*:)'
NOTES_MARKER = re.compile(f'{_MARKER_ANYWHERE}|{_MARKER_LINE_START}', re.IGNORECASE)

# Chat-template control tokens a model may leak when its template and the server disagree.
TEMPLATE_TOKEN = re.compile(
    r'<<\s*/?\s*SYS\s*>>|\[/?\s*(?:INST|SYS)\s*\]|<\|[^|<>\n]{1,40}\|>'
    r'|</?(?:s|bos|eos|pad|unk|start_of_turn|end_of_turn)>', re.IGNORECASE)
HTML_TAG = re.compile(r'</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>')
HTML_ENTITY = re.compile(r'&(?:[a-zA-Z]{2,8}|#\d{2,5});')
MARKDOWN_LINK = re.compile(r'!?\[([^\]\n]*)\]\([^)\n]*\)')
MARKDOWN = re.compile(r'\*\*|__|`+|~~|^\s*(?:[-*+#>]+|\d+[.)])\s+|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)',
                      re.MULTILINE)
HANGUL = re.compile(r'[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]')
# Polite Korean question endings that are often written without a question mark.
KOREAN_QUESTION_ENDING = re.compile(r'(?:세요|까요|나요|가요|주시겠어요|[습입]니까|십시오|할래요|볼래요)\s*[.!]?\s*$')
SENTENCE_END = re.compile(r'[.!?。？！…]["\'”’)\]」』]*$|(?:다|요)$')

ECHO_CHARS = {'ko': 28, 'en': 40}  # a shared run this long is copying, not coincidence
ECHO_LINE_CHARS = 24
NEAR_REPEAT_RATIO = 0.9


@dataclass(frozen=True)
class ParsedReply:
    spoken: str  # cleaned: what the candidate reads and hears
    notes: Optional[str]
    raw_spoken: str  # before cleaning, kept for the markup check


def parse_reply(raw: str, language: str = 'en', question_due: bool = True) -> ParsedReply:
    """The spoken text and the notes of a model's reply, in any of the shapes models use."""
    data = json_object(raw, REPLY_KEYS)
    if data is not None:
        spoken, extra = split_notes(_as_text(_first(data, REPLY_KEYS)), language, trusted=True,
                                    question_due=question_due)
        notes = ' '.join(filter(None, [_as_text(_first(data, NOTES_KEYS)), extra])) or None
    else:
        broken = _fields_of_broken_json(raw)
        if broken[0] is None and raw.strip().startswith('{') and raw.strip().endswith('}'):
            raw = ''  # an object with no reply in it ("{}", as a weak model answers) says nothing
        spoken, notes = split_notes(broken[0] or raw, language, trusted=False, question_due=question_due)
        notes = broken[1] or notes
    return ParsedReply(clean_spoken(spoken), ' '.join(notes.split()) if notes else None, spoken)


def json_object(raw: str, wanted_keys: Iterable[str] = ()) -> Optional[dict]:
    """The first JSON object in `raw` (bare, fenced, or amid prose) having one of `wanted_keys`."""
    # An integer too long for int() (over 4,300 digits) becomes a float, to be refused as a score
    # rather than make the whole object unreadable; nesting too deep to decode is no object.
    decoder = json.JSONDecoder(parse_int=lambda digits: int(digits) if len(digits) <= 100 else float(digits))
    wanted = tuple(wanted_keys)
    for start in [m.start() for m in re.finditer(r'\{', raw)][:30]:
        try:
            value, _ = decoder.raw_decode(raw, start)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict) and (not wanted or any(key in value for key in wanted)):
            return value
    return None


def split_notes(text: str, language: str = 'en', trusted: bool = False, question_due: bool = True):
    """(spoken, notes) split at a notes marker.

    A candidate can type a marker and a model may repeat it before its real question, so the
    first marker with a question before it wins. Failing that, plain text splits at the first
    marker (losing the question fails the check; leaking notes could not be taken back),
    while a JSON "reply" field, which is meant to be spoken, is only split when no question
    follows the marker."""
    markers = list(NOTES_MARKER.finditer(text))
    if not markers:
        return text, None
    for marker in markers:
        if has_question(text[:marker.start()], language):
            return text[:marker.start()], text[marker.end():].strip(' \n)]') or None
    first = markers[0]
    if trusted and question_due and has_question(text[first.end():], language):
        return NOTES_MARKER.sub(' ', text), None
    return text[:first.start()], text[first.end():].strip(' \n)]') or None


def clean_spoken(text: str) -> str:
    """Plain sentences for reading and speech: no template tokens, HTML or markdown."""
    text = TEMPLATE_TOKEN.sub(' ', text)
    text = HTML_TAG.sub(' ', text)
    text = html.unescape(text)
    text = MARKDOWN_LINK.sub(r'\1', text)
    text = MARKDOWN.sub('', text)
    text = NOTES_MARKER.sub(' ', text)
    text = ' '.join(text.split())
    return re.sub(r'\s+([.,!?])', r'\1', text).strip()


def has_markup(text: str) -> bool:
    return bool(TEMPLATE_TOKEN.search(text) or HTML_TAG.search(text) or HTML_ENTITY.search(text))


def has_question(text: str, language: str = 'en') -> bool:
    if '?' in text or '？' in text:
        return True
    return language == 'ko' and any(KOREAN_QUESTION_ENDING.search(sentence)
                                    for sentence in re.split(r'(?<=[.!])\s+', text.strip()))


def ends_cleanly(text: str) -> bool:
    return bool(SENTENCE_END.search(text.strip()))


def in_language(text: str, language: str) -> bool:
    """Korean: most words carry Hangul (technical terms in Latin letters are fine, and a
    particle makes "Redis와" a Korean word). English: no Hangul at all."""
    if language != 'ko':
        return not HANGUL.search(text)
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return bool(words) and sum(1 for w in words if HANGUL.search(w)) / len(words) > 0.5


def echoes(text: str, instructions: str, language: str) -> bool:
    """Whether the reply copies the instructions: a long shared run of characters, one of
    their distinctive lines, or a long reply made almost only of their words."""
    said, told = _normalized(text), _normalized(instructions)
    if not said or not told:
        return False
    run = SequenceMatcher(None, said, told, autojunk=False).find_longest_match(0, len(said), 0, len(told))
    if run.size >= ECHO_CHARS.get(language, 40):
        return True
    lines = (_normalized(line.strip(' -*')) for line in instructions.splitlines())
    if any(len(line) >= ECHO_LINE_CHARS and line in said for line in lines):
        return True
    words = said.split()
    known = set(told.split())
    return len(words) >= 20 and sum(1 for w in words if w in known) / len(words) >= 0.85


def repeats(text: str, earlier: Iterable[str]) -> bool:
    """Whether the reply is (nearly) one the interviewer already gave in this interview."""
    said = _normalized(text)
    for before in earlier:
        before = _normalized(clean_spoken(before))
        if said == before:
            return True
        matcher = SequenceMatcher(None, said, before, autojunk=False)
        if matcher.quick_ratio() >= NEAR_REPEAT_RATIO and matcher.ratio() >= NEAR_REPEAT_RATIO:
            return True
    return False


def check_reply(parsed: ParsedReply, finish_reason: Optional[str], language: str, instructions: str,
                earlier_replies: Iterable[str], question_due: bool) -> Optional[str]:
    """Why this reply may not be spoken (a fixed phrase naming the problem, safe to log and
    never containing the candidate's words), or None when it may."""
    text = parsed.spoken
    if not text:
        return 'empty'
    if has_markup(parsed.raw_spoken):
        return 'markup'
    if echoes(text, instructions, language):
        return 'echo'
    if finish_reason == 'length' or not ends_cleanly(text):
        return 'cut off'
    if repeats(text, earlier_replies):
        return 'repeat'
    if question_due and not has_question(text, language):
        return 'no question'
    if not in_language(text, language):
        return 'wrong language'
    return None


# -- internals ------------------------------------------------------------------------------------
def _first(data: dict, keys: Iterable[str]):
    return next((data[key] for key in keys if key in data), None)


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ' '.join(_as_text(item) for item in value)
    return ''  # a number or an object is nothing to say aloud ({"reply": 150} from a weak model)


def _fields_of_broken_json(raw: str):
    """(reply, notes) strings of JSON that does not parse (a trailing comma, a cut-off notes
    field), so its braces and keys are never spoken; None for a field not found."""
    return _string_field(raw, REPLY_KEYS), _string_field(raw, NOTES_KEYS)


def _string_field(raw: str, keys: Iterable[str]) -> Optional[str]:
    found = re.search(r'"(?:%s)"\s*:\s*"((?:[^"\\]|\\.)*)"' % '|'.join(keys), raw)
    if not found:
        return None
    try:
        return json.loads(f'"{found.group(1)}"')
    except ValueError:
        return found.group(1)


def _normalized(text: str) -> str:
    return ' '.join(re.sub(r'[^\w\s]', ' ', text.lower()).split())
