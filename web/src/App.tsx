import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Camera } from "./Camera.js";
import type { AppConfig } from "./config.js";
import { answer, idTokenClaims, register, signOut, start, upload, type Challenge, type Progress } from "./flow.js";
import { attemptsInWords } from "./words.js";

type View =
  | { name: "loading" }
  | { name: "signed-out" }
  | { name: "enroll"; email: string; challenge: Challenge; uploaded: boolean }
  | { name: "face"; email: string; challenge: Challenge }
  | { name: "signed-in"; claims: Record<string, unknown> };

function errorText(error: unknown): string {
  const e = error as Error;
  return e?.name && e.name !== "Error" ? `${e.name}: ${e.message}` : String(e?.message ?? error);
}

/** A heading that takes the focus when its view appears, so a screen reader starts there. */
function ViewHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h2 ref={ref} tabIndex={-1}>
      {children}
    </h2>
  );
}

function PhotoFile({ label, busy, onChoose }: { label: string; busy: boolean; onChoose(file: File): void }) {
  return (
    <p className="file">
      <label htmlFor={`file-${label}`}>{label}</label>
      <input
        id={`file-${label}`}
        type="file"
        accept="image/jpeg,image/png"
        disabled={busy}
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = "";
          if (file) onChoose(file);
        }}
      />
    </p>
  );
}

export function App({ config }: { config: AppConfig }) {
  const [view, setView] = useState<View>({ name: "loading" });
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [problem, setProblem] = useState("");
  // The ID document chosen in this sign-in: a refused code brings a new upload URL, and the
  // same document goes there again.
  const documentPhoto = useRef<Blob | null>(null);

  const announce = useCallback((text: string) => setStatus(text), []);

  useEffect(() => {
    idTokenClaims().then((claims) => setView(claims ? { name: "signed-in", claims } : { name: "signed-out" }));
  }, []);

  /** Runs one step: busy while it runs, its failure shown as an alert. */
  const step = async (what: string, run: () => Promise<void>) => {
    setBusy(true);
    setProblem("");
    announce(what);
    try {
      await run();
    } catch (error) {
      setProblem(errorText(error));
      announce("");
    } finally {
      setBusy(false);
    }
  };

  const advance = async (who: string, progress: Progress, before?: Challenge) => {
    if (progress.signedIn) {
      documentPhoto.current = null;
      setView({ name: "signed-in", claims: (await idTokenClaims()) ?? {} });
      announce(`Signed in as ${who}.`);
      return;
    }
    const challenge = progress.challenge;
    if (challenge.step === "ENROLL") {
      let uploaded = false;
      if (before && documentPhoto.current) {
        // A new round: the document goes to this round's upload URL.
        await upload(challenge, documentPhoto.current);
        uploaded = true;
      }
      setCode("");
      setView({ name: "enroll", email: who, challenge, uploaded });
      announce(
        challenge.lastError
          ? `${challenge.lastError} ${attemptsInWords(challenge.attemptsLeft)}`
          : `We mailed a code to ${who}. Add a photo of your ID document, then type the code.`,
      );
    } else {
      setView({ name: "face", email: who, challenge });
      announce(challenge.lastError ? `${challenge.lastError} ${attemptsInWords(challenge.attemptsLeft)}` : "Take a photo of your face to sign in.");
    }
  };

  /** A refused sign-in (the third wrong answer, an expired session) starts over at the email form. */
  const refused = (error: unknown) => {
    const e = error as Error;
    if (e?.name !== "NotAuthorizedException") throw error;
    documentPhoto.current = null;
    setView({ name: "signed-out" });
    setProblem(`Sign-in refused: ${e.message} Start again with Sign in.`);
    announce("");
    return true;
  };

  const signInWith = (address: string) =>
    step(`Signing in as ${address}…`, async () => {
      documentPhoto.current = null;
      await advance(address, await start(address));
    });

  const onSignIn = (event: FormEvent) => {
    event.preventDefault();
    if (email.trim()) void signInWith(email.trim());
  };

  const onSignUp = () => {
    const address = email.trim();
    if (!address) {
      setProblem("Type your email first.");
      return;
    }
    void step(`Signing up ${address}…`, async () => {
      const created = await register(address);
      announce(created === "created" ? `Signed up as ${address}.` : `${address} already has an account: signing in.`);
      await advance(address, await start(address));
    });
  };

  const useDocument = (photo: Blob) => {
    if (view.name !== "enroll") return;
    void step("Uploading your ID document…", async () => {
      await upload(view.challenge, photo);
      documentPhoto.current = photo;
      setView({ ...view, uploaded: true });
      announce("ID document uploaded. Now type the code we mailed you.");
    });
  };

  const onCode = (event: FormEvent) => {
    event.preventDefault();
    if (view.name !== "enroll") return;
    void step("Checking your code and your ID document…", async () => {
      try {
        await advance(view.email, await answer(code.trim()), view.challenge);
      } catch (error) {
        refused(error);
      }
    });
  };

  const useSelfie = (photo: Blob) => {
    if (view.name !== "face") return;
    void step("Checking your face…", async () => {
      await upload(view.challenge, photo);
      try {
        await advance(view.email, await answer(view.challenge.uploadKey), view.challenge);
      } catch (error) {
        refused(error);
      }
    });
  };

  const onSignOut = () =>
    step("Signing out…", async () => {
      await signOut();
      setView({ name: "signed-out" });
      announce("Signed out.");
    });

  let body: ReactNode;
  switch (view.name) {
    case "loading":
      body = <p>Loading…</p>;
      break;
    case "signed-out":
      body = (
        <form onSubmit={onSignIn} aria-labelledby="welcome">
          <h2 id="welcome">Sign in or sign up</h2>
          <p>
            <label htmlFor="email">Email</label>
            <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} disabled={busy} />
          </p>
          <div className="actions">
            <button type="submit" disabled={busy}>
              Sign in
            </button>
            <button type="button" className="secondary" onClick={onSignUp} disabled={busy}>
              Sign up
            </button>
          </div>
          <p className="note">New here? Sign up with your email: you will enrol with a photo of your ID document and a code we mail you. No password.</p>
        </form>
      );
      break;
    case "enroll":
      body = (
        <section aria-labelledby="enroll-heading">
          <ViewHeading>
            <span id="enroll-heading">Enrol your face</span>
          </ViewHeading>
          <p>
            We mailed a code to <strong>{view.email}</strong>. First a photo of your ID document, with your face on it; then the code.
          </p>
          {view.challenge.lastError && (
            <p className="refusal">
              {view.challenge.lastError} {attemptsInWords(view.challenge.attemptsLeft)}
            </p>
          )}
          <h3>1. Your ID document {view.uploaded && <span className="done">(uploaded)</span>}</h3>
          <Camera key={`doc-${view.challenge.uploadKey}`} subject="ID document" busy={busy} onUse={useDocument} announce={announce} />
          <PhotoFile label="ID document" busy={busy} onChoose={useDocument} />
          <h3>2. The code we mailed you</h3>
          <form onSubmit={onCode}>
            <p>
              <label htmlFor="code">Code</label>
              <input
                id="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
                disabled={busy}
              />
            </p>
            <div className="actions">
              <button type="submit" disabled={busy || !view.uploaded}>
                Confirm
              </button>
            </div>
            {!view.uploaded && <p className="note">Upload your ID document first.</p>}
          </form>
        </section>
      );
      break;
    case "face":
      body = (
        <section aria-labelledby="face-heading">
          <ViewHeading>
            <span id="face-heading">Sign in with your face</span>
          </ViewHeading>
          <p>
            Signing in as <strong>{view.email}</strong>. Face the camera in good light, then take a photo.
          </p>
          {view.challenge.lastError && <p className="refusal">{view.challenge.lastError}</p>}
          <p>{attemptsInWords(view.challenge.attemptsLeft)}</p>
          <Camera key={`face-${view.challenge.uploadKey}`} subject="face" busy={busy} onUse={useSelfie} announce={announce} />
          <PhotoFile label="Selfie from a file" busy={busy} onChoose={useSelfie} />
        </section>
      );
      break;
    case "signed-in": {
      const claims = Object.entries(view.claims);
      body = (
        <section aria-labelledby="signed-in-heading">
          <ViewHeading>
            <span id="signed-in-heading">You are signed in</span>
          </ViewHeading>
          <p>
            Signed in as <strong>{String(view.claims.email ?? view.claims["cognito:username"] ?? "")}</strong>.
          </p>
          <table>
            <caption>Your ID token's claims</caption>
            <thead>
              <tr>
                <th scope="col">Claim</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {claims.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{typeof value === "number" && /(^|_)(exp|iat|auth_time)$/.test(name) ? `${value} (${new Date(value * 1000).toLocaleString()})` : String(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={() => void onSignOut()} disabled={busy}>
              Sign out
            </button>
          </div>
        </section>
      );
      break;
    }
  }

  return (
    <main>
      <header>
        <h1>Face login</h1>
        <p className="target">
          {config.userPoolEndpoint ? `Local stack at ${config.userPoolEndpoint}` : `AWS, ${config.region}`} · user pool {config.userPoolId}
        </p>
      </header>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {body}
      <p role="status" aria-live="polite" className="status">
        {status}
      </p>
    </main>
  );
}
