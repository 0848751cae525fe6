package io.slipway.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.slipway.config.Variables;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/kubernetes}, rendered as {@code kubectl apply -k} renders it (by the pinned kustomize, {@link Kustomize}),
 * holds what DESIGN §5 asks of Slipway on Kubernetes, and its objects are accepted by an API server and read back.
 * That API server is fabric8's Kubernetes <em>mock</em> server in CRUD mode: an in-memory store behind the API's REST
 * paths, started on a free port before the class and closed after it. It is not a real API server (none can run on
 * these machines, DESIGN §9): it validates no schema, enforces no RBAC and runs no pods, so what it proves is that the
 * objects parse as Kubernetes' own types and survive a create and a read through fabric8.
 */
class KubernetesManifestsIT {
    private static final Path KUSTOMIZATION = Path.of("deploy", "kubernetes").toAbsolutePath();
    private static final String NAMESPACE = "slipway";

    private static KubernetesMockServer mockApiServer;
    private static KubernetesClient client;
    private static List<HasMetadata> objects;

    @BeforeAll
    static void startMockApiServerAndRender() {
        mockApiServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        mockApiServer.init();
        client = mockApiServer.createClient();
        objects = parse(Kustomize.ofRecord().render(KUSTOMIZATION));
    }

    @AfterAll
    static void stopMockApiServer() {
        if (client != null) client.close();
        if (mockApiServer != null) mockApiServer.destroy();
    }

    @Test
    void deploymentRunsTwoReplicasOfTheKubernetesRuntimeReadyOnReadyz() {
        Deployment deployment = only(Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        Container slipway = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, EnvVar> env = env(slipway);

        int port = Integer.parseInt(env.get(Variables.nameOf("port")).getValue());
        assertThat(slipway.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(port);
        });
        assertThat(slipway.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(slipway.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(slipway.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(slipway.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");

        assertThat(env.get(Variables.nameOf("runtime")).getValue()).isEqualTo("kubernetes");
        var database = env.get(Variables.nameOf("database.url")).getValueFrom().getSecretKeyRef();
        assertThat(database.getName()).isEqualTo("slipway-database");
        assertThat(database.getKey()).isEqualTo("url");
        assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        assertThat(env.get(Variables.nameOf("cluster.advertiseUrl")).getValue()).isEqualTo("http://$(POD_IP):" + port);
        for (String namespace : List.of(Variables.nameOf("kubernetes.namespace"), "KUBERNETES_NAMESPACE")) {
            assertThat(env.get(namespace).getValueFrom().getFieldRef().getFieldPath()).as(namespace).isEqualTo("metadata.namespace");
        }
        assertThat(slipway.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(slipway.getResources().getLimits()).containsKey("memory");
    }

    @Test
    void everySlipwayVariableNamesAKeyOfThisBuild() {
        assertThat(env(only(Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst()).keySet())
                .filteredOn(name -> name.startsWith("SLIPWAY_"))
                .contains(Variables.nameOf("kubernetes.namespace"), Variables.nameOf("kubernetes.nodeImage"))
                .isNotEmpty()
                .allSatisfy(name -> assertThat(Variables.keyOf(name)).as(name).isPresent());
    }

    @Test
    void deploymentImageIsTheOneTheKustomizationNames() {
        String image = only(Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
        assertThat(image).isEqualTo("registry.example.com/slipway:0.1.0-SNAPSHOT");
    }

    @Test
    void podRunsAsAnOrdinaryUserWithNoCapabilitiesUnderItsServiceAccount() {
        var pod = only(Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(only(ServiceAccount.class).getMetadata().getName());
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        var container = pod.getContainers().getFirst().getSecurityContext();
        assertThat(container.getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    }

    @Test
    void roleGrantsExactlyWhatTheRuntimeUsesInItsNamespace() {
        Role role = only(Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        Map<String, List<String>> verbs = new TreeMap<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getResourceNames()).as("rule %s", rule).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                rule.getResources().forEach(resource -> verbs.put(group + "/" + resource, rule.getVerbs()));
            }
        }
        List<String> owned = List.of("get", "list", "watch", "create", "update", "patch", "delete");
        assertThat(verbs).containsExactlyInAnyOrderEntriesOf(Map.of(
                "apps/deployments", owned,
                "/services", owned,
                "networking.k8s.io/networkpolicies", owned,
                "/persistentvolumeclaims", owned,
                "/secrets", List.of("get", "create", "update", "patch", "delete"),
                "/pods", List.of("get", "list", "watch", "create", "delete"),
                "/pods/log", List.of("get")));

        RoleBinding binding = only(RoleBinding.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo(only(ServiceAccount.class).getMetadata().getName());
            assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
        });
    }

    @Test
    void serviceAndDisruptionBudgetSelectSlipwaysPods() {
        Map<String, String> pods = only(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        Service service = only(Service.class);
        assertThat(pods).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        PodDisruptionBudget budget = only(PodDisruptionBudget.class);
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(pods).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void ingressRoutesSlipwaysHostAndEveryAppHostOfTheAppDomain() {
        String appDomain = env(only(Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst())
                .get(Variables.nameOf("routing.appDomain")).getValue();
        Ingress ingress = only(Ingress.class);
        assertThat(ingress.getSpec().getRules()).extracting(IngressRule::getHost).containsExactlyInAnyOrder("slipway.example.com", "*." + appDomain);
        assertThat(ingress.getSpec().getRules()).allSatisfy(rule -> assertThat(rule.getHttp().getPaths()).singleElement().satisfies(path -> {
            assertThat(path.getPath()).isEqualTo("/");
            assertThat(path.getBackend().getService().getName()).isEqualTo(only(Service.class).getMetadata().getName());
        }));
    }

    @Test
    void rendersNoSecretAndEveryObjectInSlipwaysNamespace() {
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Secret", "Namespace");
        assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind()).isEqualTo(NAMESPACE));
    }

    @Test
    void everyObjectIsCreatedOnTheMockApiServerAndReadBackUnchanged() {
        List<HasMetadata> created = client.resourceList(objects).create();
        assertThat(created).hasSameSizeAs(objects);
        for (HasMetadata rendered : objects) {
            HasMetadata stored = client.resource(rendered).get();
            assertThat(stored).as("%s %s", rendered.getKind(), rendered.getMetadata().getName()).isNotNull();
            assertThat(stored.getMetadata().getUid()).isNotBlank();
            assertThat(comparable(stored)).as(rendered.getKind()).isEqualTo(comparable(rendered));
        }
        assertThat(client.apps().deployments().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/part-of", "slipway").list().getItems())
                .extracting(d -> d.getMetadata().getName()).containsExactly("slipway");
    }

    /** The pinned kustomize renders the same objects each time, and as kubectl's own does where a kubectl is on PATH. */
    @Test
    void theRenderingIsStableAndKubectlsIsTheSame() {
        assertThat(byName(parse(Kustomize.ofRecord().render(KUSTOMIZATION)))).isEqualTo(byName(objects));
        Kustomize.kubectl().ifPresent(kubectl -> assertThat(byName(parse(kubectl.render(KUSTOMIZATION))))
                .as("kubectl kustomize, a cross-check where a kubectl is installed").isEqualTo(byName(objects)));
    }

    private static List<HasMetadata> parse(String yaml) {
        return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    private static <T extends HasMetadata> T only(Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("rendered %s objects", type.getSimpleName()).hasSize(1);
        return found.getFirst();
    }

    private static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, Function.identity()));
    }

    /** The object as JSON, without what an API server adds of its own: uid, resource version, timestamps, status. */
    private static JsonNode comparable(HasMetadata object) {
        ObjectNode json = client.getKubernetesSerialization().convertValue(object, ObjectNode.class);
        json.remove("status");
        ((ObjectNode) json.get("metadata")).remove(List.of("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"));
        return json;
    }

    private static Map<String, JsonNode> byName(List<HasMetadata> list) {
        return list.stream().collect(Collectors.toMap(o -> o.getKind() + "/" + o.getMetadata().getName(), KubernetesManifestsIT::comparable));
    }
}
