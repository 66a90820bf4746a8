"""The arrows between the apps (docs/architecture.md): who may import whom."""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
APPS = ("accounts", "tokens", "ratelimit", "blog", "kakao_sandbox", "learn", "config")


def imported_modules(path: Path) -> set[str]:
    """Return every module ``path`` imports, absolute names only (the project uses no relative imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imports_of(app: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(BASE_DIR)): imported_modules(path)
        for path in (BASE_DIR / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def offenders(app: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path} imports {name}"
        for path, names in imports_of(app).items()
        for name in names
        if name.startswith(forbidden)
    )


def test_tokens_knows_nothing_of_kakao_the_accounts_app_or_the_blog():
    assert offenders("tokens", ("accounts", "blog", "kakao_sandbox", "learn")) == []


def test_blog_uses_tokens_for_authentication_and_accounts_for_models_only():
    allowed = {"accounts.models", "accounts.models.User"}
    found = [line for line in offenders("blog", ("accounts",)) if line.rsplit(" ", 1)[1] not in allowed]
    assert found == []
    assert offenders("blog", ("kakao_sandbox",)) == []


def test_kakao_code_never_imports_our_jwts():
    kakao_modules = [path for path in (BASE_DIR / "accounts").glob("kakao*.py")]
    assert kakao_modules
    found = [
        f"{path.name} imports {name}"
        for path in kakao_modules
        for name in imported_modules(path)
        if name.startswith("tokens")
    ]
    assert found == []


@pytest.mark.parametrize("app", [app for app in APPS if app not in ("kakao_sandbox", "config")])
def test_no_app_imports_the_sandbox(app):
    assert offenders(app, ("kakao_sandbox",)) == []


def test_the_sandbox_imports_no_app():
    assert offenders("kakao_sandbox", tuple(app for app in APPS if app not in ("kakao_sandbox", "config"))) == []


def test_settings_import_no_app_code():
    names = imported_modules(BASE_DIR / "config" / "settings.py")
    assert [name for name in names if name.startswith(APPS[:-1])] == []


def test_the_verifier_needs_no_django_no_database_and_no_app():
    assert offenders("verifier", ("django", "rest_framework", *APPS)) == []
