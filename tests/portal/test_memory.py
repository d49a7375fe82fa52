import gc
import weakref

import pytest

from portal.core.memory import freeze_after_warm_up


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hallo"]


def test_objects_alive_after_the_warm_up_are_frozen_and_garbage_is_not(unfrozen):
    application = freeze_after_warm_up(hello, requests=3)

    class Cycle:
        pass

    def serve():
        return application({}, lambda status, headers: None)

    assert serve() == [b"hallo"]
    assert serve() == [b"hallo"]
    assert gc.get_freeze_count() == 0  # still warming up
    garbage = Cycle()
    garbage.me = garbage
    garbage_ref = weakref.ref(garbage)
    del garbage  # unreachable, kept alive only by its own cycle
    gc.disable()  # so that only the warm-up collects it
    try:
        assert serve() == [b"hallo"]
    finally:
        gc.enable()
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the modules, functions and objects of this process
    assert garbage_ref() is None  # collected, not frozen
    assert serve() == [b"hallo"]
    assert gc.get_freeze_count() == frozen  # once only
