// The real Java peer for interop tests: encrypts and decrypts the way WSO2 Carbon's
// CryptoUtil does (JCE Cipher, init with the CERTIFICATE so Java's key-usage check
// applies), and writes the self-contained format as Gson would. Test code only:
// passwords come as arguments.
//
//   java JceHelper encrypt <storetype> <keystore> <storepass> <alias>
//       stdin:  <transformation> <plain|self-contained> <Base64(plaintext)>   (one per line)
//       stdout: <ciphertext>                                                  (one per line)
//   java JceHelper decrypt <storetype> <keystore> <storepass> <alias> <keypass>
//       stdin:  <transformation> <ciphertext>   (transformation used for plain values;
//                                                 self-contained values use their own "t")
//       stdout: <Base64(plaintext)>
//   java JceHelper format
//       stdin:  <Base64(block)> <transformation> <thumbprint>
//       stdout: the self-contained value for that block, without encrypting
//   java JceHelper thumbprint <storetype> <keystore> <storepass> <alias>
//       stdout: uppercase hex SHA-1 of the certificate's DER
//
// Any failure: exit status 1 and "error: <exception class>: <message>" on stderr.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Cipher;

public final class JceHelper {
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length == 0) throw new IllegalArgumentException("usage: encrypt|decrypt|format|thumbprint ...");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        String line;
        switch (args[0]) {
            case "encrypt": {
                need(args, 5);
                Certificate cert = load(args).getCertificate(args[4]);
                if (cert == null) throw new IllegalArgumentException("no certificate for alias " + args[4]);
                String tp = thumbprint(cert);
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ", 3);
                    if (f.length != 3) throw new IllegalArgumentException("bad input line");
                    Cipher cipher = Cipher.getInstance(f[0]);
                    // As CryptoUtil does: init with the certificate, not just its key, so a
                    // critical KeyUsage without dataEncipherment fails ("Wrong key usage").
                    cipher.init(Cipher.ENCRYPT_MODE, cert);
                    byte[] block = cipher.doFinal(Base64.getDecoder().decode(f[2]));
                    out.println(f[1].equals("plain") ? Base64.getEncoder().encodeToString(block)
                                                     : selfContained(block, f[0], tp));
                }
                break;
            }
            case "decrypt": {
                need(args, 6);
                Key key = load(args).getKey(args[4], args[5].toCharArray());
                if (key == null) throw new IllegalArgumentException("no key for alias " + args[4]);
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ", 2);
                    if (f.length != 2) throw new IllegalArgumentException("bad input line");
                    String transformation = f[0];
                    byte[] decoded = Base64.getDecoder().decode(f[1]);
                    byte[] block = decoded;
                    Map<String, String> json = flatJson(new String(decoded, StandardCharsets.UTF_8));
                    if (json != null && json.containsKey("c") && json.containsKey("t")) {
                        block = Base64.getDecoder().decode(json.get("c"));
                        transformation = json.get("t");
                    }
                    Cipher cipher = Cipher.getInstance(transformation);
                    cipher.init(Cipher.DECRYPT_MODE, key);
                    out.println(Base64.getEncoder().encodeToString(cipher.doFinal(block)));
                }
                break;
            }
            case "format": {
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ", 3);
                    if (f.length != 3) throw new IllegalArgumentException("bad input line");
                    out.println(selfContained(Base64.getDecoder().decode(f[0]), f[1], f[2]));
                }
                break;
            }
            case "thumbprint": {
                need(args, 5);
                Certificate cert = load(args).getCertificate(args[4]);
                if (cert == null) throw new IllegalArgumentException("no certificate for alias " + args[4]);
                out.println(thumbprint(cert));
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        out.flush();
        if (out.checkError()) throw new java.io.IOException("write failed");
    }

    private static void need(String[] args, int n) {
        if (args.length < n) throw new IllegalArgumentException(args[0] + ": needs " + (n - 1) + " arguments");
    }

    private static KeyStore load(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance(args[1]);
        try (FileInputStream f = new FileInputStream(args[2])) {
            ks.load(f, args[3].toCharArray());
        }
        return ks;
    }

    private static String thumbprint(Certificate cert) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-1").digest(cert.getEncoded());
        StringBuilder sb = new StringBuilder();
        for (byte b : d) sb.append(String.format("%02X", b & 0xff));
        return sb.toString();
    }

    // What Gson's default toJson writes for Carbon's CipherHolder {c, t, tp, tpd}.
    private static String selfContained(byte[] block, String t, String tp) {
        String json = "{\"c\":" + gsonQuote(Base64.getEncoder().encodeToString(block))
                + ",\"t\":" + gsonQuote(t) + ",\"tp\":" + gsonQuote(tp) + ",\"tpd\":" + gsonQuote("SHA-1") + "}";
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    // Gson JsonWriter's HTML-safe string escaping (Gson's default), emulated because no
    // Gson jar is available here.
    static String gsonQuote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\f': sb.append("\\f"); break;
                case '<': case '>': case '&': case '=': case '\'':
                case '\u2028': case '\u2029':
                    sb.append(String.format("\\u%04x", (int) c)); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    // The top-level string members of a flat JSON object, escapes resolved; null when
    // the text is not such an object (a raw RSA block, usually). Enough for format 2.
    static Map<String, String> flatJson(String s) {
        int[] pos = {0};
        Map<String, String> m = new HashMap<>();
        try {
            skipWs(s, pos);
            if (pos[0] >= s.length() || s.charAt(pos[0]) != '{') return null;
            pos[0]++;
            skipWs(s, pos);
            if (s.charAt(pos[0]) == '}') { pos[0]++; skipWs(s, pos); return pos[0] == s.length() ? m : null; }
            while (true) {
                skipWs(s, pos);
                String k = readString(s, pos);
                skipWs(s, pos);
                if (s.charAt(pos[0]++) != ':') return null;
                skipWs(s, pos);
                if (s.charAt(pos[0]) != '"') return null;  // format 2 holds strings only
                m.put(k, readString(s, pos));
                skipWs(s, pos);
                char c = s.charAt(pos[0]++);
                if (c == '}') break;
                if (c != ',') return null;
            }
            skipWs(s, pos);
            return pos[0] == s.length() ? m : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void skipWs(String s, int[] pos) {
        while (pos[0] < s.length() && " \t\r\n".indexOf(s.charAt(pos[0])) >= 0) pos[0]++;
    }

    private static String readString(String s, int[] pos) {
        if (s.charAt(pos[0]++) != '"') throw new IllegalArgumentException("not a string");
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = s.charAt(pos[0]++);
            if (c == '"') return sb.toString();
            if (c != '\\') { sb.append(c); continue; }
            char e = s.charAt(pos[0]++);
            switch (e) {
                case '"': case '\\': case '/': sb.append(e); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u':
                    sb.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
                    pos[0] += 4;
                    break;
                default: throw new IllegalArgumentException("bad escape");
            }
        }
    }

    static {
        Locale.setDefault(Locale.ROOT);
    }
}
