package io.dls.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The deployment files (docker-compose.yml, fluentd/, deploy/kubernetes/) cannot run here: there is no Docker
 * engine and no Kubernetes. So they are checked against the code they deploy: paths they mount or build
 * from exist, jar names are what the poms build, RECEIVER_* variables are receiver settings, job arguments
 * are options of the job, and the ports agree with the receiver's defaults. docker-compose itself checks
 * the schema.
 */
class DeploymentFilesTest {
    /** Surefire runs in system-tests/; every path in the deployment files is relative to the repository. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String JOB_MAIN = "io.dls.job.Main";
    private static final String RECEIVER_MODULE = "forward-receiver";
    private static final String PRODUCER_ENV_PREFIX = "RECEIVER_KAFKA_PRODUCER_";

    private static JsonNode services;
    private static JsonNode volumes;
    private static JsonNode receiverDefaults;

    @BeforeAll
    static void load() {
        JsonNode compose = yaml("docker-compose.yml");
        services = compose.path("services");
        volumes = compose.path("volumes");
        receiverDefaults = yaml(RECEIVER_MODULE + "/src/main/resources/receiver-defaults.yaml");
    }

    // ---- docker-compose.yml ----

    @Test
    void composeRunsEveryPartOfTheStack() {
        assertThat(fieldNames(services)).as("services of docker-compose.yml").contains(
                "kafka", "elasticsearch", "kibana", "kibana-setup", "jobmanager", "taskmanager",
                "index-jobmanager", "index-taskmanager",
                "receiver", "fluentd", "fluent-bit", "demo", "alertmanager", "notifier");
        // YAML merge keys (<<: *anchor) are invisible to this parser: settings behind them would go unchecked.
        services.fields().forEachRemaining(s -> assertThat(fieldNames(s.getValue()))
                .as("service %s uses a YAML merge key; write its settings out", s.getKey()).doesNotContain("<<"));
    }

    @Test
    void composeBuildsFromDockerfilesThatExistAndCopyWhatThePomsBuild() {
        Set<String> contexts = new LinkedHashSet<>();
        services.fields().forEachRemaining(s -> buildContext(s.getValue()).ifPresent(context -> {
            contexts.add(context);
            Path dir = ROOT.resolve(context).normalize();
            assertThat(dir).as("build context of %s", s.getKey()).isDirectory();
            Path dockerfile = dir.resolve(dockerfileName(s.getValue()));
            assertThat(dockerfile).as("Dockerfile of %s", s.getKey()).isRegularFile();
            for (Copy copy : copies(dockerfile)) {
                for (String source : copy.sources()) {
                    assertExistsOrIsBuilt(ROOT.relativize(dir.resolve(source).normalize()), "COPY in " + ROOT.relativize(dockerfile));
                }
            }
        }));
        assertThat(contexts).as("services built from this repository")
                .containsExactlyInAnyOrder("forward-receiver", "flink-jobs", "launcher", "notifier");
    }

    @Test
    void composeMountsFilesThatExistAndNamedVolumesItDeclares() {
        List<String> binds = new ArrayList<>();
        services.fields().forEachRemaining(s -> {
            for (Mount m : mounts(s.getValue())) {
                if (m.bind()) {
                    assertThat(Path.of(m.source()).isAbsolute()).as("%s mounts the host path %s; use ./ paths", s.getKey(), m.source()).isFalse();
                    assertExistsOrIsBuilt(ROOT.relativize(ROOT.resolve(m.source()).normalize()), "volume of " + s.getKey());
                    binds.add(m.source());
                } else {
                    assertThat(fieldNames(volumes)).as("named volume %s of %s is declared under volumes:", m.source(), s.getKey())
                            .contains(m.source());
                }
            }
        });
        assertThat(binds).as("bind mounts").contains("./kibana", "./alert-patterns", "./fluentd/fluentd.conf", "./fluentd/fluent-bit.conf",
                "./alertmanager/alertmanager.yml");
        // The file kibana-setup posts to Kibana's import API, seen through its mounts.
        JsonNode setup = services.path("kibana-setup");
        Matcher upload = Pattern.compile("file=@(\\S+)").matcher(String.join(" ", command(setup)));
        assertThat(upload.find()).as("kibana-setup uploads a file (--form file=@...)").isTrue();
        String inContainer = upload.group(1);
        assertThat(mounts(setup)).as("mount of kibana-setup holding %s", inContainer).anySatisfy(m -> {
            assertThat(inContainer).startsWith(m.target() + "/");
            assertThat(ROOT.resolve(m.source()).resolve(inContainer.substring(m.target().length() + 1)).normalize()).isRegularFile();
        });
    }

    @Test
    void alertPatternsMountsAreTheRealDirectoryReadOnly() {
        List<Mount> patternMounts = new ArrayList<>();
        services.fields().forEachRemaining(s -> mounts(s.getValue()).stream()
                .filter(m -> m.source().contains("alert-patterns") || m.target().contains("alert-patterns"))
                .forEach(m -> {
                    assertThat(ROOT.resolve(m.source()).normalize()).as("alert-patterns mount of %s", s.getKey())
                            .isEqualTo(ROOT.resolve("alert-patterns"));
                    assertThat(m.readOnly()).as("alert-patterns mount of %s is read-only", s.getKey()).isTrue();
                    patternMounts.add(m);
                }));
        assertThat(patternMounts).as("alert-patterns mounts").isNotEmpty();
        assertThat(patternFiles(ROOT.resolve("alert-patterns"))).as("pattern files").isNotEmpty();
        // The job reads its patterns where --patterns says, inside the jobmanager.
        String patternsArg = optionValue(jobArgs(command(services.path("jobmanager"))), "--patterns");
        assertThat(mounts(services.path("jobmanager"))).as("jobmanager mounts")
                .anySatisfy(m -> {
                    assertThat(m.target()).isEqualTo(patternsArg);
                    assertThat(ROOT.resolve(m.source()).normalize()).isEqualTo(ROOT.resolve("alert-patterns"));
                });
    }

    @Test
    void receiverVariablesInComposeAreReceiverSettings() {
        services.fields().forEachRemaining(s -> assertReceiverVariables(environment(s.getValue()).keySet(), "service " + s.getKey()));
        List<String> receivers = receiverServices();
        assertThat(receivers).as("services built from forward-receiver").contains("receiver");
        for (String name : receivers) {
            assertThat(environment(services.path(name))).as("environment of %s", name)
                    .containsEntry("RECEIVER_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        }
    }

    @Test
    void receiverPortsInComposeAgreeWithItsSettings() {
        assertThat(receiverDefaults.path("port").asInt()).as("receiver default port").isEqualTo(24224);
        assertThat(receiverDefaults.path("metrics").path("port").asInt()).as("receiver default metrics port").isEqualTo(24231);
        for (String name : receiverServices()) {
            JsonNode service = services.path(name);
            int forward = forwardPort(service);
            int metrics = metricsPort(service);
            assertThat(containerPorts(service)).as("ports and expose of %s", name)
                    .contains(forward + "/tcp", forward + "/udp", metrics + "/tcp");
            assertThat(service.path("healthcheck").path("test").toString()).as("healthcheck of %s", name)
                    .contains("/" + metrics).contains("/health");
        }
        // The receiver agents and apps on the host reach.
        JsonNode receiver = services.path("receiver");
        assertThat(publishedPorts(receiver)).as("published ports of receiver")
                .contains(forwardPort(receiver) + "/tcp", forwardPort(receiver) + "/udp", metricsPort(receiver) + "/tcp");
    }

    @Test
    void servicesReachEachOtherAtAddressesThatExist() {
        Set<String> advertised = new LinkedHashSet<>();
        for (String listener : environment(services.path("kafka")).get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            advertised.add(listener.substring(listener.indexOf("://") + 3));
        }
        List<String> bootstraps = new ArrayList<>();
        receiverServices().forEach(r -> bootstraps.add(environment(services.path(r)).get("RECEIVER_KAFKA_BOOTSTRAP_SERVERS")));
        bootstraps.add(optionValue(jobArgs(command(services.path("jobmanager"))), "--kafka-bootstrap"));
        bootstraps.add(optionValue(command(services.path("demo")), "--kafka-bootstrap"));
        assertThat(bootstraps).as("Kafka addresses the services use").allSatisfy(b ->
                assertThat(advertised).as("listeners the kafka service advertises").contains(b));

        bootstraps.add(optionValue(jobArgs(command(services.path("index-jobmanager"))), "--kafka-bootstrap"));
        String esHost = optionValue(jobArgs(command(services.path("index-jobmanager"))), "--es-hosts");
        assertThat(esHost).isEqualTo("http://elasticsearch:9200");
        assertThat(fieldNames(services)).contains("elasticsearch");

        // The demo has no shared-key option, so its receiver must not ask for the handshake.
        List<String> demo = command(services.path("demo"));
        assertThat(demo.get(0)).isEqualTo("demo");
        String demoHost = optionValue(demo, "--forward-host");
        assertThat(receiverServices()).as("receivers (demo --forward-host)").contains(demoHost);
        assertThat(optionValue(demo, "--forward-port")).isEqualTo(String.valueOf(forwardPort(services.path(demoHost))));
        assertThat(environment(services.path(demoHost))).as("environment of the demo's receiver")
                .doesNotContainKey("RECEIVER_SECURITY_SHARED_KEY");
        assertThat(demo).contains("--duration", "--no-console");
        Set<String> demoOptions = optionNames(ROOT.resolve("launcher/src/main/java/io/dls/launcher/demo/DemoCommand.java"));
        assertThat(demo.stream().filter(a -> a.startsWith("--")).toList()).as("demo options in compose")
                .allSatisfy(o -> assertThat(demoOptions).contains(o));
    }

    @Test
    void agentsInComposeUseTheConfigsAndTheKeyOfTheirReceiver() {
        Map<String, String> agents = Map.of("fluentd", "./fluentd/fluentd.conf", "fluent-bit", "./fluentd/fluent-bit.conf");
        agents.forEach((name, config) -> {
            JsonNode agent = services.path(name);
            assertThat(mounts(agent)).as("mounts of %s", name).anySatisfy(m -> assertThat(m.source()).isEqualTo(config));
            Map<String, String> env = environment(agent);
            String receiver = env.get("DLS_RECEIVER_HOST");
            assertThat(receiverServices()).as("receivers (DLS_RECEIVER_HOST of %s)", name).contains(receiver);
            // The agent configs always start the handshake, so the receiver needs the very same key.
            assertThat(env.get("DLS_SHARED_KEY")).as("DLS_SHARED_KEY of %s", name).isNotBlank()
                    .isEqualTo(environment(services.path(receiver)).get("RECEIVER_SECURITY_SHARED_KEY"));
        });
    }

    @Test
    void eachJobmanagerStartsItsJobWithOptionsOfTheJob() {
        Map<String, String> jobs = Map.of("jobmanager", "pipeline", "index-jobmanager", "index");
        jobs.forEach((jmName, job) -> {
            JsonNode jm = services.path(jmName);
            List<String> command = command(jm);
            assertThat(command).as("%s command", jmName).startsWith("standalone-job");
            assertThat(optionValue(command, "--job-classname")).isEqualTo(JOB_MAIN);
            assertMainClassExists(JOB_MAIN);
            List<String> args = jobArgs(command);
            assertThat(args.get(0)).as("%s: the job the jar runs", jmName).isEqualTo(job);
            assertJobOptions(args, jmName + " command");
            assertThat(args).contains("--kafka-bootstrap");
            // Application mode loads user code from usrlib on the jobmanager and on every taskmanager alike.
            assertThat(usrlibJar(jm)).as("jar the %s image copies", jmName).isEqualTo("/opt/flink/usrlib/flink-jobs.jar");
            String tmName = jmName.replace("jobmanager", "taskmanager");
            JsonNode tm = services.path(tmName);
            assertThat(tm.path("image").asText()).as("%s image", tmName).isEqualTo(jm.path("image").asText());
            assertThat(buildContext(tm)).as("%s build", tmName).isEqualTo(buildContext(jm));
            assertThat(command(tm)).containsExactly("taskmanager");
            assertThat(environment(jm).get("FLINK_PROPERTIES")).contains("jobmanager.rpc.address: " + jmName, "state.checkpoints.dir");
            assertThat(environment(tm).get("FLINK_PROPERTIES")).contains("jobmanager.rpc.address: " + jmName,
                    "taskmanager.numberOfTaskSlots");
        });
        // The pipeline job never talks to Elasticsearch; the index job does.
        assertThat(jobArgs(command(services.path("jobmanager")))).contains("--patterns").doesNotContain("--es-hosts");
        assertThat(jobArgs(command(services.path("index-jobmanager")))).contains("--es-hosts");
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("docker-compose", "-f", ROOT.resolve("docker-compose.yml").toString(), "config", "-q")
                .directory(ROOT.toFile()).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("docker-compose is not installed, so docker-compose.yml cannot be checked against the compose schema. "
                    + "Install it as .ci/run does: apt-get install docker-compose (" + e.getMessage() + ")");
            return;
        }
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            fail("docker-compose config -q did not finish within 120 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("docker-compose config -q said:%n%s", out).isZero();
    }

    // ---- fluentd/ ----

    @Test
    void fluentdConfigsForwardWithAcksAndTheKeyToTheReceiversPort() {
        for (String file : List.of("fluentd/fluentd.conf", "fluentd/fluentd-tls.conf")) {
            Section root = Section.parse(ROOT.resolve(file));
            List<Section> forwards = root.children("match").stream().filter(m -> "forward".equals(m.param("@type"))).toList();
            assertThat(forwards).as("<match> with @type forward in %s", file).isNotEmpty();
            assertThat(root.children("source")).as("<source> in %s", file).isNotEmpty();
            for (Section f : forwards) {
                assertThat(f.param("require_ack_response")).as("require_ack_response in %s", file).isEqualTo("true");
                assertThat(f.param("heartbeat_type")).as("heartbeat_type in %s", file).isIn("transport", "udp");
                assertThat(f.children("server")).as("<server> in %s", file).isNotEmpty().allSatisfy(s -> {
                    assertThat(s.param("port")).as("server port in %s", file).isEqualTo(receiverDefaults.path("port").asText());
                    assertThat(s.param("host")).as("server host in %s", file).contains("ENV['DLS_RECEIVER_HOST']");
                });
                Section security = f.children("security").stream().findFirst()
                        .orElseThrow(() -> new AssertionError("<security> missing in " + file));
                assertThat(security.param("shared_key")).as("shared_key in %s", file).contains("ENV['DLS_SHARED_KEY']");
                assertThat(security.param("self_hostname")).as("self_hostname in %s", file).isNotBlank();
                assertThat(f.children("buffer")).as("<buffer> in %s", file)
                        .anySatisfy(b -> assertThat(b.param("@type")).isEqualTo("file"));
            }
        }
        Section tls = Section.parse(ROOT.resolve("fluentd/fluentd-tls.conf"));
        assertThat(tls.children("match")).anySatisfy(m -> assertThat(m.param("transport")).isEqualTo("tls"));
    }

    @Test
    void fluentBitConfigForwardsWithAcksAndTheKeyToTheReceiversPort() {
        List<Map.Entry<String, Map<String, String>>> sections = fluentBitSections(ROOT.resolve("fluentd/fluent-bit.conf"));
        assertThat(sections).as("[INPUT] sections").anySatisfy(s -> assertThat(s.getKey()).isEqualTo("INPUT"));
        List<Map<String, String>> forwards = sections.stream()
                .filter(s -> s.getKey().equals("OUTPUT") && "forward".equals(s.getValue().get("name")))
                .map(Map.Entry::getValue).toList();
        assertThat(forwards).as("[OUTPUT] Name forward").isNotEmpty().allSatisfy(o -> {
            assertThat(o.get("port")).isEqualTo(receiverDefaults.path("port").asText());
            assertThat(o.get("host")).isEqualTo("${DLS_RECEIVER_HOST}");
            assertThat(o.get("require_ack_response")).isEqualTo("true");
            assertThat(o.get("shared_key")).isEqualTo("${DLS_SHARED_KEY}");
        });
    }

    /** Options of the notifier's command line, from its source. */
    private static Set<String> notifierOptions() {
        Set<String> out = optionNames(ROOT.resolve("notifier/src/main/java/io/dls/notifier/NotifierMain.java"));
        assertThat(out).as("options parsed from NotifierMain.java").contains("--bootstrap-servers", "--alertmanager-url");
        return out;
    }

    /** Options and what the pipeline job's recovery notices end: pipeline-silent too, not only the node alerts. */
    private static void assertNotifierArgs(List<String> args, String where) {
        Set<String> known = notifierOptions();
        assertThat(args.stream().filter(a -> a.startsWith("--")).toList()).as("notifier options in %s", where)
                .allSatisfy(o -> assertThat(known).contains(o));
        assertThat(optionValue(args, "--resolved-by-recovery").split(",")).as("%s --resolved-by-recovery", where)
                .contains("heartbeat-timeout", "node-down", "pipeline-silent");
    }

    @Test
    void notifierPostsToTheAlertmanagerOfComposeWhichRunsTheShippedConfiguration() {
        JsonNode notifier = services.path("notifier");
        List<String> args = command(notifier);
        assertNotifierArgs(args, "docker-compose.yml");
        Set<String> advertised = new LinkedHashSet<>();
        for (String listener : environment(services.path("kafka")).get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            advertised.add(listener.substring(listener.indexOf("://") + 3));
        }
        assertThat(advertised).as("Kafka listeners").contains(optionValue(args, "--bootstrap-servers"));
        assertThat(optionValue(args, "--alertmanager-url")).isEqualTo("http://alertmanager:9093");

        JsonNode am = services.path("alertmanager");
        assertThat(am.path("image").asText()).startsWith("prom/alertmanager:");
        String configFile = command(am).stream().filter(a -> a.startsWith("--config.file=")).findFirst()
                .map(a -> a.substring("--config.file=".length())).orElseThrow();
        assertThat(mounts(am)).as("alertmanager mounts the shipped configuration at --config.file").anySatisfy(m -> {
            assertThat(m.target()).isEqualTo(configFile);
            assertThat(ROOT.resolve(m.source()).normalize()).isEqualTo(ROOT.resolve("alertmanager/alertmanager.yml"));
            assertThat(m.readOnly()).isTrue();
        });
        assertThat(command(am)).as("one Alertmanager: gossip off").contains("--cluster.listen-address=");
    }

    // ---- deploy/kubernetes/ ----

    @Test
    void notifierManifestRunsTheNotifierImageWithItsOptions() {
        JsonNode deployment = only(yamlDocuments("deploy/kubernetes/notifier.yaml"), "Deployment");
        JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").path(0);
        assertThat(container.path("image").asText()).contains("/dls/notifier:");
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertNotifierArgs(args, "notifier.yaml");
        assertThat(optionValue(args, "--alertmanager-url")).startsWith("http");
        JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
        selector.fields().forEachRemaining(l -> assertThat(podLabels.path(l.getKey()).asText()).isEqualTo(l.getValue().asText()));
        // The image the compose file builds is the one this manifest names.
        assertThat(services.path("notifier").path("image").asText()).endsWith(
                container.path("image").asText().substring(container.path("image").asText().indexOf("/dls/") + 1));
    }

    @Test
    void flinkDeploymentRunsTheJobImageWithOptionsOfTheJob() {
        List<JsonNode> docs = yamlDocuments("deploy/kubernetes/flink-deployment.yaml");
        JsonNode fd = only(docs, "FlinkDeployment");
        assertThat(fd.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        JsonNode spec = fd.path("spec");
        assertThat(spec.path("flinkVersion").asText()).isEqualTo("v1_20");
        assertThat(spec.path("image").asText()).as("image").isNotBlank();
        JsonNode job = spec.path("job");
        assertThat(job.path("entryClass").asText()).isEqualTo(JOB_MAIN);
        assertMainClassExists(job.path("entryClass").asText());
        assertThat(job.path("jarURI").asText()).as("jarURI: where flink-jobs/Dockerfile copies the jar")
                .isEqualTo("local://" + usrlibJar(services.path("jobmanager")));
        List<String> args = texts(job.path("args"));
        assertThat(args.get(0)).as("the job the jar runs").isEqualTo("pipeline");
        assertJobOptions(args, "FlinkDeployment args");
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("parallelism").asInt()).isPositive();
        assertThat(fieldNames(spec.path("flinkConfiguration"))).contains("state.savepoints.dir", "state.checkpoints.dir");
        assertThat(spec.path("jobManager").path("resource").path("memory").asText()).isNotBlank();
        assertThat(spec.path("taskManager").path("resource").path("memory").asText()).isNotBlank();

        // --patterns names a directory mounted into the Flink container, from a volume the pod declares.
        String patterns = optionValue(args, "--patterns");
        JsonNode pod = spec.path("podTemplate").path("spec");
        Set<String> declared = new LinkedHashSet<>();
        pod.path("volumes").forEach(v -> declared.add(v.path("name").asText()));
        List<JsonNode> mountsOfPatterns = new ArrayList<>();
        pod.path("containers").forEach(c -> c.path("volumeMounts").forEach(m -> {
            assertThat(declared).as("volumes of the pod template").contains(m.path("name").asText());
            if (m.path("mountPath").asText().equals(patterns)) {
                mountsOfPatterns.add(m);
            }
        }));
        assertThat(mountsOfPatterns).as("volumeMount at --patterns %s", patterns).hasSize(1);
    }

    @Test
    void theIndexJobHasAFlinkDeploymentOfItsOwn() {
        JsonNode fd = only(yamlDocuments("deploy/kubernetes/flink-deployment-index.yaml"), "FlinkDeployment");
        JsonNode pipeline = only(yamlDocuments("deploy/kubernetes/flink-deployment.yaml"), "FlinkDeployment");
        assertThat(fd.path("metadata").path("name").asText()).isNotEqualTo(pipeline.path("metadata").path("name").asText());
        JsonNode spec = fd.path("spec");
        assertThat(spec.path("image").asText()).isEqualTo(pipeline.path("spec").path("image").asText());
        assertThat(spec.path("job").path("entryClass").asText()).isEqualTo(JOB_MAIN);
        List<String> args = texts(spec.path("job").path("args"));
        assertThat(args.get(0)).isEqualTo("index");
        assertJobOptions(args, "index FlinkDeployment args");
        assertThat(args).contains("--es-hosts", "--kafka-bootstrap");
        // Its own checkpoint directories: two jobs writing the same ones would clash.
        assertThat(spec.path("flinkConfiguration").path("state.checkpoints.dir").asText())
                .isNotEqualTo(pipeline.path("spec").path("flinkConfiguration").path("state.checkpoints.dir").asText());
        assertThat(spec.path("job").path("upgradeMode").asText()).isEqualTo("savepoint");
    }

    @Test
    void receiverManifestServesTheReceiversPortsAndChecksHealth() {
        List<JsonNode> docs = yamlDocuments("deploy/kubernetes/receiver.yaml");
        int forward = receiverDefaults.path("port").asInt();
        int metrics = receiverDefaults.path("metrics").path("port").asInt();

        JsonNode deployment = only(docs, "Deployment");
        assertThat(deployment.path("spec").path("replicas").asInt()).as("replicas").isGreaterThan(1);
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
        JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").path(0);
        Map<String, Integer> named = new LinkedHashMap<>();
        Set<String> ports = new LinkedHashSet<>();
        container.path("ports").forEach(p -> {
            ports.add(p.path("containerPort").asInt() + "/" + p.path("protocol").asText("TCP"));
            named.put(p.path("name").asText(), p.path("containerPort").asInt());
        });
        assertThat(ports).contains(forward + "/TCP", forward + "/UDP", metrics + "/TCP");
        JsonNode readiness = container.path("readinessProbe").path("httpGet");
        assertThat(readiness.path("path").asText()).isEqualTo("/health");
        assertThat(port(readiness.path("port"), named)).as("readiness port").isEqualTo(metrics);
        List<String> env = new ArrayList<>();
        container.path("env").forEach(e -> env.add(e.path("name").asText()));
        assertReceiverVariables(env, "receiver.yaml");
        assertThat(env).contains("RECEIVER_KAFKA_BOOTSTRAP_SERVERS");

        List<JsonNode> lbs = docs.stream().filter(d -> d.path("kind").asText().equals("Service")
                && d.path("spec").path("type").asText().equals("LoadBalancer")).toList();
        assertThat(lbs).as("Service of type LoadBalancer").hasSize(1);
        JsonNode lb = lbs.get(0).path("spec");
        lb.path("selector").fields().forEachRemaining(sel ->
                assertThat(podLabels.path(sel.getKey()).asText()).as("pod label %s for the selector", sel.getKey()).isEqualTo(sel.getValue().asText()));
        assertThat(lb.path("selector").size()).as("selector labels").isPositive();
        assertThat(lb.path("ports")).as("load balancer ports").anySatisfy(p -> {
            assertThat(p.path("port").asInt()).isEqualTo(forward);
            assertThat(p.path("protocol").asText("TCP")).isEqualTo("TCP");
            assertThat(port(p.path("targetPort"), named)).isEqualTo(forward);
        });
    }

    // ---- helpers: compose ----

    private static List<String> receiverServices() {
        List<String> out = new ArrayList<>();
        services.fields().forEachRemaining(s -> {
            if (buildContext(s.getValue()).map(c -> c.equals(RECEIVER_MODULE)).orElse(false)) {
                out.add(s.getKey());
            }
        });
        return out;
    }

    private static int forwardPort(JsonNode service) {
        return Integer.parseInt(environment(service).getOrDefault("RECEIVER_PORT", receiverDefaults.path("port").asText()));
    }

    private static int metricsPort(JsonNode service) {
        return Integer.parseInt(environment(service).getOrDefault("RECEIVER_METRICS_PORT",
                receiverDefaults.path("metrics").path("port").asText()));
    }

    /** Build context relative to the repository, without "./" or a trailing slash. */
    private static Optional<String> buildContext(JsonNode service) {
        JsonNode build = service.path("build");
        String context = build.isTextual() ? build.asText() : build.path("context").asText(null);
        return Optional.ofNullable(context).map(c -> ROOT.relativize(ROOT.resolve(c).normalize()).toString());
    }

    private static String dockerfileName(JsonNode service) {
        return service.path("build").path("dockerfile").asText("Dockerfile");
    }

    /** Where the job image copies the shaded jar (the path application mode loads it from). */
    private static String usrlibJar(JsonNode service) {
        Path dockerfile = ROOT.resolve(buildContext(service).orElseThrow()).resolve(dockerfileName(service));
        List<String> dests = new ArrayList<>();
        for (Copy c : copies(dockerfile)) {
            for (String source : c.sources()) {
                if (source.endsWith(".jar")) {
                    dests.add(c.dest().endsWith("/") ? c.dest() + Path.of(source).getFileName() : c.dest());
                }
            }
        }
        assertThat(dests).as("jars copied by %s", dockerfile).hasSize(1);
        return dests.get(0);
    }

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isArray()) {
            e.forEach(kv -> {
                String s = kv.asText();
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
            });
        } else {
            e.fields().forEachRemaining(kv -> env.put(kv.getKey(), kv.getValue().asText()));
        }
        return env;
    }

    private static List<String> command(JsonNode service) {
        JsonNode c = service.path("command");
        return c.isArray() ? texts(c) : List.of(c.asText().trim().split("\\s+"));
    }

    /** Arguments after `standalone-job` that are the job's, not Flink's entrypoint's own options. */
    private static List<String> jobArgs(List<String> command) {
        Set<String> flinkValued = Set.of("--job-classname", "-j", "--job-id", "-jid", "--fromSavepoint", "-s",
                "--configDir", "-c", "-D", "--host", "-h", "--webui-port", "-r");
        Set<String> flinkFlags = Set.of("--allowNonRestoredState", "-n");
        List<String> args = new ArrayList<>();
        for (int i = 1; i < command.size(); i++) {
            String t = command.get(i);
            if (flinkValued.contains(t)) {
                i++;
            } else if (!flinkFlags.contains(t)) {
                args.add(t);
            }
        }
        return args;
    }

    private static Set<String> containerPorts(JsonNode service) {
        Set<String> out = new LinkedHashSet<>(publishedPorts(service));
        service.path("expose").forEach(p -> out.add(withProtocol(p.asText())));
        return out;
    }

    private static Set<String> publishedPorts(JsonNode service) {
        Set<String> out = new LinkedHashSet<>();
        service.path("ports").forEach(p -> {
            if (p.isObject()) {
                out.add(p.path("target").asInt() + "/" + p.path("protocol").asText("tcp"));
            } else {
                String s = p.asText();
                out.add(withProtocol(s.substring(s.lastIndexOf(':') + 1)));
            }
        });
        return out;
    }

    private static String withProtocol(String port) {
        return port.contains("/") ? port : port + "/tcp";
    }

    record Mount(String source, String target, boolean readOnly) {
        boolean bind() {
            return source.startsWith(".") || source.startsWith("/");
        }
    }

    private static List<Mount> mounts(JsonNode service) {
        List<Mount> out = new ArrayList<>();
        service.path("volumes").forEach(v -> {
            if (v.isObject()) {
                out.add(new Mount(v.path("source").asText(), v.path("target").asText(), v.path("read_only").asBoolean(false)));
            } else {
                String[] parts = v.asText().split(":");
                out.add(new Mount(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 && parts[2].contains("ro")));
            }
        });
        return out;
    }

    // ---- helpers: what the files refer to ----

    /** A path in the repository exists, or is a module's jar that `mvn package` builds under target/. */
    private static void assertExistsOrIsBuilt(Path rel, String where) {
        List<String> parts = new ArrayList<>();
        rel.forEach(p -> parts.add(p.toString()));
        int target = parts.indexOf("target");
        if (target < 0) {
            assertThat(ROOT.resolve(rel)).as("%s: %s", where, rel).exists();
            return;
        }
        Path module = ROOT.resolve(String.join("/", parts.subList(0, target)));
        Path pom = module.resolve("pom.xml");
        assertThat(pom).as("%s: %s is a build output, so %s must be a Maven module", where, rel, module).isRegularFile();
        assertThat(parts.subList(target + 1, parts.size())).as("%s: %s names the jar %s builds", where, rel, pom)
                .containsExactly(finalName(pom) + ".jar");
    }

    private static String finalName(Path pom) {
        Matcher m = Pattern.compile("<finalName>\\s*([^<\\s]+)\\s*</finalName>").matcher(read(pom));
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).as("<finalName> in %s", pom).hasSize(1);
        return names.get(0);
    }

    record Copy(List<String> sources, String dest) {
    }

    private static List<Copy> copies(Path dockerfile) {
        List<Copy> out = new ArrayList<>();
        for (String line : read(dockerfile).split("\n")) {
            String t = line.trim();
            String word = t.split("\\s+")[0].toUpperCase(Locale.ROOT);
            if (!word.equals("COPY") && !word.equals("ADD")) {
                continue;
            }
            List<String> tokens = Stream.of(t.substring(word.length()).trim().split("\\s+"))
                    .filter(x -> !x.startsWith("--")).toList();
            out.add(new Copy(tokens.subList(0, tokens.size() - 1), tokens.get(tokens.size() - 1)));
        }
        assertThat(out).as("COPY lines in %s", dockerfile).isNotEmpty();
        return out;
    }

    /** Every RECEIVER_* name is a setting, named the way ConfigLoader maps environment variables. */
    private static void assertReceiverVariables(Iterable<String> names, String where) {
        Set<String> known = new LinkedHashSet<>();
        collectEnvNames(receiverDefaults, "", known);
        assertThat(known).as("settings read from receiver-defaults.yaml").contains("RECEIVER_KAFKA_BOOTSTRAP_SERVERS", "RECEIVER_SECURITY_SHARED_KEY");
        for (String name : names) {
            if (name.startsWith("RECEIVER_") && !name.startsWith(PRODUCER_ENV_PREFIX)) {
                assertThat(known).as("%s sets %s; receiver settings are", where, name).contains(name);
            }
        }
    }

    /** As ConfigLoader: nested maps join with '_', except kafka.producer whose keys are free. */
    private static void collectEnvNames(JsonNode node, String prefix, Set<String> out) {
        node.fields().forEachRemaining(e -> {
            String path = prefix + e.getKey();
            if (e.getValue().isObject() && !path.equals("kafka.producer")) {
                collectEnvNames(e.getValue(), path + ".", out);
            } else {
                out.add("RECEIVER_" + path.replace('.', '_').toUpperCase(Locale.ROOT));
            }
        });
    }

    /** Every --option is one of JobOptions' names, followed by its value. */
    private static void assertJobOptions(List<String> args, String where) {
        Set<String> options = jobOptionNames();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("-")) {
                continue;
            }
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            assertThat(options).as("%s passes %s; the job's options are", where, name).contains(name);
            if (!a.contains("=")) {
                assertThat(i + 1 < args.size() && !args.get(i + 1).startsWith("--")).as("%s: value after %s", where, a).isTrue();
            }
        }
        assertThat(args).as("%s: job arguments", where).isNotEmpty();
    }

    private static Set<String> jobOptionNames() {
        Set<String> out = optionNames(ROOT.resolve("flink-jobs/src/main/java/io/dls/job/JobOptions.java"));
        assertThat(out).as("options parsed from JobOptions.java").contains("--kafka-bootstrap", "--es-hosts", "--patterns");
        return out;
    }

    /** The picocli option names declared in a source file. */
    private static Set<String> optionNames(Path file) {
        String source = read(file);
        Matcher names = Pattern.compile("names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")").matcher(source);
        Set<String> out = new LinkedHashSet<>();
        while (names.find()) {
            Matcher each = Pattern.compile("\"(-[^\"]+)\"").matcher(names.group(1));
            while (each.find()) {
                out.add(each.group(1));
            }
        }
        return out;
    }

    private static void assertMainClassExists(String className) {
        Path source = ROOT.resolve("flink-jobs/src/main/java").resolve(className.replace('.', '/') + ".java");
        assertThat(source).as("source of %s", className).isRegularFile();
        assertThat(read(source)).as("%s has a main method", className).contains("public static void main(String[] args)");
    }

    private static String optionValue(List<String> args, String option) {
        int i = args.indexOf(option);
        assertThat(i).as("%s in %s", option, args).isNotNegative().isLessThan(args.size() - 1);
        return args.get(i + 1);
    }

    private static List<Path> patternFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- helpers: Kubernetes ----

    private static JsonNode only(List<JsonNode> docs, String kind) {
        List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertThat(found).as("documents of kind %s", kind).hasSize(1);
        return found.get(0);
    }

    /** A container port given by number or by name. */
    private static int port(JsonNode port, Map<String, Integer> named) {
        return port.isInt() ? port.asInt() : named.getOrDefault(port.asText(), -1);
    }

    // ---- helpers: agent configs ----

    /** Fluentd's config: {@code <name arg>} sections with {@code key value} lines. */
    record Section(String name, String arg, Map<String, String> params, List<Section> sections) {
        static Section parse(Path file) {
            List<Section> stack = new ArrayList<>();
            stack.add(new Section("ROOT", "", new LinkedHashMap<>(), new ArrayList<>()));
            for (String line : read(file).split("\n")) {
                String t = line.trim();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                Section current = stack.get(stack.size() - 1);
                if (t.startsWith("</")) {
                    assertThat(current.name()).as("%s: %s closes", file, t).isEqualTo(t.substring(2, t.length() - 1).trim());
                    stack.remove(stack.size() - 1);
                } else if (t.startsWith("<") && t.endsWith(">")) {
                    String[] head = t.substring(1, t.length() - 1).trim().split("\\s+", 2);
                    Section s = new Section(head[0], head.length > 1 ? head[1] : "", new LinkedHashMap<>(), new ArrayList<>());
                    current.sections().add(s);
                    stack.add(s);
                } else {
                    String[] kv = t.split("\\s+", 2);
                    current.params().put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            }
            assertThat(stack).as("%s: every section closed", file).hasSize(1);
            return stack.get(0);
        }

        List<Section> children(String name) {
            return sections.stream().filter(s -> s.name().equals(name)).toList();
        }

        String param(String key) {
            return params.get(key);
        }
    }

    /** Fluent Bit's classic config: [SECTION] headers with {@code Key Value} lines (keys case-insensitive). */
    private static List<Map.Entry<String, Map<String, String>>> fluentBitSections(Path file) {
        List<Map.Entry<String, Map<String, String>>> out = new ArrayList<>();
        for (String line : read(file).split("\n")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (t.startsWith("[") && t.endsWith("]")) {
                out.add(Map.entry(t.substring(1, t.length() - 1).trim().toUpperCase(Locale.ROOT), new LinkedHashMap<>()));
            } else {
                assertThat(out).as("%s: '%s' outside a section", file, t).isNotEmpty();
                String[] kv = t.split("\\s+", 2);
                out.get(out.size() - 1).getValue().put(kv[0].toLowerCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
            }
        }
        return out;
    }

    // ---- helpers: files ----

    private static JsonNode yaml(String rel) {
        try {
            return YAML.readTree(ROOT.resolve(rel).toFile());
        } catch (IOException e) {
            throw new AssertionError(rel + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> yamlDocuments(String rel) {
        try {
            List<JsonNode> docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(ROOT.resolve(rel).toFile()).readAll();
            return docs.stream().filter(d -> d != null && !d.isMissingNode() && !d.isNull()).toList();
        } catch (IOException e) {
            throw new AssertionError(rel + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
