"""Exports too big for one response: a JSON file in S3 behind a short-lived presigned link.

Kept under their own prefix, per account (hashed, like the audio), so deleting an account
removes them, and the bucket's lifecycle rule removes any left after a day.
"""
import json
import secrets
import time
from datetime import datetime, timedelta, timezone

from chalicelib.s3_objects import delete_keys, keys_under, owner_prefix


class ExportStore:
    def __init__(self, s3, bucket: str, prefix: str, url_ttl_seconds: int):
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.url_ttl_seconds = url_ttl_seconds

    def owner_prefix(self, owner: str) -> str:
        return owner_prefix(self.prefix, owner)

    def put(self, owner: str, document: dict) -> dict:
        """Stores the document; returns the link to download it and when the link stops working."""
        key = f'{self.owner_prefix(owner)}{int(time.time())}-{secrets.token_hex(8)}.json'
        self.s3.put_object(Bucket=self.bucket, Key=key, ContentType='application/json; charset=utf-8',
                           Body=json.dumps(document, ensure_ascii=False).encode('utf-8'))
        url = self.s3.generate_presigned_url('get_object', ExpiresIn=self.url_ttl_seconds, Params={
            'Bucket': self.bucket, 'Key': key,
            'ResponseContentDisposition': 'attachment; filename="mock-interview-export.json"'})
        expires = datetime.now(timezone.utc) + timedelta(seconds=self.url_ttl_seconds)
        return {'download_url': url, 'download_expires_at': expires.replace(microsecond=0).isoformat().replace('+00:00', 'Z')}

    def delete_owner(self, owner: str) -> None:
        delete_keys(self.s3, self.bucket, keys_under(self.s3, self.bucket, self.owner_prefix(owner)))
