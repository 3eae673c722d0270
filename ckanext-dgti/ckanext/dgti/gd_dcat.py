"""ckanext-dcat profiles for GD Catalog datasets (``ckan.rdf.profiles`` entry points).

- ``dgti_gd_catalog``: runs after ``euro_dcat_ap_3`` and rewrites what the GD Catalog fields say
  better than CKAN's core fields: titles and descriptions tagged ``@th`` / ``@en``,
  ``dct:accrualPeriodicity`` from the update frequency, ``dct:spatial`` from the geographic
  coverage, ``dct:temporal`` from the Buddhist-Era years of data, ``dct:language`` from the data
  languages, the publisher's Thai and English names, the licence, and distributions with IANA
  media types. Parsing (a harvesting catalogue) turns the tagged titles back into the Thai title
  and the publisher's bilingual description, and names the dataset as its source did.
- ``dgti_schemaorg``: schema.org ``Dataset`` (the JSON-LD block of dataset pages) with the same
  language tags, the data languages, the coverage and the period in the common era.

The GD Catalog has one title field (Thai); dgti-data's publisher writes the English title and
description as the last paragraph of ``notes``: ``**English title**: English description``
(``dgti_data.publish.metadata.notes``). That paragraph is where ``@en`` comes from.
"""

from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, RDFS, SCHEMA, SKOS, XSD, RDFProfile
from ckanext.dcat.profiles.schemaorg import SchemaOrgProfile
from ckanext.dcat.utils import resource_uri
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
THAILAND = URIRef(f"{EU}country/THA")
_THAI = re.compile("[\u0e00-\u0e7f]")
_ENGLISH_PARAGRAPH = re.compile(r"^\*\*(?P<title>[^*\n]+)\*\*(?::\s*(?P<notes>.*))?$", re.S)
_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")

# (update_frequency_unit, update_frequency_interval) -> the EU frequency authority's code.
# A unit with any interval not listed is OTHER; the code lists no "working day".
_FREQUENCY: dict[str, dict[str, str]] = {
    "ปี": {"1": "ANNUAL", "2": "BIENNIAL", "3": "TRIENNIAL", "4": "QUADRENNIAL",
           "5": "QUINQUENNIAL", "10": "DECENNIAL"},
    "ครึ่งปี": {"1": "ANNUAL_2"},
    "ไตรมาส": {"1": "QUARTERLY"},
    "เดือน": {"1": "MONTHLY", "2": "BIMONTHLY", "3": "QUARTERLY", "6": "ANNUAL_2", "12": "ANNUAL"},
    "สัปดาห์": {"1": "WEEKLY", "2": "BIWEEKLY"},
    "วัน": {"1": "DAILY", "7": "WEEKLY"},
    "ชั่วโมง": {"1": "HOURLY", "2": "BIHOURLY", "3": "TRIHOURLY", "12": "12HRS"},
    "นาที": {"1": "1MIN", "5": "5MIN", "10": "10MIN", "15": "15MIN", "30": "30MIN"},
}
_FREQUENCY_ANY = {"ตามเวลาจริง": "UPDATE_CONT", "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล": "NEVER",
                  "ไม่ทราบ": "UNKNOWN"}
# data_language choices -> ISO 639 (the EU language authority's codes; BCP 47 for schema.org).
_LANGUAGES = {"ไทย": ("THA", "th"), "อังกฤษ": ("ENG", "en"), "จีน": ("ZHO", "zh"),
              "มลายู": ("MSA", "ms"), "พม่า": ("MYA", "my"), "ลาว": ("LAO", "lo"),
              "เขมร": ("KHM", "km"), "ญี่ปุ่น": ("JPN", "ja"), "เกาหลี": ("KOR", "ko"),
              "ฝรั่งเศส": ("FRA", "fr"), "เยอรมัน": ("DEU", "de"), "อารบิก": ("ARA", "ar")}
# Resource format -> (IANA media type, EU file type).
_FORMATS = {"CSV": ("text/csv", "CSV"), "JSON": ("application/json", "JSON"),
            "XML": ("application/xml", "XML"), "HTML": ("text/html", "HTML"),
            "PDF": ("application/pdf", "PDF"), "TXT": ("text/plain", "TXT"),
            "XLSX": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
            "XLS": ("application/vnd.ms-excel", "XLS"), "ZIP": ("application/zip", "ZIP"),
            "GEOJSON": ("application/geo+json", "GEOJSON")}
# Buddhist Era = common era + 543.
BE_OFFSET = 543


def lang_of(text: str) -> str:
    """``th`` for text with Thai letters, else ``en`` (the two languages of GD Catalog metadata)."""
    return "th" if _THAI.search(text) else "en"


def split_notes(notes: str) -> tuple[str, str, str]:
    """(Thai description, English title, English description) of a GD Catalog ``notes`` written
    by the publisher; a ``notes`` without the English paragraph is all Thai (or all English)."""
    paragraphs = [p.strip() for p in (notes or "").split("\n\n") if p.strip()]
    if paragraphs:
        last = _ENGLISH_PARAGRAPH.match(paragraphs[-1])
        if last and not _THAI.search(paragraphs[-1]):
            return ("\n\n".join(paragraphs[:-1]), last["title"].strip(),
                    (last["notes"] or "").strip())
    return "\n\n".join(paragraphs), "", ""


def join_notes(th: str, en_title: str, en_notes: str) -> str:
    """The inverse of ``split_notes``: the publisher's layout of a bilingual description."""
    parts = [th] if th else []
    if en_title:
        parts.append(f"**{en_title}**" + (f": {en_notes}" if en_notes else ""))
    return "\n\n".join(parts)


def by_language(text: str) -> dict[str, str]:
    """A text's paragraphs grouped by language: Thai ones (with Thai letters) and English ones
    (a resource description "Thai line\n\nEnglish line", as the publisher writes them)."""
    groups: dict[str, list[str]] = {}
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if paragraph:
            groups.setdefault(lang_of(paragraph), []).append(paragraph)
    return {lang: "\n\n".join(parts) for lang, parts in groups.items()}


def split_bilingual(name: str) -> dict[str, str]:
    """``"ไทย / English"`` (the hub's organisation titles) -> {"th": ..., "en": ...}."""
    parts = [p.strip() for p in name.split(" / ") if p.strip()]
    out: dict[str, str] = {}
    for part in parts:
        out.setdefault(lang_of(part), part)
    return out if len(out) == len(parts) else {lang_of(name): name}


def frequency_uri(unit: str, interval: str) -> URIRef | None:
    if not unit:
        return None
    code = _FREQUENCY_ANY.get(unit) or _FREQUENCY.get(unit, {}).get(str(interval or "1").strip(), "OTHER")
    return URIRef(f"{EU}frequency/{code}")


def ce_year(value: Any) -> int | None:
    """A Buddhist-Era year ("2567", or in Thai digits "๒๕๖๗") as a common-era year (2024); a year
    already below 2400 is taken as common era; None if it is not a year."""
    text = str(value or "").strip()
    if not (text.isdecimal() and len(text) == 4):
        return None
    year = int(text)
    return year - BE_OFFSET if year > 2400 else year


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    if isinstance(value, str) and value.startswith("["):
        try:
            return [str(v) for v in json.loads(value) if v]
        except ValueError:
            return [value]
    return [value] if value else []


def dataset_page(dataset_dict: dict[str, Any]) -> str:
    return tk.url_for("dataset.read", id=dataset_dict["name"], _external=True)


def set_titles(g: Graph, ref: Node, dataset_dict: dict[str, Any], title: URIRef, en_title: URIRef,
               description: URIRef) -> None:
    """The dataset's title and description as language-tagged literals, replacing untagged ones:
    the Thai title, the English one (from ``notes``), each language's description."""
    name = dataset_dict.get("title") or ""
    th_notes, english, en_notes = split_notes(dataset_dict.get("notes") or "")
    g.remove((ref, title, None))
    g.remove((ref, description, None))
    if name:
        g.add((ref, title, Literal(name, lang=lang_of(name))))
    if english:
        g.add((ref, en_title, Literal(english, lang="en")))
    for text in (th_notes, en_notes):
        if text:
            g.add((ref, description, Literal(text, lang=lang_of(text))))


def tag_bilingual(g: Graph, subject: Node, predicate: URIRef) -> None:
    """Untagged names such as "ไทย / English" become one tagged literal per language."""
    for name in list(g.objects(subject, predicate)):
        if isinstance(name, Literal) and not name.language:
            g.remove((subject, predicate, name))
            for lang, part in split_bilingual(str(name)).items():
                g.add((subject, predicate, Literal(part, lang=lang)))


class GDCatalogDCATProfile(RDFProfile):
    """GD Catalog fields -> DCAT (run after ``euro_dcat_ap_3``, which maps CKAN's core fields)."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> None:
        g = self.g
        g.bind("dct", DCT)
        g.bind("dcat", DCAT)
        set_titles(g, dataset_ref, dataset_dict, DCT.title, DCT.title, DCT.description)
        if not self._object(dataset_ref, DCAT.landingPage) and dataset_dict.get("name"):
            page = URIRef(dataset_page(dataset_dict))
            g.add((dataset_ref, DCAT.landingPage, page))
            g.add((page, RDF.type, FOAF.Document))

        frequency = frequency_uri(dataset_dict.get("update_frequency_unit", ""),
                                  dataset_dict.get("update_frequency_interval", ""))
        if frequency is not None:
            g.remove((dataset_ref, DCT.accrualPeriodicity, None))
            g.add((dataset_ref, DCT.accrualPeriodicity, frequency))
            g.add((frequency, RDF.type, DCT.Frequency))

        self._spatial_coverage(dataset_dict, dataset_ref)
        self._period(dataset_dict, dataset_ref)
        for language in _values(dataset_dict.get("data_language")):
            if language in _LANGUAGES:
                uri = URIRef(f"{EU}language/{_LANGUAGES[language][0]}")
                g.add((dataset_ref, DCT.language, uri))
                g.add((uri, RDF.type, DCT.LinguisticSystem))
        for publisher in g.objects(dataset_ref, DCT.publisher):
            tag_bilingual(g, publisher, FOAF.name)
        licence = self._licence(dataset_dict)
        for resource in dataset_dict.get("resources", []):
            self._distribution(resource, URIRef(resource_uri(resource)), licence)

    def _spatial_coverage(self, dataset_dict: dict[str, Any], ref: Node) -> None:
        coverage = dataset_dict.get("geo_coverage") or ""
        if coverage == "อื่นๆ":
            coverage = dataset_dict.get("geo_coverage_other") or coverage
        if coverage == "ประเทศ":  # the whole country: Thailand, in the EU country authority
            self.g.add((ref, DCT.spatial, THAILAND))
            self.g.add((THAILAND, RDF.type, DCT.Location))
        elif coverage and coverage not in ("ไม่มี", "ไม่ทราบ"):
            location = BNode()
            self.g.add((ref, DCT.spatial, location))
            self.g.add((location, RDF.type, DCT.Location))
            self.g.add((location, SKOS.prefLabel, Literal(coverage, lang=lang_of(coverage))))
        bounds = [dataset_dict.get(f"{side}_bound_longitude") for side in ("west", "east", "north", "south")]
        try:
            west, east, north, south = (float(b) for b in bounds)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        box = BNode()
        self.g.add((ref, DCT.spatial, box))
        self.g.add((box, RDF.type, DCT.Location))
        wkt = (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, "
               f"{west} {south}))")
        self.g.add((box, DCAT.bbox, Literal(wkt, datatype=URIRef("http://www.opengis.net/ont/geosparql#wktLiteral"))))

    def _period(self, dataset_dict: dict[str, Any], ref: Node) -> None:
        first = ce_year(dataset_dict.get("first_year_of_data"))
        last = ce_year(dataset_dict.get("last_year_of_data"))
        if first is None and last is None:
            return
        period = BNode()
        self.g.add((ref, DCT.temporal, period))
        self.g.add((period, RDF.type, DCT.PeriodOfTime))
        if first is not None:
            self.g.add((period, DCAT.startDate, Literal(f"{first:04d}", datatype=XSD.gYear)))
        if last is not None:
            self.g.add((period, DCAT.endDate, Literal(f"{last:04d}", datatype=XSD.gYear)))

    def _licence(self, dataset_dict: dict[str, Any]) -> Node | None:
        """The dataset's licence as a ``dct:LicenseDocument`` (its URL when CKAN knows one; GD
        Catalog licences such as "Open Data Common" are titles, so a labelled node otherwise)."""
        title = dataset_dict.get("license_title") or dataset_dict.get("license_id") or ""
        if title == "อื่นๆ":
            title = dataset_dict.get("license_id_other") or title
        if not title:
            return None
        url = dataset_dict.get("license_url")
        licence: Node = URIRef(url) if url else BNode()
        self.g.add((licence, RDF.type, DCT.LicenseDocument))
        self.g.add((licence, RDFS.label, Literal(title)))
        return licence

    def _distribution(self, resource: dict[str, Any], dist: URIRef, licence: Node | None) -> None:
        g = self.g
        for predicate in (DCT.title, DCT.description):
            for value in list(g.objects(dist, predicate)):
                if isinstance(value, Literal) and not value.language:
                    g.remove((dist, predicate, value))
                    for lang, text in by_language(str(value)).items():
                        g.add((dist, predicate, Literal(text, lang=lang)))
        fmt = (resource.get("format") or "").strip().upper().lstrip(".")
        media = _FORMATS.get(fmt)
        mimetype = (resource.get("mimetype") or (media[0] if media else "")).split(";")[0].strip()
        if mimetype and "/" in mimetype:
            g.remove((dist, DCAT.mediaType, None))
            uri = URIRef(IANA + mimetype)
            g.add((dist, DCAT.mediaType, uri))
            g.add((uri, RDF.type, DCT.MediaType))
        if media:
            g.remove((dist, DCT["format"], None))
            uri = URIRef(f"{EU}file-type/{media[1]}")
            g.add((dist, DCT["format"], uri))
            g.add((uri, RDF.type, DCT.MediaTypeOrExtent))
        if licence is not None and not self._object(dist, DCT.license):
            g.add((dist, DCT.license, licence))

    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Node) -> dict[str, Any]:
        """A harvested DCAT dataset -> CKAN: the Thai title, the bilingual description as the
        publisher wrote it, the source's name and page (GD Catalog's ``reference_url_catalog``)."""
        titles = self._by_lang(dataset_ref, DCT.title)
        notes = self._by_lang(dataset_ref, DCT.description)
        if titles:
            dataset_dict["title"] = titles.get("th") or next(iter(titles.values()))
        en_title = titles.get("en", "") if titles.get("th") else ""
        joined = join_notes(notes.get("th", ""), en_title, notes.get("en", ""))
        if joined:
            dataset_dict["notes"] = joined
        page = self._object_value(dataset_ref, DCAT.landingPage)
        if page:
            name = page.rstrip("/").rsplit("/", 1)[-1]
            if _NAME.match(name) and not dataset_dict.get("name"):
                dataset_dict["name"] = name
            self._set_dataset_value(dataset_dict, "reference_url_catalog", page)
        if not dataset_dict.get("license_id"):
            for dist in self._distributions(dataset_ref):
                licence = self._object(dist, DCT.license)
                label = self._object_value(licence, RDFS.label) if licence is not None else ""
                if label:
                    dataset_dict["license_id"] = label
                    break
        descriptions = {str(d): self._by_lang(d, DCT.description) for d in self._distributions(dataset_ref)}
        for resource in dataset_dict.get("resources", []):
            # Both languages of a distribution's description, Thai first, as the publisher wrote it.
            texts = descriptions.get(resource.get("uri") or "", {})
            if len(texts) > 1:
                resource["description"] = "\n\n".join(
                    texts[lang] for lang in sorted(texts, key=lambda lang: lang != "th"))
            # The vocabularies' URIs back to what CKAN shows: "CSV", "text/csv".
            fmt, mimetype = resource.get("format") or "", resource.get("mimetype") or ""
            if fmt.startswith(f"{EU}file-type/"):
                resource["format"] = fmt.rsplit("/", 1)[-1]
            if mimetype.startswith(IANA):
                resource["mimetype"] = mimetype[len(IANA):]
        return dataset_dict

    def _by_lang(self, subject: Node, predicate: URIRef) -> dict[str, str]:
        out: dict[str, str] = {}
        for value in self.g.objects(subject, predicate):
            if isinstance(value, Literal):
                out.setdefault(value.language or lang_of(str(value)), str(value))
        return out

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Node) -> None:
        for predicate in (DCT.title, DCT.description):
            tag_bilingual(self.g, catalog_ref, predicate)


class GDCatalogSchemaOrgProfile(SchemaOrgProfile):
    """schema.org ``Dataset`` of a GD Catalog dataset (the dataset page's JSON-LD)."""

    def additional_fields(self, dataset_ref: Node, dataset_dict: dict[str, Any]) -> None:
        g = self.g
        set_titles(g, dataset_ref, dataset_dict, SCHEMA.name, SCHEMA.alternateName, SCHEMA.description)
        for language in _values(dataset_dict.get("data_language")):
            if language in _LANGUAGES:
                g.add((dataset_ref, SCHEMA.inLanguage, Literal(_LANGUAGES[language][1])))
        coverage = dataset_dict.get("geo_coverage") or ""
        if coverage == "ประเทศ":
            place = BNode()
            g.add((dataset_ref, SCHEMA.spatialCoverage, place))
            g.add((place, RDF.type, SCHEMA.Country))
            g.add((place, SCHEMA.name, Literal("ประเทศไทย", lang="th")))
            g.add((place, SCHEMA.name, Literal("Thailand", lang="en")))
        first = ce_year(dataset_dict.get("first_year_of_data"))
        last = ce_year(dataset_dict.get("last_year_of_data"))
        if first is not None or last is not None:
            g.add((dataset_ref, SCHEMA.temporalCoverage,
                   Literal(f"{first if first is not None else '..'}/{last if last is not None else '..'}")))
        for publisher in g.objects(dataset_ref, SCHEMA.publisher):
            tag_bilingual(g, publisher, SCHEMA.name)
