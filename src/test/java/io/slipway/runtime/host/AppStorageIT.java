package io.slipway.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.DataDir;
import io.slipway.config.DataSize;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each app's {@code /data} on this host, for real (root, loop devices, ext4): its own uid's alone, exactly its size
 * (ENOSPC past it), kept across unmounts and a killed Slipway's leftovers, grown with its plan, gone with the app.
 */
class AppStorageIT {
    private static final int UID = 61_234;
    @TempDir
    Path dataDir;
    private AppStorage storage;

    @AfterEach
    void unmountWhatIsLeft() {
        if (storage != null) storage.unmountAll();
        assertThat(new MountTable(dataDir.resolve("storage/mnt")).mountedUnder()).as("nothing left mounted").isEmpty();
    }

    @Test
    void anAppsDataIsItsUidsAloneAndKeepsItsFilesAcrossUnmounts() throws IOException {
        storage = AppStorage.of(new DataDir(dataDir));
        Path data = storage.attach("app-a", UID, DataSize.ofMebibytes(16));

        assertThat(Files.getAttribute(data, "unix:uid")).isEqualTo(UID);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(data.toFile().list()).as("starts empty, no lost+found").isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storage.image("app-a")))).isEqualTo("rw-------");
        Files.writeString(data.resolve("counter"), "41");
        assertThat(storage.used("app-a").getAsLong()).isPositive();
        storage.detach("app-a");

        assertThat(new MountTable(dataDir.resolve("storage/mnt")).isMounted(data)).isFalse();
        assertThat(storage.used("app-a")).as("as measured at the unmount").isPresent();
        Path again = storage.attach("app-a", UID, DataSize.ofMebibytes(16));
        assertThat(Files.readString(again.resolve("counter"))).isEqualTo("41");
        storage.detach("app-a");
    }

    @Test
    void twoSandboxesShareOneMountAndOnlyTheLastOnesEndUnmountsIt() throws IOException {
        storage = AppStorage.of(new DataDir(dataDir));
        Path first = storage.attach("app-a", UID, DataSize.ofMebibytes(16));
        Path second = storage.attach("app-a", UID, DataSize.ofMebibytes(16));
        assertThat(second).isEqualTo(first);

        storage.detach("app-a");
        Files.writeString(second.resolve("still"), "here");
        storage.detach("app-a");
        assertThat(new MountTable(dataDir.resolve("storage/mnt")).isMounted(first)).isFalse();
    }

    @Test
    void writingPastTheSizeFailsWithNoSpaceLeft() throws IOException {
        storage = AppStorage.of(new DataDir(dataDir));
        Path data = storage.attach("app-a", UID, DataSize.ofMebibytes(16));

        assertThatThrownBy(() -> fill(data.resolve("big"))).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        assertThat(storage.used("app-a").getAsLong()).isBetween(12L << 20, 16L << 20);
        Files.delete(data.resolve("big"));
        Files.writeString(data.resolve("small"), "room again");
        storage.detach("app-a");
    }

    @Test
    void aLargerPlanGrowsTheFileSystemAndKeepsItsFiles() throws IOException {
        storage = AppStorage.of(new DataDir(dataDir));
        Path data = storage.attach("app-a", UID, DataSize.ofMebibytes(16));
        Files.writeString(data.resolve("kept"), "yes");
        long before = Files.getFileStore(data).getTotalSpace();
        storage.detach("app-a");

        data = storage.attach("app-a", UID, DataSize.ofMebibytes(48));
        assertThat(Files.getFileStore(data).getTotalSpace()).isGreaterThan(before + (24L << 20));
        assertThat(Files.readString(data.resolve("kept"))).isEqualTo("yes");
        assertThat(Files.size(storage.image("app-a"))).isEqualTo(48L << 20);
        storage.detach("app-a");
    }

    @Test
    void anAppMovedToAnotherUidGetsItsFilesWithIt() throws IOException {
        storage = AppStorage.of(new DataDir(dataDir));
        Path data = storage.attach("app-a", UID, DataSize.ofMebibytes(16));
        Files.createDirectories(data.resolve("dir"));
        Files.writeString(data.resolve("dir/file"), "x");
        HostCommands.run("chown", "-R", UID + ":" + UID, data.toString());
        storage.detach("app-a");

        data = storage.attach("app-a", UID + 1, DataSize.ofMebibytes(16));
        assertThat(Files.getAttribute(data.resolve("dir/file"), "unix:uid")).isEqualTo(UID + 1);
        storage.detach("app-a");
    }

    @Test
    void aKilledRunsMountsAreUnmountedAtTheNextStartAndDeletedAppsImagesGo() throws IOException {
        AppStorage killed = AppStorage.of(new DataDir(dataDir));
        killed.attach("kept", UID, DataSize.ofMebibytes(16));
        killed.attach("gone", UID + 1, DataSize.ofMebibytes(16));

        storage = AppStorage.of(new DataDir(dataDir));
        assertThat(storage.reapLeftovers(Set.of("kept"))).isEqualTo(2);

        assertThat(new MountTable(dataDir.resolve("storage/mnt")).mountedUnder()).isEmpty();
        assertThat(storage.image("kept")).exists();
        assertThat(storage.image("gone")).doesNotExist();
    }

    @Test
    void aDeletedAppsDataGoesImageAndAll() {
        storage = AppStorage.of(new DataDir(dataDir));
        Path data = storage.attach("app-a", UID, DataSize.ofMebibytes(16));

        storage.delete("app-a");

        assertThat(storage.image("app-a")).doesNotExist();
        assertThat(data).doesNotExist();
        assertThat(storage.used("app-a")).hasValue(0);
    }

    /** 64 MiB into a 16 MiB file system: ext4 reserves blocks at write(2) (delayed allocation), so the write itself fails. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 64; i++) out.write(block);
        }
    }
}
