"""What a turn says when it cannot go ahead, in the interview's language.

A candidate in a Korean interview sees Korean, errors included; only the fixed English texts
of the original contract (docs/API.md Part 1, e.g. the daily-limit message) stay as they are.
"""
import re

from chalicelib.errors import ApiError

MODEL_UNAVAILABLE = {
    'en': ('The interviewer is unavailable right now. Nothing was saved and this did not count against '
           'your daily limit; please try again.'),
    'ko': '지금은 면접관이 응답할 수 없습니다. 아무것도 저장되지 않았고 오늘 사용량에도 포함되지 않았으니 다시 시도해 주세요.',
}
MODEL_FAILED_BILLED = {
    'en': ('The interviewer did not finish its reply. Nothing was saved, but the AI model was already '
           'called, so this counted as one of today\'s chats; please try again.'),
    'ko': '면접관이 답변을 끝내지 못했습니다. 아무것도 저장되지 않았지만 AI 모델이 이미 호출되어 오늘 사용량에 포함되었습니다. 다시 시도해 주세요.',
}
ACCOUNT_GONE = {
    'en': 'This account was deleted while the request was running, so nothing was saved.',
    'ko': '요청을 처리하는 동안 계정이 삭제되어 아무것도 저장되지 않았습니다.',
}
BUSY = {
    'en': 'Another answer to this interview is being processed. Please wait for it and try again.',
    'ko': '이 면접의 다른 답변을 처리하고 있습니다. 잠시 기다린 뒤 다시 보내 주세요.',
}
FINISHED = {
    'en': 'This interview has finished. Start a new one to keep practising: POST /api/interviews/.',
    'ko': '이 면접은 끝났습니다. 계속 연습하려면 새 면접을 시작해 주세요.',
}
ANSWER_REQUIRED = {
    'en': 'user_input is required: your answer, 1 to 4000 characters.',
    'ko': '답변(user_input)을 1자 이상 4000자 이하로 입력해 주세요.',
}
# Errors raised below the turn, in English, and their Korean; a pattern keeps the numbers.
KOREAN = [
    (re.compile(r'^user_input must be at most (\d+) characters \(it has (\d+)\)\.$'),
     r'답변(user_input)은 \1자 이하여야 합니다(지금 \2자).'),
    (re.compile(r'^interview_topic must be at most (\d+) characters \(it has (\d+)\)\.$'),
     r'면접 주제(interview_topic)는 \1자 이하여야 합니다(지금 \2자).'),
    (re.compile(r'^(user_input|interview_topic|language) must be a string\.$'), r'\1 값은 문자열이어야 합니다.'),
    (re.compile(r'^language must be one of: (.*)\.$'), r'언어는 다음 중 하나여야 합니다: \1.'),
    (re.compile(r"^Today's allowance of AI interviewer calls for the whole service is used up\..*$"),
     '오늘 서비스 전체의 AI 면접관 호출 한도가 모두 사용되었습니다. 내일 다시 시도해 주세요.'),
    (re.compile('^' + re.escape(MODEL_UNAVAILABLE['en']) + '$'), MODEL_UNAVAILABLE['ko']),
    (re.compile('^' + re.escape(BUSY['en']) + '$'), BUSY['ko']),
    (re.compile('^' + re.escape(MODEL_FAILED_BILLED['en']) + '$'), MODEL_FAILED_BILLED['ko']),
    (re.compile('^' + re.escape(ACCOUNT_GONE['en']) + '$'), ACCOUNT_GONE['ko']),
    (re.compile(r"^You have used today's allowance of AI interviewer calls\..*$"),
     '오늘 사용할 수 있는 AI 면접관 호출을 모두 사용했습니다. 자정에 초기화되니 내일 다시 연습해 주세요.'),
    (re.compile(r'^A report for this interview is being written'),
     '이 면접의 리포트를 작성하고 있습니다. 몇 초 뒤 다시 요청해 주세요.'),
    (re.compile(r'^A request with this Idempotency-Key is still being processed'),
     '같은 Idempotency-Key의 요청을 아직 처리하고 있습니다. 그 응답을 기다린 뒤 다시 시도해 주세요.'),
    (re.compile('^' + re.escape(FINISHED['en']) + '$'), FINISHED['ko']),
    (re.compile('^' + re.escape(ANSWER_REQUIRED['en']) + '$'), ANSWER_REQUIRED['ko']),
    (re.compile(r'^This interview has no answers yet'),
     '이 면접에는 아직 답변이 없어 피드백을 드릴 수 없습니다. 질문에 하나 이상 답해 주세요.'),
    (re.compile(r'^This interview has no report yet'), '이 면접에는 아직 리포트가 없습니다. 면접을 마치면 리포트가 만들어집니다.'),
    (re.compile(r'^The service is temporarily unavailable\. Please try again in a moment\.$'),
     '서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.'),
]


# Why a reply came without audio (audio.py, speech.py), for a Korean interview.
AUDIO_KOREAN = [
    (re.compile(r'^Spoken replies are turned off'), '이 서버에서는 음성 답변이 꺼져 있습니다.'),
    (re.compile(r'took too long'), '음성을 만드는 데 시간이 너무 걸려 이번 답변은 글로만 전달됩니다.'),
    (re.compile(r'could not be stored'), '음성을 저장하지 못해 이번 답변은 글로만 전달됩니다.'),
    (re.compile(r'^The offline speech engine .*not installed'), '오프라인 음성 엔진(espeak-ng, lame)이 설치되어 있지 않습니다.'),
    (re.compile(r'.'), '음성을 만들지 못해 이번 답변은 글로만 전달됩니다.'),
]


def audio_error_in_language(reason: str, language: str) -> str:
    if language != 'ko':
        return reason
    return next(korean for pattern, korean in AUDIO_KOREAN if pattern.search(reason))


def in_language(error: ApiError, language: str) -> ApiError:
    """The same error, its message in `language` when we have it (Part 1's fixed texts stay)."""
    if language != 'ko':
        return error
    for pattern, korean in KOREAN:
        if pattern.match(error.message):
            error.message = pattern.sub(korean, error.message)
            break
    return error
