package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.testing.EventStreamParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {
    private static EventStreamParser parse(Buffer stream) {
        EventStreamParser parser = new EventStreamParser();
        byte[] bytes = stream.getBytes();
        parser.feed(bytes, 0, bytes.length);
        return parser;
    }

    @Test
    void eachLineOfDataIsADataFieldOfItsOwnWhetherCrLfOrCrlfEndsIt() {
        Buffer out = Buffer.buffer();

        ServerSentEvents.event(out, "7-a-1", null, "a\rb\nc\r\nd");

        assertThat(out.toString()).isEqualTo("id: 7-a-1\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
        assertThat(parse(out).events()).containsExactly(new EventStreamParser.Event("message", "a\nb\nc\nd", "7-a-1"));
    }

    @Test
    void bareCarriageReturnsInDataCannotAddFieldsOrEvents() {
        Buffer out = Buffer.buffer();

        ServerSentEvents.event(out, "1-a-10", null, "ok\rid: 999\revent: end\rretry: 1\r\r\rdata: forged\r");
        ServerSentEvents.event(out, "1-a-20", null, "next");

        EventStreamParser parser = parse(out);
        assertThat(parser.fields()).containsOnly("id", "data");
        assertThat(parser.retry()).isEqualTo(-1);
        assertThat(parser.events()).extracting(EventStreamParser.Event::type).containsExactly("message", "message");
        assertThat(parser.events()).extracting(EventStreamParser.Event::lastEventId).containsExactly("1-a-10", "1-a-20");
        assertThat(parser.events().getFirst().data()).isEqualTo("ok\nid: 999\nevent: end\nretry: 1\n\n\ndata: forged");
    }

    @Test
    void everyEventAndCommentEndsWithItsBlankLine() {
        Buffer out = Buffer.buffer();

        ServerSentEvents.event(out, null, "dropped", "lines were skipped");
        ServerSentEvents.comment(out, "keep-alive\r\nid: 3");
        ServerSentEvents.event(out, null, null, "");

        assertThat(out.toString()).isEqualTo("event: dropped\ndata: lines were skipped\n\n: keep-alive  id: 3\n\ndata: \n\n");
        EventStreamParser parser = parse(out);
        assertThat(parser.comments()).containsExactly("keep-alive  id: 3");
        assertThat(parser.events()).containsExactly(new EventStreamParser.Event("dropped", "lines were skipped", ""),
                new EventStreamParser.Event("message", "", ""));
    }

    @Test
    void anIdOrTypeThatWouldEndItsLineIsRefused() {
        assertThatThrownBy(() -> ServerSentEvents.event(Buffer.buffer(), "1\r2", null, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerSentEvents.event(Buffer.buffer(), null, "end\ndata: x", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerSentEvents.event(Buffer.buffer(), "1\0", null, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
