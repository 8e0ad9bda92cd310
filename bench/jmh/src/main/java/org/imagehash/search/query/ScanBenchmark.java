package org.imagehash.search.query;

import org.imagehash.search.index.SegmentCodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.apache.lucene.util.FixedBitSet;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.reflect.Constructor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-segment scan of the {@code hamming} query's top k beside the limits on the same machine, on the same array:
 *
 * <ul>
 *   <li>{@code scan}: the plugin's own {@link SegmentScan#topK} with a {@link TopKSelector} for k = 10, exactly
 *       as a search runs it on one segment (no deletions, every document has a code);</li>
 *   <li>{@code plainLoop}: XOR + popcount summed over the same {@code long[]}, nothing else (the loop the scan cannot
 *       beat: it does the same arithmetic, with no top-k selection);</li>
 *   <li>{@code seqRead}: a sum of the same {@code long[]}, four scalar accumulators;</li>
 *   <li>{@code seqReadVector}: the same sum with the Vector API at the preferred width (AVX-512 here), four vector
 *       accumulators: the sequential read bandwidth of this core, the limit for any scan of the array.</li>
 * </ul>
 *
 * One operation = one pass over all n codes; codes/s = n * ops/s, bytes/s = n * bits / 8 * ops/s. {@code size}
 * "1M" is one million codes (8 MB at 64 bits: inside this machine's 32 MB L3); "128MB" is an array of 128 MB
 * (2^24 codes of 64 bits, 2^22 of 256 bits), past every cache: the DRAM case.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch", "--add-modules=jdk.incubator.vector"})
public class ScanBenchmark {

    @Param({"64", "256"})
    public int bits;

    @Param({"1M", "128MB"})
    public String size;

    @Param({"clustered", "uniform"})
    public String data;

    private static final int QUERIES = 16;

    private SegmentCodes codes;
    private long[] c;
    private long[][] queries;
    private int words;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        words = bits / 64;
        int n = size.equals("1M") ? 1_000_000 : (128 << 20) / (bits / 8);
        SplittableRandom rnd = new SplittableRandom(42);
        int clusters = 2000;
        long[] centres = new long[clusters * words];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = rnd.nextLong();
        }
        // the plugin's layout (SegmentCodes): codes longer than one word in blocks, word by word
        c = new long[words == 1 ? n : (n + SegmentCodes.BLOCK - 1) / SegmentCodes.BLOCK * SegmentCodes.BLOCK * words];
        long[] code = new long[words];
        for (int doc = 0; doc < n; doc++) {
            generate(rnd, centres, clusters, code, 0);
            for (int w = 0; w < words; w++) {
                c[SegmentCodes.offset(doc, words) + w * SegmentCodes.BLOCK] = code[w];
            }
        }
        queries = new long[QUERIES][words];
        for (int i = 0; i < QUERIES; i++) {
            generate(rnd, centres, clusters, queries[i], 0);
        }
        // SegmentCodes is built from doc values in the plugin; here from the array (same layout), via its constructor
        Constructor<SegmentCodes> ctor = SegmentCodes.class.getDeclaredConstructor(
            int.class, int.class, long[].class, FixedBitSet.class, int.class
        );
        ctor.setAccessible(true);
        codes = ctor.newInstance(bits, n, c, null, n);
    }

    /** Clustered: a code = a random centre (skewed cluster sizes) with each bit flipped with probability 1/16. */
    private void generate(SplittableRandom rnd, long[] centres, int clusters, long[] dest, int offset) {
        if (data.equals("uniform")) {
            for (int w = 0; w < words; w++) {
                dest[offset + w] = rnd.nextLong();
            }
            return;
        }
        double u = rnd.nextDouble();
        int cluster = (int) (u * u * clusters);
        for (int w = 0; w < words; w++) {
            long noise = rnd.nextLong() & rnd.nextLong() & rnd.nextLong() & rnd.nextLong();
            dest[offset + w] = centres[cluster * words + w] ^ noise;
        }
    }

    private long[] nextQuery() {
        next = (next + 1) & (QUERIES - 1);
        return queries[next];
    }

    @Benchmark
    public Object scan() {
        TopKSelector selector = new TopKSelector(10, bits);
        SegmentScan.topK(codes, nextQuery(), null, 0, selector);
        return selector.result();
    }

    @Benchmark
    public long plainLoop() {
        long[] q = nextQuery();
        long[] a = c;
        long sum = 0;
        if (words == 1) {
            long q0 = q[0];
            for (int i = 0; i < a.length; i++) {
                sum += Long.bitCount(a[i] ^ q0);
            }
        } else if (words == 4) {
            long q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
            for (int i = 0; i < a.length; i += 4) {
                sum += Long.bitCount(a[i] ^ q0) + Long.bitCount(a[i + 1] ^ q1) + Long.bitCount(a[i + 2] ^ q2) + Long.bitCount(
                    a[i + 3] ^ q3
                );
            }
        } else {
            throw new IllegalStateException("bits " + bits);
        }
        return sum;
    }

    @Benchmark
    public long seqRead() {
        long[] a = c;
        long s0 = nextQuery()[0], s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;

    @Benchmark
    public long seqReadVector() {
        long[] a = c;
        int step = SPECIES.length();
        LongVector v0 = LongVector.zero(SPECIES), v1 = v0, v2 = v0, v3 = v0;
        int i = 0;
        for (; i + 4 * step <= a.length; i += 4 * step) {
            v0 = v0.add(LongVector.fromArray(SPECIES, a, i));
            v1 = v1.add(LongVector.fromArray(SPECIES, a, i + step));
            v2 = v2.add(LongVector.fromArray(SPECIES, a, i + 2 * step));
            v3 = v3.add(LongVector.fromArray(SPECIES, a, i + 3 * step));
        }
        long s = v0.add(v1).add(v2).add(v3).reduceLanes(VectorOperators.ADD) + nextQuery()[0];
        for (; i < a.length; i++) {
            s += a[i];
        }
        return s;
    }

    // ---- the scan as it was before tuning, kept to show the change side by side in one run

    @Benchmark
    public Object scanOriginal() {
        TopKSelector selector = new TopKSelector(10, bits);
        original(codes, nextQuery(), selector);
        return selector.result();
    }

    /** The scan loop as first committed (commit 8b9247a), for the 64- and 256-bit cases, no deletions. */
    static void original(SegmentCodes codes, long[] query, TopKSelector selector) {
        final long[] c = codes.codes();
        final int maxDoc = codes.maxDoc();
        int limit = selector.limit();
        if (codes.words() == 1) {
            final long q0 = query[0];
            for (int doc = 0; doc < maxDoc; doc++) {
                int d = Long.bitCount(c[doc] ^ q0);
                if (d <= limit && codes.hasCode(doc)) {
                    limit = selector.offer(doc, d);
                }
            }
        } else {
            final long q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
            final int b = SegmentCodes.BLOCK; // read through the blocked layout that replaced whole codes in a row
            for (int doc = 0; doc < maxDoc; doc++) {
                int o = SegmentCodes.offset(doc, 4);
                int d = Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + b] ^ q1) + Long.bitCount(c[o + 2 * b] ^ q2) + Long.bitCount(
                    c[o + 3 * b] ^ q3
                );
                if (d <= limit && codes.hasCode(doc)) {
                    limit = selector.offer(doc, d);
                }
            }
        }
    }
}
