"""The built-in interview topics and the languages each can be practised in."""
from chalicelib.interviewers.base import LANGUAGES, SPEECH_LANG
from chalicelib.interviewers.bank import topics as question_banks


def catalogue() -> dict:
    """GET /api/topics/. Any other topic may be typed as free text (up to 100 characters)."""
    listed = []
    for topic in question_banks().values():
        languages = [code for code in LANGUAGES if code in topic['title']]
        listed.append({'id': topic['id'], 'title': topic['title'], 'languages': languages,
                       'questions': len(topic['questions']), 'criteria': topic.get('criteria', [])})
    return {'topics': sorted(listed, key=lambda t: (t['id'] != 'general', t['id'])),
            'languages': [{'code': code, 'name': name, 'speech_lang': SPEECH_LANG[code]}
                          for code, name in LANGUAGES.items()],
            'free_text_topics': True}
