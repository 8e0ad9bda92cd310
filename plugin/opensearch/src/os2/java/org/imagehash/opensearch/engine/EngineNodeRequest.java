package org.imagehash.opensearch.engine;

import org.opensearch.action.support.nodes.BaseNodeRequest;
import org.opensearch.core.common.io.stream.StreamInput;

import java.io.IOException;

/** OpenSearch 2.x: a nodes action's per-node request extends {@code BaseNodeRequest}. */
public abstract class EngineNodeRequest extends BaseNodeRequest {

    protected EngineNodeRequest() {}

    protected EngineNodeRequest(StreamInput in) throws IOException {
        super(in);
    }
}
