import gc
import weakref

import pytest

from portal.core.memory import collecting_new_only, freeze_after_warm_up, without_cyclic_gc


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
    made_since = [[n] for n in range(1000)]
    assert serve() == [b"hallo"]
    # Once only: a second freeze would add what was made since (a frozen object that dies
    # leaves the count, so it may also drop a little).
    assert gc.get_freeze_count() <= frozen
    assert len(made_since) == 1000


def test_the_collector_pauses_inside_and_comes_back_even_after_an_error():
    assert gc.isenabled()
    with without_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), without_cyclic_gc():
        raise RuntimeError("halfway")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with without_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_a_kept_block_makes_goes_to_the_oldest_generation():
    with without_cyclic_gc(kept=True):
        made = [[n] for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in made)


def test_a_cycle_made_before_a_kept_block_is_still_collected():
    class Node:
        pass

    node = Node()
    node.self = node
    gone = weakref.ref(node)
    del node
    with without_cyclic_gc(kept=True):
        pass
    assert gone() is None


def test_a_kept_block_in_a_warmed_up_worker_leaves_the_frozen_objects_frozen(unfrozen):
    gc.freeze()  # as freeze_after_warm_up() leaves an app server's worker
    frozen = gc.get_freeze_count()
    with without_cyclic_gc(kept=True):
        made = [[n] for n in range(1000)]
    # Not thawed (that would leave none); a frozen object that dies may leave the count.
    assert gc.get_freeze_count() > frozen * 0.9
    assert gc.isenabled()
    assert len(made) == 1000


def test_collecting_new_only_leaves_alive_objects_out_until_the_end(unfrozen):
    kept = [[n] for n in range(100)]
    with collecting_new_only():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert len(kept) == 100


def test_collecting_new_only_in_a_warmed_up_worker_leaves_the_frozen_objects_frozen(unfrozen):
    gc.freeze()  # as freeze_after_warm_up() leaves an app server's worker
    frozen = gc.get_freeze_count()
    with collecting_new_only():
        pass
    assert gc.get_freeze_count() > frozen * 0.9  # not thawed
