// Starts a real Solr 9 HTTP server (JettySolrRunner, from solr-test-framework) for the
// local CKAN hub: one solr home with the `ckan` core, listening on loopback only.
//
// Usage: java -cp <classes>:<solr classpath> SolrLauncher <solr home> <port>
//
// It prints "SOLR READY <base url>" once Jetty listens and the cores are loaded, then runs
// until it gets SIGTERM, when a shutdown hook stops Solr cleanly (commits, releases locks).

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public final class SolrLauncher {
    private SolrLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SolrLauncher <solr home> <port>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        if (!Files.isRegularFile(home.resolve("solr.xml"))) {
            System.err.println("no solr.xml in " + home);
            System.exit(2);
        }
        // Jetty binds to the "host" property when it is set; keep Solr on loopback.
        System.setProperty("host", "127.0.0.1");
        System.setProperty("solr.solr.home", home.toString());

        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(false)
                .waitForLoadingCoresToFinish(120_000L)
                .build();
        JettySolrRunner runner = new JettySolrRunner(home.toString(), new Properties(), config);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                System.out.println("SOLR STOPPING");
                runner.stop();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "solr-launcher-shutdown"));

        runner.start();
        if (runner.getLocalPort() != port) {
            System.err.println("Solr listens on " + runner.getLocalPort() + ", wanted " + port);
            System.exit(1);
        }
        System.out.println("SOLR READY " + runner.getBaseUrl());
        System.out.flush();
        Thread.currentThread().join();
    }
}
