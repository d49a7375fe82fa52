"""How long a test lets a request or a render take before it calls the work unbounded.

Not a speed goal: the benchmarks (`markdown_benchmark`, `load_benchmark`) print the real
times, which are a fraction of a second. A quadratic or exponential algorithm on our longest
inputs takes minutes, so a bound of a few seconds catches it, while a machine busy with other
work (these have two cores) does not make the test fail.
"""

SAFETY_BOUND_SECONDS = 10
