"""accounts/services.py (and crypto.py): find, link or create the local user from a Kakao profile."""

import threading

import pytest
from django.db import DataError, connections
from django.test import override_settings

from accounts import crypto, kakao, selectors, services
from accounts.models import Identity, User
from tests.accounts import fixtures

pytestmark = pytest.mark.django_db

TOKENS = {"access_token": fixtures.KAKAO_ACCESS_TOKEN, "refresh_token": fixtures.KAKAO_REFRESH_TOKEN}


def profile_of(text: str, **changes) -> kakao.KakaoProfile:
    return kakao.parse_profile(fixtures.user_me(text, **changes))


def login_as(text: str, **changes) -> tuple[User, bool]:
    return services.user_get_or_create_from_kakao(profile=profile_of(text, **changes), kakao_tokens=TOKENS)


def local_user(username: str, *, email: str, email_verified: bool) -> User:
    return User.objects.create_user(username=username, email=email, email_verified=email_verified)


# Keyed on Kakao's id


def test_first_login_creates_user_with_kakao_identity_and_profile():
    user, created = login_as(fixtures.USER_ME_FULL)
    assert created
    assert user.nickname == "홍길동"
    assert user.profile_image_url == "http://yyy.kakao.com/dn/.../img_640x640.jpg"
    assert not user.has_usable_password()
    assert Identity.objects.get(user=user).uid == "123456789"


def test_second_login_with_same_id_and_new_nickname_finds_same_user_and_refreshes_nickname():
    first, _ = login_as(fixtures.USER_ME_FULL)
    again, created = login_as(fixtures.USER_ME_FULL, properties={"nickname": "새이름"}, kakao_account={})
    assert not created
    assert again.pk == first.pk
    assert User.objects.get(pk=first.pk).nickname == "새이름"
    assert User.objects.count() == 1


def test_64_bit_id_is_stored_with_every_digit():
    user, _ = login_as(fixtures.USER_ME_BIG_ID)
    assert Identity.objects.get(user=user).uid == fixtures.BIG_ID
    assert services.user_get_or_create_from_kakao(profile=profile_of(fixtures.USER_ME_BIG_ID))[0].pk == user.pk


def test_another_kakao_id_with_same_nickname_and_email_is_another_user():
    first, _ = login_as(fixtures.USER_ME_UNVERIFIED_EMAIL)
    second, created = login_as(fixtures.USER_ME_UNVERIFIED_EMAIL, id=2000000099)
    assert created
    assert first.pk != second.pk
    assert first.nickname == second.nickname == "미인증"


@pytest.mark.parametrize(
    "sample",
    [fixtures.USER_ME_PROPERTIES_ONLY, fixtures.USER_ME_NICKNAME_ONLY, fixtures.USER_ME_NO_ACCOUNT],
)
def test_sparse_profiles_create_a_user_without_email(sample):
    user, created = login_as(sample)
    assert created
    assert user.nickname
    assert (user.email, user.email_verified) == ("", False)


# Linking through email


def test_trusted_email_links_to_verified_local_account_without_kakao_identity():
    existing = local_user("minji", email="shared@example.com", email_verified=True)
    user, created = login_as(fixtures.USER_ME_TRUSTED_EMAIL)
    assert not created
    assert user.pk == existing.pk
    assert Identity.objects.get(user=existing).uid == "2000000006"
    assert User.objects.count() == 1


def test_trusted_email_links_regardless_of_letter_case():
    existing = local_user("minji", email="Shared@Example.COM", email_verified=True)
    user, _ = login_as(fixtures.USER_ME_TRUSTED_EMAIL)
    assert user.pk == existing.pk


@pytest.mark.parametrize(
    "sample", [fixtures.USER_ME_UNVERIFIED_EMAIL, fixtures.USER_ME_INVALID_EMAIL], ids=["unverified", "invalid"]
)
def test_untrusted_email_never_links_and_new_account_leaves_taken_address_empty(sample):
    existing = local_user("minji", email="shared@example.com", email_verified=True)
    user, created = login_as(sample)
    assert created
    assert user.pk != existing.pk
    assert (user.email, user.email_verified) == ("", False)
    assert not Identity.objects.filter(user=existing).exists()


def test_trusted_email_does_not_link_to_local_account_whose_own_email_is_unverified():
    existing = local_user("minji", email="shared@example.com", email_verified=False)
    user, created = login_as(fixtures.USER_ME_TRUSTED_EMAIL)
    assert created
    assert user.pk != existing.pk
    assert user.email == ""


def test_trusted_email_does_not_link_to_account_that_already_has_a_kakao_identity():
    owner, _ = login_as(fixtures.USER_ME_TRUSTED_EMAIL, id=2000000100)
    User.objects.filter(pk=owner.pk).update(email_verified=True)
    user, created = login_as(fixtures.USER_ME_TRUSTED_EMAIL)
    assert created
    assert user.pk != owner.pk
    assert user.email == ""
    assert Identity.objects.get(user=owner).uid == "2000000100"


@pytest.mark.parametrize(
    "sample", [fixtures.USER_ME_UNVERIFIED_EMAIL, fixtures.USER_ME_INVALID_EMAIL], ids=["unverified", "invalid"]
)
def test_untrusted_free_email_is_kept_but_marked_unverified(sample):
    user, _ = login_as(sample)
    assert (user.email, user.email_verified) == ("shared@example.com", False)


def test_trusted_free_email_is_kept_and_marked_verified():
    user, _ = login_as(fixtures.USER_ME_TRUSTED_EMAIL)
    assert (user.email, user.email_verified) == ("shared@example.com", True)


def test_changed_email_at_kakao_is_copied_when_free():
    user, _ = login_as(fixtures.USER_ME_FULL)
    account = {"email": "new@example.com", "is_email_verified": True, "is_email_valid": True}
    login_as(fixtures.USER_ME_FULL, kakao_account=account)
    assert User.objects.get(pk=user.pk).email == "new@example.com"


def test_changed_email_at_kakao_is_not_copied_when_another_account_holds_it():
    user, _ = login_as(fixtures.USER_ME_FULL)
    local_user("minji", email="new@example.com", email_verified=True)
    account = {"email": "new@example.com", "is_email_verified": True, "is_email_valid": True}
    login_as(fixtures.USER_ME_FULL, kakao_account=account)
    assert User.objects.get(pk=user.pk).email == "sample@sample.com"


# Concurrency


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_local_account", [False, True], ids=["new", "linking"])
def test_two_concurrent_first_logins_of_one_kakao_account_make_exactly_one_user(with_local_account):
    if with_local_account:
        local_user("minji", email="shared@example.com", email_verified=True)
    profile = profile_of(fixtures.USER_ME_TRUSTED_EMAIL)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def first_login():
        try:
            barrier.wait(timeout=10)
            results.append(services.user_get_or_create_from_kakao(profile=profile, kakao_tokens=TOKENS))
        except Exception as exc:  # collected and asserted below, where pytest can show it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_login) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 2
    assert results[0][0].pk == results[1][0].pk
    assert User.objects.count() == 1
    assert Identity.objects.filter(uid="2000000006").count() == 1


# Kakao's tokens at rest


def test_kakao_tokens_are_stored_encrypted_and_read_back_in_clear():
    user, _ = login_as(fixtures.USER_ME_FULL)
    identity = Identity.objects.get(user=user)
    assert identity.kakao_access_token
    assert fixtures.KAKAO_ACCESS_TOKEN not in identity.kakao_access_token
    assert fixtures.KAKAO_REFRESH_TOKEN not in identity.kakao_refresh_token
    assert selectors.kakao_tokens_of(user) == {**TOKENS, "kakao_id": "123456789"}


def test_refresh_token_is_kept_when_kakao_sends_no_new_one():
    user, _ = login_as(fixtures.USER_ME_FULL)
    services.user_get_or_create_from_kakao(
        profile=profile_of(fixtures.USER_ME_FULL), kakao_tokens={"access_token": "second-access-token"}
    )
    assert selectors.kakao_tokens_of(user)["access_token"] == "second-access-token"
    assert selectors.kakao_tokens_of(user)["refresh_token"] == fixtures.KAKAO_REFRESH_TOKEN


def test_kakao_tokens_forget_empties_stored_tokens():
    user, _ = login_as(fixtures.USER_ME_FULL)
    services.kakao_tokens_forget(user)
    assert selectors.kakao_tokens_of(user) == {"access_token": "", "refresh_token": "", "kakao_id": "123456789"}


def test_kakao_tokens_of_user_without_kakao_identity_is_empty():
    assert selectors.kakao_tokens_of(local_user("minji", email="", email_verified=False)) == {}


def test_encrypted_token_after_secret_key_change_reads_as_empty():
    ciphertext = crypto.encrypt(fixtures.KAKAO_ACCESS_TOKEN)
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert crypto.decrypt(ciphertext) == ""
    assert crypto.decrypt(ciphertext) == fixtures.KAKAO_ACCESS_TOKEN
    assert crypto.encrypt("") == ""


def test_admin_user_page_never_shows_kakao_tokens(client):
    user, _ = login_as(fixtures.USER_ME_FULL)
    stored = Identity.objects.get(user=user)
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-test-only")
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "123456789" in page  # the identity inline is on the page
    for secret in (*TOKENS.values(), stored.kakao_access_token, stored.kakao_refresh_token):
        assert secret not in page


# Unlink at Kakao's side


def test_deactivate_by_kakao_id_deactivates_user_and_drops_tokens():
    user, _ = login_as(fixtures.USER_ME_FULL)
    assert services.user_deactivate_by_kakao_id(kakao_id="123456789")
    user.refresh_from_db()
    assert not user.is_active
    assert selectors.kakao_tokens_of(user)["access_token"] == ""


def test_deactivate_by_unknown_kakao_id_returns_false():
    assert services.user_deactivate_by_kakao_id(kakao_id="999") is False


def test_deactivated_user_logging_in_again_stays_deactivated():
    login_as(fixtures.USER_ME_FULL)
    services.user_deactivate_by_kakao_id(kakao_id="123456789")
    user, created = login_as(fixtures.USER_ME_FULL)
    assert not created
    assert not user.is_active


def test_deactivated_user_logging_in_again_gets_no_kakao_tokens_stored():
    login_as(fixtures.USER_ME_FULL)
    services.user_deactivate_by_kakao_id(kakao_id="123456789")
    user, _ = login_as(fixtures.USER_ME_FULL)
    identity = Identity.objects.get(user=user)
    assert (identity.kakao_access_token, identity.kakao_refresh_token) == ("", "")


@pytest.mark.django_db
def test_a_failure_after_the_user_was_created_leaves_no_user_and_no_identity(monkeypatch):
    def profile_update_fails(user, profile):
        raise DataError("PostgreSQL refused the nickname")

    monkeypatch.setattr(services, "_refresh_profile", profile_update_fails)

    with pytest.raises(DataError):
        login_as(fixtures.USER_ME_FULL)

    assert not User.objects.exists()
    assert not Identity.objects.exists()


@pytest.mark.django_db
def test_a_nickname_with_nul_from_kakao_logs_in_on_every_database():
    user, created = login_as(fixtures.USER_ME_FULL, kakao_account={"profile": {"nickname": "민지\x00"}})

    user.refresh_from_db()
    assert created and user.nickname == "민지"
