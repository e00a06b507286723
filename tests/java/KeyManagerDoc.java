// The Java peer for AM_KEY_MANAGER.CONFIGURATION documents, written the way API-M
// writes and reads them (carbon-apimgt APIAdminImpl.encryptValues / getDecryptedValue,
// ApiMgtDAO) with the real libraries it uses: Gson and json-simple (org.json.simple).
// Each masked property, and each item of a masked list, becomes the STRING
// JSONObject{"encrypted":true,"value":V}.toJSONString(), where V is
// new String(CryptoUtil.encrypt(plaintext)): Gson's self-contained CipherHolder JSON
// itself, not its Base64. The whole map is then written by new Gson().toJson(map).
// Test code only: passwords come as arguments.
//
//   java KeyManagerDoc build <storetype> <keystore> <storepass> <alias> <transformation>
//       stdin:  <name> TAB <kind> TAB <text>   kind: secret | secrets (items split on ',')
//                                                   | string | bool | int
//       stdout: the document
//   java KeyManagerDoc read <storetype> <keystore> <storepass> <alias> <keypass>
//       stdin:  the document
//       stdout: one line per property, in document order: <name>=<value>, where secrets
//               are decrypted along the product's path and lists are [a,b]
//
// Any failure: exit status 1 and "error: <exception class>: <message>" on stderr.
import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Cipher;
import org.json.simple.JSONObject;
import org.json.simple.parser.JSONParser;

public final class KeyManagerDoc {
    // Carbon's CipherHolder: Gson writes its fields in this order.
    static final class CipherHolder {
        String c;
        String t;
        String tp;
        String tpd;
    }

    public static void main(String[] args) {
        try {
            if (args.length < 6) throw new IllegalArgumentException("usage: build|read storetype keystore storepass alias x");
            KeyStore ks = KeyStore.getInstance(args[1]);
            try (FileInputStream in = new FileInputStream(args[2])) {
                ks.load(in, args[3].toCharArray());
            }
            String doc;
            if (args[0].equals("build")) doc = build(ks, args[4], args[5]);
            else if (args[0].equals("read")) doc = read(ks, args[4], args[5]);
            else throw new IllegalArgumentException("unknown mode " + args[0]);
            System.out.write(doc.getBytes(StandardCharsets.UTF_8));
            System.out.flush();
        } catch (Exception e) {
            System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    static String stdin() throws Exception {
        return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    }

    // CryptoUtil.encrypt with a cipher transformation set: self-contained JSON bytes.
    static String encrypt(Certificate cert, String transformation, String plaintext) throws Exception {
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(Cipher.ENCRYPT_MODE, cert);
        CipherHolder h = new CipherHolder();
        h.c = Base64.getEncoder().encodeToString(cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8)));
        h.t = transformation;
        StringBuilder tp = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()))
            tp.append(String.format(Locale.ROOT, "%02X", b));
        h.tp = tp.toString();
        h.tpd = "SHA-1";
        return new String(new Gson().toJson(h).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    static String wrap(String value) {
        JSONObject o = new JSONObject();
        o.put("encrypted", true);
        o.put("value", value);
        return o.toJSONString();
    }

    static String build(KeyStore ks, String alias, String transformation) throws Exception {
        Certificate cert = ks.getCertificate(alias);
        if (cert == null) throw new IllegalArgumentException("no certificate for alias " + alias);
        Map<String, Object> map = new LinkedHashMap<>();
        for (String line : stdin().split("\n")) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", 3);
            if (f.length != 3) throw new IllegalArgumentException("bad input line");
            switch (f[1]) {
                case "secret": map.put(f[0], wrap(encrypt(cert, transformation, f[2]))); break;
                case "secrets": {
                    List<Object> items = new ArrayList<>();
                    for (String item : f[2].split(",")) items.add(wrap(encrypt(cert, transformation, item)));
                    map.put(f[0], items);
                    break;
                }
                case "string": map.put(f[0], f[2]); break;
                case "bool": map.put(f[0], Boolean.valueOf(f[2])); break;
                case "int": map.put(f[0], Integer.valueOf(f[2])); break;
                default: throw new IllegalArgumentException("unknown kind " + f[1]);
            }
        }
        return new Gson().toJson(map);
    }

    // APIAdminImpl.getDecryptedValue: a string that json-simple parses as a JSONObject with
    // "encrypted" true is decrypted: CryptoUtil.decrypt(value.getBytes()), which reads the
    // bytes as Gson's CipherHolder. Anything else is the property's own value.
    static String decryptIfEncrypted(Key key, Object value) throws Exception {
        if (!(value instanceof String)) return String.valueOf(value);
        String s = (String) value;
        Object parsed;
        try {
            parsed = new JSONParser().parse(s);
        } catch (Exception notJson) {
            return s;
        }
        if (!(parsed instanceof JSONObject) || !Boolean.TRUE.equals(((JSONObject) parsed).get("encrypted"))) return s;
        String v = (String) ((JSONObject) parsed).get("value");
        CipherHolder h = new Gson().fromJson(new String(v.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), CipherHolder.class);
        Cipher cipher = Cipher.getInstance(h.t);
        cipher.init(Cipher.DECRYPT_MODE, key);
        return new String(cipher.doFinal(Base64.getDecoder().decode(h.c)), StandardCharsets.UTF_8);
    }

    static String read(KeyStore ks, String alias, String keypass) throws Exception {
        Key key = ks.getKey(alias, keypass.toCharArray());
        if (key == null) throw new IllegalArgumentException("no key for alias " + alias);
        Map<String, Object> map = new Gson().fromJson(stdin(), new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String shown;
            if (e.getValue() instanceof List) {
                List<String> items = new ArrayList<>();
                for (Object item : (List<?>) e.getValue()) items.add(decryptIfEncrypted(key, item));
                shown = "[" + String.join(",", items) + "]";
            } else {
                shown = decryptIfEncrypted(key, e.getValue());
            }
            out.append(e.getKey()).append('=').append(shown).append('\n');
        }
        return out.toString();
    }
}
