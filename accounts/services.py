"""Turn a Kakao profile into a local user: find, link or create it, atomically; keep Kakao's tokens alive."""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import crypto, kakao, selectors
from accounts.kakao import KakaoEndpoints, KakaoError, KakaoProfile
from accounts.models import Identity, User

logger = logging.getLogger(__name__)
T = TypeVar("T")

KAKAO = Identity.Provider.KAKAO


def user_get_or_create_from_kakao(*, profile: KakaoProfile, kakao_tokens: dict | None = None) -> tuple[User, bool]:
    """Return the local user for a Kakao profile and whether it was created just now.

    Users are keyed on Kakao's ``id``, never on email or nickname. Finding or creating the
    user, its identity and the profile update are one transaction: a failure anywhere
    leaves nothing behind. Two concurrent first logins of one Kakao account race on the
    unique (provider, uid) constraint: the loser rolls back and takes the winner's user.
    """
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _settle_user(profile, kakao_tokens)
        except IntegrityError:
            continue  # another request linked or created first: look again
    raise IntegrityError(f"could not settle the local user for Kakao id {profile.id}")


def _settle_user(profile: KakaoProfile, kakao_tokens: dict | None) -> tuple[User, bool]:
    identity = Identity.objects.select_related("user").filter(provider=KAKAO, uid=profile.id).first()
    created = False
    if identity is None:
        user, created = _link_or_create_user(profile)
        identity = Identity.objects.create(user=user, provider=KAKAO, uid=profile.id)
    user = identity.user
    _refresh_profile(user, profile)
    identity.last_login_at = timezone.now()
    # A deactivated user (unlinked on Kakao's side) is refused: keep no tokens for them.
    if kakao_tokens and user.is_active:
        identity.kakao_access_token = crypto.encrypt(kakao_tokens.get("access_token", ""))
        # Kakao returns a new refresh token only when the old one is near expiry: keep the old one.
        if kakao_tokens.get("refresh_token"):
            identity.kakao_refresh_token = crypto.encrypt(kakao_tokens["refresh_token"])
    identity.save()
    return user, created


def _email_taken(email: str, *, exclude: User | None = None) -> bool:
    others = User.objects.filter(email__iexact=email)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def _link_or_create_user(profile: KakaoProfile) -> tuple[User, bool]:
    """Link to an existing account only through an email both sides have verified."""
    if profile.email_trusted:
        existing = (
            User.objects.filter(email__iexact=profile.email, email_verified=True)
            .exclude(identities__provider=KAKAO)
            .first()
        )
        if existing is not None:
            return existing, False
    email = profile.email if profile.email and not _email_taken(profile.email) else ""
    user = User(
        username=f"kakao_{profile.id}",
        email=email,
        email_verified=bool(email) and profile.email_trusted,
    )
    user.set_unusable_password()
    user.save()
    return user, True


def _refresh_profile(user: User, profile: KakaoProfile) -> None:
    """Copy what Kakao says now: nickname and picture, and a changed email if it is free."""
    user.nickname = profile.nickname
    user.profile_image_url = profile.profile_image_url
    if profile.email and profile.email.lower() != user.email.lower() and not _email_taken(profile.email, exclude=user):
        user.email = profile.email
        user.email_verified = profile.email_trusted
    user.last_login = timezone.now()
    user.save(update_fields=["nickname", "profile_image_url", "email", "email_verified", "last_login"])


def kakao_tokens_forget(user: User) -> None:
    """Drop the stored Kakao tokens of ``user`` (after logout)."""
    Identity.objects.filter(user=user, provider=KAKAO).update(kakao_access_token="", kakao_refresh_token="")


def kakao_with_live_token(*, user: User, endpoints: KakaoEndpoints, call: Callable[[str], T]) -> T:
    """Run ``call`` with the user's Kakao access token; when Kakao says it expired, refresh it once and retry.

    Kakao answers -401 for an expired access token; its refresh token lives two months. A
    refresh that fails for any reason raises ``kakao_token_rejected``, so callers fall back
    as they would for a dead token.
    """
    tokens = selectors.kakao_tokens_of(user)
    try:
        return call(tokens.get("access_token", ""))
    except KakaoError as error:
        if error.code != "kakao_token_rejected" or not tokens.get("refresh_token"):
            raise
    try:
        refreshed = kakao.refresh_access_token(endpoints=endpoints, kakao_refresh_token=tokens["refresh_token"])
    except KakaoError as error:
        raise KakaoError("kakao_token_rejected", f"refresh failed: {error}") from None
    kakao_tokens_store_refreshed(user, refreshed)
    return call(refreshed["access_token"])


def kakao_tokens_store_refreshed(user: User, kakao_tokens: dict) -> None:
    """Keep Kakao's new access token, and its new refresh token when it sent one (the old one then dies)."""
    fields = {"kakao_access_token": crypto.encrypt(kakao_tokens["access_token"])}
    if kakao_tokens.get("refresh_token"):
        fields["kakao_refresh_token"] = crypto.encrypt(kakao_tokens["refresh_token"])
    Identity.objects.filter(user=user, provider=KAKAO).update(**fields)


def kakao_logout(*, user: User, endpoints: KakaoEndpoints) -> None:
    """Expire the user's Kakao tokens at Kakao (refreshing an expired one first), then forget them here."""
    tokens = selectors.kakao_tokens_of(user)
    if tokens.get("access_token"):
        try:
            kakao_with_live_token(
                user=user,
                endpoints=endpoints,
                call=lambda token: kakao.logout(endpoints=endpoints, kakao_access_token=token),
            )
        except KakaoError as error:
            # Our own logout must still happen: Kakao's token expires on its own.
            logger.info("Kakao logout failed: %s", error)
    if tokens:
        kakao_tokens_forget(user)


def kakao_unlink(*, user: User, endpoints: KakaoEndpoints) -> None:
    """Disconnect the user from this app at Kakao: with their token (refreshed if expired), else the admin key."""
    tokens = selectors.kakao_tokens_of(user)
    if not tokens:
        return
    if tokens["access_token"]:
        try:
            kakao_with_live_token(
                user=user,
                endpoints=endpoints,
                call=lambda token: kakao.unlink(endpoints=endpoints, kakao_access_token=token),
            )
            return
        except KakaoError as error:
            if error.code != "kakao_token_rejected" or not settings.KAKAO_ADMIN_KEY:
                raise
    kakao.unlink(endpoints=endpoints, kakao_id=tokens["kakao_id"])


def user_deactivate_by_kakao_id(*, kakao_id: str) -> bool:
    """Deactivate the user whose Kakao identity is ``kakao_id``; False when there is none."""
    identity = Identity.objects.select_related("user").filter(provider=KAKAO, uid=kakao_id).first()
    if identity is None:
        return False
    with transaction.atomic():
        User.objects.filter(pk=identity.user_id).update(is_active=False)
        Identity.objects.filter(pk=identity.pk).update(kakao_access_token="", kakao_refresh_token="")
    return True
