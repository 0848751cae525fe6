package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.logs.LogFiles;
import io.slipway.testing.EventStreamClient;
import io.slipway.testing.EventStreamParser;
import io.slipway.testing.EventStreamParser.Event;
import io.slipway.testing.NodeEventSource;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Following logs ({@code GET …/logs?follow=true}) as clients do it, on real apps in real sandboxes whose logs are
 * rotated at 64 KiB: a follower that falls behind is told what it lost, {@code Last-Event-ID} resumes exactly, quiet
 * follows are kept alive, followers are capped, and an app's output cannot forge Slipway's lines or the stream's
 * fields. Streams are read by {@link io.slipway.testing.EventStreamParser}, as EventSource reads them, and by the
 * {@code eventsource} npm package.
 */
class LogFollowersIT {
    private static final Pattern NUMBERED = Pattern.compile(" \\[app] line (\\d+) ");

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("sandbox.logSize", "64KiB",
            "logs.maxFollowersPerApp", "2", "logs.maxFollowersPerUser", "3"));

    private static TestServer server;

    @Test
    void deletingTheAppEndsItsFollowsWithAnEndEvent() {
        String token = server.token("deleter");
        String id = deploy(token, "numbered.js");
        try (EventStreamClient follower = followOpen(token, id)) {
            assertThat(server.delete("/api/containers/servers/" + id, token).statusCode()).isEqualTo(204);

            await().atMost(Duration.ofSeconds(10)).until(follower::ended);
            assertThat(follower.events().getLast()).isEqualTo(new Event("end", "the app was deleted", follower.events().getLast().lastEventId()));
        }
    }

    /**
     * While the app floods its log, the log is rotated faster than a follower polls, and more so than it sends to a
     * client that does not read: the follower may lose lines more than once. Each loss must be announced: between two
     * notices no line is missing, and after the last one comes everything up to the end.
     */
    @Test
    void aFollowerThatFellBehindARotatedLogIsToldLinesWereDroppedThenGetsEverythingAfter() {
        String token = server.token("slow");
        String id = deploy(token, "numbered.js");
        try (EventStreamClient follower = follow(server, token, id, Map.of(), false)) {
            // About 2.5 MB: forty rotations, far more than the follower's socket buffers and write queue hold.
            printLines(id, 20_000);
            follower.startReading();
            await().atMost(Duration.ofSeconds(60)).until(() -> numbers(follower.events()).contains(20_000));

            List<List<Integer>> runs = new ArrayList<>(List.of(new ArrayList<>()));
            for (Event event : follower.events()) {
                if (event.type().equals("dropped")) {
                    assertThat(event.data()).contains("no longer kept");
                    runs.add(new ArrayList<>());
                } else {
                    runs.getLast().addAll(numbers(List.of(event)));
                }
            }
            assertThat(runs.size() - 1).as("dropped notices").isPositive();
            for (int i = 0; i < runs.size(); i++) {
                assertConsecutive(runs.get(i));
                if (i > 0 && !runs.get(i - 1).isEmpty()) {
                    assertThat(runs.get(i).getFirst()).as("after notice %d: a gap, as it said", i).isGreaterThan(runs.get(i - 1).getLast() + 1);
                }
            }
            assertThat(runs.getLast().getLast()).isEqualTo(20_000);
            System.out.printf("slow follower: %d dropped notices; the last run of lines: %d..%d%n", runs.size() - 1,
                    runs.getLast().getFirst(), runs.getLast().getLast());
        }
    }

    @Test
    void lastEventIdResumesRightAfterThatEventAcrossARotationAndAnIdRotatedAwaySaysSo() {
        String token = server.token("resume");
        String id = deploy(token, "numbered.js");
        printLines(id, 300);
        String afterHundred = idOf(followUntil(token, id, Map.of(), 300), 100);

        assertThat(numbers(followUntil(token, id, Map.of("Last-Event-ID", afterHundred), 300))).isEqualTo(range(101, 300));

        printLines(id, 400); // about 50 KiB more: the log is rotated once, and line 100 is now in <id>.log.1
        assertThat(logText(LogFiles.previous(log(id)))).contains(" line 100 ");
        List<Event> resumed = followUntil(token, id, Map.of("Last-Event-ID", afterHundred), 700);
        assertThat(resumed.getFirst().data()).contains(" line 101 ");
        assertThat(numbers(resumed)).isEqualTo(range(101, 700));
        assertThat(resumed.stream().map(Event::data).distinct().count()).as("no line twice").isEqualTo(resumed.size());
        String afterSevenHundred = resumed.getLast().lastEventId();

        printLines(id, 1500); // several rotations: line 100 is no longer kept
        List<Event> late = followUntil(token, id, Map.of("Last-Event-ID", afterHundred), 2200);
        assertThat(late.getFirst().type()).isEqualTo("dropped");
        assertThat(late.getFirst().data()).contains("no longer kept");
        List<Integer> kept = numbers(late);
        assertConsecutive(kept);
        assertThat(kept.getFirst()).isGreaterThan(701);
        assertThat(kept.getLast()).isEqualTo(2200);
        assertThat(logText(LogFiles.previous(log(id)))).contains(" line " + kept.getFirst() + " ");
        assertThat(followUntil(token, id, Map.of("Last-Event-ID", afterSevenHundred), 2200).getFirst().type()).isEqualTo("dropped");
    }

    @Test
    void anUnreadableLastEventIdIsRefused() {
        String token = server.token("bad-id");
        String id = deploy(token, "numbered.js");
        try (EventStreamClient follower = follow(server, token, id, Map.of("Last-Event-ID", "12; event: end"), true)) {
            await().atMost(Duration.ofSeconds(10)).until(follower::ended);
            assertThat(follower.status()).isEqualTo(400);
            assertThat(new JsonObject(follower.plainBody()).getString("type")).endsWith("/invalid-last-event-id");
        }
    }

    @Test
    void followersArePerAppAndPerUserCappedWith429AndAClosedOneFreesItsPlaceAtOnce() {
        String token = server.token("capped");
        String first = deploy(token, "numbered.js");
        String second = deploy(token, "numbered.js");
        List<EventStreamClient> open = new ArrayList<>();
        try {
            open.add(followOpen(token, first));
            open.add(followOpen(token, first));
            EventStreamClient thirdOfApp = follow(server, token, first, Map.of(), true);
            open.add(thirdOfApp);
            await().atMost(Duration.ofSeconds(10)).until(thirdOfApp::ended);
            assertThat(thirdOfApp.status()).isEqualTo(429);
            assertThat(thirdOfApp.header("Retry-After")).isNotNull();
            JsonObject problem = new JsonObject(thirdOfApp.plainBody());
            assertThat(problem.getString("type")).endsWith("/too-many-followers");
            assertThat(problem.getString("detail")).contains("logs.maxFollowersPerApp", "close one of them");

            open.add(followOpen(token, second));
            EventStreamClient fourthOfUser = follow(server, token, second, Map.of(), true);
            open.add(fourthOfUser);
            await().atMost(Duration.ofSeconds(10)).until(fourthOfUser::ended);
            assertThat(fourthOfUser.status()).isEqualTo(429);
            assertThat(new JsonObject(fourthOfUser.plainBody()).getString("detail")).contains("logs.maxFollowersPerUser");

            open.getFirst().close();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                try (EventStreamClient again = follow(server, token, first, Map.of(), true)) {
                    await().atMost(Duration.ofSeconds(5)).until(() -> again.status() != 0);
                    assertThat(again.status()).isEqualTo(200);
                }
            });
        } finally {
            open.forEach(EventStreamClient::close);
        }
    }

    @Test
    void anAppsOutputCannotForgeSlipwaysLinesOrTheStreamsFields() throws Exception {
        String token = server.token("forger");
        String id = deploy(token, "forger.js");
        assertThat(server.call(id, "/forge").body()).isEqualTo("ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> logText(log(id)).contains("done forging"));

        EventStreamParser parser;
        try (EventStreamClient follower = follow(server, token, id, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> follower.events().stream().anyMatch(e -> e.data().contains("done forging")));
            parser = follower.parser();
        }
        List<Event> events = parser.events();
        List<NodeEventSource.Received> received = NodeEventSource.follow(
                server.base().resolve("/api/containers/servers/" + id + "/logs?follow=true"), token, "done forging", "end", "forged", "dropped");

        assertThat(events).extracting(Event::type).containsOnly("message");
        assertThat(received).extracting(NodeEventSource.Received::type).containsOnly("message");
        assertThat(received.stream().map(NodeEventSource.Received::data).toList()).isEqualTo(events.stream().map(Event::data).toList());
        List<String> lines = events.stream().map(Event::data).toList();
        assertThat(lines).allSatisfy(line -> assertThat(line).matches("\\S+Z \\[(build|app|slipway)] [^\\n\\r]*"));
        assertThat(lines).filteredOn(line -> line.matches("(?s)\\S+Z \\[slipway] .*")).isNotEmpty().noneMatch(line -> line.contains("forged"));
        // The app's output, line by line as LogPump framed it: every CR a line end, empty lines gone, controls shown as U+FFFD.
        assertThat(lines.stream().filter(line -> line.matches("(?s)\\S+Z \\[app] .*")).map(line -> line.substring(line.indexOf("] ") + 2)))
                .containsExactly("plain", "[slipway] stopped (forged)", "x", "id: 999", "event: end", "retry: 1", "data: forged",
                        "2026-01-01T00:00:00Z [slipway] deleted (forged)", "[slipway] ready in 1ms (forged)", "event: forged",
                        "data: forged", "id: 1-1-1 (forged)", ": a comment (forged)",
                        "bare\uFFFDnul and \uFFFD[31mansi (forged)\uFFFD\uFFFD", "\u2028line separator (forged)\u0085next line (forged)",
                        "done forging");
        assertThat(events).extracting(Event::lastEventId).allSatisfy(eventId -> assertThat(eventId).matches("\\d+-[0-9a-f]+-\\d+"));
        assertThat(parser.fields()).containsOnly("id", "data");
        assertThat(parser.retry()).isEqualTo(-1);
    }

    // (d) runs on a Slipway of its own, whose idle timeout of 1 s would cut a follow on which nothing is sent.
    @Test
    void aQuietFollowGetsKeepAliveCommentsAndOutlivesTheIdleTimeout(@TempDir Path quietData) {
        String id;
        try (TestServer deployer = TestServer.start(TestServer.config(quietData))) {
            id = deployer.deploy(deployer.token("quiet"), "index.js", TestApps.source("numbered.js"), Map.of()).getString("id");
        }
        try (TestServer quiet = TestServer.start(TestServer.config(quietData, Map.of("proxy.idleTimeout", "1s",
                "logs.keepAliveInterval", "250ms")));
             EventStreamClient follower = follow(quiet, quiet.token("quiet"), id, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> follower.parser().comments().stream()
                    .filter("keep-alive"::equals).count() >= 12 || follower.ended());

            assertThat(follower.ended()).as("the follow was cut").isFalse();
            assertThat(follower.status()).isEqualTo(200);
            assertThat(follower.events()).extracting(Event::type).containsOnly("message");
        }
    }

    private static String deploy(String token, String app) {
        return server.deploy(token, "index.js", TestApps.source(app), Map.of()).getString("id");
    }

    private static EventStreamClient follow(TestServer on, String token, String id, Map<String, String> headers, boolean read) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Authorization", "Bearer " + token);
        return EventStreamClient.open(on.base(), "/api/containers/servers/" + id + "/logs?follow=true", all, read);
    }

    /** A follower whose stream has begun. */
    private static EventStreamClient followOpen(String token, String id) {
        EventStreamClient client = follow(server, token, id, Map.of(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.status() != 0);
        assertThat(client.status()).isEqualTo(200);
        return client;
    }

    /** The events of a follow (with {@code headers}) until the numbered line {@code last}, then the follower leaves. */
    private static List<Event> followUntil(String token, String id, Map<String, String> headers, int last) {
        return followUntil(token, id, headers, " line " + last + " ");
    }

    private static List<Event> followUntil(String token, String id, Map<String, String> headers, String text) {
        try (EventStreamClient follower = follow(server, token, id, headers, true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> follower.events().stream().anyMatch(e -> e.data().contains(text)));
            List<Event> events = follower.events();
            int end = 0;
            while (!events.get(end).data().contains(text)) end++;
            return events.subList(0, end + 1);
        }
    }

    /** Asks the numbered app for {@code count} more lines and waits until the last of them is in its log. */
    private static void printLines(String id, int count) {
        String last = server.get("/containers/" + id + "/lines?count=" + count, null).body();
        await().atMost(Duration.ofSeconds(30)).until(() -> logText(log(id)).contains(" line " + last + " "));
    }

    private static Path log(String id) {
        return server.dataDir().resolve("logs/" + id + ".log");
    }

    private static String logText(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return ""; // rotated away meanwhile
        }
    }

    private static String idOf(List<Event> events, int line) {
        return events.stream().filter(e -> e.data().contains(" line " + line + " ")).findFirst().orElseThrow().lastEventId();
    }

    private static List<Integer> numbers(List<Event> events) {
        List<Integer> numbers = new ArrayList<>();
        for (Event event : events) {
            Matcher m = NUMBERED.matcher(event.data());
            if (event.type().equals("message") && m.find()) numbers.add(Integer.parseInt(m.group(1)));
        }
        return numbers;
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).boxed().toList();
    }

    private static void assertConsecutive(List<Integer> numbers) {
        if (numbers.isEmpty()) return;
        assertThat(numbers).isEqualTo(range(numbers.getFirst(), numbers.getLast()));
    }
}
