// The Java AES peer for interop tests, written the way WSO2 does it with the real Gson:
// format 3 as Carbon's SymmetricKeyInternalCryptoProvider (AES/GCM/NoPadding, 128-bit tag,
// a 128-byte IV whose first 16 bytes come from a UUID, inner holder {cipher,
// initializationVector, keyId} and outer holder {c, t, iv[, kid]}, both by new Gson()),
// the key picked by keyId between key and old_key as Carbon does; format 4 as the cipher
// tool's SymmetricCipher (128 random IV bytes, JsonObject {cipherText, iv} by new Gson());
// and the legacy "AES" transformation (Cipher.getInstance("AES") = ECB/PKCS5Padding).
// Test code only: keys and passwords come as arguments.
//
// KEY is  text:<key text>   (64 or 48 characters: hex; any other length: its raw bytes)
//     or  env:<NAME>      (the key text, read as text: is, from environment variable NAME: off the command line)
//     or  ks:<storetype>:<keystore>:<storepass>:<alias>   (a secret-key entry; key password = store password)
//
//   java AesPeer encrypt-carbon KEY [keyids] [kid=<text>]   stdin: Base64(plaintext)   stdout: format 3
//   java AesPeer decrypt-carbon KEY [OLD_KEY]               stdin: format 3            stdout: Base64(plaintext)
//   java AesPeer encrypt-vault KEY | decrypt-vault KEY      format 4, the same way
//   java AesPeer encrypt-raw KEY | decrypt-raw KEY          legacy raw AES, the same way
//   java AesPeer key-hex KEY                                stdout: the key bytes in hex
//   java AesPeer format-carbon - | format-vault -           stdin: <Base64 iv> <Base64 ct||tag> [<keyId>]
//       stdout: what Gson writes for those parts (no encryption), to compare writers byte for byte
// encrypt-carbon's option iv16 writes the 16-byte IVs of versions before late 2021.
// One value per line. Any failure: exit status 1 and "error: <class>: <message>" on stderr.
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public final class AesPeer {
    static final String GCM = "AES/GCM/NoPadding";

    // Carbon's holders: Gson writes declared fields in order and leaves out null ones.
    static final class InnerHolder {
        String cipher;
        String initializationVector;
        String keyId;
    }

    static final class OuterHolder {
        String c;
        String t;
        String tp;
        String tpd;
        String iv;
        String kid;
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length < 2) throw new IllegalArgumentException("usage: <mode> KEY ...");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        byte[] key = args[1].equals("-") ? null : key(args[1]);
        Gson gson = new Gson();
        String line;
        switch (args[0]) {
            case "key-hex": {
                StringBuilder sb = new StringBuilder();
                for (byte b : key) sb.append(String.format("%02x", b & 0xff));
                out.println(sb);
                break;
            }
            case "format-carbon":
            case "format-vault": {
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (args[0].equals("format-vault")) {
                        JsonObject o = new JsonObject();
                        o.addProperty("cipherText", f[1]);
                        o.addProperty("iv", f[0]);
                        out.println(Base64.getEncoder().encodeToString(gson.toJson(o).getBytes(StandardCharsets.UTF_8)));
                        continue;
                    }
                    InnerHolder inner = new InnerHolder();
                    inner.cipher = f[1];
                    inner.initializationVector = f[0];
                    if (f.length > 2) inner.keyId = f[2];
                    OuterHolder outer = new OuterHolder();
                    outer.c = Base64.getEncoder().encodeToString(gson.toJson(inner).getBytes(StandardCharsets.UTF_8));
                    outer.t = GCM;
                    outer.iv = f[0];
                    out.println(Base64.getEncoder().encodeToString(gson.toJson(outer).getBytes(StandardCharsets.UTF_8)));
                }
                break;
            }
            case "encrypt-carbon": {
                boolean keyIds = false;
                boolean iv16 = false;
                String kid = null;
                for (int i = 2; i < args.length; i++) {
                    if (args[i].equals("keyids")) keyIds = true;
                    else if (args[i].equals("iv16")) iv16 = true;
                    else if (args[i].startsWith("kid=")) kid = args[i].substring(4);
                    else throw new IllegalArgumentException("unknown option " + args[i]);
                }
                while ((line = in.readLine()) != null) {
                    byte[] iv = iv16 ? java.util.Arrays.copyOf(carbonIv(), 16) : carbonIv();
                    Cipher cipher = Cipher.getInstance(GCM);
                    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
                    byte[] ct = cipher.doFinal(Base64.getDecoder().decode(line));
                    InnerHolder inner = new InnerHolder();
                    inner.cipher = Base64.getEncoder().encodeToString(ct);
                    inner.initializationVector = Base64.getEncoder().encodeToString(iv);
                    if (keyIds) inner.keyId = keyId(key);
                    OuterHolder outer = new OuterHolder();
                    outer.c = Base64.getEncoder().encodeToString(gson.toJson(inner).getBytes(StandardCharsets.UTF_8));
                    outer.t = GCM;
                    outer.iv = Base64.getEncoder().encodeToString(iv);
                    outer.kid = kid;
                    out.println(Base64.getEncoder().encodeToString(gson.toJson(outer).getBytes(StandardCharsets.UTF_8)));
                }
                break;
            }
            case "decrypt-carbon": {
                byte[] oldKey = args.length > 2 ? key(args[2]) : null;
                while ((line = in.readLine()) != null) {
                    OuterHolder outer = gson.fromJson(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8),
                                                      OuterHolder.class);
                    if (!GCM.equals(outer.t)) throw new IllegalArgumentException("not " + GCM + ": " + outer.t);
                    InnerHolder inner = gson.fromJson(new String(Base64.getDecoder().decode(outer.c), StandardCharsets.UTF_8),
                                                      InnerHolder.class);
                    // Carbon: the current key when the keyId is its id, else old_key.
                    byte[] use = key;
                    if (oldKey != null && inner.keyId != null && !inner.keyId.equals(keyId(key))) use = oldKey;
                    Cipher cipher = Cipher.getInstance(GCM);
                    cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(use, "AES"),
                                new GCMParameterSpec(128, Base64.getDecoder().decode(inner.initializationVector)));
                    out.println(Base64.getEncoder().encodeToString(cipher.doFinal(Base64.getDecoder().decode(inner.cipher))));
                }
                break;
            }
            case "encrypt-vault": {
                SecureRandom random = new SecureRandom();
                while ((line = in.readLine()) != null) {
                    byte[] iv = new byte[128];
                    random.nextBytes(iv);
                    Cipher cipher = Cipher.getInstance(GCM);
                    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
                    JsonObject o = new JsonObject();
                    o.addProperty("cipherText", Base64.getEncoder().encodeToString(cipher.doFinal(Base64.getDecoder().decode(line))));
                    o.addProperty("iv", Base64.getEncoder().encodeToString(iv));
                    out.println(Base64.getEncoder().encodeToString(gson.toJson(o).getBytes(StandardCharsets.UTF_8)));
                }
                break;
            }
            case "decrypt-vault": {
                while ((line = in.readLine()) != null) {
                    JsonObject o = JsonParser.parseString(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8))
                                       .getAsJsonObject();
                    Cipher cipher = Cipher.getInstance(GCM);
                    cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                                new GCMParameterSpec(128, Base64.getDecoder().decode(o.get("iv").getAsString())));
                    byte[] pt = cipher.doFinal(Base64.getDecoder().decode(o.get("cipherText").getAsString()));
                    out.println(Base64.getEncoder().encodeToString(pt));
                }
                break;
            }
            case "encrypt-raw":
            case "decrypt-raw": {
                boolean enc = args[0].equals("encrypt-raw");
                while ((line = in.readLine()) != null) {
                    Cipher cipher = Cipher.getInstance("AES");
                    cipher.init(enc ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
                    out.println(Base64.getEncoder().encodeToString(cipher.doFinal(Base64.getDecoder().decode(line))));
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        out.flush();
        if (out.checkError()) throw new java.io.IOException("write failed");
    }

    // 128 bytes, the first 16 from a UUID (Carbon uses a time-based one), the rest zero.
    static byte[] carbonIv() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(128);
        b.putLong(u.getMostSignificantBits());
        b.putLong(u.getLeastSignificantBits());
        return b.array();
    }

    static String keyId(byte[] key) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(key));
    }

    static byte[] key(String spec) throws Exception {
        if (spec.startsWith("env:")) {
            String t = System.getenv(spec.substring(4));
            if (t == null) throw new IllegalArgumentException("no environment variable " + spec.substring(4));
            return key("text:" + t);
        }
        if (spec.startsWith("text:")) {
            String t = spec.substring(5);
            if (t.length() == 64 || t.length() == 48) {
                byte[] b = new byte[t.length() / 2];
                for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(t.substring(2 * i, 2 * i + 2), 16);
                return b;
            }
            return t.getBytes(StandardCharsets.UTF_8);
        }
        if (spec.startsWith("ks:")) {
            String[] f = spec.split(":", 5);
            if (f.length != 5) throw new IllegalArgumentException("ks:<type>:<file>:<pass>:<alias>");
            KeyStore ks = KeyStore.getInstance(f[1]);
            try (FileInputStream in = new FileInputStream(f[2])) {
                ks.load(in, f[3].toCharArray());
            }
            Key k = ks.getKey(f[4], f[3].toCharArray());
            if (k == null) throw new IllegalArgumentException("no key for alias " + f[4]);
            return k.getEncoded();
        }
        throw new IllegalArgumentException("KEY is text:..., env:... or ks:...");
    }
}
