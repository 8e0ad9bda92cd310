package org.imagehash.opensearch;

import org.imagehash.model.ModelRegistry;
import org.imagehash.model.PrivilegedAccess;
import org.imagehash.model.BundledModels;
import org.imagehash.model.ConfigFolderModels;
import org.imagehash.model.IndexModels;
import org.imagehash.opensearch.action.DeleteModelAction;
import org.imagehash.opensearch.action.EncodeImageAction;
import org.imagehash.opensearch.engine.ActionClient;
import org.imagehash.opensearch.engine.EngineCompat;
import org.imagehash.opensearch.engine.EnginePlugin;
import org.imagehash.opensearch.engine.NodeActions;
import org.imagehash.opensearch.action.ListModelsAction;
import org.imagehash.opensearch.action.ModelNodesAction;
import org.imagehash.opensearch.action.PutModelAction;
import org.imagehash.opensearch.registry.ModelIndex;
import org.imagehash.opensearch.ingest.ImageHashProcessor;
import org.imagehash.opensearch.mapper.HashCodeFieldMapper;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.opensearch.rest.RestModelsHandler;
import org.imagehash.search.index.MemoryAccounting;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.query.ImageEncoder;
import org.opensearch.action.ActionRequest;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.ingest.Processor;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.CircuitBreakerPlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.plugins.SystemIndexPlugin;
import org.opensearch.indices.SystemIndexDescriptor;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.threadpool.ThreadPool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Image similarity search with deep hash codes in OpenSearch: the {@code hash_code} field, the {@code hamming} query
 * (by code, by image, or like a stored document), the {@code image_hash} ingest processor, and the models API. A thin
 * adapter: the search lives in the engine-neutral core, the models in the model loader.
 */
public class ImageHashPlugin extends EnginePlugin
    implements
        MapperPlugin,
        SearchPlugin,
        IngestPlugin,
        ActionPlugin,
        CircuitBreakerPlugin,
        SystemIndexPlugin {

    /** Name of the circuit breaker that accounts for the cached per-segment structures. */
    public static final String BREAKER_NAME = "hash_code";

    /** The engine line's way of running plugin code with the plugin's own permissions. */
    private static final PrivilegedAccess PRIVILEGED = EngineCompat.PRIVILEGED;

    private final SegmentCache segmentCache = new SegmentCache();
    private final ModelRegistry models;
    private final NodeActions nodeActions = new NodeActions();
    private final ModelIndex modelIndex = new ModelIndex(nodeActions);
    private final PutModelAction.ModelLimits modelLimits;
    private final ImageEncoder encoder;

    /**
     * How OpenSearch creates the plugin: with the node's settings and its config folder (null: only the bundled model).
     * The only public constructor: OpenSearch requires a unique one.
     */
    public ImageHashPlugin(Settings settings, Path configPath) {
        Path modelsDir = configPath == null ? null : configPath.resolve("image_hash").resolve("models");
        // uploaded models' verified graphs are cached under the node's temp folder, which the plugin may write without
        // a grant (the node's data path would need one); it is a cache: a fresh folder only means a reload from the index
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "image_hash", "models");
        List<org.imagehash.model.ModelSource> sources = new java.util.ArrayList<>();
        sources.add(new BundledModels());
        if (modelsDir != null) {
            sources.add(new ConfigFolderModels(modelsDir, PRIVILEGED));
        }
        sources.add(new IndexModels(modelIndex, cache, PRIVILEGED));
        // a call refused by the full inference queue is the engine's own rejection, a 429 that clients know to retry
        this.models = new ModelRegistry(
            sources,
            ImageHashSettings.models(settings),
            PRIVILEGED,
            org.opensearch.core.concurrency.OpenSearchRejectedExecutionException::new
        );
        this.modelLimits = new PutModelAction.ModelLimits(ImageHashSettings.MAX_MODEL_BYTES.get(settings).getBytes());
        this.encoder = new ImageEncoder() {
            @Override
            public byte[] encode(String modelId, byte[] image) {
                return models.get(modelId).encode(image);
            }

            @Override
            public boolean ready(String modelId) {
                return models.loadedDevice(modelId) != null;
            }

            @Override
            public long maxImageBytes() {
                return models.settings().limits().maxBytes();
            }
        };
    }

    /** The registry, the model index and the node's actions are node components, injected into the transport actions. */
    @Override
    protected Collection<Object> components(ActionClient client, ThreadPool threadPool, org.opensearch.common.settings.ClusterSettings clusterSettings) {
        nodeActions.set(client, threadPool);
        // the inference slots and their wait queue follow the cluster settings: an operator tunes them under load
        clusterSettings.addSettingsUpdateConsumer(ImageHashSettings.MAX_CONCURRENCY, models::setMaxConcurrency);
        clusterSettings.addSettingsUpdateConsumer(ImageHashSettings.MAX_WAITING, models::setMaxWaiting);
        return List.of(models, modelIndex, modelLimits, nodeActions);
    }

    @Override
    public Collection<SystemIndexDescriptor> getSystemIndexDescriptors(Settings settings) {
        return List.of(ModelIndex.descriptor());
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
        return Map.of(ImageHashProcessor.TYPE, new ImageHashProcessor.Factory(
                models,
                () -> parameters.ingestService.getClusterService().state(),
                parameters.genericExecutor::accept,
                parameters.threadContext
            ));
    }

    @Override
    public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return List.of(
            new ActionHandler<>(ListModelsAction.INSTANCE, ListModelsAction.Transport.class),
            new ActionHandler<>(EncodeImageAction.INSTANCE, EncodeImageAction.Transport.class),
            new ActionHandler<>(PutModelAction.INSTANCE, PutModelAction.Transport.class),
            new ActionHandler<>(DeleteModelAction.INSTANCE, DeleteModelAction.Transport.class),
            new ActionHandler<>(ModelNodesAction.INSTANCE, ModelNodesAction.Transport.class),
            new ActionHandler<>(ModelNodesAction.EVICT, ModelNodesAction.EvictTransport.class)
        );
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
        return List.of(new RestModelsHandler(ImageHashSettings.MAX_IMAGE_BYTES.get(settings).getBytes()));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return ImageHashSettings.all();
    }

    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        return new BreakerSettings(BREAKER_NAME, ImageHashSettings.BREAKER_LIMIT.get(settings).getBytes(), 1.0);
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
