"""Photometry: absolute magnitudes in each band from a star's L, Teff, log g and [Fe/H], and band
extinction for a given A_V.
"""
