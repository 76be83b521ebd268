"""The OpenAI API key: from the environment (local runs) or from SSM Parameter Store
(deployed stages), read once per container and kept in memory, never logged."""
from functools import lru_cache

from chalicelib import config


class CredentialsUnavailable(Exception):
    """The key could not be read; the message names the parameter, never the key."""


def openai_api_key() -> str:
    settings = config.settings()
    if settings.openai_api_key:
        return settings.openai_api_key
    if settings.openai_api_key_parameter:
        return _from_parameter_store(settings.openai_api_key_parameter, settings.region)
    raise CredentialsUnavailable('No OPENAI_API_KEY or OPENAI_API_KEY_PARAMETER is configured.')


@lru_cache(maxsize=2)
def _from_parameter_store(name: str, region: str) -> str:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    client = boto3.client('ssm', region_name=region,
                          config=Config(connect_timeout=2, read_timeout=3, retries={'max_attempts': 2}))
    try:
        value = client.get_parameter(Name=name, WithDecryption=True)['Parameter']['Value']
    except (BotoCoreError, ClientError) as error:
        raise CredentialsUnavailable(f'Could not read the parameter {name}: {type(error).__name__}') from None
    if not value.strip():
        raise CredentialsUnavailable(f'The parameter {name} is empty.')
    return value.strip()
