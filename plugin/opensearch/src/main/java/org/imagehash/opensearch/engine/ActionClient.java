package org.imagehash.opensearch.engine;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;

/**
 * What a REST handler needs of the node's client: running a transport action. The client class itself lives in
 * different packages on OpenSearch 2.x and 3.x ({@link EngineRestHandler} of each line adapts it).
 */
@FunctionalInterface
public interface ActionClient {
    <Q extends ActionRequest, R extends ActionResponse> void execute(ActionType<R> action, Q request, ActionListener<R> listener);
}
