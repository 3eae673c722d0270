"""What publishing needs from CKAN: action calls and file uploads, both through ``CkanClient``.

Uploads must be multipart (CKAN stores the file, so its own resource URL serves the published
bytes). ``CkanClient.call`` sends JSON only, so ``upload`` hands ckanapi the file for one call
while reusing the client's counting and typed error mapping: no HTTP code lives here.
Tests wrap a ``Portal`` to inject crashes between real calls to the real hub.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from dgti_data.ckan import CallCounter, CkanClient, PortalOffer
from dgti_data.ckan.portal import whole_table_loaders


class Portal:
    """A CKAN portal as publishing sees it. All calls go through one counted ``CkanClient``."""

    def __init__(self, client: CkanClient) -> None:
        self.client = client
        # Whether the DataStore pages by key (``include_next_page``, CKAN 2.12): None until a
        # search has asked; the portal's answer decides (publish/rowdiff.py).
        self.keyset_paging: bool | None = None
        self._loaders: frozenset[str] | None = None

    def adopt(self, offer: PortalOffer) -> None:
        """Plan with what the run's probe found (``publish_all`` probes before any write)."""
        self._loaders = offer.loaders

    def loaders(self) -> frozenset[str]:
        """The whole-table loaders the portal runs (``bulk``, ``xloader``): the probe's answer when
        one was adopted, else asked the probe's way, once."""
        if self._loaders is None:
            self._loaders = whole_table_loaders(self.client, self.client.extensions())
        return self._loaders

    @property
    def url(self) -> str:
        return self.client.url

    @property
    def counter(self) -> CallCounter:
        return self.client.counter

    def call(self, action: str, **data: Any) -> Any:
        return self.client.call(action, **data)

    def offers(self, plugin: str) -> bool:
        """Whether the portal runs ``plugin`` (``status_show``'s extensions, asked once)."""
        return plugin in self.client.extensions()

    def upload(self, action: str, source: Path | bytes, file_name: str, **data: Any) -> Any:
        """``resource_create``/``resource_patch`` with a file (or bytes) as the multipart ``upload``.

        Multipart fields are strings: lists and dicts are sent as JSON strings (CKAN parses them).
        """
        fields = {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
            for k, v in data.items()
        }
        with contextlib.ExitStack() as stack:
            fh = io.BytesIO(source) if isinstance(source, bytes) else stack.enter_context(source.open("rb"))
            return self.client.call(action, files={"upload": (file_name, fh)}, **fields)

    def __repr__(self) -> str:
        return f"Portal({self.client!r})"
