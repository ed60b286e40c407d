package io.ferry.mirror;

/**
 * How a shadow's answer compared with the primary's on one mirrored connection.
 *
 * @param kind           the outcome
 * @param offset         {@link Kind#DIFFERS}: the first byte that differs; {@link Kind#DIFFERS_BEYOND}: the offset up to
 *                       which the streams were compared byte for byte and equal; -1 otherwise
 * @param primaryExcerpt {@link Kind#DIFFERS}: the primary's bytes from {@code offset}, hex (up to 16 bytes, as many
 *                       as had arrived); else empty
 * @param shadowExcerpt  the same for the shadow
 * @param primaryBytes   response bytes the primary sent to the client
 * @param shadowBytes    response bytes the shadow sent
 * @param comparedUpTo   for verdicts that fell back to checksums (one side got further ahead than the compare
 *                       window), the offset compared byte for byte; -1 when every byte was compared
 * @param reason         {@link Kind#SHADOW_FAILED}: why (e.g. {@code connect_failed}, {@code reset}, {@code slow});
 *                       else empty
 */
public record Verdict(Kind kind, long offset, String primaryExcerpt, String shadowExcerpt, long primaryBytes,
                      long shadowBytes, long comparedUpTo, String reason) {

    public enum Kind {
        MATCHED("matched"),
        DIFFERS("differs"),
        /** Equal byte for byte up to {@code offset}; the checksums of the rest differ. */
        DIFFERS_BEYOND("differs"),
        SHADOW_SHORTER("shadow shorter"),
        SHADOW_LONGER("shadow longer"),
        SHADOW_FAILED("shadow failed"),
        /** {@code compare} is off: the shadow's answer was read and counted, not compared. */
        NOT_COMPARED("not compared");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** The verdict's name in counters and reports: lower case, words separated by '_'. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static Verdict matched(long bytes, long comparedUpTo) {
        return new Verdict(Kind.MATCHED, -1, "", "", bytes, bytes, comparedUpTo, "");
    }

    static Verdict differs(long at, String primary, String shadow, long primaryBytes, long shadowBytes) {
        return new Verdict(Kind.DIFFERS, at, primary, shadow, primaryBytes, shadowBytes, -1, "");
    }

    static Verdict differsBeyond(long comparedUpTo, long primaryBytes, long shadowBytes) {
        return new Verdict(Kind.DIFFERS_BEYOND, comparedUpTo, "", "", primaryBytes, shadowBytes, comparedUpTo, "");
    }

    static Verdict shorter(long primaryBytes, long shadowBytes, long comparedUpTo) {
        return new Verdict(Kind.SHADOW_SHORTER, -1, "", "", primaryBytes, shadowBytes, comparedUpTo, "");
    }

    static Verdict longer(long primaryBytes, long shadowBytes, long comparedUpTo) {
        return new Verdict(Kind.SHADOW_LONGER, -1, "", "", primaryBytes, shadowBytes, comparedUpTo, "");
    }

    static Verdict failed(String reason, long primaryBytes, long shadowBytes) {
        return new Verdict(Kind.SHADOW_FAILED, -1, "", "", primaryBytes, shadowBytes, -1, reason);
    }

    static Verdict notCompared(long primaryBytes, long shadowBytes) {
        return new Verdict(Kind.NOT_COMPARED, -1, "", "", primaryBytes, shadowBytes, -1, "");
    }

    /** One line, as the report and logs show it. */
    @Override
    public String toString() {
        String checksum = comparedUpTo >= 0 ? " (byte for byte up to " + comparedUpTo + ", by checksum after)" : "";
        return switch (kind) {
            case MATCHED -> "matched (" + primaryBytes + " B)" + checksum;
            case DIFFERS -> "differs at byte " + offset + " (primary " + primaryExcerpt + ", shadow " + shadowExcerpt
                    + "; " + primaryBytes + " B vs " + shadowBytes + " B)";
            case DIFFERS_BEYOND -> "differs after byte " + offset + " (equal up to there; the checksums of the rest"
                    + " differ; " + primaryBytes + " B each)";
            case SHADOW_SHORTER -> "shadow shorter (" + shadowBytes + " B of " + primaryBytes + " B, equal up to its end"
                    + (comparedUpTo >= 0 ? " as far as compared, " + comparedUpTo + " B" : "") + ")";
            case SHADOW_LONGER -> "shadow longer (" + shadowBytes + " B for " + primaryBytes + " B, equal up to the"
                    + " primary's end" + (comparedUpTo >= 0 ? " as far as compared, " + comparedUpTo + " B" : "") + ")";
            case SHADOW_FAILED -> "shadow failed: " + reason + " (after " + shadowBytes + " B of " + primaryBytes + " B)";
            case NOT_COMPARED -> "not compared (primary " + primaryBytes + " B, shadow " + shadowBytes + " B)";
        };
    }
}
