import gc

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
