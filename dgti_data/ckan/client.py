"""A small typed CKAN client on ``ckanapi.RemoteCKAN``: the project's only HTTP code.

Every call is counted as a read or a write (``CallCounter``), so a dry run can prove that it
made zero write calls. CKAN's errors come back as the typed exceptions of
``dgti_data.ckan.errors``: ``TerminalError`` subclasses for refusals, ``TransientError``
subclasses for an unreachable or failing portal. The token is a ``SecretStr`` and never
appears in a repr, a log line or an error message.

Read calls are retried on transient errors (``retry``: backoff with jitter): repeating them is
harmless. Writes are not: a write whose answer was lost may have been applied, so the publish
layer retries them by planning again from what the portal now has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ckanapi
import ckanapi.errors as ckan_errors
import requests
from pydantic import SecretStr
from requests_toolbelt import MultipartEncoder

from dgti_data import __version__
from dgti_data.ckan.errors import (
    CkanConnectionError,
    CkanServerError,
    CkanTerminalError,
    CkanTransientError,
    NotACkanPortal,
    NotAuthorized,
    NotFound,
    ValidationError,
)
from dgti_data.ckan.retry import NO_RETRY, RetryPolicy

log = logging.getLogger(__name__)

USER_AGENT = f"dgti-data/{__version__}"

# Actions whose name ends like this only read. Everything else is counted as a write.
_READ_SUFFIXES = ("_show", "_list", "_search", "_search_sql", "_autocomplete", "_count", "_info")
_READ_ACTIONS = frozenset(
    {"site_read", "status_show", "help_show", "datastore_info", "organization_list_for_user",
     "xloader_status"}
)
# Writes that may legitimately take minutes (a whole table in one call): ``long_timeout`` applies.
LONG_ACTIONS = frozenset({"dgti_datastore_load"})


def is_read_action(action: str) -> bool:
    """Whether a CKAN action only reads (``package_show``, ``package_search``...)."""
    return action in _READ_ACTIONS or action.endswith(_READ_SUFFIXES)


@dataclass
class CallCounter:
    """How many calls a client made, split into reads and writes, and per action.

    A call is counted when it is sent, whether it succeeds or not: "zero writes" means no
    write was even attempted.
    """

    reads: int = 0
    writes: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, action: str) -> None:
        with self._lock:
            self.by_action[action] += 1
            if is_read_action(action):
                self.reads += 1
            else:
                self.writes += 1

    @property
    def total(self) -> int:
        return self.reads + self.writes

    @property
    def write_actions(self) -> dict[str, int]:
        return {a: n for a, n in self.by_action.items() if not is_read_action(a)}


class _StreamingRemote(ckanapi.RemoteCKAN):
    """``RemoteCKAN`` whose uploads stream from the file. requests builds a multipart body whole
    in memory (the file read, then copied into the body): a 1M-row CSV of 500 MB held twice by the
    publisher. requests-toolbelt's encoder reads the file as the body is sent."""

    def _request_fn(self, url: str, data: Any, headers: dict[str, str], files: Any,
                    requests_kwargs: dict[str, Any]) -> tuple[int, str]:
        if not files:
            return super()._request_fn(url, data, headers, files, requests_kwargs)
        # ckanapi's prepare_action made names and values UTF-8 bytes, as requests takes them.
        fields = [(k.decode("utf-8") if isinstance(k, bytes) else k, v) for k, v in data.items()]
        body = MultipartEncoder(fields=[*fields, *files.items()])
        response = self.session.post(url, data=body, headers={**headers, "Content-Type": body.content_type},
                                     allow_redirects=False, **requests_kwargs)
        return response.status_code, response.text


class CkanClient:
    """Calls CKAN's action API with one token; maps CKAN's answers to typed results/errors."""

    def __init__(
        self,
        url: str,
        token: SecretStr | None = None,
        timeout: float = 30.0,
        *,
        counter: CallCounter | None = None,
        retry: RetryPolicy = NO_RETRY,
        long_timeout: float = 900.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.long_timeout = max(long_timeout, timeout)
        self.retry = retry
        self.counter = counter if counter is not None else CallCounter()
        self._status = threading.local()
        self._extensions: frozenset[str] | None = None
        session = requests.Session()
        session.hooks["response"].append(self._remember_status)
        self._remote = _StreamingRemote(
            self.url,
            apikey=token.get_secret_value() if token is not None else None,
            user_agent=USER_AGENT,
            session=session,
        )

    def __repr__(self) -> str:
        return (
            f"CkanClient(url={self.url!r}, reads={self.counter.reads}, "
            f"writes={self.counter.writes})"
        )

    def _remember_status(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._status.code = response.status_code
        self._status.ctype = response.headers.get("Content-Type", "")
        self._status.location = response.headers.get("Location", "")

    def call(self, action: str, files: dict[str, Any] | None = None, **data: Any) -> Any:
        """Call one action with ``data`` as its JSON body (multipart when ``files`` are given: then
        ``data`` values must be strings); return CKAN's ``result``. Read actions are retried on
        transient errors as ``retry`` says; writes are sent once."""
        if files is not None or not is_read_action(action):
            return self._call_once(action, files, data)
        for delay in self.retry.delays():
            try:
                return self._call_once(action, None, data)
            except CkanTransientError as exc:
                log.info("CKAN %s: %s; retrying in %.1f s", action, exc.message, delay)
                time.sleep(delay)
        return self._call_once(action, None, data)

    def _call_once(self, action: str, files: dict[str, Any] | None, data: dict[str, Any]) -> Any:
        timeout = self.long_timeout if action in LONG_ACTIONS else self.timeout
        self.counter.record(action)
        self._status.code = None
        log.debug("CKAN %s %s", action, self.url)
        try:
            return self._remote.call_action(
                action, data, files=files, requests_kwargs={"timeout": timeout}
            )
        except requests.Timeout:
            raise CkanConnectionError(
                action, f"no answer from {self.url} within {timeout:g} s"
            ) from None
        except requests.ConnectionError as exc:
            raise CkanConnectionError(
                action, f"cannot connect to {self.url} ({type(exc).__name__})"
            ) from None
        except requests.RequestException as exc:  # an answer cut mid-body, a broken encoding...
            raise CkanConnectionError(
                action, f"the answer from {self.url} was cut off or garbled ({type(exc).__name__})"
            ) from None
        except ckan_errors.ValidationError as exc:
            errors = getattr(exc, "error_dict", None)
            if not isinstance(errors, dict):
                errors = {"message": [str(exc)]}
            raise ValidationError(action, errors, self._last_status()) from None
        except ckan_errors.NotFound as exc:
            raise NotFound(action, str(exc) or "not found", self._last_status()) from None
        except ckan_errors.NotAuthorized as exc:
            raise NotAuthorized(action, _auth_message(exc), self._last_status()) from None
        except ckan_errors.SearchIndexError as exc:
            # CKAN could not reach or write its search index: the portal's own failure.
            raise CkanServerError(
                action, f"search index error: {exc}", self._last_status()
            ) from None
        except (ckan_errors.SearchQueryError, ckan_errors.SearchError) as exc:
            raise CkanTerminalError(
                action, f"search refused: {exc}", self._last_status()
            ) from None
        except (ckan_errors.CKANAPIError, ckan_errors.ServerIncompatibleError):
            status = self._last_status()
            page = self._not_api()
            if status is not None and (status >= 500 or status == 429):
                raise CkanServerError(action, f"HTTP {status} from {self.url}{page}", status) from None
            if page:
                raise NotACkanPortal(
                    action, f"{self.url} answered HTTP {status}{page}, not CKAN's API: a login "
                    "page or a proxy in the way? Check DGTI_CKAN_URL", status) from None
            raise CkanTerminalError(
                action, f"unexpected answer (HTTP {status}) from {self.url}", status
            ) from None

    def _last_status(self) -> int | None:
        return getattr(self._status, "code", None)

    def _not_api(self) -> str:
        """Words on the last answer when it was not CKAN's JSON: an HTML page or a redirect."""
        location = getattr(self._status, "location", "")
        if location:
            return f" (a redirect to {location.split('?')[0]})"
        if "html" in getattr(self._status, "ctype", ""):
            return " (an HTML page)"
        return ""

    # Helpers for the calls the project makes most.

    def status(self) -> dict[str, Any]:
        """``status_show``: CKAN's version and plugins; needs no token."""
        answer = self.call("status_show")
        if isinstance(answer, dict):
            self._extensions = frozenset(answer.get("extensions") or ())
        return answer

    def extensions(self) -> frozenset[str]:
        """The plugins the portal runs (``status_show``), asked once per client."""
        if self._extensions is None:
            self._extensions = frozenset(self.status().get("extensions") or ())
        return self._extensions

    def package_show(self, name_or_id: str) -> dict[str, Any]:
        return self.call("package_show", id=name_or_id)

    def package_search(self, **params: Any) -> dict[str, Any]:
        return self.call("package_search", **params)

    def package_create(self, **dataset: Any) -> dict[str, Any]:
        return self.call("package_create", **dataset)

    def package_patch(self, **dataset: Any) -> dict[str, Any]:
        return self.call("package_patch", **dataset)

    def dataset_purge(self, name_or_id: str) -> None:
        self.call("dataset_purge", id=name_or_id)

    def organization_show(self, name_or_id: str) -> dict[str, Any]:
        return self.call("organization_show", id=name_or_id)

    def datastore_create(self, **params: Any) -> dict[str, Any]:
        return self.call("datastore_create", **params)

    def datastore_search(self, **params: Any) -> dict[str, Any]:
        return self.call("datastore_search", **params)


def _auth_message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else None
    if isinstance(detail, dict):
        return str(detail.get("message") or "not authorised")
    return str(detail or "not authorised")


def ping(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers HTTP 200 to a GET now (readiness checks: Solr ping, CKAN)."""
    try:
        response = requests.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except requests.RequestException:
        return False
    return response.status_code == 200
