package org.imagehash.opensearch.engine;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.transport.TransportRequest;

import java.io.IOException;

/** OpenSearch 3.x: a nodes action's per-node request is a plain transport request. */
public abstract class EngineNodeRequest extends TransportRequest {

    protected EngineNodeRequest() {}

    protected EngineNodeRequest(StreamInput in) throws IOException {
        super(in);
    }
}
