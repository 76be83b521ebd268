"""The documents' links lead somewhere: every relative link names a file in the repository,
and every #anchor a heading of the document it points into (GitHub's heading slugs)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ['README.md', 'web/README.md', 'docs/API.md']
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r'[`*_]', '', heading.strip().lower())
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def anchors(path: Path) -> set:
    text = re.sub(r'```.*?```', '', path.read_text(encoding='utf-8'), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r'^#{1,6}\s+(.+)$', text, re.M)}


@pytest.mark.parametrize('document', DOCUMENTS)
def test_every_relative_link_and_anchor_resolves(document):
    source = ROOT / document
    text = re.sub(r'```.*?```', '', source.read_text(encoding='utf-8'), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r'^[a-z]+:', target):  # http(s), mailto: not checked here (no network)
            continue
        file_part, _, anchor = target.partition('#')
        path = (source.parent / file_part).resolve() if file_part else source
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == '.md' and anchor not in anchors(path):
            broken.append(target)
    assert broken == []
