"""The band registry: every photometric band once.

A :class:`Band` says what a band is — its name (the suffix of the columns ``M_<name>``,
``<name>`` and ``A_<name>``), its photometric system, its zero point (Vega or AB), where its
bolometric correction comes from, its extinction ratio A_band/A_V for a Sun-like star, and its
lowest A_band/A_V over the stars' temperatures (the magnitude-limited survey uses that lower
bound: a star behind A_V of dust is at least ``k_min · A_V`` fainter in the band).

Each band belongs to a *source*: an object that computes absolute magnitudes and extinctions of
a group of bands at once (see :class:`BandSource`). The built-in bands' sources live in this
package and are imported only when first used; :func:`register` adds a band, with its own source
if it brings one, and from then on the schema, limits (``"X<12"``), apparent magnitudes, the
epoch shift and integrated light know it.

The built-in bands are MIST's (source ``"mist"``: every band of the MIST v1.2 bolometric-
correction tables, :mod:`starmaker.photometry.mist_bc`), under short, column-safe names, each
also reachable by its aliases (MIST's own column names and the ``<Survey>_<band>`` spellings):

====================  ===========================================  =====  ==========================
names                 system (MIST table)                          zero   aliases (examples)
====================  ===========================================  =====  ==========================
U B V R I             Johnson-Cousins, Bessell (1990) passbands     Vega   Bessell_V, Rc, Ic
J H Ks                2MASS                                         Vega   2MASS_J, 2MASS_Ks, K
Kp D51                Kepler                                        Vega   Kepler_Kp
Hp                    Hipparcos                                     Vega   Hipparcos_Hp
BT VT                 Tycho                                         Vega   Tycho_B, Tycho_V
G_DR2 BP_DR2 RP_DR2   Gaia DR2, revised passbands                   Vega   Gaia_G_DR2, Gaia_G_DR2Rev
G_MAW BP_MAWb ...     Gaia DR2, Maíz Apellániz & Weiler (2018)      Vega   Gaia_G_MAW
TESS                  TESS                                          Vega   —
G BP RP               Gaia EDR3 (= DR3)                             Vega   Gaia_G_EDR3, Gaia_BP_EDR3
SDSS_u … SDSS_z       SDSS                                          AB     —
PS1_g … PS1_open      Pan-STARRS1                                   AB     PS_g (MIST's name)
SM_u SM_v … SM_z      SkyMapper                                     AB     SkyMapper_u
W1 W2 W3 W4           WISE                                          Vega   WISE_W1
FUV NUV               GALEX                                         AB     GALEX_FUV
====================  ===========================================  =====  ==========================

Zero points are MIST's (its ``zeropoints.txt``). Names are case-sensitive; no single lowercase
letter is an alias (``g`` could be SDSS, Pan-STARRS or SkyMapper). ``a_over_av`` of a MIST band
is its A_band/A_V for the nominal Sun (Teff 5772 K, log g 4.438, [Fe/H] 0; IAU 2015 B3) behind
A_V = 1 mag; ``k_min`` is the smallest A_band/A_V anywhere in the table (every Teff 2500 K –
10⁶ K, log g, [Fe/H] and A_V 0.05 – 6 node) and of the slope the table is extrapolated with past
A_V = 6, rounded down to 1e-4: a bound for every star at every A_V. Both are the table's own,
written here so the registry needs no file; ``tests/test_bands.py`` recomputes them.

The Kurucz/dustapprox photometry that was the default before MIST is kept for comparison as the
source ``"kurucz"`` with bands ``G_kurucz``, ``BP_kurucz``, ``RP_kurucz``, ``B_kurucz`` and
``V_kurucz`` (:mod:`starmaker.photometry.kurucz`).

This module imports nothing heavy: the schema and the limit parser read it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidParameterError, UnknownNameError

__all__ = ["Band", "BandSource", "register", "band", "bands", "names", "source", "resolve",
           "aliases", "DEFAULT_BANDS"]


@dataclass(frozen=True)
class Band:
    """One photometric band.

    ``k_min`` is the smallest A_band / A_V over the temperatures a source covers (a lower bound
    the survey may rely on); ``a_over_av`` the ratio for a Sun-like star (for documentation and
    quick estimates).
    """

    name: str
    system: str
    zero_point: str
    bc_source: str
    a_over_av: float
    k_min: float
    source: str
    description: str = ""
    #: the band's own name inside its system ("u" of SDSS); the label uses it, else ``name``
    passband: str = ""
    #: other names :func:`band` and :func:`resolve` accept for it
    aliases: tuple[str, ...] = ()
    #: the source's own name for the band (MIST: "table/column")
    key: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InvalidParameterError("band name", self.name, "letters, digits and _ (a column suffix)")
        if self.zero_point not in ("Vega", "AB"):
            raise InvalidParameterError("zero_point", self.zero_point, "'Vega' or 'AB'")
        if not (0.0 <= self.k_min <= self.a_over_av):
            raise InvalidParameterError("k_min", self.k_min, f"0 ≤ k_min ≤ a_over_av ({self.a_over_av})")

    @property
    def label(self) -> str:
        """e.g. 'Gaia EDR3 G (Vega)'."""
        return f"{self.system} {self.passband or self.name} ({self.zero_point})"


@runtime_checkable
class BandSource(Protocol):
    """Computes a group of bands at once, from the star's own parameters.

    ``absolute`` returns ``{band: M_band}`` and may add a boolean ``"phot_extrapolated"``;
    ``extinction`` returns ``{band: A_band}`` for stars behind ``a_v`` (mag).
    """

    def absolute(self, log_L, log_Teff, log_g, feh, bands: tuple[str, ...]) -> dict[str, Any]: ...

    def extinction(self, a_v, log_Teff, log_g, feh, bands: tuple[str, ...]) -> dict[str, Any]: ...

    def provenance(self) -> dict[str, str]: ...


#: sources by name: an object, or "module:attribute" imported on first use
_SOURCES: dict[str, Any] = {"mist": "starmaker.photometry.mist_bc:MIST",
                            "kurucz": "starmaker.photometry.kurucz:KURUCZ"}
_BANDS: dict[str, Band] = {}
_ALIASES: dict[str, str] = {}

_MIST_BC = "MIST v1.2 BC tables (Choi et al. 2016; Dotter 2016), astrolachesis copy"
_JC = "Johnson-Cousins (Bessell 1990)"
_MAW = "Gaia DR2 (Maíz Apellániz & Weiler 2018)"

#: every band of the MIST v1.2 BC tables: name, MIST table, MIST column, system, band in it,
#: zero point (MIST zeropoints.txt), a_over_av, k_min (both from the table: module docstring),
#: aliases
_MIST_ROWS = (
    ("U", "UBVRIplus", "Bessell_U", _JC, "U", "Vega", 1.5601, 1.5020, ("Bessell_U",)),
    ("B", "UBVRIplus", "Bessell_B", _JC, "B", "Vega", 1.2995, 1.1372, ("Bessell_B",)),
    ("V", "UBVRIplus", "Bessell_V", _JC, "V", "Vega", 1.0018, 0.9237, ("Bessell_V",)),
    ("R", "UBVRIplus", "Bessell_R", _JC, "R", "Vega", 0.8218, 0.6399, ("Bessell_R", "Rc")),
    ("I", "UBVRIplus", "Bessell_I", _JC, "I", "Vega", 0.6034, 0.5569, ("Bessell_I", "Ic")),
    ("J", "UBVRIplus", "2MASS_J", "2MASS", "J", "Vega", 0.2897, 0.2805, ("2MASS_J",)),
    ("H", "UBVRIplus", "2MASS_H", "2MASS", "H", "Vega", 0.1830, 0.1795, ("2MASS_H",)),
    ("Ks", "UBVRIplus", "2MASS_Ks", "2MASS", "Ks", "Vega", 0.1180, 0.1155, ("2MASS_Ks", "K")),
    ("Kp", "UBVRIplus", "Kepler_Kp", "Kepler", "Kp", "Vega", 0.8492, 0.5668, ("Kepler_Kp",)),
    ("D51", "UBVRIplus", "Kepler_D51", "Kepler", "D51", "Vega", 1.0766, 1.0605, ("Kepler_D51",)),
    ("Hp", "UBVRIplus", "Hipparcos_Hp", "Hipparcos", "Hp", "Vega", 1.0189, 0.6516, ("Hipparcos_Hp",)),
    ("BT", "UBVRIplus", "Tycho_B", "Tycho", "B_T", "Vega", 1.3707, 1.2506, ("Tycho_B",)),
    ("VT", "UBVRIplus", "Tycho_V", "Tycho", "V_T", "Vega", 1.0447, 0.9410, ("Tycho_V",)),
    ("G_DR2", "UBVRIplus", "Gaia_G_DR2Rev", "Gaia DR2 (revised passbands)", "G", "Vega", 0.8469, 0.4769,
     ("Gaia_G_DR2", "Gaia_G_DR2Rev")),
    ("BP_DR2", "UBVRIplus", "Gaia_BP_DR2Rev", "Gaia DR2 (revised passbands)", "BP", "Vega", 1.0635, 0.8696,
     ("Gaia_BP_DR2", "Gaia_BP_DR2Rev")),
    ("RP_DR2", "UBVRIplus", "Gaia_RP_DR2Rev", "Gaia DR2 (revised passbands)", "RP", "Vega", 0.6450, 0.4731,
     ("Gaia_RP_DR2", "Gaia_RP_DR2Rev")),
    ("G_MAW", "UBVRIplus", "Gaia_G_MAW", _MAW, "G", "Vega", 0.8488, 0.5053, ("Gaia_G_MAW",)),
    ("BP_MAWb", "UBVRIplus", "Gaia_BP_MAWb", _MAW, "BP (bright)", "Vega", 1.0581, 0.8649, ("Gaia_BP_MAWb",)),
    ("BP_MAWf", "UBVRIplus", "Gaia_BP_MAWf", _MAW, "BP (faint)", "Vega", 1.0682, 0.8628, ("Gaia_BP_MAWf",)),
    ("RP_MAW", "UBVRIplus", "Gaia_RP_MAW", _MAW, "RP", "Vega", 0.6437, 0.4718, ("Gaia_RP_MAW",)),
    ("TESS", "UBVRIplus", "TESS", "TESS", "T", "Vega", 0.6311, 0.4427, ()),
    ("G", "UBVRIplus", "Gaia_G_EDR3", "Gaia EDR3", "G", "Vega", 0.8490, 0.5022, ("Gaia_G_EDR3",)),
    ("BP", "UBVRIplus", "Gaia_BP_EDR3", "Gaia EDR3", "BP", "Vega", 1.0580, 0.8700, ("Gaia_BP_EDR3",)),
    ("RP", "UBVRIplus", "Gaia_RP_EDR3", "Gaia EDR3", "RP", "Vega", 0.6405, 0.4788, ("Gaia_RP_EDR3",)),
    ("SDSS_u", "SDSSugriz", "SDSS_u", "SDSS", "u", "AB", 1.5733, 1.5250, ()),
    ("SDSS_g", "SDSSugriz", "SDSS_g", "SDSS", "g", "AB", 1.1977, 1.0900, ()),
    ("SDSS_r", "SDSSugriz", "SDSS_r", "SDSS", "r", "AB", 0.8779, 0.8290, ()),
    ("SDSS_i", "SDSSugriz", "SDSS_i", "SDSS", "i", "AB", 0.6739, 0.6238, ()),
    ("SDSS_z", "SDSSugriz", "SDSS_z", "SDSS", "z", "AB", 0.4897, 0.4499, ()),
    ("PS1_g", "PanSTARRS", "PS_g", "Pan-STARRS1", "g", "AB", 1.1562, 1.0528, ("PS_g",)),
    ("PS1_r", "PanSTARRS", "PS_r", "Pan-STARRS1", "r", "AB", 0.8734, 0.8271, ("PS_r",)),
    ("PS1_i", "PanSTARRS", "PS_i", "Pan-STARRS1", "i", "AB", 0.6670, 0.6194, ("PS_i",)),
    ("PS1_z", "PanSTARRS", "PS_z", "Pan-STARRS1", "z", "AB", 0.5138, 0.4940, ("PS_z",)),
    ("PS1_y", "PanSTARRS", "PS_y", "Pan-STARRS1", "y", "AB", 0.4306, 0.4196, ("PS_y",)),
    ("PS1_w", "PanSTARRS", "PS_w", "Pan-STARRS1", "w", "AB", 0.8489, 0.6313, ("PS_w",)),
    ("PS1_open", "PanSTARRS", "PS_open", "Pan-STARRS1", "open", "AB", 0.7469, 0.4618, ("PS_open",)),
    ("SM_u", "SkyMapper", "SkyMapper_u", "SkyMapper", "u", "AB", 1.5617, 0.7056, ("SkyMapper_u",)),
    ("SM_v", "SkyMapper", "SkyMapper_v", "SkyMapper", "v", "AB", 1.5050, 1.4557, ("SkyMapper_v",)),
    ("SM_g", "SkyMapper", "SkyMapper_g", "SkyMapper", "g", "AB", 1.0952, 0.9596, ("SkyMapper_g",)),
    ("SM_r", "SkyMapper", "SkyMapper_r", "SkyMapper", "r", "AB", 0.8832, 0.8153, ("SkyMapper_r",)),
    ("SM_i", "SkyMapper", "SkyMapper_i", "SkyMapper", "i", "AB", 0.6328, 0.5935, ("SkyMapper_i",)),
    ("SM_z", "SkyMapper", "SkyMapper_z", "SkyMapper", "z", "AB", 0.4713, 0.4361, ("SkyMapper_z",)),
    ("W1", "WISE", "WISE_W1", "WISE", "W1", "Vega", 0.0595, 0.0562, ("WISE_W1",)),
    ("W2", "WISE", "WISE_W2", "WISE", "W2", "Vega", 0.0354, 0.0347, ("WISE_W2",)),
    ("W3", "WISE", "WISE_W3", "WISE", "W3", "Vega", 0.0097, 0.0092, ("WISE_W3",)),
    ("W4", "WISE", "WISE_W4", "WISE", "W4", "Vega", 0.0028, 0.0027, ("WISE_W4",)),
    ("FUV", "GALEX", "GALEX_FUV", "GALEX", "FUV", "AB", 2.5151, 2.5095, ("GALEX_FUV",)),
    ("NUV", "GALEX", "GALEX_NUV", "GALEX", "NUV", "AB", 2.2337, 1.8729, ("GALEX_NUV",)),
)

_KURUCZ_BC = "Kurucz grid (dustapprox), Sun-tied zero point"
# Kurucz (kept for comparison): ratios for a Sun-like star (Teff 5772 K) and their lower bounds
# over Teff 3,500–50,000 K, from the dustapprox Kurucz grid (Fitzpatrick 1999, R_V = 3.1) for
# the Gaia bands; B from E(B−V) = A_V / R_V (Cardelli, Clayton & Mathis 1989).
_KURUCZ_ROWS = (
    ("G_kurucz", "Gaia EDR3 (Kurucz grid)", "G", _KURUCZ_BC, 0.875, 0.60),
    ("BP_kurucz", "Gaia EDR3 (Kurucz grid)", "BP", _KURUCZ_BC, 1.116, 0.95),
    ("RP_kurucz", "Gaia EDR3 (Kurucz grid)", "RP", _KURUCZ_BC, 0.645, 0.50),
    ("B_kurucz", "Johnson (Flower 1996 / Torres 2010 B−V)", "B", "V + (B−V)(Teff), Flower 1996 / Torres 2010",
     1.323, 1.32),
    ("V_kurucz", "Johnson (Riello et al. 2021 G−V)", "V", "G − (G−V)(BP−RP), Riello et al. 2021", 1.0, 1.0),
)


def _add(b: Band) -> None:
    for a in (b.name, *b.aliases):
        if a in _BANDS or a in _ALIASES:
            raise InvalidParameterError("band", a, "a name or alias not yet registered")
    _BANDS[b.name] = b
    _ALIASES.update({a: b.name for a in b.aliases})


for _n, _t, _c, _s, _p, _z, _a, _k, _al in _MIST_ROWS:
    _add(Band(_n, _s, _z, _MIST_BC, _a, _k, "mist", f"{_s} {_p}", passband=_p, aliases=_al, key=f"{_t}/{_c}"))
for _n, _s, _p, _bc, _a, _k in _KURUCZ_ROWS:
    _add(Band(_n, _s, "Vega", _bc, _a, _k, "kurucz", f"{_s} {_p}", passband=_p, key=_p))
del _n, _t, _c, _s, _p, _z, _a, _k, _al, _bc

#: the bands every made table carries unless asked otherwise: Gaia EDR3 G, BP, RP; Johnson B, V;
#: 2MASS J, H, Ks — all from MIST's tables
DEFAULT_BANDS: tuple[str, ...] = ("G", "BP", "RP", "B", "V", "J", "H", "Ks")


def register(new: Band, source_impl: BandSource | None = None, *, replace: bool = False) -> Band:
    """Add a band (and, if given, the source that computes it) to the registry."""
    if new.name in _BANDS and not replace:
        raise InvalidParameterError("band", new.name, "a name not yet registered (or replace=True)")
    taken = [a for a in (new.name, *new.aliases) if a in _ALIASES and _ALIASES[a] != new.name]
    if taken:
        raise InvalidParameterError("band", taken[0], "a name or alias no other band has")
    if source_impl is not None:
        _SOURCES[new.source] = source_impl
    elif new.source not in _SOURCES:
        raise UnknownNameError("band source", new.source, list(_SOURCES))
    for a in _BANDS[new.name].aliases if new.name in _BANDS else ():
        _ALIASES.pop(a, None)
    _BANDS[new.name] = new
    _ALIASES.update({a: new.name for a in new.aliases})
    return new


def unregister(name: str) -> None:
    """Remove a band added with :func:`register` (tests use it to leave the registry clean)."""
    if name in DEFAULT_BANDS:
        raise InvalidParameterError("band", name, "a band that is not one of the defaults")
    old = _BANDS.pop(name, None)
    for a in old.aliases if old else ():
        _ALIASES.pop(a, None)


def band(name: str) -> Band:
    """The registered band ``name`` or alias (UnknownNameError with the known names otherwise)."""
    try:
        return _BANDS[name] if name in _BANDS else _BANDS[_ALIASES[name]]
    except KeyError:
        raise UnknownNameError("band", name, list(_BANDS)) from None


def aliases() -> dict[str, str]:
    """Every alias and the name of its band."""
    return dict(_ALIASES)


def names() -> tuple[str, ...]:
    """Every registered band's name, in registration order."""
    return tuple(_BANDS)


def bands() -> tuple[Band, ...]:
    """Every registered band."""
    return tuple(_BANDS.values())


def resolve(spec: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """Band names from a user's choice: None or "default", "all", "G,BP,RP" or a sequence of
    names and aliases ("2MASS_Ks" gives "Ks"); "default" and "all" may also be items of a list.
    Duplicates are dropped, the order kept."""
    if spec is None or spec == "default":
        return DEFAULT_BANDS
    if spec == "all":
        return names()
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in items:
        item = str(item).strip()
        found = DEFAULT_BANDS if item == "default" else names() if item == "all" else (band(item).name,)
        out.extend(n for n in found if n not in out)
    if not out:
        raise InvalidParameterError("bands", spec, "one or more of " + ", ".join(names()))
    return tuple(out)


def source(name: str) -> BandSource:
    """The source object called ``name`` (imported on first use)."""
    impl = _SOURCES[name]
    if isinstance(impl, str):
        module, _, attr = impl.partition(":")
        impl = _SOURCES[name] = getattr(importlib.import_module(module), attr)
    return impl
