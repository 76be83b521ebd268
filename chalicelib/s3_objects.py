"""Listing and deleting S3 objects, reading S3's per-key answers rather than trusting a 200.

DeleteObjects answers 200 even when some keys could not be deleted: those are listed under
`Errors`. They are retried a few times; what is still left raises, so nobody is told
"all deleted" while something remains.
"""
import hashlib
import time


class NotAllDeleted(Exception):
    def __init__(self, keys: list):
        super().__init__(f'{len(keys)} object(s) could not be deleted')
        self.keys = keys


def owner_prefix(prefix: str, owner: str) -> str:
    """Where one account's objects live under `prefix`: hashed, so keys name nobody, and one
    prefix per account, so deleting the account deletes them by listing it."""
    return f"{prefix}{hashlib.sha256(owner.encode('utf-8')).hexdigest()[:24]}/"


def keys_under(s3, bucket: str, prefix: str) -> list:
    keys = []
    for listing in s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix):
        keys += [item['Key'] for item in listing.get('Contents', [])]
    return keys


def delete_keys(s3, bucket: str, keys: list, attempts: int = 3) -> None:
    """Deletes every key (1000 a call, S3's maximum), retrying the ones S3 reports as failed."""
    left = sorted(set(keys))
    for attempt in range(attempts):
        failed = []
        for start in range(0, len(left), 1000):
            batch = [{'Key': key} for key in left[start:start + 1000]]
            answer = s3.delete_objects(Bucket=bucket, Delete={'Objects': batch, 'Quiet': True})
            failed += [error['Key'] for error in answer.get('Errors', []) if error.get('Code') != 'NoSuchKey']
        if not failed:
            return
        left = failed
        time.sleep(0.2 * (attempt + 1))
    raise NotAllDeleted(left)
