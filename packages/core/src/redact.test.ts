import { describe, expect, it } from "vitest";
import { redactDeep, redactForWrite, redactText, redactUrl, registerSecrets, secretsOf } from "./redact.js";

describe("redaction of credentials", () => {
  it("removes user info from URLs and model specs, keeping host, path and model", () => {
    expect(redactUrl("http://user:pass@host:8000/v1")).toBe("http://***@host:8000/v1");
    expect(redactUrl("openai-compatible:http://alice:s3cret@10.0.0.2/v1#Qwen2.5")).toBe("openai-compatible:http://***@10.0.0.2/v1#Qwen2.5");
    expect(redactUrl("https://tok@example.org/x")).toBe("https://***@example.org/x");
    // An "@" after the authority is not user info.
    expect(redactUrl("http://host/v1/models/a@b")).toBe("http://host/v1/models/a@b");
  });

  it("removes secret query parameters and leaves other parameters alone", () => {
    expect(redactUrl("https://h/v1?api_key=abc123&model=x")).toBe("https://h/v1?api_key=***&model=x");
    expect(redactUrl("https://h/f.zip?X-Amz-Signature=deadbeef&access_token=t&page=2#m")).toBe("https://h/f.zip?X-Amz-Signature=***&access_token=***&page=2#m");
    expect(redactUrl("https://h/?apiKey=a&key=b&sig=c&author=d")).toBe("https://h/?apiKey=***&key=***&sig=***&author=d");
  });

  it("leaves text without secrets byte-identical", () => {
    for (const s of ["ollama:llama3", "openai-compatible:http://127.0.0.1:8000/v1#m", "plain text, no url", "http://host"]) expect(redactText(s)).toBe(s);
  });

  it("redacts every URL inside free text and every string of a config", () => {
    expect(redactText('fetch of "http://u:p@a/x" then https://b/y?token=z failed')).toBe('fetch of "http://***@a/x" then https://b/y?token=*** failed');
    const config = { llm: "openai-compatible:http://u:p@h/v1#m", seeds: [1, 2], nested: { urls: ["http://k@h2/?key=1"] }, n: 3, ok: true };
    expect(redactDeep(config)).toEqual({ llm: "openai-compatible:http://***@h/v1#m", seeds: [1, 2], nested: { urls: ["http://***@h2/?key=***"] }, n: 3, ok: true });
    expect(config.llm).toContain("u:p@"); // the input is not modified
  });
});

describe("secretsOf and redactForWrite (the runs' write boundary)", () => {
  it("finds the secrets of a spec and of the environment, not the working directory or credential file paths", () => {
    const spec = "openai-compatible:http://ada:pw-Zq81userinfo@127.0.0.1:9/v1?api_key=qk-Yx72apikeyquery#m";
    const env = { OPENAI_API_KEY: "sk-envderived-Wv63abc", PWD: "/work/runs", OLDPWD: "/home/u", GOOGLE_APPLICATION_CREDENTIALS: "/home/u/creds.json", PATH: "/usr/bin" };
    const found = secretsOf([spec], env);
    expect(found).toEqual(expect.arrayContaining(["pw-Zq81userinfo", "qk-Yx72apikeyquery", "sk-envderived-Wv63abc", btoa("ada:pw-Zq81userinfo")]));
    expect(found).not.toEqual(expect.arrayContaining(["/work/runs"]));
    expect(found.some((s) => s.startsWith("/"))).toBe(false);
  });

  it("a registered spec's password is removed wherever it appears, even alone", () => {
    registerSecrets(["openai-compatible:http://bob:reg-Secret-881@h.example/v1#m"]);
    expect(redactForWrite("the model said reg-Secret-881 twice: reg-Secret-881")).toBe("the model said *** twice: ***");
  });
});
