package org.imagehash.opensearch.rest;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.node.NodeClient;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.opensearch.rest.RestRequest.Method.POST;

/**
 * {@code POST /_plugins/image_hash/models/{id}/_encode} with {@code {"image": "<base64>"}}: the image's code, as
 * hex. Inference runs on the generic thread pool, never on a network thread.
 */
public final class RestEncodeAction extends BaseRestHandler {

    private final ModelRegistry models;

    public RestEncodeAction(ModelRegistry models) {
        this.models = models;
    }

    @Override
    public String getName() {
        return "image_hash_encode";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_plugins/image_hash/models/{id}/_encode"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String id = request.param("id");
        String image = readImage(request);
        return channel -> client.threadPool().executor(ThreadPool.Names.GENERIC).execute(() -> {
            ActionListener<XContentBuilder> listener = ActionListener.wrap(
                builder -> channel.sendResponse(new BytesRestResponse(RestStatus.OK, builder)),
                e -> {
                    try {
                        channel.sendResponse(new BytesRestResponse(channel, e));
                    } catch (IOException io) {
                        channel.sendResponse(new BytesRestResponse(RestStatus.INTERNAL_SERVER_ERROR, io.toString()));
                    }
                }
            );
            try {
                HashModel model;
                try {
                    model = models.get(id);
                } catch (UnknownModelException e) {
                    throw new ResourceNotFoundException(e.getMessage());
                }
                byte[] code = model.encode(ImageBytes.fromBase64(image, "[image]"));
                XContentBuilder builder = channel.newBuilder();
                builder.startObject()
                    .field("model_id", id)
                    .field("bits", model.manifest().bits())
                    .field("code", HexFormat.of().formatHex(code))
                    .endObject();
                listener.onResponse(builder);
            } catch (Exception e) {
                listener.onFailure(e);
            }
        });
    }

    private static String readImage(RestRequest request) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("[_encode] needs a body: {\"image\": \"<base64>\"}");
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
