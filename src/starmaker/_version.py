"""The package version, in its own module so that nothing imports the package root back."""

__version__ = "0.1.0"
