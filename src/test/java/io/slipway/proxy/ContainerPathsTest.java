package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContainerPathsTest {
    @Test
    void prefixIsStrippedWithAndWithoutTrailingSlash() {
        assertThat(ContainerPaths.parse("/containers/abc").forwardedUri()).isEqualTo("/");
        assertThat(ContainerPaths.parse("/containers/abc/").forwardedUri()).isEqualTo("/");
        assertThat(ContainerPaths.parse("/containers/abc/mcp/x").forwardedUri()).isEqualTo("/mcp/x");
    }

    @Test
    void queryStringPassesUnchanged() {
        assertThat(ContainerPaths.parse("/containers/abc?x=1&y=%20").forwardedUri()).isEqualTo("/?x=1&y=%20");
        assertThat(ContainerPaths.parse("/containers/abc/p?q=/containers/z").forwardedUri()).isEqualTo("/p?q=/containers/z");
        assertThat(ContainerPaths.parse("/containers/abc/p?q").prefix()).isEqualTo("/containers/abc");
    }

    @Test
    void idsThatCannotBeAppIdsAreRejected() {
        assertThat(ContainerPaths.parse("/containers/")).isNull();
        assertThat(ContainerPaths.parse("/containers/..%2Fapi/")).isNull();
        assertThat(ContainerPaths.parse("/containers/ABC/")).isNull();
        assertThat(ContainerPaths.parse("/containers/" + "a".repeat(65))).isNull();
        assertThat(ContainerPaths.parse("/api/containers/abc")).isNull();
    }

    @Test
    void onAnAppsOwnHostThePathPassesWholeUnderNoPrefix() {
        ContainerPaths paths = ContainerPaths.onAppHost("abc", "/containers/abc/api/mcp-projects?x=1");
        assertThat(paths.appId()).isEqualTo("abc");
        assertThat(paths.prefix()).isEmpty();
        assertThat(paths.forwardedUri()).isEqualTo("/containers/abc/api/mcp-projects?x=1");
    }

    @Test
    void hostLabelsThatCannotBeAppIdsAreRejected() {
        for (String label : new String[] {"", "x.y", "a-b", "a_b", "a".repeat(65)}) {
            assertThat(ContainerPaths.onAppHost(label, "/")).as(label).isNull();
        }
    }
}
