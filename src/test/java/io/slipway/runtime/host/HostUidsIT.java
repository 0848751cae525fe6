package io.slipway.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig;
import io.slipway.testing.TestServer;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each app's host uid: its own, kept across restarts, free again once it is deleted, and never another Slipway's. */
class HostUidsIT {
    @TempDir
    Path first;
    @TempDir
    Path second;

    @AfterEach
    void releaseClaims() {
        TestServer.releaseUidClaims(first);
        TestServer.releaseUidClaims(second);
    }

    private static HostUids open(Path dataDir) {
        return HostUids.open(new DataDir(dataDir), SlipwayConfig.defaults(dataDir).sandbox());
    }

    @Test
    void everyAppGetsAUidOfItsOwnThatOutlivesARestart() {
        HostUids uids = open(first);
        int a = uids.uidOf("app-a");
        int b = uids.uidOf("app-b");

        assertThat(a).isNotEqualTo(b).isNotEqualTo(uids.buildUid());
        assertThat(uids.uidOf("app-a")).isEqualTo(a);
        HostUids reopened = open(first);
        assertThat(reopened.uidOf("app-a")).isEqualTo(a);
        assertThat(reopened.uidOf("app-b")).isEqualTo(b);
    }

    @Test
    void aDeletedAppsUidIsFreeAgainAndAppsNoLongerStoredLoseTheirs() {
        HostUids uids = open(first);
        int a = uids.uidOf("app-a");
        uids.uidOf("app-b");

        uids.release("app-a");
        assertThat(uids.uidOf("app-c")).as("the lowest free uid, a's").isEqualTo(a);
        assertThat(uids.retainOnly(Set.of("app-c"))).isEqualTo(1);
        assertThat(open(first).uidOf("app-d")).as("b's uid was released too").isNotEqualTo(a);
    }

    @Test
    void anotherSlipwayOnTheMachineNeverGetsAUidThisOneHolds() {
        HostUids mine = open(first);
        HostUids theirs = open(second);

        assertThat(theirs.uidOf("their-app")).isNotEqualTo(mine.uidOf("my-app"));
        assertThat(theirs.buildUid()).isNotEqualTo(mine.buildUid());
    }
}
