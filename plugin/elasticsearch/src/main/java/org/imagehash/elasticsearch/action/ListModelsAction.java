package org.imagehash.elasticsearch.action;

import org.imagehash.model.ModelRegistry;
import org.imagehash.model.ModelsApi;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

import java.io.IOException;
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
        super(NAME);
    }

    public static final class Request extends ActionRequest {
        public Request() {}

        public Request(StreamInput in) throws IOException {
            super(in);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    /** One map per model, in the order and with the keys the REST API shows. */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final List<Map<String, Object>> models;

        Response(List<ModelRegistry.ModelInfo> infos) {
            this.models = infos.stream().map(ModelsApi::describe).toList();
        }

        @SuppressWarnings("unchecked")
        Response(StreamInput in) throws IOException {
            models = (List<Map<String, Object>>) in.readGenericValue();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeGenericValue(models);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().startArray("models");
            for (Map<String, Object> model : models) {
                builder.map(model);
            }
            return builder.endArray().endObject();
        }
    }

    /** Reads manifests (files, no inference): cheap enough for the calling thread. */
    public static final class Transport extends HandledTransportAction<Request, Response> {
        private final ModelRegistry models;

        @Inject
        public Transport(TransportService transportService, ActionFilters actionFilters, ModelRegistry models) {
            super(NAME, transportService, actionFilters, Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
            this.models = models;
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            ActionListener.completeWith(listener, () -> new Response(models.list()));
        }
    }
}
