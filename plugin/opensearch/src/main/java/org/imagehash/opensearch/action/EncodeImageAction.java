package org.imagehash.opensearch.action;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.opensearch.ResourceNotFoundException;
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
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.HexFormat;

import static org.opensearch.action.ValidateActions.addValidationError;

/**
 * Encodes one image with a model: its code, as hex. Named like ML Commons' predict ({@value #NAME}): it runs a model,
 * so a security plugin can grant it apart from searching.
 */
public final class EncodeImageAction extends ActionType<EncodeImageAction.Response> {

    public static final String NAME = "cluster:admin/image_hash/model/encode";
    public static final EncodeImageAction INSTANCE = new EncodeImageAction();

    private EncodeImageAction() {
        super(NAME, Response::new);
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

        public byte[] code() {
            return code;
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
            super(NAME, transportService, actionFilters, Request::new);
            this.models = models;
            this.threadPool = transportService.getThreadPool();
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            threadPool.executor(ThreadPool.Names.GENERIC).execute(() -> ActionListener.completeWith(listener, () -> encode(request)));
        }

        private Response encode(Request request) {
            HashModel model;
            try {
                model = models.get(request.modelId);
            } catch (UnknownModelException e) {
                throw new ResourceNotFoundException(e.getMessage());
            } catch (org.imagehash.model.ModelNotReadyException e) {
                throw new org.opensearch.OpenSearchStatusException(e.getMessage(), org.opensearch.core.rest.RestStatus.CONFLICT);
            }
            byte[] code = model.encode(ImageBytes.fromBase64(request.image, "[image]"));
            return new Response(request.modelId, model.manifest().bits(), code);
        }
    }
}
