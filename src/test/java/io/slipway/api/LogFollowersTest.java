package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.config.LogSettings;
import io.slipway.http.ProblemException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogFollowersTest {
    private final LogFollowers followers = new LogFollowers(new LogSettings(2, 3, Duration.ofSeconds(15)));

    @Test
    void anAppHasAtMostItsCapOfFollowersAndAReleasedPlaceIsFreeAtOnce() {
        LogFollowers.Place first = followers.admit("alice", "a");
        followers.admit("alice", "a");

        assertThatThrownBy(() -> followers.admit("bob", "a")).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(429);
            assertThat(e.problem().slug()).isEqualTo("too-many-followers");
            assertThat(e.problem().retryAfter()).isPositive();
            assertThat(e.problem().detail()).contains("logs.maxFollowersPerApp", "close one of them");
        });
        first.release();
        followers.admit("bob", "a");
    }

    @Test
    void aUserHasAtMostTheirCapAcrossTheirAppsAndOthersAreNotCounted() {
        followers.admit("alice", "a");
        followers.admit("alice", "b");
        LogFollowers.Place third = followers.admit("alice", "c");

        assertThatThrownBy(() -> followers.admit("alice", "d")).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.problem().detail()).contains("logs.maxFollowersPerUser"));
        followers.admit("bob", "e");
        third.release();
        followers.admit("alice", "d");
    }

    @Test
    void releasingAPlaceTwiceFreesItOnce() {
        LogFollowers.Place place = followers.admit("alice", "a");
        followers.admit("alice", "a");
        place.release();
        place.release();

        followers.admit("alice", "a");
        assertThatThrownBy(() -> followers.admit("alice", "a")).isInstanceOf(ProblemException.class);
    }
}
