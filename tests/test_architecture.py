"""The arrows between the apps (docs/architecture.md): who may import whom."""

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
APPS = ("accounts", "tokens", "ratelimit", "blog", "kakao_sandbox", "learn", "core", "config")


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


# Calls that keep something: on a cache (``cache.set``, ``caches["x"].add``) or the state store.
KEEPING_METHODS = {"set", "add", "incr", "decr", "set_many", "get_or_set", "touch", "put"}
STORE_ROW = re.compile(r"^\| `(?P<path>[\w/]+\.py)` \| `(?P<function>\w+)` \| (?P<kind>cache|state) \|", re.MULTILINE)


def _store_of(call: ast.Call) -> str | None:
    """Return "cache" or "state" if ``call`` keeps something in one, else None."""
    function = call.func
    if not isinstance(function, ast.Attribute) or function.attr not in KEEPING_METHODS:
        return None
    owner = function.value
    if isinstance(owner, ast.Subscript):
        owner = owner.value
    if isinstance(owner, ast.Name) and owner.id in {"cache", "caches"}:
        return "cache"
    if isinstance(owner, ast.Name) and owner.id == "state":
        return "state"
    return None


def keeping_calls() -> set[tuple[str, str, str]]:
    """Return (path, enclosing function, store) for every call of the project's code that keeps something."""
    found = set()
    for app in (*APPS, "apikeys", "core"):
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Call) and (store := _store_of(node)):
                        found.add((str(path.relative_to(BASE_DIR)), function.name, store))
    return found


@pytest.mark.parametrize("document", ["architecture.md", "architecture.ko.md"])
def test_every_store_the_code_writes_is_classified_as_cache_or_state(document):
    rows = {
        (m["path"], m["function"]): m["kind"] for m in STORE_ROW.finditer((BASE_DIR / "docs" / document).read_text())
    }
    calls = keeping_calls()
    assert calls, "the scan found nothing: it no longer recognises the project's calls"

    unlisted = sorted(
        f"{path} {function}() keeps something in the {store}"
        for path, function, store in calls
        if (path, function) not in rows
    )
    # State in a cache is the bug this table exists for: a busy cache forgets it.
    state_in_a_cache = sorted(
        f"{path} {function}()"
        for path, function, store in calls
        if store == "cache" and rows.get((path, function)) == "state"
    )
    assert unlisted == []
    assert state_in_a_cache == []


@pytest.mark.parametrize("document", ["architecture.md", "architecture.ko.md"])
def test_every_classified_store_names_a_function_that_exists(document):
    for row in STORE_ROW.finditer((BASE_DIR / "docs" / document).read_text()):
        source = (BASE_DIR / row["path"]).read_text()
        assert f"def {row['function']}(" in source, row.group(0)
