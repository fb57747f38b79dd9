"""pl.callbacks of the stand-in (see __init__.py); its classes are set there."""
