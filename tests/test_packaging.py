"""pyproject.toml declares the licence the way current setuptools wants it (no deprecation at install)."""

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def test_licence_is_an_spdx_expression_and_the_build_backend_understands_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    license_ = project["project"]["license"]
    assert isinstance(license_, str)  # a TOML table is deprecated (setuptools >= 77 warns)
    assert canonicalize_license_expression(license_) == license_ == "LicenseRef-Proprietary"
    setuptools = next(Requirement(r) for r in project["build-system"]["requires"] if r.startswith("setuptools"))
    assert not setuptools.specifier.contains("76.9") and setuptools.specifier.contains("77.0")


def test_the_installed_metadata_carries_the_licence_expression():
    metadata = importlib.metadata.metadata("waslack")
    assert metadata["License-Expression"] == "LicenseRef-Proprietary"


async def test_an_http_request_never_searches_sys_path_for_a_missing_module():
    """httpcore asks for sniffio on every request (``current_async_library``); without it installed, each
    call was a failed import that searched every sys.path entry, a few per Graph call."""
    import sys

    from httpcore._synchronization import current_async_library

    searched: list[str] = []

    class Watch:
        @staticmethod
        def find_spec(name, path=None, target=None):  # type: ignore[no-untyped-def]
            searched.append(name)
            return None

    sys.meta_path.insert(0, Watch)
    try:
        for _ in range(100):
            assert current_async_library() == "asyncio"
    finally:
        sys.meta_path.remove(Watch)
    assert searched == []
