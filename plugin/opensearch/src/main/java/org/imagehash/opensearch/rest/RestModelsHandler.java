package org.imagehash.opensearch.rest;

import org.imagehash.model.ModelUpload;
import org.imagehash.opensearch.action.DeleteModelAction;
import org.imagehash.model.ModelsApi;
import org.imagehash.opensearch.action.EncodeImageAction;
import org.imagehash.opensearch.action.PutModelAction;
import org.imagehash.opensearch.action.ListModelsAction;
import org.imagehash.opensearch.engine.ActionClient;
import org.imagehash.opensearch.engine.EngineRestHandler;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.opensearch.rest.RestRequest.Method.DELETE;
import static org.opensearch.rest.RestRequest.Method.GET;
import static org.opensearch.rest.RestRequest.Method.POST;
import static org.opensearch.rest.RestRequest.Method.PUT;

/**
 * The models API, a thin layer over transport actions (so that a security plugin governs it by action name):
 * <ul>
 *   <li>{@code GET /_plugins/image_hash/models}: {@link ListModelsAction};</li>
 *   <li>{@code GET /_plugins/image_hash/models/{id}}: one model, {@link ListModelsAction};</li>
 *   <li>{@code PUT /_plugins/image_hash/models/{id}} with the manifest, {@code total_parts}, {@code total_length} and
 *   {@code sha256}, then {@code PUT /_plugins/image_hash/models/{id}/_part/{n}} with {@code {"data": "<base64>"}}:
 *   {@link PutModelAction};</li>
 *   <li>{@code DELETE /_plugins/image_hash/models/{id}[?force=true]}: {@link DeleteModelAction};</li>
 *   <li>{@code POST /_plugins/image_hash/models/{id}/_encode} with {@code {"image": "<base64>"}}: {@link EncodeImageAction}.</li>
 * </ul>
 */
public final class RestModelsHandler extends EngineRestHandler {

    public static final String PATH = "/_plugins/image_hash/models";

    private final long maxImageBytes;

    /** @param maxImageBytes the node's {@code image_hash.image.max_bytes}: larger bodies are refused before parsing */
    public RestModelsHandler(long maxImageBytes) {
        this.maxImageBytes = maxImageBytes;
    }

    @Override
    public String getName() {
        return "image_hash_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(
            new Route(GET, PATH),
            new Route(GET, PATH + "/{id}"),
            new Route(PUT, PATH + "/{id}"),
            new Route(PUT, PATH + "/{id}/_part/{part}"),
            new Route(DELETE, PATH + "/{id}"),
            new Route(POST, PATH + "/{id}/_encode")
        );
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, ActionClient client) throws IOException {
        String id = request.param("id");
        if (request.method() == GET) {
            ListModelsAction.Request list = new ListModelsAction.Request(id);
            return channel -> client.execute(ListModelsAction.INSTANCE, list, new RestToXContentListener<>(channel));
        }
        if (request.method() == DELETE) {
            DeleteModelAction.Request delete = new DeleteModelAction.Request(id, request.paramAsBoolean("force", false));
            return channel -> client.execute(DeleteModelAction.INSTANCE, delete, new RestToXContentListener<>(channel));
        }
        if (request.method() == PUT) {
            PutModelAction.Request put = new PutModelAction.Request(id, partNumber(request), readBody(request));
            return channel -> client.execute(PutModelAction.INSTANCE, put, new RestToXContentListener<>(channel));
        }
        EncodeImageAction.Request encode = new EncodeImageAction.Request(request.param("id"), readImage(request));
        return channel -> client.execute(EncodeImageAction.INSTANCE, encode, new RestToXContentListener<>(channel));
    }

    private static int partNumber(RestRequest request) {
        String part = request.param("part");
        if (part == null) {
            return PutModelAction.START;
        }
        try {
            int n = Integer.parseInt(part);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("part [" + part + "] is out of range: parts are numbered from 0");
    }

    /** A model upload's JSON body; a part's body may hold a part of {@link ModelUpload#MAX_PART_BYTES} in base64. */
    private static Map<String, Object> readBody(RestRequest request) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("a model upload needs a JSON body");
        }
        long maxBody = (long) ModelUpload.MAX_PART_BYTES / 3 * 4 + ModelUpload.MAX_PART_BYTES / 38 + 65536;
        if (request.content().length() > maxBody) {
            throw new OpenSearchStatusException(
                "body of " + request.content().length() + " bytes is too large: a part holds at most " + ModelUpload.MAX_PART_BYTES + " bytes",
                RestStatus.REQUEST_ENTITY_TOO_LARGE
            );
        }
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            return parser.map();
        }
    }

    private String readImage(RestRequest request) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("[_encode] needs a body: {\"image\": \"<base64>\"}");
        }
        if (request.content().length() > ModelsApi.maxEncodeBodyBytes(maxImageBytes)) {
            throw new OpenSearchStatusException(
                ModelsApi.encodeBodyTooLarge(request.content().length(), maxImageBytes),
                RestStatus.REQUEST_ENTITY_TOO_LARGE
            );
        }
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            return ModelsApi.imageOfEncodeBody(parser.map());
        }
    }
}
