"""Evolution: every star's state at its age from stellar-model grids — the grid-agnostic EEP
kernels, the MIST loader, lifespans and remnants.
"""
