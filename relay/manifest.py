"""The Slack app manifest: manifest.yml at the repository root, with PUBLIC_BASE_URL filled in."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
PLACEHOLDER = "PUBLIC_BASE_URL"


def render_manifest(base_url: str, template: str | None = None) -> str:
    """manifest.yml with every PUBLIC_BASE_URL placeholder replaced by ``base_url`` (https, no trailing /)."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"--base-url must be an https:// URL (Slack sends requests only over https), "
                         f"got {base_url!r}")
    text = (template if template is not None else MANIFEST.read_text()).replace(PLACEHOLDER,
                                                                               base_url.rstrip("/"))
    yaml.safe_load(text)  # still valid YAML
    return text


def load_manifest(base_url: str = "https://waslack.example.com") -> dict:
    return dict(yaml.safe_load(render_manifest(base_url)))
