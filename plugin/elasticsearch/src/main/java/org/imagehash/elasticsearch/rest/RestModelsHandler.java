package org.imagehash.elasticsearch.rest;

import org.imagehash.elasticsearch.action.EncodeImageAction;
import org.imagehash.elasticsearch.action.ListModelsAction;
import org.imagehash.model.ModelsApi;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.client.internal.node.NodeClient;

import java.io.IOException;
import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.POST;

/**
 * The models API, a thin layer over transport actions (so that a security plugin governs it by action name):
 * <ul>
 *   <li>{@code GET /_image_hash/models}: {@link ListModelsAction};</li>
 *   <li>{@code POST /_image_hash/models/{id}/_encode} with {@code {"image": "<base64>"}}: {@link EncodeImageAction}.</li>
 * </ul>
 */
public final class RestModelsHandler extends BaseRestHandler {

    public static final String PATH = "/_image_hash/models";

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
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
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
        if (request.content().length() > ModelsApi.maxEncodeBodyBytes(maxImageBytes)) {
            throw new ElasticsearchStatusException(
                ModelsApi.encodeBodyTooLarge(request.content().length(), maxImageBytes),
                RestStatus.REQUEST_ENTITY_TOO_LARGE
            );
        }
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            return ModelsApi.imageOfEncodeBody(parser.map());
        }
    }
}
