#!/usr/bin/env python3
"""Checks every vector in Protocol/vectors against an implementation written from Protocol/*.md alone.

Its own canonical CBOR encoder and decoder, node-ID code, envelope, armor and profile rules, and
the transport's framing, message checks, addresses, session tie-break and retry schedule; the
invitation flow's documents, bodies, lifecycle tables, recipient policy and crossing rule;
the `cryptography` package only for Ed25519. Exits 0 only if every vector agrees.

    python3 -m pip install cryptography
    python3 Protocol/tools/check_vectors.py [vectors-directory]
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import unicodedata

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError as error:  # fail loudly: the Swift test requires this to run
    sys.stderr.write("check_vectors.py needs the 'cryptography' package (python3 -m pip install cryptography): %s\n" % error)
    sys.exit(2)


class Refused(Exception):
    """Input refused with one of the error codes of Protocol/README.md."""

    def __init__(self, code, message=""):
        super().__init__("%s: %s" % (code, message))
        self.code = code


# ---------------------------------------------------------------- canonical CBOR (encoding.md)

MAX_DEPTH = 16


class Bytes(bytes):
    """A CBOR byte string (distinct from text, which is str)."""


def encode(value):
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _head(major, n, out):
    if n < 24:
        out.append(major << 5 | n)
    elif n < 0x100:
        out += bytes([major << 5 | 24, n])
    elif n < 0x10000:
        out.append(major << 5 | 25)
        out += n.to_bytes(2, "big")
    elif n < 0x100000000:
        out.append(major << 5 | 26)
        out += n.to_bytes(4, "big")
    else:
        out.append(major << 5 | 27)
        out += n.to_bytes(8, "big")


def _encode(value, out):
    if isinstance(value, bool):
        out.append(0xF5 if value else 0xF4)
    elif isinstance(value, int):
        assert 0 <= value < 2 ** 64
        _head(0, value, out)
    elif isinstance(value, (bytes, bytearray)):
        _head(2, len(value), out)
        out += value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        _head(3, len(raw), out)
        out += raw
    elif isinstance(value, list):
        _head(4, len(value), out)
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        _head(5, len(value), out)
        for key_bytes, key in sorted((encode(k), k) for k in value):
            out += key_bytes
            _encode(value[key], out)
    else:
        raise TypeError("not in the CBOR subset: %r" % (value,))


def decode(data):
    reader = _Reader(bytes(data))
    value = reader.item(0)
    if reader.offset != len(reader.data):
        raise Refused("trailing-bytes", "%d bytes after the item" % (len(reader.data) - reader.offset))
    return value


class _Reader:
    def __init__(self, data):
        self.data = data
        self.offset = 0

    def remaining(self):
        return len(self.data) - self.offset

    def take(self, n):
        if n > self.remaining():
            raise Refused("truncated", "need %d bytes at %d" % (n, self.offset))
        chunk = self.data[self.offset:self.offset + n]
        self.offset += n
        return chunk

    def item(self, depth):
        if depth > MAX_DEPTH:
            raise Refused("malformed", "nesting deeper than %d" % MAX_DEPTH)
        if self.remaining() == 0:
            raise Refused("truncated", "item expected at %d" % self.offset)
        initial = self.data[self.offset]
        self.offset += 1
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            raise Refused("malformed", "simple value or float")
        if info in (28, 29, 30):
            raise Refused("malformed", "reserved additional information")
        if info == 31:
            raise Refused("non-canonical", "indefinite length")
        if info >= 24:
            size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
            argument = int.from_bytes(self.take(size), "big")
            if argument < {24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000}[info]:
                raise Refused("non-canonical", "head not in shortest form")
        else:
            argument = info
        if major in (1, 6):
            raise Refused("malformed", "negative integer or tag")
        if major == 0:
            return argument
        if major == 2:
            return Bytes(self.take(argument))
        if major == 3:
            raw = self.take(argument)
            try:
                return raw.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise Refused("invalid-text", "text is not UTF-8")
        if major == 4:
            if argument > self.remaining():
                raise Refused("truncated", "array count exceeds input")
            return [self.item(depth + 1) for _ in range(argument)]
        # major 5
        if argument > self.remaining() // 2:
            raise Refused("truncated", "map count exceeds input")
        result = {}
        normalized = set()
        previous = None
        for _ in range(argument):
            start = self.offset
            key = self.item(depth + 1)
            if not isinstance(key, str):
                raise Refused("malformed", "map key is not text")
            key_bytes = self.data[start:self.offset]
            if previous is not None and key_bytes <= previous:
                raise Refused("non-canonical", "duplicate or unsorted map key")
            previous = key_bytes
            nfc = unicodedata.normalize("NFC", key)
            if nfc in normalized:
                raise Refused("non-canonical", "canonically equivalent map keys")
            normalized.add(nfc)
            result[key] = self.item(depth + 1)
        return result


def from_typed(typed):
    """The typed JSON of cbor.json to a Python value."""
    (kind, value), = typed.items()
    if kind == "uint":
        return int(value)
    if kind == "bytes":
        return Bytes(bytes.fromhex(value))
    if kind == "text":
        return value
    if kind == "bool":
        return bool(value)
    if kind == "array":
        return [from_typed(v) for v in value]
    if kind == "map":
        return {k: from_typed(v) for k, v in value.items()}
    raise ValueError(kind)


def same(a, b):
    """Equality that keeps bytes, text, integers and booleans apart."""
    if type(a) is not type(b) and not (isinstance(a, bytes) and isinstance(b, bytes)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


# ---------------------------------------------------------------- identity (identity.md)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
SMALL_ORDER_Y = {int.from_bytes(bytes.fromhex(h), "little") for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
)}


def key_policy(raw):
    assert len(raw) == 32
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= P:
        raise Refused("weak-key", "non-canonical y")
    if y in SMALL_ORDER_Y:
        raise Refused("weak-key", "small order")


def luhn32(chars):
    factor, total = 2, 0
    for c in reversed(chars):
        addend = factor * ALPHABET.index(c)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def base32(raw):
    bits = "".join(format(b, "08b") for b in raw)
    bits += "0" * (-len(bits) % 5)
    return "".join(ALPHABET[int(bits[i:i + 5], 2)] for i in range(0, len(bits), 5))


def node_id(raw):
    chars = base32(raw)
    assert len(chars) == 52
    full = "".join(chars[i:i + 13] + luhn32(chars[i:i + 13]) for i in range(0, 52, 13))
    return "-".join(full[i:i + 7] for i in range(0, 56, 7))


def parse_node_id(text):
    chars = []
    for position, c in enumerate(text, start=1):
        if c in "- \t":
            continue
        if "a" <= c <= "z":
            c = c.upper()
        c = {"0": "O", "1": "I", "8": "B"}.get(c, c)
        if c not in ALPHABET:
            raise Refused("invalid-node-id", "character %d (%r)" % (position, c))
        chars.append(c)
    if not chars:
        raise Refused("invalid-node-id", "empty")
    if len(chars) != 56:
        raise Refused("invalid-node-id", "%d characters" % len(chars))
    data = ""
    for part in range(4):
        piece = chars[part * 14:part * 14 + 13]
        if luhn32(piece) != chars[part * 14 + 13]:
            raise Refused("invalid-node-id", "check character of part %d" % (part + 1))
        data += "".join(piece)
    bits = "".join(format(ALPHABET.index(c), "05b") for c in data)
    if bits[256:] != "0000":
        raise Refused("invalid-node-id", "pad bits")
    raw = int(bits[:256], 2).to_bytes(32, "big")
    key_policy(raw)
    return raw


def public_key_of(seed):
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_verify(raw_key, signature, message):
    # The spec requires S < L; OpenSSL (under cryptography) checks it too, this makes it explicit.
    if int.from_bytes(signature[32:], "little") >= L:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------------------------------------------------------------- envelope (envelope.md)

CONTEXT = "vouch signed document v1"
MAX_ENVELOPE = 65536
MAX_ARMOR = MAX_ENVELOPE * 4 // 3 + 4096
REGISTRY = {"vouch.profile": {1}, "vouch.invitation": {1, 2}, "vouch.acceptance": {1, 2}, "vouch.connection-removal": {1},
            "vouch.introduction": {1}, "vouch.visibility": {1}}
HEADER = "-----BEGIN VOUCH SIGNED DOCUMENT-----"
FOOTER = "-----END VOUCH SIGNED DOCUMENT-----"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def signature_input(type_name, fmt, signer, payload):
    return encode([CONTEXT, type_name, fmt, Bytes(signer), Bytes(payload)])


def verify_envelope(data):
    if len(data) > MAX_ENVELOPE:
        raise Refused("too-large")
    item = decode(data)
    if not isinstance(item, list) or len(item) != 5:
        raise Refused("malformed", "not a five-item array")
    type_name, fmt, signer, payload, signature = item
    if not (isinstance(type_name, str) and isinstance(fmt, int) and not isinstance(fmt, bool)
            and isinstance(signer, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise Refused("malformed", "item types")
    if len(signer) != 32 or len(signature) != 64:
        raise Refused("malformed", "signer or signature length")
    key_policy(signer)
    if not ed25519_verify(signer, signature, signature_input(type_name, fmt, signer, payload)):
        raise Refused("bad-signature")
    return type_name, fmt, bytes(signer), bytes(payload), bytes(signature)


def document_type(type_name, fmt):
    if type_name not in REGISTRY:
        raise Refused("unknown-document-type")
    if fmt not in REGISTRY[type_name]:
        raise Refused("unsupported-version")


def armor(data):
    body = base64.b64encode(data).decode("ascii")
    lines = [HEADER] + [body[i:i + 64] for i in range(0, len(body), 64)] + [FOOTER]
    return "\n".join(lines) + "\n"


def strict_base64(text):
    if len(text) % 4 != 0 or any(c not in B64 + "=" for c in text):
        raise Refused("invalid-armor", "base64 characters or length")
    stripped = text[:-2] if text.endswith("==") else text[:-1] if text.endswith("=") else text
    if "=" in stripped:
        raise Refused("invalid-armor", "misplaced padding")
    value = 0
    for c in stripped:
        value = value << 6 | B64.index(c)
    spare = len(stripped) * 6 % 8
    if value & ((1 << spare) - 1):
        raise Refused("invalid-armor", "non-zero pad bits")
    return (value >> spare).to_bytes(len(stripped) * 6 // 8, "big")


def dearmor(data):
    if len(data) > MAX_ARMOR:
        raise Refused("too-large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("invalid-armor", "not UTF-8")
    if not text.endswith("\n") or "\r" in text:
        raise Refused("invalid-armor", "line ends")
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or lines[0] != HEADER or lines[-1] != FOOTER:
        raise Refused("invalid-armor", "header or footer")
    body = lines[1:-1]
    for index, line in enumerate(body):
        if index < len(body) - 1 and len(line) != 64 or index == len(body) - 1 and not 1 <= len(line) <= 64:
            raise Refused("invalid-armor", "line length")
    return strict_base64("".join(body))


# ---------------------------------------------------------------- profile (profile.md)

FIELD_LIMITS = {"name": 128, "headline": 256, "organization": 128, "role": 128, "location": 128, "summary": 2048}
LINK_LIMIT, MAX_LINKS, MAX_ENDPOINTS, ENDPOINT_LIMIT = 512, 10, 8, 262
AUDIENCES = ("everyone", "connections")
WHITE_SPACE = set(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                            0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))
ASCII_LETTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
ASCII_DIGITS = set("0123456789")


INVISIBLE = set(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF]))


def text_rule(value, limit, newlines):
    if value == "":
        raise Refused("invalid-value", "empty")
    if len(value.encode("utf-8")) > limit:
        raise Refused("field-too-long")
    for c in value:
        if unicodedata.category(c) == "Cc" and not (newlines and c == "\n"):
            raise Refused("invalid-text", "control character U+%04X" % ord(c))
        if c in INVISIBLE:
            raise Refused("invalid-text", "invisible character U+%04X" % ord(c))


def check_link(link):
    text_rule(link, LINK_LIMIT, False)
    scheme, colon, _ = link.partition(":")
    if (not colon or not scheme or scheme[0] not in ASCII_LETTERS
            or any(c not in ASCII_LETTERS | ASCII_DIGITS | set("+-.") for c in scheme)
            or any(c in WHITE_SPACE for c in link)):
        raise Refused("invalid-value", "not an absolute URL")


def parse_endpoint(text):
    """Returns (host, port)."""
    if len(text.encode("utf-8")) > ENDPOINT_LIMIT:
        raise Refused("field-too-long")
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or text[close + 1:close + 2] != ":":
            raise Refused("invalid-value", "[v6]:port")
        host, port = text[1:close], text[close + 2:]
        if ":" not in host or any(c not in set("0123456789abcdefABCDEF:.") for c in host):
            raise Refused("invalid-value", "v6 host")
    else:
        host, colon, port = text.rpartition(":")
        if not colon:
            raise Refused("invalid-value", "no port")
        labels = host.split(".")
        if not host or len(host.encode("utf-8")) > 253 or not all(
                1 <= len(label) <= 63 and label[0] != "-" and label[-1] != "-"
                and all(c in ASCII_LETTERS | ASCII_DIGITS | {"-"} for c in label) for label in labels):
            raise Refused("invalid-value", "host")
    if not port or any(c not in ASCII_DIGITS for c in port) or port[0] == "0" or int(port) > 65535:
        raise Refused("invalid-value", "port")
    return host, int(port)


def print_endpoint(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


MAX_INTEGER = 2 ** 53 - 1  # encoding.md, "Integer ranges"


def in_range(value, what):
    if value > MAX_INTEGER:
        raise Refused("out-of-range", what)
    return value


def read_profile(payload):
    top = decode(payload)
    if not isinstance(top, dict):
        raise Refused("wrong-type", "payload")
    top = dict(top)

    def take(mapping, key, kind):
        if key not in mapping:
            raise Refused("missing-field", key)
        value = mapping.pop(key)
        ok = {"uint": isinstance(value, int) and not isinstance(value, bool), "text": isinstance(value, str),
              "map": isinstance(value, dict), "array": isinstance(value, list)}[kind]
        if not ok:
            raise Refused("wrong-type", key)
        return value

    version = in_range(take(top, "version", "uint"), "version")
    if version < 1:
        raise Refused("invalid-value", "version")
    updated = in_range(take(top, "updated", "uint"), "updated")
    audience = take(top, "audience", "text")
    if audience not in AUDIENCES:
        raise Refused("invalid-value", "audience")
    fields = dict(take(top, "fields", "map"))
    result_fields = {}
    for name, limit in FIELD_LIMITS.items():
        if name in fields:
            value = fields.pop(name)
            if not isinstance(value, str):
                raise Refused("wrong-type", name)
            text_rule(value, limit, name == "summary")
            result_fields[name] = value
    if fields:
        raise Refused("unknown-field", sorted(fields)[0])
    links = take(top, "links", "array")
    if any(not isinstance(link, str) for link in links):
        raise Refused("wrong-type", "links")
    endpoints = take(top, "endpoints", "array")
    if any(not isinstance(e, str) for e in endpoints):
        raise Refused("wrong-type", "endpoints")
    for e in endpoints:
        if print_endpoint(*parse_endpoint(e)) != e:
            raise Refused("non-canonical", e)
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    if len(links) > MAX_LINKS:
        raise Refused("invalid-value", "links")
    for link in links:
        check_link(link)
    if len(endpoints) > MAX_ENDPOINTS:
        raise Refused("invalid-value", "endpoints")
    return {"version": version, "updated": updated, "audience": audience, "fields": result_fields,
            "links": links, "endpoints": endpoints}


def view_payload(profile, audience):
    def visible(field_audience):
        return field_audience == "everyone" or audience == "connections"
    return encode({
        "version": profile["version"], "updated": profile["updated"], "audience": audience,
        "fields": {name: entry["value"] for name, entry in profile["fields"].items() if visible(entry["audience"])},
        "links": list(profile["links"]) if visible(profile["links_audience"]) else [],
        "endpoints": list(profile["endpoints"]),
    })


def version_decision(current, incoming):
    if current is None:
        return "accept"
    if incoming["version"] > current["version"]:
        return "accept"
    if incoming["version"] < current["version"]:
        return "ignore-older"
    return "ignore-duplicate" if incoming["payload"] == current["payload"] else "conflict"


# ---------------------------------------------------------------- transport (transport.md)

MAX_FRAME = 262144
MAX_LIFETIME = 30 * 24 * 3600 * 1000
MAX_SKEW = 5 * 60 * 1000
PROTOCOL_VERSION = 1
MESSAGE_TYPES = ("ping", "pong", "error", "ack", "card", "invitation", "invitation-question", "invitation-reply",
                 "invitation-withdrawal", "acceptance", "connection-removal", "introduction-request",
                 "introduction-forwarded", "introduction-not-forwarded", "introduction-offer", "introduction-question",
                 "introduction-reply", "introduction-withdrawal", "introduction-outcome", "visibility",
                 "connections-query", "connections-answer", "introducer-query", "introducer-answer", "mutual-query",
                 "mutual-answer")
HEADER_FIELDS = {"body": "any", "expires_at": "uint", "id": 16, "sent_at": "uint", "to": 32, "type": "text", "version": "uint"}
SCHEME = "vouch://"
RETRY_INITIAL_MS, RETRY_MAXIMUM_MS = 1000, 300000


class WireRefused(Exception):
    """A frame refused on receipt: the code of the error reply and the id it names (or None)."""

    def __init__(self, code, reply_to, message=""):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.reply_to = reply_to


def frame(payload):
    return len(payload).to_bytes(4, "big") + bytes(payload)


def frame_length(header):
    assert len(header) == 4
    length = int.from_bytes(header, "big")
    if length == 0:
        raise Refused("malformed", "a frame of length 0")
    if length > MAX_FRAME:
        raise Refused("too-large", "a frame of %d bytes" % length)
    return length


def is_uint(value):
    return isinstance(value, int) and not isinstance(value, bool)


def read_message(payload):
    """§4.1 checks 1-3: the message as a dict, or WireRefused."""
    try:
        message = decode(payload)
    except Refused as refusal:
        raise WireRefused("malformed", None, str(refusal))
    if not isinstance(message, dict):
        raise WireRefused("malformed", None, "not a map")
    raw_id = message.get("id")
    message_id = bytes(raw_id) if isinstance(raw_id, bytes) and len(raw_id) == 16 else None
    if "version" not in message or not is_uint(message["version"]):
        raise WireRefused("malformed", message_id, "no unsigned version")
    if message["version"] != PROTOCOL_VERSION:
        raise WireRefused("unsupported-version", message_id, "version %d" % message["version"])
    for key in message:
        if key not in HEADER_FIELDS and key != "reply_to":
            raise WireRefused("malformed", message_id, "unknown field " + key)
    for key, kind in list(HEADER_FIELDS.items()) + [("reply_to", 16)]:
        if key not in message:
            if key == "reply_to":
                continue
            raise WireRefused("malformed", message_id, "missing " + key)
        value = message[key]
        ok = (kind == "any" or kind == "uint" and is_uint(value) and value <= MAX_INTEGER or kind == "text" and isinstance(value, str)
              or isinstance(kind, int) and isinstance(value, bytes) and len(value) == kind)
        if not ok:
            raise WireRefused("malformed", message_id, "field " + key)
    return message


def receive(payload, receiver, now):
    """Every check of §4.1 in order: the message type, or WireRefused."""
    message = read_message(payload)
    reply_to = bytes(message["id"])
    sent, expires = message["sent_at"], message["expires_at"]
    if bytes(message["to"]) != receiver:
        raise WireRefused("wrong-recipient", reply_to)
    if not (sent < expires and expires - sent <= MAX_LIFETIME):
        raise WireRefused("expired", reply_to, "lifetime")
    if not sent <= now + MAX_SKEW:
        raise WireRefused("clock-skew", reply_to)
    if not now < expires:
        raise WireRefused("expired", reply_to)
    if message["type"] not in MESSAGE_TYPES:
        raise WireRefused("unknown-type", reply_to)
    return message["type"]


def verdict(payload, receiver, now):
    try:
        return {"accept": receive(payload, receiver, now)}
    except WireRefused as refusal:
        return {"error": refusal.code, "reply_to": refusal.reply_to.hex() if refusal.reply_to is not None else None}


def read_error_body(body):
    if not isinstance(body, dict) or set(body) != {"code", "message"} or not all(isinstance(v, str) for v in body.values()):
        raise Refused("invalid-body", "error body")
    return body["code"], body["message"]


def read_card_body(body):
    if not isinstance(body, dict) or set(body) != {"document"} or not isinstance(body["document"], bytes):
        raise Refused("invalid-body", "card body")
    return bytes(body["document"])


def exact_body(body, shape):
    """A body that is a map with exactly the keys of shape: 'bytes', 'text' or a byte count."""
    if not isinstance(body, dict) or set(body) != set(shape):
        raise Refused("invalid-body", "keys")
    for key, kind in shape.items():
        value = body[key]
        if kind == "text" and not isinstance(value, str) or kind != "text" and not isinstance(value, bytes):
            raise Refused("invalid-body", key)
        if isinstance(kind, int) and len(value) != kind:
            raise Refused("invalid-body", key + " size")
    return body


def read_body(type_name, body):
    """§5 and invitations.md §5: a body read for its type; Refused('invalid-body') when it is not that shape."""
    if type_name in ("ping", "pong", "ack"):
        if not (isinstance(body, dict) and len(body) == 0):
            raise Refused("invalid-body", type_name + " body")
        return {}
    if type_name == "error":
        return read_error_body(body)
    if type_name == "card":
        return read_card_body(body)
    if type_name == "invitation":
        return exact_body(body, {"document": "bytes", "note": "text", "salt": 16, "card": "bytes"})
    if type_name in ("invitation-question", "invitation-reply"):
        exact_body(body, {"invitation": 16, "note": "text"})
        try:
            note_rule(body["note"], NOTE_LIMIT, True)
        except Refused as refusal:
            raise Refused("invalid-body", str(refusal))
        return body
    if type_name == "invitation-withdrawal":
        return exact_body(body, {"invitation": 16})
    if type_name in ("acceptance", "connection-removal"):
        return exact_body(body, {"document": "bytes"})
    if type_name in INTRODUCTION_TYPES:
        return read_introduction_body(type_name, body)
    if type_name in DISCLOSURE_TYPES:
        return read_disclosure_body(type_name, body)
    raise Refused("unknown-type", type_name)


def parse_address(text):
    """Returns (key, host, port)."""
    rest = "".join(c for c in text if c not in WHITE_SPACE)
    if rest[:len(SCHEME)].lower() == SCHEME:
        rest = rest[len(SCHEME):]
    node, at, endpoint = rest.partition("@")
    if not at:
        raise Refused("invalid-value", "no @")
    key = parse_node_id(node)
    host, port = parse_endpoint(endpoint)
    return key, host, port


def tie_break(local, peer, existing, new):
    def dialer(direction):
        return local if direction == "outbound" else peer
    if existing == new == "inbound":
        return "keep-new"
    if existing == new == "outbound":
        return "keep-existing"
    return "keep-new" if dialer(new) == min(local, peer) else "keep-existing"


def retry_base_ms(failed_attempts):
    return min(RETRY_INITIAL_MS * 2 ** (failed_attempts - 1), RETRY_MAXIMUM_MS)


# ---------------------------------------------------------------- invitations (invitations.md)

NOTE_LIMIT, CONTEXT_LIMIT = 1000, 500
MAX_INVITATION_LIFETIME = 30 * 24 * 3600 * 1000
DEFAULT_INVITATION_LIFETIME = 14 * 24 * 3600 * 1000
INVITATION_SKEW = 5 * 60 * 1000
MAX_THREAD = 10
NOTE_CONTEXT = "vouch.invitation note"
RELATIONSHIPS = {"colleague": "colleague", "classmate": "classmate", "client": "supplier", "supplier": "client",
                 "mentor": "mentee", "mentee": "mentor", "met-at-event": "met-at-event", "friend": "friend",
                 "family": "family", "other": "other"}
# White_Space (invitations.md §3.3): the list of profile.md §Links plus the controls it names.
ANY_WHITE_SPACE = WHITE_SPACE | {"\t", "\n", "\x0b", "\x0c", "\r", "\x85"}


def note_rule(value, limit, newlines):
    text_rule(value, limit, newlines)
    if all(c in ANY_WHITE_SPACE for c in value):
        raise Refused("invalid-value", "only white space")


def note_digest(note, salt):
    return hashlib.sha256(encode([NOTE_CONTEXT, Bytes(salt), note])).digest()


def take_field(mapping, key, kind, size=None):
    if key not in mapping:
        raise Refused("missing-field", key)
    value = mapping.pop(key)
    ok = {"uint": is_uint(value), "text": isinstance(value, str), "bytes": isinstance(value, bytes)}[kind]
    if not ok:
        raise Refused("wrong-type", key)
    if kind == "bytes" and size is not None and len(value) != size:
        raise Refused("invalid-value", key + " size")
    if kind == "uint":
        in_range(value, key)
    return bytes(value) if kind == "bytes" else value


def read_payload_map(payload):
    top = decode(payload)
    if not isinstance(top, dict):
        raise Refused("wrong-type", "payload")
    return dict(top)


def read_terms(payload, fmt=1):
    """§3.5; format 2 (introductions.md §3) adds the introducer."""
    top = read_payload_map(payload)
    terms = {"id": take_field(top, "id", "bytes", 16)}
    terms["invitee"] = take_field(top, "invitee", "bytes", 32)
    key_policy(terms["invitee"])
    terms["relationship"] = take_field(top, "relationship", "text")
    if terms["relationship"] not in RELATIONSHIPS:
        raise Refused("invalid-value", "relationship")
    if "context" in top:
        terms["context"] = take_field(top, "context", "text")
        note_rule(terms["context"], CONTEXT_LIMIT, False)
    terms["created"] = take_field(top, "created", "uint")
    terms["expires"] = take_field(top, "expires", "uint")
    terms["note_digest"] = take_field(top, "note_digest", "bytes", 32)
    if fmt == 2:
        terms["introducer"] = take_field(top, "introducer", "bytes", 32)
        key_policy(terms["introducer"])
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    if not terms["created"] < terms["expires"] or terms["expires"] - terms["created"] > MAX_INVITATION_LIFETIME:
        raise Refused("invalid-value", "lifetime")
    if terms["relationship"] == "other" and "context" not in terms:
        raise Refused("missing-field", "context")
    if terms.get("introducer") == terms["invitee"]:
        raise Refused("invalid-value", "introduced by its own invitee")
    return terms


def require_type(type_name, fmt, expected):
    document_type(type_name, fmt)
    if type_name != expected:
        raise Refused("unexpected-document-type", type_name)


def signed_invitation(document):
    """§3.4 steps 1-3 (and introductions.md §3 step 3a): (inviter, terms)."""
    type_name, fmt, signer, payload, _ = verify_envelope(document)
    require_type(type_name, fmt, "vouch.invitation")
    terms = read_terms(payload, fmt)
    if terms["invitee"] == signer:
        raise Refused("self-invitation")
    if terms.get("introducer") == signer:
        raise Refused("invalid-value", "introduced by its own signer")
    return signer, terms


def verify_invitation(body, receiver, now):
    """§3.4, all ten steps."""
    inviter, terms = signed_invitation(body["document"])
    if note_digest(body["note"], body["salt"]) != terms["note_digest"]:
        raise Refused("bad-signature", "note")
    note_rule(body["note"], NOTE_LIMIT, True)
    type_name, fmt, signer, payload, _ = verify_envelope(body["card"])
    if signer != inviter:
        raise Refused("signer-mismatch", "card")
    require_type(type_name, fmt, "vouch.profile")
    if read_profile(payload)["audience"] != "everyone":
        raise Refused("invalid-value", "card audience")
    if terms["invitee"] != receiver:
        raise Refused("wrong-recipient")
    if terms["created"] > now + INVITATION_SKEW:
        raise Refused("clock-skew")
    if not now < terms["expires"]:
        raise Refused("expired")
    return inviter, terms


def verify_acceptance(data):
    """§4.2, and introductions.md §5 for format 2: the connection as a dict."""
    type_name, fmt, signer, payload, _ = verify_envelope(data)
    require_type(type_name, fmt, "vouch.acceptance")
    top = read_payload_map(payload)
    accepted = take_field(top, "accepted", "uint")
    invitation = take_field(top, "invitation", "bytes")
    introduction = take_field(top, "introduction", "bytes") if fmt == 2 else None
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    inviter, terms = signed_invitation(invitation)
    if decode_envelope_format(invitation) != fmt:
        raise Refused("invalid-value", "acceptance and invitation formats differ")
    if signer != terms["invitee"]:
        raise Refused("signer-mismatch")
    if not accepted < terms["expires"]:
        raise Refused("expired")
    if accepted + INVITATION_SKEW < terms["created"]:
        raise Refused("invalid-value", "accepted before created")
    note = verify_introduction(introduction, invitation) if introduction is not None else None
    if note is not None and note[2] > accepted + INVITATION_SKEW:
        raise Refused("invalid-value", "the introducer's note is dated after the acceptance")
    return {"inviter": inviter, "invitee": signer, "since": accepted, "terms": terms, "invitation": invitation,
            "id": hashlib.sha256(data).digest(), "introduction": note}


def decode_envelope_format(data):
    """The format number of an envelope already verified."""
    return decode(data)[1]


def verify_removal(data, connection):
    """§4.5."""
    type_name, fmt, signer, payload, _ = verify_envelope(data)
    require_type(type_name, fmt, "vouch.connection-removal")
    top = read_payload_map(payload)
    named = take_field(top, "connection", "bytes", 32)
    take_field(top, "removed", "uint")
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    if named != connection["id"]:
        raise Refused("invalid-value", "another connection")
    if signer not in (connection["inviter"], connection["invitee"]):
        raise Refused("signer-mismatch")


def sender_step(state, thread, event, due):
    """§7.1: (next state, actions) for the vector tables' events."""
    if event in ("question-from-third", "acceptance-from-third"):
        return state, ["refuse:wrong-recipient"]
    if event == "acceptance-other-terms":
        return state, ["refuse:invalid-value"]
    if event == "acceptance-dated-ahead":
        return state, ["refuse:clock-skew"]
    if event in ("withdraw", "reply"):  # owner commands change nothing when refused
        refusal = {"connected": "already-connected", "withdrawn": "invitation-withdrawn", "expired": "invitation-expired"}.get(state)
        if refusal is None and due:
            refusal = "invitation-expired"
        if refusal is None and event == "reply" and thread != "open-question":
            refusal = "no-open-question"
        if refusal:
            return state, ["error:" + refusal]
        if event == "withdraw":
            return "withdrawn", ["send:invitation-withdrawal", "event:withdrawn"]
        return "pending", ["send:invitation-reply", "event:replied"]
    actions = []
    if state == "pending" and due:
        state, actions = "expired", ["event:expired"]
    if event == "tick":
        return state, actions
    if event == "question":
        if state == "pending" and thread == "empty":
            return state, actions + ["event:question-received"]
        return state, actions + ["ignore"]
    # acceptance, acceptance-later-copy: both valid acceptances of the invitation sent
    if state in ("pending", "expired"):
        return "connected", actions + ["record-connection", "event:connected"]
    if state == "withdrawn":
        return state, actions + ["send:invitation-withdrawal", "ignore"]
    return state, actions + ["ignore"]


def recipient_step(state, thread, event, due):
    """§7.2: (next state, actions) for the vector tables' events."""
    if event in ("reply-from-third", "withdrawal-from-third"):
        return state, ["refuse:wrong-recipient"]
    if event in ("invitation-again", "invitation-same-id-other-terms"):
        return state, ["ignore"]
    if event in ("accept", "decline", "report-spam", "ask-context"):
        allowed = {"accept": ("pending", "declined"), "decline": ("pending",), "ask-context": ("pending",),
                   "report-spam": ("pending", "declined", "expired")}[event]
        if state not in allowed:
            refusal = {"expired": "invitation-expired", "withdrawn": "invitation-withdrawn", "accepted": "already-connected"}.get(
                state, "already-answered")
            return state, ["error:" + refusal]
        if event == "report-spam":
            return "reported-spam", ["block", "event:reported-spam"]
        if due:
            return state, ["error:invitation-expired"]
        if event == "accept":
            return "accepted", ["record-connection", "send:acceptance", "event:accepted"]
        if event == "decline":
            return "declined", ["event:declined"]
        if thread == "full":
            return state, ["error:thread-full"]
        if thread == "open-question":
            return state, ["error:question-open"]
        return state, ["send:invitation-question", "event:question-asked"]
    actions = []
    if state in ("pending", "declined") and due:
        actions = ["event:expired"] if state == "pending" else []
        state = "expired"
    if event == "tick":
        return state, actions
    if event == "reply":
        if state == "pending" and thread == "open-question":
            return state, actions + ["event:reply-received"]
        return state, actions + ["ignore"]
    # withdrawal from the inviter
    if state in ("pending", "declined"):
        return "withdrawn", actions + ["event:withdrawn"]
    if state == "accepted":
        return "withdrawn", actions + ["drop-connection", "event:withdrawn"]
    return state, actions + ["ignore"]


def policy_decision(policy, situation, note, now):
    """§6."""
    if situation["inviter_blocked"]:
        return "drop:blocked"
    if situation["already_connected"]:
        return "drop:already-connected"
    who = policy["who_may_invite"]
    if who == "nobody" or who == "introduced" and not situation["introduced"]:
        return "drop:not-accepting"
    declined = situation["last_declined"]
    if declined is not None and now < declined + policy["decline_cooldown_ms"]:
        return "drop:cooldown"
    if sum(1 for c in note if c not in ANY_WHITE_SPACE) < policy["minimum_note_length"]:
        return "drop:note-too-short"
    if situation["inviter_has_pending"]:
        return "drop:inviter-has-pending"
    if situation["pending_count"] >= policy["maximum_pending"]:
        return "drop:inbox-full"
    return "show"


def crossing(local, peer, ours_pending):
    """§8."""
    if not ours_pending:
        return "no-crossing"
    return "theirs-stands" if peer < local else "ours-stands"


# ---------------------------------------------------------------- introductions (introductions.md)

INTRODUCTION_TYPES = ("introduction-request", "introduction-forwarded", "introduction-not-forwarded", "introduction-offer",
                      "introduction-question", "introduction-reply", "introduction-withdrawal", "introduction-outcome")


def verify_introduction(data, invitation):
    """§4.2: the introducer's note over a verified introduced invitation: (introducer, note, created)."""
    type_name, fmt, signer, payload, _ = verify_envelope(data)
    require_type(type_name, fmt, "vouch.introduction")
    top = read_payload_map(payload)
    created = take_field(top, "created", "uint")
    digest = take_field(top, "invitation", "bytes", 32)
    note = take_field(top, "note", "text")
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    note_rule(note, NOTE_LIMIT, True)
    _, terms = signed_invitation(invitation)
    if "introducer" not in terms:
        raise Refused("invalid-value", "the invitation names no introducer")
    if signer != terms["introducer"]:
        raise Refused("signer-mismatch", "not the introducer the invitation names")
    if digest != hashlib.sha256(invitation).digest():
        raise Refused("invalid-value", "names another invitation")
    if created + INVITATION_SKEW < terms["created"]:
        raise Refused("invalid-value", "dated before the request")
    if not created < terms["expires"]:
        raise Refused("expired")
    return signer, note, created


def body_note(note):
    try:
        note_rule(note, NOTE_LIMIT, True)
    except Refused as refusal:
        raise Refused("invalid-body", str(refusal))


def read_reference_body(body, note):
    """§5: {requester, request} and a note: "required", "optional" or "none"."""
    keys = {"requester", "request"} | ({"note"} if note == "required" or note == "optional" and "note" in body else set())
    if not isinstance(body, dict) or set(body) != keys:
        raise Refused("invalid-body", "keys")
    exact_body(body, {"requester": 32, "request": 16, **({"note": "text"} if "note" in keys else {})})
    try:
        key_policy(bytes(body["requester"]))
    except Refused as refusal:
        raise Refused("invalid-body", str(refusal))
    if "note" in keys:
        body_note(body["note"])
    return body


def read_introduction_body(type_name, body):
    if type_name in ("introduction-request", "introduction-offer"):
        other = "note" if type_name == "introduction-request" else "introduction"
        if not isinstance(body, dict) or set(body) != {"invitation", other}:
            raise Refused("invalid-body", "keys")
        read_body("invitation", body["invitation"])
        if type_name == "introduction-request":
            if not isinstance(body["note"], str):
                raise Refused("invalid-body", "note")
            body_note(body["note"])
        elif not isinstance(body["introduction"], bytes):
            raise Refused("invalid-body", "introduction")
        return body
    note = {"introduction-not-forwarded": "optional", "introduction-question": "required",
            "introduction-reply": "required"}.get(type_name, "none")
    return read_reference_body(body, note)


def introducer_step(state, forwarded, relayed, accepted, event, due):
    """§6.2: (next state, forwarded, relayed, accepted, actions) for the vector table's events."""
    if event in ("forward", "forward-not-connected", "decline", "decline-with-note"):
        refusal = {"forwarded": "already-forwarded", "not-forwarded": "already-forwarded", "withdrawn": "invitation-withdrawn",
                   "expired": "invitation-expired"}.get(state)
        if refusal is None and due:
            refusal = "invitation-expired"
        if refusal is None and event == "forward-not-connected":
            refusal = "not-connected-to-target"
        if refusal:
            return state, forwarded, relayed, accepted, ["error:" + refusal]
        if event == "forward":
            return "forwarded", True, relayed, accepted, ["send:introduction-offer>target", "send:introduction-forwarded>requester",
                                                          "event:forwarded"]
        return "not-forwarded", forwarded, relayed, accepted, ["send:introduction-not-forwarded>requester", "event:not-forwarded"]
    if event in ("request-again", "request-same-id-other-terms"):
        return state, forwarded, relayed, accepted, ["ignore"]
    if event in ("withdrawal-from-target", "question-from-requester", "reply-from-target", "outcome-from-requester") \
            or event == "outcome" and not forwarded:
        return state, forwarded, relayed, accepted, ["refuse:wrong-recipient"]
    actions = []
    if state in ("pending", "forwarded") and due:
        state, actions = "expired", ["event:expired"]
    if event == "tick":
        pass
    elif event == "withdrawal":
        if state == "pending":
            state, actions = "withdrawn", actions + ["event:withdrawn"]
        elif state == "forwarded" or state == "expired" and forwarded:
            state, actions = "withdrawn", actions + ["send:introduction-withdrawal>target", "event:withdrawn"]
        elif state == "withdrawn" and forwarded:
            actions = actions + ["send:introduction-withdrawal>target"]
        else:
            actions = actions + ["ignore"]
    elif event in ("question", "reply"):
        if state != "forwarded" or relayed >= MAX_THREAD:
            actions = actions + ["ignore"]
        else:
            to = "requester" if event == "question" else "target"
            relayed, actions = relayed + 1, actions + ["send:introduction-%s>%s" % (event, to), "event:relayed"]
    else:  # outcome from the target, on a forwarded request
        if accepted or state == "withdrawn":
            actions = actions + ["ignore"]
        else:
            accepted, actions = True, actions + ["event:accepted"]
    return state, forwarded, relayed, accepted, actions


def requester_step(state, forwarded, thread, event, due):
    """§6.1: (next state, forwarded, actions) for the vector table's events."""
    if event in ("question-from-target", "forwarded-from-target", "not-forwarded-from-stranger", "acceptance-from-introducer"):
        return state, forwarded, ["refuse:wrong-recipient"]
    if event == "acceptance-other-terms":
        return state, forwarded, ["refuse:invalid-value"]
    if event in ("withdraw", "reply"):
        refusal = {"connected": "already-connected", "withdrawn": "invitation-withdrawn", "expired": "invitation-expired",
                   "not-forwarded": "not-forwarded"}.get(state)
        if refusal is None and due:
            refusal = "invitation-expired"
        if refusal is None and event == "reply" and thread != "open-question":
            refusal = "no-open-question"
        if refusal:
            return state, forwarded, ["error:" + refusal]
        if event == "withdraw":
            return "withdrawn", forwarded, ["send:introduction-withdrawal>introducer", "event:withdrawn"]
        return state, forwarded, ["send:introduction-reply>introducer", "event:replied"]
    actions = []
    if state == "pending" and due:
        state, actions = "expired", ["event:expired"]
    if event == "tick":
        return state, forwarded, actions
    if event == "question":
        if state == "pending" and thread == "empty":
            return state, forwarded, actions + ["event:question-received"]
        return state, forwarded, actions + ["ignore"]
    if event in ("forwarded", "not-forwarded", "not-forwarded-with-note"):
        if state != "pending" or forwarded:
            return state, forwarded, actions + ["ignore"]
        if event == "forwarded":
            return state, True, actions + ["event:forwarded"]
        return "not-forwarded", forwarded, actions + ["event:not-forwarded"]
    # acceptance from the target, of the request sent
    if state in ("pending", "expired", "not-forwarded"):
        return "connected", forwarded, actions + ["record-connection", "event:connected"]
    if state == "withdrawn":
        return state, forwarded, actions + ["send:introduction-withdrawal>introducer", "ignore"]
    return state, forwarded, actions + ["ignore"]


def shown_state(state, forwarded):
    """§6.1: what the requester's owner reads."""
    if state != "pending":
        return state
    return "forwarded" if forwarded else "requested"


TARGET_EVENTS = {"accept-tell-introducer": "accept", "offer-again": "invitation-again",
                 "offer-same-id-other-terms": "invitation-same-id-other-terms", "reply-from-requester": "reply-from-third",
                 "withdrawal-from-requester": "withdrawal-from-third"}
TARGET_SENDS = {"send:acceptance": "send:acceptance>requester", "send:invitation-question": "send:introduction-question>introducer"}


def target_step(state, thread, event, due):
    """§6.3: the invitee's machine of invitations.md §7.2, with the introducer as the other party
    for questions, replies and withdrawals, and the outcome told on request."""
    state, actions = recipient_step(state, thread, TARGET_EVENTS.get(event, event), due)
    actions = [TARGET_SENDS.get(a, a) for a in actions]
    if event == "accept-tell-introducer" and "event:accepted" in actions:
        actions.insert(actions.index("event:accepted"), "send:introduction-outcome>introducer")
    return state, actions


# ---------------------------------------------------------------- the checks

# ---------------------------------------------------------------- relays (relay.md)

RELAY_SCHEME = "relay://"
RELAY_ENDPOINT_LIMIT = 409
RELAY_URI_LIMIT = 1024
RELAY_MAGIC = 0x9E79BC40
RELAY_PAYLOAD_LIMIT = 1024
RELAY_OPAQUE_LIMIT = 32
RELAY_MESSAGES = ["ping", "pong", "join-relay-request", "join-session-request", "response",
                  "connect-request", "session-invitation", "relay-full"]


def syncthing_check(chars):
    """Syncthing's check character: from the first character, factors 1, 2, 1, ... (relay.md section 1)."""
    factor, total = 1, 0
    for ch in chars:
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def device_id_text(raw):
    data = base64.b32encode(raw).decode("ascii").rstrip("=")
    chars = "".join(data[i * 13:(i + 1) * 13] + syncthing_check(data[i * 13:(i + 1) * 13]) for i in range(4))
    return "-".join(chars[i:i + 7] for i in range(0, 56, 7))


def parse_device_id(text, exact):
    if exact:
        raw = parse_device_id(text, False)
        if device_id_text(raw) != text:
            raise Refused("invalid-value", "not the written form")
        return raw
    chars = ""
    for ch in text:
        if ch in "- ":
            continue
        if not ch.isascii():
            raise Refused("invalid-value", "character")
        ch = {"0": "O", "1": "I", "8": "B"}.get(ch.upper(), ch.upper())
        if ch not in ALPHABET:
            raise Refused("invalid-value", "character")
        chars += ch
    if len(chars) == 56:
        parts = [chars[i * 14:i * 14 + 13] for i in range(4)]
        if any(syncthing_check(parts[i]) != chars[i * 14 + 13] for i in range(4)):
            raise Refused("invalid-value", "check character")
        chars = "".join(parts)
    elif len(chars) != 52:
        raise Refused("invalid-value", "length")
    raw = base64.b32decode(chars + "====")
    if base64.b32encode(raw).decode("ascii").rstrip("=") != chars:
        raise Refused("invalid-value", "pad bits")
    return raw


def parse_relay_endpoint(text):
    """Returns (host, port, relay_id, device_id) for the exact form of relay.md section 2.1."""
    if len(text.encode("utf-8")) > RELAY_ENDPOINT_LIMIT:
        raise Refused("field-too-long")
    rest = text[len(RELAY_SCHEME):]
    endpoint, sep, query = rest.partition("/?id=")
    if not sep:
        raise Refused("invalid-value", "no /?id=")
    relay_id, sep, device = query.partition("&device=")
    if not sep:
        raise Refused("invalid-value", "no &device=")
    host, port = parse_endpoint(endpoint)
    return host, port, parse_device_id(relay_id, True), parse_device_id(device, True)


def parse_relay_uri(text):
    """Returns (host, port, relay_id) for a URI as strelaysrv prints it (relay.md section 2.2)."""
    if len(text.encode("utf-8")) > RELAY_URI_LIMIT:
        raise Refused("field-too-long")
    if text[:len(RELAY_SCHEME)].lower() != RELAY_SCHEME:
        raise Refused("invalid-value", "scheme")
    endpoint, slash, query = text[len(RELAY_SCHEME):].partition("/")
    host, port = parse_endpoint(endpoint)
    if not query.startswith("?"):
        raise Refused("invalid-value", "no query")
    ids = [pair.partition("=")[2] for pair in query[1:].split("&") if pair and pair.partition("=")[0] == "id"]
    if len(ids) != 1:
        raise Refused("invalid-value", "id")
    return host, port, parse_device_id(ids[0], False)


def relay_certificate(public_key, sign):
    """The node's relay certificate (relay.md section 3), signed by `sign`."""
    def tlv(tag, content):
        n = len(content)
        length = bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF])
        return bytes([tag]) + length + content
    ed25519 = tlv(0x30, bytes.fromhex("06032b6570"))
    name = tlv(0x30, tlv(0x31, tlv(0x30, bytes.fromhex("0603550403") + tlv(0x0C, b"vouch-relay"))))
    validity = tlv(0x30, tlv(0x17, b"700101000000Z") + tlv(0x18, b"99991231235959Z"))
    spki = tlv(0x30, ed25519 + tlv(0x03, b"\x00" + public_key))
    tbs = tlv(0x30, bytes.fromhex("a003020102") + bytes.fromhex("020101") + ed25519 + name + validity + name + spki)
    return tlv(0x30, tbs + ed25519 + tlv(0x03, b"\x00" + sign(tbs)))


def xdr_opaque(data):
    return len(data).to_bytes(4, "big") + data + b"\x00" * ((4 - len(data) % 4) % 4)


def encode_relay_message(name, fields):
    if name in ("join-session-request",):
        payload = xdr_opaque(bytes.fromhex(fields["key"]))
    elif name == "connect-request":
        payload = xdr_opaque(bytes.fromhex(fields["id"]))
    elif name == "response":
        payload = (fields["code"] & 0xFFFFFFFF).to_bytes(4, "big") + xdr_opaque(fields["message"].encode("utf-8"))
    elif name == "session-invitation":
        payload = b"".join(xdr_opaque(bytes.fromhex(fields[k])) for k in ("from", "key", "address"))
        payload += fields["port"].to_bytes(4, "big") + (1 if fields["server_socket"] else 0).to_bytes(4, "big")
    else:
        payload = b""
    return RELAY_MAGIC.to_bytes(4, "big") + RELAY_MESSAGES.index(name).to_bytes(4, "big") + len(payload).to_bytes(4, "big") + payload


def decode_relay_message(data):
    """Returns (name, fields); refuses as relay.md section 6 says."""
    if len(data) < 12:
        raise Refused("truncated", "header")
    magic, kind, length = (int.from_bytes(data[i:i + 4], "big") for i in (0, 4, 8))
    if magic != RELAY_MAGIC or kind >= len(RELAY_MESSAGES):
        raise Refused("malformed", "magic or type")
    if length > RELAY_PAYLOAD_LIMIT:
        raise Refused("too-large")
    payload = data[12:]
    if len(payload) < length:
        raise Refused("truncated", "payload")
    if len(payload) > length:
        raise Refused("trailing-bytes")
    pos = [0]

    def uint32():
        if len(payload) - pos[0] < 4:
            raise Refused("truncated")
        pos[0] += 4
        return int.from_bytes(payload[pos[0] - 4:pos[0]], "big")

    def opaque(limit=RELAY_OPAQUE_LIMIT):
        n = uint32()
        if n > limit:
            raise Refused("malformed", "opaque too long")
        pad = (4 - n % 4) % 4
        if len(payload) - pos[0] < n + pad:
            raise Refused("truncated")
        value, padding = payload[pos[0]:pos[0] + n], payload[pos[0] + n:pos[0] + n + pad]
        if any(padding):
            raise Refused("malformed", "padding")
        pos[0] += n + pad
        return value

    name = RELAY_MESSAGES[kind]
    fields = {}
    if name == "join-session-request":
        fields["key"] = opaque().hex()
    elif name == "connect-request":
        fields["id"] = opaque().hex()
    elif name == "response":
        code = uint32()
        fields["code"] = code - (1 << 32) if code >= 1 << 31 else code
        try:
            fields["message"] = opaque(RELAY_PAYLOAD_LIMIT - 12).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("malformed", "not UTF-8")
    elif name == "session-invitation":
        for k in ("from", "key", "address"):
            fields[k] = opaque().hex()
        port, flag = uint32(), uint32()
        if port > 0xFFFF or flag > 1:
            raise Refused("malformed", "port or bool")
        fields["port"], fields["server_socket"] = port, flag == 1
    if pos[0] != len(payload):
        raise Refused("trailing-bytes")
    return name, fields


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = []
        self.counts = {}

    def check(self, group, name, condition, detail=""):
        self.counts[group] = self.counts.get(group, 0) + 1
        if condition:
            self.passed += 1
        else:
            self.failures.append("%s: %s %s" % (group, name, detail))

    def outcome(self, body):
        try:
            body()
            return "ok"
        except Refused as refusal:
            return refusal.code

    def expect_code(self, group, name, expected, body):
        actual = self.outcome(body)
        self.check(group, name, actual == expected, "(expected %s, got %s)" % (expected, actual))


# ---------------------------------------------------------------- disclosure (disclosure.md)

LEVELS = ("only-us", "mutual", "connections", "everyone")  # narrowest audience first
DISCLOSURE_TYPES = ("visibility", "connections-query", "connections-answer", "introducer-query", "introducer-answer",
                    "mutual-query", "mutual-answer")
DISCLOSURE_KINDS = {"visibility": "delivery", "connections-query": "query", "connections-answer": "reply",
                    "introducer-query": "query", "introducer-answer": "reply", "mutual-query": "query", "mutual-answer": "reply"}
MUTUAL_CONTEXT = "vouch mutual v1"
PAGE_RECORDS, PAGE_ELEMENTS, MUTUAL_PAGES, TOKEN_BYTES = 256, 4000, 16, 32


def audience(a, b):
    """§2: the narrower choice; a side whose statement is not known (None) counts as only-us."""
    return LEVELS[min(LEVELS.index(a) if a is not None else 0, LEVELS.index(b) if b is not None else 0)]


def allows(level, knows_a, knows_b):
    """§2: may an observer connected to a and/or b (and neither of them) learn of the connection?"""
    return {"everyone": True, "connections": knows_a or knows_b, "mutual": knows_a and knows_b, "only-us": False}[level]


def include(level, peer_is_asker, asker_is_connection, channel):
    """§5.1: a node shown an asker knows whether it is its own connection; inside an intersection the
    asker is connected to the other side (it holds the token)."""
    return peer_is_asker or allows(level, asker_is_connection, channel == "intersection")


def read_visibility(data):
    """§3.2 steps 1-2: (signer, connection, level, set)."""
    type_name, fmt, signer, payload, _ = verify_envelope(data)
    require_type(type_name, fmt, "vouch.visibility")
    top = read_payload_map(payload)
    connection = take_field(top, "connection", "bytes", 32)
    level = take_field(top, "level", "text")
    if level not in LEVELS:
        raise Refused("invalid-value", "level " + level)
    when = take_field(top, "set", "uint")
    if top:
        raise Refused("unknown-field", sorted(top)[0])
    return signer, connection, level, when


def check_visibility(data, record):
    """§3.2 steps 1-4 against the connection record it must name."""
    signer, connection, level, when = read_visibility(data)
    held = verify_acceptance(record)
    if connection != held["id"]:
        raise Refused("invalid-value", "another connection")
    if signer not in (held["inviter"], held["invitee"]):
        raise Refused("signer-mismatch")
    return signer, connection, level, when


def supersedes(held, incoming):
    """§3.3: (level, set) pairs; held may be None."""
    if held is None:
        return True
    return incoming[1] > held[1] or incoming[1] == held[1] and LEVELS.index(incoming[0]) < LEVELS.index(held[0])


def points(value, what):
    if not isinstance(value, bytes) or len(value) % 32:
        raise Refused("invalid-body", what)
    if len(value) // 32 > PAGE_ELEMENTS:
        raise Refused("invalid-body", what + " holds too many elements")
    return [bytes(value[i:i + 32]) for i in range(0, len(value), 32)]


def read_disclosure_body(type_name, body):
    """§4 and §5: exact bodies; Refused('invalid-body') otherwise."""
    if not isinstance(body, dict):
        raise Refused("invalid-body", "not a map")
    if type_name == "visibility":
        return exact_body(body, {"document": "bytes", "token": TOKEN_BYTES})
    if type_name == "connections-query":
        return exact_body(body, {"after": 32})
    if type_name == "connections-answer":
        if set(body) != {"records", "more"} or not isinstance(body["records"], list) or not isinstance(body["more"], bool):
            raise Refused("invalid-body", "connections-answer")
        if len(body["records"]) > PAGE_RECORDS or not all(isinstance(r, bytes) for r in body["records"]):
            raise Refused("invalid-body", "records")
        return body
    if type_name == "introducer-query":
        exact_body(body, {"target": 32})
        try:
            key_policy(bytes(body["target"]))
        except Refused as refusal:
            raise Refused("invalid-body", str(refusal))
        return body
    if type_name == "introducer-answer":
        if set(body) - {"record"} or "record" in body and not isinstance(body["record"], bytes):
            raise Refused("invalid-body", "introducer-answer")
        return body
    if type_name == "mutual-query":
        if set(body) != {"query", "page", "elements"} or not isinstance(body["query"], bytes) or len(body["query"]) != 16:
            raise Refused("invalid-body", "mutual-query")
        if not is_uint(body["page"]) or body["page"] >= MUTUAL_PAGES:
            raise Refused("invalid-body", "page")
        return {"query": bytes(body["query"]), "page": body["page"], "elements": points(body["elements"], "elements")}
    if type_name == "mutual-answer":
        if set(body) != {"elements", "set", "more"} or not isinstance(body["more"], bool):
            raise Refused("invalid-body", "mutual-answer")
        return {"elements": points(body["elements"], "elements"), "set": points(body["set"], "set"), "more": body["more"]}
    raise Refused("unknown-type", type_name)


A24 = 121665


def x25519(scalar, u_bytes):
    """RFC 7748 §5, written out: clamp the scalar, mask the top bit of u, Montgomery ladder."""
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3, z3 = (da + cb) ** 2 % P, x1 * (da - cb) ** 2 % P
        x2, z2 = aa * bb % P, e * (aa + A24 * e) % P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def blind(scalar, point):
    """§6.2: X25519(scalar, point); a point of small order (an all-zero result) is invalid-value.
    Cross-checked against the cryptography package's X25519."""
    if len(point) != 32:
        raise Refused("invalid-value", "not 32 bytes")
    out = x25519(scalar, point)
    try:
        library = X25519PrivateKey.from_private_bytes(scalar).exchange(X25519PublicKey.from_public_bytes(point))
    except ValueError:
        library = bytes(32)
    assert library == out, "the RFC 7748 ladder and the cryptography package disagree"
    if out == bytes(32):
        raise Refused("invalid-value", "small order")
    return out


def mutual_element(peer, token):
    digest = bytearray(hashlib.sha256(encode([MUTUAL_CONTEXT, Bytes(peer), Bytes(token)])).digest())
    digest[31] &= 0x7F
    return bytes(digest)


def answering_scalar(secret, asker, query):
    return hmac.new(secret, encode([MUTUAL_CONTEXT, Bytes(asker), Bytes(query)]), hashlib.sha256).digest()


def on_twist(u_bytes):
    u = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    return pow((u ** 3 + 486662 * u * u + u) % P, (P - 1) // 2, P) == P - 1


def check_cbor(c, vectors):
    c.check("cbor", "maximum_depth", vectors["maximum_depth"] == MAX_DEPTH)
    for v in vectors["valid"]:
        data = bytes.fromhex(v["hex"])
        value = from_typed(v["value"])
        c.check("cbor", "encode %s" % v["hex"][:40], encode(value) == data, "got %s" % encode(value).hex()[:80])
        try:
            decoded = decode(data)
            c.check("cbor", "decode %s" % v["hex"][:40], same(decoded, value))
        except Refused as refusal:
            c.check("cbor", "decode %s" % v["hex"][:40], False, "refused: %s" % refusal)
    for v in vectors["invalid"]:
        c.expect_code("cbor", "refuse %s (%s)" % (v["hex"][:40], v["description"]), v["error"],
                      lambda: decode(bytes.fromhex(v["hex"])))


def check_node_ids(c, vectors):
    c.check("node-id", "alphabet", vectors["alphabet"] == ALPHABET)
    for v in vectors["valid"]:
        raw = bytes.fromhex(v["public_key"])
        c.check("node-id", "public key of seed " + v["seed"][:16], public_key_of(bytes.fromhex(v["seed"])) == raw)
        c.check("node-id", "human form of " + v["public_key"][:16], node_id(raw) == v["node_id"], node_id(raw))
        c.check("node-id", "short form of " + v["public_key"][:16], node_id(raw)[:7] == v["short_form"])
        c.check("node-id", "parse " + v["node_id"], c.outcome(lambda: parse_node_id(v["node_id"])) == "ok"
                and parse_node_id(v["node_id"]) == raw)
    for v in vectors["parse"]:
        try:
            c.check("node-id", "parse " + v["description"], node_id(parse_node_id(v["input"])) == v["node_id"])
        except Refused as refusal:
            c.check("node-id", "parse " + v["description"], False, str(refusal))
    for v in vectors["invalid"]:
        c.expect_code("node-id", "refuse " + v["description"], v["error"], lambda: parse_node_id(v["input"]))
    for v in vectors["luhn"]:
        c.check("node-id", "luhn " + v["characters"], luhn32(v["characters"]) == v["check"])


def check_envelopes(c, vectors):
    c.check("envelope", "signature_context", vectors["signature_context"] == CONTEXT)
    c.check("envelope", "maximum_encoded_size", vectors["maximum_encoded_size"] == MAX_ENVELOPE)
    keys = vectors["keys"]
    for name, k in keys.items():
        raw = public_key_of(bytes.fromhex(k["seed"]))
        c.check("envelope", "key " + name, raw.hex() == k["public_key"] and node_id(raw) == k["node_id"])
    for v in vectors["valid"]:
        seed = bytes.fromhex(keys[v["signer"]]["seed"])
        signer = public_key_of(seed)
        payload = bytes.fromhex(v["payload_hex"])
        message = signature_input(v["type"], v["format"], signer, payload)
        what = v["description"]
        c.check("envelope", "signature input: " + what, message.hex() == v["signature_input_hex"])
        signature = Ed25519PrivateKey.from_private_bytes(seed).sign(message)
        c.check("envelope", "signature: " + what, signature.hex() == v["signature_hex"])
        envelope = encode([v["type"], v["format"], Bytes(signer), Bytes(payload), Bytes(signature)])
        c.check("envelope", "envelope bytes: " + what, envelope.hex() == v["envelope_hex"])
        c.check("envelope", "armor: " + what, armor(envelope) == v["armored"])
        try:
            fields = verify_envelope(bytes.fromhex(v["envelope_hex"]))
            c.check("envelope", "verifies: " + what, fields == (v["type"], v["format"], signer, payload, signature))
            c.check("envelope", "dearmors: " + what, dearmor(v["armored"].encode("utf-8")) == envelope)
        except Refused as refusal:
            c.check("envelope", "verifies: " + what, False, str(refusal))
        c.expect_code("envelope", "document type: " + what, v["document_type"],
                      lambda: document_type(v["type"], v["format"]))
    for v in vectors["invalid"]:
        if "armored" in v:
            body = lambda: verify_envelope(dearmor(v["armored"].encode("utf-8")))
        else:
            body = lambda: verify_envelope(bytes.fromhex(v["envelope_hex"]))
        c.expect_code("envelope", "refuse " + v["description"], v["error"], body)


def check_profiles(c, vectors):
    limits = vectors["limits"]
    c.check("profile", "limits", {k: limits[k] for k in FIELD_LIMITS} == FIELD_LIMITS and limits["link"] == LINK_LIMIT
            and limits["links"] == MAX_LINKS and limits["endpoints"] == MAX_ENDPOINTS and limits["endpoint"] == ENDPOINT_LIMIT)
    for v in vectors["views"]:
        for audience in AUDIENCES:
            payload = view_payload(v["profile"], audience)
            c.check("profile", "%s view: %s" % (audience, v["description"]), payload.hex() == v[audience + "_payload_hex"])
            c.check("profile", "%s view reads: %s" % (audience, v["description"]), c.outcome(lambda: read_profile(payload)) == "ok")
    for v in vectors["valid"]:
        try:
            document = read_profile(bytes.fromhex(v["payload_hex"]))
            c.check("profile", "read: " + v["description"], document == v["document"], repr(document)[:200])
        except Refused as refusal:
            c.check("profile", "read: " + v["description"], False, str(refusal))
        expected = v["document"]
        c.check("profile", "write: " + v["description"], encode(expected).hex() == v["payload_hex"])
    for v in vectors["invalid"]:
        c.expect_code("profile", "refuse " + v["description"], v["error"], lambda: read_profile(bytes.fromhex(v["payload_hex"])))
    for v in vectors["endpoints"]["valid"]:
        try:
            host, port = parse_endpoint(v["text"])
            c.check("profile", "endpoint " + v["text"], (host, port) == (v["host"], v["port"])
                    and print_endpoint(host, port) == v["text"])
        except Refused as refusal:
            c.check("profile", "endpoint " + v["text"], False, str(refusal))
    for v in vectors["endpoints"]["invalid"]:
        c.expect_code("profile", "refuse endpoint " + v["description"], v["error"], lambda: parse_endpoint(v["text"]))
    for link in vectors["links"]["valid"]:
        c.expect_code("profile", "link " + link, "ok", lambda: check_link(link))
    for v in vectors["links"]["invalid"]:
        c.expect_code("profile", "refuse link %r" % v["text"], v["error"], lambda: check_link(v["text"]))
    for v in vectors["version_rule"]:
        def side(s):
            return None if s is None else {"version": s["version"], "payload": bytes.fromhex(s["payload_hex"])}
        current, incoming = side(v["current"]), side(v["incoming"])
        for s in (current, incoming):
            if s is not None:
                c.check("profile", "version rule payload", c.outcome(lambda: read_profile(s["payload"])) == "ok"
                        and read_profile(s["payload"])["version"] == s["version"])
        c.check("profile", "version rule %s" % v["decision"], version_decision(current, incoming) == v["decision"])


def message_value(fields):
    """The fields of a message in the vectors to a Python value for encode()."""
    value = {}
    for key, item in fields.items():
        if key in ("id", "to", "reply_to"):
            value[key] = Bytes(bytes.fromhex(item))
        elif key == "body":
            value[key] = from_typed(item)
        else:
            value[key] = item
    return value


def check_transport(c, vectors):
    g = "transport"
    limits = vectors["limits"]
    c.check(g, "limits", limits == {"maximum_frame_size": MAX_FRAME, "maximum_lifetime_ms": MAX_LIFETIME,
                                    "maximum_clock_skew_ms": MAX_SKEW, "maximum_depth": MAX_DEPTH})
    c.check(g, "protocol version, ALPN, port", vectors["protocol_version"] == PROTOCOL_VERSION
            and vectors["alpn"] == "vouch/1" and vectors["default_port"] == 7868)
    keys = {}
    for name, k in vectors["keys"].items():
        raw = public_key_of(bytes.fromhex(k["seed"]))
        c.check(g, "key " + name, raw.hex() == k["public_key"] and node_id(raw) == k["node_id"])
        keys[name] = raw

    frames = vectors["frames"]
    for v in frames["valid"]:
        payload = bytes.fromhex(v["payload_hex"])
        data = frame(payload)
        c.check(g, "frame " + v["description"], data.hex() == v["frame_hex"], data.hex()[:40])
        c.check(g, "frame reads back " + v["description"], c.outcome(lambda: frame_length(data[:4])) == "ok"
                and data[4:4 + frame_length(data[:4])] == payload and len(data) == 4 + len(payload))
    for v in frames["headers"]:
        header = bytes.fromhex(v["header_hex"])
        c.check(g, "header " + v["description"], header == v["length"].to_bytes(4, "big")
                and c.outcome(lambda: frame_length(header)) == "ok" and frame_length(header) == v["length"])
    for v in frames["invalid_headers"]:
        c.expect_code(g, "refuse header " + v["description"], v["error"], lambda: frame_length(bytes.fromhex(v["header_hex"])))

    for v in vectors["messages"]:
        what = v["description"]
        fields = v["fields"]
        data = bytes.fromhex(v["hex"])
        value = message_value(fields)
        c.check(g, "encode message: " + what, encode(value) == data, encode(value).hex()[:80])
        try:
            decoded = read_message(data)
            c.check(g, "decode message: " + what, same(decoded, value))
        except WireRefused as refusal:
            c.check(g, "decode message: " + what, False, str(refusal))
        c.check(g, "message accepted: " + what, verdict(data, bytes.fromhex(fields["to"]), fields["sent_at"]) == {"accept": fields["type"]})
        c.check(g, "message to the recipient: " + what, fields["to"] == keys["recipient"].hex())
        if fields["type"] in ("ping", "pong", "ack"):
            c.check(g, "empty body: " + what, same(value["body"], {}))
        if fields["type"] in ("pong", "ack", "error"):
            c.check(g, "reply_to: " + what, "reply_to" in fields)
        if fields["type"] == "error":
            try:
                code, text = read_error_body(value["body"])
                c.check(g, "error body: " + what, {"code": code, "message": text} == v["error_body"])
            except Refused as refusal:
                c.check(g, "error body: " + what, False, str(refusal))
        if fields["type"] == "card":
            card = v["card"]
            try:
                document = read_card_body(value["body"])
                type_name, fmt, signer, payload, _ = verify_envelope(document)
                document_type(type_name, fmt)
                profile = read_profile(payload)
                c.check(g, "card envelope: " + what, signer == keys["sender"] and signer.hex() == card["signer"]
                        and type_name == card["type"] == "vouch.profile" and fmt == card["format"] == 1
                        and profile["version"] == card["profile_version"] and profile["audience"] == "everyone")
            except Refused as refusal:
                c.check(g, "card envelope: " + what, False, str(refusal))
            c.check(g, "card lifetime: " + what, fields["expires_at"] - fields["sent_at"] == 7 * 24 * 3600 * 1000)
        else:
            c.check(g, "control lifetime: " + what, fields["expires_at"] - fields["sent_at"] == 60 * 1000)

    for v in vectors["invalid_messages"]:
        try:
            read_message(bytes.fromhex(v["hex"]))
            actual = "accepted"
        except WireRefused as refusal:
            actual = {"error": refusal.code, "reply_to": refusal.reply_to.hex() if refusal.reply_to is not None else None}
        c.check(g, "refuse message: " + v["description"], actual == {"error": v["error"], "reply_to": v["reply_to"]},
                "(expected %s/%s, got %s)" % (v["error"], v["reply_to"], actual))

    for v in vectors["bodies"]:
        actual = c.outcome(lambda: read_body(v["type"], decode(bytes.fromhex(v["body_hex"]))))
        c.check(g, "body: " + v["description"], actual == v["result"], "(expected %s, got %s)" % (v["result"], actual))

    rows = set()
    for v in vectors["receipt_checks"]:
        data = bytes.fromhex(v["hex"])
        if "fields" in v:
            c.check(g, "receipt message bytes: " + v["description"], encode(message_value(v["fields"])) == data)
        actual = verdict(data, bytes.fromhex(v["receiver"]), v["now"])
        c.check(g, "receipt: " + v["description"], actual == v["verdict"], "(expected %s, got %s)" % (v["verdict"], actual))
        rows.add(v["verdict"].get("error") or "accept")
    c.check(g, "receipt checks cover every outcome", rows == {"accept", "malformed", "unsupported-version", "wrong-recipient",
                                                             "expired", "clock-skew", "unknown-type"}, sorted(rows))

    for v in vectors["addresses"]["valid"]:
        what = "address " + v["description"]
        try:
            key, host, port = parse_address(v["input"])
            canonical = node_id(key) + "@" + print_endpoint(host, port)
            c.check(g, what, (key.hex(), node_id(key), host, port, canonical)
                    == (v["public_key"], v["node_id"], v["host"], v["port"], v["canonical"]), canonical)
            c.check(g, what + " (canonical form parses back)", parse_address(canonical) == (key, host, port))
        except Refused as refusal:
            c.check(g, what, False, str(refusal))
    for v in vectors["addresses"]["invalid"]:
        c.expect_code(g, "refuse address " + v["description"], v["error"], lambda: parse_address(v["input"]))

    for v in vectors["tie_break"]:
        local, peer = bytes.fromhex(v["local"]), bytes.fromhex(v["peer"])
        c.check(g, "tie-break keys", {local, peer} == {keys["sender"], keys["recipient"]})
        decision = tie_break(local, peer, v["existing"], v["new"])
        c.check(g, "tie-break %s/%s %s" % (v["existing"], v["new"], v["local"][:8]), decision == v["decision"], decision)
        # Both nodes keep the same connection of a simultaneous dial, whichever each saw first.
        if v["existing"] != v["new"]:
            flip = {"inbound": "outbound", "outbound": "inbound"}
            mirrored = tie_break(peer, local, flip[v["new"]], flip[v["existing"]])
            c.check(g, "tie-break agreement %s" % v["local"][:8], (decision == "keep-new") == (mirrored == "keep-existing"))

    schedule = vectors["retry_schedule"]
    c.check(g, "retry delays", schedule["initial_delay_ms"] == RETRY_INITIAL_MS and schedule["maximum_delay_ms"] == RETRY_MAXIMUM_MS)
    for v in schedule["steps"]:
        base = retry_base_ms(v["failed_attempts"])
        c.check(g, "retry after %d" % v["failed_attempts"], (base, base * 8 // 10, base * 12 // 10)
                == (v["base_ms"], v["minimum_ms"], v["maximum_ms_exclusive"]), str(base))


def invitation_body(v):
    return {"document": bytes.fromhex(v["document_hex"]), "note": v["note"], "salt": bytes.fromhex(v["salt_hex"]),
            "card": bytes.fromhex(v["card_hex"])}


def check_invitations(c, vectors):
    g = "invitation"
    limits = vectors["limits"]
    c.check(g, "limits", limits == {"note_maximum_bytes": NOTE_LIMIT, "context_maximum_bytes": CONTEXT_LIMIT,
                                    "maximum_lifetime_ms": MAX_INVITATION_LIFETIME, "default_lifetime_ms": DEFAULT_INVITATION_LIFETIME,
                                    "maximum_clock_skew_ms": INVITATION_SKEW, "maximum_thread_entries": MAX_THREAD})
    c.check(g, "note commitment context", vectors["note_commitment_context"] == NOTE_CONTEXT)
    c.check(g, "relationships", {r["name"]: r["inverse"] for r in vectors["relationships"]} == RELATIONSHIPS)
    seeds = {name: bytes.fromhex(k["seed"]) for name, k in vectors["keys"].items()}
    keys = {name: public_key_of(seed) for name, seed in seeds.items()}
    for name, k in vectors["keys"].items():
        c.check(g, "key " + name, keys[name].hex() == k["public_key"])

    for v in vectors["invitations"]["valid"]:
        what = v["description"]
        body = invitation_body(v["body"])
        terms = dict(v["terms"])
        value = {k: (Bytes(bytes.fromhex(x)) if k in ("id", "invitee", "note_digest") else x) for k, x in terms.items()}
        payload = encode(value)
        c.check(g, "terms encode: " + what, payload.hex() == v["payload_hex"])
        c.check(g, "note digest: " + what, note_digest(body["note"], body["salt"]).hex() == terms["note_digest"])
        seed = seeds[v["signer"]]
        signature = Ed25519PrivateKey.from_private_bytes(seed).sign(signature_input("vouch.invitation", 1, keys[v["signer"]], payload))
        envelope = encode(["vouch.invitation", 1, Bytes(keys[v["signer"]]), Bytes(payload), Bytes(signature)])
        c.check(g, "document re-signed: " + what, envelope == body["document"])
        try:
            inviter, read = verify_invitation(body, bytes.fromhex(v["receiver"]), v["now"])
            c.check(g, "verify: " + what, inviter == keys["inviter"] and read == {k: (bytes(x) if isinstance(x, bytes) else x)
                                                                                  for k, x in value.items()})
        except Refused as refusal:
            c.check(g, "verify: " + what, False, str(refusal))
    for v in vectors["invitations"]["invalid"]:
        c.expect_code(g, "refuse " + v["description"], v["error"],
                      lambda: verify_invitation(invitation_body(v["body"]), bytes.fromhex(v["receiver"]), v["now"]))

    for v in vectors["acceptances"]["valid"]:
        what = v["description"]
        payload = encode({"accepted": v["accepted"], "invitation": Bytes(bytes.fromhex(v["invitation_hex"]))})
        c.check(g, "acceptance payload: " + what, payload.hex() == v["payload_hex"])
        seed = seeds[v["signer"]]
        signature = Ed25519PrivateKey.from_private_bytes(seed).sign(signature_input("vouch.acceptance", 1, keys[v["signer"]], payload))
        envelope = encode(["vouch.acceptance", 1, Bytes(keys[v["signer"]]), Bytes(payload), Bytes(signature)])
        c.check(g, "acceptance re-signed: " + what, envelope.hex() == v["envelope_hex"])
        try:
            connection = verify_acceptance(envelope)
            relationship = connection["terms"]["relationship"]
            c.check(g, "connection: " + what, (connection["inviter"].hex(), connection["invitee"].hex(), connection["since"],
                                               relationship, RELATIONSHIPS[relationship], connection["id"].hex())
                    == (v["inviter"], v["invitee"], v["since"], v["relationship"], v["relationship_seen_by_invitee"], v["connection_id"]))
        except Refused as refusal:
            c.check(g, "connection: " + what, False, str(refusal))
    for v in vectors["acceptances"]["invalid"]:
        c.expect_code(g, "refuse acceptance " + v["description"], v["error"], lambda: verify_acceptance(bytes.fromhex(v["envelope_hex"])))

    for v in vectors["removals"]:
        connection = verify_acceptance(bytes.fromhex(v["connection_hex"]))
        c.expect_code(g, "removal " + v["description"], v["error"], lambda: verify_removal(bytes.fromhex(v["envelope_hex"]), connection))

    for v in vectors["bodies"]:
        actual = c.outcome(lambda: read_body(v["type"], decode(bytes.fromhex(v["body_hex"]))))
        c.check(g, "body: " + v["description"], actual == v["result"], "(expected %s, got %s)" % (v["result"], actual))

    for table, step in (("sender", sender_step), ("recipient", recipient_step)):
        seen = set()
        for v in vectors[table]:
            state, actions = step(v["state"], v["thread"], v["event"], v["time"] == "at-expiry")
            name = "%s %s/%s %s %s" % (table, v["state"], v["thread"], v["event"], v["time"])
            c.check(g, name, (state, actions) == (v["next"], v["actions"]), "(expected %s %s, got %s %s)"
                    % (v["next"], v["actions"], state, actions))
            seen.add((v["state"], v["event"]))
        states = {"sender": 4, "recipient": 6}[table]
        events = {"sender": 10, "recipient": 11}[table]
        c.check(g, table + " table covers every state and event", len(seen) == states * events, str(len(seen)))

    for v in vectors["policy"]:
        decision = policy_decision(v["policy"], v["situation"], v["note"], v["now"])
        c.check(g, "policy: " + v["description"], decision == v["decision"], "(expected %s, got %s)" % (v["decision"], decision))
    for v in vectors["crossing"]:
        local, peer = bytes.fromhex(v["local"]), bytes.fromhex(v["peer"])
        decision = crossing(local, peer, v["ours_pending"])
        c.check(g, "crossing %s/%s" % (v["local"][:8], v["peer"][:8]), decision == v["decision"], decision)
        if v["ours_pending"]:
            c.check(g, "crossing agreement", crossing(peer, local, True) != decision)


def check_introductions(c, vectors):
    g = "introduction"
    seeds = {name: bytes.fromhex(k["seed"]) for name, k in vectors["keys"].items()}
    keys = {name: public_key_of(seed) for name, seed in seeds.items()}
    for name, k in vectors["keys"].items():
        c.check(g, "key " + name, keys[name].hex() == k["public_key"])

    def sign(type_name, fmt, signer, payload):
        signature = Ed25519PrivateKey.from_private_bytes(seeds[signer]).sign(signature_input(type_name, fmt, keys[signer], payload))
        return encode([type_name, fmt, Bytes(keys[signer]), Bytes(payload), Bytes(signature)])

    for v in vectors["invitations"]["valid"]:
        what = v["description"]
        body = invitation_body(v["body"])
        value = {k: (Bytes(bytes.fromhex(x)) if k in ("id", "invitee", "note_digest", "introducer") else x) for k, x in v["terms"].items()}
        payload = encode(value)
        c.check(g, "terms encode: " + what, payload.hex() == v["payload_hex"])
        c.check(g, "document re-signed: " + what, sign("vouch.invitation", 2, v["signer"], payload) == body["document"])
        c.check(g, "digest: " + what, hashlib.sha256(body["document"]).hexdigest() == v["digest_hex"])
        try:
            inviter, read = verify_invitation(body, bytes.fromhex(v["receiver"]), v["now"])
            c.check(g, "verify: " + what, inviter == keys["requester"] and read["introducer"] == keys["introducer"]
                    and read == {k: (bytes(x) if isinstance(x, bytes) else x) for k, x in value.items()})
        except Refused as refusal:
            c.check(g, "verify: " + what, False, str(refusal))
    for v in vectors["invitations"]["invalid"]:
        c.expect_code(g, "refuse invitation " + v["description"], v["error"],
                      lambda: verify_invitation(invitation_body(v["body"]), bytes.fromhex(v["receiver"]), v["now"]))

    for v in vectors["introductions"]["valid"]:
        what = v["description"]
        invitation = bytes.fromhex(v["invitation_hex"])
        payload = encode({"invitation": Bytes(hashlib.sha256(invitation).digest()), "note": v["note"], "created": v["created"]})
        c.check(g, "note payload: " + what, payload.hex() == v["payload_hex"])
        envelope = sign("vouch.introduction", 1, v["signer"], payload)
        c.check(g, "note re-signed: " + what, envelope.hex() == v["envelope_hex"])
        try:
            c.check(g, "note verifies: " + what, verify_introduction(envelope, invitation) == (keys["introducer"], v["note"], v["created"]))
        except Refused as refusal:
            c.check(g, "note verifies: " + what, False, str(refusal))
    for v in vectors["introductions"]["invalid"]:
        c.expect_code(g, "refuse note " + v["description"], v["error"],
                      lambda: verify_introduction(bytes.fromhex(v["envelope_hex"]), bytes.fromhex(v["invitation_hex"])))

    for v in vectors["acceptances"]["valid"]:
        what = v["description"]
        payload = encode({"accepted": v["accepted"], "invitation": Bytes(bytes.fromhex(v["invitation_hex"])),
                          "introduction": Bytes(bytes.fromhex(v["introduction_hex"]))})
        c.check(g, "acceptance payload: " + what, payload.hex() == v["payload_hex"])
        envelope = sign("vouch.acceptance", 2, v["signer"], payload)
        c.check(g, "acceptance re-signed: " + what, envelope.hex() == v["envelope_hex"])
        try:
            connection = verify_acceptance(envelope)
            c.check(g, "connection: " + what, (connection["inviter"].hex(), connection["invitee"].hex(), connection["terms"]["introducer"].hex(),
                                               connection["introduction"][1], connection["since"], connection["terms"]["relationship"],
                                               connection["id"].hex())
                    == (v["inviter"], v["invitee"], v["introduced_by"], v["introducer_note"], v["since"], v["relationship"], v["connection_id"]))
        except Refused as refusal:
            c.check(g, "connection: " + what, False, str(refusal))
    for v in vectors["acceptances"]["invalid"]:
        c.expect_code(g, "refuse acceptance " + v["description"], v["error"], lambda: verify_acceptance(bytes.fromhex(v["envelope_hex"])))

    for v in vectors["bodies"]:
        actual = c.outcome(lambda: read_body(v["type"], decode(bytes.fromhex(v["body_hex"]))))
        c.check(g, "body: " + v["description"], actual == v["result"], "(expected %s, got %s)" % (v["result"], actual))
    c.check(g, "a body vector for every type", {v["type"] for v in vectors["bodies"]} == set(INTRODUCTION_TYPES))

    def compare(table, v, expected, got):
        name = "%s %s %s %s" % (table, v["state"], v["event"], v["time"])
        c.check(g, name, expected == got, "(expected %s, got %s)" % (expected, got))
        return v["state"], v["event"]

    seen = set()
    for v in vectors["introducer"]:
        got = introducer_step(v["state"], v["forwarded"], v["relayed"], v["accepted"], v["event"], v["time"] == "at-expiry")
        seen.add(compare("introducer", v, (v["next"], v["next_forwarded"], v["next_relayed"], v["next_accepted"], v["actions"]), got))
    c.check(g, "the introducer table covers every state and event", len(seen) == 5 * 15, str(len(seen)))
    seen = set()
    for v in vectors["requester"]:
        state, forwarded, actions = requester_step(v["state"], v["forwarded"], v["thread"], v["event"], v["time"] == "at-expiry")
        got = (state, forwarded, shown_state(state, forwarded), actions)
        seen.add(compare("requester", v, (v["next"], v["next_forwarded"], v["shown"], v["actions"]), got))
    c.check(g, "the requester table covers every state and event", len(seen) == 5 * 13, str(len(seen)))
    seen = set()
    for v in vectors["target"]:
        got = target_step(v["state"], v["thread"], v["event"], v["time"] == "at-expiry")
        seen.add(compare("target", v, (v["next"], v["actions"]), got))
    c.check(g, "the target table covers every state and event", len(seen) == 6 * 12, str(len(seen)))

    check_introduction_flow(c, g, vectors["flow"], keys)


# §1: who sends what to whom in a whole introduction that is forwarded, asked about and accepted.
INTRODUCTION_FLOW = [("introduction-request", "requester", "introducer"), ("introduction-offer", "introducer", "target"),
                     ("introduction-forwarded", "introducer", "requester"), ("introduction-question", "target", "introducer"),
                     ("introduction-question", "introducer", "requester"), ("introduction-reply", "requester", "introducer"),
                     ("introduction-reply", "introducer", "target"), ("acceptance", "target", "requester"),
                     ("introduction-outcome", "target", "introducer")]


def check_introduction_flow(c, g, flow, keys):
    c.check(g, "flow: who sends what to whom", [(s["type"], s["from"], s["to"]) for s in flow] == INTRODUCTION_FLOW)
    try:
        bodies = [read_body(s["type"], decode(bytes.fromhex(s["body_hex"]))) for s in flow]
        request, offer, forwarded, question, relayed_question, reply, relayed_reply, acceptance, outcome = bodies
        document = bytes(request["invitation"]["document"])
        inviter, terms = verify_invitation(request["invitation"], keys["target"], flow[1]["now"])
        c.check(g, "flow: the request is the requester's, naming the introducer",
                inviter == keys["requester"] and terms["introducer"] == keys["introducer"])
        c.check(g, "flow: the offer carries the request's invitation unchanged", offer["invitation"] == request["invitation"])
        note = verify_introduction(bytes(offer["introduction"]), document)
        c.check(g, "flow: the offer's note is the introducer's", note[0] == keys["introducer"])
        reference = {"requester": keys["requester"], "request": terms["id"]}
        for name, body in (("forwarded", forwarded), ("question", question), ("reply", reply), ("outcome", outcome)):
            c.check(g, "flow: the %s names the request" % name,
                    {k: bytes(v) for k, v in body.items() if k != "note"} == reference)
        c.check(g, "flow: the question is relayed unchanged", flow[4]["body_hex"] == flow[3]["body_hex"])
        c.check(g, "flow: the reply is relayed unchanged", flow[6]["body_hex"] == flow[5]["body_hex"])
        connection = verify_acceptance(bytes(acceptance["document"]))
        c.check(g, "flow: the acceptance is the target's, of the request, with the offer's note",
                (connection["inviter"], connection["invitee"], connection["invitation"], connection["introduction"])
                == (keys["requester"], keys["target"], document, note))
    except Refused as refusal:
        c.check(g, "flow", False, str(refusal))


def check_relay(c, vectors):
    g = "relay"
    for v in vectors["device_ids"]:
        raw = bytes.fromhex(v["bytes"])
        c.check(g, "device ID " + v["text"], device_id_text(raw) == v["text"] and parse_device_id(v["text"], True) == raw)
    for v in vectors["device_ids_lenient"]:
        c.check(g, "device ID read leniently: " + v["description"], c.outcome(lambda: parse_device_id(v["input"], False)) == "ok"
                and parse_device_id(v["input"], False).hex() == v["bytes"])
    for v in vectors["device_ids_lenient_invalid"]:
        c.expect_code(g, "refuse device ID " + v["description"], v["error"], lambda: parse_device_id(v["input"], False))
    for v in vectors["relay_certificates"]:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["seed"]))
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        der = relay_certificate(public, key.sign)
        c.check(g, "relay certificate " + v["device_id"], public.hex() == v["public_key"] and der.hex() == v["der"]
                and device_id_text(hashlib.sha256(der).digest()) == v["device_id"])
    for v in vectors["endpoints"]["valid"]:
        try:
            host, port, relay_id, device = parse_relay_endpoint(v["text"])
            c.check(g, "relay endpoint " + v["text"], (host, port, relay_id.hex(), device.hex())
                    == (v["host"], v["port"], v["relay_id"], v["device_id"]) and
                    RELAY_SCHEME + print_endpoint(host, port) + "/?id=" + device_id_text(relay_id) + "&device=" + device_id_text(device) == v["text"])
        except Refused as refusal:
            c.check(g, "relay endpoint " + v["text"], False, str(refusal))
    for v in vectors["endpoints"]["invalid"]:
        parse = parse_relay_endpoint if v["text"].startswith(RELAY_SCHEME) else parse_endpoint
        c.expect_code(g, "refuse relay endpoint " + v["description"], v["error"], lambda: parse(v["text"]))
    for v in vectors["uris"]["valid"]:
        try:
            host, port, relay_id = parse_relay_uri(v["input"])
            c.check(g, "relay URI " + v["description"], (host, port, relay_id.hex()) == (v["host"], v["port"], v["relay_id"])
                    and RELAY_SCHEME + print_endpoint(host, port) + "/?id=" + device_id_text(relay_id) == v["canonical"])
        except Refused as refusal:
            c.check(g, "relay URI " + v["description"], False, str(refusal))
    for v in vectors["uris"]["invalid"]:
        c.expect_code(g, "refuse relay URI " + v["description"], v["error"], lambda: parse_relay_uri(v["input"]))
    for v in vectors["messages"]["valid"]:
        data = bytes.fromhex(v["bytes"])
        c.check(g, "relay message " + v["message"], encode_relay_message(v["message"], v["fields"]) == data
                and decode_relay_message(data) == (v["message"], v["fields"]))
    for v in vectors["messages"]["invalid"]:
        c.expect_code(g, "refuse relay message " + v["description"], v["error"], lambda: decode_relay_message(bytes.fromhex(v["bytes"])))
    limits = vectors["limits"]
    c.check(g, "limits", (limits["endpoint"], limits["uri"], limits["payload"], limits["opaque"])
            == (RELAY_ENDPOINT_LIMIT, RELAY_URI_LIMIT, RELAY_PAYLOAD_LIMIT, RELAY_OPAQUE_LIMIT))

def check_disclosure(c, vectors):
    g = "disclosure"
    seeds = {name: bytes.fromhex(k["seed"]) for name, k in vectors["keys"].items()}
    keys = {name: public_key_of(seed) for name, seed in seeds.items()}
    for name, k in vectors["keys"].items():
        c.check(g, "key " + name, keys[name].hex() == k["public_key"])
    c.check(g, "levels, narrowest first", tuple(vectors["levels"]) == LEVELS)
    record = bytes.fromhex(vectors["connection"]["record_hex"])
    try:
        held = verify_acceptance(record)
        c.check(g, "the connection's id", held["id"].hex() == vectors["connection"]["id"]
                and {held["inviter"], held["invitee"]} == {keys["a"], keys["b"]})
    except Refused as refusal:
        c.check(g, "the connection's id", False, str(refusal))

    for v in vectors["statements"]["valid"]:
        what = v["description"]
        payload = encode({"connection": Bytes(bytes.fromhex(v["connection"])), "level": v["level"], "set": v["set"]})
        c.check(g, "statement payload: " + what, payload.hex() == v["payload_hex"])
        seed = seeds[v["signer"]]
        signature = Ed25519PrivateKey.from_private_bytes(seed).sign(signature_input("vouch.visibility", 1, keys[v["signer"]], payload))
        envelope = encode(["vouch.visibility", 1, Bytes(keys[v["signer"]]), Bytes(payload), Bytes(signature)])
        c.check(g, "statement re-signed: " + what, envelope.hex() == v["envelope_hex"])
        try:
            c.check(g, "statement checks: " + what, check_visibility(envelope, bytes.fromhex(v["record_hex"]))
                    == (keys[v["signer"]], bytes.fromhex(v["connection"]), v["level"], v["set"]))
        except Refused as refusal:
            c.check(g, "statement checks: " + what, False, str(refusal))
    for v in vectors["statements"]["invalid"]:
        c.expect_code(g, "refuse statement " + v["description"], v["error"],
                      lambda: check_visibility(bytes.fromhex(v["envelope_hex"]), bytes.fromhex(v["record_hex"])))

    for v in vectors["supersession"]:
        old = (v["held"]["level"], v["held"]["set"]) if v["held"] is not None else None
        got = supersedes(old, (v["incoming"]["level"], v["incoming"]["set"]))
        c.check(g, "supersession %s then %s" % (old, v["incoming"]), got == v["replaces"])
        if old is not None:
            new = (v["incoming"]["level"], v["incoming"]["set"])
            either = new if supersedes(old, new) else old
            other = old if supersedes(new, old) else new
            c.check(g, "supersession does not depend on the order of arrival %s %s" % (old, new), either == other)

    choices = [None] + list(LEVELS)
    seen = set()
    for v in vectors["rule"]["audience"]:
        seen.add((v["a"], v["b"]))
        c.check(g, "audience %s %s" % (v["a"], v["b"]), audience(v["a"], v["b"]) == v["audience"])
    c.check(g, "the audience table covers every pair", seen == {(a, b) for a in choices for b in choices})
    seen = set()
    for v in vectors["rule"]["allowed"]:
        seen.add((v["audience"], v["connected_to_a"], v["connected_to_b"]))
        c.check(g, "allowed %s %s %s" % (v["audience"], v["connected_to_a"], v["connected_to_b"]),
                allows(v["audience"], v["connected_to_a"], v["connected_to_b"]) == v["allowed"])
    c.check(g, "the allowed table covers every case", len(seen) == 16)
    seen = set()
    for v in vectors["answers"]["include"]:
        case = (v["audience"], v["peer_is_asker"], v["asker_is_connection"], v["channel"])
        seen.add(case)
        c.check(g, "include %s" % (case,), include(*case) == v["include"])
    c.check(g, "the include table covers every case", len(seen) == 32)
    for v in vectors["answers"]["include"]:
        # Nothing an answer includes is outside the rule, given what the asker is connected to.
        if v["include"] and not v["peer_is_asker"]:
            c.check(g, "include within the rule %s %s" % (v["audience"], v["channel"]),
                    allows(v["audience"], v["asker_is_connection"], True))

    for v in vectors["bodies"]:
        actual = c.outcome(lambda: read_body(v["type"], decode(bytes.fromhex(v["body_hex"]))))
        actual = "invalid-body" if actual != "ok" else actual
        c.check(g, "body: " + v["description"], actual == v["result"], "(expected %s, got %s)" % (v["result"], actual))
    c.check(g, "a body vector for every type", {v["type"] for v in vectors["bodies"]} == set(DISCLOSURE_TYPES))
    c.check(g, "kinds", vectors["kinds"] == DISCLOSURE_KINDS)
    c.check(g, "every disclosure type is a known message type", all(t in MESSAGE_TYPES for t in DISCLOSURE_TYPES))

    psi = vectors["psi"]
    c.check(g, "page sizes", (psi["page_elements"], psi["pages"]) == (PAGE_ELEMENTS, MUTUAL_PAGES))
    elements = {}
    for v in psi["elements"]:
        peer, token = bytes.fromhex(v["peer"]), bytes.fromhex(v["token"])
        element = mutual_element(peer, token)
        elements[peer] = element
        c.check(g, "element of " + v["peer"][:16], element.hex() == v["element"])
    k = psi["answering_key"]
    scalar = answering_scalar(bytes.fromhex(k["secret"]), bytes.fromhex(k["asker"]), bytes.fromhex(k["query"]))
    c.check(g, "answering key", scalar.hex() == k["scalar"])
    for v in psi["blind"]:
        point, a, b = bytes.fromhex(v["point"]), bytes.fromhex(v["scalar_a"]), bytes.fromhex(v["scalar_b"])
        try:
            once = blind(a, point)
            c.check(g, "blind: " + v["description"], once.hex() == v["blinded_a"])
            c.check(g, "blind twice: " + v["description"], blind(b, once).hex() == v["blinded_ab"])
            c.check(g, "blinding commutes: " + v["description"], blind(a, blind(b, point)).hex() == v["blinded_ab"])
        except Refused as refusal:
            c.check(g, "blind: " + v["description"], False, str(refusal))
    c.check(g, "u = 2 is a point of the twist", on_twist(bytes([2]) + bytes(31)))
    c.check(g, "u = 4, 6, 9 are on the curve, 3, 5, 12 on the twist",
            [on_twist(bytes([u]) + bytes(31)) for u in (4, 6, 9, 3, 5, 12)] == [False] * 3 + [True] * 3)
    for v in psi["refused"]:
        c.expect_code(g, "refuse point " + v["point"][:16], v["error"], lambda: blind(bytes.fromhex(v["scalar"]), bytes.fromhex(v["point"])))

    i = psi["intersection"]
    peers = [bytes.fromhex(v["peer"]) for v in psi["elements"]]
    sa, sb = bytes.fromhex(i["asker_scalar"]), bytes.fromhex(i["answering_scalar"])
    try:
        sent = [blind(sa, elements[peers[n]]) for n in i["asker_peers"]]
        c.check(g, "intersection: the query's elements", [x.hex() for x in sent] == i["query_elements"])
        echoed = [blind(sb, x) for x in sent]
        c.check(g, "intersection: the answer's elements, in order", [x.hex() for x in echoed] == i["answer_elements"])
        answer_set = sorted(blind(sb, elements[peers[n]]) for n in i["answering_peers"])
        c.check(g, "intersection: the answer's set, sorted", [x.hex() for x in answer_set] == i["answer_set"])
        theirs = {blind(sa, x) for x in answer_set}
        common = [n for n, x in zip(i["asker_peers"], echoed) if x in theirs]
        c.check(g, "intersection: the asker's result", common == i["common"])
        c.check(g, "intersection: the same as intersecting the elements in the clear",
                sorted(set(i["asker_peers"]) & set(i["answering_peers"])) == i["common"])
        # The other way round: the answering node asking, with the same scalars.
        swapped = [blind(sa, blind(sb, elements[peers[n]])) for n in i["answering_peers"]]
        mine = {blind(sb, blind(sa, elements[peers[n]])) for n in i["asker_peers"]}
        c.check(g, "intersection: computed the other way round", sorted(n for n, x in zip(i["answering_peers"], swapped) if x in mine) == i["common"])
    except Refused as refusal:
        c.check(g, "intersection", False, str(refusal))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, os.pardir, "vectors")
    checks = [("cbor.json", check_cbor), ("node-id.json", check_node_ids),
              ("envelope.json", check_envelopes), ("profile.json", check_profiles),
              ("transport.json", check_transport), ("invitations.json", check_invitations),
              ("introductions.json", check_introductions), ("relay.json", check_relay),
              ("disclosure.json", check_disclosure)]
    c = Checker()
    for name, check in checks:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                vectors = json.load(f)
        except OSError as error:
            c.check(name, "open", False, str(error))
            continue
        check(c, vectors)
    for group, count in c.counts.items():
        print("%-10s %4d checks" % (group, count))
    print("%d of %d checks agree with the specification" % (c.passed, c.passed + len(c.failures)))
    for failure in c.failures:
        print("FAIL " + failure)
    return 0 if not c.failures and c.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
