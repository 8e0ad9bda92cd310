package org.imagehash.search.index;

/**
 * Where the memory of cached per-segment structures is accounted: each engine implements it with its circuit breaker
 * (the way fielddata is charged), so that a node refuses to build past its limit instead of running out of heap.
 */
public interface MemoryAccounting {

    /** Accounts for nothing: structures are cached without a limit (tests, tools). */
    MemoryAccounting UNLIMITED = new MemoryAccounting() {
        @Override
        public void reserve(long bytes, String label) {}

        @Override
        public void release(long bytes) {}
    };

    /**
     * Charges {@code bytes} for the structure named {@code label}.
     *
     * @throws RuntimeException the engine's own "over the limit" error, with nothing charged
     */
    void reserve(long bytes, String label);

    /** Returns bytes charged earlier. */
    void release(long bytes);
}
