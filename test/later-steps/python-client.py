"""A later step's Python program, as users write one: azure.identity's ManagedIdentityCredential
or DefaultAzureCredential, from the environment alone. Used by the end-to-end tests of
sign-in-later-steps (Debian's python3-azure: /usr/bin/python3).

    /usr/bin/python3 python-client.py managed|default SCOPE [--client-id ID]

Prints one JSON line: {"token", "expires_on"}; on failure {"error": "<name>: <message>"} and exits 1.
"""
import json
import sys

from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

kind, scope, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
client_id = rest[rest.index("--client-id") + 1] if "--client-id" in rest else None

if kind == "default":
    credential = DefaultAzureCredential(managed_identity_client_id=client_id) if client_id else DefaultAzureCredential()
else:
    credential = ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
try:
    token = credential.get_token(scope)
    print(json.dumps({"token": token.token, "expires_on": token.expires_on}))
except Exception as error:  # the test reads what a user would see
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(1)
