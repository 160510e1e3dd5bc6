"""A fresh clone is all waslack needs: no tracked file may point at a path outside the repository.

The patterns below are written so that this file does not match them itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Folders that live beside a checkout on a developer's machine, never in a user's clone.
SIBLING_FOLDERS = re.compile(r"\.\./(?:shared|reference|specs|seeds)\b|/wor[k]/shared\b")
ABSOLUTE_PRIVATE_PATHS = re.compile(r"(?<![\w.-])/(?:work|root|home|Users)/[\w.-]")
# a relative path that climbs from a token's start (a parent step inside "a/b" stays where it is)
RELATIVE_ESCAPE = re.compile(r"(?<![\w./-])((?:\.\./)+[\w.-]+(?:/[\w.-]+)*)")
# a Markdown document named by its path must be in the repository
MARKDOWN_MENTION = re.compile(r"(?<![\w/.:-])([\w.-]+(?:/[\w.-]+)*\.md)\b")
PY_PARENTS_INDEX = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?\.parents\[(\d+)\]")
PY_PARENT_CHAIN = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent\b)+)(?!s)")
PY_DOTDOT_SEGMENT = re.compile(r"""/\s*["']\.\.["']|["']\.\.["']\s*[,)]""")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing to list")
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def texts() -> list[tuple[Path, str]]:
    out = []
    for path in tracked_files():
        if path.is_symlink() or not path.is_file():
            continue
        try:
            out.append((path, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary
    return out


def where(path: Path, text: str, match: re.Match[str]) -> str:
    line = text.count("\n", 0, match.start()) + 1
    return f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}"


def inside(path: Path) -> bool:
    resolved = path.resolve()
    return resolved == ROOT or ROOT in resolved.parents


def test_no_file_names_a_folder_beside_the_checkout_or_a_private_absolute_path():
    found = [where(path, text, m) for path, text in texts()
             for pattern in (SIBLING_FOLDERS, ABSOLUTE_PRIVATE_PATHS) for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_relative_paths_stay_inside_the_repository_and_exist():
    found = []
    for path, text in texts():
        for m in RELATIVE_ESCAPE.finditer(text):
            target = path.parent / m.group(1)
            if not (inside(target) and target.exists()):
                found.append(where(path, text, m))
    assert not found, "\n".join(found)


def test_documents_named_by_path_are_in_the_repository():
    names = {p.name for p in tracked_files()}
    found = []
    for path, text in texts():
        for m in MARKDOWN_MENTION.finditer(text):
            mention = m.group(1)
            if "/" not in mention and mention in names:
                continue
            if not any((base / mention).is_file() and inside(base / mention) for base in (path.parent, ROOT)):
                found.append(where(path, text, m))
    assert not found, "\n".join(found)


def test_python_paths_built_from_file_do_not_climb_out():
    found = []
    for path, text in texts():
        if path.suffix != ".py":
            continue
        depth = len(path.relative_to(ROOT).parts) - 1  # parents[depth] is the repository root
        for m in PY_PARENTS_INDEX.finditer(text):
            if int(m.group(1)) > depth:
                found.append(where(path, text, m))
        for m in PY_PARENT_CHAIN.finditer(text):
            if m.group(1).count(".parent") - 1 > depth:
                found.append(where(path, text, m))
        roots = {m.group(1) for m in re.finditer(rf"^(\w+) = Path\(__file__\)\.resolve\(\)\.parents\[{depth}\]",
                                                  text, re.M)}
        for name in roots:
            found += [where(path, text, m) for m in re.finditer(rf"\b{name}\.parent\b", text)]
        found += [where(path, text, m) for m in PY_DOTDOT_SEGMENT.finditer(text)]
    assert not found, "\n".join(found)


def test_tracked_symlinks_point_inside():
    links = [p for p in tracked_files() if p.is_symlink()]
    assert [str(p.relative_to(ROOT)) for p in links if not inside(p)] == []


def sample(text: str) -> str:
    """Spell a sample out at run time, so that this file's own text does not match the patterns."""
    return text.replace("<up>", "." * 2).replace("<w>", "work").replace("<md>", "md").replace("<3>", "3")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (SIBLING_FOLDERS, 'SPECS = ROOT / "<up>/shared/specs"'),
        (SIBLING_FOLDERS, "see /<w>/shared/reference for the facts"),
        (ABSOLUTE_PRIVATE_PATHS, 'open("/<w>/wt/x/file")'),
        (RELATIVE_ESCAPE, "read <up>/reference/slack-bolt.md"),
        (MARKDOWN_MENTION, "facts come from reference/meta-whatsapp.<md>"),
        (PY_PARENTS_INDEX, "Path(__file__).resolve().parents[<3>]"),
        (PY_PARENT_CHAIN, "Path(__file__).parent.parent"),
        (PY_DOTDOT_SEGMENT, 'ROOT / "<up>" / "shared"'),
    ],
)
def test_the_patterns_catch_what_they_are_meant_to(pattern, text):
    assert pattern.search(sample(text))


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (RELATIVE_ESCAPE, 'client.get("/connect/static/<up>/routes.py")'),
        (MARKDOWN_MENTION, "https://github.com/slackapi/manifest-schema/blob/main/README.md"),
        (ABSOLUTE_PRIVATE_PATHS, "https://business.facebook.com/wa/manage/home/"),
        (PY_PARENT_CHAIN, "Path(__file__).parents[1]"),
    ],
)
def test_the_patterns_leave_ordinary_text_alone(pattern, text):
    assert not pattern.search(sample(text))

