"""The output columns of starmaker: names, units, types and meanings. This is the contract.

Every table of stars that starmaker writes or reads (made or real) uses these names. Names never
change meaning; new columns are added at the end of their group. ``describe()`` prints the table,
and the README's column table is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Column", "COLUMNS", "PHASES", "COMPONENTS", "column", "describe", "markdown_table"]

#: Evolutionary phases, in the order of their integer codes inside starmaker.
#: PMS..postAGB and WR follow the MIST phase labels (Choi et al. 2016, Table 2); WD, NS and BH
#: are remnants.
PHASES: tuple[str, ...] = (
    "PMS",
    "MS",
    "RGB",
    "CHeB",
    "EAGB",
    "TPAGB",
    "postAGB",
    "WR",
    "WD",
    "NS",
    "BH",
)

#: Which part of the Galaxy (or which user maker) made a star; "hipparcos" and "gaia" mark
#: measured stars from those catalogues (starmaker.io.catalogues).
COMPONENTS: tuple[str, ...] = (
    "cluster",
    "population",
    "thin_disk",
    "thick_disk",
    "halo",
    "bulge",
    "hipparcos",
    "gaia",
)


@dataclass(frozen=True)
class Column:
    """One output column: its name, unit (empty for dimensionless), dtype and description."""

    name: str
    unit: str
    dtype: str
    description: str

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype("int8") if self.dtype == "category" else np.dtype(self.dtype)


def _band_column(name: str) -> Column | None:
    """The column of a registered band (``M_<band>``, ``<band>``, ``A_<band>``), its meaning
    from the band's label (system, band, zero point), else None."""
    from .photometry import bands

    for prefix, text in (("M_", "absolute {} magnitude; NaN for NS and BH"), ("A_", "extinction in {}"),
                         ("", "apparent {} magnitude, with extinction")):
        if name.startswith(prefix) and name[len(prefix):] in bands.names():
            return Column(name, "mag", "float64", text.format(bands.band(name[len(prefix):]).label))
    return None


COLUMNS: tuple[Column, ...] = (
    # --- birth (make) ---
    Column("mass_initial", "Msun", "float64", "initial (ZAMS) mass"),
    Column("age", "yr", "float64", "time since the star was born"),
    Column("feh", "dex", "float64", "[Fe/H], initial metallicity"),
    # --- life and death (evolve) ---
    Column("mass", "Msun", "float64", "current mass (remnant mass for WD, NS, BH)"),
    Column("log_L", "log10(Lsun)", "float64", "bolometric luminosity; NaN for NS and BH"),
    Column("log_Teff", "log10(K)", "float64", "effective temperature; NaN for NS and BH"),
    Column("log_g", "log10(cm s^-2)", "float64", "surface gravity"),
    Column("radius", "Rsun", "float64", "photospheric radius (remnant radius for WD, NS, BH)"),
    Column("phase", "", "category", "evolutionary phase: " + ", ".join(PHASES)),
    Column(
        "lifespan", "yr", "float64", "age at which nuclear burning ends (end of TP-AGB, or core collapse)"
    ),
    Column("alive", "", "bool", "True while age < lifespan (still burning nuclear fuel)"),
    Column(
        "lifespan_extrapolated",
        "",
        "bool",
        "lifespan lies beyond the grid's 20 Gyr (or above its most massive dying star) "
        "and was extrapolated; see isochrones.lifespan",
    ),
    Column(
        "grid_clamped",
        "",
        "bool",
        "the star's mass lay outside the interpolated isochrone's mass range and was "
        "clamped to its nearest end (pre-main-sequence stars younger than the tracks' start)",
    ),
    # --- brightness (shine) ---
    *(_band_column("M_" + b) for b in ("G", "BP", "RP", "B", "V", "J", "H", "Ks")),
    Column(
        "phot_extrapolated",
        "",
        "bool",
        "Teff, log g or [Fe/H] outside the bolometric-correction grid (MIST: 2500 K-1e6 K, log g "
        "-4 to 9.5, [Fe/H] -4 to +0.75), taken at its edge; or A_V > 6 mag, extrapolated",
    ),
    # --- place (later stages; listed so the names are fixed) ---
    Column("ra", "deg", "float64", "right ascension (ICRS, J2000 equinox)"),
    Column("dec", "deg", "float64", "declination (ICRS)"),
    Column("l", "deg", "float64", "galactic longitude"),
    Column("b", "deg", "float64", "galactic latitude"),
    Column("distance", "pc", "float64", "distance from the Sun"),
    Column("A_V", "mag", "float64", "V-band extinction along the line of sight"),
    *(_band_column(b) for b in ("G", "BP", "RP", "B", "V", "J", "H", "Ks")),
    Column("component", "", "category", "who made the star: " + ", ".join(COMPONENTS)),
    Column(
        "healpix",
        "",
        "int64",
        "HEALPix pixel (nested ordering, ICRS, the making nside, 16 by default) in which a "
        "magnitude-limited sky made the star; its seed is spawned from the user's seed and this id",
    ),
    # --- systems (births.multiplicity; only in tables made with a multiplicity model) ---
    Column("system_id", "", "int64", "the star's system: the same number for a primary and its companions "
           "(0, 1, 2... in the order made; in a Milky Way sky, healpix * 2^32 + the primary's row in its "
           "pixel's draw, hosts 2^31 + theirs)"),
    Column("system_size", "", "int64", "how many stars the system has (1 for a single star)"),
    Column("q", "", "float64", "a companion's mass ratio M2/M1 to its primary's initial mass; NaN for "
           "primaries and single stars"),
    Column("period", "d", "float64", "a companion's orbital period about its primary; NaN for primaries, "
           "single stars and models without orbits"),
    Column("separation_au", "au", "float64", "a companion's orbital semi-major axis (Kepler's third law); "
           "NaN where period is"),
    Column("unresolved", "", "bool", "a companion closer to its primary than the resolution: its light "
           "is in the primary's magnitudes (count sources with ~unresolved)"),
    # --- real stars (catalogues: see realsky; positions are at the epoch in the table's meta) ---
    Column("hip", "", "int64", "Hipparcos catalogue number (HIP); 0 for a star without one"),
    Column("source_id", "", "int64", "Gaia DR3 source_id; 0 for a star without one"),
    Column("parallax", "mas", "float64", "trigonometric parallax as measured (catalogue stars; made stars "
           "after observe.gaia_errors, else their true value); NaN where the catalogue has none"),
    Column(
        "pmra",
        "mas/yr",
        "float64",
        "proper motion in right ascension, mu_alpha* = mu_alpha cos(dec); NaN where unknown",
    ),
    Column("pmdec", "mas/yr", "float64", "proper motion in declination; NaN where unknown"),
    Column(
        "radial_velocity",
        "km/s",
        "float64",
        "heliocentric radial velocity (positive: receding); NaN where unknown. Made stars get "
        "pmra, pmdec and radial_velocity from their component's kinematics (see kinematics)",
    ),
    # --- the sky an observer sees (sky.look, sky.visible_list, `starmaker sky --list`) ---
    Column("name", "", "object", "IAU proper name, else Bayer/Flamsteed designation, else 'HIP n'; "
           "made stars '<component> #<row>'; planets and the Moon by name"),
    Column("kind", "", "object", "star, planet or moon"),
    Column("alt", "deg", "float64", "apparent altitude above the horizon, refracted, at the observer's time"),
    Column("az", "deg", "float64", "azimuth, from north through east"),
    Column("airmass", "", "float64", "relative air mass toward the star (1 at the zenith); NaN when down"),
    Column("V_limit", "mag", "float64", "faintest V (above the atmosphere) the naked eye sees in that "
           "direction, Schaefer's model: sky glow, twilight, moonlight and extinction; NaN where not judged"),
    Column("visible", "", "bool", "True where the naked eye sees the star: up, and V_eye <= V_limit"),
    Column("V_eye", "mag", "float64", "V of the light the eye sees: the star with every star closer than "
           "the eye resolves (1'/Snellen ratio), on the brightest of them; NaN on the others"),
    Column("n_lights", "", "int64", "how many stars make the light the eye sees here (1 a single star, "
           "0 one absorbed into a brighter neighbour's light)"),
    # --- what Gaia would measure (observe.gaia_errors): Gaia archive names are the OBSERVED values,
    # *_true the true ones; NaN for stars fainter than the release's limit (G > 20.7) ---
    Column("parallax_true", "mas", "float64", "true parallax of a made star, 1000 / distance"),
    Column("pmra_true", "mas/yr", "float64",
           "true proper motion in right ascension (mu_alpha*) of a made star"),
    Column("pmdec_true", "mas/yr", "float64", "true proper motion in declination of a made star"),
    Column("parallax_error", "mas", "float64", "parallax uncertainty (Gaia performance model, PyGaia); "
           "made stars' `parallax` is then the true value plus this times a standard normal"),
    Column("pmra_error", "mas/yr", "float64", "uncertainty of pmra (mu_alpha*)"),
    Column("pmdec_error", "mas/yr", "float64", "uncertainty of pmdec"),
    Column("ra_error", "mas", "float64",
           "uncertainty of ra, in true arc (sigma_alpha* = sigma_alpha cos dec)"),
    Column("dec_error", "mas", "float64", "uncertainty of dec"),
    Column("phot_g_mean_mag", "mag", "float64", "observed Gaia G: G plus noise of phot_g_mean_mag_error"),
    Column("phot_bp_mean_mag", "mag", "float64", "observed Gaia BP: BP plus noise of phot_bp_mean_mag_error"),
    Column("phot_rp_mean_mag", "mag", "float64", "observed Gaia RP: RP plus noise of phot_rp_mean_mag_error"),
    Column("phot_g_mean_mag_error", "mag", "float64",
           "uncertainty of phot_g_mean_mag (Riello et al. 2021 model)"),
    Column("phot_bp_mean_mag_error", "mag", "float64", "uncertainty of phot_bp_mean_mag"),
    Column("phot_rp_mean_mag_error", "mag", "float64", "uncertainty of phot_rp_mean_mag"),
    Column("bp_rp", "mag", "float64", "observed colour, phot_bp_mean_mag - phot_rp_mean_mag"),
)

#: the columns of binaries and multiples (births.multiplicity), in tables made with companions
SYSTEM_COLUMNS = ("system_id", "system_size", "q", "period", "separation_au", "unresolved")
#: the columns that a survey's measurement adds (observe.gaia_errors), never a made sky by itself
GAIA_COLUMNS = tuple(c.name for c in COLUMNS[[c.name for c in COLUMNS].index("parallax_true"):])
#: the columns that only an observation has: an observer's view (sky.look, sky.visible_list), never
#: a catalogue, and a survey's measurement (GAIA_COLUMNS)
OBSERVED_COLUMNS = ("name", "kind", "alt", "az", "airmass", "V_limit", "visible", "V_eye",
                    "n_lights") + GAIA_COLUMNS
_BY_NAME = {c.name: c for c in COLUMNS}
CATEGORIES: dict[str, tuple[str, ...]] = {"phase": PHASES, "component": COMPONENTS}


#: The other tables starmaker writes, as CSV, each with its columns (same units and conventions).
TABLES: dict[str, tuple[Column, ...]] = {
    "visible.csv (starmaker sky --list)": tuple(
        Column(n, u, t, d) for n, u, t, d in (
            ("name", "", "text", "proper name, designation or catalogue id (see `name` above)"),
            ("hip", "", "int64", "Hipparcos number; empty for made stars, planets and the Moon"),
            ("kind", "", "text", "star, planet or moon"),
            ("alt", "deg", "float64", "apparent altitude, refracted"),
            ("az", "deg", "float64", "azimuth, from north through east"),
            ("V", "mag", "float64", "V magnitude above the atmosphere"),
            ("airmass", "", "float64", "relative air mass toward the object"),
            ("V_limit", "mag", "float64", "faintest V seen in that direction"),
        )
    ),
    "timeline.csv (starmaker timeline)": tuple(
        Column(n, u, t, d) for n, u, t, d in (
            ("epoch", "yr", "float64", "epoch relative to today (negative: the past)"),
            ("n_visible", "", "int64", "stars brighter than the limit"),
            ("n_OB", "", "int64", "visible stars of spectral type O or B (Teff >= 10,000 K)"),
            ("n_giants", "", "int64", "visible stars on the RGB, core-He burning or on the AGB"),
            ("brightest", "mag", "float64", "V magnitude of the brightest visible star"),
            ("n_born", "", "int64", "visible stars born since the previous epoch (empty in the first row)"),
            ("n_died", "", "int64",
             "stars visible at the previous epoch that died before this one (empty in the first row)"),
        )
    ),
    "compare.csv (starmaker compare)": tuple(
        Column(n, u, t, d) for n, u, t, d in (
            ("maker", "", "text", "the maker's name"),
            ("epoch", "yr", "float64", "time since the maker's first stars formed"),
            ("n_formed", "", "int64", "stars formed by then"),
            ("n_shining", "", "int64", "stars still burning nuclear fuel"),
            ("shining_fraction", "", "float64", "n_shining / n_formed"),
            ("median_remaining_life", "yr", "float64", "median life left of the stars still shining"),
            ("brightest_M_V", "mag", "float64", "absolute V magnitude of the brightest star"),
            ("L_bol", "Lsun", "float64", "total bolometric luminosity"),
            ("M_V", "mag", "float64", "integrated absolute V magnitude"),
            ("B_V", "mag", "float64", "integrated B − V"),
            ("M_G", "mag", "float64", "integrated absolute Gaia G magnitude"),
            ("BP_RP", "mag", "float64", "integrated BP − RP"),
            ("ML_V", "Msun/Lsun", "float64", "mass in stars and remnants over V-band luminosity"),
            ("remnant_fraction", "", "float64", "fraction of the initial mass locked in remnants"),
        )
    ),
}


def tables_markdown() -> str:
    """The CSV tables' columns as Markdown (used in the README)."""
    out = []
    for name, cols in TABLES.items():
        out.append(f"`{name}`:\n")
        out.append("| column | unit | meaning |")
        out.append("|---|---|---|")
        out.extend(f"| `{c.name}` | {c.unit or '—'} | {c.description} |" for c in cols)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def column(name: str) -> Column:
    """The schema entry for ``name`` (raises UnknownNameError for a name not in the schema)."""
    from .errors import UnknownNameError

    if name in _BY_NAME:
        return _BY_NAME[name]
    found = band_column(name)
    if found is None:
        raise UnknownNameError("column", name, list(_BY_NAME))
    return found


def band_column(name: str) -> Column | None:
    """The column of a registered band (``M_<band>``, ``<band>``, ``A_<band>``), else None."""
    return _band_column(name)


def markdown_table() -> str:
    """The schema as a Markdown table (used in the README)."""
    rows = ["| column | unit | type | meaning |", "|---|---|---|---|"]
    for c in COLUMNS:
        t = "text" if c.dtype in ("category", "object") else c.dtype
        rows.append(f"| `{c.name}` | {c.unit or '—'} | {t} | {c.description} |")
    return "\n".join(rows)


def describe() -> str:
    """The schema as plain text, one column per line."""
    w = max(len(c.name) for c in COLUMNS)
    return "\n".join(f"{c.name:<{w}}  {c.unit or '-':<14} {c.description}" for c in COLUMNS)
