package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFilesTest {
    @TempDir
    Path host;

    /** A host laid out as Debian's: /lib a link to usr/lib, the loader a link into it, a certificate linked from /etc. */
    @Test
    void everyLinkOnTheWayIsKeptAndItsTargetAdded() throws IOException {
        Files.createDirectories(host.resolve("usr/lib/x86_64-linux-gnu"));
        Files.writeString(host.resolve("usr/lib/x86_64-linux-gnu/ld-linux.so.2"), "loader");
        Files.createSymbolicLink(host.resolve("lib"), Path.of("usr/lib"));
        Files.createDirectories(host.resolve("lib64"));
        Files.createSymbolicLink(host.resolve("lib64/ld-linux.so.2"), host.resolve("lib/x86_64-linux-gnu/ld-linux.so.2"));
        Files.createDirectories(host.resolve("share/ca"));
        Files.writeString(host.resolve("share/ca/root.crt"), "cert");
        Files.createDirectories(host.resolve("etc/certs"));
        Files.createSymbolicLink(host.resolve("etc/certs/root.pem"), host.resolve("share/ca/root.crt"));

        HostFiles files = new HostFiles().add(host.resolve("lib64/ld-linux.so.2")).add(host.resolve("etc/certs"))
                .content("/etc/passwd", "app:x:1:1::/tmp:/sbin/nologin\n", 0644).directory("/tmp", 01777);
        Map<String, TarArchiveEntry> entries = read(files);

        String h = host.toString().substring(1) + "/";
        assertThat(entries.get(h + "lib64/ld-linux.so.2").getLinkName()).isEqualTo(host.resolve("lib/x86_64-linux-gnu/ld-linux.so.2").toString());
        assertThat(entries.get(h + "lib").getLinkName()).isEqualTo("usr/lib");
        assertThat(entries.get(h + "usr/lib/x86_64-linux-gnu/ld-linux.so.2").getSize()).isEqualTo("loader".length());
        assertThat(entries.get(h + "etc/certs/root.pem").isSymbolicLink()).isTrue();
        assertThat(entries.get(h + "share/ca/root.crt").isFile()).isTrue();
        assertThat(entries).containsKeys("etc/passwd", "tmp/", h + "usr/", h + "lib64/");
        assertThat(java.util.List.copyOf(entries.keySet())).as("a directory before what it holds").isSorted();
    }

    @Test
    void theDigestChangesWithWhatGoesIn() throws IOException {
        Path program = Files.writeString(host.resolve("node"), "v20");
        String before = new HostFiles().add(program).digest();
        assertThat(new HostFiles().add(program).digest()).isEqualTo(before);

        Files.writeString(program, "v22.1");
        assertThat(new HostFiles().add(program).digest()).isNotEqualTo(before);
        assertThat(new HostFiles().add(program).content("/etc/passwd", "x", 0644).digest()).isNotEqualTo(new HostFiles().add(program).digest());
    }

    private static Map<String, TarArchiveEntry> read(HostFiles files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        files.writeTar(out);
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) entries.put(e.getName(), e);
        }
        return entries;
    }
}
