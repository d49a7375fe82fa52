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
    the block's own objects are moved. Not in a process that has frozen objects already (an app
    server's worker after `freeze_after_warm_up()`): unfreezing would thaw those too.
    """
    enabled = gc.isenabled()
    kept = kept and gc.get_freeze_count() == 0
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


@contextmanager
def collecting_new_only():
    """Leave every object alive now out of the cyclic garbage collector's work until the end.

    For work that makes and frees many short-lived structures with cycles (a report's PDF laid
    out part by part, each part collected when done) beside a large structure that lives
    throughout (the report's content, millions of objects): a collection then traverses only
    what was made since, not the content again and again. Not in a process that has frozen
    objects already (an app server's worker after `freeze_after_warm_up()`): unfreezing at the
    end would thaw those too.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def freeze_after_warm_up(application, *, requests: int = 50):
    """A WSGI application that, after its first `requests` requests, hands everything then
    alive to the garbage collector's permanent generation (`gc.freeze()`).

    A worker keeps some 130,000 objects for its whole life: Django's modules, models, URL
    patterns and compiled templates, most of them made during the first requests. The cyclic
    collector traverses all of them in each full collection, every few hundred requests, which
    took 85-170 ms of a request that otherwise takes 30: the slowest percent of requests under
    load. Frozen, they are no longer traversed. Garbage is collected once just before, so that
    nothing unreachable is frozen with them; later requests are collected as usual.
    """
    served = 0

    def wsgi(environ, start_response):
        nonlocal served
        try:
            return application(environ, start_response)
        finally:
            if served < requests:
                served += 1
                if served == requests:
                    gc.collect()
                    gc.freeze()

    return wsgi
