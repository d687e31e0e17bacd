"""What the Athena raw tables hand to SQL for a file, as far as the tests need
it: a model of the text reader and the OpenX JSON SerDe (Trino's
implementation, which Athena engine v3 runs) for tables whose columns are all
`string`, with 'ignore.malformed.json'='true'.

Behaviour modelled, from Trino's trino-hive-formats (TextLineReader,
OpenXJsonDeserializer, JsonReader, JsonWriter and the openxjson README):

* a UTF-8 byte-order mark at the start of a file is skipped;
* a line ends at LF, CR or CRLF; a last line without an end counts if not empty;
* bytes are decoded as UTF-8, invalid sequences becoming U+FFFD;
* the line is trimmed of characters up to U+0020 (Java's String.trim);
* a line that does not start with `{` or `[`, or does not parse, is a row of nulls;
* text after the JSON value is ignored;
* keys match columns case-insensitively; of duplicate keys the last wins;
* a top-level array fills the columns by position;
* a string value is the string; `true`/`false` and numbers are their canonical
  text (numbers as Java's BigDecimal renders them); an object or array is its
  compact JSON, keys in order, strings escaped as Trino's JsonWriter does.

Not modelled: the lenient syntax (comments, single quotes, unquoted strings),
which the tests do not feed it.
"""
from __future__ import annotations

import decimal
import json
import re

BOM = b"\xef\xbb\xbf"


def lines(data: bytes) -> list[bytes]:
    if data.startswith(BOM):
        data = data[len(BOM):]
    parts = re.split(rb"\r\n|\r|\n", data)
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


def _java_trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


class _Number(str):
    """An unquoted number, kept as written until it is rendered."""


def _pairs(pairs):
    # LinkedHashMap keyed case-insensitively: a later duplicate replaces the
    # earlier one and moves to the end, keeping its own spelling.
    out = {}
    for key, value in pairs:
        for existing in [k for k in out if k.lower() == key.lower()]:
            del out[existing]
        out[key] = value
    return out


def _canonical_number(text: str) -> str:
    try:
        return str(int(text))
    except ValueError:
        return str(decimal.Decimal(text))


def _escape(text: str) -> str:
    out, previous = [], ""
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "/":
            out.append("\\/" if previous == "<" else "/")
        elif ch in "\t\b\n\r\f":
            out.append({"\t": "\\t", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\f": "\\f"}[ch])
        elif ord(ch) <= 0x1F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        previous = ch
    return '"' + "".join(out) + '"'


def _render(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_escape(k)}:{_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_render(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Number):
        return _canonical_number(value)
    return _escape(value)


def _column_text(value):
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return _render(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Number):
        return _canonical_number(value)
    return value


def row(line: bytes, columns: list[str]) -> dict:
    """The string columns the SerDe gives for one line."""
    text = _java_trim(line.decode("utf-8", errors="replace"))
    nulls = {c: None for c in columns}
    if not text.startswith(("{", "[")):
        return nulls
    try:
        value, _ = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_Number, parse_int=_Number).raw_decode(text)
    except ValueError:
        return nulls
    if isinstance(value, list):
        return {c: _column_text(value[i]) if i < len(value) else None for i, c in enumerate(columns)}
    by_name = {k.lower(): v for k, v in value.items()}
    return {c: _column_text(by_name.get(c)) for c in columns}


def rows(data: bytes, columns: list[str]) -> list[dict]:
    return [row(line, columns) for line in lines(data)]
