package org.imagehash.opensearch.action;

import org.imagehash.opensearch.engine.NodeActions;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.ModelsApi;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists the models this node can run, with their code length, input, and whether and where they are loaded. A read:
 * {@value #NAME}, which a security plugin's roles can grant apart from the model changes.
 */
public final class ListModelsAction extends ActionType<ListModelsAction.Response> {

    public static final String NAME = "cluster:monitor/image_hash/model/get";
    public static final ListModelsAction INSTANCE = new ListModelsAction();

    private ListModelsAction() {
        super(NAME, Response::new);
    }

    public static final class Request extends ActionRequest {
        private final String modelId; // null: every model

        public Request() {
            this((String) null);
        }

        public Request(String modelId) {
            this.modelId = modelId;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            modelId = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeOptionalString(modelId);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    /** One map per model, in the order and with the keys the REST API shows. */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final List<Map<String, Object>> models;

        private final boolean one;

        Response(List<ModelRegistry.ModelInfo> infos, ModelNodesAction.Response nodes, boolean one) {
            this.models = infos.stream().map(info -> describe(info, nodes)).toList();
            this.one = one;
        }

        @SuppressWarnings("unchecked")
        Response(StreamInput in) throws IOException {
            models = (List<Map<String, Object>>) in.readGenericValue();
            one = in.readBoolean();
        }

        public List<Map<String, Object>> models() {
            return models;
        }

        private static Map<String, Object> describe(ModelRegistry.ModelInfo info, ModelNodesAction.Response nodes) {
            Map<String, Object> model = new LinkedHashMap<>(ModelsApi.describe(info));
            if (info.details().isEmpty()) {
                model.put("state", "ready");
            } else {
                model.putAll(info.details());
            }
            if (nodes != null) {
                Map<String, Object> perNode = new java.util.TreeMap<>();
                for (ModelNodesAction.NodeResponse node : nodes.getNodes()) {
                    String device = node.loaded().get(info.id());
                    Map<String, Object> state = new LinkedHashMap<>();
                    state.put("loaded", device != null);
                    if (device != null) {
                        state.put("device", device);
                    }
                    perNode.put(node.getNode().getName(), state);
                }
                model.put("nodes", perNode);
            }
            return model;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeGenericValue(models);
            out.writeBoolean(one);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            if (one) {
                return builder.map(models.get(0));
            }
            builder.startObject().startArray("models");
            for (Map<String, Object> model : models) {
                builder.map(model);
            }
            return builder.endArray().endObject();
        }
    }

    /**
     * Reads manifests and the model index on the generic pool (the index is read with blocking calls), then asks every
     * node which models it has loaded.
     */
    public static final class Transport extends HandledTransportAction<Request, Response> {
        private final ModelRegistry models;
        private final NodeActions client;
        private final org.opensearch.threadpool.ThreadPool threadPool;

        @Inject
        public Transport(TransportService transportService, ActionFilters actionFilters, ModelRegistry models, NodeActions client) {
            super(NAME, transportService, actionFilters, Request::new);
            this.models = models;
            this.client = client;
            this.threadPool = transportService.getThreadPool();
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            threadPool.executor(org.opensearch.threadpool.ThreadPool.Names.GENERIC).execute(() -> {
                List<ModelRegistry.ModelInfo> infos;
                try {
                    infos = request.modelId == null ? models.list() : List.of(info(request.modelId));
                } catch (Exception e) {
                    listener.onFailure(e);
                    return;
                }
                client.execute(
                    ModelNodesAction.INSTANCE,
                    new ModelNodesAction.Request((String) null),
                    ActionListener.wrap(nodes -> listener.onResponse(new Response(infos, nodes, request.modelId != null)), listener::onFailure)
                );
            });
        }

        private ModelRegistry.ModelInfo info(String id) throws IOException {
            try {
                return models.info(id);
            } catch (org.imagehash.model.UnknownModelException e) {
                throw new org.opensearch.ResourceNotFoundException(e.getMessage());
            }
        }
    }
}
