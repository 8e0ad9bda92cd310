package org.imagehash.elasticsearch;

import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Elasticsearch 8 line: transport actions are registered, and REST handlers asked for, with the node's services one by one. */
public abstract class EnginePlugin extends Plugin implements ActionPlugin {

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return restHandlers(settings);
    }

    @Override
    @SuppressWarnings({ "rawtypes", "unchecked" }) // the handler's type parameters only restate the action's
    public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return actions().stream()
            .<ActionHandler<? extends ActionRequest, ? extends ActionResponse>>map(a -> new ActionHandler(a.type(), a.transport()))
            .toList();
    }

    protected abstract List<EngineAction> actions();

    protected abstract List<RestHandler> restHandlers(Settings settings);
}
