#!/usr/bin/python3
# gen.py: write the hostile inputs into a directory, one file per kind, and
# a manifest line per file: NAME BAD GOOD, where BAD is the number of records
# a reader must reject (-1: at least one, count unknown) and GOOD the number
# of valid records it must keep. Every file ends with a good record, so a
# program that gives up early is caught.
#   gen.py DIR [BIGMB [finding]]
#       BIGMB: size of the long line (default 64)
#       finding: each {"HostIp": ...} record becomes a native GuardDuty
#       finding naming that address as the remote one (the other members
#       go along inside remoteIpDetails), for programs that read findings
import os
import random
import sys

out = sys.argv[1]
big = int(sys.argv[2]) if len(sys.argv) > 2 else 64
as_finding = len(sys.argv) > 3 and sys.argv[3] == "finding"
GOOD = b'{"HostIp":"203.0.113.9","FindingId":"good-1"}\n'
manifest = []
FINDING = (b'{"type":"Recon:EC2/PortProbeUnprotectedPort","id":"f1",'
           b'"arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/'
           b'finding/f1","region":"us-east-1","accountId":"123456789012",'
           b'"service":{"action":{"actionType":"NETWORK_CONNECTION",'
           b'"networkConnectionAction":{"connectionDirection":"INBOUND",'
           b'"remoteIpDetails":{"ipAddressV4":')


def findings(data):
    out = []
    for line in data.split(b"\n"):
        body = line.rstrip(b"\r")
        if body.startswith(b'{"HostIp":') and body.endswith(b"}"):
            line = (FINDING + body[len(b'{"HostIp":'):] + b"}}}}" +
                    line[len(body):])
        out.append(line)
    return b"\n".join(out)


def write(name, data, bad, good):
    if as_finding:
        data = findings(data)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    manifest.append("%s %d %d" % (name, bad, good))


# nesting 100,000 levels deep: arrays, objects, mixed; then a good record
n = 100000
write("deep.jsonl",
      b"[" * n + b"]" * n + b"\n" +
      b'{"a":' * n + b"1" + b"}" * n + b"\n" +
      b'[{"a":' * (n // 2) + b"1" + b"}]" * (n // 2) + b"\n" + GOOD, 3, 1)

# a valid record with one 64 MB string, and a 64 MB line that never ends
blob = b"A" * (big * 1024 * 1024)
write("longline.jsonl",
      b'{"HostIp":"203.0.113.7","Blob":"' + blob + b'"}\n' + GOOD, 0, 2)
write("longbad.jsonl", b'{"HostIp":"203.0.113.7","Blob":"' + blob + b"\n" +
      GOOD, 1, 1)

# NUL bytes: raw in a string, alone, after a value; escaped in a key
write("nul.jsonl",
      b'{"HostIp":"203.0.113.1\x00"}\n'
      b"\x00\x00\x00\n"
      b'{"HostIp":"203.0.113.2"}\x00\n'
      b'\x00{"HostIp":"203.0.113.3"}\n' + GOOD, 4, 2)
write("nulkey.jsonl", b'{"Host\\u0000Ip":"203.0.113.4"}\n' + GOOD, 1, 1)

# invalid and overlong UTF-8, encoded surrogates, beyond U+10FFFF, cut short
utf8 = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",
        b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80",
        b"\xc3"]
write("utf8.jsonl", b"".join(b'{"HostIp":"203.0.113.1","T":"x' + u + b'"}\n'
                             for u in utf8) + GOOD, len(utf8), 1)

# lone surrogates in \u escapes (a good pair last)
sur = [b"\\ud800", b"\\udc00", b"\\ud800\\u0041", b"\\ud800x",
       b"\\udbff\\udbff", b"\\ud800\\"]
write("surrogates.jsonl",
      b"".join(b'{"HostIp":"203.0.113.1","T":"' + s + b'"}\n' for s in sur) +
      b'{"HostIp":"203.0.113.1","T":"\\ud83d\\ude00"}\n' + GOOD, len(sur), 2)

# huge and tiny numbers: valid JSON; 1e999999 does not fit a double, so a
# program rejects it (one clear error) or keeps it, never crashes
nums = [b"1e999999999", b"-1e999999999", b"1e-999999999", b"4.9e-324",
        b"123456789012345678901234567890123456789",
        b"-123456789012345678901234567890", b"-0", b"0e0", b"1E+308",
        b"1" * 5000]
write("numbers.jsonl", b"".join(b'{"HostIp":"203.0.113.1","N":' + x + b"}\n"
                                for x in nums) + GOOD, -2, 1)

# 1 MB of random bytes (fixed seed), then a good record on its own line
rnd = random.Random(20261128)
write("random.bin", bytes(rnd.getrandbits(8) for _ in range(1 << 20)) +
      b"\n" + GOOD, -1, 1)

# CRLF line ends, and no final newline
write("crlf.jsonl", b'{"HostIp":"203.0.113.1"}\r\n\r\n' +
      GOOD.replace(b"\n", b"\r\n"), 0, 2)
write("noeol.jsonl", b'{"HostIp":"203.0.113.1"}\n' + GOOD.rstrip(b"\n"),
      0, 2)

# IP strings that are almost valid (valid JSON; programs that read HostIp
# must reject each one)
almost = ["203.0.113.256", "203.0.113", "203.0.113.1.", ".203.0.113.1",
          "203.0.113.01", " 203.0.113.1", "203.0.113.1 ", "203.0.113.1\\n",
          "203.0.113.1\\u0000", "0x7f.0.0.1", "203.0.113.-1",
          "2001:db8::1::1", "2001:db8:::1", "2001:db8::g", ":2001:db8::1",
          "2001:db8:1:2:3:4:5:6:7", "::ffff:203.0.113.1.1", "203.0.113.1/33",
          "fe80::1%eth0", "\\uff12\\uff10\\uff13.0.113.1", "",
          "203.0.113.1:443", "[2001:db8::1]", "2001:db8::12345"]
recs = [b'{"HostIp":"' + a.encode() + b'"}\n' for a in almost]
recs += [b'{"HostIp":12345}\n', b'{"HostIp":null}\n',
         b'{"HostIp":["203.0.113.1"]}\n', b'{"HostIp":true}\n']
write("almost-ip.jsonl", b"".join(recs) + GOOD, -3, 1)

with open(os.path.join(out, "MANIFEST"), "w") as f:
    f.write("\n".join(manifest) + "\n")
