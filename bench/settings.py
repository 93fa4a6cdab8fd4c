"""The benchmark's settings: production settings on loopback (portal.settings.loopback), plus
one reference view that returns a fixed page (bench/urls.py). Used only by `make bench`."""

from portal.settings.loopback import *

ROOT_URLCONF = "bench.urls"
# The server log would measure the terminal, not the portal.
LOGGING["root"]["level"] = "WARNING"
