"""Find the release that still serves while a deploy's migrations run, and the migrations it has not seen.

A rolling deploy migrates the database first and replaces the instances one by one, so the
previous release answers requests on the new schema for a while. Which commit that is:

1. ``PREVIOUS_RELEASE=<ref>`` when set (a tag, a branch, a commit);
2. else the merge-base of this checkout with ``origin/main`` (or ``main``): what is deployed
   before this branch lands, when this checkout adds migrations to it;
3. else (a checkout of main itself, or a branch that adds no migration) the commit before the
   last change to main's migrations, so that the newest landed migration is checked against the
   release it was deployed over, and the check never has nothing to do.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
MAIN_BRANCHES = ("origin/main", "main")
MIGRATION_FILE = re.compile(r"(^|/)migrations/(?!__init__\.py$)[^/]+\.py$")


class NoPreviousRelease(Exception):
    """This checkout cannot tell which release came before it (not a git clone, or a shallow one)."""


@dataclass(frozen=True)
class Release:
    commit: str
    chosen_as: str

    @property
    def short(self) -> str:
        return self.commit[:10]


def git(*arguments: str) -> str:
    """Return the output of a git command run in this checkout; raise CalledProcessError if it fails."""
    result = subprocess.run(["git", *arguments], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def commit_of(ref: str) -> str | None:
    """Return the commit a ref names, or None if this clone does not have it."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError:
        return None


def is_released_in(ref: str, release: str) -> bool:
    """Return whether the commit ref names is release itself or in its history (False if unknown here)."""
    try:
        git("merge-base", "--is-ancestor", ref, release)
    except subprocess.CalledProcessError:
        return False
    return True


def migration_files_of(commit: str) -> set[str]:
    """Return the paths of the migration modules in a commit's tree."""
    return {path for path in git("ls-tree", "-r", "--name-only", commit).splitlines() if MIGRATION_FILE.search(path)}


def migration_files_here() -> set[str]:
    """Return the paths of the migration modules in this checkout, committed or not (ignored files aside)."""
    listed = git("ls-files", "--cached", "--others", "--exclude-standard").splitlines()
    return {path for path in listed if MIGRATION_FILE.search(path) and (BASE_DIR / path).exists()}


def previous_release() -> Release:
    """Return the release that serves while this checkout's migrations run; raise NoPreviousRelease if unknown."""
    requested = os.environ.get("PREVIOUS_RELEASE", "").strip()
    if requested:
        commit = commit_of(requested)
        if commit is None:
            raise ValueError(f"PREVIOUS_RELEASE={requested} is not a commit of this clone (git fetch it first)")
        return Release(commit, f"PREVIOUS_RELEASE={requested}")
    try:
        git("rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.CalledProcessError):
        raise NoPreviousRelease("not a git checkout: set PREVIOUS_RELEASE in a clone") from None
    branch, main = next(((name, commit) for name in MAIN_BRANCHES if (commit := commit_of(name))), (None, None))
    if main is None:
        raise NoPreviousRelease("neither origin/main nor main is in this clone: fetch it or set PREVIOUS_RELEASE")
    base = git("merge-base", "HEAD", main)
    if migration_files_here() - migration_files_of(base):
        return Release(base, f"the merge-base with {branch}")
    last_change = git("log", "--first-parent", "-1", "--format=%H", base, "--", ":(glob)**/migrations/*.py")
    before = commit_of(f"{last_change}^1") if last_change else None
    if before is None:
        raise NoPreviousRelease(f"{branch} has no commit before its first migration (a shallow clone?)")
    return Release(before, f"{branch} before {last_change[:10]}, its last change to migrations")


def new_migration_files(release: Release) -> set[str]:
    """Return the migration modules of this checkout that the release has not run."""
    return migration_files_here() - migration_files_of(release.commit)
