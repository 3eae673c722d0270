"""Users, organisations and tokens of the hub, made once and reused (never duplicated).

- ``dgti-admin``: sysadmin (CLI-created; its token is for tests and set-up only).
- ``dga`` and ``other-agency``: organisations.
- ``dgti-editor``: editor of ``dga`` only; its token is what the pipeline uses by default.
"""

from __future__ import annotations

import json

from pydantic import SecretStr

from dgti_data.ckan.client import CkanClient
from dgti_data.ckan.errors import CkanTerminalError, NotAuthorized, NotFound
from dgti_data.hub import ckan_install, ckan_server
from dgti_data.hub.layout import (
    EDITOR,
    ORGANIZATION,
    ORGANIZATION_TITLE,
    OTHER_ORGANIZATION,
    OTHER_ORGANIZATION_TITLE,
    SYSADMIN,
    HubPaths,
    write_private,
)
from dgti_data.hub.processes import HubError, say
from dgti_data.settings import HubConnection

ORGANIZATIONS = (
    (ORGANIZATION, ORGANIZATION_TITLE,
     "Digital Government Development Agency (Public Organization), Thailand"),
    (OTHER_ORGANIZATION, OTHER_ORGANIZATION_TITLE,
     "A second organisation, for permission tests"),
)


def _token_works(url: str, token: SecretStr | None, user: str) -> bool:
    """Whether ``token`` authenticates as ``user`` (only that user or a sysadmin may list)."""
    if token is None:
        return False
    try:
        CkanClient(url, token, timeout=30).call("api_token_list", user_id=user)
    except (NotAuthorized, NotFound):
        return False
    except CkanTerminalError:
        return False
    return True


def _cli_sysadmin_token(paths: HubPaths, secrets: dict[str, str]) -> SecretStr:
    out = ckan_install.cli(
        paths, "sysadmin", "add", SYSADMIN, f"email={SYSADMIN}@hub.invalid",
        f"password={secrets['sysadmin_password']}", "fullname=DGTI hub administrator",
        what="ckan sysadmin add", input="y\n", redact=[secrets["sysadmin_password"]],
    )
    if "Added" not in out:
        raise HubError(f"ckan sysadmin add did not confirm:\n{out[-500:]}")
    token = ckan_install.cli(
        paths, "user", "token", "add", SYSADMIN, "dgti-hub", "--quiet",
        what="ckan user token add", log_stdout=False,
    ).strip().splitlines()[-1].strip()
    if not token:
        raise HubError("ckan user token add printed no token")
    return SecretStr(token)


def ensure(paths: HubPaths, secrets: dict[str, str]) -> HubConnection:
    """Make sure the accounts exist; return the connection with working tokens."""
    settings = paths.settings
    url = ckan_server.url(paths)
    previous = settings.hub_connection() if settings.hub_file.exists() else None

    sysadmin_token = previous.sysadmin_token if previous else None
    if _token_works(url, sysadmin_token, SYSADMIN):
        say("accounts: sysadmin token reused")
    else:
        say("accounts: creating the sysadmin and its token (ckan CLI)")
        sysadmin_token = _cli_sysadmin_token(paths, secrets)
    assert sysadmin_token is not None
    admin = CkanClient(url, sysadmin_token, timeout=60)

    for name, title, description in ORGANIZATIONS:
        try:
            admin.organization_show(name)
        except NotFound:
            say(f"accounts: creating organisation {name}")
            admin.call("organization_create", name=name, title=title, description=description)

    try:
        admin.call("user_show", id=EDITOR)
    except NotFound:
        say(f"accounts: creating user {EDITOR}")
        admin.call(
            "user_create",
            name=EDITOR,
            email=f"{EDITOR}@hub.invalid",
            password=secrets["editor_password"],
            fullname="DGTI pipeline (organisation editor)",
        )

    members = admin.call("member_list", id=ORGANIZATION, object_type="user")
    editor_id = admin.call("user_show", id=EDITOR)["id"]
    if not any(m[0] == editor_id and str(m[2]).lower() == "editor" for m in members):
        say(f"accounts: making {EDITOR} an editor of {ORGANIZATION}")
        admin.call("organization_member_create", id=ORGANIZATION, username=EDITOR,
                   role="editor")

    editor_token = previous.editor_token if previous else None
    if _token_works(url, editor_token, EDITOR):
        say("accounts: editor token reused")
    else:
        say(f"accounts: creating an API token for {EDITOR}")
        created = admin.call("api_token_create", user=EDITOR, name="dgti-pipeline")
        editor_token = SecretStr(created["token"])

    return HubConnection(
        ckan_url=url,
        organization=ORGANIZATION,
        editor_token=editor_token,
        sysadmin_token=sysadmin_token,
        solr_url=f"http://127.0.0.1:{settings.hub_solr_port}/solr/ckan",
    )


def ensure_xloader_token(paths: HubPaths, secrets: dict[str, str], connection: HubConnection) -> bool:
    """A sysadmin token for XLoader's jobs (kept in ``secrets.json``); True if it was made now."""
    url = connection.ckan_url
    current = secrets.get("xloader_token")
    if _token_works(url, SecretStr(current) if current else None, SYSADMIN):
        return False
    say("accounts: creating XLoader's API token")
    admin = CkanClient(url, connection.sysadmin_token, timeout=60)
    secrets["xloader_token"] = admin.call("api_token_create", user=SYSADMIN, name="xloader")["token"]
    write_private(paths.secrets_file, json.dumps(secrets, indent=2) + "\n")
    return True
