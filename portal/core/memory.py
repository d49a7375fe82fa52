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


@contextmanager
def collecting_new_only():
    """Leave every object alive now out of the cyclic garbage collector's work until the end.

    For work that makes and frees many short-lived structures with cycles (a report's PDF laid
    out part by part, each part collected when done) beside a large structure that lives
    throughout (the report's content, millions of objects): a collection then traverses only
    what was made since, not the content again and again.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
