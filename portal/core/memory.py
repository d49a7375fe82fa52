"""Building large plain structures quickly."""

import gc
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc(*, kept: bool = False):
    """Pause Python's cyclic garbage collector while a large structure is built.

    A report of 30,000 agreements makes millions of small objects (rows, tuples, strings) that
    hold no reference cycles; the collector, triggered again and again by so many allocations,
    traverses all of them each time, which made building the report grow faster than the data
    (3.4 s at three times the benchmark data, 13.9 s at ten times instead of 8 s). Reference
    counting still frees everything; the collector runs again afterwards as usual.

    `kept`: what the block makes outlives it (a report's content, until it is rendered). Its
    objects then go straight to the oldest generation, where the collector would have moved
    them after scanning them all twice; the first of those scans alone was a fifth of the time
    of building the report. What was made before the block is collected first, so that only
    the block's own objects are moved.
    """
    enabled = gc.isenabled()
    if kept:
        gc.collect(1)
    gc.disable()
    try:
        yield
    finally:
        if kept:
            # Everything tracked goes to the permanent generation and back into the oldest one:
            # a move without a scan.
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
