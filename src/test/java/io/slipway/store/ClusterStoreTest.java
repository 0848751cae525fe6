package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Shared secrets and app leases, on a real SQLite file and a real PostgreSQL: what replicas agree on through the store. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ClusterStoreTest {
    private static final Duration PERIOD = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Parameter
    TestDatabase kind;
    @TempDir
    Path dir;
    Database database;
    ClusterStore store;

    @BeforeEach
    void open() {
        database = kind.open(dir);
        store = new ClusterStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void theFirstSecretStoredIsTheOneEveryoneGetsEvenWhenTheyRace() throws Exception {
        ExecutorService racers = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> agreed = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String candidate = "candidate-" + i;
                agreed.add(racers.submit((Callable<String>) () -> store.agree("jwt", candidate)));
            }
            String first = agreed.getFirst().get();
            for (Future<String> each : agreed) assertThat(each.get()).isEqualTo(first);
        } finally {
            racers.shutdownNow();
        }
        assertThat(store.agree("jwt", "late")).as("kept").isNotEqualTo("late");
        assertThat(store.agree("other", "own")).as("each name has its own").isEqualTo("own");
    }

    @Test
    void aLeaseHeldByOneReplicaIsNotTakenByAnotherUntilItExpires() {
        ClusterStore.Lease a = store.acquire("app1", "replica-a", "http://a:3000", T0, PERIOD);
        assertThat(a.heldBy("replica-a")).isTrue();
        assertThat(a.fence()).isEqualTo(1);

        ClusterStore.Lease refused = store.acquire("app1", "replica-b", "http://b:3000", T0.plusSeconds(29), PERIOD);
        assertThat(refused.heldBy("replica-b")).isFalse();
        assertThat(refused.holderUrl()).as("where to forward instead").isEqualTo("http://a:3000");
        assertThat(store.current("app1", T0.plusSeconds(29))).contains(a);

        ClusterStore.Lease taken = store.acquire("app1", "replica-b", "http://b:3000", T0.plusSeconds(31), PERIOD);
        assertThat(taken.heldBy("replica-b")).as("expired: taken over").isTrue();
        assertThat(taken.fence()).as("a new holder, a new fence").isEqualTo(2);
        assertThat(store.renewAll("replica-a", T0.plusSeconds(32), PERIOD)).as("a's renewal finds it lost the app").isEmpty();
        assertThat(store.current("app1", T0.plusSeconds(32)).orElseThrow().holder()).isEqualTo("replica-b");
    }

    @Test
    void theHolderRenewsItsLeasesAndReleasesThemWhenItsAppsStop() {
        store.acquire("app1", "replica-a", "http://a:3000", T0, PERIOD);
        store.acquire("app2", "replica-a", "http://a:3000", T0, PERIOD);
        store.acquire("app3", "replica-b", "http://b:3000", T0, PERIOD);

        assertThat(store.renewAll("replica-a", T0.plusSeconds(20), PERIOD)).containsExactly("app1", "app2");
        assertThat(store.acquire("app1", "replica-b", "http://b:3000", T0.plusSeconds(40), PERIOD).heldBy("replica-a"))
                .as("renewed until 50 s").isTrue();
        ClusterStore.Lease again = store.acquire("app1", "replica-a", "http://a:3000", T0.plusSeconds(41), PERIOD);
        assertThat(again.fence()).as("its own lease again: the same fence").isEqualTo(1);

        store.release("app1", "replica-b");
        assertThat(store.current("app1", T0.plusSeconds(42))).as("only the holder releases").isPresent();
        store.release("app1", "replica-a");
        assertThat(store.current("app1", T0.plusSeconds(42))).isEmpty();
        assertThat(store.acquire("app1", "replica-b", "http://b:3000", T0.plusSeconds(43), PERIOD).heldBy("replica-b")).isTrue();
        assertThat(store.current("app3", T0.plusSeconds(31))).as("b's lease was never renewed").isEmpty();
    }

    @Test
    void aReleasedLeaseStaysAsTheLastOneUntilTheAppIsForgotten() {
        store.acquire("app1", "replica-a", "http://a:3000", T0, PERIOD);
        store.release("app1", "replica-a");

        assertThat(store.current("app1", T0.plusSeconds(1))).isEmpty();
        assertThat(store.last("app1")).hasValueSatisfying(last -> assertThat(last.holderUrl()).isEqualTo("http://a:3000"));
        store.acquire("app1", "replica-a", "http://a:3000", T0.plusSeconds(2), PERIOD);
        store.renewAll("replica-a", T0.plusSeconds(3), PERIOD);

        store.forget("app1");

        assertThat(store.last("app1")).isEmpty();
        assertThat(store.renewAll("replica-a", T0.plusSeconds(4), PERIOD)).as("its holder learns it is gone").isEmpty();
    }
}
