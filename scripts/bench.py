"""`make bench`: how fast the service answers and what a turn costs, measured on this machine
against the real local engines: the app under chalice's local dev server (in this process),
DynamoDB Local and moto's S3 server, with a fake model and a fake speech engine that take
0 ms or a realistic time (model 800 ms a call, speech 600 ms a clip).

- cold start: `import app` in fresh interpreters (as shipped, and with openai and gTTS eager),
  and the first request of each kind in a fresh process (bench_cold.py);
- every route's p50/p95 and its AWS calls, capacity units and model tokens, from sessions of
  new accounts going register to report (bench_scenarios.py);
- time to the reply's text and to playable audio, speech off, 0 ms and 600 ms;
- one long interview: turn time, prompt size and DynamoDB calls at turns 1, 10, 40, 100, 300;
- the cost of 1,000 turns from those counts (bench_cost.py).

It prints tables, writes every figure to docs/bench/latest.json and (unless --quick) the
tables into README.md between the bench markers. It never fails on a number (a timing goal is
not a pass/fail test), only when the app breaks the HTTP contract and leaves nothing to measure.

    python -m scripts.bench [--quick] [--json PATH] [--no-readme] [--turns 300] ...
"""
import argparse
import os
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from scripts.bench_client import BenchFailure, Client
from scripts.bench_cold import first_requests, import_times
from scripts.bench_cost import costs
from scripts.bench_engines import SETTINGS, Engines
from scripts.bench_figures import long_interview_figures, route_figures, speech_figures
from scripts.bench_report import machine, rewrite_readme, tables, write_json
from scripts.bench_scenarios import INSTANT, REALISTIC, ROUTES, long_interview, sessions, speech

ROOT = Path(__file__).resolve().parent.parent
FULL = {'runs': 7, 'sessions': 30, 'slow_sessions': 12, 'answers': 12, 'turns': 300}
QUICK = {'runs': 1, 'sessions': 2, 'slow_sessions': 1, 'answers': 2, 'turns': 12}


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m scripts.bench', description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='a few of everything (the smoke test runs this)')
    parser.add_argument('--runs', type=int, help=f"fresh interpreters per import measurement ({FULL['runs']})")
    parser.add_argument('--sessions', '--requests', dest='sessions', type=int,
                        help=f"sessions with 0 ms fakes, so samples per route ({FULL['sessions']})")
    parser.add_argument('--slow-sessions', type=int, help=f"sessions with realistic fakes ({FULL['slow_sessions']})")
    parser.add_argument('--answers', type=int, help=f"answers per speech case ({FULL['answers']})")
    parser.add_argument('--turns', type=int, help=f"turns of the long interview ({FULL['turns']})")
    parser.add_argument('--json', type=Path, default=ROOT / 'docs' / 'bench' / 'latest.json', help='where the figures go')
    parser.add_argument('--no-readme', action='store_true', help="leave README.md's table as it is")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def say(message: str) -> None:
    print(f'[bench] {message}', file=sys.stderr, flush=True)


def measure(args) -> dict:
    say(f'import times, {args.runs} fresh interpreters each ...')
    imports = import_times(args.runs)  # before the bench configures anything: the app as a developer has it
    say('starting DynamoDB Local, S3 (moto), the fake model and the app ...')
    with Engines() as engines:
        client = Client(engines.app.base_url, engines.aws, engines.model)
        say('first requests in a fresh process ...')
        first = first_requests()
        say(f'{args.sessions} sessions with 0 ms fakes ...')
        instant = route_figures(sessions(client, engines, args.sessions, INSTANT, 'fast'), ROUTES)
        say(f'{args.slow_sessions} sessions with realistic fakes ({REALISTIC.describe()}) ...')
        realistic = route_figures(sessions(client, engines, args.slow_sessions, REALISTIC, 'slow'), ROUTES)
        say(f'time to text and audio, {args.answers} answers per speech case ...')
        spoken = speech_figures(speech(client, engines, args.answers, REALISTIC.model_ms, 'bench'))
        say(f'one interview of {args.turns} turns ...')
        long = long_interview_figures(long_interview(client, engines, args.turns, 'bench'))
        described = engines.describe()
        bcrypt_rounds = int(os.environ.get('BCRYPT_ROUNDS') or 12)  # the app's default
    return {
        'engines': described,
        'settings': {'quick': args.quick, 'import_runs': args.runs, 'sessions': args.sessions,
                     'slow_sessions': args.slow_sessions, 'speech_answers': args.answers, 'turns': args.turns,
                     'instant': INSTANT.describe(), 'realistic': REALISTIC.describe(),
                     'speech_model_ms': REALISTIC.model_ms, 'bcrypt_rounds': bcrypt_rounds,
                     'app_environment': {k: v for k, v in SETTINGS.items() if not k.startswith('AWS_')}},
        'cold_start': {'imports': imports, 'first_requests': first},
        'routes': {'instant': instant, 'realistic': realistic},
        'speech': spoken,
        'long_interview': long,
        'cost': costs(realistic, instant, long),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    started = time.monotonic()
    result = {'command': shlex.join(['python', '-m', 'scripts.bench', *argv]),
              'date': datetime.now(timezone.utc).isoformat(timespec='seconds'), 'machine': machine()}
    try:
        result.update(measure(args))
    except BenchFailure as failure:
        print(f'[bench] stopped: {failure}', file=sys.stderr)
        return 1
    result['seconds'] = round(time.monotonic() - started, 1)
    m = result['machine']
    print(f"{result['date']} on {m['cpu_count']} × {m['cpu_model']}, Python {m['python']}\n")
    print(tables(result, markdown=False), flush=True)
    write_json(result, args.json)
    say(f'figures written to {args.json}')
    if args.quick:
        say("README.md's table left as it is: a quick run has too few samples to quote")
    elif not args.no_readme:
        if rewrite_readme(result, ROOT / 'README.md'):
            say("README.md's table rewritten")
        else:
            say('README.md has no bench markers; left as it is')
    say(f"done in {result['seconds']:.0f} s")
    return 0


if __name__ == '__main__':
    sys.exit(main())
