"""OTLP logs requests for the e2e tests, written by hand: the protobuf wire
format of an ExportLogsServiceRequest (opentelemetry-proto v1.9.0) and its
OTLP/JSON form, so that curl and urllib can send exactly what a test needs."""

import json


def config(otlp_keys="", extra=""):
    """A config with one otlp input, `otel`, on a free port (and no other input)."""
    return ("inputs:\n  udp: []\n  unixgram: []\n  otlp:\n    - name: otel\n"
            "      listen: 127.0.0.1:0\n" + otlp_keys + extra)


def _varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number, payload):
    """A length-delimited field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _any_value(value):
    if isinstance(value, str):
        return _field(1, value.encode())
    if isinstance(value, bool):
        return _varint(2 << 3) + _varint(int(value))
    if isinstance(value, int):
        return _varint(3 << 3) + _varint(value & 0xFFFFFFFFFFFFFFFF)
    if isinstance(value, dict):  # kvlist_value = 6
        return _field(6, b"".join(_field(1, _key_value(k, v)) for k, v in value.items()))
    raise TypeError(value)


def _key_value(key, value):
    return _field(1, key.encode()) + _field(2, _any_value(value))


def protobuf_request(records, resource=None):
    """records: [{"body": str|int|dict, "attributes": {...}, "trace_id": hex, "span_id": hex}]."""
    log_records = b""
    for record in records:
        body = b""
        if "body" in record:
            body += _field(5, _any_value(record["body"]))
        for key, value in record.get("attributes", {}).items():
            body += _field(6, _key_value(key, value))
        if record.get("trace_id"):
            body += _field(9, bytes.fromhex(record["trace_id"]))
        if record.get("span_id"):
            body += _field(10, bytes.fromhex(record["span_id"]))
        log_records += _field(2, body)  # ScopeLogs.log_records = 2
    resource_part = b""
    if resource:
        resource_part = _field(1, b"".join(_field(1, _key_value(k, v))
                                           for k, v in resource.items()))
    resource_logs = resource_part + _field(2, log_records)  # ResourceLogs.scope_logs = 2
    return _field(1, resource_logs)  # ExportLogsServiceRequest.resource_logs = 1


def _json_value(value):
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": _json_value(v)}
                                           for k, v in value.items()]}}
    raise TypeError(value)


def json_request(records, resource=None):
    log_records = []
    for record in records:
        out = {}
        if "body" in record:
            out["body"] = _json_value(record["body"])
        if record.get("attributes"):
            out["attributes"] = [{"key": k, "value": _json_value(v)}
                                 for k, v in record["attributes"].items()]
        if record.get("trace_id"):
            out["traceId"] = record["trace_id"]
        if record.get("span_id"):
            out["spanId"] = record["span_id"]
        log_records.append(out)
    resource_logs = {"scopeLogs": [{"scope": {"name": "cos-e2e"}, "logRecords": log_records}]}
    if resource:
        resource_logs["resource"] = {"attributes": [{"key": k, "value": _json_value(v)}
                                                    for k, v in resource.items()]}
    return json.dumps({"resourceLogs": [resource_logs]}).encode()


def status_message(body):
    """The message of a protobuf google.rpc.Status {code = 1, message = 2}."""
    i = 0
    message = None
    while i < len(body):
        key = body[i]
        i += 1
        if key == 0x08:
            while body[i] & 0x80:
                i += 1
            i += 1
        elif key == 0x12:
            length, shift = 0, 0
            while True:
                b = body[i]
                i += 1
                length |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            message = body[i:i + length].decode()
            i += length
        else:
            raise AssertionError("not a Status: %r" % body)
    return message
