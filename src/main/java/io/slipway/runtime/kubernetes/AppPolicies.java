package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.slipway.runtime.SandboxSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NetworkPolicy of one sandbox's pods (the cluster's network plugin enforces it): only Slipway's own pods reach
 * the app, on its port; the app reaches Slipway only on the port its layers are downloaded from (its init container's
 * one need), and, with {@link io.slipway.runtime.NetworkPolicy#INTERNET}, the public internet and the cluster's DNS —
 * never private, link-local, loopback or carrier-grade NAT ranges, so neither the nodes, nor other pods, nor a cloud's
 * metadata service, over IPv4 or IPv6. Without it, nothing else at all, DNS included.
 */
final class AppPolicies {
    /** What no app reaches even with the internet: private, shared, link-local and loopback ranges. */
    static final List<String> PRIVATE_V4 = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
            "127.0.0.0/8", "0.0.0.0/8");
    static final List<String> PRIVATE_V6 = List.of("fc00::/7", "fe80::/10", "::1/128", "::ffff:0:0/96", "64:ff9b::/96");

    private final Map<String, String> slipwayPods;

    AppPolicies(Map<String, String> slipwayPods) {
        this.slipwayPods = Map.copyOf(slipwayPods);
    }

    /** @param artifacts where the pod downloads its layers: the only port of Slipway's it may reach */
    NetworkPolicy of(SandboxSpec spec, char slot, Map<String, String> labels, URI artifacts) {
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .addToTo(new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(slipwayPods).endPodSelector().build())
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(port(artifacts))).endPort().build());
        if (spec.network() == io.slipway.runtime.NetworkPolicy.INTERNET) {
            egress.add(publicInternet());
            egress.add(dns());
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(AppObjects.name(spec.appId(), slot)).withLabels(labels).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(AppObjects.selector(spec.appId(), slot)).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .addNewIngress()
                .addNewFrom().withNewPodSelector().withMatchLabels(slipwayPods).endPodSelector().endFrom()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(AppObjects.APP_PORT)).endPort()
                .endIngress()
                .withEgress(egress)
                .endSpec().build();
    }

    /** The public internet, over IPv4 and IPv6: no private, shared, link-local or loopback range. */
    static NetworkPolicyEgressRule publicInternet() {
        return new NetworkPolicyEgressRuleBuilder()
                .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").withExcept(PRIVATE_V4).endIpBlock().endTo()
                .addNewTo().withNewIpBlock().withCidr("::/0").withExcept(PRIVATE_V6).endIpBlock().endTo().build();
    }

    /** The cluster's DNS (kube-dns or CoreDNS by its {@code k8s-app} label, in any namespace), on port 53. */
    static NetworkPolicyEgressRule dns() {
        return new NetworkPolicyEgressRuleBuilder()
                .addNewTo().withNewNamespaceSelector().endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels("k8s-app", "kube-dns").endPodSelector().endTo()
                .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(53)).endPort().build();
    }

    static int port(URI url) {
        if (url.getPort() > 0) return url.getPort();
        return "https".equals(url.getScheme()) ? 443 : 80;
    }
}
