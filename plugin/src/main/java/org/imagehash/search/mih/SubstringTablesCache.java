package org.imagehash.search.mih;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's {@link SegmentSubstrings}, keyed by segment core and field, built on first use and dropped when the
 * segment core closes, like the packed codes of {@code SegmentCodesCache}.
 */
public final class SubstringTablesCache {

    /** One per JVM: entries are keyed by segment core, which no two readers share. */
    public static final SubstringTablesCache INSTANCE = new SubstringTablesCache();

    private final Map<IndexReader.CacheKey, Map<String, SegmentSubstrings>> cache = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();

    /** @return null when the segment has no substring terms for {@code field} */
    public SegmentSubstrings get(LeafReaderContext context, String field, SubstringLayout layout) throws IOException {
        LeafReader reader = context.reader();
        IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
        if (helper == null) {
            return SegmentSubstrings.load(reader, field, layout);
        }
        Map<String, SegmentSubstrings> perCore = cache.computeIfAbsent(helper.getKey(), key -> {
            helper.addClosedListener(this::evict);
            return new ConcurrentHashMap<>();
        });
        SegmentSubstrings tables = perCore.get(field);
        if (tables != null && tables.layout().equals(layout)) {
            return tables;
        }
        try {
            return perCore.compute(field, (f, existing) -> {
                if (existing != null && existing.layout().equals(layout)) {
                    return existing;
                }
                try {
                    if (existing != null) {
                        bytes.addAndGet(-existing.ramBytesUsed());
                    }
                    SegmentSubstrings loaded = SegmentSubstrings.load(reader, f, layout);
                    if (loaded != null) {
                        bytes.addAndGet(loaded.ramBytesUsed());
                    }
                    return loaded;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void evict(IndexReader.CacheKey key) {
        Map<String, SegmentSubstrings> removed = cache.remove(key);
        if (removed != null) {
            removed.values().forEach(t -> bytes.addAndGet(-t.ramBytesUsed()));
        }
    }

    /** Bytes held now. */
    public long ramBytesUsed() {
        return bytes.get();
    }
}
