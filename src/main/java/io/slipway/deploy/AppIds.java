package io.slipway.deploy;

import java.security.SecureRandom;

/** App ids: 130 random bits as 26 lowercase base32 characters — URL-safe, DNS-label-safe and unguessable. */
final class AppIds {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private AppIds() {
    }

    /** Whether {@code name} has the shape of an id, which says nothing of whether such an app exists. */
    static boolean looksLikeOne(String name) {
        return name.length() == 26 && name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'));
    }

    static String next() {
        char[] id = new char[26];
        // The first character is a letter so that the id is also a valid identifier in most naming schemes.
        id[0] = ALPHABET[RANDOM.nextInt(26)];
        for (int i = 1; i < id.length; i++) id[i] = ALPHABET[RANDOM.nextInt(32)];
        return new String(id);
    }
}
