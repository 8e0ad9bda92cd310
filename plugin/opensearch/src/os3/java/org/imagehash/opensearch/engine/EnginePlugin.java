package org.imagehash.opensearch.engine;

import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.plugins.Plugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.watcher.ResourceWatcherService;

import java.util.Collection;
import java.util.function.Supplier;

/** OpenSearch 3.x: the node's components are created with its client, whose package differs between lines. */
public abstract class EnginePlugin extends Plugin {

    @Override
    public final Collection<Object> createComponents(
        org.opensearch.transport.client.Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        ResourceWatcherService resourceWatcherService,
        ScriptService scriptService,
        NamedXContentRegistry xContentRegistry,
        Environment environment,
        NodeEnvironment nodeEnvironment,
        NamedWriteableRegistry namedWriteableRegistry,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<RepositoriesService> repositoriesServiceSupplier
    ) {
        return components(client::execute, threadPool, clusterService.getClusterSettings());
    }

    /**
     * The plugin's node components (injected into its transport actions), given a way to run transport actions and the
     * cluster settings (for the plugin's dynamic settings).
     */
    protected abstract Collection<Object> components(
        ActionClient client,
        ThreadPool threadPool,
        org.opensearch.common.settings.ClusterSettings clusterSettings
    );
}
