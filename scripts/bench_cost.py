"""What 1,000 interview turns cost on AWS and the model, from what the bench measured per request.

A turn is what the original page does for one answer: the answer's POST /api/chat/gpt/, one
fetch of its audio_url, and (as the README's estimate assumes) two page-load GETs of
/api/chat/gpt/ and a fifth of a report. Prices are us-east-1 list prices; the assumptions go
into the output with the figures.
"""
PRICES = {
    'lambda_gb_second': 0.0000166667,
    'lambda_request': 0.20 / 1e6,
    'lambda_memory_gb': 0.5,  # 512 MB, as .chalice/config.json deploys it
    'api_gateway_request': 3.50 / 1e6,  # REST API, first 333 million a month
    'dynamodb_write_unit': 0.625 / 1e6,  # on-demand since November 2024 (was $1.25)
    'dynamodb_read_unit': 0.125 / 1e6,  # (was $0.25)
    's3_put_class_request': 0.005 / 1000,  # PUT, COPY, POST, LIST
    's3_get_class_request': 0.0004 / 1000,  # GET, HEAD and the rest; DELETE is free
    'model_input_token': 0.15 / 1e6,  # gpt-4o-mini
    'model_output_token': 0.60 / 1e6,
}
S3_PUT_CLASS = {'PutObject', 'CopyObject', 'PostObject', 'ListObjects', 'ListObjectsV2', 'ListBuckets',
                'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'}
S3_FREE = {'DeleteObject', 'DeleteObjects', 'AbortMultipartUpload'}
TURN_MIX = (('POST /api/chat/gpt/ (answer)', 1.0), ('GET audio_url', 1.0), ('GET /api/chat/gpt/', 2.0),
            ('POST /api/interviews/{id}/report/', 0.2))
TURNS = 1000
ASSUMPTIONS = [
    'us-east-1 list prices: Lambda at 512 MB, $0.0000166667 per GB-second of the measured request time '
    'plus $0.20 per million requests; API Gateway REST $3.50 per million requests.',
    'DynamoDB on demand, $0.625 per million write units and $0.125 per million read units (the prices '
    'since November 2024; before, $1.25 and $0.25). Units are what DynamoDB Local reported for each '
    'call: a write 1 unit per KB, a transaction 2 per item and KB, a strongly consistent read 1 per '
    '4 KB and an eventually consistent one half that; a failed write counted as 1 unit an item.',
    'S3 $0.005 per 1,000 PUT/COPY/POST/LIST and $0.0004 per 1,000 GET/HEAD requests, DELETE free; '
    'storage and data transfer left out (a clip is ~270 bytes per character of text).',
    'Model gpt-4o-mini, $0.15 per million input and $0.60 per million output tokens; tokens are the '
    "fake model's estimate of what it received and sent: 4 ASCII characters or 1 Hangul syllable each.",
    'A turn = one answer on POST /api/chat/gpt/ + one fetch of its audio_url + two page-load GETs of '
    '/api/chat/gpt/ + a fifth of a report (an interview of 5 questions).',
    'Typical: the sessions run with the realistic fakes (model 800 ms, speech 600 ms); Lambda bills '
    "their measured time. Turns 250-300: the long interview's calls, units and prompts; their time is "
    'the measured one plus what the realistic fakes added to a typical answer.',
]


def request_cost(figures: dict) -> dict:
    """Dollars for one request of a route, by part, from its mean figures."""
    invocations = figures['lambda_invocations']
    seconds = (figures['mean_ms'] or 0) / 1000
    put_class = get_class = 0.0
    for name, count in figures['aws_calls'].items():
        service, operation = name.split('.', 1)
        if service != 's3' or operation in S3_FREE:
            continue
        if operation in S3_PUT_CLASS:
            put_class += count
        else:
            get_class += count
    get_class += figures['s3_client_gets']
    return {
        'lambda': invocations * (seconds * PRICES['lambda_memory_gb'] * PRICES['lambda_gb_second']
                                 + PRICES['lambda_request']),
        'api_gateway': invocations * PRICES['api_gateway_request'],
        'dynamodb': (figures['write_units'] * PRICES['dynamodb_write_unit']
                     + figures['read_units'] * PRICES['dynamodb_read_unit']),
        's3': put_class * PRICES['s3_put_class_request'] + get_class * PRICES['s3_get_class_request'],
        'model': (figures['tokens_in'] * PRICES['model_input_token']
                  + figures['tokens_out'] * PRICES['model_output_token']),
    }


def per_thousand_turns(figures_by_route: dict) -> dict:
    """Dollars per 1,000 turns by part, with the quantities behind them."""
    parts = dict.fromkeys(('lambda', 'api_gateway', 'dynamodb', 's3', 'model'), 0.0)
    quantities = dict.fromkeys(('lambda_gb_seconds', 'requests', 'write_units', 'read_units',
                                'tokens_in', 'tokens_out'), 0.0)
    for route, per_turn in TURN_MIX:
        figures = figures_by_route[route]
        for part, dollars in request_cost(figures).items():
            parts[part] += dollars * per_turn * TURNS
        times = per_turn * TURNS
        quantities['lambda_gb_seconds'] += (times * figures['lambda_invocations'] * (figures['mean_ms'] or 0) / 1000
                                            * PRICES['lambda_memory_gb'])
        quantities['requests'] += times * figures['lambda_invocations']
        for name in ('write_units', 'read_units', 'tokens_in', 'tokens_out'):
            quantities[name] += times * figures[name]
    return {'dollars': {part: round(value, 4) for part, value in parts.items()},
            'total_dollars': round(sum(parts.values()), 4),
            'quantities': {name: round(value, 1) for name, value in quantities.items()}}


def costs(realistic_routes: dict, instant_routes: dict, long_interview: dict) -> dict:
    """Typical turns, and turns 250-300 of a long interview, per 1,000."""
    answer = 'POST /api/chat/gpt/ (answer)'
    added = (realistic_routes[answer]['mean_ms'] or 0) - (instant_routes[answer]['mean_ms'] or 0)
    late_answer = dict(long_interview['late_turn'])
    late_answer['mean_ms'] = (late_answer['mean_ms'] or 0) + added
    late_routes = {**realistic_routes, answer: late_answer,
                   'GET /api/chat/gpt/': long_interview['late_history_get']}
    late = long_interview['late']
    return {'prices': PRICES, 'turn_mix': dict(TURN_MIX), 'assumptions': ASSUMPTIONS,
            'typical': per_thousand_turns(realistic_routes),
            'late': {**per_thousand_turns(late_routes), 'turns': f"{late['from_turn']}-{late['to_turn']}",
                     'realistic_latency_added_ms': round(added, 1)}}
