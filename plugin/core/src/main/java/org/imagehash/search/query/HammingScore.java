package org.imagehash.search.query;

/**
 * How a Hamming distance becomes a score: {@code score = boost / (1 + distance)}.
 *
 * <p>The score falls strictly as the distance grows, lies in (0, boost], and maps back to the distance exactly:
 * {@code distance = round(boost / score) - 1}. In float arithmetic the round trip is exact for every distance up to
 * 4096 and any boost in [1e-6, 1e6], because neighbouring values of {@code 1 / (1 + d)} differ by far more than float
 * rounding.
 */
public final class HammingScore {

    private HammingScore() {}

    public static float score(int distance, float boost) {
        return boost / (1 + distance);
    }

    public static int distance(float score, float boost) {
        return Math.round(boost / score) - 1;
    }
}
