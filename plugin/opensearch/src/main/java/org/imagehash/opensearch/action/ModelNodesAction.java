package org.imagehash.opensearch.action;

import org.imagehash.model.ModelRegistry;
import org.opensearch.action.ActionType;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.threadpool.ThreadPool;
import org.imagehash.opensearch.engine.EngineNodeRequest;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Asks every node which models it has loaded (and on which device), after evicting one model when asked: the per-node
 * half of the models listing and of a model's deletion. Two names, so that a security plugin grants the read alone:
 * {@value #NAME} (read) and {@value #EVICT_NAME} (evict).
 */
public final class ModelNodesAction extends ActionType<ModelNodesAction.Response> {

    public static final String NAME = "cluster:monitor/image_hash/model/nodes";
    public static final String EVICT_NAME = "cluster:admin/image_hash/model/evict";
    public static final ModelNodesAction INSTANCE = new ModelNodesAction(NAME);
    public static final ModelNodesAction EVICT = new ModelNodesAction(EVICT_NAME);

    private ModelNodesAction(String name) {
        super(name, Response::new);
    }

    public static final class Request extends BaseNodesRequest<Request> {
        private final String evict; // null: evict nothing

        public Request(String evict) {
            super((String[]) null);
            this.evict = evict;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            evict = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeOptionalString(evict);
        }
    }

    /** The nodes request, sent on to each node (the usual pattern of nodes actions). */
    public static final class NodeRequest extends EngineNodeRequest {
        private final Request request;

        NodeRequest(Request request) {
            this.request = request;
        }

        NodeRequest(StreamInput in) throws IOException {
            super(in);
            request = new Request(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            request.writeTo(out);
        }
    }

    /** One node's loaded models: id to device. */
    public static final class NodeResponse extends BaseNodeResponse {
        private final Map<String, String> loaded;

        NodeResponse(DiscoveryNode node, Map<String, String> loaded) {
            super(node);
            this.loaded = loaded;
        }

        NodeResponse(StreamInput in) throws IOException {
            super(in);
            loaded = in.readMap(StreamInput::readString, StreamInput::readString);
        }

        public Map<String, String> loaded() {
            return loaded;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeMap(loaded, StreamOutput::writeString, StreamOutput::writeString);
        }
    }

    public static final class Response extends BaseNodesResponse<NodeResponse> {
        Response(ClusterName clusterName, List<NodeResponse> nodes, List<FailedNodeException> failures) {
            super(clusterName, nodes, failures);
        }

        Response(StreamInput in) throws IOException {
            super(in);
        }

        @Override
        protected List<NodeResponse> readNodesFrom(StreamInput in) throws IOException {
            return in.readList(NodeResponse::new);
        }

        @Override
        protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) throws IOException {
            out.writeList(nodes);
        }
    }

    abstract static class Base extends TransportNodesAction<Request, Response, NodeRequest, NodeResponse> {
        private final ModelRegistry models;

        Base(String name, ThreadPool threadPool, ClusterService clusterService, TransportService transportService, ActionFilters actionFilters, ModelRegistry models) {
            super(name, threadPool, clusterService, transportService, actionFilters, Request::new, NodeRequest::new, ThreadPool.Names.GENERIC, NodeResponse.class);
            this.models = models;
        }

        @Override
        protected Response newResponse(Request request, List<NodeResponse> responses, List<FailedNodeException> failures) {
            return new Response(clusterService.getClusterName(), responses, failures);
        }

        @Override
        protected NodeRequest newNodeRequest(Request request) {
            return new NodeRequest(request);
        }

        @Override
        protected NodeResponse newNodeResponse(StreamInput in) throws IOException {
            return new NodeResponse(in);
        }

        @Override
        protected NodeResponse nodeOperation(NodeRequest request) {
            if (request.request.evict != null) {
                models.remove(request.request.evict);
            }
            Map<String, String> loaded = new TreeMap<>();
            for (String id : models.loadedIds()) {
                loaded.put(id, models.loadedDevice(id));
            }
            return new NodeResponse(clusterService.localNode(), loaded);
        }
    }

    public static final class Transport extends Base {
        @Inject
        public Transport(ThreadPool threadPool, ClusterService clusterService, TransportService transportService, ActionFilters actionFilters, ModelRegistry models) {
            super(NAME, threadPool, clusterService, transportService, actionFilters, models);
        }
    }

    public static final class EvictTransport extends Base {
        @Inject
        public EvictTransport(ThreadPool threadPool, ClusterService clusterService, TransportService transportService, ActionFilters actionFilters, ModelRegistry models) {
            super(EVICT_NAME, threadPool, clusterService, transportService, actionFilters, models);
        }
    }
}
