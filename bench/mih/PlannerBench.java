import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Does the planner ever lose to the plain scan? One force-merged segment of codes with substrings (the default count for
 * the width), the data sets of bench/mih/mih_bench.py (clustered: n/100 centres, 0..8 bit flips; uniform; model: the
 * default model's codes, 0..3 flips; queries: a stored code with 0..4 flips, uniform: random codes), and per query the
 * planner's query (AUTO) and the scan-only one timed alternately, the best of REPS each. Answers are compared (ids and
 * scores) on every query. Prints one JSON object per data set, width and case: mean ms of both, the ratio of the means,
 * the worst per-query ratio, how many queries were more than 10% slower than the scan, and how many segments probed.
 *
 *   java -Xmx8g [-Dsubstrings.count=N] -cp LUCENE_CORE:CORE_JAR bench/mih/PlannerBench.java DATA BITS DOCS [QUERIES] [MODEL_CODES]
 *   (bench/mih/planner.sh runs the matrix)
 */
public class PlannerBench {

    private static final String FIELD = "code";
    private static final int REPS = 5;
    private static final int WARM_PASSES = Integer.getInteger("warm.passes", 100);
    private static final long WARM_SECONDS = Long.getLong("warm.seconds", 30);
    /** -Dper.query=true: also a line per query with both times and the planner's plan (-Dcases=k=10,r=2 picks cases). */
    private static final boolean PER_QUERY = Boolean.getBoolean("per.query");

    public static void main(String[] args) throws Exception {
        String data = args[0];
        int bits = Integer.parseInt(args[1]);
        int docs = Integer.parseInt(args[2]);
        int queries = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        Random random = new Random(42);
        byte[][] centres = switch (data) {
            case "clustered" -> randomCodes(random, docs / 100, bits);
            case "model" -> Files.readAllLines(Path.of(args[4])).stream().filter(l -> l.isBlank() == false)
                .map(l -> HexFormat.of().parseHex(l.strip())).toArray(byte[][]::new);
            default -> null;
        };
        // -Dsubstrings.count=N: another count than the width's default (SEARCH.md's advice on count 3 for large segments)
        SubstringLayout layout = new SubstringLayout(bits, Integer.getInteger("substrings.count", SubstringLayout.defaultCount(bits)));
        byte[][] stored = new byte[docs][];
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(1024))) {
            for (int i = 0; i < docs; i++) {
                byte[] code = centres == null ? randomCodes(random, 1, bits)[0]
                    : flip(centres[random.nextInt(centres.length)], random.nextInt(data.equals("model") ? 4 : 9), random);
                stored[i] = code;
                Document doc = new Document();
                doc.add(new BinaryDocValuesField(FIELD, new BytesRef(code)));
                layout.termFields(FIELD, code).forEach(doc::add);
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        List<byte[]> asked = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            asked.add(centres == null ? randomCodes(random, 1, bits)[0] : flip(stored[random.nextInt(docs)], random.nextInt(5), random));
        }

        SegmentCache cache = new SegmentCache();
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null); // every query does its own work
            String[] cases = System.getProperty("cases", "k=10,k=100,r=2,r=4,r=8,r=12").split(",");
            // Warm-up: every case and query in both modes, pass after pass, so that both paths are compiled before any
            // is timed (a node serving queries runs hot code). The planner's per-query code (opening the tables, the
            // first rounds, the estimates) runs once per query, so it reaches the optimising compiler only after
            // thousands of queries: with two passes (80 calls per case) it still ran unoptimised while timed, which
            // charged the planner 1.37-1.41x the scan's time on 100k random codes where it only decides to scan
            // (1.06-1.08x after 100 passes) and made probing a radius of 2 in 1M codes look 14x faster than the scan
            // instead of 42x (bench/mih/results/planner-{100000,1000000}-warm-up-2-vs-100.jsonl).
            // At least WARM_PASSES passes or WARM_SECONDS, whichever comes first (a pass over 10M codes takes seconds).
            long warmEnd = System.nanoTime() + WARM_SECONDS * 1_000_000_000L;
            int warmPasses = 0;
            for (int pass = 0; pass < WARM_PASSES && (pass < 2 || System.nanoTime() < warmEnd); pass++, warmPasses++) {
                for (String c : cases) {
                    for (byte[] q : asked) {
                        for (ProbeCost.Mode mode : new ProbeCost.Mode[] { ProbeCost.Mode.SCAN, ProbeCost.Mode.AUTO }) {
                            searcher.search(query(c, q, bits, cache, layout, mode), 1000);
                        }
                    }
                }
            }
            for (String c : cases) {
                double scanSum = 0, autoSum = 0, worst = 0;
                int slower = 0, probed = 0;
                for (byte[] q : asked) {
                    Query auto = query(c, q, bits, cache, layout, ProbeCost.Mode.AUTO);
                    Query scan = query(c, q, bits, cache, layout, ProbeCost.Mode.SCAN);
                    long bestAuto = Long.MAX_VALUE, bestScan = Long.MAX_VALUE;
                    TopDocs a = null, s = null;
                    for (int r = 0; r < REPS + 1; r++) { // the first of each is a warm-up
                        long t0 = System.nanoTime();
                        s = searcher.search(scan, 1000);
                        long t1 = System.nanoTime();
                        a = searcher.search(auto, 1000);
                        long t2 = System.nanoTime();
                        if (r > 0) {
                            bestScan = Math.min(bestScan, t1 - t0);
                            bestAuto = Math.min(bestAuto, t2 - t1);
                        }
                    }
                    check(a, s, c);
                    scanSum += bestScan;
                    autoSum += bestAuto;
                    double ratio = (double) bestAuto / bestScan;
                    worst = Math.max(worst, ratio);
                    slower += ratio > 1.10 ? 1 : 0;
                    String plan = searcher.rewrite(auto).toString();
                    probed += plan.contains("probed:1") ? 1 : 0;
                    if (PER_QUERY) { // not JSON: planner_table.py reads only the summary lines
                        System.out.println(String.format(Locale.ROOT, "query %s %s %d: scan %.1f us, planner %.1f us (%.2f), %s", data, c,
                            asked.indexOf(q), bestScan / 1e3, bestAuto / 1e3, ratio, plan.substring(plan.indexOf("plan:"))));
                    }
                }
                System.out.println(String.format(Locale.ROOT,
                    "{\"data\": \"%s\", \"bits\": %d, \"substrings\": %d, \"docs\": %d, \"case\": \"%s\", \"queries\": %d, \"warmup_passes\": %d, \"scan_ms\": %.3f, "
                        + "\"planner_ms\": %.3f, \"speedup\": %.2f, \"worst_ratio\": %.2f, \"slower_than_scan_10pct\": %d, \"probed\": %d}",
                    data, bits, layout.count(), docs, c, asked.size(), warmPasses, scanSum / asked.size() / 1e6, autoSum / asked.size() / 1e6, scanSum / autoSum,
                    worst, slower, probed));
            }
        }
    }

    /** The query of a case: "k=K" the K nearest, "r=R" every code within R bits. */
    private static Query query(String c, byte[] q, int bits, SegmentCache cache, SubstringLayout layout, ProbeCost.Mode mode) {
        int value = Integer.parseInt(c.substring(2));
        return c.startsWith("k") ? new HammingTopKQuery(FIELD, q, value, bits, null, cache, layout, mode)
            : new HammingQuery(FIELD, q, value, cache, layout, mode);
    }

    /** The planner's answer must be the scan's: same documents, same order, same scores. */
    private static void check(TopDocs auto, TopDocs scan, String c) {
        if (auto.scoreDocs.length != scan.scoreDocs.length) {
            throw new AssertionError(c + ": " + auto.scoreDocs.length + " hits vs the scan's " + scan.scoreDocs.length);
        }
        for (int i = 0; i < auto.scoreDocs.length; i++) {
            ScoreDoc x = auto.scoreDocs[i], y = scan.scoreDocs[i];
            if (x.doc != y.doc || x.score != y.score) {
                throw new AssertionError(c + ": hit " + i + " differs: " + x + " vs " + y);
            }
        }
    }

    private static byte[][] randomCodes(Random random, int n, int bits) {
        byte[][] codes = new byte[n][bits / 8];
        for (byte[] code : codes) {
            random.nextBytes(code); // java.util.Random fills every byte
        }
        return codes;
    }

    private static byte[] flip(byte[] code, int flips, Random random) {
        byte[] out = code.clone();
        for (int f = 0; f < flips; f++) {
            int bit = random.nextInt(out.length * 8);
            out[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return out;
    }
}
