"""Create the tables and the audio bucket if they are missing (local runs and tests).

On AWS the CloudFormation template creates them; here DynamoDB Local and the S3 stand-in
start empty, so `make run` calls this before serving.
"""
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stage_environment(stage: str) -> dict:
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    merged = dict(config.get('environment_variables', {}))
    merged.update(config['stages'][stage].get('environment_variables', {}))
    return merged


def ensure_tables() -> list:
    from chalicelib.models import ALL_MODELS
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def ensure_bucket() -> bool:
    from botocore.exceptions import ClientError
    from chalicelib import config, providers
    s3, bucket = providers.s3(), config.settings().audio_bucket
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError:
        region = config.settings().region
        extra = {} if region == 'us-east-1' else {'CreateBucketConfiguration': {'LocationConstraint': region}}
        s3.create_bucket(Bucket=bucket, **extra)
        return True


def ensure_resources(stage: str = 'local') -> None:
    # The stage's names must be in the environment before chalicelib.models is imported.
    os.environ.update(stage_environment(stage))
    created = ensure_tables()
    bucket_created = ensure_bucket()
    print(f"tables created: {', '.join(created) or 'none (all present)'}; "
          f"bucket {'created' if bucket_created else 'present'}")


if __name__ == '__main__':
    ensure_resources()
