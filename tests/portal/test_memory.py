import gc
import weakref

import pytest

from portal.core.memory import without_cyclic_gc


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
