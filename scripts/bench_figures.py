"""The numbers `make bench` reports, made from the scenarios' raw samples: timings as p50/p95,
and what a request costs as means (AWS calls by operation, capacity units, model tokens)."""
import math
import statistics
from collections import Counter

EARLY_TURNS = 50  # "turns 1–50" against "the last 50 turns" of the long interview
WINDOW = 5  # a checkpoint's time is the median of it and the 4 turns before: one turn is noisy


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timing(values) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {'n': 0, 'p50_ms': None, 'p95_ms': None, 'mean_ms': None, 'max_ms': None}
    return {'n': len(values), 'p50_ms': round(statistics.median(values), 1),
            'p95_ms': round(percentile(values, 0.95), 1), 'mean_ms': round(statistics.fmean(values), 1),
            'max_ms': round(max(values), 1)}


def _mean(values) -> float:
    values = list(values)
    return round(statistics.fmean(values), 3) if values else 0.0


def request_figures(samples) -> dict:
    """Timing of the successful samples and the mean cost of one of them; failures counted."""
    ok = [s for s in samples if s.ok]
    calls = Counter()
    for sample in ok:
        calls.update(sample.aws.calls)
    return {
        **timing(s.ms for s in ok),
        'errors': len(samples) - len(ok),
        'error_statuses': sorted({s.status for s in samples if not s.ok}),
        'aws_calls': {name: round(n / len(ok), 3) for name, n in sorted(calls.items())} if ok else {},
        'dynamodb_calls': _mean(s.aws.count('dynamodb') for s in ok),
        's3_calls': _mean(s.aws.count('s3') for s in ok),
        'read_units': _mean(s.aws.read_units for s in ok),
        'write_units': _mean(s.aws.write_units for s in ok),
        'model_calls': _mean(s.model_calls for s in ok),
        'prompt_chars': _mean(s.prompt_chars for s in ok),
        'tokens_in': _mean(s.tokens_in for s in ok),
        'tokens_out': _mean(s.tokens_out for s in ok),
        'lambda_invocations': _mean(int(s.via_api) for s in ok),
        's3_client_gets': _mean(s.s3_gets for s in ok),
    }


def route_figures(samples_by_route: dict, routes) -> dict:
    return {route: request_figures(samples_by_route.get(route, [])) for route in routes}


def speech_figures(results: dict) -> dict:
    return {case: {'time_to_text': timing(result['text_ms']),
                   'time_to_audio': timing(result['audio_ms']),
                   'replies_without_audio': sum(1 for ms in result['audio_ms'] if ms is None),
                   'errors': result['errors']}
            for case, result in results.items()}


def long_interview_figures(result: dict) -> dict:
    turns, history = result['turns'], result['history']
    count = len(turns)
    early = turns[:min(EARLY_TURNS, count)]
    late_from = max(1, count - EARLY_TURNS)  # 250 of 300: "turns 250–300"
    late = turns[late_from - 1:]
    early_p50, late_p50 = statistics.median(s.ms for s in early), statistics.median(s.ms for s in late)
    checkpoints = []
    for turn in result['checkpoints']:
        sample, page = turns[turn - 1], history[turn]
        checkpoints.append({
            'turn': turn, 'ms': round(sample.ms, 1),
            'window_p50_ms': round(statistics.median(s.ms for s in turns[max(0, turn - WINDOW):turn]), 1),
            'prompt_chars': sample.prompt_chars, 'model_calls': sample.model_calls,
            'tokens_in': sample.tokens_in, 'dynamodb_calls': sample.aws.count('dynamodb'),
            's3_calls': sample.aws.count('s3'), 'aws_calls': dict(sorted(sample.aws.calls.items())),
            'read_units': sample.aws.read_units, 'write_units': sample.aws.write_units,
            'history_get_ms': round(page.ms, 1), 'history_dynamodb_calls': page.aws.count('dynamodb'),
            'history_read_units': page.aws.read_units,
        })
    return {
        'turns': count,
        'checkpoints': checkpoints,
        'early': {'from_turn': 1, 'to_turn': len(early), 'p50_ms': round(early_p50, 1)},
        'late': {'from_turn': late_from, 'to_turn': count, 'p50_ms': round(late_p50, 1)},
        'late_to_early_ratio': round(late_p50 / early_p50, 2) if early_p50 else None,
        'dynamodb_calls_per_turn': _mean(s.aws.count('dynamodb') for s in turns),
        'early_turn': request_figures(early),
        'late_turn': request_figures(late),
        'late_history_get': request_figures([history[count]]),
    }
