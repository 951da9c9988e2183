import { useEffect, useRef, useState } from "react";

type CameraState = "starting" | "live" | "taken" | "unavailable";

export interface CameraProps {
  /** What the photo is for, in the button's and the preview's words: "selfie", "ID document". */
  subject: string;
  busy: boolean;
  /** The photo the person chose to use: a JPEG of the frame they took. */
  onUse(photo: Blob): void;
  /** Tells assistive technology what happened ("Photo taken."). */
  announce(text: string): void;
}

/**
 * The webcam: a live preview, "Take photo" freezes a frame, then "Use this photo" or "Try again".
 * The frame is drawn on a canvas and encoded as JPEG (quality 0.92), as a browser app would send
 * it; the preview is shown mirrored, the photo as the camera saw it.
 */
export function Camera({ subject, busy, onUse, announce }: CameraProps) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const [state, setState] = useState<CameraState>("starting");
  const [problem, setProblem] = useState<string>("");
  const [photo, setPhoto] = useState<{ blob: Blob; url: string } | null>(null);

  useEffect(() => {
    let cancelled = false;
    if (!navigator.mediaDevices?.getUserMedia) {
      setState("unavailable");
      setProblem("This browser gives this page no camera (a page needs https or localhost for one).");
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: true, audio: false })
      .then((media) => {
        if (cancelled) {
          for (const track of media.getTracks()) track.stop();
          return;
        }
        stream.current = media;
        if (video.current) video.current.srcObject = media;
      })
      .catch((error: Error) => {
        if (cancelled) return;
        setState("unavailable");
        setProblem(`The camera could not be opened (${error.name}). You can choose a file instead.`);
      });
    return () => {
      cancelled = true;
      for (const track of stream.current?.getTracks() ?? []) track.stop();
      stream.current = null;
    };
  }, []);

  useEffect(() => () => {
    if (photo) URL.revokeObjectURL(photo.url);
  }, [photo]);

  const take = () => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext("2d")!.drawImage(v, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (!blob) return;
        setPhoto({ blob, url: URL.createObjectURL(blob) });
        setState("taken");
        announce(`Photo taken. Use this photo, or try again.`);
      },
      "image/jpeg",
      0.92,
    );
  };

  const retake = () => {
    setPhoto(null);
    setState("live");
    announce("The camera is live again.");
  };

  return (
    <div className="camera">
      <video
        ref={video}
        aria-label={`Camera preview for your ${subject}`}
        className={state === "taken" ? "hidden" : "mirrored"}
        autoPlay
        muted
        playsInline
        // No announcement here: the sign-in's own news (a refusal, attempts left) must not be
        // replaced by "camera on"; the Take photo button becoming enabled says it.
        onPlaying={() => setState((current) => (current === "starting" ? "live" : current))}
      />
      {photo && state === "taken" && <img src={photo.url} alt={`The photo you took of your ${subject}`} />}
      {state === "unavailable" && <p className="note">{problem}</p>}
      <div className="actions">
        {state !== "taken" && (
          <button type="button" onClick={take} disabled={busy || state !== "live"}>
            Take photo
          </button>
        )}
        {state === "taken" && (
          <>
            <button type="button" onClick={() => photo && onUse(photo.blob)} disabled={busy}>
              Use this photo
            </button>
            <button type="button" className="secondary" onClick={retake} disabled={busy}>
              Try again
            </button>
          </>
        )}
      </div>
    </div>
  );
}
