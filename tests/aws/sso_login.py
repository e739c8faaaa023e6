#!/usr/bin/python3
"""sso_login.py: the AWS CLI's own code (Debian's awscli, v2) writing and
reading the IAM Identity Center token cache, without any network, so the
tests use cache files exactly as `aws sso login` leaves them.

  sso_login.py login --start-url URL --region R [--session NAME]
               --access-token T [--refresh-token T] --client-id ID
               --client-secret S [--expires-in SECONDS]
               [--registration-expires-in SECONDS]
      runs the CLI's SSOTokenFetcher (what `aws sso login` runs) with an
      in-process stand-in of its sso-oidc client, whose CreateToken answers
      with the given token; the CLI's JSONFileCache and _sso_json_dumps
      write $HOME/.aws/sso/cache/. A negative --expires-in leaves a token
      that expired that long ago. Prints the cache file's path.

  sso_login.py check --start-url URL [--session NAME]
      loads the token with the CLI's SSOTokenLoader, as the CLI does before
      every call, and checks that the file is byte for byte what the CLI
      would write for its content, mode 0600; prints its members in order
      (secrets replaced by their length) and "cli-readable".
"""
import argparse
import datetime
import json
import os
import stat
import sys

from awscli.botocore.utils import JSONFileCache, SSOTokenFetcher, \
    SSOTokenLoader
from awscli.customizations.sso.utils import _sso_json_dumps
from dateutil.tz import tzutc

SECRET_MEMBERS = ("accessToken", "refreshToken", "clientSecret")


class FakeOidc:
    """What SSOTokenFetcher asks of its sso-oidc client, answered here."""

    class exceptions:
        class SlowDownException(Exception):
            pass

        class AuthorizationPendingException(Exception):
            pass

        class ExpiredTokenException(Exception):
            pass

    def __init__(self, a, now):
        self.a, self.now = a, now

    def register_client(self, **kw):
        exp = self.now + datetime.timedelta(
            seconds=self.a.registration_expires_in)
        return {"clientId": self.a.client_id,
                "clientSecret": self.a.client_secret,
                "clientSecretExpiresAt": int(exp.timestamp())}

    def start_device_authorization(self, **kw):
        return {"deviceCode": "device-FAKE", "userCode": "ABCD-EFGH",
                "verificationUri": "https://device.sso.invalid/",
                "verificationUriComplete": "https://device.sso.invalid/x",
                "expiresIn": 600, "interval": 1}

    def create_token(self, **kw):
        answer = {"accessToken": self.a.access_token,
                  "tokenType": "Bearer", "expiresIn": self.a.expires_in}
        if self.a.refresh_token:
            answer["refreshToken"] = self.a.refresh_token
        return answer


def cache():
    return JSONFileCache(os.path.expanduser("~/.aws/sso/cache"),
                         dumps_func=_sso_json_dumps)


def login(a):
    real = datetime.datetime.now(tzutc())
    # A token that expired: log in as if at a time long enough ago.
    now = real if a.expires_in >= 0 else \
        real + datetime.timedelta(seconds=2 * a.expires_in)
    if a.expires_in < 0:
        a.expires_in = -a.expires_in
    fetcher = SSOTokenFetcher(
        a.region, client_creator=lambda *x, **kw: FakeOidc(a, now),
        cache=cache(), on_pending_authorization=lambda **kw: None,
        time_fetcher=lambda: now, sleep=lambda s: None)
    fetcher.fetch_token(a.start_url, session_name=a.session,
                        registration_scopes=["sso:account:access"]
                        if a.session else None)
    key = fetcher._token_cache_key(a.start_url, a.session)
    print(os.path.expanduser("~/.aws/sso/cache/%s.json" % key))


def check(a):
    loader = SSOTokenLoader(cache=cache())
    token = loader(a.start_url, session_name=a.session)
    key = loader._generate_cache_key(a.start_url, a.session)
    path = os.path.expanduser("~/.aws/sso/cache/%s.json" % key)
    with open(path) as f:
        text = f.read()
    problems = []
    if text != _sso_json_dumps(json.loads(text)):
        problems.append("not what the CLI would write for it")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode != 0o600:
        problems.append("mode %o" % mode)
    for k, v in token.items():
        print("%s %s" % (k, "<%d>" % len(v) if k in SECRET_MEMBERS else v))
    for p in problems:
        print("problem:", p)
    print("cli-readable" if not problems else "not as the CLI writes it")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("login", "check"))
    ap.add_argument("--start-url", required=True)
    ap.add_argument("--region")
    ap.add_argument("--session")
    ap.add_argument("--access-token")
    ap.add_argument("--refresh-token")
    ap.add_argument("--client-id", default="client-FAKE")
    ap.add_argument("--client-secret", default="SsoClientSecretNeverPrint")
    ap.add_argument("--expires-in", type=int, default=28800)
    ap.add_argument("--registration-expires-in", type=int,
                    default=90 * 86400)
    a = ap.parse_args()
    if a.what == "login":
        login(a)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
