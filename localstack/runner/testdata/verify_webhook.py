"""Verifies webhook pushes with the Python Standard Webhooks library, an
implementation independent of the Go one that signs them.

Reads {"secret": "whsec_…", "pushes": [{"headers": {…}, "body": base64}]}
on standard input. Each push must verify; the same push with one byte of
its body changed, or with its timestamp moved by a second, must be refused.
Prints one line per push and a closing count; exits 1 on any mismatch.
"""

import base64
import json
import sys

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


def refused(wh, body, headers):
    try:
        wh.verify(body, headers)
    except WebhookVerificationError:
        return True
    return False


def check(wh, push):
    headers = {k.lower(): v for k, v in push["headers"].items()}
    body = base64.b64decode(push["body"])
    problems = []
    try:
        wh.verify(body, headers)
    except WebhookVerificationError as e:
        problems.append(f"the push does not verify: {e}")
    tampered = bytearray(body)
    tampered[len(tampered) // 2] ^= 0x01
    if not refused(wh, bytes(tampered), headers):
        problems.append("a tampered body verifies")
    moved = dict(headers, **{"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)})
    if not refused(wh, body, moved):
        problems.append("a tampered timestamp verifies")
    return problems


def main():
    given = json.load(sys.stdin)
    wh = Webhook(given["secret"])
    passed = failed = 0
    for push in given["pushes"]:
        problems = check(wh, push)
        push_id = push["headers"].get("webhook-id") or push["headers"].get("Webhook-Id")
        if problems:
            failed += 1
            print(f"FAIL {push_id}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"ok   {push_id}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
