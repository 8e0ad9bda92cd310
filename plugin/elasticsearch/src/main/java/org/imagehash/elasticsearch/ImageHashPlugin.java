package org.imagehash.elasticsearch;

import org.imagehash.elasticsearch.action.EncodeImageAction;
import org.imagehash.elasticsearch.action.ListModelsAction;
import org.imagehash.elasticsearch.ingest.ImageHashProcessor;
import org.imagehash.elasticsearch.mapper.HashCodeFieldMapper;
import org.imagehash.elasticsearch.query.HammingQueryBuilder;
import org.imagehash.elasticsearch.rest.RestModelsHandler;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.PrivilegedAccess;
import org.imagehash.search.index.MemoryAccounting;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.query.ImageEncoder;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.mapper.Mapper;
import org.elasticsearch.indices.breaker.BreakerSettings;
import org.elasticsearch.ingest.Processor;
import org.elasticsearch.plugins.CircuitBreakerPlugin;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.MapperPlugin;
import org.elasticsearch.plugins.SearchPlugin;
import org.elasticsearch.rest.RestHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Image similarity search with deep hash codes in Elasticsearch: the {@code hash_code} field, the {@code hamming} query
 * (by code, by image, or like a stored document), the {@code image_hash} ingest processor, and the models API under
 * {@code /_image_hash/models} (Elasticsearch has no {@code _plugins} namespace). The same JSON in and out as the
 * OpenSearch flavour; a thin adapter over the engine-neutral core, model loader and ingest work.
 */
public class ImageHashPlugin extends EnginePlugin implements MapperPlugin, SearchPlugin, IngestPlugin, CircuitBreakerPlugin {

    /** Name of the circuit breaker that accounts for the cached per-segment structures. */
    public static final String BREAKER_NAME = "hash_code";

    private final SegmentCache segmentCache = new SegmentCache();
    private final ModelRegistry models;
    private final ImageEncoder encoder;

    /**
     * How Elasticsearch creates a classic plugin: with the node's settings and its config folder. Entitlements, not a
     * security manager, govern what plugin code may do (entitlement-policy.yaml), so file access needs no privileges.
     */
    public ImageHashPlugin(Settings settings, Path configPath) {
        Path modelsDir = configPath == null ? null : configPath.resolve("image_hash").resolve("models");
        this.models = new ModelRegistry(
            ModelRegistry.sources(modelsDir, PrivilegedAccess.DIRECT),
            ImageHashSettings.models(settings),
            PrivilegedAccess.DIRECT,
            // a call refused by the full inference queue is the engine's own rejection, a 429 that clients know to retry
            org.elasticsearch.common.util.concurrent.EsRejectedExecutionException::new
        );
        this.encoder = new ImageEncoder() {
            @Override
            public byte[] encode(String modelId, byte[] image) {
                return models.get(modelId).encode(image);
            }

            @Override
            public long maxImageBytes() {
                return models.settings().limits().maxBytes();
            }
        };
    }

    /** The model registry is a node component, so that the transport actions get it injected. */
    @Override
    public Collection<?> createComponents(PluginServices services) {
        // the inference slots and their wait queue follow the cluster settings: an operator tunes them under load
        var clusterSettings = services.clusterService().getClusterSettings();
        clusterSettings.addSettingsUpdateConsumer(ImageHashSettings.MAX_CONCURRENCY, models::setMaxConcurrency);
        clusterSettings.addSettingsUpdateConsumer(ImageHashSettings.MAX_WAITING, models::setMaxWaiting);
        return List.of(models);
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(HashCodeFieldMapper.CONTENT_TYPE, HashCodeFieldMapper.parser(segmentCache));
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
        return Map.of(ImageHashProcessor.TYPE, new ImageHashProcessor.Factory(models, parameters.genericExecutor::accept, parameters.threadContext));
    }

    @Override
    protected List<EngineAction> actions() {
        return List.of(
            new EngineAction(ListModelsAction.INSTANCE, ListModelsAction.Transport.class),
            new EngineAction(EncodeImageAction.INSTANCE, EncodeImageAction.Transport.class)
        );
    }

    @Override
    protected List<RestHandler> restHandlers(Settings settings) {
        return List.of(new RestModelsHandler(ImageHashSettings.MAX_IMAGE_BYTES.get(settings).getBytes()));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return ImageHashSettings.all();
    }

    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        return new BreakerSettings(
            BREAKER_NAME,
            ImageHashSettings.BREAKER_LIMIT.get(settings).getBytes(),
            1.0,
            CircuitBreaker.Type.MEMORY,
            CircuitBreaker.Durability.PERMANENT
        );
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker breaker) {
        segmentCache.setMemoryAccounting(new MemoryAccounting() {
            @Override
            public void reserve(long bytes, String label) {
                breaker.addEstimateBytesAndMaybeBreak(bytes, label);
            }

            @Override
            public void release(long bytes) {
                breaker.addWithoutBreaking(-bytes);
            }
        });
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
