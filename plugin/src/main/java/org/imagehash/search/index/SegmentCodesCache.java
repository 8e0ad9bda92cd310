package org.imagehash.search.index;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.breaker.NoopCircuitBreaker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node-wide cache of {@link SegmentCodes}, keyed by segment core and field, built on first use and dropped when the
 * segment core closes (after a merge, or when the shard closes). Its memory is charged to a circuit breaker the way
 * fielddata is, so a node refuses to build past its limit instead of running out of heap.
 */
public final class SegmentCodesCache {

    /** Name of the circuit breaker that accounts for cached codes. */
    public static final String BREAKER_NAME = "hash_code";

    private final Map<IndexReader.CacheKey, Map<String, SegmentCodes>> cache = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile CircuitBreaker breaker = new NoopCircuitBreaker(BREAKER_NAME);

    public void setCircuitBreaker(CircuitBreaker breaker) {
        this.breaker = Objects.requireNonNull(breaker);
    }

    /**
     * The codes of {@code field} in a segment, loaded on first call.
     *
     * @return null when no document of the segment has the field
     */
    public SegmentCodes get(LeafReaderContext context, String field, int bits) throws IOException {
        LeafReader reader = context.reader();
        IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
        if (helper == null) {
            // A reader that cannot tell when it closes cannot be cached (no such reader is on OpenSearch's search
            // path); its codes live only as long as this search, like any per-query buffer.
            return SegmentCodes.load(reader, field, bits);
        }
        Map<String, SegmentCodes> perCore = cache.computeIfAbsent(helper.getKey(), key -> {
            helper.addClosedListener(this::evict);
            return new ConcurrentHashMap<>();
        });
        SegmentCodes codes = perCore.get(field);
        if (codes != null && codes.bits() == bits) {
            return codes;
        }
        try {
            return perCore.compute(field, (f, existing) -> {
                if (existing != null && existing.bits() == bits) {
                    return existing;
                }
                try {
                    if (existing != null) {
                        release(existing);
                    }
                    return load(reader, f, bits);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private SegmentCodes load(LeafReader reader, String field, int bits) throws IOException {
        long estimate = SegmentCodes.estimateBytes(reader.maxDoc(), bits);
        breaker.addEstimateBytesAndMaybeBreak(estimate, "hash_code codes of field [" + field + "]");
        SegmentCodes codes;
        try {
            codes = SegmentCodes.load(reader, field, bits);
        } finally {
            breaker.addWithoutBreaking(-estimate);
        }
        if (codes != null) {
            breaker.addWithoutBreaking(codes.ramBytesUsed());
            bytes.addAndGet(codes.ramBytesUsed());
        }
        return codes;
    }

    private void evict(IndexReader.CacheKey key) {
        Map<String, SegmentCodes> removed = cache.remove(key);
        if (removed != null) {
            removed.values().forEach(this::release);
        }
    }

    private void release(SegmentCodes codes) {
        breaker.addWithoutBreaking(-codes.ramBytesUsed());
        bytes.addAndGet(-codes.ramBytesUsed());
    }

    /** Bytes held by cached codes now. */
    public long ramBytesUsed() {
        return bytes.get();
    }

    /** Number of segment cores with cached codes now. */
    public int cachedSegments() {
        return cache.size();
    }
}
