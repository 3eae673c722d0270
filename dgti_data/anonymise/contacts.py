"""E-mail addresses, LINE IDs and social-network profile URLs."""

from __future__ import annotations

import re

from dgti_data.anonymise.spans import Span, windows

EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*"
    r"(?:@|\s?\[at\]\s?|\s?\(at\)\s?)"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9\-])"
)

_URL_TAIL = r"[A-Za-z0-9._~%?=&/@+\-]*[A-Za-z0-9_~/=@\-]"
_SOCIAL = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:https?://)?(?:(?:www|m|web|mobile|th-th|th)\.)?"
    r"(?:facebook\.com|fb\.com|fb\.me|instagram\.com|tiktok\.com|twitter\.com|x\.com|youtube\.com"
    r"|linkedin\.com/in|github\.com)"
    r"/(?!watch\b|embed\b|playlist\b)(?P<path>" + _URL_TAIL + ")",
    re.IGNORECASE,
)
_LINE_URL = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:https?://)?line\.me/(?:R/)?ti/p/(?P<handle>(?:~|%7E)?[A-Za-z0-9._\-]+|(?:@|%40)[A-Za-z0-9._\-]+)",
    re.IGNORECASE,
)
_LINE_KEYWORD = re.compile(
    r"(?:(?<![A-Za-z])(?:ID\s*)?LINE(?:\s*ID)?(?![A-Za-z])|ไอดีไลน์|ไลน์ไอดี|(?:ID\s*)?(?<!ออน)ไลน์(?:\s*ID)?)"
    r"(?:\s*(?:ส่วนตัว|ส่วนบุคคล))?"
    r"(?P<oa>\s*(?:OA|Official(?:\s*Account)?|โอเอ|@?ทางการ)(?![A-Za-z]))?"
    r"(?P<sep>\s*[:：]\s*|\s+)"
    r"(?P<handle>@?[A-Za-z0-9][A-Za-z0-9._\-]{1,29})",
    re.IGNORECASE,
)
_LINE_NOT_HANDLE = {
    "oa", "official", "notify", "id", "pay", "man", "group", "groups", "app", "api", "today",
    "messaging", "chatbot", "bot", "liff", "shopping", "official account", "works", "login",
    "and", "or", "the", "to", "for", "of", "in", "on", "at", "by", "with", "is", "are",
    "account", "channel", "sticker", "stickers", "call", "chat", "open", "openchat",
}


def line_ids(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in _LINE_URL.finditer(text) if "line.me" in text.lower() else ():
        handle = m.group("handle")
        if handle.startswith(("@", "%40")):
            continue  # an Official Account: the LAO's channel
        end = m.end() - (len(handle) - len(handle.rstrip("._-")))  # the sentence's full stop stays
        spans.append(Span(m.start(), end, "line_id"))
    for m in windows(_LINE_KEYWORD, text, _HINT_LINE, 8, 60):
        if m.group("oa"):
            continue
        handle = m.group("handle").rstrip("._-")
        if handle.lower().lstrip("@") in _LINE_NOT_HANDLE:
            continue
        if handle.startswith("@") and _official(text[max(0, m.start() - 30):m.start("handle")], handle):
            continue
        has_colon = ":" in m.group("sep") or "：" in m.group("sep")
        keyword = m.group(0)[: m.start("sep") - m.start()]
        says_id = bool(re.search(r"ID|ไอดี", keyword, re.IGNORECASE))
        thai_keyword = "ไลน์" in keyword  # "ไลน์ somchai": a Latin word after the Thai keyword is a handle
        if not (has_colon or says_id or thai_keyword or handle.startswith("@")):
            continue
        if handle.isdigit() or re.fullmatch(r"@?[0-9]+", handle):
            continue  # a number after "LINE:" is a phone: the phone detector decides
        spans.append(Span(m.start("handle"), m.start("handle") + len(handle), "line_id"))
    return spans



# An Official Account's ID starts with "@" and usually names the LAO (@thetsabanbandu,
# @nongbua.city); people also write their personal ID with an "@", so the "@" alone decides nothing.
_OA_TOKENS = frozenset({"sao", "obt", "abt", "aobt", "gov", "go", "official", "smart", "city", "pr", "news",
                        "info", "tambon", "amphoe", "municipality", "smartcity", "province"})
_OA_PREFIXES = ("thetsaban", "thesaban", "tessaban", "tesaban", "tedsaban", "municipal")
_OA_CONTEXT = re.compile(r"ทางการ|เพิ่มเพื่อน|ของ(?:เทศบาล|อบต|องค์การ|สำนักงาน)|[Oo]fficial|\bOA\b")
_PERSONAL_CONTEXT = re.compile(r"ส่วนตัว|ส่วนบุคคล|personal", re.IGNORECASE)


def _official(before: str, handle: str) -> bool:
    """An "@" handle that names an organisation or is called official by the words just ``before``
    it, which do not call it personal."""
    if _PERSONAL_CONTEXT.search(before):
        return False
    tokens = re.split(r"[._\-]", handle[1:].lower())
    named = any(t in _OA_TOKENS or t.startswith(_OA_PREFIXES) or t.endswith("city") for t in tokens)
    return named or _OA_CONTEXT.search(before) is not None


def social_urls(text: str) -> list[Span]:
    out = []
    for m in _SOCIAL.finditer(text):
        end = m.end()
        while end > m.start("path") and text[end - 1] in ".,)/":
            end -= 1
        if end - m.start("path") < 2:
            continue  # facebook.com/ alone names nobody
        out.append(Span(m.start(), end, "url_handle"))
    return out



# A cheap test that lets the LINE keyword rule skip text it cannot match.
_HINT_LINE = re.compile(r"line|ไลน์", re.IGNORECASE)
