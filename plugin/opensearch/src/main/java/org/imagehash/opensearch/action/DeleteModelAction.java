package org.imagehash.opensearch.action;

import org.imagehash.opensearch.engine.NodeActions;
import org.imagehash.model.IndexModels;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.imagehash.opensearch.registry.ModelIndex;
import org.imagehash.opensearch.registry.ModelReferences;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deletes an uploaded model ({@value #NAME}): refused (409) while an ingest pipeline or a field mapping names it,
 * unless forced; then its record and parts leave the model index and every node evicts it from memory and disk.
 */
public final class DeleteModelAction extends ActionType<PutModelAction.Response> {

    public static final String NAME = "cluster:admin/image_hash/model/delete";
    public static final DeleteModelAction INSTANCE = new DeleteModelAction();

    private DeleteModelAction() {
        super(NAME, PutModelAction.Response::new);
    }

    public static final class Request extends ActionRequest {
        private final String modelId;
        private final boolean force;

        public Request(String modelId, boolean force) {
            this.modelId = modelId;
            this.force = force;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            modelId = in.readString();
            force = in.readBoolean();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(modelId);
            out.writeBoolean(force);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    public static final class Transport extends HandledTransportAction<Request, PutModelAction.Response> {
        private final ModelRegistry models;
        private final ModelIndex index;
        private final ClusterService clusterService;
        private final NodeActions client;
        private final ThreadPool threadPool;

        @Inject
        public Transport(
            TransportService transportService,
            ActionFilters actionFilters,
            ModelRegistry models,
            ModelIndex index,
            ClusterService clusterService,
            NodeActions client
        ) {
            super(NAME, transportService, actionFilters, Request::new);
            this.models = models;
            this.index = index;
            this.clusterService = clusterService;
            this.client = client;
            this.threadPool = transportService.getThreadPool();
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<PutModelAction.Response> listener) {
            threadPool.executor(ThreadPool.Names.GENERIC).execute(() -> {
                IndexModels.Record record;
                List<String> users;
                try {
                    record = find(request.modelId);
                    users = ModelReferences.users(clusterService.state(), request.modelId);
                    if (users.isEmpty() == false && request.force == false) {
                        throw PutModelAction.conflict(
                            "model [" + request.modelId + "] is in use by " + String.join(", ", users) + "; delete those first or use ?force=true"
                        );
                    }
                    index.delete(record);
                } catch (Exception e) {
                    listener.onFailure(e);
                    return;
                }
                client.execute(ModelNodesAction.EVICT, new ModelNodesAction.Request(request.modelId), ActionListener.wrap(nodes -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("acknowledged", true);
                    body.put("model_id", request.modelId);
                    body.put("evicted_on_nodes", nodes.getNodes().size());
                    if (nodes.hasFailures()) {
                        body.put("failed_nodes", nodes.failures().stream().map(f -> f.nodeId() + ": " + f.getDetailedMessage()).toList());
                    }
                    if (users.isEmpty() == false) {
                        body.put("was_used_by", users);
                    }
                    listener.onResponse(new PutModelAction.Response(body));
                }, listener::onFailure));
            });
        }

        private IndexModels.Record find(String id) throws IOException {
            IndexModels.Record record = ModelRegistry.isValidId(id) ? index.record(id) : null;
            if (record != null) {
                return record;
            }
            ModelRegistry.ModelInfo info;
            try {
                info = models.info(id);
            } catch (UnknownModelException e) {
                throw new ResourceNotFoundException("no model [" + id + "]");
            }
            throw new IllegalArgumentException(
                "model [" + id + "] is not an uploaded model (source [" + info.source() + "]): remove it from the node's plugin or config folder instead"
            );
        }
    }
}
