"""How `make bench` shows its figures: aligned tables on stdout, the same tables as markdown in
README.md between the bench markers, and every figure in a JSON file."""
import json
import os
import platform
import re
from pathlib import Path

from scripts.bench_figures import WINDOW

README_START, README_END = '<!-- bench:start -->', '<!-- bench:end -->'


def machine() -> dict:
    cpu_model = ''
    try:
        found = re.search(r'^model name\s*:\s*(.+)$', Path('/proc/cpuinfo').read_text(), re.MULTILINE)
        cpu_model = found.group(1).strip() if found else ''
    except OSError:
        pass
    return {'cpu_count': os.cpu_count(), 'cpu_model': cpu_model or platform.processor() or 'unknown',
            'python': platform.python_version(), 'platform': platform.platform()}


# -- tables -----------------------------------------------------------------------------------
NUMERIC = re.compile(r'^[\d,.\s/–-]*$')


def render(headers, rows, markdown: bool) -> str:
    """A table; columns of numbers are right-aligned, the others left-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    numeric = [all(NUMERIC.match(row[i]) for row in cells[1:]) for i in range(len(headers))]
    if markdown:
        lines = ['| ' + ' | '.join(row) + ' |' for row in cells]
        lines.insert(1, '| ' + ' | '.join('---:' if right else '---' for right in numeric) + ' |')
        return '\n'.join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ['  '.join((c.rjust(w) if right else c.ljust(w)) for c, w, right in zip(row, widths, numeric)).rstrip()
             for row in cells]
    lines.insert(1, '  '.join('-' * w for w in widths))
    return '\n'.join(lines)


def _ms(value) -> str:
    return '–' if value is None else f'{value:,.0f}' if value >= 100 else f'{value:.1f}'


def _p50_p95(figures: dict) -> str:
    return '–' if not figures.get('n') else f"{_ms(figures['p50_ms'])} / {_ms(figures['p95_ms'])}"


def _number(value: float) -> str:
    return f'{value:g}' if value == int(value) else f'{value:.1f}'


def _calls(figures: dict) -> str:
    by_service = {}
    for name, count in figures['aws_calls'].items():
        service, operation = name.split('.', 1)
        by_service.setdefault(service, []).append(f'{operation} {_number(count)}')
    parts = [f"{'DynamoDB' if s == 'dynamodb' else s.upper()}: {', '.join(ops)}" for s, ops in by_service.items()]
    return '; '.join(parts) or '–'


def _units(figures: dict) -> str:
    return f"{_number(figures['read_units'])} / {_number(figures['write_units'])}"


def tables(result: dict, markdown: bool) -> str:
    """Every table, with a line saying what each shows."""
    settings, out = result['settings'], []

    def add(title, headers, rows, note=''):
        out.append(f'{title}\n\n{render(headers, rows, markdown)}' + (f'\n\n{note}' if note else ''))

    instant, realistic = result['routes']['instant'], result['routes']['realistic']
    add(f"Per request, ms ({settings['sessions']} sessions with 0 ms fakes, {settings['slow_sessions']} with "
        f"{settings['realistic']}; bcrypt cost {settings['bcrypt_rounds']}):",
        ['route', 'p50 / p95, 0 ms fakes', 'p50 / p95, realistic fakes', 'AWS calls a request',
         'DynamoDB read / write units'],
        [[f'`{r}`' if markdown else r, _p50_p95(instant[r]), _p50_p95(realistic[r]), _calls(instant[r]),
          _units(instant[r])] for r in instant],
        _errors_note(result['routes']))
    speech = result['speech']
    add(f"Time to the reply's text and to playable audio, ms (model {settings['speech_model_ms']} ms, "
        f"{settings['speech_answers']} answers each):",
        ['speech', 'text p50 / p95', 'audio playable p50 / p95'],
        [[case, _p50_p95(f['time_to_text']), _p50_p95(f['time_to_audio'])] for case, f in speech.items()])
    long = result['long_interview']
    add(f"One interview of {long['turns']} turns on `POST /api/chat/gpt/` (0 ms fakes; time: median of the "
        f"turn and the {WINDOW - 1} before it):",
        ['turn', 'chat POST ms', 'prompt characters', 'DynamoDB calls', 'read / write units',
         'page-load GET ms'],
        [[c['turn'], _ms(c['window_p50_ms']), f"{c['prompt_chars']:,}", c['dynamodb_calls'],
          f"{_number(c['read_units'])} / {_number(c['write_units'])}", _ms(c['history_get_ms'])]
         for c in long['checkpoints']],
        f"Chat POST p50: turns {long['early']['from_turn']}–{long['early']['to_turn']} "
        f"{_ms(long['early']['p50_ms'])} ms, turns {long['late']['from_turn']}–{long['late']['to_turn']} "
        f"{_ms(long['late']['p50_ms'])} ms (× {long['late_to_early_ratio']}); "
        f"{long['dynamodb_calls_per_turn']:.1f} DynamoDB calls a turn on average.")
    cold = result['cold_start']
    rows = [[label, _ms(ms), ''] for label, ms in cold['imports'].items()]
    first = cold['first_requests']
    rows.append(['import app, in the fresh process below', _ms(first['import_app_ms']), ''])
    rows += [[f'`{r}`' if markdown else r, _ms(ms), _ms(first['second'][r])] for r, ms in first['first'].items()]
    add(f"Cold start, ms (imports: median of {settings['import_runs']} fresh interpreters; requests: a fresh "
        f"process, speech {first['speech'] or 'default'}, 0 ms model):",
        ['what', 'first', 'second (warm)'], rows)
    typical, late = result['cost']['typical'], result['cost']['late']
    parts = [('Lambda', 'lambda'), ('API Gateway', 'api_gateway'), ('DynamoDB', 'dynamodb'), ('S3', 's3'),
             ('model', 'model')]
    add('Cost per 1,000 turns, US dollars (assumptions below):',
        ['part', 'typical turn', f"turns {late['turns']}"],
        [[label, f"{typical['dollars'][key]:.4f}", f"{late['dollars'][key]:.4f}"] for label, key in parts]
        + [['total', f"{typical['total_dollars']:.4f}", f"{late['total_dollars']:.4f}"]],
        '\n'.join(f'- {line}' for line in result['cost']['assumptions']))
    return '\n\n'.join(out)


def _errors_note(routes: dict) -> str:
    failed = [f'{route} ({kind}): {f["errors"]} × {f["error_statuses"]}'
              for kind, figures in routes.items() for route, f in figures.items() if f['errors']]
    return ('Requests that failed (left out of the figures): ' + '; '.join(failed)) if failed else ''


# -- files ------------------------------------------------------------------------------------
def write_json(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + '\n')


def rewrite_readme(result: dict, readme: Path) -> bool:
    """Replaces what stands between the markers; False (and nothing written) without them."""
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    m = result['machine']
    header = (f"Last run {result['date'][:10]} (`{result['command']}`) on {m['cpu_count']} × {m['cpu_model']}, "
              f"Python {m['python']}.")
    block = f'{README_START}\n{header}\n\n{tables(result, markdown=True)}\n{README_END}'
    readme.write_text(text[:start] + block + text[end + len(README_END):])
    return True
