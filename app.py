"""Routes of the mock-interview API. Each reads the request, calls one service, returns its answer."""
import logging

from chalice import Chalice

from chalicelib import accounts, config, interviews
from chalicelib.api import Api

app = Chalice(app_name='mock-interviewer')
app.log.setLevel(getattr(logging, config.settings().log_level.upper(), logging.INFO))
logging.getLogger('mock_interviewer').setLevel(app.log.level)
logging.getLogger('botocore').setLevel(logging.WARNING)  # one "found credentials" line per client is noise
api = Api(app)


def current_user():
    return accounts.authenticate(api.header('Authorization'))


@api.route('/api/health', methods=['GET'])
def health():
    settings = config.settings()
    return {'status': 'ok', 'llm': settings.interviewer_provider, 'tts': settings.speech_provider}


@api.route('/api/user/register', methods=['POST'])
def register():
    accounts.register(api.json_body())
    return {'message': 'User registered successfully.'}, 201


@api.route('/api/user/login', methods=['POST'])
def login():
    return accounts.login(api.json_body())


@api.route('/api/user/logout', methods=['GET', 'POST'])
def logout():
    return accounts.logout(api.header('Authorization'))


@api.route('/api/chat/gpt', methods=['GET'])
def chat_history():
    return interviews.conversation(current_user())


@api.route('/api/chat/gpt', methods=['POST'])
def chat():
    user = current_user()
    body, headers = interviews.chat(user, interviews.parse_chat_request(api.json_body()))
    return body, 200, headers
