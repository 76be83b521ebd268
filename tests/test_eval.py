"""The scorecard of `make eval` on small hand-made transcripts: each check counts what it should,
and the verdict fails on what it should. No interview is run here."""
import pytest

from chalicelib.interviewers.bank import topics
from scripts import eval as ev
from scripts.eval_personas import Candidate, asked_question, mentioned, points_for


def question(topic='backend', index=0):
    return topics()[topic]['questions'][index]


def interview(turns, persona='strong', language='en', topic='backend', user='u', finished=True, report=None):
    """turns: [(role, text)] or [(role, text, persona)] in order, the interviewer first."""
    made = []
    for turn in turns:
        role, text = turn[0], turn[1]
        entry = {'role': 'assistant' if role == 'a' else 'user', 'text': text}
        if entry['role'] == 'user':
            entry['persona'] = turn[2] if len(turn) > 2 else persona
        made.append(entry)
    return {'persona': persona, 'user': user, 'topic': topic, 'language': language, 'turns': made,
            'finished': finished, 'report': report, 'interview_id': 'x'}


# -- leaks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize('reply, kind', [
    ('Okay. NOTES: the candidate was vague.', 'notes label'),
    ('Next question. Notes: short answer.', 'notes label'),
    ('### Next question', '###'),
    ('<<SYS>> you are an interviewer', '<<SYS>>'),
    ('[INST] ask a question [/INST]', '[INST]'),
    ('Good. <b>Next</b> question?', 'HTML tag'),
    ('{"reply": "Next question?"}', 'JSON reply'),
    ('backend-03: covered 2 of 4 key points', 'offline notes'),
    ('Moving on to backend-03.', 'bank id'),
    ('state: topic_id backend, followed_up false', 'state key'),
])
def test_a_leak_is_counted(reply, kind):
    found = ev.leaks([interview([('a', 'Tell me about yourself?'), ('u', 'I build APIs.'), ('a', reply)])])
    assert len(found) == 1 and kind in found[0]['kinds']


def test_ordinary_replies_do_not_leak():
    clean = ['I see. What is a database index, when do you use one, and what are its downsides?',
             '좋습니다. 다음 질문입니다. 3 < 5 이고 x > 2 일 때를 생각해 보세요.',
             'We can note that this is a trade-off.']
    assert ev.leaks([interview([('a', text) for text in clean])]) == []


# -- praise after a non-answer -------------------------------------------------------------------
def test_praise_after_gibberish_is_counted_and_listed():
    q = question()
    found = ev.praise_after_non_answers([interview(
        [('a', q['en']), ('u', 'asdf', 'gibberish'), ('a', 'Great, thank you. Next question.')],
        persona='gibberish', finished=False)])
    assert len(found) == 1 and found[0]['answer'] == 'asdf' and 'Great' in found[0]['reply']


def test_korean_praise_after_a_non_answer_is_counted():
    found = ev.praise_after_non_answers([interview(
        [('a', question()['ko']), ('u', '모르겠습니다', 'non_answer'), ('a', '좋은 답변입니다. 다음 질문입니다.')],
        persona='non_answer', language='ko', finished=False)])
    assert len(found) == 1


def test_praise_after_a_real_answer_or_no_praise_after_gibberish_is_not_counted():
    q = question()
    fine = [interview([('a', q['en']), ('u', 'An index is a B-tree...', 'strong'), ('a', 'Good answer. Next.')],
                      finished=False),
            interview([('a', q['en']), ('u', 'asdf', 'gibberish'), ('a', 'I could not follow that. '
                                                                        'Could you answer in a sentence?')],
                      persona='gibberish', finished=False)]
    assert ev.praise_after_non_answers(fine) == []


def test_a_closing_thanking_for_sharing_after_only_non_answers_is_counted():
    found = ev.praise_after_non_answers([interview(
        [('a', question()['en']), ('u', 'no idea', 'non_answer'), ('a', 'Thank you for sharing so much today.')],
        persona='non_answer')])
    assert len(found) == 1 and 'closing' in found[0]['why']


# -- repeats -------------------------------------------------------------------------------------
def test_a_bank_question_asked_twice_in_an_interview_is_counted():
    q = question()
    repeats = ev.count_repeats([interview([('a', f"Hello. {q['en']}"), ('u', 'answer one'),
                                           ('a', f"Okay. {q['en']}"), ('u', 'answer two'), ('a', 'Bye.')])])
    assert repeats['bank_question_in_interview'] == 1


def test_a_question_asked_in_korean_and_again_by_its_follow_up_is_not_a_repeat():
    q = question()
    repeats = ev.count_repeats([interview([('a', q['ko']), ('u', '답'), ('a', q['follow_up']['ko'])], language='ko')])
    assert repeats['bank_question_in_interview'] == 0


def test_a_quoted_question_in_the_closing_feedback_is_not_asked_again():
    q = question()
    transcript = interview([('a', q['en']), ('u', 'answer'),
                            ('a', f'That is all for today. For "{q["en"]}" consider adding an example.')])
    assert ev.asked_ids(transcript) == [q['id']]
    assert ev.count_repeats([transcript])['bank_question_in_interview'] == 0


def test_the_same_sentence_said_twice_in_an_interview_is_counted_short_ones_are_not():
    line = 'Let us move on to the next topic now.'
    transcript = interview([('a', f"{line} {question(index=0)['en']}"), ('u', 'a'), ('a', 'Okay. ' + line),
                            ('u', 'b'), ('a', 'Okay. Done.')])
    assert ev.count_repeats([transcript])['sentence_in_interview'] == 1  # "Okay." is under 12 characters


def test_a_question_repeated_in_the_users_next_interview_on_the_topic_is_counted():
    q, other = question(index=0), question(index=1)
    first = interview([('a', q['en']), ('u', 'a'), ('a', other['en'])])
    second = interview([('a', other['en']), ('u', 'b'), ('a', 'Done for today.')])
    someone_else = interview([('a', q['en'])], user='v')
    other_language = interview([('a', q['ko'])], language='ko')
    repeats = ev.count_repeats([first, second, someone_else, other_language])
    assert repeats['bank_question_next_interview'] == 1
    assert repeats['examples']['bank_question_next_interview'][0]['questions'] == [other['id']]


# -- language slips ------------------------------------------------------------------------------
def test_a_hangul_free_reply_in_a_korean_interview_is_a_slip():
    assert ev.language_slip('Good. Next question: what is an index?', 'ko')
    assert not ev.language_slip('좋습니다. REST API를 설계할 때 중요한 원칙은 무엇인가요?', 'ko')


def test_any_hangul_in_an_english_interview_is_a_slip():
    assert ev.language_slip('Good. 다음 question.', 'en')
    assert not ev.language_slip('Good. Next question.', 'en')
    slips = ev.language_slips([interview([('a', 'What is an index?'), ('u', 'x'), ('a', 'Next question.')],
                                         language='ko')])
    assert len(slips) == 2


# -- reports -------------------------------------------------------------------------------------
def test_a_missing_claim_in_a_strong_report_is_counted_the_quote_is_not():
    report = {'overall_score': 80, 'improvements': [
        {'quote': 'missing nothing', 'suggestion': 'For "What is...", also cover: pagination.'},
        {'quote': 'x', 'suggestion': 'Close with a measurable outcome.'}]}
    found = ev.false_missing_claims([interview([('a', 'Q?'), ('u', 'A'), ('a', 'Bye.')], report=report),
                                     interview([('a', 'Q?'), ('u', 'A'), ('a', 'Bye.')], persona='weak',
                                               report=report)])
    assert [f['claim'] for f in found] == ['For "What is...", also cover: pagination.']


def test_a_missing_claim_in_the_closing_to_a_strong_candidate_is_counted():
    found = ev.false_missing_claims([interview(
        [('a', 'Q?'), ('u', 'A'), ('a', '오늘 면접은 여기까지입니다. 다음 요점은 찾지 못했습니다: 인덱스.')], language='ko')])
    assert len(found) == 1 and found[0]['where'] == 'closing'


def test_report_scores_per_persona_and_language():
    ivs = [interview([], persona=p, language=lang, report={'overall_score': s})
           for p, lang, s in [('strong', 'en', 90), ('strong', 'ko', 70), ('weak', 'en', 20)]]
    scores = ev.report_scores(ivs)
    assert scores['by_persona']['strong'] == {'n': 2, 'mean': 80, 'min': 70, 'max': 90}
    assert scores['by_persona_language']['strong/ko']['mean'] == 70
    assert scores['spread'] == 60


# -- the verdict ---------------------------------------------------------------------------------
MEANS = {'strong': 80, 'weak': 30, 'wrong_but_fluent': 40, 'keyword_salad': 25, 'gibberish': 2,
         'off_topic': 5, 'steering': 3, 'non_answer': 1}


def run_of(means):
    return [interview([('a', 'Tell me about yourself?'), ('u', 'Hello there.'), ('a', 'Thank you. Bye now.')],
                      persona=p, user=p, report={'overall_score': s}) for p, s in means.items()]


def test_a_clean_run_passes():
    card = ev.scorecard(run_of(MEANS))
    assert card['failed'] == [] and card['verdict'] == 'PASS'
    assert '**PASS**' in ev.markdown(card)


@pytest.mark.parametrize('changes, expected', [
    ({'keyword_salad': 80}, 'keyword_salad mean 80'),
    ({'wrong_but_fluent': 85}, 'wrong_but_fluent mean 85'),
    ({'gibberish': 26}, 'gibberish mean 26'),
    ({'steering': 30}, 'steering mean 30'),
])
def test_the_verdict_fails_on_scores_out_of_order(changes, expected):
    card = ev.scorecard(run_of({**MEANS, **changes}))
    assert card['verdict'] == 'FAIL' and any(expected in f for f in card['failed'])
    assert expected in ev.markdown(card).split('\n\n')[1]  # the FAIL line names the check


def test_the_verdict_fails_on_any_leak_and_prints_the_numbers():
    ivs = run_of(MEANS)
    ivs[0]['turns'][-1]['text'] = 'Thanks. Notes: covered 1 of 4 key points.'
    card = ev.scorecard(ivs)
    assert card['counts']['leaks'] == 1 and 'leaks: 1 (must be 0)' in card['failed']
    assert '| leaks | 1 | 0 |' in ev.markdown(card)


def test_a_persona_that_did_not_run_is_not_measured_which_fails():
    card = ev.scorecard(run_of({p: s for p, s in MEANS.items() if p != 'strong'}))
    assert any('not measured' in f for f in card['failed'])


# -- the candidates ------------------------------------------------------------------------------
@pytest.mark.parametrize('language', ['ko', 'en'])
def test_candidates_answer_the_asked_question_as_their_persona(language):
    q = question('backend', 1)
    reply = f"{'다음 질문입니다.' if language == 'ko' else 'Next question.'} {q[language]}"
    points = points_for(asked_question(reply))
    assert asked_question(reply)[0]['id'] == q['id']
    strong = Candidate('strong').answer(reply, language, 'Backend', first=False)
    assert len(mentioned(points, strong)) == len(points) and 3 <= strong.count('.') <= 8
    for persona in ('weak', 'wrong_but_fluent'):
        assert len(mentioned(points, Candidate(persona).answer(reply, language, 'Backend', first=False))) <= 1
    salad = Candidate('keyword_salad').answer(reply, language, 'Backend', first=False)
    assert len(mentioned(points, salad)) == len(points)


def test_unknown_questions_get_the_personas_generic_answer():
    intro = Candidate('strong').answer('Hello. Please introduce yourself briefly.', 'en', 'Backend', first=True)
    assert 'experience' in intro
    closing = Candidate('strong').answer('Is there anything you would like to ask or add?', 'en', 'Backend',
                                         first=False)
    assert closing.rstrip().endswith('?')


def test_a_generic_type_in_a_question_is_not_an_html_leak():
    assert ev.leaks_in('How would you type a List<String> and a Map<String, Integer> here?') == []
    assert ev.leaks_in('<think>the candidate is weak</think> Next question.') == ['HTML tag']


def test_a_non_answer_thanked_as_an_answer_is_listed_but_is_not_a_failed_check():
    ivs = run_of(MEANS)
    ivs.append(interview([('a', 'Please introduce yourself.'), ('u', 'asdf', 'gibberish'),
                          ('a', "Thanks for the introduction. Let's get into the questions.")],
                         persona='gibberish', user='g', report={'overall_score': 0}))
    card = ev.scorecard(ivs)
    assert len(card['thanked_non_answers']) == 1 and card['verdict'] == 'PASS'
