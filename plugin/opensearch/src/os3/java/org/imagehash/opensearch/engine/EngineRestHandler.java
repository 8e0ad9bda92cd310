package org.imagehash.opensearch.engine;

import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import java.io.IOException;

/** A REST handler over transport actions: hides the node client's package (OpenSearch 3.x). */
public abstract class EngineRestHandler extends BaseRestHandler {

    protected abstract RestChannelConsumer prepareRequest(RestRequest request, ActionClient client) throws IOException;

    @Override
    protected final RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        return prepareRequest(request, client::execute);
    }
}
