import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { loadConfig } from "./config.js";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
loadConfig().then(
  (config) => root.render(<App config={config} />),
  (error: Error) =>
    root.render(
      <main>
        <h1>Face login</h1>
        <p role="alert" className="problem">
          The app could not load its configuration: {error.message}. It reads amplify_outputs.json from beside app.js.
        </p>
      </main>,
    ),
);
