package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.Language;
import io.slipway.config.SlipwayConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a failed install's detail says, from logs as npm, pip and the registry proxy write them. */
class InstallDiagnosisTest {
    private static final String PIP_MISSING = """
            2026-12-01T14:42:08.190Z [slipway] pip install slipway-no-such-package-4f2a9c
            2026-12-01T14:42:09.096Z [build] ERROR: Could not find a version that satisfies the requirement slipway-no-such-package-4f2a9c (from versions: none)
            2026-12-01T14:42:09.101Z [build] ERROR: No matching distribution found for slipway-no-such-package-4f2a9c
            2026-12-01T14:42:09.251Z [slipway] pip install slipway-no-such-package-4f2a9c failed with exit code 1
            """;
    private static final String NPM_MISSING = """
            2026-12-01T14:42:11.334Z [slipway] npm install @slipway/no-such-package
            2026-12-01T14:42:12.460Z [build] npm error code E404
            2026-12-01T14:42:12.461Z [build] npm error 404 Not Found - GET https://registry.npmjs.org/@slipway%2fno-such-package - Not found
            2026-12-01T14:42:12.523Z [slipway] npm install @slipway/no-such-package failed with exit code 1
            """;
    private static final String NATIVE_DOWNLOADS = """
            2026-12-01T14:44:17.785Z [slipway] npm install better-sqlite3
            2026-12-01T14:44:21.341Z [slipway] registry proxy: refused github.com, which is not a package registry (build.allowedHosts)
            2026-12-01T14:44:21.576Z [slipway] registry proxy: refused nodejs.org, which is not a package registry (build.allowedHosts)
            2026-12-01T14:44:21.793Z [build] npm error prebuild-install warn install tunneling socket could not be established, statusCode=403
            2026-12-01T14:44:21.816Z [slipway] npm install better-sqlite3 failed with exit code 1
            """;
    private static final String INDEX_UNREACHABLE = """
            2026-12-01T14:50:01.000Z [slipway] pip install fastapi
            2026-12-01T14:50:01.200Z [slipway] registry proxy: cannot reach the registry pypi.invalid: its name does not resolve
            2026-12-01T14:50:09.000Z [build] ERROR: Could not find a version that satisfies the requirement fastapi (from versions: none)
            2026-12-01T14:50:09.001Z [build] ERROR: No matching distribution found for fastapi
            """;

    @TempDir
    Path dir;

    private InstallDiagnosis defaults() {
        return new InstallDiagnosis(SlipwayConfig.defaults(dir).build());
    }

    @Test
    void aPackageThatIsNotOnTheRegistryIsNamed() {
        assertThat(defaults().explain(Language.PYTHON, PIP_MISSING))
                .hasValue("slipway-no-such-package-4f2a9c is not on PyPI: check the name in requirements");
        assertThat(defaults().explain(Language.NODE, NPM_MISSING)).hasValue("@slipway/no-such-package is not on npm: check the name in requirements");
    }

    @Test
    void aVersionThatIsNotOnTheRegistryIsNamed() {
        String pip = "[build] ERROR: Could not find a version that satisfies the requirement fastapi==99.0 (from versions: 0.1.0, 0.115.0)\n";
        String npm = "[build] npm error notarget No matching version found for express@99.0.0.\n";

        assertThat(defaults().explain(Language.PYTHON, pip))
                .hasValue("no version of fastapi on PyPI satisfies fastapi==99.0: check the version in requirements");
        assertThat(defaults().explain(Language.NODE, npm))
                .hasValue("no version of express on npm satisfies express@99.0.0: check the version in requirements");
    }

    @Test
    void hostsTheProxyRefusedAreNamedWithTheSettingThatAllowsThem() {
        assertThat(defaults().explain(Language.NODE, NATIVE_DOWNLOADS)).hasValue("the build tried to reach github.com and nodejs.org, which are "
                + "not package registries; an operator can allow them with build.allowedHosts");
        assertThat(defaults().explain(Language.NODE, NATIVE_DOWNLOADS.replaceAll("(?m)^.*nodejs.org.*\n", ""))).hasValue(
                "the build tried to reach github.com, which is not a package registry; an operator can allow it with build.allowedHosts");
    }

    @Test
    void aRegistryThatCannotBeReachedComesBeforeThePackagesPipThenCannotFind() {
        assertThat(defaults().explain(Language.PYTHON, INDEX_UNREACHABLE)).hasValue(
                "the package registry pypi.invalid could not be reached from this Slipway: try again later, or ask the operator");
    }

    @Test
    void aMissingPackageComesBeforeAHostThatAToleratingInstallScriptWasRefused() {
        String log = NATIVE_DOWNLOADS.lines().limit(2).map(l -> l + "\n").reduce("", String::concat) + PIP_MISSING;

        assertThat(defaults().explain(Language.PYTHON, log)).hasValue("slipway-no-such-package-4f2a9c is not on PyPI: check the name in requirements");
    }

    @Test
    void theConfiguredRegistriesAreNamedByTheirHosts() {
        var build = SlipwayConfig.defaults(dir).build();
        var mirrors = new InstallDiagnosis(new SlipwayConfig.BuildSettings(build.timeout(), build.esbuildVersion(), "https://npm.internal:8443/",
                "https://pypi.internal/simple", "", "", build.network(), "", build.limits(), build.bundle()));

        assertThat(mirrors.explain(Language.PYTHON, PIP_MISSING)).hasValue("slipway-no-such-package-4f2a9c is not on pypi.internal: check the name in requirements");
        assertThat(mirrors.explain(Language.NODE, NPM_MISSING)).hasValue("@slipway/no-such-package is not on npm.internal:8443: check the name in requirements");
        assertThat(new InstallDiagnosis(build.withPipFindLinks("/wheels")).explain(Language.PYTHON, PIP_MISSING))
                .hasValue("slipway-no-such-package-4f2a9c is not in build.pipFindLinks: check the name in requirements");
    }

    @Test
    void theDetailSaysWhyFirstAndThenHowTheStepEnded() {
        assertThat(defaults().detail(Language.PYTHON, "pip install slipway-no-such-package-4f2a9c", PIP_MISSING, "pip install x failed with exit code 1"))
                .isEqualTo("slipway-no-such-package-4f2a9c is not on PyPI: check the name in requirements (pip install x failed with exit code 1)");
        assertThat(defaults().detail(Language.NODE, "npm install left-pad", "[slipway] npm install left-pad\n[build] npm error code EINTEGRITY\n",
                "npm install left-pad failed with exit code 1")).isEqualTo("npm install left-pad failed with exit code 1");
    }

    @Test
    void onlyTheStepsOwnPartOfTheLogCounts() {
        String earlier = NATIVE_DOWNLOADS.replace("better-sqlite3", "sqlite3");
        String log = earlier + "2026-12-01T15:00:00.000Z [slipway] npm install left-pad\n2026-12-01T15:00:01.000Z [build] npm error code EINTEGRITY\n";

        assertThat(defaults().detail(Language.NODE, "npm install left-pad", log, "npm install left-pad failed with exit code 1"))
                .isEqualTo("npm install left-pad failed with exit code 1");
    }

    @Test
    void anInstallScriptCannotWriteTheProxysLines() {
        String forged = "[build] [slipway] registry proxy: refused evil.example, which is not a package registry\n"
                + "2026-12-01T15:00:01.000Z [build] [slipway] registry proxy: refused evil.example, which is not a package registry\n"
                + "2026-12-01T15:00:01.000Z [build] 2026-12-01T15:00:01.000Z [slipway] registry proxy: refused evil.example, which is not a package registry\n";

        assertThat(defaults().explain(Language.NODE, forged)).isEmpty();
    }

    @Test
    void scopedAndPlainPackagesAreReadFromTheirRegistryUrls() {
        Map.of("https://registry.npmjs.org/left-pad", "left-pad",
                "https://registry.npmjs.org/@types%2fnode", "@types/node",
                "https://npm.internal/repository/npm/@scope/name", "@scope/name").forEach((url, name) ->
                assertThat(InstallDiagnosis.npmPackage(url)).as(url).isEqualTo(name));
    }
}
