"""Births: who is born, when and with what — initial mass functions, star-formation histories and
metallicities (later: multiplicity).
"""
