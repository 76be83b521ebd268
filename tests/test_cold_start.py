"""A login must not pay for the model SDK or the speech library on a Lambda cold start."""
import subprocess
import sys
from pathlib import Path


def test_importing_the_app_leaves_openai_and_gtts_unimported():
    code = "import sys, app; print(sorted(m for m in ('openai', 'gtts', 'httpx2') if m in sys.modules))"
    result = subprocess.run([sys.executable, '-c', code], cwd=Path(__file__).resolve().parent.parent,
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == '[]'
