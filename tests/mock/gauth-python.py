#!/usr/bin/env python3
"""gauth-python: Application Default Credentials as a program built on
Python's google-auth finds them, for the tests of `vtoken serve
--metadata`.  No arguments; the environment decides (GCE_METADATA_ROOT,
GCE_METADATA_IP, GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG).

Prints one JSON object: type (the credentials' module.class), project,
token (after refresh()), expires_in (seconds from now to the
credentials' expiry), email (the service account's, when the credentials
have one).  Uses google.auth's own http.client transport, as
google.auth.default() does (no requests needed).
"""

import datetime
import json
import sys

import google.auth
import google.auth.transport._http_client


def main():
    creds, project = google.auth.default()
    if sys.argv[1:] == ["norefresh"]:
        print(json.dumps({
            "type": "%s.%s" % (type(creds).__module__, type(creds).__name__),
            "project": project}))
        return 0
    creds.refresh(google.auth.transport._http_client.Request())
    left = None
    if creds.expiry is not None:
        left = int((creds.expiry - datetime.datetime.utcnow()).total_seconds())
    print(json.dumps({
        "type": "%s.%s" % (type(creds).__module__, type(creds).__name__),
        "project": project,
        "token": creds.token,
        "expires_in": left,
        "email": getattr(creds, "service_account_email", None),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
