"""The ``<id:...>`` URL converter: only numbers a database can hold as a row's id."""

# BigAutoField's range on every database Django supports. A larger number would not
# find "no row": SQLite refuses to bind it (OverflowError) and the page would answer 500.
LARGEST_ID = 2**63 - 1


class RowIdConverter:
    """Match 1 to 2**63 - 1 written in plain digits, so that any other id is a 404."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError(f"{value} is larger than any row id")  # Django: the pattern does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)
