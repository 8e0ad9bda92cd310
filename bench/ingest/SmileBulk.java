import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.dataformat.smile.SmileGenerator;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The binary-body side of the ingest benchmark (ingest_bench.py): the same PNGs and bulk sizes as the JSON client, but
 * each bulk is a SMILE body whose documents carry the image as raw bytes instead of base64 text (the engines accept
 * SMILE bulks; CBOR bulks they refuse with 406 "does not support stream parsing"). Jackson's SMILE generator, the
 * format's reference implementation, writes them.
 *
 * <p>Run as {@code java SmileBulk.java URL PNG_DIR} with jackson-core and jackson-dataformat-smile in CLASSPATH. Each
 * line on stdin names an index and a bulk size ({@code "ingest-bench-smile-8 512"}); it indexes every image into that
 * index (whose default pipeline encodes them) and prints images per second. Bodies are built before the clock
 * starts; an empty line ends it.
 */
public final class SmileBulk {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(args[1]))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                images.add(Files.readAllBytes(file));
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        SmileFactory smile = new SmileFactory();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line = in.readLine(); line != null && line.isBlank() == false; line = in.readLine()) {
            String[] parts = line.trim().split(" ");
            String index = parts[0];
            int bulkSize = Integer.parseInt(parts[1]);
            send(http, url, body(smile, index, "w", 0, images.subList(0, Math.min(bulkSize, images.size())))); // warm-up
            List<byte[]> bodies = new ArrayList<>();
            for (int start = 0; start < images.size(); start += bulkSize) {
                bodies.add(body(smile, index, "", start, images.subList(start, Math.min(start + bulkSize, images.size()))));
            }
            long started = System.nanoTime();
            for (byte[] body : bodies) {
                send(http, url, body);
            }
            System.out.println(images.size() / ((System.nanoTime() - started) / 1e9));
            System.out.flush();
        }
    }

    /**
     * A SMILE bulk body: for each image an index action and a document {"image": <raw bytes>}, each ended by 0xFF;
     * ids {@code idPrefix + (first + i)}, as the JSON client numbers the same images.
     */
    static byte[] body(SmileFactory smile, String index, String idPrefix, int first, List<byte[]> images) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < images.size(); i++) {
            try (SmileGenerator g = smile.createGenerator(out)) {
                g.writeStartObject();
                g.writeObjectFieldStart("index");
                g.writeStringField("_index", index);
                g.writeStringField("_id", idPrefix + (first + i));
                g.writeEndObject();
                g.writeEndObject();
            }
            out.write(0xFF);
            try (SmileGenerator g = smile.createGenerator(out)) {
                g.writeStartObject();
                g.writeBinaryField("image", images.get(i));
                g.writeEndObject();
            }
            out.write(0xFF);
        }
        return out.toByteArray();
    }

    static void send(HttpClient http, String url, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/_bulk"))
            .header("Content-Type", "application/smile")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || response.body().contains("\"errors\":false") == false) {
            throw new IllegalStateException("bulk failed: " + response.statusCode() + " " + response.body().substring(0, Math.min(500, response.body().length())));
        }
    }
}
