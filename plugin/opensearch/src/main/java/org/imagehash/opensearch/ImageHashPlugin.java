package org.imagehash.opensearch;

import org.imagehash.ingest.ImageHashProcessor;
import org.imagehash.model.ModelRegistry;
import org.imagehash.opensearch.rest.RestEncodeAction;
import org.imagehash.opensearch.rest.RestListModelsAction;
import org.imagehash.search.index.SegmentCodesCache;
import org.imagehash.opensearch.mapper.HashCodeFieldMapper;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.search.query.ImageEncoder;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.ingest.Processor;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.CircuitBreakerPlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Image similarity search with deep hash codes: the {@code hash_code} field, the {@code hamming} query (by code, by
 * image, or like a stored document), the {@code image_hash} ingest processor, and the models API.
 */
public class ImageHashPlugin extends Plugin implements MapperPlugin, SearchPlugin, IngestPlugin, ActionPlugin, CircuitBreakerPlugin {

    private final SegmentCodesCache segmentCodes = new SegmentCodesCache();
    private final ModelRegistry models;
    private final ImageEncoder encoder;

    /**
     * How OpenSearch creates the plugin: with the node's settings and its config folder (null: only the bundled model).
     * The only public constructor: OpenSearch requires a unique one.
     */
    public ImageHashPlugin(Settings settings, Path configPath) {
        Path modelsDir = configPath == null ? null : configPath.resolve("image_hash").resolve("models");
        this.models = new ModelRegistry(modelsDir, ImageHashSettings.models(settings));
        this.encoder = (modelId, image) -> models.get(modelId).encode(image);
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(HashCodeFieldMapper.CONTENT_TYPE, HashCodeFieldMapper.parser(segmentCodes));
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(
            new QuerySpec<>(
                HammingQueryBuilder.NAME,
                in -> new HammingQueryBuilder(in, encoder),
                parser -> HammingQueryBuilder.fromXContent(parser, encoder)
            )
        );
    }

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(ImageHashProcessor.TYPE, new ImageHashProcessor.Factory(models));
    }

    @Override
    public List<RestHandler> getRestHandlers(
        Settings settings,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster
    ) {
        return List.of(new RestListModelsAction(models), new RestEncodeAction(models));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return ImageHashSettings.all();
    }

    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        return new BreakerSettings(SegmentCodesCache.BREAKER_NAME, ImageHashSettings.BREAKER_LIMIT.get(settings).getBytes(), 1.0);
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
        segmentCodes.setCircuitBreaker(circuitBreaker);
    }

    /** The node's cache of packed codes (for tests and stats). */
    public SegmentCodesCache segmentCodes() {
        return segmentCodes;
    }

    /** Encodes images with this node's models: for query builders made in Java rather than parsed from JSON. */
    public ImageEncoder imageEncoder() {
        return encoder;
    }

    /** The node's models. */
    public ModelRegistry models() {
        return models;
    }

    @Override
    public void close() throws IOException {
        models.close();
    }
}
