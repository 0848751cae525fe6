package io.slipway.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvCipherTest {
    private static final String ENV = "{\"API_TOKEN\":\"s3cr3t-value\"}";

    private final EnvKey key = EnvKey.random();
    private final EnvCipher cipher = new EnvCipher(key, List.of());

    @Test
    void sealedEnvOpensForItsAppAndHoldsNoPlainText() {
        String sealed = cipher.seal("app-1", ENV);

        assertThat(sealed).startsWith("enc:v1:" + key.id() + ":").doesNotContain("s3cr3t").doesNotContain("API_TOKEN");
        assertThat(EnvCipher.isSealed(sealed)).isTrue();
        assertThat(cipher.sealedWithCurrent(sealed)).isTrue();
        assertThat(cipher.open("app-1", sealed)).isEqualTo(ENV);
    }

    @Test
    void sealingTheSameEnvTwiceGivesDifferentCiphertexts() {
        assertThat(cipher.seal("app-1", ENV)).isNotEqualTo(cipher.seal("app-1", ENV));
    }

    @Test
    void alteredCiphertextIsRefused() {
        String sealed = cipher.seal("app-1", ENV);
        int at = sealed.lastIndexOf(':') + 1;
        byte[] box = Base64.getUrlDecoder().decode(sealed.substring(at));
        box[box.length / 2] ^= 1;
        String altered = sealed.substring(0, at) + Base64.getUrlEncoder().withoutPadding().encodeToString(box);

        assertThatThrownBy(() -> cipher.open("app-1", altered)).isInstanceOf(EnvCipher.UnreadableEnv.class)
                .hasMessageContaining("app-1").hasMessageContaining("altered");
        assertThatThrownBy(() -> cipher.open("app-1", sealed.substring(0, at + 10))).isInstanceOf(EnvCipher.UnreadableEnv.class);
    }

    @Test
    void envSealedForAnotherAppIsRefused() {
        String sealed = cipher.seal("app-1", ENV);

        assertThatThrownBy(() -> cipher.open("app-2", sealed)).isInstanceOf(EnvCipher.UnreadableEnv.class)
                .hasMessageContaining("another app").hasMessageNotContaining("s3cr3t");
    }

    @Test
    void unknownKeyIdIsNamed() {
        EnvKey other = EnvKey.random();
        String sealed = new EnvCipher(other, List.of()).seal("app-1", ENV);

        assertThatThrownBy(() -> cipher.open("app-1", sealed)).isInstanceOf(EnvCipher.UnreadableEnv.class)
                .hasMessageContaining(other.id()).hasMessageContaining("not configured").hasMessageContaining("secrets.previousEnvKeys");
    }

    @Test
    void previousKeysOpenButOnlyTheCurrentOneSeals() {
        EnvKey old = EnvKey.random();
        String sealedBefore = new EnvCipher(old, List.of()).seal("app-1", ENV);
        EnvCipher rotated = new EnvCipher(key, List.of(old));

        assertThat(rotated.open("app-1", sealedBefore)).isEqualTo(ENV);
        assertThat(rotated.sealedWithCurrent(sealedBefore)).isFalse();
        assertThat(rotated.seal("app-1", ENV)).startsWith("enc:v1:" + key.id() + ":");
        assertThat(rotated.keyIds()).containsExactly(key.id(), old.id());
    }

    @Test
    void keysAreReadAsHexOrBase64AndErrorsNeverEchoThem() {
        EnvKey k = EnvKey.random();
        byte[] raw = java.util.HexFormat.of().parseHex(k.hex());

        assertThat(EnvKey.parse(k.hex(), "x")).isEqualTo(k);
        assertThat(EnvKey.parse(" " + k.hex().toUpperCase() + "\n", "x")).isEqualTo(k);
        assertThat(EnvKey.parse(Base64.getEncoder().encodeToString(raw), "x")).isEqualTo(k);
        assertThat(EnvKey.parse(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), "x")).isEqualTo(k);
        assertThat(k.id()).matches("[0-9a-f]{8}").isEqualTo(EnvKey.parse(k.hex(), "x").id());
        assertThat(k.toString()).doesNotContain(k.hex()).contains(k.id());

        String short128 = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> EnvKey.parse(short128, "secrets.envKey")).hasMessageContaining("secrets.envKey")
                .hasMessageContaining("128 bits").hasMessageNotContaining(short128);
        assertThatThrownBy(() -> EnvKey.parse("not a key!", "secrets.envKey")).hasMessageContaining("secrets.envKey")
                .hasMessageNotContaining("not a key");
    }

    @Test
    void keyFileIsCreatedOnceWithOwnerOnlyPermissions(@TempDir Path data) throws Exception {
        KeyFile file = KeyFile.current(data);

        EnvKey created = file.readOrCreate();

        assertThat(file.readOrCreate()).isEqualTo(created);
        assertThat(Files.readString(file.path())).isEqualTo(created.hex());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path().getParent()))).isEqualTo("rwx------");
        try (var left = Files.list(file.path().getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("env.key");
        }
    }
}
