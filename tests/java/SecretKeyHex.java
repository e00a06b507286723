// The Java side of the secret-key tests: what Java's KeyStore returns for a secret-key entry.
// Test code only: passwords come as arguments.
//
//   java SecretKeyHex.java <storetype> <keystore> <storepass> (<alias> <keypass>)...
//       stdout: <alias> <algorithm> <lowercase hex of getEncoded()>   (one line per alias)
//
// Any failure: exit status 1 and "error: <exception class>: <message>" on stderr.
import java.io.FileInputStream;
import java.security.Key;
import java.security.KeyStore;
import java.util.HexFormat;

public final class SecretKeyHex {
    public static void main(String[] args) {
        try (FileInputStream in = new FileInputStream(args[1])) {
            KeyStore ks = KeyStore.getInstance(args[0]);
            ks.load(in, args[2].toCharArray());
            for (int i = 3; i + 1 < args.length; i += 2) {
                Key key = ks.getKey(args[i], args[i + 1].toCharArray());
                if (key == null) throw new IllegalArgumentException("no key for alias " + args[i]);
                System.out.println(args[i] + " " + key.getAlgorithm() + " " + HexFormat.of().formatHex(key.getEncoded()));
            }
        } catch (Exception e) {
            System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
