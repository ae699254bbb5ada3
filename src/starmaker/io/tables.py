"""Tables the ecosystem reads: a ``Stars`` as an astropy ``QTable``, a pandas DataFrame, a
``SkyCoord``, and files in FITS, VOTable, ECSV and CSV beside Parquet (chosen by suffix).

Units. The schema's unit strings (``starmaker.schema``) become astropy units: ``Msun`` →
``solMass``, ``mas/yr``, ``km/s``, ``mag`` … as they are; the logarithmic ones become astropy's
logarithmic units (astropy.units.function, Astropy Collaboration 2018, AJ 156, 123):
``log10(Lsun)`` → ``dex(solLum)``, ``log10(K)`` → ``dex(K)``, ``log10(cm s^-2)`` →
``dex(cm / s2)``, ``dex`` ([Fe/H]) → ``dex``. Such a column is a ``Dex`` quantity:
``t["log_L"].physical`` is the luminosity in Lsun. Columns without a unit (text, flags, ids)
have none.

What each file holds:

* Parquet (``.parquet``): starmaker's own format (``io.parquet``); astropy reads it with units.
* FITS (``.fits``): a binary table; ``TUNITn`` in the FITS unit standard (Pence et al. 2010,
  A&A 524, A42, §4.3) where the unit has a FITS form; FITS has no ``dex``, so the four
  logarithmic columns carry no ``TUNITn`` and their ``TCOMMn`` (the description, the convention
  TOPCAT/STILTS read) ends with the unit in brackets, e.g. ``[log10(Lsun)]``. astropy restores
  ``dex(...)`` from its serialized-column header. The meta is JSON in the ``SMMETA`` card.
  FITS text is ASCII: free text with other letters (a ``name`` like "α Cen") is stored as
  UTF-8 bytes.
* VOTable (``.vot``, ``.xml``; version 1.3, BINARY serialization): ``unit`` and ``DESCRIPTION``
  per ``FIELD``, units in the CDS standard VOTable 1.3 names (logarithmic ones in brackets:
  ``[Lsun]``, ``[K]``, ``[cm.s-2]``, ``[-]`` for dex); the meta is JSON in an
  ``INFO name="starmaker"``. astropy's ``Table.read`` gives every unit; its ``QTable.read``
  keeps the four logarithmic columns as plain columns with a warning (astropy reads VOTable
  columns as masked, and a masked quantity cannot hold a logarithmic unit).
* ECSV (``.ecsv``): astropy's Enhanced CSV, whose YAML header holds units, descriptions and meta.
* CSV (``.csv``): plain comma-separated values with one header row of column names, for
  spreadsheets; it carries no units or meta (use ECSV for a CSV with both).

Every write is atomic (``io.parquet.atomic_path``). astropy and pandas are imported only when
one of these is used (``import starmaker`` stays light).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StarmakerError
from ..schema import CATEGORIES, COLUMNS, column
from .parquet import astropy_unit_string, atomic_path, read_parquet, write_parquet

__all__ = [
    "FORMATS",
    "table_format",
    "astropy_unit",
    "to_table",
    "to_pandas",
    "skycoord",
    "write_table",
    "read_table",
    "repr_html",
]

#: file suffix → format name; the formats ``Stars.write`` and every catalogue ``-o`` choose from
FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".fits": "fits",
    ".vot": "votable",
    ".xml": "votable",
    ".ecsv": "ecsv",
    ".csv": "csv",
}
#: the FITS card holding the table's meta as JSON (8 characters: no HIERARCH needed)
FITS_META_CARD = "SMMETA"
#: the VOTable INFO holding the table's meta as JSON
VOTABLE_META_INFO = "starmaker"


def table_format(path: str | os.PathLike) -> str:
    """The format a file's suffix names (see :data:`FORMATS`); StarmakerError for another."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise StarmakerError(f"{path}: unknown table format {suffix or '(no suffix)'!r}; "
                             f"the allowed suffixes are {allowed}.")
    return FORMATS[suffix]


def _schema(name: str):
    try:
        return column(name)
    except StarmakerError:
        return None


def astropy_unit(name: str):
    """The astropy unit of the schema column ``name`` (None for no unit or a name not in it)."""
    import astropy.units as u

    c = _schema(name)
    text = astropy_unit_string(c.unit) if c is not None else None
    return None if text is None else u.Unit(text)


def _text_columns(stars) -> dict[str, np.ndarray]:
    """Text columns as fixed-width NumPy strings (what astropy's readers give back)."""
    out = {}
    for name in stars.columns:
        if name in CATEGORIES:
            names = np.array(CATEGORIES[name])
            out[name] = names[stars.codes(name)]
        elif stars.codes(name).dtype == object:
            out[name] = np.array([str(v) for v in stars.codes(name)], dtype=str)
    return out


def _plain_meta(meta) -> dict[str, Any]:
    """The meta as plain JSON types (NumPy scalars, paths … as the Parquet writer spells them)."""
    return json.loads(json.dumps(dict(meta), default=str))


def to_table(stars):
    """The stars as an astropy ``QTable``: units from the schema (see the module's note),
    ``description`` from the schema, ``meta`` = the stars' provenance. Arrays are not copied
    where astropy can avoid it; text columns become NumPy strings."""
    from astropy.table import QTable

    text = _text_columns(stars)
    t = QTable(meta=_plain_meta(stars.meta))
    for name in stars.columns:
        values = text.get(name, stars.codes(name))
        unit = astropy_unit(name)
        t[name] = values if unit is None else values * unit
        c = _schema(name)
        if c is not None:
            t[name].info.description = c.description
    return t


def to_pandas(stars):
    """The stars as a pandas DataFrame (text columns as pandas categoricals with the schema's
    categories); units and descriptions are in ``df.attrs["units"]`` /
    ``df.attrs["descriptions"]``, the meta in ``df.attrs["meta"]``."""
    import pandas as pd

    data = {}
    for name in stars.columns:
        if name in CATEGORIES:
            data[name] = pd.Categorical.from_codes(stars.codes(name), categories=list(CATEGORIES[name]))
        else:
            data[name] = stars.codes(name)
    df = pd.DataFrame(data, copy=False)
    cols = {n: _schema(n) for n in stars.columns}
    df.attrs = {
        "units": {n: c.unit for n, c in cols.items() if c is not None and c.unit},
        "descriptions": {n: c.description for n, c in cols.items() if c is not None},
        "meta": _plain_meta(stars.meta),
    }
    return df


def skycoord(stars):
    """ICRS ``SkyCoord`` of the stars from ``ra``/``dec`` with, where the table has them,
    ``distance`` (pc), ``pm_ra_cosdec``/``pm_dec`` (from ``pmra``/``pmdec``, mas/yr) and
    ``radial_velocity`` (km/s). ``obstime`` is the meta's ``epoch`` where that is a Julian or
    Besselian epoch (``"J2016.0"``, as the catalogues write); a made sky's numeric epoch (yr
    relative to today) names no absolute time and gives none."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    for need in ("ra", "dec"):
        if need not in stars:
            raise StarmakerError(f"skycoord needs columns 'ra' and 'dec'; this table has {stars.columns}.")
    kw: dict[str, Any] = {"ra": stars["ra"] * u.deg, "dec": stars["dec"] * u.deg, "frame": "icrs"}
    if "distance" in stars:
        kw["distance"] = stars["distance"] * u.pc
    if "pmra" in stars and "pmdec" in stars:
        kw["pm_ra_cosdec"] = stars["pmra"] * (u.mas / u.yr)
        kw["pm_dec"] = stars["pmdec"] * (u.mas / u.yr)
    if "radial_velocity" in stars:
        kw["radial_velocity"] = stars["radial_velocity"] * (u.km / u.s)
    epoch = stars.meta.get("epoch")
    if isinstance(epoch, str) and epoch[:1] in ("J", "B"):
        from astropy.time import Time

        kw["obstime"] = Time(epoch)
    return SkyCoord(**kw)


# -- files -------------------------------------------------------------------------------------
def write_table(stars, path: str | os.PathLike, *, overwrite: bool = True) -> None:
    """Write ``stars`` to ``path`` in the format its suffix names, atomically."""
    fmt = table_format(path)
    path = Path(path)
    if path.exists() and not overwrite:
        raise StarmakerError(f"{path} exists; pass overwrite=True or choose another name.")
    if fmt == "parquet":
        write_parquet(stars, path, overwrite=overwrite)
        return
    with atomic_path(path) as tmp:
        {"fits": _write_fits, "votable": _write_votable, "ecsv": _write_ecsv, "csv": _write_csv}[fmt](
            stars, tmp
        )


def _write_fits(stars, tmp: Path) -> None:
    from astropy.utils.exceptions import AstropyUserWarning

    t = to_table(stars)
    for name in t.colnames:
        if t[name].dtype.kind == "U" and name not in CATEGORIES:
            # FITS characters are ASCII; a name with other letters ("α Cen") goes as UTF-8 bytes,
            # which Stars.read decodes
            description = t[name].info.description
            t[name] = np.char.encode(np.asarray(t[name]), "utf-8")
            t[name].info.description = description
    # header cards from the table's meta: ORIGIN, the meta as JSON (long-string CONTINUE cards),
    # and each column's description as TCOMMn (the convention TOPCAT and STILTS read)
    cards: dict[str, str] = {"ORIGIN": "starmaker", FITS_META_CARD: json.dumps(_plain_meta(stars.meta))}
    for i, name in enumerate(stars.columns, start=1):
        c = _schema(name)
        if c is not None:
            native = c.unit and _fits_unit(t[name].unit) is not None
            cards[f"TCOMM{i}"] = c.description + ("" if native or not c.unit else f" [{c.unit}]")
    t.meta = cards
    with warnings.catch_warnings():
        # the dex columns: astropy keeps their units in its serialized-column header, and TCOMMn
        # says them to other readers (FITS has no logarithmic units; see the module's note)
        warnings.filterwarnings("ignore", message=".*could not be saved in native FITS format",
                                category=AstropyUserWarning)
        t.write(tmp, format="fits", overwrite=True)


def _fits_unit(unit) -> str | None:
    """The unit in the FITS standard's spelling, or None where FITS has none (dex)."""
    if unit is None:
        return None
    try:
        return unit.to_string(format="fits")
    except ValueError:
        return None


#: VOTable datatypes of the NumPy kinds starmaker writes (IVOA VOTable 1.3, Ochsenbein et al. 2013);
#: bool is "boolean", not astropy's default "bit", which STILTS 3.4 cannot read in BINARY
_VOTABLE_TYPES = {"f": "double", "i": "long", "b": "boolean"}


def _write_votable(stars, tmp: Path) -> None:
    from astropy.io.votable.tree import Field, Info, Resource, TableElement, VOTableFile

    # VOTable 1.3 (IVOA, Ochsenbein et al. 2013), whose unit strings follow the CDS syntax (what
    # astropy reads them with): logarithmic units in brackets, [Lsun], [K], [cm.s-2], and [-]
    # for plain dex, as VizieR writes them; astropy, TOPCAT and STILTS read them
    vot = VOTableFile(version="1.3")
    resource = Resource()
    vot.resources.append(resource)
    table = TableElement(vot)
    text = _text_columns(stars)
    for name in stars.columns:
        values = text.get(name, stars.codes(name))
        kw: dict[str, Any] = {"name": name, "ID": name}
        if values.dtype.kind == "U":
            kw |= {"datatype": "unicodeChar", "arraysize": str(max(1, values.dtype.itemsize // 4))}
        else:
            kw["datatype"] = _VOTABLE_TYPES[values.dtype.kind]
            if values.dtype.kind == "i" and values.dtype.itemsize < 8:
                kw["datatype"] = {1: "unsignedByte", 2: "short", 4: "int"}[values.dtype.itemsize]
        unit = astropy_unit(name)
        if unit is not None:
            kw["unit"] = "[-]" if unit == _dex() else unit.to_string(format="cds")
        field = Field(vot, **kw)
        c = _schema(name)
        if c is not None:
            field.description = c.description
        table.fields.append(field)
    table.create_arrays(len(stars))
    for name in stars.columns:
        table.array[name] = text.get(name, stars.codes(name))
    resource.tables.append(table)
    resource.infos.append(Info(name=VOTABLE_META_INFO, value=json.dumps(_plain_meta(stars.meta))))
    vot.to_xml(str(tmp), tabledata_format="binary")  # BINARY: 2.5x faster than BINARY2 in astropy


def _dex():
    import astropy.units as u

    return u.dex


def _write_ecsv(stars, tmp: Path) -> None:
    to_table(stars).write(tmp, format="ascii.ecsv", overwrite=True)


def _write_csv(stars, tmp: Path) -> None:
    import pyarrow.csv as pacsv

    from .parquet import to_arrow

    table = to_arrow(stars)
    pacsv.write_csv(table.replace_schema_metadata(None), tmp)


def read_table(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Columns (text columns as the schema's codes) and meta of a file in any of the
    :data:`FORMATS`."""
    fmt = table_format(path)
    path = Path(path)
    if not path.is_file():
        raise StarmakerError(f"no such file: {path}")
    if fmt == "parquet":
        return read_parquet(path)
    try:
        raw, meta = {"fits": _read_fits, "votable": _read_votable, "ecsv": _read_ecsv,
                     "csv": _read_csv}[fmt](path)
    except (OSError, ValueError, IndexError, KeyError) as exc:  # damaged, or not a table
        raise StarmakerError(f"{path} is not a readable {fmt} table ({exc}).") from exc
    return {name: _from_file(name, values) for name, values in raw.items()}, meta


def _from_file(name: str, values: np.ndarray) -> np.ndarray:
    """A column as read from a file → the array ``Stars`` holds (native byte order, text
    columns as codes, other text as Python strings)."""
    values = np.asarray(values)
    if values.dtype.kind == "S":
        values = np.char.decode(values, "utf-8")
    if name in CATEGORIES:
        names = CATEGORIES[name]
        found, inverse = np.unique(values.astype(str), return_inverse=True)
        unknown = [v for v in found if v not in names]
        if unknown:
            raise StarmakerError(f"column {name!r} has values {unknown} not in {list(names)}.")
        return np.array([names.index(v) for v in found], dtype=np.int8)[inverse.reshape(-1)]
    if values.dtype.kind == "U":
        return values.astype(object)
    c = _schema(name)
    if c is not None and c.dtype in ("float64", "int64", "bool"):
        return values.astype(c.dtype)
    return values.astype(values.dtype.newbyteorder("="))


def _read_fits(path: Path):
    from astropy.io import fits

    with fits.open(path, memmap=False) as hdus:
        hdu = hdus[1]
        data, header = hdu.data, hdu.header
        names = list(hdu.columns.names)
        cols = {n: np.array(data[n]) for n in names}
        raw = header.get(FITS_META_CARD)
    return cols, json.loads(raw) if raw else {}


def _read_votable(path: Path):
    from astropy.io.votable import parse

    vot = parse(str(path))
    table = vot.get_first_table()
    cols = {}
    for field in table.fields:
        arr = table.array[field.name]
        cols[field.name] = arr.filled(np.nan) if arr.dtype.kind == "f" else np.ma.getdata(arr)
    raw = next((i.value for i in vot.iter_info() if i.name == VOTABLE_META_INFO), None)
    return cols, json.loads(raw) if raw else {}


def _read_ecsv(path: Path):
    from astropy.table import Table

    t = Table.read(path, format="ascii.ecsv")
    return {n: np.asarray(t[n]) for n in t.colnames}, dict(t.meta)


def _read_csv(path: Path):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {c.name: pa.string() if c.dtype in ("category", "object") else pa.from_numpy_dtype(c.numpy_dtype)
             for c in COLUMNS}
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    cols = {}
    for n in table.column_names:
        col = table.column(n)
        if pa.types.is_string(col.type):
            cols[n] = np.array(col.to_pylist(), dtype=str)
        else:
            cols[n] = col.to_numpy()
    return cols, {}


# -- notebooks ---------------------------------------------------------------------------------
def repr_html(stars, rows: int = 5) -> str:
    """A short HTML table for notebooks: the count, the first and last ``rows`` rows, the units
    and a summary of the meta (no astropy needed)."""
    from html import escape

    n = len(stars)
    names = stars.columns
    units = {}
    for name in names:
        c = _schema(name)
        units[name] = c.unit if c is not None else ""
    picks = np.arange(n) if n <= 2 * rows else np.r_[0:rows, n - rows:n]
    shown = stars.select(picks)  # decode only the rows shown, however long the table

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.6g}"
        return escape(str(v))

    head = "".join(f"<th>{escape(c)}</th>" for c in names)
    unit_row = "".join(f"<th style='font-weight:normal'>{escape(units[c])}</th>" for c in names)
    values = {c: shown[c] for c in names}
    body = []
    for k in range(len(picks)):
        if n > 2 * rows and k == rows:
            body.append("<tr>" + "".join("<td>…</td>" for _ in names) + "</tr>")
        body.append("<tr>" + "".join(f"<td>{cell(values[c][k])}</td>" for c in names) + "</tr>")
    meta = []
    for key, value in stars.meta.items():
        text = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
        if len(text) > 80:
            text = text[:77] + "..."
        meta.append(f"<li><b>{escape(str(key))}</b>: {escape(text)}</li>")
    return (
        f"<div><p><b>Stars</b>: {n:,} stars, {len(names)} columns</p>"
        f"<table><thead><tr>{head}</tr><tr>{unit_row}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        + (f"<details><summary>meta</summary><ul>{''.join(meta)}</ul></details>" if meta else "")
        + "</div>"
    )
