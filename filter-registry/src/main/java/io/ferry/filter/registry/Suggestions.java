package io.ferry.filter.registry;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean ...?" for unknown filter types: the closest known name by edit distance, if any is close. (Filters
 * get the same advice for unknown config keys from {@code ConfigObject.rejectUnknownKeys}.) Stateless and
 * thread-safe.
 */
final class Suggestions {

    private Suggestions() {
    }

    /**
     * The candidate closest to {@code wanted}, or {@code null} if none is close: equal ignoring case, equal to the part
     * after a vendor prefix ({@code deny_prefix} for {@code example.deny_prefix}), or within an edit distance of about
     * a third of the word (at most 3).
     */
    static String closest(String wanted, Collection<String> candidates) {
        String w = wanted.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            String lc = c.toLowerCase(Locale.ROOT);
            int d;
            if (lc.equals(w) || lc.substring(lc.lastIndexOf('.') + 1).equals(w)) {
                d = 0;
            } else {
                d = distance(w, lc);
            }
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.max(1, Math.min(3, wanted.length() / 3));
        return bestDistance <= limit ? best : null;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
