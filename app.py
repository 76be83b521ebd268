"""Routes of the mock-interview API. Each reads the request, calls one service, returns its answer."""
import logging

from chalice import Chalice

from chalicelib import (account_data, accounts, audio_links, config, feedback, idempotency, interviews, topics,
                        turn_requests, turns)
from chalicelib.api import Api

app = Chalice(app_name='mock-interviewer')
app.log.setLevel(getattr(logging, config.settings().log_level.upper(), logging.INFO))
logging.getLogger('mock_interviewer').setLevel(app.log.level)
logging.getLogger('botocore').setLevel(logging.WARNING)  # one "found credentials" line per client is noise
api = Api(app)


def current_user(allow_deleted: bool = False):
    return accounts.authenticate(api.header('Authorization'), allow_deleted)


def what_was_sent() -> turns.Sent:
    """Of a POST that costs a chat: its Idempotency-Key with what the request was, and the API's
    base URL for audio links."""
    key = idempotency.checked_key(api.header(idempotency.HEADER))
    if key is None:
        return turns.Sent(base_url=api.base_url())
    request = api.request
    where = f'{request.path} {sorted((request.uri_params or {}).items())}'  # path is the route's pattern
    return turns.Sent(key, idempotency.fingerprint(request.method, where, request.raw_body or b''), api.base_url())


@api.route('/api/health', methods=['GET'])
def health():
    settings = config.settings()
    return {'status': 'ok', 'llm': settings.interviewer_provider, 'tts': settings.speech_provider}


# -- accounts ---------------------------------------------------------------------------------
@api.route('/api/user/register', methods=['POST'])
def register():
    accounts.register(api.json_body(), api.source_ip())
    return {'message': 'User registered successfully.'}, 201


@api.route('/api/user/login', methods=['POST'])
def login():
    return accounts.login(api.json_body(), api.source_ip())


@api.route('/api/user/logout', methods=['GET', 'POST'])
def logout():
    return accounts.logout(api.header('Authorization'))


@api.route('/api/user/me', methods=['GET'])
def me():
    return accounts.profile(current_user())


@api.route('/api/user/me', methods=['DELETE'])
def delete_account():
    account_data.delete(current_user(allow_deleted=True), api.json_body(), api.source_ip())
    return {'message': 'Your account and all its data were deleted.'}


@api.route('/api/user/export', methods=['GET'])
def export_account():
    return account_data.export(current_user())


# -- the original chat contract ---------------------------------------------------------------
@api.route('/api/chat/gpt', methods=['GET'])
def chat_history():
    return interviews.conversation(current_user())


@api.route('/api/chat/gpt', methods=['POST'])
def chat():
    user = current_user()
    body, headers = turns.chat(user, api.json_body(), what_was_sent())
    return body, 200, headers


# -- interviews -------------------------------------------------------------------------------
@api.route('/api/topics', methods=['GET'])
def list_topics():
    return topics.catalogue()


@api.route('/api/interviews', methods=['GET'])
def list_interviews():
    return interviews.page(current_user(), api.query_param('limit'), api.query_param('next'))


@api.route('/api/interviews', methods=['POST'])
def create_interview():
    user = current_user()
    body, headers = turns.start(user, turn_requests.parse_new_interview(api.json_body()), what_was_sent())
    return body, 201, headers


@api.route('/api/interviews/{interview_id}', methods=['GET'])
def get_interview(interview_id):
    return interviews.detail(current_user(), interview_id, api.query_param('limit'), api.query_param('next'))


@api.route('/api/interviews/{interview_id}', methods=['DELETE'])
def delete_interview(interview_id):
    interviews.delete(current_user(), interview_id)
    return {'message': 'Interview deleted.'}


@api.route('/api/interviews/{interview_id}/messages', methods=['POST'])
def answer(interview_id):
    user = current_user()
    body, headers = turns.answer(user, interview_id, api.json_body(), what_was_sent())
    return body, 200, headers


@api.route('/api/interviews/{interview_id}/report', methods=['POST'])
def end_with_report(interview_id):
    report, created = feedback.finish_with_report(current_user(), interview_id)
    return report, 201 if created else 200


@api.route('/api/audio/{interview_id}/{seq}', methods=['GET'])
def spoken_reply(interview_id, seq):
    """Where an audio_url leads: authorized by its own signature (an audio element sends no token)."""
    return None, 302, {'Location': audio_links.redirect_to_clip(interview_id, seq, api.request.query_params or {})}


@api.route('/api/interviews/{interview_id}/report', methods=['GET'])
def get_report(interview_id):
    return feedback.stored_report(current_user(), interview_id)
