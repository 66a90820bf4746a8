"""The text rules of what people write; they live in config/text.py, shared with the API's fields."""

from config.text import validate_no_control_characters

__all__ = ["validate_no_control_characters"]
