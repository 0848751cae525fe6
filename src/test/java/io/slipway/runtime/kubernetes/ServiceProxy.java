package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Services of the {@link TestKubelet}'s cluster: the API server's ClusterIP allocation, the endpoints controller and
 * kube-proxy. Each Service of type ClusterIP without a {@code spec.clusterIP} gets one, an address of its own on the
 * host's loopback, as soon as it is seen; each of its ports is a {@link TcpForwarder} from {@code clusterIP:port} to
 * {@code podIP:targetPort} (a number, or a container port's name) of every ready pod its selector matches that is not
 * terminating. Headless Services ({@code clusterIP: None}) and other types get nothing. Runs on the kubelet's one
 * control thread; {@link #close()} stops every forwarder.
 */
final class ServiceProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);

    /** A Service's forwarders, by port. */
    private record Frontend(String uid, InetAddress clusterIp, Map<Integer, TcpForwarder> ports) {
    }

    private final KubernetesClient api;
    private final String namespace;
    private final LoopbackAddresses addresses;
    private final Map<String, Frontend> frontends = new HashMap<>();

    ServiceProxy(KubernetesClient api, String namespace, LoopbackAddresses addresses) {
        this.api = api;
        this.namespace = namespace;
        this.addresses = addresses;
    }

    void reconcile(List<Service> services, List<Pod> pods) {
        Set<String> seen = services.stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
        frontends.values().removeIf(frontend -> {
            if (seen.contains(frontend.uid())) return false;
            frontend.ports().values().forEach(TcpForwarder::close);
            addresses.release(frontend.clusterIp());
            return true;
        });
        for (Service service : services) {
            String type = service.getSpec().getType();
            if (type != null && !type.equals("ClusterIP") || "None".equals(service.getSpec().getClusterIP())) continue;
            try {
                Frontend frontend = frontends.computeIfAbsent(service.getMetadata().getUid(), uid -> allocate(service));
                List<Pod> backends = pods.stream().filter(p -> selects(service, p) && DeploymentController.ready(p)
                        && !DeploymentController.terminating(p) && p.getStatus().getPodIP() != null).toList();
                for (ServicePort port : service.getSpec().getPorts()) {
                    TcpForwarder forwarder = frontend.ports().computeIfAbsent(port.getPort(),
                            p -> new TcpForwarder(new InetSocketAddress(frontend.clusterIp(), p)));
                    List<InetSocketAddress> endpoints = new ArrayList<>();
                    for (Pod pod : backends) targetPort(pod, port).ifPresent(target -> endpoints.add(new InetSocketAddress(pod.getStatus().getPodIP(), target)));
                    forwarder.endpoints(endpoints);
                }
            } catch (KubernetesClientException | IllegalStateException e) {
                LOG.warn("service {}: {}", service.getMetadata().getName(), e.getMessage());
            }
        }
    }

    /** The Service's address: the one it names, else a new one, written to its {@code spec.clusterIP}. */
    private Frontend allocate(Service service) {
        String named = service.getSpec().getClusterIP();
        InetAddress address;
        if (named != null && !named.isEmpty()) {
            try {
                address = InetAddress.getByName(named);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("spec.clusterIP " + named + " is not an address", e);
            }
        } else {
            address = addresses.next(service.getSpec().getPorts().stream().map(ServicePort::getPort).toList());
            String ip = address.getHostAddress();
            api.services().inNamespace(namespace).withName(service.getMetadata().getName()).edit(s -> {
                s.getSpec().setClusterIP(ip);
                s.getSpec().setClusterIPs(List.of(ip));
                return s;
            });
        }
        return new Frontend(service.getMetadata().getUid(), address, new HashMap<>());
    }

    private static boolean selects(Service service, Pod pod) {
        Map<String, String> selector = service.getSpec().getSelector();
        return selector != null && !selector.isEmpty() && pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
    }

    private static Optional<Integer> targetPort(Pod pod, ServicePort port) {
        IntOrString target = port.getTargetPort();
        if (target == null) return Optional.of(port.getPort());
        if (target.getIntVal() != null) return Optional.of(target.getIntVal());
        return pod.getSpec().getContainers().stream().map(Container::getPorts).flatMap(List::stream)
                .filter(p -> target.getStrVal().equals(p.getName())).map(p -> p.getContainerPort()).findFirst();
    }

    @Override
    public void close() {
        for (Frontend frontend : frontends.values()) {
            frontend.ports().values().forEach(TcpForwarder::close);
            addresses.release(frontend.clusterIp());
        }
        frontends.clear();
    }
}
