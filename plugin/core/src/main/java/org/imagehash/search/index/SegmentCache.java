package org.imagehash.search.index;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.util.Accountable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node-wide cache of the structures the searches derive from a segment's data: the packed codes
 * ({@link SegmentCodes}) and multi-index hashing's substring tables. Keyed by segment core and structure, built on first
 * use, dropped when the segment core closes (after a merge, or when the shard closes), and charged to the engine's
 * {@link MemoryAccounting}.
 */
public final class SegmentCache {

    private final Map<IndexReader.CacheKey, Map<String, Accountable>> cache = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile MemoryAccounting memory = MemoryAccounting.UNLIMITED;

    public void setMemoryAccounting(MemoryAccounting memory) {
        this.memory = Objects.requireNonNull(memory);
    }

    /** Reads one per-segment structure; null when the segment has nothing for it. */
    @FunctionalInterface
    public interface Loader<T extends Accountable> {
        T load(LeafReader reader) throws IOException;
    }

    /**
     * The codes of {@code field} in a segment, loaded on first call.
     *
     * @return null when no document of the segment has the field
     */
    public SegmentCodes codes(LeafReaderContext context, String field, int bits) throws IOException {
        long estimate = SegmentCodes.estimateBytes(context.reader().maxDoc(), bits);
        return get(context, "codes/" + bits + "/" + field, estimate, reader -> SegmentCodes.load(reader, field, bits));
    }

    /**
     * Any structure derived from a segment's data, built on first use, cached until the segment core closes, and
     * charged: {@code estimate} bytes while it is built, its real size once built.
     *
     * @param key names the structure uniquely within a segment (field, kind and shape)
     * @return null when the loader finds nothing
     */
    public <T extends Accountable> T get(LeafReaderContext context, String key, long estimate, Loader<T> loader) throws IOException {
        return get(context, key, estimate, loader, false);
    }

    /** Marks a structure that the memory accounting refused: it is not asked for again while its segment lives. */
    private static final Accountable REFUSED = () -> 0;

    /**
     * {@link #get}, for a structure that only speeds searches up: where the memory accounting refuses it (the engine's
     * circuit breaker), null, remembered until the segment core closes rather than asked for by every query. Only the
     * refusal is absorbed; a loader's own failure propagates as in {@link #get}.
     */
    public <T extends Accountable> T getIfAllowed(LeafReaderContext context, String key, long estimate, Loader<T> loader) throws IOException {
        T found = get(context, key, estimate, loader, true);
        return found == REFUSED ? null : found;
    }

    @SuppressWarnings("unchecked")
    private <T extends Accountable> T get(LeafReaderContext context, String key, long estimate, Loader<T> loader, boolean optional) throws IOException {
        LeafReader reader = context.reader();
        IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
        if (helper == null) {
            // A reader that cannot tell when it closes cannot be cached (no such reader is on an engine's search path);
            // what it loads lives only as long as this search, like any per-query buffer.
            return loader.load(reader);
        }
        Map<String, Accountable> perCore = cache.computeIfAbsent(helper.getKey(), k -> {
            helper.addClosedListener(this::evict);
            return new ConcurrentHashMap<>();
        });
        T found = (T) perCore.get(key);
        if (found != null) {
            return found;
        }
        try {
            return (T) perCore.computeIfAbsent(key, k -> {
                try {
                    return load(reader, key, estimate, loader, optional);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends Accountable> T load(LeafReader reader, String key, long estimate, Loader<T> loader, boolean optional) throws IOException {
        String label = "hash_code [" + key + "]";
        if (reserve(estimate, label, optional) == false) {
            return (T) REFUSED;
        }
        T loaded;
        try {
            loaded = loader.load(reader);
        } finally {
            memory.release(estimate);
        }
        if (loaded != null) {
            // charged for real only now that the size is known; over the limit, nothing is kept
            if (reserve(loaded.ramBytesUsed(), label, optional) == false) {
                return (T) REFUSED;
            }
            bytes.addAndGet(loaded.ramBytesUsed());
        }
        return loaded;
    }

    /** Charges {@code bytes}; false where an optional structure's charge was refused (a required one's throws). */
    private boolean reserve(long bytes, String label, boolean optional) {
        try {
            memory.reserve(bytes, label);
            return true;
        } catch (RuntimeException refused) { // the engine's circuit-breaking exception
            if (optional) {
                return false;
            }
            throw refused;
        }
    }

    private void evict(IndexReader.CacheKey key) {
        Map<String, Accountable> removed = cache.remove(key);
        if (removed != null) {
            removed.values().forEach(this::release);
        }
    }

    private void release(Accountable structure) {
        memory.release(structure.ramBytesUsed());
        bytes.addAndGet(-structure.ramBytesUsed());
    }

    /** Bytes held by cached structures now. */
    public long ramBytesUsed() {
        return bytes.get();
    }

    /** Number of segment cores with cached structures now. */
    public int cachedSegments() {
        return cache.size();
    }
}
