"""README.md stays true: every environment variable the settings read is documented there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_in_the_readme():
    settings_text = (ROOT / "scorecard" / "settings.py").read_text()
    pattern = r'(?:env|Env\(\))(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"'
    names = set(re.findall(pattern, settings_text))
    names |= set(re.findall(r"^\s+([A-Z][A-Z0-9_]+)=\(", settings_text, flags=re.M))
    assert {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "VAR_DIR"} <= names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert missing == []


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "bash bin/quickstart" in readme and "bash bin/test" in readme
    assert (ROOT / "bin" / "quickstart").exists() and (ROOT / "bin" / "test").exists()
