"""What text from outside may contain, wherever it is stored: titles, post bodies, comments, API fields."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# C0 control characters but tab, line feed and carriage return. PostgreSQL cannot store NUL
# in text at all; the others are invisible, and break terminals and logs (ESC starts a colour code).
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def validate_no_control_characters(text: str) -> None:
    """Refuse ``text`` when it holds a control character other than tab and line breaks."""
    found = CONTROL_CHARACTER.search(text)
    if found:
        raise ValidationError(
            _("Remove the control character U+%(code)04X: only tabs and line breaks are allowed."),
            code="control_character",
            params={"code": ord(found.group())},
        )


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text, and text no database stores."""

    default_error_messages = {
        "unstorable": _("Text must be valid Unicode (no lone surrogates)."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # Checked before CharField trims: str.strip() removes \x1c-\x1f, so "a\x1f" would pass as "a".
        # PostgreSQL refuses NUL in text, and no database encodes a lone surrogate.
        try:
            validate_no_control_characters(data)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages, code="control_character") from None
        if not _encodable(data):
            self.fail("unstorable")
        return super().to_internal_value(data)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
