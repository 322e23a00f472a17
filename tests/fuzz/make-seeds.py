#!/usr/bin/env python3
"""make-seeds.py - write the seed corpora of tests/fuzz/corpus/ (run from
anywhere; existing seeds of the same name are replaced). The seeds are small
made-up records in auditd's formats and ICTX responses as in
ictx-protocol.md section 6; nothing is copied from the sample logs."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- config ----
MIN = "server = zos.example.com\nuser = ZOSAUDIT\npassword = zossecret\n"
put("fuzz_config", "minimal.conf", MIN)
put("fuzz_config", "every-key.conf", MIN + "\n".join([
    "# every key at a legal value", "port = 636", "timeout = 30", "q_depth = 16",
    "format = binary", "class = @LINUX", "event_code = by_type",
    "violation = failures", "link_value = serial", "max_field_length = 64",
    "max_item_bytes = 1024", "window = 256", "batch_items = 10000",
    "batch_bytes = 4194304", "linger_ms = 0", "drain_timeout = 600",
    "log_interval = 86400", ""]))
put("fuzz_config", "errors.conf",
    "Server=ldap://x\nuser = TOO,LONG,ID\npassword =\nport = 65536x\n"
    "format = json\nclass = 9BAD\nnonsense\nmystery = 1\ntimeout = 0\n"
    "timeout = 5\n\tq_depth\t=\t99999999999999999999\r\n")
put("fuzz_config", "crlf-nul.conf", MIN.replace("\n", "\r\n") + "window = 8\x00\n")

# ---- response (ictx-protocol.md 6.1) ----


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def integer(v):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def response(code, items, version=1):
    return seq(integer(version), integer(code),
               seq(*[seq(*[integer(x) for x in it]) for it in items]))


put("fuzz_response", "one-success", response(0, [(1, 1, 0, 0, 0, 0)]))
put("fuzz_response", "notreq-two", response(3, [(1, 7, 3, 0, 0, 0), (1, 8, 0, 0, 0, 0)]))
put("fuzz_response", "empty-list", response(28, []))
put("fuzz_response", "version-61", response(61, []))
put("fuzz_response", "val-err", response(16, [(1, 2147483647, 16, 8, 32, 0)]))
put("fuzz_response", "enc-err-partial", response(20, [(1, 5, 0, 0, 0, 0), (1, 6, 20, 13, 40, 0)]))
put("fuzz_response", "many", response(2, [(1, i, 2 if i % 3 else 0, 0, 0, 0) for i in range(1, 40)]))
put("fuzz_response", "long-form-len", bytes([0x30, 0x81, 0x0b]) + response(0, [])[2:])
put("fuzz_response", "trailing", response(0, [(1, 1, 0, 0, 0, 0)]) + b"\x00")
put("fuzz_response", "negative-tag", response(0, [(1, -1, 0, 0, 0, 0)]))

# ---- string input: made-up records in auditd's string format ----
REC = [
    'type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=257 success=yes '
    'exit=3 a0=ffffff9c a1=7ffd1 a2=0 a3=0 items=1 ppid=1 pid=77 auid=1000 uid=0 gid=0 '
    'euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="cat" '
    'exe="/usr/bin/cat" key="fuzz"',
    'type=CWD msg=audit(1700000000.123:4242): cwd="/root"',
    'type=PATH msg=audit(1700000000.123:4242): item=0 name="/etc/shadow" inode=42 '
    'dev=08:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL',
    'type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=636174002F6574632F736861646F77',
    'type=EOE msg=audit(1700000000.123:4242): ',
]
LOGIN = ('type=USER_LOGIN msg=audit(1700000001.500:4243): pid=88 uid=0 auid=1000 ses=4 '
         "msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=10.0.0.1 addr=10.0.0.1 "
         "terminal=ssh res=failed'")
SPLIT = ('type=LOGIN msg=audit(1700000002.000:4244): pid=9 uid=0 old-auid=4294967295 '
         'auid=1000 tty=(none) old-ses=4294967295 ses=5 res=1\n'
         'type=SYSCALL msg=audit(1700000002.000:4244): arch=c000003e syscall=1 success=no '
         'exit=-13 pid=9 comm="login"\n')
AVC = ('node=host-a type=AVC msg=audit(1700000003.250:4245): apparmor="DENIED" '
       'operation="open" profile="/usr/sbin/x" name="/tmp/\\caf\xc3\xa9" pid=3 '
       'comm="x" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\x1dUID="root"')
UNKNOWN = 'type=UNKNOWN[1329] msg=audit(1700000004.000:4246): key=value other="a b"'
LONGV = 'type=EXECVE msg=audit(1700000005.000:4247): argc=2 a0="sh" a1="' + "x" * 3000 + '"'
put("fuzz_input_string", "syscall-event", "\x00" + "\n".join(REC) + "\n")
put("fuzz_input_string", "syscall-event-bytewise", "\x01" + "\n".join(REC) + "\n")
put("fuzz_input_string", "login-failed", "\x00" + LOGIN + "\n")
put("fuzz_input_string", "split-login", "\x07" + SPLIT)
put("fuzz_input_string", "node-enriched-utf8", "\x80" + AVC + "\n")
put("fuzz_input_string", "unknown-type-no-nl", "\x00" + UNKNOWN)
put("fuzz_input_string", "long-value", "\x00" + LONGV + "\n")
put("fuzz_input_string", "junk-then-record", "\x00" + "\x00\xff garbage\n\n" + REC[1] + "\n")
put("fuzz_mapper", "small-limits", b"\x1f\x00\x00\x00" + ("\n".join(REC) + "\n").encode())
put("fuzz_mapper", "by-type-login", b"\x0b\x01\x00\x10" + (LOGIN + "\n" + SPLIT).encode())
put("fuzz_mapper", "long-value-split", b"\x00\x00\x40\x00" + (LONGV + "\n").encode())
put("fuzz_mapper", "node", b"\x06\x04\x00\x80" + AVC.encode("latin-1") + b"\n")

# ---- binary input: audit_dispatcher_header frames (native byte order) ----


def frame(ver, typ, text, fixed):
    payload = text.encode("latin-1")
    hdr = struct.pack("=IIII", ver, 16, typ, len(payload))
    return hdr + payload + (b"\x00" * (8970 - len(payload)) if fixed else b"")


V2 = [r + "\n" for r in REC[:3]]
put("fuzz_input_binary", "v2-exact", b"\x00" + b"".join(frame(1, 1300, r, False) for r in V2))
put("fuzz_input_binary", "v2-fixed", b"\x00" + b"".join(frame(1, 1300, r, True) for r in V2[:2]))
put("fuzz_input_binary", "v0-raw", b"\x00" + frame(0, 1300, "audit(1700000000.123:4242): arch=c000003e "
                                                 "syscall=2 success=yes exit=0", False)
    + frame(0, 1307, "audit(1700000000.123:4242): cwd=\"/\"", False)
    + frame(0, 1320, "audit(1700000000.123:4242): ", False))
put("fuzz_input_binary", "v2-split-reads", b"\x8d" + b"".join(frame(1, 1300, r, False) for r in V2))
put("fuzz_input_binary", "junk-resync", b"\x00" + b"\xde\xad\xbe\xef" * 7
    + b"".join(frame(1, 1300, r, False) for r in V2[:2]))
put("fuzz_input_binary", "newline-in-payload", b"\x00" + frame(1, 1112, LOGIN.replace(" ses", "\nses"), False))

# ---- intake log files (plugin/intake.h): byte 0 bit 0 = fix the CRCs ----


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def intake_entry(payload):
    ln = struct.pack("<I", len(payload))
    return struct.pack("<I", 0x5A524931) + ln + struct.pack("<I", crc32c(ln + payload)) + payload


def intake_rec(seq, text):
    return intake_entry(b"R" + struct.pack("<Q", seq) + text.encode("latin-1"))


def intake_done(upto, sec, milli, serial, node=0x811C9DC5):  # FNV-1a of ""
    return intake_entry(b"D" + struct.pack("<QqIQI", upto, sec, milli, serial, node))


INTAKE = (intake_rec(1, REC[0] + "\n") + intake_rec(2, REC[1] + "\n")
          + intake_done(2, 1700000000, 123, 4242) + intake_rec(3, LOGIN + "\n"))
put("fuzz_intake", "records-and-mark", b"\x00" + INTAKE)
put("fuzz_intake", "torn-tail", b"\x00" + INTAKE[:-7])
put("fuzz_intake", "fix-crc-no-newline", b"\x01" + intake_rec(4, "type=X msg=audit(1.2:3): a")
    + intake_done(9, 1, 2, 3))
