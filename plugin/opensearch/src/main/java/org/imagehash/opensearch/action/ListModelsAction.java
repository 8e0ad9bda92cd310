package org.imagehash.opensearch.action;

import org.imagehash.model.ModelManifest;
import org.imagehash.model.ModelRegistry;
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
import java.util.Locale;
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
            this.models = infos.stream().map(Response::describe).toList();
        }

        @SuppressWarnings("unchecked")
        Response(StreamInput in) throws IOException {
            models = (List<Map<String, Object>>) in.readGenericValue();
        }

        private static Map<String, Object> describe(ModelRegistry.ModelInfo info) {
            ModelManifest m = info.manifest();
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("height", m.height());
            input.put("width", m.width());
            input.put("channels", m.channels());
            input.put("colour_mode", m.colourMode().name().toLowerCase(Locale.ROOT));
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("id", info.id());
            model.put("source", info.source());
            model.put("manifest_id", m.id());
            model.put("bits", m.bits());
            model.put("input", input);
            model.put("method", m.method());
            model.put("dataset", m.dataset());
            model.put("map_all", m.mapAll());
            model.put("loaded", info.loaded());
            model.put("device", info.device());
            return model;
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
            super(NAME, transportService, actionFilters, Request::new);
            this.models = models;
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            ActionListener.completeWith(listener, () -> new Response(models.list()));
        }
    }
}
