package org.imagehash.opensearch.action;

import org.imagehash.model.IndexModels;
import org.imagehash.model.ModelManifest;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.ModelUpload;
import org.imagehash.model.UnknownModelException;
import org.imagehash.opensearch.registry.ModelIndex;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.engine.VersionConflictEngineException;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Uploads a model in parts ({@value #NAME}): a start request with the manifest, the number of parts, the total length
 * and the SHA-256, then the parts in any order. When the last part is in, the graph is assembled, its length and
 * SHA-256 checked and ONNX Runtime made to open it with the manifest's input and output: the model becomes
 * {@code ready}, or {@code failed} with the reason (answered as a 400). Runs on the generic pool.
 */
public final class PutModelAction extends ActionType<PutModelAction.Response> {

    public static final String NAME = "cluster:admin/image_hash/model/put";
    public static final PutModelAction INSTANCE = new PutModelAction();
    /** {@link Request#part} of a start request. */
    public static final int START = -1;

    private PutModelAction() {
        super(NAME, Response::new);
    }

    public static final class Request extends ActionRequest {
        private final String modelId;
        private final int part;
        private final Map<String, Object> body;

        public Request(String modelId, int part, Map<String, Object> body) {
            this.modelId = modelId;
            this.part = part;
            this.body = body;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            modelId = in.readString();
            part = in.readInt();
            body = in.readMap();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(modelId);
            out.writeInt(part);
            out.writeMap(body);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final Map<String, Object> body;

        Response(Map<String, Object> body) {
            this.body = body;
        }

        Response(StreamInput in) throws IOException {
            body = in.readMap();
        }

        public Map<String, Object> body() {
            return body;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeMap(body);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.map(body);
        }
    }

    public static final class Transport extends HandledTransportAction<Request, Response> {
        private final ModelRegistry models;
        private final ModelIndex index;
        private final ModelLimits limits;
        private final ThreadPool threadPool;

        @Inject
        public Transport(TransportService transportService, ActionFilters actionFilters, ModelRegistry models, ModelIndex index, ModelLimits limits) {
            super(NAME, transportService, actionFilters, Request::new);
            this.models = models;
            this.index = index;
            this.limits = limits;
            this.threadPool = transportService.getThreadPool();
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            threadPool.executor(ThreadPool.Names.GENERIC)
                .execute(() -> ActionListener.completeWith(listener, () -> request.part == START ? start(request) : part(request)));
        }

        private Response start(Request request) throws IOException {
            String id = request.modelId;
            if (ModelRegistry.isValidId(id) == false) {
                throw new IllegalArgumentException("invalid model id [" + id + "]: use letters, digits, '.', '_' and '-' (at most 128)");
            }
            onlyKeys(request.body, Set.of("manifest", "total_parts", "total_length", "sha256"), "the upload's start");
            try {
                ModelRegistry.ModelInfo existing = models.info(id);
                throw conflict("model [" + id + "] already exists (source [" + existing.source() + "]); ids are immutable: upload a new version under a new id");
            } catch (UnknownModelException e) {
                // a new id
            }
            if (request.body.get("manifest") instanceof Map<?, ?> == false) {
                throw new IllegalArgumentException("[manifest] must be the model's model.json, as an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> manifestMap = (Map<String, Object>) request.body.get("manifest");
            ModelManifest.parse(manifestMap, "the manifest of model [" + id + "]");
            ModelUpload.Plan plan;
            try {
                plan = ModelUpload.Plan.of(request.body.get("total_parts"), request.body.get("total_length"), request.body.get("sha256"), limits.maxBytes());
            } catch (ModelUpload.ModelTooLargeException e) {
                throw new OpenSearchStatusException(e.getMessage(), RestStatus.REQUEST_ENTITY_TOO_LARGE);
            }
            byte[] manifestJson = BytesReference.toBytes(BytesReference.bytes(XContentFactory.jsonBuilder().map(manifestMap)));
            IndexModels.Record record = new IndexModels.Record(id, manifestJson, plan, IndexModels.UPLOADING, null, System.currentTimeMillis());
            try {
                index.create(record);
            } catch (VersionConflictEngineException e) {
                throw conflict("model [" + id + "] already exists; ids are immutable: upload a new version under a new id");
            }
            return progress(record, List.of());
        }

        private Response part(Request request) throws IOException {
            String id = request.modelId;
            IndexModels.Record record = ModelRegistry.isValidId(id) ? index.record(id) : null;
            if (record == null) {
                throw new ResourceNotFoundException("no upload of model [" + id + "]; start it with PUT /_plugins/image_hash/models/" + id);
            }
            onlyKeys(request.body, Set.of("data"), "a part");
            byte[] bytes;
            try {
                bytes = ModelUpload.decodePart(record.plan(), request.part, request.body.get("data"));
            } catch (ModelUpload.ModelTooLargeException e) {
                throw new OpenSearchStatusException(e.getMessage(), RestStatus.REQUEST_ENTITY_TOO_LARGE);
            }
            if (IndexModels.UPLOADING.equals(record.state()) == false) {
                // idempotent: the same part again is fine; another one cannot change a finished model
                if (Arrays.equals(bytes, index.part(id, request.part))) {
                    return progress(record, allParts(record));
                }
                throw conflict(
                    "model [" + id + "] is [" + record.state() + "]" + (record.reason() != null ? " (" + record.reason() + ")" : "")
                        + ": its parts cannot change; delete it and upload again"
                );
            }
            index.putPart(id, request.part, bytes);
            List<Integer> received = index.receivedParts(id, record.plan().totalParts());
            if (received.size() < record.plan().totalParts()) {
                return progress(record, received);
            }
            IndexModels.Record done = complete(record);
            if (IndexModels.FAILED.equals(done.state())) {
                throw new IllegalArgumentException("model [" + id + "] failed verification: " + done.reason());
            }
            return progress(done, received);
        }

        /** All parts are in: assemble, verify, and record the outcome. */
        private IndexModels.Record complete(IndexModels.Record record) throws IOException {
            String state = IndexModels.READY;
            String reason = null;
            try {
                byte[] graph = ModelUpload.assemble(record.plan(), n -> index.part(record.id(), n));
                models.validate(record.id(), record.manifestJson(), graph);
            } catch (IllegalArgumentException e) {
                state = IndexModels.FAILED;
                reason = e.getMessage();
            }
            IndexModels.Record done = new IndexModels.Record(record.id(), record.manifestJson(), record.plan(), state, reason, record.createdMillis());
            index.update(done);
            return done;
        }

        private static List<Integer> allParts(IndexModels.Record record) {
            return java.util.stream.IntStream.range(0, record.plan().totalParts()).boxed().toList();
        }

        private static Response progress(IndexModels.Record record, List<Integer> received) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model_id", record.id());
            body.put("state", record.state());
            if (record.reason() != null) {
                body.put("reason", record.reason());
            }
            body.put("total_parts", record.plan().totalParts());
            body.put("parts_received", received.size());
            if (IndexModels.UPLOADING.equals(record.state())) {
                body.put("missing_parts", missing(record.plan().totalParts(), received));
            }
            return new Response(body);
        }

        private static List<Integer> missing(int total, List<Integer> received) {
            List<Integer> missing = new java.util.ArrayList<>();
            for (int n = 0; n < total && missing.size() < 100; n++) {
                if (received.contains(n) == false) {
                    missing.add(n);
                }
            }
            return missing;
        }
    }

    static void onlyKeys(Map<String, Object> body, Set<String> allowed, String what) {
        for (String key : body.keySet()) {
            if (allowed.contains(key) == false) {
                throw new IllegalArgumentException("[" + key + "] is not a key of " + what + "; the keys are " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    static OpenSearchStatusException conflict(String message) {
        return new OpenSearchStatusException(message, RestStatus.CONFLICT);
    }

    /** The node's upload limit ({@code image_hash.models.max_bytes}), injectable. */
    public record ModelLimits(long maxBytes) {}
}
