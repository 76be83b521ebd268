"""Operator commands (what the Django admin used to do).

    python -m scripts.admin set-limit alice 20       # alice may chat 20 times a day
    python -m scripts.admin set-limit alice default  # back to DAILY_CHAT_LIMIT
    python -m scripts.admin show alice               # limit and today's usage
    python -m scripts.admin finish-deletions         # complete account deletions that stopped half-way

`--stage local` (the default) talks to the DynamoDB Local that `make run` started; another
stage uses that stage's table names with your AWS credentials.
"""
import argparse
import os
import sys

from scripts.bootstrap import stage_environment


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m scripts.admin', description=__doc__.split('\n')[0])
    parser.add_argument('--stage', default='local')
    commands = parser.add_subparsers(dest='command', required=True)
    set_limit = commands.add_parser('set-limit', help="set a user's daily chat limit")
    set_limit.add_argument('username')
    set_limit.add_argument('limit', help='a whole number, or "default"')
    show = commands.add_parser('show', help="a user's limit and today's usage")
    show.add_argument('username')
    commands.add_parser('finish-deletions', help='remove the data of closed accounts whose deletion stopped half-way')
    args = parser.parse_args(argv)

    os.environ.update(stage_environment(args.stage))
    if args.stage == 'local':
        port = os.environ.get('DYNAMODB_LOCAL_PORT', '8001')
        os.environ.setdefault('AWS_ENDPOINT_URL_DYNAMODB', f'http://127.0.0.1:{port}')
        for name in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'):
            os.environ.setdefault(name, 'local')
    from chalicelib import accounts, quota  # after the stage's table names are set
    if args.command == 'finish-deletions':
        from chalicelib.account_data import finish_deletions
        print(f'finished {finish_deletions()} account deletion(s)')
        return 0

    try:
        if args.command == 'set-limit':
            limit = None if args.limit == 'default' else int(args.limit)
            accounts.set_daily_limit(args.username, limit)
        user = accounts.find_user(args.username)
        if user is None:
            raise LookupError(f'No user named {args.username!r}.')
    except (LookupError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    today = quota.status(user)
    source = 'per-user' if user.daily_chat_limit is not None else 'default'
    print(f'{user.username}: limit {today.limit} a day ({source}), used {today.count} today, '
          f'{today.remaining} left')
    return 0


if __name__ == '__main__':
    sys.exit(main())
