package org.imagehash.opensearch.rest;

import org.imagehash.opensearch.action.EncodeImageAction;
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

import static org.opensearch.rest.RestRequest.Method.GET;
import static org.opensearch.rest.RestRequest.Method.POST;

/**
 * The models API, a thin layer over transport actions (so that a security plugin governs it by action name):
 * <ul>
 *   <li>{@code GET /_plugins/image_hash/models}: {@link ListModelsAction};</li>
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
        return List.of(new Route(GET, PATH), new Route(POST, PATH + "/{id}/_encode"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, ActionClient client) throws IOException {
        if (request.method() == GET) {
            return channel -> client.execute(ListModelsAction.INSTANCE, new ListModelsAction.Request(), new RestToXContentListener<>(channel));
        }
        EncodeImageAction.Request encode = new EncodeImageAction.Request(request.param("id"), readImage(request));
        return channel -> client.execute(EncodeImageAction.INSTANCE, encode, new RestToXContentListener<>(channel));
    }

    private String readImage(RestRequest request) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("[_encode] needs a body: {\"image\": \"<base64>\"}");
        }
        // base64 takes 4 bytes per 3: a larger body cannot hold an image within the limit (and would hit the JSON
        // parser's own string limit first, which answers as a server error)
        long maxBody = maxImageBytes / 3 * 4 + 4096;
        if (request.content().length() > maxBody) {
            throw new OpenSearchStatusException(
                "[_encode] body of " + request.content().length() + " bytes is larger than an image of image_hash.image.max_bytes ["
                    + maxImageBytes + "] can be in base64",
                RestStatus.REQUEST_ENTITY_TOO_LARGE
            );
        }
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            Map<String, Object> body = parser.map();
            for (String key : body.keySet()) {
                if (key.equals("image") == false) {
                    throw new IllegalArgumentException("[_encode] does not support [" + key + "]; the body is {\"image\": \"<base64>\"}");
                }
            }
            if (body.get("image") instanceof String image) {
                return image;
            }
            throw new IllegalArgumentException("[_encode] [image] must be a base64 string, got [" + body.get("image") + "]");
        }
    }
}
