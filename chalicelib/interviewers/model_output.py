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

_NOTES_WORD = (r'(?:(?:private|hidden|interviewer|internal|비공개|면접관|내부)\s*)?'
               r'(?:notes?(?:\s+to\s+self)?|메모|노트|assessment)')
# Markers that can only mean "notes start here", wherever they stand.
_MARKER_ANYWHERE = (rf'\#{{2,}}\s*{_NOTES_WORD}(?:\s*\#{{2,}})?:?'
                    rf'|\*\*\s*{_NOTES_WORD}\s*:?\s*\*\*:?'
                    rf'|\(\s*{_NOTES_WORD}\s*:'
                    rf'|\[\s*{_NOTES_WORD}\s*\]:?'
                    rf'|(?<=[.?!？。])[ \t]+{_NOTES_WORD}[ \t]*[:：\-–—]')  # "…? NOTES: …" after a sentence
# Markers that read like an ordinary word mid-sentence, so only count at a line start: a label
# with a colon or dash ("Notes -", "- *Notes:*", "면접관 메모:"), or a heading alone on its line.
_MARKER_LINE_START = (rf'(?:^|(?<=\n))[ \t]*(?:[-*•>]+[ \t]*)?(?:[*_]{{1,2}}[ \t]*)?(?:\#{{1,}}[ \t]*)?'
                      rf'{_NOTES_WORD}[ \t]*(?:[*_]{{1,2}}[ \t]*)?(?:[:：\-–—]|(?=\n)|$)')
NOTES_MARKER = re.compile(f'{_MARKER_ANYWHERE}|{_MARKER_LINE_START}', re.IGNORECASE)
# A notes label left anywhere in what would be spoken: the reply is not spoken.
NOTES_LABEL = re.compile(rf'{_NOTES_WORD}\s*[:：]|(?:^|\s)(?:notes?|메모)\s*[-–—]\s', re.IGNORECASE)
# A model labelling its own reply ("### Response:", "Reply:") says the label; it is dropped.
OWN_LABEL = re.compile(r'^\s*(?:\#+\s*)?(?:reply|response|answer|interviewer|면접관|답변)\s*[:：]\s*', re.IGNORECASE)
# A model writing the conversation on ("Candidate: …", "Interviewer: Great!"): speech ends there.
ROLE_LINE = re.compile(r'\n\s*(?:\#+\s*)?(?:candidate|interviewer|user|assistant|human|ai|지원자|면접관)\s*[:：]',
                       re.IGNORECASE)
# Scripts no English or Korean interview is spoken in (Chinese, Japanese kana, Cyrillic, Arabic, Thai…).
OTHER_SCRIPT = re.compile(r'[\u0400-\u052f\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]')

# Chat-template control tokens a model may leak when its template and the server disagree.
TEMPLATE_TOKEN = re.compile(
    r'<<\s*/?\s*SYS\s*>>|\[/?\s*(?:INST|SYS)\s*\]|<[|｜][^<>\n]{1,40}[|｜]>'
    r'|</?(?:s|bos|eos|pad|unk)>|</?[a-z]+(?:_[a-z]+)+>', re.IGNORECASE)
HTML_TAG = re.compile(r'</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>')
HTML_ENTITY = re.compile(r'&(?:[a-zA-Z]{2,8};|#\d{2,6};?|#x[0-9a-fA-F]{1,6};?|(?:lt|gt|amp|quot)(?![a-zA-Z]{2}))')
MARKDOWN_LINK = re.compile(r'!?\[([^\]\n]*)\]\([^)\n]*\)')
MARKDOWN = re.compile(r'\*\*|__|`+|~~|^\s*(?:[-*+#>]+|\d+[.)])\s+|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)',
                      re.MULTILINE)
HANGUL = re.compile(r'[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]')
# Polite Korean question endings that are often written without a question mark, and requests to
# answer ("설명해 주세요", "자기소개 부탁드립니다"); not every "-세요" ("잠시만 기다려 주세요" asks nothing).
KOREAN_QUESTION_ENDING = re.compile(
    r'(?:까요|나요|가요|주시겠어요|[습입]니까|할래요|볼래요'
    r'|(?:설명|말씀|소개|이야기|얘기|답|공유|정리|비교|들려|알려|말해|생각해 ?보|떠올려 ?보|예를 들어|꼽아|짚어 ?보)'
    r'\S*\s*(?:주|보)?(?:세요|십시오)'
    r'|(?:소개|설명|말씀|답변|이야기)\S*\s*부탁(?:드립니다|드려요|합니다))\s*[.!]?\s*$')
SENTENCE_END = re.compile(r'[.!?。？！…]["\'”’)\]」』]*$|(?:다|요)$')

ECHO_CHARS = {'ko': 28, 'en': 40}  # a shared run this long is copying, not coincidence
ECHO_LINE_CHARS = 24
ECHO_SENTENCE_CHARS = 16  # a whole sentence of any fixed prompt text this long, said in a reply, is an echo
NEAR_REPEAT_RATIO = 0.9


@dataclass(frozen=True)
class ParsedReply:
    spoken: str  # cleaned: what the candidate reads and hears
    notes: Optional[str]
    raw_spoken: str  # before cleaning, kept for the markup check


def parse_reply(raw: str, language: str = 'en', question_due: bool = True, answer: str = '') -> ParsedReply:
    """The spoken text and the notes of a model's reply, in any of the shapes models use.
    JSON the candidate typed (`answer`) and the model quoted back is neither reply nor notes."""
    raw = _without_quoted_answer(raw, answer)
    data = json_object(raw, REPLY_KEYS)
    if data is not None:
        spoken, extra = split_notes(_as_text(_first(data, REPLY_KEYS)), language, trusted=True,
                                    question_due=question_due, typed=answer)
        notes = ' '.join(filter(None, [_as_text(_first(data, NOTES_KEYS)), extra])) or None
    else:
        raw, notes_object = _take_notes_object(raw)
        broken = _fields_of_broken_json(raw)
        if broken[0] is None and raw.strip().startswith('{') and raw.strip().endswith('}'):
            raw = ''  # an object with no reply in it ("{}", as a weak model answers) says nothing
        spoken, notes = split_notes(broken[0] or raw, language, trusted=False, question_due=question_due)
        notes = ' '.join(filter(None, [notes_object, broken[1] or notes])) or None
    spoken = OWN_LABEL.sub('', ROLE_LINE.split(spoken, 1)[0])
    return ParsedReply(clean_spoken(spoken), ' '.join(notes.split()) if notes else None, spoken)


def json_object(raw: str, wanted_keys: Iterable[str] = ()) -> Optional[dict]:
    """The first JSON object in `raw` (bare, fenced, or amid prose) having one of `wanted_keys`."""
    found = next(_json_objects(raw, wanted_keys), None)
    return found[0] if found else None


def _json_objects(raw: str, wanted_keys: Iterable[str] = ()):
    """(object, start, end) of each JSON object in `raw` having one of `wanted_keys`."""
    # An integer too long for int() (over 4,300 digits) becomes a float, to be refused as a score
    # rather than make the whole object unreadable; nesting too deep to decode is no object.
    decoder = json.JSONDecoder(parse_int=lambda digits: int(digits) if len(digits) <= 100 else float(digits))
    wanted = tuple(wanted_keys)
    for start in [m.start() for m in re.finditer(r'\{', raw)][:30]:
        try:
            value, end = decoder.raw_decode(raw, start)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict) and (not wanted or any(key in value for key in wanted)):
            yield value, start, end


def _without_quoted_answer(raw: str, answer: str) -> str:
    """`raw` without the JSON the candidate typed, where the model quoted it back."""
    if '{' not in (answer or ''):
        return raw
    typed = _normalized(answer)
    for _, start, end in reversed(list(_json_objects(raw))):
        if _normalized(raw[start:end]) in typed:
            raw = raw[:start] + ' ' + raw[end:]
    return raw.replace(answer.strip(), ' ') if answer.strip() in raw else raw


def _take_notes_object(raw: str):
    """(raw without it, its notes) for a notes-only JSON object standing beside plain text."""
    for value, start, end in _json_objects(raw, NOTES_KEYS):
        if not any(key in value for key in REPLY_KEYS):
            return raw[:start] + ' ' + raw[end:], _as_text(_first(value, NOTES_KEYS)) or None
    return raw, None


def split_notes(text: str, language: str = 'en', trusted: bool = False, question_due: bool = True,
                typed: str = ''):
    """(spoken, notes) split at a notes marker.

    A candidate can type a marker and a model may repeat it before its real question, so the
    first marker with a question before it wins. Failing that, plain text splits at the first
    marker (losing the question fails the check; leaking notes could not be taken back). In a
    JSON "reply" field, which is meant to be spoken, a marker the candidate typed is only
    dropped, and notes with the question on a later line are taken out from between them."""
    markers = list(NOTES_MARKER.finditer(text))
    if not markers:
        return text, None
    for marker in markers:
        if has_question(text[:marker.start()], language):
            return text[:marker.start()], text[marker.end():].strip(' \n)]') or None
    first = markers[0]
    typed = (typed or '').lower()
    if trusted and all(m.group(0).strip().lower() in typed for m in markers):
        return NOTES_MARKER.sub(' ', text), None  # only the candidate's own marker, quoted back
    if trusted and question_due and has_question(text[first.end():], language):
        # Notes in the middle of a JSON reply, its question on a line of its own after them.
        lines = text[first.end():].split('\n')
        for i in range(1, len(lines)):
            if has_question('\n'.join(lines[i:]), language) and not NOTES_MARKER.search('\n'.join(lines[i:])):
                return text[:first.start()] + '\n' + '\n'.join(lines[i:]), '\n'.join(lines[:i]).strip() or None
    return text[:first.start()], text[first.end():].strip(' \n)]') or None


def clean_spoken(text: str) -> str:
    """Plain sentences for reading and speech: no template tokens, HTML or markdown."""
    text = html.unescape(_entities_closed(text))  # first, so an encoded tag is stripped like a tag
    text = TEMPLATE_TOKEN.sub(' ', text)
    text = HTML_TAG.sub(' ', text)
    text = MARKDOWN_LINK.sub(r'\1', text)
    text = MARKDOWN.sub('', text)
    text = NOTES_MARKER.sub(' ', text)
    text = ' '.join(text.split())
    return re.sub(r'\s+([.,!?])', r'\1', text).strip()


def has_markup(text: str) -> bool:
    decoded = html.unescape(_entities_closed(text))  # keeps every tag of `text`, and shows encoded ones
    return bool(HTML_ENTITY.search(text) or TEMPLATE_TOKEN.search(decoded) or HTML_TAG.search(decoded))


def _entities_closed(text: str) -> str:
    """'&ltb&gt' read as '&lt;b&gt;', so an entity without its semicolon cannot smuggle a tag."""
    return re.sub(r'&(lt|gt|amp|quot)(?!;)', r'&\1;', text)


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
    if OTHER_SCRIPT.search(text):
        return False
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
    sentences = (_normalized(part) for part in re.split(r'\n+|(?<=[.!?。:：])\s+', instructions))
    if any(len(sentence) >= ECHO_SENTENCE_CHARS and sentence in said for sentence in sentences):
        return True
    words = said.split()
    known = set(told.split())
    return len(words) >= 20 and sum(1 for w in words if w in known) / len(words) >= 0.85


def repeats(text: str, earlier: Iterable[str]) -> bool:
    """Whether the reply is (nearly) one the interviewer already gave in this interview."""
    said = _normalized(text)
    asked = {_normalized(q) for q in _questions_in(text)}
    for before in earlier:
        cleaned = clean_spoken(before)
        if asked & {_normalized(q) for q in _questions_in(cleaned)}:
            return True  # the same question behind a new lead-in
        before = _normalized(cleaned)
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
    if has_markup(parsed.raw_spoken) or re.search(r'[{}|｜]', text):  # braces: JSON left in the words
        return 'markup'
    if NOTES_LABEL.search(text):
        return 'notes'
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


def _questions_in(text: str) -> list:
    """Its question sentences long enough to be a real question (not "Why?")."""
    sentences = re.split(r'(?<=[.!?？。])\s+', text.strip())
    return [s for s in sentences if len(s) >= 15 and s.rstrip().endswith(('?', '？'))]


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
