package org.imagehash.plugin;

import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.search.mapper.HashCodeFieldMapper;
import org.imagehash.search.query.HammingQueryBuilder;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.plugins.CircuitBreakerPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

import java.util.List;
import java.util.Map;

/**
 * Image similarity search with deep hash codes: the {@code hash_code} field and the {@code hamming} query.
 */
public class ImageHashPlugin extends Plugin implements MapperPlugin, SearchPlugin, CircuitBreakerPlugin {

    /** Heap that the packed per-segment codes may take, as an absolute size or a share of the heap. */
    public static final Setting<ByteSizeValue> BREAKER_LIMIT = Setting.memorySizeSetting(
        "image_hash.breaker.limit",
        "25%",
        Setting.Property.NodeScope
    );

    private final SegmentCodesCache segmentCodes = new SegmentCodesCache();

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(HashCodeFieldMapper.CONTENT_TYPE, HashCodeFieldMapper.parser(segmentCodes));
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(new QuerySpec<>(HammingQueryBuilder.NAME, HammingQueryBuilder::new, HammingQueryBuilder::fromXContent));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(BREAKER_LIMIT);
    }

    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        return new BreakerSettings(SegmentCodesCache.BREAKER_NAME, BREAKER_LIMIT.get(settings).getBytes(), 1.0);
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
        segmentCodes.setCircuitBreaker(circuitBreaker);
    }

    /** The node's cache of packed codes (for tests and stats). */
    public SegmentCodesCache segmentCodes() {
        return segmentCodes;
    }
}
