package io.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestFramingTest {
    @Test
    void aHeadWithoutTransferEncodingPasses() {
        assertThat(RequestFraming.check(head(HttpVersion.HTTP_1_1), false)).isNull();
        assertThat(RequestFraming.check(withLength(head(HttpVersion.HTTP_1_0)), false)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "Chunked", " chunked ", "CHUNKED", ", chunked", "chunked,"})
    void exactlyChunkedPasses(String encoding) {
        assertThat(RequestFraming.check(chunked(encoding), false)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked, identity", "xchunked", "identity", "identity chunked", "chunked, chunked", "", " , ",
            "chunked;q=1", "\"chunked\""})
    void anyOtherTransferEncodingIsABadRequest(String encoding) {
        Problem problem = RequestFraming.check(chunked(encoding), false);

        assertThat(problem).isNotNull();
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.slug()).isEqualTo("bad-request");
    }

    @Test
    void aCodingBeforeAFinalChunkedIsNotImplemented() {
        Problem problem = RequestFraming.check(chunked("gzip, chunked"), false);

        assertThat(problem.status()).isEqualTo(501);
        assertThat(problem.slug()).isEqualTo("unsupported-transfer-coding");
    }

    @Test
    void repeatedHeadersFormOneList() {
        HttpRequest twice = chunked("chunked");
        twice.headers().add("Transfer-Encoding", "chunked");
        HttpRequest split = chunked("gzip");
        split.headers().add("Transfer-Encoding", "chunked");

        assertThat(RequestFraming.check(twice, false).status()).isEqualTo(400);
        assertThat(RequestFraming.check(split, false).status()).isEqualTo(501);
    }

    @Test
    void transferEncodingWithContentLengthIsABadRequestEvenWhenTheDecoderDroppedTheLength() {
        assertThat(RequestFraming.check(withLength(chunked("chunked")), false).detail()).contains("both Transfer-Encoding and Content-Length");
        assertThat(RequestFraming.check(chunked("chunked"), true).detail()).contains("both Transfer-Encoding and Content-Length");
    }

    @Test
    void transferEncodingOnHttp10IsABadRequest() {
        HttpRequest old = head(HttpVersion.HTTP_1_0);
        old.headers().set("Transfer-Encoding", "chunked");

        assertThat(RequestFraming.check(old, false).detail()).contains("HTTP/1.0");
    }

    private static HttpRequest head(HttpVersion version) {
        // Not validating: the decoder leaves spaces where an obs-fold was, which a validating header map would refuse.
        return new DefaultHttpRequest(version, HttpMethod.POST, "/", DefaultHttpHeadersFactory.headersFactory().withValidation(false));
    }

    private static HttpRequest chunked(String encoding) {
        HttpRequest head = head(HttpVersion.HTTP_1_1);
        head.headers().set("Transfer-Encoding", encoding);
        return head;
    }

    private static HttpRequest withLength(HttpRequest head) {
        head.headers().set("Content-Length", "5");
        return head;
    }
}
