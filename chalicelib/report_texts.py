"""The offline report's words in each language. Each sentence says what was measured, never
whether an answer was right: the offline report cannot know that."""

TEXT = {
    'en': {
        'overall_label': 'Coverage & delivery index',
        'relevance': 'Your answers mentioned {hit} of the {total} key points of the {answers} {questions} asked, '
                     'counted where they were said in sentences.',
        'relevance_unchecked': ('No bank key points to check against; {ok} of {answers} answers were '
                                'substantive (capped at {cap}).'),
        'depth': 'Answers averaged {avg} characters; {short} short, {long} over {long_chars}.',
        'depth_coverage': ' Key-point coverage {pct}%.',
        'structure': 'Signposting words (first, because, for example…) in {used} of {answers} answers, '
                     '{avg} per answer.',
        'communication': ('{rate} filler words per 100 words{top}; {balanced} of {answers} answers '
                          'neither short nor over {long_chars} characters.'),
        'top_fillers': ' (most often {items})',
        'filler_item': '"{word}" ×{count}',
        'star': 'Named {avg} of 4 STAR parts per answer on average; {full} of {answers} answers had all four.',
        'not_answers': ' {n} of {answers} {replies} {were} ({kinds}).',
        'questions_word': ('question', 'questions'),
        'were': ('was not an answer we could assess', 'were not answers we could assess'),
        'kinds': {'empty': 'empty', 'non_answer': "\"I don't know\"", 'gibberish': 'unreadable',
                  'off_topic': 'off the question', 'steering': 'requests to the interviewer',
                  'greeting': 'greetings'},
        'strength_coverage': 'Your answer to "{q}" mentioned {hit} of {total} key points, including: {point}.',
        'strength_star': 'Your answer to "{q}" walked through situation, task, action and result.',
        'strength_structure': 'In "{q}" you signposted your reasoning ({markers}), which makes it easy to follow.',
        'strength_clear': 'Your answer to "{q}" had no filler words: {chars} characters ("{quote}").',
        'missed': ('The word check did not spot these points in your answer to "{q}" (it can miss your own '
                   'wording, so compare your answer with the outline below): {points}.'),
        'short': ('At {chars} characters this answer is short; expand it to 3-4 sentences: your point, '
                  'the reason, and a concrete example from your work.'),
        'list_only': ('This reads as a list of terms rather than an explanation; say how they connect, '
                      'in full sentences, with a reason and an example.'),
        'filler': 'Pause silently instead of using filler words: {fillers} came up {count} times here.',
        'long': ('At {chars} characters this answer ran long; open with your conclusion in one sentence, '
                 'then give at most three supporting points.'),
        'no_structure': 'Signpost the answer ("First…", "because…", "for example…") so the listener can follow.',
        'no_result': 'We could not find the result of your story: close with the outcome, with a number if you have one.',
        'not_an_answer': ('There was no answer here we could assess. When you do not know, say so and reason '
                          'out loud: what you would check first, and why.'),
        'not_an_answer_steering': ('This was a request to the interviewer, not an answer; the questions and the '
                                   'assessment stay the same, so answer the question itself.'),
        'not_an_answer_off_topic': ('This story did not answer the question: start from what the question asks, '
                                    'then bring in an example from your work.'),
        'polish': ('Close the answer with a measurable outcome (a number or a before/after) '
                   'to make it memorable.'),
        'polish_order': 'Open with your conclusion in one sentence, then give the reason and the example.',
        'labels': {'relevance': 'key points', 'depth': 'depth', 'structure': 'structure',
                   'communication': 'delivery', 'star': 'STAR structure'},
        'summary': ('Coverage & delivery index {score}/100 over {answers} {replies}.{not_answers} Highest: '
                    '{best} ({best_score}); most room to grow: {worst} ({worst_score}).'),
        'summary_flat': 'Coverage & delivery index {score}/100 over {answers} {replies}.{not_answers} Every criterion measured {score}.',
        'replies': ('reply', 'replies'),
        'method': ('Measured from the transcript, not judged by an AI model: which key points of each question '
                   'your answers mentioned in sentences, and how they were delivered (length, filler words, '
                   'signposting, STAR parts). It cannot tell whether an answer is correct, so the number is '
                   'not a verdict on your answers.'),
        'outline_star': ['Situation: when and where, in a sentence or two', 'Task: your role and the goal',
                         'Action: what you did, step by step',
                         'Result: the outcome, with a number if possible, and what you learned'],
        'outline_intro': ['Who you are and your current role, in one sentence',
                          'One or two things you built or led, with a result',
                          'Why this role or team interests you, in one sentence'],
        'outline_claim': ['Your answer in one sentence', 'The reason or principle behind it',
                          'A concrete example from your experience',
                          'A trade-off or limit, and what you would do differently'],
        'spoken_score': ('Your coverage and delivery index for this interview is {score} out of 100, a measure '
                         'of key points and delivery rather than correctness.'),
        'spoken_none': ('I could not find an answer to assess in this interview. Next time, even when you are '
                        'unsure, reason out loud in a few sentences.'),
        'spoken_tip': {
            'relevance': 'To raise it, explain the key points each question asks about, in full sentences.',
            'depth': 'To raise it, cover what each question asks and back it with a trade-off or a real example.',
            'structure': 'To raise it, signpost your answers with words like first, because and for example.',
            'communication': 'To raise it, drop the filler words and open each answer with your conclusion.',
            'star': 'To raise it, tell each story as situation, task, action and result, ending with a number.',
        },
        'spoken_worst': 'The area with most room to grow was {label}.',
        'spoken_high': 'Every area measured high; keep answering this way.',
    },
    'ko': {
        'overall_label': '요점·전달 지표',
        'relevance': '질문 {answers}개의 핵심 요점 {total}개 중 {hit}개를 답변에서 문장으로 언급했습니다.',
        'relevance_unchecked': ('비교할 핵심 요점이 없어, 답변 {answers}개 중 충분한 길이의 답변 {ok}개로 '
                                '매겼습니다(최대 {cap}점).'),
        'depth': '답변은 평균 {avg}자이며, 짧은 답변 {short}개, {long_chars}자를 넘는 답변 {long}개입니다.',
        'depth_coverage': ' 핵심 요점 포함률은 {pct}%입니다.',
        'structure': '답변 {answers}개 중 {used}개에서 흐름을 드러내는 표현(첫째, 왜냐하면, 예를 들어 등)을 썼고, 답변당 평균 {avg}개입니다.',
        'communication': '100단어당 군말 {rate}개{top}, 답변 {answers}개 중 {balanced}개가 적당한 길이였습니다.',
        'top_fillers': '(주로 {items})',
        'filler_item': '"{word}" {count}회',
        'star': '답변당 STAR 요소 4개 중 평균 {avg}개를 언급했고, 네 요소를 모두 갖춘 답변은 {answers}개 중 {full}개입니다.',
        'not_answers': ' 응답 {answers}개 중 {n}개는 평가할 수 있는 답변이 아니었습니다({kinds}).',
        'questions_word': ('', ''),
        'were': ('', ''),
        'kinds': {'empty': '빈 답변', 'non_answer': '모른다는 답', 'gibberish': '알아볼 수 없는 입력',
                  'off_topic': '질문과 무관한 이야기', 'steering': '면접관에게 한 요청', 'greeting': '인사'},
        'strength_coverage': '"{q}" 질문에서 핵심 요점 {total}개 중 {hit}개를 언급했습니다(예: {point}).',
        'strength_star': '"{q}" 질문에서 상황, 과제, 행동, 결과를 모두 갖춰 답했습니다.',
        'strength_structure': '"{q}" 질문에서 {markers} 같은 표현으로 답변의 흐름을 드러냈습니다.',
        'strength_clear': '"{q}" 질문에 군말 없이 {chars}자로 답했습니다("{quote}").',
        'missed': ('"{q}" 질문의 답변에서 단어 검사로는 다음 요점을 확인하지 못했습니다(다른 표현으로 말했다면 놓쳤을 수 '
                   '있으니 아래 모범 구성과 비교해 보세요): {points}.'),
        'short': '이 답변은 {chars}자로 짧습니다. 핵심 주장, 이유, 실제 경험 사례를 담아 3~4문장으로 늘려 보세요.',
        'list_only': '용어를 나열한 것에 가깝습니다. 용어들이 어떻게 연결되는지 이유와 예시를 들어 문장으로 설명해 보세요.',
        'filler': '군말 대신 잠시 멈춰 생각해 보세요. 이 답변에서 {fillers} 같은 군말이 {count}번 나왔습니다.',
        'long': '이 답변은 {chars}자로 깁니다. 결론을 한 문장으로 먼저 말하고, 근거는 세 가지 이내로 줄여 보세요.',
        'no_structure': '"첫째…", "왜냐하면…", "예를 들어…"처럼 흐름을 드러내는 표현을 넣어 보세요.',
        'no_result': '이야기의 결과를 찾지 못했습니다. 가능하면 수치를 넣어 어떤 성과로 끝났는지 마무리해 보세요.',
        'not_an_answer': '평가할 수 있는 답변이 없었습니다. 모를 때는 모른다고 말하고, 무엇부터 확인할지와 그 이유를 소리 내어 추론해 보세요.',
        'not_an_answer_steering': '면접관에게 한 요청이었고 답변은 아니었습니다. 질문과 평가는 바뀌지 않으니 질문 자체에 답해 보세요.',
        'not_an_answer_off_topic': '질문에 대한 답이 아닌 이야기였습니다. 질문이 묻는 것부터 답하고, 그다음 업무 경험을 예로 들어 보세요.',
        'polish': '수치나 전후 비교 같은 측정 가능한 결과로 답변을 마무리하면 더 기억에 남습니다.',
        'polish_order': '결론을 한 문장으로 먼저 말하고, 이유와 사례를 이어 가면 더 쉽게 전달됩니다.',
        'labels': {'relevance': '핵심 요점', 'depth': '깊이', 'structure': '구조', 'communication': '전달',
                   'star': 'STAR 구성'},
        'summary': ('답변 {answers}개의 요점·전달 지표는 {score}점입니다.{not_answers} 가장 높은 항목은 '
                    '{best}({best_score}점), 가장 보완할 항목은 {worst}({worst_score}점)입니다.'),
        'summary_flat': '답변 {answers}개의 요점·전달 지표는 {score}점입니다.{not_answers} 모든 항목이 {score}점입니다.',
        'replies': ('', ''),
        'method': ('이 리포트는 AI 모델의 판단이 아니라 대화 기록에서 측정한 값입니다. 각 질문의 핵심 요점을 문장으로 '
                   '언급했는지와 전달 방식(길이, 군말, 흐름 표현, STAR 요소)을 셉니다. 답이 맞았는지는 판단할 수 '
                   '없으므로, 이 점수는 답변의 정답 여부에 대한 평가가 아닙니다.'),
        'outline_star': ['상황: 언제, 어떤 배경이었는지 한두 문장으로', '과제: 본인의 역할과 목표',
                         '행동: 본인이 한 일을 단계별로', '결과: 가능하면 수치로 나타낸 성과와 배운 점'],
        'outline_intro': ['현재 역할과 경력을 한 문장으로', '직접 만들거나 이끈 일 한두 가지와 그 결과',
                          '이 직무나 팀에 관심을 가진 이유 한 문장'],
        'outline_claim': ['한 문장으로 말하는 핵심 답변', '그렇게 생각하는 이유나 원칙',
                          '실제 경험에서 나온 구체적인 사례', '한계나 트레이드오프, 다르게 해 볼 점'],
        'spoken_score': '이번 면접의 요점·전달 지표는 100점 중 {score}점으로, 정답 여부가 아니라 요점과 전달을 잰 값입니다.',
        'spoken_none': '이번 면접에서는 평가할 수 있는 답변을 찾지 못했습니다. 다음에는 확실하지 않더라도 생각하는 과정을 몇 문장으로 말해 보세요.',
        'spoken_tip': {
            'relevance': '각 질문이 묻는 핵심 요점을 문장으로 설명해 보세요.',
            'depth': '각 질문이 묻는 내용을 다루고, 트레이드오프나 실제 사례로 뒷받침해 보세요.',
            'structure': '첫째, 왜냐하면, 예를 들어 같은 표현으로 답변의 흐름을 드러내 보세요.',
            'communication': '군말을 줄이고 결론부터 말해 보세요.',
            'star': '경험은 상황, 과제, 행동, 결과 순서로 말하고, 결과는 수치로 마무리해 보세요.',
        },
        'spoken_worst': '가장 보완할 항목은 {label}입니다.',
        'spoken_high': '모든 항목이 높게 측정되었습니다. 지금처럼 답해 보세요.',
    },
}
