"""``generate``: one deterministic raw export of a dataset, with its manifest.

Everything random comes from ``random.Random`` objects seeded from ``seed`` (no global random, no
clock), in separate streams for headers, values, written forms and errors: the same arguments give
the same bytes, and clean/messy or CSV/xlsx files of one seed hold the same logical rows.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

from dgti_data.datasets import Dataset
from dgti_data.sample.assembly import Layout, PooledText
from dgti_data.sample.forms import Cell, Format, Forms
from dgti_data.sample.makers import Part, Personal, Row, RowMaker
from dgti_data.sample.manifest import ROW_MARK, ManifestWriter, SampleManifest
from dgti_data.sample.office import FIRST_DATA_ROW, OfficeCsvSink, OfficeXlsxSink, open_office_sink
from dgti_data.sample.planting import DUPLICATE_KEY, UNKNOWN_LAO, ErrorPlan, PlannedError
from dgti_data.sample.registry import Registry
from dgti_data.sample.submissions import SubmissionMaker
from dgti_data.sample.survey import SurveyMaker
from dgti_data.sample.writers import XLSX_MAX_DATA_ROWS, Sink, open_sink

MIN_ROWS = 100
MAX_ROWS = 10_000_000
MAX_ENTRIES = 32_768  # pooled entry parts; rows up to this many each get their own entry
BATCH = 5_000  # rows handed to the writer at once (and between progress calls)

MAKERS: dict[str, type[RowMaker]] = {
    "local-digital-submissions": SubmissionMaker,
    "lao-digital-readiness-survey": SurveyMaker,
}

_registries: dict[Path, Registry] = {}


def _registry(reference_dir: Path) -> Registry:
    key = reference_dir.resolve()
    if key not in _registries:
        _registries[key] = Registry(key)
    return _registries[key]


def _streams(seed: int) -> dict[str, random.Random]:
    return {name: random.Random(f"{name}:{seed}") for name in ("headers", "values", "forms", "errors")}


def generate(
    dataset: Dataset,
    out_path: Path,
    rows: int,
    seed: int,
    fmt: Format,
    reference_dir: Path,
    error_rate: float = 0.02,
    messy: bool = True,
    progress: Callable[[int], None] | None = None,
    office: bool = False,
) -> SampleManifest:
    """Write ``rows`` data rows of ``dataset`` to ``out_path`` and ``<name>.manifest.json`` beside it.

    ``messy=False`` writes ISO dates, ASCII digits and no stray characters (still Thai headers and
    personal data), so frictionless can validate the file without a normaliser. ``progress``
    receives the number of rows written so far. ``office=True`` lays the table out as an office's
    form (``sample.office``: instructions sheet, merged titles, two-row header, signature lines);
    the manifest's row numbers are then that file's rows.
    """
    if dataset.name not in MAKERS:
        raise ValueError(f"no sample maker for dataset {dataset.name!r}; known: {', '.join(MAKERS)}")
    if not MIN_ROWS <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between {MIN_ROWS:,} and {MAX_ROWS:,}, got {rows:,}")
    if fmt == "xlsx" and rows > XLSX_MAX_DATA_ROWS:
        raise ValueError(
            f"xlsx holds at most {XLSX_MAX_DATA_ROWS:,} data rows (Excel's limit), got {rows:,}; "
            "use a CSV format for larger samples"
        )
    streams = _streams(seed)
    forms = Forms(streams["forms"], fmt, messy)
    maker = MAKERS[dataset.name](_registry(reference_dir), streams["values"], forms, rows)
    plan = ErrorPlan(dataset, rows, error_rate, streams["errors"])
    hrng = streams["headers"]
    headers = [forms.header(f.source_headers[int(hrng.random() * len(f.source_headers))])
               if f.source_headers else f.name for f in dataset.fields]

    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    manifest = ManifestWriter(out_path)
    sink = open_office_sink(partial, fmt, dataset) if office else open_sink(partial, fmt)
    try:
        if isinstance(sink, OfficeCsvSink | OfficeXlsxSink):
            sink.form_header(headers)
        else:
            sink.header(headers)
        _write_rows(maker, plan, streams["errors"], rows, dataset.field_names, forms, sink, manifest,
                    progress, FIRST_DATA_ROW if office else 2)
        sink.close()
    except BaseException:
        sink.close()
        partial.unlink(missing_ok=True)
        manifest.abort()
        raise
    os.replace(partial, out_path)
    meta = {"dataset": dataset.name, "path": out_path.name, "format": fmt, "rows": rows, "seed": seed,
            "error_rate": error_rate, "messy": messy, "headers": headers, "office_layout": office}
    manifest.finish(meta)
    if progress:
        progress(rows)
    return SampleManifest(
        dataset=dataset.name, path=out_path, format=fmt, rows=rows, seed=seed, error_rate=error_rate,
        messy=messy, headers=headers, planted_errors=manifest.errors,
        personal_value_count=manifest.personal_count,
    )


def _write_rows(
    maker: RowMaker,
    plan: ErrorPlan,
    errors_rng: random.Random,
    rows: int,
    names: list[str],
    forms: Forms,
    sink: Sink,
    manifest: ManifestWriter,
    progress: Callable[[int], None] | None,
    first_row: int,
) -> None:
    """The row loop (data row ``i`` is row ``i + first_row`` of the file). Rows with a planted error
    (and duplicate sources) get parts of their own with every cell at hand; all other rows are
    filled from the pools."""
    layout = Layout(names, maker.row_fields, maker.person_fields, forms.empty)
    csv_out = not forms.typed
    rnd = maker.rng.random
    entries = [maker.entry_part() for _ in range(min(rows, MAX_ENTRIES))]
    persons = [maker.person_part() for _ in range(len(maker.people))]
    entry_texts: list[PooledText] = []
    person_texts: list[PooledText] = []
    if csv_out:  # keep only the joined text: half the memory, and the fast path needs no more
        entry_texts = [layout.pooled(e, layout.entry_runs) for e in entries]
        person_texts = [layout.pooled(p, layout.person_runs) for p in persons]
        entries, persons = [], []
    n_entries = len(entry_texts) if csv_out else len(entries)
    n_persons = len(person_texts) if csv_out else len(persons)

    plans = iter(plan)
    pending: PlannedError | None = next(plans, None)
    stash: tuple[Row, list[Personal]] | None = None
    batch: list = []
    found: list[str] = []
    found_count = 0
    for i in range(rows):
        if pending is not None and (pending.index == i or pending.source == i):
            entry, person = maker.entry_part(), maker.person_part()
            row = layout.merge(maker.row_cells(i, entry.offset), entry, person)
            personal = entry.personal + person.personal
            if pending.source == i:
                stash = (row, personal)
            else:
                row, personal = _plant(pending, row, personal, stash, maker, entry, errors_rng,
                                       forms.empty)
                manifest.error(i + first_row, pending.field, pending.type, pending.constraint)
                pending = next(plans, None)
                stash = None
            cells = layout.cells(row)
            batch.append(layout.csv_line(cells) if csv_out else cells)
            manifest.personal(i + first_row, personal)
        else:
            e = int(rnd() * n_entries) if i >= n_entries else i
            p = int(rnd() * n_persons)
            if csv_out:
                et, pt = entry_texts[e], person_texts[p]
                batch.append(layout.line(maker.row_cells(i, et.offset), et, pt))  # type: ignore[arg-type]
                if et.count or pt.count:
                    found.append((et.manifest + pt.manifest).replace(ROW_MARK, str(i + first_row)))
                    found_count += et.count + pt.count
            else:
                ep, pp = entries[e], persons[p]
                batch.append(layout.cells(layout.merge(maker.row_cells(i, ep.offset), ep, pp)))
                manifest.personal(i + first_row, ep.personal + pp.personal)
        if len(batch) == BATCH:
            sink.rows(batch)
            batch = []
            if found:
                manifest.raw("".join(found), found_count)
                found, found_count = [], 0
            if progress:
                progress(i + 1)
    sink.rows(batch)
    if found:
        manifest.raw("".join(found), found_count)


def _plant(
    error: PlannedError,
    row: Row,
    personal: list[Personal],
    stash: tuple[Row, list[Personal]] | None,
    maker: RowMaker,
    entry: Part,
    rng: random.Random,
    empty: Cell,
) -> tuple[Row, list[Personal]]:
    """The row with its one planted error; the wrong cell is written plainly, never messy."""
    if error.kind == DUPLICATE_KEY:
        assert error.source is not None
        if stash is not None and rng.random() < 0.5:
            return dict(stash[0]), list(stash[1])  # the same entry sent twice
        row[error.field] = maker.key(error.source)  # a new entry reusing an old number
        return row, personal
    if error.kind == UNKNOWN_LAO:
        assert entry.lao is not None
        row[error.field] = maker.registry.unknown_code(rng, entry.lao.province_code)
        return row, personal
    if error.value is None:  # missing required value
        row[error.field] = empty
        return row, personal
    if isinstance(error.value, int) and not maker.forms.typed:
        row[error.field] = str(error.value)
    else:
        row[error.field] = error.value
    return row, personal


