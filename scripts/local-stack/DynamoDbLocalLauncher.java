import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local bound to one host (127.0.0.1 by default) instead of every interface.
 * DynamoDB Local has no option for this: it builds a Jetty Server(port), whose connector
 * listens on all interfaces. We build the server the way its own main() does, set the
 * connector's host before it starts, then start it. Usage (Java 17 single-file launch):
 *
 *   java -Ddynamodb.host=127.0.0.1 -Djava.library.path=DynamoDBLocal_lib \
 *        -cp DynamoDBLocal.jar DynamoDbLocalLauncher.java -inMemory -sharedDb -port 8000
 */
public class DynamoDbLocalLauncher {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost(host);
      }
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
  }
}
