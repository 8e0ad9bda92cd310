package org.imagehash.elasticsearch;

import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestHandler;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Elasticsearch 9 line: transport actions are registered, and REST handlers asked for, with a services record. */
public abstract class EnginePlugin extends Plugin implements ActionPlugin {

    @Override
    public Collection<RestHandler> getRestHandlers(
        RestHandlersServices services,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return restHandlers(services.settings());
    }

    @Override
    public List<ActionHandler> getActions() {
        return actions().stream().map(a -> new ActionHandler(a.type(), a.transport())).toList();
    }

    protected abstract List<EngineAction> actions();

    protected abstract List<RestHandler> restHandlers(Settings settings);
}
