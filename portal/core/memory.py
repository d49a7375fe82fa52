"""Building large plain structures quickly."""

import gc
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc():
    """Pause Python's cyclic garbage collector while a large structure is built.

    A report of 30,000 agreements makes millions of small objects (rows, tuples, strings) that
    hold no reference cycles; the collector, triggered again and again by so many allocations,
    traverses all of them each time, which made building the report grow faster than the data
    (3.4 s at three times the benchmark data, 13.9 s at ten times instead of 8 s). Reference
    counting still frees everything; the collector runs again afterwards as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
