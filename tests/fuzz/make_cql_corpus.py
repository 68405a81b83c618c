#!/usr/bin/env python3
"""Regenerates the seed corpus tests/fuzz/corpus/cql_decode/ (CQL v4 response frames,
well-formed and hostile). Run from the repository root. The files are
committed; this script documents how each was built."""
import os
import struct
import uuid

D = 'tests/fuzz/corpus/cql_decode'


def s(z):
    z = z.encode()
    return struct.pack('>H', len(z)) + z


def by(b):
    return struct.pack('>i', -1) if b is None else struct.pack('>i', len(b)) + b


def frame(op, body, flags=0, stream=0):
    return struct.pack('>BBhBI', 0x84, flags, stream, op, len(body)) + body


u = uuid.UUID('6f1c2b1e-8a4b-4c1e-9d2f-0123456789ab').bytes
rows = struct.pack('>ii', 2, 1) + struct.pack('>i', 7) + s('ks') + s('t')
for name, t in [('id', 0x0c), ('first_name', 0x0d), ('n', 9), ('big', 2), ('ok', 4), ('ts', 0x0b), ('other', 3)]:
    rows += s(name) + struct.pack('>H', t)
rows += struct.pack('>i', 2)
rows += (by(u) + by('Zoë 日本'.encode()) + by(struct.pack('>i', -7)) + by(struct.pack('>q', 1 << 40))
         + by(b'\x01') + by(struct.pack('>q', 1767225600123)) + by(b'\xde\xad'))
rows += by(None) * 7
FILES = {
    'ready.bin': frame(2, b''),
    'error_invalid.bin': frame(0, struct.pack('>i', 0x2200) + s('unconfigured table created_users')),
    'authenticate.bin': frame(3, s('org.apache.cassandra.auth.PasswordAuthenticator')),
    'auth_success.bin': frame(0x10, by(None)),
    'result_void.bin': frame(8, struct.pack('>i', 1)),
    'result_set_keyspace.bin': frame(8, struct.pack('>i', 3) + s('spark_streams')),
    'result_schema_change.bin': frame(8, struct.pack('>i', 5) + s('CREATED') + s('TABLE') + s('spark_streams') + s('created_users')),
    'result_rows.bin': frame(8, rows),
    'result_rows_warning.bin': frame(8, struct.pack('>H', 1) + s('careful') + rows, flags=0x08),
    'rows_truncated.bin': frame(8, rows)[:60],
    'rows_huge_count.bin': frame(8, struct.pack('>ii', 2, 1) + struct.pack('>i', 1) + s('ks') + s('t') + s('id')
                                 + struct.pack('>H', 9) + struct.pack('>i', 0x7fffffff) + by(b'\0\0\0\1')),
    'rows_negative_cols.bin': frame(8, struct.pack('>iii', 2, 1, -5)),
    'rows_deep_type.bin': frame(8, struct.pack('>ii', 2, 1) + struct.pack('>i', 1) + s('ks') + s('t') + s('x')
                                + struct.pack('>H', 0x20) * 40 + struct.pack('>H', 9) + struct.pack('>i', 0)),
    'header_over_cap.bin': struct.pack('>BBhBI', 0x84, 0, 0, 8, 0x7fffffff) + b'\0\0\0\1',
    'not_cql.bin': b'HTTP/1.1 400 Bad Request\r\n\r\n',
}
os.makedirs(D, exist_ok=True)
for k, v in FILES.items():
    with open(os.path.join(D, k), 'wb') as f:
        f.write(v)
print(len(FILES), 'files in', D)
