"""The docs stay true to the code: every test they cite exists, every file they link to is there."""

import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DOCS = BASE_DIR / "docs"
SECURITY_NOTES = ["security.md", "security.ko.md"]
# Written by others in parallel; linked from these docs, checked once they exist.
DOCS_OF_OTHERS = {"jwt.md", "production.md", "performance.md"}
OWN_DOCS = [
    "README.md",
    "architecture.md",
    "architecture.ko.md",
    "settings.md",
    "settings.ko.md",
    "security.md",
    "security.ko.md",
    "kakao-setup.md",
    "kakao-setup.ko.md",
    "migrations.md",
    "migrations.ko.md",
]


def cited_tests(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text))


@pytest.mark.parametrize("name", SECURITY_NOTES)
def test_security_notes_cover_all_33_checklist_items_in_order(name):
    numbers = re.findall(r"^### (\d+)\. ", (DOCS / name).read_text(), flags=re.MULTILINE)
    assert numbers == [str(n) for n in range(1, 34)]


@pytest.mark.parametrize("name", SECURITY_NOTES)
def test_security_notes_cite_only_tests_that_exist(name):
    cited = cited_tests((DOCS / name).read_text())
    assert len(cited) > 60
    missing = [f"{path}::{test}" for path, test in sorted(cited) if not _defines(BASE_DIR / path, test)]
    assert missing == []


def test_both_languages_of_the_security_notes_cite_the_same_tests():
    english, korean = (cited_tests((DOCS / name).read_text()) for name in SECURITY_NOTES)
    assert english == korean


def _defines(path: Path, test: str) -> bool:
    return path.exists() and re.search(rf"^def {test}\(", path.read_text(), flags=re.MULTILINE) is not None


@pytest.mark.parametrize("name", OWN_DOCS)
def test_relative_links_in_the_docs_point_at_files_that_exist(name):
    text = (DOCS / name).read_text()
    targets = {target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", text)}
    local = {t for t in targets if t and not t.startswith(("http:", "https:", "mailto:"))}
    missing = [t for t in sorted(local) if t not in DOCS_OF_OTHERS and not (DOCS / t).resolve().exists()]
    assert missing == []


@pytest.mark.parametrize("name", ["architecture.md", "architecture.ko.md"])
def test_architecture_has_the_sequence_diagram_as_mermaid_and_as_text(name):
    text = (DOCS / name).read_text()
    assert "```mermaid\nsequenceDiagram" in text
    assert "POST /oauth/token" in text.split("```mermaid")[1].split("```")[0]
    assert re.search(r"^14 +\|", text, flags=re.MULTILINE), "the plain-text diagram numbers its 14 steps"


def test_settings_reference_names_every_variable_the_settings_read():
    code = (BASE_DIR / "config" / "settings.py").read_text() + (BASE_DIR / "config" / "gunicorn.py").read_text()
    read = set(
        re.findall(
            r"""(?:environ\.get|environ\[|env_bool|env_list|env_required)\(?\s*["']([A-Z][A-Z0-9_]*)["']""", code
        )
    )
    assert {"SECRET_KEY", "KAKAO_CLIENT_ID", "JWT_PRIVATE_KEY", "GUNICORN_THREADS"} <= read
    for name in ["settings.md", "settings.ko.md"]:
        documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (DOCS / name).read_text()))
        assert read - documented == set(), f"{name} misses {sorted(read - documented)}"


JWT_DOCS = ["jwt.md", "jwt.ko.md"]


@pytest.mark.parametrize("name", JWT_DOCS)
def test_jwt_doc_opens_with_the_stock_simplejwt_setup_then_a_gap_table_citing_tests_that_exist(name):
    text = (DOCS / name).read_text()
    stock, table = text.index("TokenObtainPairView"), text.index("| simplejwt")
    assert stock < table
    cited = cited_tests(text)
    assert len(cited) >= 10
    assert [f"{path}::{test}" for path, test in sorted(cited) if not _defines(BASE_DIR / path, test)] == []


def test_both_languages_of_the_jwt_doc_cite_the_same_tests():
    english, korean = (cited_tests((DOCS / name).read_text()) for name in JWT_DOCS)
    assert english == korean


MIGRATION_DOCS = ["migrations.md", "migrations.ko.md"]


@pytest.mark.parametrize("name", MIGRATION_DOCS)
def test_migrations_doc_cites_the_deploy_checks_that_exist(name):
    cited = cited_tests((DOCS / name).read_text())
    assert len(cited) >= 3
    assert [f"{path}::{test}" for path, test in sorted(cited) if not _defines(BASE_DIR / path, test)] == []


def test_both_languages_of_the_migrations_doc_cite_the_same_tests():
    english, korean = (cited_tests((DOCS / name).read_text()) for name in MIGRATION_DOCS)
    assert english == korean
