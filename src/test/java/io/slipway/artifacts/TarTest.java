package io.slipway.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tars as another reader (commons-compress, which docker-java brings) sees them. */
class TarTest {
    @TempDir
    Path root;

    @Test
    void aDirectoryTreeKeepsItsFilesLinksAndModesOwnedByRootAndReadableByAll() throws IOException {
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/run"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(root.resolve("bin/run"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(root.resolve("bin/python"), Path.of("/usr/bin/python3"));
        String longName = "d".repeat(60) + "/" + "f".repeat(70);
        Files.createDirectories(root.resolve(longName).getParent());
        Files.writeString(root.resolve(longName), "long");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Tar.write(root, out);

        Map<String, TarArchiveEntry> entries = read(out.toByteArray());
        assertThat(entries.keySet()).containsExactly("bin/", "bin/python", "bin/run", "d".repeat(60) + "/", longName);
        assertThat(entries.get("bin/run").getMode() & 0777).isEqualTo(0744);
        assertThat(entries.get("bin/run").getUserName()).isEqualTo("root");
        assertThat(entries.get("bin/python").isSymbolicLink()).isTrue();
        assertThat(entries.get("bin/python").getLinkName()).isEqualTo("/usr/bin/python3");
        assertThat(entries.get(longName).getSize()).isEqualTo(4);
    }

    @Test
    void entriesWrittenOneByOneComeInTheirOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Tar.to(out).directory("etc", 0755).file("etc/passwd", "root:x:0:0::/:/sbin/nologin\n".getBytes(StandardCharsets.UTF_8), 0600)
                .symlink("lib", "usr/lib").finish();

        Map<String, TarArchiveEntry> entries = read(out.toByteArray());
        assertThat(entries.keySet()).containsExactly("etc/", "etc/passwd", "lib");
        assertThat(entries.get("etc/passwd").getMode() & 0777).as("readable by all").isEqualTo(0644);
        assertThat(entries.get("lib").getLinkName()).isEqualTo("usr/lib");
    }

    /**
     * ustar's size field holds 11 octal digits (8 GiB - 1): a bigger file's size, cut to fit, would make a reader take
     * its content for the next headers, which the file's bytes (a sparse file's, cheap to make) would then write. Only
     * the header is written here: the size is what is read back.
     */
    @Test
    void aFileTooBigForUstarsSizeFieldHasItsSizeInAPaxHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long huge = 1L << 40;
        Tar.to(out).header("sparse", '0', 0644, huge, "");

        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry entry = in.getNextEntry();
            assertThat(entry.getName()).isEqualTo("sparse");
            assertThat(entry.getSize()).isEqualTo(huge);
        }
    }

    private static Map<String, TarArchiveEntry> read(byte[] tar) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) entries.put(e.getName(), e);
        }
        return entries;
    }
}
