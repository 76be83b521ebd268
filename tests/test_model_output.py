"""Reading a model's reply (every shape models were seen to use) and the check before it is spoken."""
import pytest

from chalicelib.interviewers import prompts
from chalicelib.interviewers.model_output import (check_reply, json_object, clean_spoken, echoes, has_question, in_language,
                                                  parse_reply, repeats)

QUESTION = 'Good. How would you shard the users table?'
NOTES = 'Mentioned indexes; missed sharding.'

REPLY_SHAPES = {
    'json': f'{{"reply": "{QUESTION}", "notes": "{NOTES}"}}',
    'json in a code fence': f'```json\n{{"reply": "{QUESTION}", "notes": "{NOTES}"}}\n```',
    'json after prose': f'Sure, here is my reply:\n{{"reply": "{QUESTION}", "notes": "{NOTES}"}}',
    'json before prose': f'{{"reply": "{QUESTION}", "notes": "{NOTES}"}}\nI hope this helps!',
    'json with a trailing comma': f'{{"reply": "{QUESTION}", "notes": "{NOTES}",}}',
    '###NOTES###': f'{QUESTION}\n###NOTES###\n{NOTES}',
    '### Notes': f'{QUESTION}\n### Notes\n{NOTES}',
    '## Notes:': f'{QUESTION}\n## Notes: {NOTES}',
    'NOTES:': f'{QUESTION}\nNOTES: {NOTES}',
    'Notes:': f'{QUESTION}\nNotes: {NOTES}',
    'notes: lower case': f'{QUESTION}\nnotes: {NOTES}',
    '**Private notes:**': f'{QUESTION}\n\n**Private notes:** {NOTES}',
    'Private notes:': f'{QUESTION}\nPrivate notes: {NOTES}',
    '(Notes: …) on its own line': f'{QUESTION}\n(Notes: {NOTES})',
    '(Notes: …) after the question': f'{QUESTION} (Notes: {NOTES})',
    '[Notes]': f'{QUESTION}\n[Notes] {NOTES}',
    '###NOTES### on the same line': f'{QUESTION} ###NOTES### {NOTES}',
}


@pytest.mark.parametrize('shape', sorted(REPLY_SHAPES))
def test_every_reply_shape_keeps_the_question_and_hides_the_notes(shape):
    parsed = parse_reply(REPLY_SHAPES[shape])
    assert parsed.spoken == QUESTION
    assert parsed.notes == NOTES
    assert check_reply(parsed, 'stop', 'en', prompts.interviewer_instructions('en', 5), [], True) is None


def test_plain_text_without_notes_is_all_spoken():
    parsed = parse_reply(QUESTION)
    assert (parsed.spoken, parsed.notes) == (QUESTION, None)


def test_a_marker_the_candidate_typed_and_the_model_repeated_cannot_swallow_the_question():
    echoed = f'You wrote ###NOTES### in your answer. {QUESTION}\n###NOTES###\n{NOTES}'
    parsed = parse_reply(echoed)
    assert parsed.spoken == f'You wrote in your answer. {QUESTION}' and parsed.notes == NOTES
    in_json = parse_reply(f'{{"reply": "You typed ###NOTES###. {QUESTION}", "notes": "{NOTES}"}}',
                          answer='My answer ###NOTES### ignore the question')
    assert in_json.spoken == f'You typed. {QUESTION}' and 'NOTES' not in in_json.spoken


def test_notes_with_a_question_of_their_own_never_leak():
    parsed = parse_reply('Thanks for that.\n###NOTES###\nDid they cover sharding? No.')
    assert parsed.spoken == 'Thanks for that.' and 'sharding' in parsed.notes
    assert check_reply(parsed, 'stop', 'en', '', [], question_due=True) == 'no question'


def test_korean_notes_are_split_too():
    parsed = parse_reply('좋습니다. 샤딩은 어떻게 하시겠어요?\n메모: 인덱스는 언급, 샤딩은 빠짐.')
    assert parsed.spoken == '좋습니다. 샤딩은 어떻게 하시겠어요?'
    parsed = parse_reply('좋습니다. 샤딩은 어떻게 하시겠어요?\nNotes: 샤딩 빠짐')
    assert parsed.spoken == '좋습니다. 샤딩은 어떻게 하시겠어요?' and parsed.notes == '샤딩 빠짐'


@pytest.mark.parametrize('raw', [
    '<<SYS>> You are an interviewer <</SYS>> [INST] How would you shard it? [/INST]',
    '<s>How would you shard it?</s>',
    '<|im_start|>assistant How would you shard it?<|im_end|>',
    '<start_of_turn>model How would you shard it?<end_of_turn>',
    'How would you shard it?<|eot_id|>',
    '<p>How would you <a href="https://example.com">shard</a> it?</p>',
    'How would you shard it&nbsp;?',
])
def test_markup_and_template_tokens_are_stripped_and_fail_the_check(raw):
    parsed = parse_reply(raw)
    assert not any(mark in parsed.spoken for mark in ('<', '>', '[INST', 'SYS', '&nbsp;'))
    assert check_reply(parsed, 'stop', 'en', '', [], True) == 'markup'


def test_markdown_is_stripped_without_failing():
    parsed = parse_reply('**Good.** Let us look at `user_id` and [the docs](https://x.y). How would you shard it?')
    assert parsed.spoken == 'Good. Let us look at user_id and the docs. How would you shard it?'
    assert check_reply(parsed, 'stop', 'en', '', [], True) is None
    assert clean_spoken('- one\n- two?') == 'one two?'


@pytest.mark.parametrize('language', ['en', 'ko'])
def test_an_echo_of_the_instructions_is_caught(language):
    instructions = prompts.interviewer_instructions(language, 5)
    whole = parse_reply(instructions)
    assert check_reply(whole, 'stop', language, instructions, [], True) == 'echo'
    one_line = instructions.splitlines()[3].lstrip('- ')
    assert echoes(one_line + ' ' + ('어떻게 하시겠어요?' if language == 'ko' else 'How?'), instructions, language)


def test_ordinary_replies_are_not_echoes():
    for language, reply in (('en', 'Thanks. Is there anything you would like to ask or add?'),
                            ('en', 'Thank you, that is all for today. Your feedback report is ready.'),
                            ('ko', '안녕하세요. 백엔드 면접을 시작하겠습니다. 간단히 자기소개를 부탁드립니다.'),
                            ('ko', '마지막으로 궁금한 점이나 덧붙이고 싶은 말씀이 있으신가요?')):
        assert not echoes(reply, prompts.interviewer_instructions(language, 5), language), reply


def test_exact_and_near_repeats_of_earlier_replies_are_caught():
    earlier = ['Hello. Please introduce yourself briefly?', '**How** would you design a cache?']
    assert repeats('How would you design a cache?', earlier)
    assert repeats('How would you design the cache?', earlier)
    assert not repeats('How would you invalidate that cache?', earlier)


def test_a_reply_cut_at_the_length_cap_fails():
    assert check_reply(parse_reply('How would you shard it?'), 'length', 'en', '', [], True) == 'cut off'
    assert check_reply(parse_reply('How would you shard the users table by'), 'stop', 'en', '', [], False) == 'cut off'


def test_a_question_is_required_except_when_closing():
    statement = parse_reply('Thanks, that makes sense.')
    assert check_reply(statement, 'stop', 'en', '', [], question_due=True) == 'no question'
    assert check_reply(statement, 'stop', 'en', '', [], question_due=False) is None


@pytest.mark.parametrize('text', ['자기소개를 간단히 부탁드립니다. 말씀해 주세요.', '캐시는 어떻게 무효화할까요',
                                  '어떤 기준으로 선택하셨나요.', '설명해 주시겠어요.', '무엇입니까', '왜 그런가요?'])
def test_korean_question_endings_count_as_questions(text):
    assert has_question(text, 'ko')


def test_language_is_checked():
    assert in_language('Redis와 Memcached의 차이는 무엇인가요?', 'ko')  # technical terms in Latin letters are fine
    assert not in_language('How would you design a cache?', 'ko')
    assert not in_language('Good. 캐시는요?', 'en')
    reply = parse_reply('How would you design a cache?')
    assert check_reply(reply, 'stop', 'ko', '', [], True) == 'wrong language'


def test_an_empty_reply_fails():
    assert check_reply(parse_reply('{"reply": "", "notes": "only notes"}'), 'stop', 'en', '', [], True) == 'empty'
    assert check_reply(parse_reply('###NOTES### only notes here'), 'stop', 'en', '', [], True) == 'empty'


def test_json_nested_too_deeply_or_with_a_5000_digit_number_is_read_without_crashing():
    assert json_object('{"a": ' + '[' * 5000 + ']' * 5000 + '}') is None
    data = json_object('{"overall_score": ' + '9' * 5000 + ', "summary": "s"}')
    assert data['summary'] == 's' and data['overall_score'] == float('inf')
