package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.TestDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** What each version was built from, on a real SQLite file and a real PostgreSQL: bytes kept exactly, per version. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class SourceStoreTest {
    @Parameter
    TestDatabase kind;
    @TempDir
    Path dir;
    Database database;
    SourceStore sources;

    @BeforeEach
    void open() {
        database = kind.open(dir);
        sources = new SourceStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void eachVersionsUploadIsKeptByteForByteUntilAnotherServes() {
        byte[] v1 = {0, (byte) 0xff, 'a', '\n', (byte) 0xc3, (byte) 0xa9};
        byte[] v2 = "console.log(2)".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sources.put("app1", "alice", "h1", "index.js", v1);
        sources.put("app1", "alice", "h2", "index.ts", v2);
        sources.put("app1", "alice", "h1", "index.js", v2);

        assertThat(sources.find("app1", "h1")).hasValueSatisfying(s -> {
            assertThat(s.fileName()).isEqualTo("index.js");
            assertThat(s.content()).as("the first of a version stays").containsExactly(v1);
        });
        sources.retainOnly("app1", java.util.Set.of("h2"));
        assertThat(sources.find("app1", "h1")).isEmpty();
        assertThat(sources.find("app1", "h2")).hasValueSatisfying(s -> assertThat(s.content()).containsExactly(v2));
        sources.deleteAllOf("app1");
        assertThat(sources.find("app1", "h2")).isEmpty();
    }
}
