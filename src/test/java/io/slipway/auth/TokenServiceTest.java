package io.slipway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final TokenService tokens = new TokenService(new byte[32], clock);

    @Test
    void mintedTokenVerifiesToItsUserAndPlan() {
        Principal p = tokens.verify(tokens.mint("alice", "pro", Duration.ofHours(1)));
        assertThat(p).isEqualTo(new Principal("alice", "pro", false));
    }

    @Test
    void adminTokenVerifiesToAnAdmin() {
        assertThat(tokens.verify(tokens.mint("root", null, true, Duration.ofHours(1)))).isEqualTo(new Principal("root", null, true));
    }

    @Test
    void expiredTokenIsRefusedAfterTheSkewAllowance() {
        String token = tokens.mint("alice", null, Duration.ofMinutes(5));
        now.set(now.get().plus(Duration.ofMinutes(5)).plusSeconds(31));
        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(InvalidTokenException.class).hasMessageContaining("expired");
    }

    @Test
    void tokenFromTheFutureIsRefused() {
        TokenService later = new TokenService(new byte[32], () -> now.get().plus(Duration.ofHours(1)));
        String token = later.mint("alice", null, Duration.ofHours(2));
        assertThatThrownBy(() -> tokens.verify(token)).hasMessageContaining("nbf");
    }

    @Test
    void tokenSignedWithAnotherSecretIsRefused() {
        byte[] other = new byte[32];
        other[0] = 1;
        String token = new TokenService(other, clock).mint("alice", null, Duration.ofHours(1));
        assertThatThrownBy(() -> tokens.verify(token)).hasMessageContaining("signature");
    }

    @Test
    void secretIsCreatedOnceWithMode0600AndReused(@TempDir Path dataDir) throws Exception {
        byte[] first = SigningSecret.loadOrCreate(dataDir);
        byte[] second = SigningSecret.loadOrCreate(dataDir);

        assertThat(first).hasSize(32).isEqualTo(second);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("secrets/jwt.key")))).isEqualTo("rw-------");
    }
}
