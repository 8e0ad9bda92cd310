package org.imagehash.opensearch.rest;

import org.imagehash.model.ModelManifest;
import org.imagehash.model.ModelRegistry;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import java.util.List;
import java.util.Locale;

import static org.opensearch.rest.RestRequest.Method.GET;

/**
 * {@code GET /_plugins/image_hash/models}: the models this node can run (bundled and from
 * {@code config/image_hash/models/}), with their code length, input, and whether and where they are loaded.
 */
public final class RestListModelsAction extends BaseRestHandler {

    private final ModelRegistry models;

    public RestListModelsAction(ModelRegistry models) {
        this.models = models;
    }

    @Override
    public String getName() {
        return "image_hash_list_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_plugins/image_hash/models"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
            List<ModelRegistry.ModelInfo> infos = models.list();
            XContentBuilder builder = channel.newBuilder();
            builder.startObject().startArray("models");
            for (ModelRegistry.ModelInfo info : infos) {
                ModelManifest m = info.manifest();
                builder.startObject()
                    .field("id", info.id())
                    .field("source", info.source())
                    .field("manifest_id", m.id())
                    .field("bits", m.bits())
                    .startObject("input")
                    .field("height", m.height())
                    .field("width", m.width())
                    .field("channels", m.channels())
                    .field("colour_mode", m.colourMode().name().toLowerCase(Locale.ROOT))
                    .endObject()
                    .field("method", m.method())
                    .field("dataset", m.dataset())
                    .field("map_all", m.mapAll())
                    .field("loaded", info.loaded())
                    .field("device", info.device())
                    .endObject();
            }
            builder.endArray().endObject();
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, builder));
        };
    }
}
