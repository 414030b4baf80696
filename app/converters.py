"""URL converters. `<id:name>` turns an id no database row can have (0, or beyond the integer range) into 0,
which no row has, so the view answers a plain 404 instead of the database overflowing."""
from werkzeug.routing import BaseConverter

MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    regex = r"\d{1,30}"

    def to_python(self, value: str) -> int:
        number = int(value)
        # Not a ValidationError: werkzeug would then report 405 when another method shares the path.
        return number if 1 <= number <= MAX_ID else 0

    def to_url(self, value) -> str:
        return str(int(value))
