"""What text from outside may contain, wherever it is stored: titles, post bodies, comments, API fields."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
