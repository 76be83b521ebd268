"""Speech providers: the offline engine for real, gTTS's settings, and audio storage failures."""
import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib.audio import AudioStore
from chalicelib.speech import EspeakSynthesizer, GttsSynthesizer, SpeechFailed, build_synthesizer
from tests.fixtures import FakeSynthesizer

needs_espeak = pytest.mark.skipif(not EspeakSynthesizer.available(), reason='espeak-ng and lame are not installed')


def is_mp3(data: bytes) -> bool:
    return data[:3] == b'ID3' or (len(data) > 1 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0)


@needs_espeak
@pytest.mark.parametrize('text, language', [('Tell me about yourself.', 'en'), ('자기소개를 해 주세요.', 'ko')])
def test_offline_engine_makes_a_playable_mp3(text, language):
    mp3 = EspeakSynthesizer(timeout_seconds=10).synthesize(text, language)
    assert is_mp3(mp3) and len(mp3) > 1000


def test_offline_engine_missing_tools_is_a_speech_failure(monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    with pytest.raises(SpeechFailed, match='not installed'):
        EspeakSynthesizer(timeout_seconds=5).synthesize('hello', 'en')


def test_providers_are_chosen_by_name():
    assert isinstance(build_synthesizer('gtts', 3), GttsSynthesizer)
    assert isinstance(build_synthesizer('espeak', 3), EspeakSynthesizer)
    assert build_synthesizer('none', 3) is None
    with pytest.raises(ValueError):
        build_synthesizer('shouting', 3)


def test_text_language_and_owner_change_the_audio_key():
    store = AudioStore(None, 'bucket', 'audio/', 900, FakeSynthesizer(), 5)
    key = store.key_for('Hello', 'en', 'alice', 'salt1')
    assert key != store.key_for('Hello', 'ko', 'alice', 'salt1')
    assert key != store.key_for('Hello!', 'en', 'alice', 'salt1')
    assert key != store.key_for('Hello', 'en', 'bob', 'salt1')
    assert key != store.key_for('Hello', 'en', 'alice', 'salt2')  # unguessable without the salt
    assert key == store.key_for('Hello', 'en', 'alice', 'salt1')
    assert 'alice' not in key


class SlowSynthesizer(FakeSynthesizer):
    def synthesize(self, text, language):
        import time
        time.sleep(1.0)
        return super().synthesize(text, language)


def test_slow_speech_is_given_up_after_the_deadline(aws):
    from chalicelib import config, providers
    store = AudioStore(providers.s3(), config.settings().audio_bucket, 'audio/', 900, SlowSynthesizer(), 0.2)
    audio = store.speak('A slow reply', 'en', 'alice', 's')
    assert audio.url is None and 'too long' in audio.error


class UnreachableS3:
    def head_object(self, **kwargs):
        raise EndpointConnectionError(endpoint_url='http://127.0.0.1:1')


def test_s3_failure_gives_text_only_with_a_reason():
    audio = AudioStore(UnreachableS3(), 'bucket', 'audio/', 900, FakeSynthesizer(), 5).speak('Hi', 'en', 'alice', 's')
    assert audio.url is None and 'could not be stored' in audio.error


def test_gtts_connection_refused_is_a_speech_failure(monkeypatch):
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    monkeypatch.setenv('HTTPS_PROXY', f'http://127.0.0.1:{port}')
    with pytest.raises(SpeechFailed):
        GttsSynthesizer(timeout_seconds=2).synthesize('Hello there', 'en')


def test_gtts_silent_server_times_out_instead_of_hanging(monkeypatch):
    import socket
    import threading
    # A proxy that accepts connections and never answers: without a timeout gTTS would wait forever.
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    monkeypatch.setenv('HTTPS_PROXY', f'http://127.0.0.1:{listener.getsockname()[1]}')
    try:
        with pytest.raises(SpeechFailed):
            GttsSynthesizer(timeout_seconds=0.5).synthesize('Hello there', 'en')
    finally:
        listener.close()


def test_a_long_reply_is_fetched_from_gtts_in_pieces_at_the_same_time_and_joined_in_order(monkeypatch):
    import threading
    import time
    import gtts
    running, most, lock = [0], [0], threading.Lock()

    class FakeGtts:
        def __init__(self, text, lang, timeout):
            self.text = text

        def write_to_fp(self, buffer):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.2)  # a request to Google in flight
            with lock:
                running[0] -= 1
            buffer.write(f'[{self.text}]'.encode())
    monkeypatch.setattr(gtts, 'gTTS', FakeGtts)
    sentences = [f'This is sentence number {i} of a long interviewer reply.' for i in range(8)]
    mp3 = GttsSynthesizer(timeout_seconds=2).synthesize(' '.join(sentences), 'en')
    pieces = mp3.decode().strip('[]').split('][')
    assert ' '.join(pieces) == ' '.join(sentences)  # every word, in order
    assert len(pieces) > 1 and all(len(piece) <= 100 for piece in pieces)
    assert most[0] > 1  # fetched at the same time, not one after another
    assert GttsSynthesizer(timeout_seconds=2).synthesize('Short one.', 'en') == b'[Short one.]'
