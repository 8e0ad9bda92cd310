package org.imagehash.elasticsearch.action;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

import java.io.IOException;
import java.util.HexFormat;

import static org.elasticsearch.action.ValidateActions.addValidationError;

/**
 * Encodes one image with a model: its code, as hex. Named like ML Commons' predict ({@value #NAME}): it runs a model,
 * so a security plugin can grant it apart from searching.
 */
public final class EncodeImageAction extends ActionType<EncodeImageAction.Response> {

    public static final String NAME = "cluster:admin/image_hash/model/encode";
    public static final EncodeImageAction INSTANCE = new EncodeImageAction();

    private EncodeImageAction() {
        super(NAME);
    }

    public static final class Request extends ActionRequest {
        private final String modelId;
        private final String image; // base64

        public Request(String modelId, String image) {
            this.modelId = modelId;
            this.image = image;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            modelId = in.readString();
            image = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(modelId);
            out.writeString(image);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (modelId == null || modelId.isEmpty()) {
                e = addValidationError("[id] of the model is required", e);
            }
            if (image == null || image.isEmpty()) {
                e = addValidationError("[image] must be a non-empty base64 string", e);
            }
            return e;
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String modelId;
        private final int bits;
        private final byte[] code;

        Response(String modelId, int bits, byte[] code) {
            this.modelId = modelId;
            this.bits = bits;
            this.code = code;
        }

        Response(StreamInput in) throws IOException {
            modelId = in.readString();
            bits = in.readVInt();
            code = in.readByteArray();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(modelId);
            out.writeVInt(bits);
            out.writeByteArray(code);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject().field("model_id", modelId).field("bits", bits).field("code", HexFormat.of().formatHex(code)).endObject();
        }
    }

    /** Inference runs on the generic thread pool, never on a network thread. */
    public static final class Transport extends HandledTransportAction<Request, Response> {
        private final ModelRegistry models;
        private final ThreadPool threadPool;

        @Inject
        public Transport(TransportService transportService, ActionFilters actionFilters, ModelRegistry models) {
            super(NAME, transportService, actionFilters, Request::new, transportService.getThreadPool().generic());
            this.models = models;
            this.threadPool = transportService.getThreadPool();
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            threadPool.generic().execute(() -> ActionListener.completeWith(listener, () -> encode(request)));
        }

        private Response encode(Request request) {
            HashModel model;
            try {
                model = models.get(request.modelId);
            } catch (UnknownModelException e) {
                throw new ResourceNotFoundException(e.getMessage());
            }
            byte[] code = model.encode(ImageBytes.fromBase64(request.image, "[image]"));
            return new Response(request.modelId, model.manifest().bits(), code);
        }
    }
}
