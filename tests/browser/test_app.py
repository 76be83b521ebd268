"""The web app (web/) in headless Chromium against the real local stack: a candidate signs up,
logs in, is interviewed in Korean to the end, reads the report, reaches the daily limit,
exports their data and deletes the account; and the failures a page must survive (an expired
token, a 503, a lost connection, a double click) are shown plainly and cost nothing twice.

Every page is saved at desktop and phone widths in artifacts/screenshots/ (the `screenshot`
fixture). The tests read only what a person sees, plus the requests the page sends.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest

PASSWORD = 'correct horse battery staple'
ANSWERS = [
    '저는 파이썬으로 백엔드 서비스를 5년간 만들었습니다. 예를 들어 인덱스를 추가해서 조회 시간을 절반으로 줄였습니다.',
    '먼저 새 컬럼을 추가하고, 이중 쓰기와 백필을 한 뒤 읽기를 옮기고, 마지막에 옛 컬럼을 삭제합니다.',
    '모니터링 지표와 로그로 범위를 좁히고, 최근 배포를 확인한 다음 느린 쿼리를 찾아 개선합니다.',
    '캐시는 TTL과 무효화 전략이 중요하고, 일관성과 성능 사이의 트레이드오프를 고려해야 합니다.',
    '팀에서 코드 리뷰 문화를 만들 때 체크리스트를 도입해서 장애를 줄인 경험이 있습니다.',
    '메시지 큐는 비동기 처리와 재시도를 위해 사용하며, 멱등성을 보장하도록 설계합니다.',
]
MESSAGES_URL = re.compile(r'/api/interviews/[^/]+/messages/?$')


# -- helpers --------------------------------------------------------------------------------

def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def fits_a_phone(page) -> None:
    """At 390px nothing is wider than the screen (no sideways scrolling)."""
    original = page.viewport_size
    page.set_viewport_size({'width': 390, 'height': 844})
    page.wait_for_timeout(100)
    width = page.evaluate('document.documentElement.scrollWidth')
    page.set_viewport_size(original)
    assert width <= 390, f'the page is {width}px wide at 390px'


def no_uncaught_errors(console_errors: list) -> None:
    assert [e for e in console_errors if e.startswith('uncaught')] == []


def shows_no_undefined(page) -> None:
    text = page.inner_text('body')
    assert 'undefined' not in text and 'null' not in text.split(), text[:2000]


def answer_posts(page) -> list:
    """Every POST the page sends to an interview's messages route, in order: (key, body)."""
    sent: list = []

    def on_request(request) -> None:
        if request.method == 'POST' and MESSAGES_URL.search(request.url.split('?')[0]):
            sent.append((request.headers.get('idempotency-key'), request.post_data))

    page.on('request', on_request)
    return sent


def log_in_with_token(page, token: str, username: str, ui_lang: str = 'en') -> None:
    """Put a session in the page's storage, as logging in would."""
    page.goto('/')
    page.wait_for_selector(tid('login-form'))
    page.evaluate('([token, name, lang]) => { localStorage.setItem("mi.token", token);'
                  ' localStorage.setItem("mi.username", name); localStorage.setItem("mi.lang", lang); }',
                  [token, username, ui_lang])


def assistant_count(page) -> int:
    return page.locator(tid('message-assistant')).count()


def send_answer(page, text: str) -> None:
    """Type an answer, press Enter, and wait for the interviewer's reply (or a message)."""
    before = assistant_count(page)
    page.fill(tid('answer-input'), text)
    page.press(tid('answer-input'), 'Enter')
    page.wait_for_function(
        '([n]) => document.querySelectorAll(\'[data-testid="message-assistant"]\').length > n'
        ' || document.querySelector(\'[data-testid="limit-message"]\')', arg=[before])


def answer_the_first_post_with(page, status: int, error: str, retry_after: int) -> list:
    """The first answer the page posts gets this error (as the API would send it, with
    Retry-After readable across origins); later ones reach the API. Returns the Idempotency-Key
    of the answer that was refused, once it was."""
    served: list = []

    def once(route) -> None:
        if route.request.method == 'POST' and not served:
            served.append(route.request.headers.get('idempotency-key'))
            route.fulfill(status=status, body=json.dumps({'error': error}), headers={
                'Content-Type': 'application/json', 'Retry-After': str(retry_after),
                'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After'})
        else:
            route.fallback()

    page.route(MESSAGES_URL, once)
    return served


# -- the whole journey ----------------------------------------------------------------------

def test_a_candidate_signs_up_practises_in_korean_and_deletes_the_account(page, web_stack, screenshot, console_errors):
    speech_on = web_stack.settings.get('SPEECH_PROVIDER', 'none') != 'none'
    daily_limit = int(web_stack.settings.get('DAILY_CHAT_LIMIT', '8'))
    taken = web_stack.new_user(login=False)
    name = 'w' + uuid.uuid4().hex[:10]

    # The interface starts in the browser's language (English here) and switches to Korean,
    # which it remembers.
    page.goto('/')
    page.wait_for_selector(tid('login-form'))
    assert page.get_attribute('html', 'lang') == 'en'
    screenshot('app-login')
    page.click(tid('ui-lang-ko'))
    page.wait_for_selector('h1:has-text("다시 오신 것을 환영합니다")')
    page.reload()
    page.wait_for_selector(tid('login-form'))
    assert page.get_attribute('html', 'lang') == 'ko'
    assert page.get_attribute(tid('ui-lang-ko'), 'aria-pressed') == 'true'

    # Sign up: each of the API's errors appears next to the field it is about.
    page.click(tid('to-register'))
    page.wait_for_selector(tid('register-form'))
    page.get_by_label('아이디').fill('a')
    page.get_by_label('이메일').fill(f'{name}@example.com')
    page.get_by_label('비밀번호', exact=True).fill(PASSWORD)
    page.get_by_label('비밀번호 확인').fill(PASSWORD)
    page.click(tid('register-submit'))
    expect_text(page, tid('error-username'), 'username must be')
    page.get_by_label('아이디').fill(taken.username)
    page.click(tid('register-submit'))
    expect_text(page, tid('error-username'), 'Username already exists.')
    page.get_by_label('아이디').fill(name)
    page.get_by_label('비밀번호', exact=True).fill('password1')
    page.get_by_label('비밀번호 확인').fill('password1')
    page.click(tid('register-submit'))
    expect_text(page, tid('error-password'), 'password is too easy to guess.')
    assert page.get_attribute(tid('password-input'), 'aria-invalid') == 'true'
    screenshot('app-register-errors')
    page.get_by_label('비밀번호', exact=True).fill(PASSWORD)
    page.get_by_label('비밀번호 확인').fill(PASSWORD)
    page.click(tid('register-submit'))
    page.wait_for_selector(tid('start-form'))

    # Log out, then log in: a wrong password is said in place; the session survives a reload.
    page.click(tid('logout-button'))
    page.wait_for_selector(tid('login-form'))
    assert page.evaluate('localStorage.getItem("mi.token")') is None
    page.get_by_label('아이디').fill(name)
    page.get_by_label('비밀번호').fill('not the password')
    page.click(tid('login-submit'))
    expect_text(page, tid('form-error'), 'Invalid credentials.')
    page.get_by_label('비밀번호').fill(PASSWORD)
    page.click(tid('login-submit'))
    page.wait_for_selector(tid('start-form'))
    page.reload()
    page.wait_for_selector(tid('start-form'))
    expect_text(page, tid('quota'), f'{daily_limit}/{daily_limit}')
    expect_text(page, 'h1', name)
    page.wait_for_selector(f'{tid("topic-select")} option[value="backend"]', state='attached')
    screenshot('app-home-empty')

    # Start an interview on a built-in topic in Korean.
    page.select_option(tid('topic-select'), 'backend')
    page.check(tid('start-lang-ko'), force=True)
    page.click(tid('start-button'))
    page.wait_for_selector(tid('message-assistant'))
    assert '백엔드' in page.inner_text(tid('interview-title'))
    expect_text(page, tid('quota'), f'{daily_limit - 1}/{daily_limit}')
    recognition = page.evaluate('"SpeechRecognition" in window || "webkitSpeechRecognition" in window')
    assert page.locator(tid('mic-button')).count() == (1 if recognition else 0)

    posts = answer_posts(page)
    # An empty answer and one over 4000 characters are stopped in the page.
    page.press(tid('answer-input'), 'Enter')
    expect_text(page, tid('answer-error'), '먼저 답변을 입력해 주세요')
    page.fill(tid('answer-input'), '가' * 4001)
    expect_text(page, tid('answer-counter'), '4,001 / 4,000')
    expect_text(page, tid('answer-error'), '1자 깁니다')
    page.click(tid('send-button'))
    page.wait_for_timeout(300)
    assert posts == []

    # Shift+Enter is a new line, not a send.
    page.fill(tid('answer-input'), '첫 줄')
    page.press(tid('answer-input'), 'Shift+Enter')
    page.type(tid('answer-input'), '둘째 줄')
    assert page.input_value(tid('answer-input')) == '첫 줄\n둘째 줄'
    assert posts == []

    # Typed answer, Enter sends: "thinking" while the reply comes, then the reply with a
    # playable audio link.
    page.evaluate('''() => { window.__sawThinking = false;
        new MutationObserver(() => { const el = document.querySelector('[data-testid="thinking"]');
            if (el && !el.hidden) window.__sawThinking = true; })
          .observe(document.body, {subtree: true, attributes: true, childList: true}); }''')
    send_answer(page, ANSWERS[0])
    assert page.locator(tid('message-user')).count() == 1
    assert page.evaluate('window.__sawThinking')
    assert page.is_hidden(tid('thinking'))
    audio_src = page.get_attribute(tid('reply-audio'), 'src')
    if speech_on:
        assert audio_src and '/api/audio/' in audio_src
        response = page.request.get(audio_src)
        assert response.status == 200
        assert response.headers['content-type'].split(';')[0] == 'audio/mpeg'
        assert len(response.body()) > 1000
        duration = page.evaluate('''() => new Promise((resolve) => {
            const audio = document.querySelector('[data-testid="reply-audio"]');
            if (audio.readyState >= 1) { resolve(audio.duration); return; }
            audio.addEventListener('loadedmetadata', () => resolve(audio.duration), {once: true});
            audio.addEventListener('error', () => resolve(-1), {once: true});
            audio.preload = 'metadata'; audio.load(); })''')
        assert duration > 0  # the browser itself can decode it
        assert page.locator(f'{tid("message-assistant")} {tid("replay-button")}').count() >= 2
    else:
        assert not audio_src
        expect_text(page, tid('audio-note'), '')

    # The mute switch is remembered across reloads.
    assert page.get_attribute(tid('mute-toggle'), 'aria-pressed') == 'false'
    page.click(tid('mute-toggle'))
    assert page.get_attribute(tid('mute-toggle'), 'aria-pressed') == 'true'
    page.reload()
    page.wait_for_selector(tid('message-assistant'))
    assert page.get_attribute(tid('mute-toggle'), 'aria-pressed') == 'true'
    page.click(tid('mute-toggle'))
    posts.clear()

    # A double click on send sends once.
    before = assistant_count(page)
    page.fill(tid('answer-input'), ANSWERS[1])
    page.dblclick(tid('send-button'))
    page.wait_for_function('([n]) => document.querySelectorAll(\'[data-testid="message-assistant"]\').length > n', arg=[before])
    page.wait_for_timeout(300)
    assert len(posts) == 1, posts

    # Offline: the answer waits ("offline, retrying"), nothing typed is lost, and it is sent
    # with the same Idempotency-Key once the connection is back.
    posts.clear()
    before = assistant_count(page)
    page.context.set_offline(True)
    page.fill(tid('answer-input'), ANSWERS[2])
    page.press(tid('answer-input'), 'Enter')
    page.wait_for_selector(tid('offline-banner'))
    expect_text(page, tid('offline-banner'), '오프라인')
    assert ANSWERS[2] in page.locator(tid('message-user')).last.inner_text()
    screenshot('app-interview-offline')
    fits_a_phone(page)
    page.context.set_offline(False)
    page.wait_for_function('([n]) => document.querySelectorAll(\'[data-testid="message-assistant"]\').length > n', arg=[before], timeout=45_000)
    page.wait_for_selector(tid('offline-banner'), state='detached')
    assert posts and len({key for key, _ in posts}) == 1, posts
    assert page.locator(tid('message-user')).count() == 3

    # Keep answering until the interviewer ends the interview.
    for text in ANSWERS[3:] + ANSWERS:
        if page.is_visible(tid('finished-panel')):
            break
        send_answer(page, text)
    page.wait_for_selector(tid('finished-panel'))
    assert page.is_hidden(tid('composer'))
    expect_text(page, tid('interview-status'), '완료')
    shows_no_undefined(page)
    screenshot('app-interview-finished')
    used = daily_limit - int(re.search(r'(\d+)/\d+', page.inner_text(tid('quota'))).group(1))
    assert used == 1 + page.locator(tid('message-user')).count()  # the opening and each answer, once

    # The report: the number and what it means, the criteria chart, quotes and outlines.
    page.click(tid('report-link'))
    page.wait_for_selector(f'{tid("criteria-chart")} svg')
    source = page.inner_text(tid('report-source'))
    assert source.strip()
    overall = int(page.text_content(tid('overall-score')))
    assert 0 <= overall <= 100
    if 'AI 모델의 판단이 아니라' in source:  # offline: a coverage & delivery index, with its method
        assert page.inner_text(tid('overall-label')).strip()
        assert '정답' in page.inner_text(tid('report-method'))
    assert page.locator(f'{tid("criteria-list")} li').count() >= 3
    assert page.locator(f'{tid("outline")} li').count() >= 1
    assert page.locator(f'{tid("improvements")} mark').count() >= 1
    shows_no_undefined(page)
    screenshot('app-report')
    fits_a_phone(page)

    # Home lists the interview with its score, and charts the scores.
    page.click(tid('nav-home'))
    page.wait_for_selector(f'{tid("interview-item")} a{tid("interview-score")} strong')
    assert page.inner_text(f'{tid("interview-score")} strong') == str(overall)
    page.wait_for_selector(f'{tid("score-chart")} svg circle')
    screenshot('app-home-history')
    fits_a_phone(page)

    # Practise again until today's chats run out: the limit is said plainly, with when it resets.
    page.click(tid('interview-link'))
    page.wait_for_selector(tid('finished-panel'))
    page.click(tid('again-button'))
    page.wait_for_selector(tid('composer'))
    for text in ANSWERS * 2:
        if page.is_visible(tid('limit-message')):
            break
        if page.is_visible(tid('finished-panel')):
            page.click(tid('again-button'))
            page.wait_for_selector(f'{tid("again-error")}, {tid("composer")}:visible')
            if page.is_visible(tid('again-error')):
                break
            continue
        send_answer(page, text)
    limit_box = tid('limit-message') if page.is_visible(tid('limit-message')) else tid('again-error')
    # The API's fixed English text (Part 1) is said in the interface's language.
    expect_text(page, limit_box, '오늘 사용할 수 있는 대화를 모두 사용했습니다')
    if limit_box == tid('limit-message'):
        expect_text(page, limit_box, '초기화')
        assert page.input_value(tid('answer-input')).strip()  # the unsent answer is kept
    expect_text(page, tid('quota'), f'0/{daily_limit}')
    shows_no_undefined(page)
    screenshot('app-daily-limit')

    # Delete that last interview from home, after a confirmation.
    page.click(tid('nav-home'))
    page.wait_for_selector(tid('interview-item'))
    count = page.locator(tid('interview-item')).count()
    assert count == 2
    page.locator(tid('delete-interview')).first.click()
    page.wait_for_selector(tid('confirm-dialog'))
    screenshot('app-delete-interview-dialog', full_page=False)
    page.click(tid('confirm-button'))
    page.wait_for_function('() => document.querySelectorAll(\'[data-testid="interview-item"]\').length === 1')

    # Account: profile and usage, the export as a JSON file.
    page.click(tid('nav-account'))
    page.wait_for_selector(tid('profile-username'))
    assert page.inner_text(tid('profile-username')) == name
    assert page.inner_text(tid('profile-remaining')) == '0'
    with page.expect_download() as download_info:
        page.click(tid('export-button'))
    download = download_info.value
    assert download.suggested_filename.endswith('.json')
    exported = json.loads(open(download.path(), encoding='utf-8').read())
    assert exported['account']['username'] == name
    assert len(exported['interviews']) == 1 and exported['interviews'][0]['report']
    screenshot('app-account')
    fits_a_phone(page)

    # Delete the account: a wrong password is refused by the field; the right one, confirmed.
    page.fill(tid('delete-password'), 'not the password')
    page.click(tid('delete-account-button'))
    page.wait_for_selector(tid('delete-account-dialog'))
    page.click(tid('confirm-button'))
    expect_text(page, tid('error-password'), 'That password is not right')
    page.fill(tid('delete-password'), PASSWORD)
    page.click(tid('delete-account-button'))
    page.wait_for_selector(tid('delete-account-dialog'))
    screenshot('app-delete-account-dialog', full_page=False)
    page.click(tid('confirm-button'))
    page.wait_for_selector(tid('register-form'))
    expect_text(page, tid('flash'), '삭제')
    assert page.evaluate('localStorage.getItem("mi.token")') is None
    status, _ = web_stack.api('POST', '/api/user/login/', {'username': name, 'password': PASSWORD})
    assert status == 401
    no_uncaught_errors(console_errors)


def expect_text(page, selector: str, text: str, timeout: int = 15_000) -> None:
    """Wait until the element shows `text` (any text when empty)."""
    page.wait_for_function(
        '([sel, text]) => { const el = document.querySelector(sel);'
        ' return el && el.offsetParent !== null && el.innerText.includes(text) && el.innerText.trim().length > 0; }',
        arg=[selector, text], timeout=timeout)


# -- failures -----------------------------------------------------------------------------

def test_an_expired_or_revoked_token_sends_the_user_to_log_in(page, web_stack, screenshot, console_errors):
    user = web_stack.new_user()
    status, _ = web_stack.api('GET', '/api/user/logout/', token=user.token)
    assert status == 200
    for token in (user.token, '0' * 32 + '.' + 'x' * 43):
        log_in_with_token(page, token, user.username)
        page.goto('/#/account')
        page.wait_for_selector(tid('login-form'))
        expect_text(page, tid('flash'), 'log in again')
        assert page.evaluate('localStorage.getItem("mi.token")') is None
    screenshot('app-session-expired')

    # After logging in again the page the user wanted opens.
    fresh = web_stack.new_user(login=False)
    log_in_with_token(page, 'bad.token', fresh.username)
    page.goto('/#/account')
    page.wait_for_selector(tid('login-form'))
    page.fill(tid('username-input'), fresh.username)
    page.fill(tid('password-input'), fresh.password)
    page.press(tid('password-input'), 'Enter')
    page.wait_for_selector(tid('profile-username'))
    assert page.inner_text(tid('profile-username')) == fresh.username
    no_uncaught_errors(console_errors)


def test_a_503_is_shown_with_a_retry_that_never_costs_twice(page, web_stack, screenshot, console_errors):
    user = web_stack.new_user()
    status, body = web_stack.api('POST', '/api/interviews/', {'topic': 'system-design', 'language': 'en'},
                                 token=user.token, headers={'Idempotency-Key': str(uuid.uuid4())})
    assert status == 201, body
    interview_id = body['interview_id']
    log_in_with_token(page, user.token, user.username, ui_lang='en')
    page.goto(f'/#/interview/{interview_id}')
    page.wait_for_selector(tid('message-assistant'))
    assert page.get_attribute('html', 'lang') == 'en'

    failure = 'The interviewer is unavailable right now. Nothing was saved and this did not count against your daily limit; please try again.'
    served = answer_the_first_post_with(page, 503, failure, retry_after=2)
    posts = answer_posts(page)
    answer = 'I would start with the requirements, then sketch the API, the data model and the bottlenecks.'
    page.fill(tid('answer-input'), answer)
    page.press(tid('answer-input'), 'Enter')
    page.wait_for_selector(tid('chat-error'))
    expect_text(page, tid('chat-error'), failure)
    expect_text(page, tid('chat-error'), 'never counted twice')
    assert page.is_disabled(tid('retry-button'))  # Retry-After: 2
    assert page.locator(f'{tid("message-user")}.is-failed').count() == 1
    assert page.is_disabled(tid('send-button'))
    shows_no_undefined(page)
    screenshot('app-interview-503')
    page.wait_for_selector(f'{tid("retry-button")}:enabled', timeout=6000)
    page.click(tid('retry-button'))
    page.wait_for_function('() => document.querySelectorAll(\'[data-testid="message-assistant"]\').length === 2')
    page.wait_for_selector(tid('chat-error'), state='detached')
    assert len(posts) == 2 and posts[0] == posts[1], posts  # the same answer, the same key
    assert served == [posts[0][0]]
    status, me = web_stack.api('GET', '/api/user/me/', token=user.token)
    assert me['count'] == 2  # the opening and one answer: the 503 cost nothing

    # Ending early (after a confirmation) writes the report from the answers so far.
    page.click(tid('end-button'))
    page.wait_for_selector(tid('confirm-dialog'))
    page.click(tid('confirm-button'))
    page.wait_for_selector(f'{tid("criteria-chart")} svg')
    assert page.inner_text(tid('report-title')) == 'System design'
    status, detail = web_stack.api('GET', f'/api/interviews/{interview_id}/', token=user.token)
    assert detail['interview']['status'] == 'finished' and detail['report']

    no_uncaught_errors(console_errors)


def test_home_pages_through_interviews_with_the_next_cursor(page, web_stack, screenshot):
    """Ten interviews a page; "more" asks for the next with the API's cursor (answers faked)."""
    user = web_stack.new_user()

    def summary(i: int) -> dict:
        return {'id': f'17959{i:08d}-{i:016x}', 'topic': ['backend', 'frontend', 'Game server engineer'][i % 3],
                'language': 'ko' if i % 2 else 'en', 'speech_lang': 'ko-KR' if i % 2 else 'en-US',
                'status': 'finished' if i % 4 else 'active', 'turns': i % 6, 'has_report': False,
                'tokens': {'in': 0, 'out': 0}, 'created_at': f'2026-11-{28 - i % 20:02d}T09:00:00Z',
                'updated_at': f'2026-11-{28 - i % 20:02d}T09:10:00Z'}

    asked = []

    def pages(route) -> None:
        url = route.request.url
        if route.request.method != 'GET':
            route.fallback()
            return
        asked.append(url)
        second = 'next=CURSOR-2' in url
        body = {'interviews': [summary(i) for i in (range(10, 13) if second else range(10))],
                'next': None if second else 'CURSOR-2'}
        route.fulfill(status=200, body=json.dumps(body), headers={
            'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'})

    page.route(re.compile(r'/api/interviews/?\?'), pages)
    log_in_with_token(page, user.token, user.username)
    page.goto('/#/')
    page.wait_for_selector(tid('more-button'))
    assert page.locator(tid('interview-item')).count() == 10
    page.click(tid('more-button'))
    page.wait_for_function('() => document.querySelectorAll(\'[data-testid="interview-item"]\').length === 13')
    assert page.is_hidden(tid('more-button'))
    assert 'limit=10' in asked[0] and 'next=CURSOR-2' in asked[1]
    assert 'Game server engineer' in page.inner_text(tid('interview-list'))
    screenshot('app-home-paged')
    fits_a_phone(page)


@pytest.mark.parametrize('ui_lang, heading', [('ko', '계정 만들기'), ('en', 'Create your account')])
def test_the_interface_speaks_the_browsers_language(browser, web_stack, ui_lang, heading):
    context = browser.new_context(locale='ko-KR' if ui_lang == 'ko' else 'en-GB', base_url=web_stack.web_url)
    try:
        page = context.new_page()
        page.goto('/#/register')
        page.wait_for_selector(f'h1:has-text("{heading}")')
        assert page.get_attribute('html', 'lang') == ui_lang
        # Ready for the keyboard: the first field has the focus, and every field a label.
        assert page.evaluate('document.activeElement.dataset.testid') == 'username-input'
        assert page.locator('input:not([id])').count() == 0
        for input_id in page.eval_on_selector_all('form input', 'els => els.map(e => e.id)'):
            assert page.locator(f'label[for="{input_id}"]').count() == 1
    finally:
        context.close()


REPORT_BASE = {
    'overall_score': 72, 'language': 'en', 'created_at': '2026-11-29T10:00:00Z', 'summary': 'A clear start.',
    'criteria': [{'name': 'relevance', 'score': 80, 'reason': 'Answered what was asked.'},
                 {'name': 'depth', 'score': 60, 'reason': 'Some detail on trade-offs.'},
                 {'name': 'structure', 'score': 75, 'reason': 'Signposted the steps.'},
                 {'name': 'communication', 'score': 70, 'reason': 'Concise.'}],
    'strengths': ['Named the bottleneck early.'],
    'improvements': [{'quote': 'sketch the API', 'suggestion': 'Say which endpoints and why.', 'quote_verified': False}],
    'questions': [{'question': 'Design a URL shortener.', 'answer_excerpt': 'I would sketch the API first.',
                   'suggested_outline': ['Requirements', 'API', 'Storage', 'Scaling']}],
}


@pytest.mark.parametrize('kind', ['llm', 'offline-fallback'])
def test_the_report_says_where_its_number_comes_from(page, web_stack, screenshot, kind):
    """A model's score is called one; an offline stand-in says why and how it was measured."""
    user = web_stack.new_user()
    status, body = web_stack.api('POST', '/api/interviews/', {'topic': 'system-design', 'language': 'en'},
                                 token=user.token, headers={'Idempotency-Key': str(uuid.uuid4())})
    interview = body['interview']
    if kind == 'llm':
        report = {**REPORT_BASE, 'source': 'llm'}
    else:
        report = {**REPORT_BASE, 'source': 'offline', 'overall_label': 'Coverage & delivery index',
                  'method': 'Measured from the transcript, not judged by an AI model.',
                  'fallback_reason': 'The AI model did not answer in time.'}
    report['interview_id'] = interview['id']
    detail = {'interview': {**interview, 'status': 'finished', 'turns': 1, 'has_report': True},
              'messages': [], 'messages_next': None, 'report': report}
    page.route(re.compile(r'/api/interviews/[^/]+/\?limit=1$'), lambda route: route.fulfill(
        status=200, body=json.dumps(detail),
        headers={'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'}))
    log_in_with_token(page, user.token, user.username)
    page.goto(f'/#/report/{interview["id"]}')
    page.wait_for_selector(f'{tid("criteria-chart")} svg polygon')
    source = page.inner_text(tid('report-source'))
    label = page.inner_text(tid('overall-label'))
    if kind == 'llm':
        assert 'AI interviewer model' in source and label == 'Model’s overall score'
        assert page.locator(tid('fallback-reason')).count() == 0
    else:
        assert 'not judged by an AI model' in source and label == 'Coverage & delivery index'
        assert page.inner_text(tid('report-method')) == report['method']
        assert page.inner_text(tid('fallback-reason')) == report['fallback_reason']
    assert page.text_content(tid('overall-score')) == '72'
    assert page.inner_text(f'{tid("improvements")} mark') == 'sketch the API'
    assert 'not found word for word' in page.inner_text(tid('improvements'))
    assert page.inner_text(f'{tid("questions")} .excerpt-text mark') == 'sketch the API'
    assert page.locator(f'{tid("outline")} li').count() == 4
    screenshot(f'app-report-{kind}')


def test_a_large_export_is_downloaded_from_its_link(page, web_stack):
    """An export too big to answer inline comes as {download_url}: the page follows the link."""
    user = web_stack.new_user()
    link = web_stack.api_url + '/exports/big-export.json'
    page.route(re.compile(r'/api/user/export/?$'), lambda route: route.fulfill(
        status=200, headers={'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        body=json.dumps({'exported_at': '2026-11-29T10:00:00Z', 'size_bytes': 5_000_000,
                         'download_url': link, 'download_expires_at': '2026-11-29T10:15:00Z'})))
    page.route(link, lambda route: route.fulfill(
        status=200, body='{"account": {}}',
        headers={'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="export.json"'}))
    log_in_with_token(page, user.token, user.username)
    page.goto('/#/account')
    page.wait_for_selector(tid('profile-username'))
    with page.expect_download() as download_info:
        page.click(tid('export-button'))
    assert download_info.value.url == link
    assert page.get_attribute(tid('export-link'), 'href') == link


def test_a_409_while_the_answer_is_still_processed_is_retried_by_itself(page, web_stack):
    """409 "still being processed" (Retry-After): the page waits and asks again with the same key."""
    user = web_stack.new_user()
    status, body = web_stack.api('POST', '/api/interviews/', {'topic': 'backend', 'language': 'ko'},
                                 token=user.token, headers={'Idempotency-Key': str(uuid.uuid4())})
    assert status == 201, body
    busy = 'A request with this Idempotency-Key is still being processed. Wait for its answer, then retry.'
    served = answer_the_first_post_with(page, 409, busy, retry_after=1)
    log_in_with_token(page, user.token, user.username, ui_lang='ko')
    page.goto(f'/#/interview/{body["interview_id"]}')
    page.wait_for_selector(tid('message-assistant'))
    posts = answer_posts(page)
    page.fill(tid('answer-input'), ANSWERS[0])
    page.press(tid('answer-input'), 'Enter')
    expect_text(page, tid('chat-error'), busy)
    page.wait_for_function('() => document.querySelectorAll(\'[data-testid="message-assistant"]\').length === 2')
    page.wait_for_selector(tid('chat-error'), state='detached')
    assert len(posts) == 2 and posts[0] == posts[1] and served == [posts[0][0]]
    assert web_stack.api('GET', '/api/user/me/', token=user.token)[1]['count'] == 2


def test_an_interview_on_a_topic_of_ones_own_with_a_job_description(page, web_stack, screenshot):
    user = web_stack.new_user()
    log_in_with_token(page, user.token, user.username, ui_lang='en')
    page.goto('/#/')
    page.wait_for_selector(f'{tid("topic-select")} option[value="backend"]', state='attached')
    page.select_option(tid('topic-select'), '__other__')
    page.click(tid('start-button'))
    expect_text(page, tid('error-custom'), 'Choose a topic or type one.')
    page.get_by_label('Your topic').fill('Game server engineer')
    assert page.is_hidden(tid('error-custom'))  # editing the field clears its error
    page.check(tid('start-lang-en'), force=True)
    page.click('summary:has-text("job description")')
    page.get_by_label('Job description').fill('C++ and Go, real-time multiplayer, 100k concurrent players.')
    screenshot('app-home-custom-topic')
    page.click(tid('start-button'))
    page.wait_for_selector(tid('message-assistant'))
    assert page.inner_text(tid('interview-title')) == 'Game server engineer'
    page.click('summary:has-text("Job description")')
    assert '100k concurrent players' in page.inner_text('.job-view')
    status, listing = web_stack.api('GET', '/api/interviews/', token=user.token)
    assert listing['interviews'][0]['topic'] == 'Game server engineer'
    assert listing['interviews'][0]['language'] == 'en'


ENGLISH_ANSWERS = [
    'I have built backend services in Python for five years; for example I halved a slow query by adding an index.',
    'First I add the new column, then write to both, backfill, move the reads, and finally drop the old column.',
    'I narrow it down with metrics and logs, check the latest deploy, then find and fix the slow query.',
    'Caching needs a TTL and an invalidation plan, because consistency and speed pull in different directions.',
    'I introduced a review checklist in my team, and incidents from missed edge cases went down within a quarter.',
    'A queue lets work happen asynchronously with retries, so I make each consumer idempotent.',
]


def test_a_whole_interview_in_english_with_spoken_replies_and_its_report(page, web_stack, screenshot, console_errors):
    user = web_stack.new_user()
    log_in_with_token(page, user.token, user.username, ui_lang='en')
    page.goto('/#/')
    page.wait_for_selector(f'{tid("topic-select")} option[value="backend"]', state='attached')
    page.select_option(tid('topic-select'), 'backend')
    page.check(tid('start-lang-en'), force=True)
    page.click(tid('start-button'))
    page.wait_for_selector(tid('message-assistant'))
    assert re.search(r'introduc', page.inner_text(tid('message-assistant')), re.I)  # the interviewer speaks English
    if web_stack.settings.get('SPEECH_PROVIDER') == 'espeak':
        source = page.get_attribute(tid('reply-audio'), 'src')
        played = page.request.get(source)
        assert played.status == 200 and played.headers['content-type'].split(';')[0] == 'audio/mpeg'
    for text in ENGLISH_ANSWERS + ENGLISH_ANSWERS:
        if page.is_visible(tid('finished-panel')):
            break
        send_answer(page, text)
    page.wait_for_selector(tid('finished-panel'))
    shows_no_undefined(page)
    screenshot('app-interview-finished-en')
    page.click(tid('report-link'))
    page.wait_for_selector(f'{tid("criteria-chart")} svg')
    assert 'Coverage & delivery index' in page.inner_text('body')  # the offline report says what its number is
    shows_no_undefined(page)
    screenshot('app-report-en')
    no_uncaught_errors(console_errors)
